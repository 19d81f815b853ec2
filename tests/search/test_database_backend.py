"""Searching through ``search.api`` with the database backend (SQLite FTS5 or PostgreSQL
full text, whichever DATABASE_URL names): ranking, stemming, facets, highlighting,
visibility, synonyms, sorting, paging, similar questions and type-ahead.

Every thread is written through ``forum.services`` inside ``indexed()``, so the index
holds what the outbox made of it; nothing here assumes one database or the other.
"""

from datetime import timedelta

import pytest
from wagtail.models import PageViewRestriction

from forum import permissions, services
from forum.models import Thread, Visibility
from moderation import services as moderation_services
from moderation.models import ScreeningRule
from search import api
from search.backends.base import Filters, Sort, Status
from search.models import Synonym
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _titles(hits) -> list[str]:
    return [hit.title for hit in hits]


def _facet(results, key: str) -> dict[str, int]:
    return {value.value: value.count for value in results.facets.get(key, [])}


# --- Ranking ---------------------------------------------------------------------------------


def test_a_title_match_ranks_above_a_body_match(corpus):
    # The title match is asked first: on a tie the newer id would come first.
    corpus.ask("Bluetooth pairing fails", "The app cannot find the device any more.")
    corpus.ask("Display stays dark at night", "The bluetooth pairing worked before it went dark.")

    results = api.search("bluetooth")

    assert _titles(results.hits) == ["Bluetooth pairing fails", "Display stays dark at night"]


def test_a_solved_thread_ranks_above_an_unsolved_one_with_the_same_text(corpus):
    # The solved one is asked first: on a tie the newer id would come first.
    solved = corpus.ask("Heating schedule ignored", "The heating schedule is ignored on Sundays.")
    corpus.answer(solved, "Update to firmware 2.1 and enter it again.", accept=True)
    unsolved = corpus.ask("Heating schedule ignored", "The heating schedule is ignored on Sundays.")
    corpus.answer(unsolved, "Update to firmware 2.1 and enter it again.")

    results = api.search("heating schedule")

    assert [hit.pk for hit in results.hits] == [solved.pk, unsolved.pk]
    assert [hit.solved for hit in results.hits] == [True, False]


# --- Stemming --------------------------------------------------------------------------------


def test_english_stemming_finds_another_form_of_the_word(corpus):
    corpus.ask("Thermostat configured for the wrong zone", "It heats the kitchen instead.")

    results = api.search("configuring")

    assert _titles(results.hits) == ["Thermostat configured for the wrong zone"]


# "Druckers" shares its English stem with "Drucker" too; "Druckern" is found only because
# the thread's own language (German) stemmed the document.
@pytest.mark.parametrize("query", ["Druckers", "Druckern"])
def test_german_stemming_finds_another_form_of_the_word_in_a_german_thread(corpus, query):
    corpus.ask("Drucker verbindet sich nicht", "Der Drucker bleibt offline.", language="de")

    results = api.search(query, language="de")

    assert _titles(results.hits) == ["Drucker verbindet sich nicht"]
    assert results.hits[0].language == "de"


# --- Facets ----------------------------------------------------------------------------------


def test_facets_count_products_tags_status_staff_answers_and_languages(
    corpus, second_category, brand_rep
):
    solved = corpus.ask("Error E42 after update", "E42 shows at night.", tags=("wifi", "firmware"))
    corpus.answer(solved, "Reset it.", accept=True)
    staffed = corpus.ask("Error E42 on the display", "E42 again.", tags=("wifi",))
    corpus.answer(staffed, "We are on it.", author=brand_rep)
    corpus.ask("Fehler E42 am Schloss", "E42 blinkt.", category=second_category, language="de")

    results = api.search("E42")

    assert results.total == 3
    assert _facet(results, "product") == {str(corpus.category.pk): 2, str(second_category.pk): 1}
    assert _facet(results, "tag") == {"wifi": 2, "firmware": 1}
    assert _facet(results, "status") == {Status.SOLVED: 1, Status.OPEN: 2}
    assert _facet(results, "staff") == {"yes": 1, "no": 2}
    assert _facet(results, "language") == {"en": 2, "de": 1}


def test_a_filter_narrows_the_hits_and_the_total(corpus, second_category):
    corpus.ask("Error E42 after update", "E42 shows at night.")
    corpus.ask("Error E42 on the lock", "E42 blinks.", category=second_category)

    results = api.search("E42", filters=Filters(product_ids=(second_category.pk,)))

    assert _titles(results.hits) == ["Error E42 on the lock"]
    assert results.total == 1


# --- Highlighting ----------------------------------------------------------------------------


def test_matches_are_marked_in_the_title_and_the_snippet(corpus):
    corpus.ask("Thermostat resets itself", "Every night the thermostat resets to factory mode.")

    hit = api.search("thermostat").hits[0]

    assert hit.title_html == "<mark>Thermostat</mark> resets itself"
    assert "the <mark>thermostat</mark> resets" in hit.snippet_html


