"""Tags: one per normalised name, each with its own slug, made once and kept."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from forum import services
from forum.forms import TagsField
from forum.models import Tag, normalize_tag_name
from tests.factories import UserFactory, make_category, make_thread

pytestmark = pytest.mark.django_db

TITLE = "Thermostat display flickers after the update"
BODY = "Since the **firmware update** the display flickers every few seconds."


def _ask(author, category, tags, title=TITLE):
    return services.ask_question(
        author=author, category=category, title=title, body=BODY, tags=tags
    )


def test_c_sharp_c_plus_plus_and_c_are_three_tags_with_three_slugs(customer, category):
    _ask(customer, category, ["c#", "c++", "c"])

    slugs = dict(Tag.objects.values_list("name", "slug"))
    assert slugs == {"c#": "c-sharp", "c++": "c-plus-plus", "c": "c"}


def test_c_sharp_c_plus_plus_and_c_each_have_their_own_page(client, customer, category):
    threads = {
        name: _ask(customer, category, [name], title=f"A question about the {name} SDK here")
        for name in ("c#", "c++", "c")
    }

    for name, thread in threads.items():
        html = client.get(Tag.objects.get(name=name).get_absolute_url()).content.decode()
        assert thread.title in html
        others = [t.title for n, t in threads.items() if n != name]
        assert not any(title in html for title in others), name


def test_tag_typed_in_capitals_finds_the_existing_tag(customer, category):
    first = _ask(customer, category, ["c#"])

    second = _ask(customer, category, ["C#"], title="Another question about the SDK")

    assert second.tags.get() == first.tags.get()
    assert Tag.objects.count() == 1


def test_tag_typed_in_full_width_letters_finds_the_existing_tag(customer, category):
    first = _ask(customer, category, ["wifi"])

    second = _ask(customer, category, ["\uff37\uff49\uff26\uff49"], title="Wi-Fi drops every hour")

    assert second.tags.get() == first.tags.get()


def test_tags_field_gives_normalised_names():
    assert TagsField().clean("C# \uff23\uff0b\uff0b, #Wi-Fi") == ["c#", "c++", "wi-fi"]


def test_normalised_name_is_case_folded_trimmed_and_single_spaced():
    assert normalize_tag_name("  Stra\u00dfe   Hub\t") == "strasse hub"


def test_tag_whose_slug_is_taken_gets_the_next_free_one_and_the_first_keeps_its_own(
    customer, category
):
    _ask(customer, category, ["c-sharp"])
    first = Tag.objects.get(name="c-sharp")

    _ask(customer, category, ["c#"], title="Another question about the SDK")

    first.refresh_from_db()
    assert first.slug == "c-sharp"
    assert Tag.objects.get(name="c#").slug == "c-sharp-2"


def test_slug_stays_when_its_threads_are_retagged_or_deleted(customer, category):
    thread = _ask(customer, category, ["c#"])
    question = thread.posts.get(kind="question")
    services.edit_post(question, editor=customer, body=question.body_markdown, tags=["C++"])
    services.delete_post(question, actor=customer)

    again = _ask(customer, category, ["C#"], title="Another question about the SDK")

    assert again.tags.get().slug == "c-sharp"
    assert Tag.objects.get(name="c++").slug == "c-plus-plus"


def test_tag_slug_cannot_be_edited_through_a_model_form():
    assert not Tag._meta.get_field("slug").editable


def test_tag_page_asked_for_by_name_redirects_to_its_slug(client, customer, category):
    _ask(customer, category, ["c#"])

    response = client.get(reverse("forum:tag", kwargs={"slug": "C#"}))

    assert response.status_code == 301
    assert response.url == "/tags/c-sharp/"


def test_tag_page_of_an_unknown_tag_is_not_found(client):
    assert client.get(reverse("forum:tag", kwargs={"slug": "no-such-tag"})).status_code == 404


def test_factory_threads_share_tags_by_name(customer, category):
    one = make_thread(author=customer, category=category, tags=("Firmware",))
    two = make_thread(author=customer, category=category, tags=("firmware",))

    assert one.tags.get() == two.tags.get()


# --- the migration that gave existing tags their identity --------------------------------------

BEFORE = [("forum", "0007_thread_others_comment_count")]
AFTER = [("forum", "0009_tag_slug_made_once")]


@pytest.mark.flushes_db
@pytest.mark.django_db(transaction=True)
def test_migration_merges_names_that_normalise_alike_and_frees_lossy_slugs():
    thread = make_thread(author=UserFactory(), category=make_category())
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("forum")
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    tag_model = old.get_model("forum", "Tag")
    tagging = old.get_model("forum", "Thread").tags.through
    lumped = tag_model.objects.create(name="c#", slug="c")  # "c" and "c++" landed here too
    upper = tag_model.objects.create(name="WiFi", slug="wifi")
    wide = tag_model.objects.create(name="\uff57\uff49\uff46\uff49", slug="wifi-2")
    plain = tag_model.objects.create(name="firmware", slug="firmware-update")
    tagging.objects.create(thread_id=thread.pk, tag_id=wide.pk)
    tagging.objects.create(thread_id=thread.pk, tag_id=lumped.pk)

    try:
        MigrationExecutor(connection).migrate(AFTER)

        tags = {tag.pk: (tag.name, tag.slug) for tag in Tag.objects.all()}
        assert tags == {
            lumped.pk: ("c#", "c-sharp"),
            upper.pk: ("wifi", "wifi"),
            plain.pk: ("firmware", "firmware-update"),
        }
        assert set(thread.tags.values_list("pk", flat=True)) == {lumped.pk, upper.pk}
    finally:
        MigrationExecutor(connection).migrate(latest)
