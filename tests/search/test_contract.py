"""The search contract, run against both backends through ``search.api``: the database
backend (SQLite FTS5 or PostgreSQL, whichever the run uses) and Elasticsearch (the osmem
stand-in, or a real cluster when ELASTICSEARCH_URL is set). Content is written through the
forum's services and reaches the index through the outbox, as in production."""

import os
import socket
import uuid

import pytest
from django.contrib.auth.models import AnonymousUser

from forum import services as forum_services
from moderation import services as moderation_services
from moderation.models import ScreeningRule
from search import api, backends
from search.backends.base import Filters, Status
from search.models import SearchDocument


@pytest.fixture(scope="module")
def cluster():
    """(url, compat headers) of an Elasticsearch-compatible cluster for this module."""
    url = os.environ.get("ELASTICSEARCH_URL")
    if url:
        compat = os.environ.get("ELASTICSEARCH_COMPAT_HEADERS", "1").lower() not in {"0", "false"}
        yield url, compat
        return
    from osmem_server import OsmemServer

    with OsmemServer.start(japanese=False) as server:
        yield server.url, False


@pytest.fixture(params=["database", "elasticsearch"])
def backend(request, settings):
    """The backend searches are answered by; index updates reach it through the outbox."""
    if request.param == "elasticsearch":
        url, compat = request.getfixturevalue("cluster")
        settings.ELASTICSEARCH_URL = url
        settings.ELASTICSEARCH_COMPAT_HEADERS = compat
        settings.ELASTICSEARCH_INDEX_PREFIX = f"contract-{uuid.uuid4().hex[:10]}"
        settings.ELASTICSEARCH_REFRESH = True
        backend = backends.elasticsearch_backend()
        yield backend
        names = list(backend.client.indices.get(index=f"{settings.ELASTICSEARCH_INDEX_PREFIX}-*"))
        if names:
            backend.client.indices.delete(index=names)
    else:
        yield backends.database_backend()


def titles(results) -> list[str]:
    return [hit.title for hit in results.hits]


def test_every_search_is_answered_by_the_backend_under_test(backend, corpus):
    corpus.ask("Printer drops off the network")
    results = api.search("printer")
    assert results.backend == backend.name
    assert not results.fell_back


def test_a_title_match_ranks_above_a_body_match(backend, corpus):
    corpus.ask("Screen stays black at start", "The router blinks red after the update.")
    corpus.ask("Router blinks red all night", "Nothing else works since yesterday evening.")
    assert titles(api.search("router"))[0] == "Router blinks red all night"


def test_a_solved_thread_ranks_above_an_unsolved_one_at_equal_text_match(backend, corpus):
    unsolved = corpus.ask("Bluetooth pairing fails", "Pairing fails every time I try it.")
    solved = corpus.ask("Bluetooth pairing fails", "Pairing fails every time I try it.")
    corpus.answer(solved, "Remove the old pairing first, then pair again.", accept=True)
    corpus.answer(unsolved, "Have you tried turning it off and on?")
    hits = api.search("bluetooth pairing").hits
    assert [hit.pk for hit in hits][:2] == [solved.pk, unsolved.pk]
    assert hits[0].solved
    assert not hits[1].solved


def test_english_words_are_found_in_their_other_forms(backend, corpus):
    corpus.ask("Configured schedules are ignored", "The heating ignores the schedule.")
    assert titles(api.search("configuring schedule")) == ["Configured schedules are ignored"]


def test_german_words_are_found_in_their_other_forms(backend, corpus):
    corpus.ask(
        "Das Thermostat zeigt falsche Temperaturen",
        "Seit dem Update zeigt die Anzeige falsche Werte bei den Kindern im Zimmer.",
        language="de",
    )
    # "Temperatur" -> "temperaturen", "Kind" -> "Kindern": only stemming joins them.
    assert titles(api.search("Temperatur Kind")) == ["Das Thermostat zeigt falsche Temperaturen"]


def test_facets_count_products_tags_status_staff_and_language(
    backend, corpus, second_category, brand_rep
):
    first = corpus.ask("Display flickers at night", tags=("display",))
    corpus.ask("Display flickers when cold", tags=("display", "winter"))
    corpus.ask("Display flickers after reset", category=second_category, language="de")
    corpus.answer(first, "Lower the brightness in the settings.", accept=True)
    corpus.answer(first, "Staff here: a fix ships next week.", author=brand_rep)
    facets = api.search("display flickers").facets

    def counts(name):
        return {value.value: value.count for value in facets[name]}

    assert counts("product") == {str(corpus.category.pk): 2, str(second_category.pk): 1}
    assert counts("tag") == {"display": 2, "winter": 1}
    assert counts("status") == {Status.SOLVED.value: 1, Status.OPEN.value: 2}
    assert counts("staff") == {"yes": 1, "no": 2}
    assert counts("language") == {"en": 2, "de": 1}
    narrowed = api.search("display flickers", filters=Filters(tags=("winter",)))
    assert titles(narrowed) == ["Display flickers when cold"]


def test_matches_are_highlighted_and_text_is_escaped(backend, corpus):
    corpus.ask("Firmware update stuck at 40%", "The <script>alert(1)</script> firmware hangs.")
    hit = api.search("firmware").hits[0]
    assert "<mark>Firmware</mark>" in hit.title_html
    assert "<mark>firmware</mark>" in hit.snippet_html
    assert "<script>" not in hit.snippet_html


def test_hidden_pending_and_deleted_content_is_never_returned_nor_counted(
    backend, corpus, brand_rep, indexed
):
    hidden = corpus.ask("Valve rattles loudly when hidden")
    deleted = corpus.ask("Valve rattles loudly when deleted")
    kept = corpus.ask("Valve rattles loudly and stays")
    question = corpus.question_of(hidden)
    with indexed():
        moderation_services.hide_post(question, moderator=brand_rep, reason="spam")
        forum_services.delete_post(corpus.question_of(deleted), actor=corpus.asker)
    ScreeningRule.objects.create(pattern="rattles", is_regex=False, note="held")
    pending = corpus.ask("Valve rattles loudly while pending", author=corpus.helper)
    assert not pending.is_published
    for viewer in (AnonymousUser(), corpus.asker, corpus.helper):
        results = api.search("valve rattles", user=viewer)
        assert [hit.pk for hit in results.hits] == [kept.pk]
        assert results.total == 1
        assert sum(value.count for value in results.facets["status"]) == 1
    assert SearchDocument.objects.filter(object_id__in=[hidden.pk, deleted.pk]).count() == 0


def test_a_hidden_answer_no_longer_finds_its_thread(backend, corpus, brand_rep, indexed):
    thread = corpus.ask("Heating stays on")
    answer = corpus.answer(thread, "Replace the zebracable connector.")
    assert titles(api.search("zebracable")) == ["Heating stays on"]
    with indexed():
        moderation_services.hide_post(answer, moderator=brand_rep, reason="wrong")
    assert titles(api.search("zebracable")) == []


def test_typos_are_tolerated_on_elasticsearch_only(backend, corpus):
    corpus.ask("Thermostat battery drains quickly")
    found = titles(api.search("thermostta"))
    if backend.name == "elasticsearch":
        assert found == ["Thermostat battery drains quickly"]
    else:  # the database finds words as written (docs/search.md says so)
        assert found == []
        assert backend.capabilities["typo_tolerance"] is False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