def test_markup_typed_in_a_title_or_post_is_escaped_in_the_highlights(corpus):
    corpus.ask(
        "<script>alert(1)</script> thermostat resets",
        "The manual says to use `<script>` tags with the thermostat.",
    )

    hit = api.search("thermostat").hits[0]

    assert "<script>" not in hit.title_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>thermostat</mark>" in hit.title_html
    assert "<script>" not in hit.snippet_html
    assert "use &lt;script&gt; tags with the <mark>thermostat</mark>" in hit.snippet_html


# --- Visibility ------------------------------------------------------------------------------


def _assert_only(results, thread) -> None:
    """*results* hold *thread* alone: in the hits, the total and every facet."""
    assert [hit.pk for hit in results.hits] == [thread.pk]
    assert results.total == 1
    assert _facet(results, "status") == {Status.OPEN: 1}
    assert sum(_facet(results, "product").values()) == 1


def test_a_hidden_thread_is_never_found_nor_counted(corpus, brand_rep, customer):
    shown = corpus.ask("Router drops the connection", "Router drops it every hour.")
    hidden = corpus.ask("Router spam offer", "Cheap routers here.")
    with corpus.indexed():
        moderation_services.hide_post(corpus.question_of(hidden), moderator=brand_rep)

    for viewer in (None, customer, corpus.asker):
        _assert_only(api.search("router", user=viewer), shown)


def test_a_thread_waiting_for_review_is_never_found_nor_counted(corpus):
    ScreeningRule.objects.create(pattern="lottery")
    shown = corpus.ask("Router drops the connection", "Router drops it every hour.")
    pending = corpus.ask("Router lottery winner", "You won a router.")
    assert pending.state == Visibility.PENDING

    for viewer in (None, corpus.asker):  # not even its author, in search
        _assert_only(api.search("router", user=viewer), shown)


def test_a_deleted_thread_is_never_found_nor_counted(corpus):
    shown = corpus.ask("Router drops the connection", "Router drops it every hour.")
    deleted = corpus.ask("Router question asked by mistake", "Router, never mind.")
    with corpus.indexed():
        services.delete_post(corpus.question_of(deleted), actor=corpus.asker)

    _assert_only(api.search("router"), shown)


def test_a_thread_in_an_unpublished_product_is_never_found_nor_counted(
    corpus, second_category, brand_rep
):
    shown = corpus.ask("Router drops the connection", "Router drops it every hour.")
    corpus.ask("Router for the lock", "Router pairing.", category=second_category)

    second_category.unpublish()  # no reindex: the products a viewer may see are asked anew

    for viewer in (None, brand_rep):
        _assert_only(api.search("router", user=viewer), shown)


def test_a_hidden_answers_text_no_longer_finds_its_thread(corpus, brand_rep):
    thread = corpus.ask("Lock battery drains", "It needs new batteries every week.")
    answer = corpus.answer(thread, "Buy my quokkabrand batteries at a discount.")
    assert _titles(api.search("quokkabrand").hits) == ["Lock battery drains"]

    with corpus.indexed():
        moderation_services.hide_post(answer, moderator=brand_rep)

    results = api.search("quokkabrand")
    assert results.hits == []
    assert results.total == 0
    assert _titles(api.search("batteries").hits) == ["Lock battery drains"]


def test_a_product_for_members_only_is_not_found_by_an_anonymous_visitor(corpus, second_category):
    corpus.ask("Router for the lock", "Router pairing.", category=second_category)
    # Restricted after it was indexed: the query itself must leave the product out.
    PageViewRestriction.objects.create(page=second_category, restriction_type="login")

    results = api.search("router")

    assert results.hits == []
    assert results.total == 0
    assert _facet(results, "product") == {}


def test_a_product_for_members_only_is_found_by_a_member_who_may_see_it(
    corpus, second_category, customer
):
    PageViewRestriction.objects.create(page=second_category, restriction_type="login")
    thread = corpus.ask("Router for the lock", "Router pairing.", category=second_category)
    assert permissions.is_visible_thread(customer, thread)  # the member reads it on its page

    results = api.search("router", user=customer)

    assert [hit.pk for hit in results.hits] == [thread.pk]


# --- Synonyms --------------------------------------------------------------------------------


def test_a_synonym_finds_a_thread_that_uses_the_other_word_without_reindexing(corpus):
    corpus.ask("Wifi keeps dropping", "The thermostat loses its wifi every night.")
    assert api.search("wlan").total == 0  # and the synonyms (none yet) are cached now

    Synonym.objects.create(terms="wifi, wlan")

    assert _titles(api.search("wlan").hits) == ["Wifi keeps dropping"]


def test_a_products_synonym_applies_only_when_searching_that_product(corpus, second_category):
    corpus.ask("Wifi keeps dropping", "The thermostat loses its wifi every night.")
    Synonym.objects.create(terms="wifi, wlan", product=corpus.category)

    everywhere = api.search("wlan")
    in_product = api.search("wlan", filters=Filters(product_ids=(corpus.category.pk,)))
    elsewhere = api.search("wlan", filters=Filters(product_ids=(second_category.pk,)))

    assert everywhere.total == 0
    assert _titles(in_product.hits) == ["Wifi keeps dropping"]
    assert elsewhere.total == 0


