"""Titles and texts with nothing visible in them are refused; bidi controls leave titles."""

import uuid

import pytest
from django.urls import reverse

from forum.forms import AnswerForm, AskForm, CommentForm, EditPostForm
from forum.models import Thread

pytestmark = pytest.mark.django_db

ZWSP = "\u200b"  # ZERO WIDTH SPACE
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
HANGUL_FILLER = "\u3164"
BODY = "The heating keeps running for an hour after the schedule ends."
NO_WORDS_IN_TITLE = "Please give your question a title with words in it."


def _ask_data(product, **overrides) -> dict:
    data = {
        "category": str(product.pk),
        "title": "Heating stays on after schedule ends",
        "body": BODY,
        "tags": "heating",
        "submission_key": str(uuid.uuid4()),
    }
    return {**data, **overrides}


def test_ask_refuses_a_title_of_zero_width_spaces_and_keeps_the_typed_body(
    client_for, customer, category
):
    response = client_for(customer).post(
        reverse("forum:ask"), _ask_data(category, title=ZWSP * 20), follow=True
    )

    assert response.redirect_chain == [(reverse("forum:ask"), 302)]
    assert response.status_code == 200
    assert response.context["form"].errors["title"] == [NO_WORDS_IN_TITLE]
    assert BODY in response.content.decode()
    assert not Thread.objects.exists()


def test_ask_strips_bidi_controls_and_zero_width_spaces_from_the_title(
    client_for, customer, category
):
    client_for(customer).post(
        reverse("forum:ask"),
        _ask_data(category, title=f"Heating{RLO} stays on{ZWSP} at night"),
    )

    assert Thread.objects.get().title == "Heating stays on at night"


def test_ask_form_refuses_a_title_of_hangul_fillers(category):
    form = AskForm(_ask_data(category, title=HANGUL_FILLER * 12))

    assert not form.is_valid()
    assert form.errors["title"] == [NO_WORDS_IN_TITLE]


def test_ask_form_refuses_a_description_with_nothing_visible(category):
    form = AskForm(_ask_data(category, body=ZWSP * 30))

    assert not form.is_valid()
    assert form.errors["body"] == ["Please describe the problem."]


def test_answer_form_refuses_an_answer_with_nothing_visible():
    form = AnswerForm({"body": f"{ZWSP}\u2800" * 15})

    assert not form.is_valid()
    assert form.errors["body"] == ["Please write your answer."]


def test_comment_form_refuses_a_comment_with_nothing_visible():
    form = CommentForm({"body": HANGUL_FILLER * 3})

    assert not form.is_valid()
    assert form.errors["body"] == ["Please write your comment."]


def test_edit_form_refuses_a_question_title_with_nothing_visible():
    form = EditPostForm({"title": ZWSP * 12, "body": BODY, "tags": ""}, is_question=True)

    assert not form.is_valid()
    assert form.errors["title"] == [NO_WORDS_IN_TITLE]


def test_edit_form_refuses_a_text_with_nothing_visible():
    form = EditPostForm({"body": ZWSP * 25}, is_question=False)

    assert not form.is_valid()
    assert form.errors["body"] == ["Please write the text."]


def test_ask_form_refuses_a_title_that_normalising_makes_too_long(category):
    devanagari_qa = "\u0958"  # composed form is two characters: KA and NUKTA

    form = AskForm(_ask_data(category, title=devanagari_qa * 100))

    assert not form.is_valid()
    assert form.errors["title"] == [
        "The title is too long: keep it to 150 characters (it has 200)."
    ]
