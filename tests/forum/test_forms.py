"""forum.forms: what each form accepts, how it cleans it and what it says when it refuses."""

import uuid

import pytest
from django.core.exceptions import ValidationError

from forum.forms import (
    AnswerForm,
    AskForm,
    CommentForm,
    EditPostForm,
    PreviewForm,
    TagsField,
    VoteForm,
    parse_tags,
)

pytestmark = pytest.mark.django_db

BODY = "The heating keeps running for an hour after the schedule ends."


def _ask(product, **overrides) -> AskForm:
    data = {
        "category": str(product.pk),
        "title": "Heating stays on after schedule ends",
        "body": BODY,
        "tags": "heating",
    }
    return AskForm({**data, **overrides})


# --- tags -------------------------------------------------------------------------------------


def test_parse_tags_splits_on_commas_and_spaces_and_lowercases():
    assert parse_tags("WiFi, display  #E42,,firmware") == ["wifi", "display", "e42", "firmware"]


def test_parse_tags_drops_repeats_and_keeps_first_order():
    assert parse_tags("wifi display WIFI wifi") == ["wifi", "display"]


def test_parse_tags_of_empty_input_is_empty():
    assert parse_tags("") == []


def test_tags_field_accepts_five_tags():
    assert TagsField().clean("a b c d e") == ["a", "b", "c", "d", "e"]


def test_tags_field_refuses_six_tags_and_says_how_many():
    field = TagsField()

    with pytest.raises(ValidationError, match=r"Use at most 5 tags \(you gave 6\)\.") as refused:
        field.clean("a b c d e f")

    assert refused.value.code == "too_many_tags"


def test_tags_field_refuses_a_tag_longer_than_thirty_characters():
    with pytest.raises(ValidationError, match="is too long") as refused:
        TagsField().clean("x" * 31)

    assert refused.value.code == "tag_too_long"


@pytest.mark.parametrize("tag", ["wi/fi", "e42!", "-wifi", "a<b"])
def test_tags_field_refuses_a_tag_with_bad_characters(tag):
    with pytest.raises(ValidationError, match="may use only letters, digits") as refused:
        TagsField().clean(tag)

    assert refused.value.code == "tag_invalid"


@pytest.mark.parametrize("tag", ["c++", "c#", "wi-fi", "v2.1", "thermostat_pro", "ärger"])
def test_tags_field_accepts_letters_digits_and_the_allowed_marks(tag):
    assert TagsField().clean(tag) == [tag]


def test_tags_field_is_optional():
    assert TagsField().clean("") == []


# --- ask --------------------------------------------------------------------------------------


def test_ask_form_accepts_a_complete_question(category):
    form = _ask(category, tags="Heating, schedule")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["category"] == category
    assert form.cleaned_data["tags"] == ["heating", "schedule"]


def test_ask_form_collapses_whitespace_in_the_title(category):
    form = _ask(category, title="  Heating   stays on \n after schedule  ")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["title"] == "Heating stays on after schedule"


def test_ask_form_counts_the_title_after_collapsing_whitespace(category):
    form = _ask(category, title="Fix          it")

    assert not form.is_valid()
    assert form.errors["title"] == [
        "The title is too short: write at least 10 characters (it has 6)."
    ]


def test_ask_form_refuses_a_too_short_body_and_says_its_length(category):
    form = _ask(category, body="It breaks.")

    assert not form.is_valid()
    assert form.errors["body"] == [
        "The description is too short: write at least 20 characters (it has 10)."
    ]


def test_ask_form_offers_only_published_products(category):
    from tests.factories import make_category

    hidden = make_category("Draft Product")
    hidden.unpublish()

    form = AskForm()

    assert list(form.fields["category"].queryset) == [category]


def test_ask_form_refuses_an_unpublished_product(category):
    from tests.factories import make_category

    hidden = make_category("Draft Product")
    hidden.unpublish()

    form = _ask(category, category=str(hidden.pk))

    assert not form.is_valid()
    assert form.errors["category"] == ["Please choose one of the products in the list."]


def test_ask_form_gives_a_new_form_a_submission_key():
    first, second = AskForm(), AskForm()

    assert isinstance(first.initial["submission_key"], uuid.UUID)
    assert first.initial["submission_key"] != second.initial["submission_key"]


def test_ask_form_keeps_the_submitted_key(category):
    key = uuid.uuid4()

    form = _ask(category, submission_key=str(key))

    assert form.is_valid(), form.errors
    assert form.cleaned_data["submission_key"] == key


# --- answer, comment, edit, vote, preview -----------------------------------------------------


def test_answer_form_refuses_an_empty_answer():
    form = AnswerForm({"body": ""})

    assert not form.is_valid()
    assert form.errors["body"] == ["Please write your answer."]


def test_comment_form_refuses_more_than_600_characters():
    form = CommentForm({"body": "x" * 601})

    assert not form.is_valid()
    assert form.errors["body"] == [
        "The comment is too long: keep it to 600 characters (it has 601)."
    ]


def test_edit_form_for_an_answer_has_only_the_text():
    form = EditPostForm(is_question=False)

    assert list(form.fields) == ["body"]


def test_edit_form_for_a_question_requires_a_title():
    form = EditPostForm({"title": "", "body": BODY, "tags": ""}, is_question=True)

    assert not form.is_valid()
    assert form.errors["title"] == ["Please write a title."]


def test_edit_form_for_a_question_cleans_title_and_tags():
    form = EditPostForm(
        {"title": " Heating  stays on after schedule ", "body": BODY, "tags": "Heating"},
        is_question=True,
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["title"] == "Heating stays on after schedule"
    assert form.cleaned_data["tags"] == ["heating"]


@pytest.mark.parametrize(("value", "expected"), [("up", 1), ("down", -1), ("clear", 0)])
def test_vote_form_maps_the_button_to_a_vote_value(value, expected):
    form = VoteForm({"value": value})

    assert form.is_valid()
    assert form.vote_value() == expected


def test_vote_form_refuses_an_unknown_value():
    form = VoteForm({"value": "2"})

    assert not form.is_valid()
    assert form.errors["value"] == ["Unknown vote."]


def test_preview_form_refuses_text_longer_than_a_post():
    assert not PreviewForm({"body": "x" * 20_001}).is_valid()