# --- Some words only -------------------------------------------------------------------------


def test_when_no_thread_has_every_word_the_hits_with_some_are_partial(corpus):
    corpus.ask("Wifi keeps dropping", "Every night.")
    corpus.ask("Display flickers", "After the update.")

    results = api.search("wifi flickers")

    assert sorted(_titles(results.hits)) == ["Display flickers", "Wifi keeps dropping"]
    assert results.total == 2
    assert results.partial is True


def test_when_a_thread_has_every_word_only_such_threads_are_found_and_not_partial(corpus):
    corpus.ask("Wifi keeps dropping", "Every night.")
    corpus.ask("Wifi display flickers", "After the update.")

    results = api.search("wifi flickers")

    assert _titles(results.hits) == ["Wifi display flickers"]
    assert results.partial is False


# --- Sorting and pages -----------------------------------------------------------------------


@pytest.fixture
def three_routers(corpus):
    """Best match first: the title match (asked first); the other two mention it only."""
    first = corpus.ask("Router resets every hour", "Nothing else.")
    second = corpus.ask("Lights go off", "Since the new router arrived.")
    third = corpus.ask("App shows nothing", "Maybe the router blocks it.")
    return first, second, third


def test_sorting_by_newest_puts_the_latest_question_first(corpus, three_routers):
    first, second, third = three_routers
    # The second becomes the newest, so the order is neither relevance nor id.
    Thread.objects.filter(pk=second.pk).update(created_at=third.created_at + timedelta(days=1))
    api.index([second.pk])

    by_relevance = api.search("router")
    newest = api.search("router", sort=Sort.NEWEST)

    assert by_relevance.hits[0].pk == first.pk
    assert [hit.pk for hit in newest.hits] == [second.pk, third.pk, first.pk]


def test_sorting_by_votes_puts_the_most_voted_question_first(corpus, three_routers):
    first, second, third = three_routers
    with corpus.indexed():
        for voter in (UserFactory(), UserFactory()):
            services.cast_vote(corpus.question_of(second), voter=voter, value=1)
        services.cast_vote(corpus.question_of(first), voter=UserFactory(), value=1)

    results = api.search("router", sort=Sort.VOTES)

    assert [hit.pk for hit in results.hits] == [second.pk, first.pk, third.pk]


def test_the_second_page_holds_the_next_hits_without_overlap(corpus):
    for n in range(7):
        corpus.ask(f"Router question {n}", "The router restarts.")

    first_six = api.search("router", per_page=6).hits
    page_1 = api.search("router", page=1, per_page=3)
    page_2 = api.search("router", page=2, per_page=3)

    assert [hit.pk for hit in page_1.hits] == [hit.pk for hit in first_six[:3]]
    assert [hit.pk for hit in page_2.hits] == [hit.pk for hit in first_six[3:6]]
    assert not {hit.pk for hit in page_1.hits} & {hit.pk for hit in page_2.hits}
    assert page_2.total == 7


# --- Similar questions and type-ahead --------------------------------------------------------


@pytest.fixture
def near_duplicate(corpus):
    corpus.ask("Lock battery drains in a week", "The smart lock needs new batteries weekly.")
    duplicate = corpus.ask(
        "Thermostat loses wifi connection after firmware update",
        "Since the firmware update the thermostat drops the wifi connection every night.",
    )
    corpus.ask("Thermostat display flickers", "The display flickers after dark.")
    return duplicate


def test_similar_ranks_the_near_duplicate_first(near_duplicate):
    hits = api.similar(
        "Thermostat keeps losing the wifi connection after updating",
        "After the firmware update my thermostat loses wifi.",
    )

    assert hits[0].pk == near_duplicate.pk


def test_similar_leaves_out_the_threads_it_is_told_to_exclude(near_duplicate):
    hits = api.similar(
        "Thermostat keeps losing the wifi connection after updating",
        exclude=[near_duplicate.pk],
    )

    assert hits  # the other thermostat thread is still offered
    assert near_duplicate.pk not in [hit.pk for hit in hits]


def test_suggest_completes_the_last_word_from_thread_titles(corpus):
    corpus.ask("Thermostat display flickers", "Nothing else.")
    corpus.ask("Wifi connection drops", "The thermostat loses it.")  # only in the text

    assert _titles(api.suggest("therm")) == ["Thermostat display flickers"]
    assert _titles(api.suggest("wifi conn")) == ["Wifi connection drops"]


def test_suggest_completes_from_titles_not_from_tags(corpus):
    corpus.ask("Doorbell chimes twice", "Nothing else.", tags=("wireless",))

    assert api.suggest("wirel") == []
    assert _titles(api.suggest("doorb")) == ["Doorbell chimes twice"]
