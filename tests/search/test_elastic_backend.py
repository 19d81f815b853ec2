"""search.backends.elastic against a cluster: osmem, in memory, unless ELASTICSEARCH_URL
names a real one (with ELASTICSEARCH_COMPAT_HEADERS=0 if it wants plain JSON media types).

Each test gets indices of its own (a fresh prefix) and builds its documents by hand."""

import datetime
import json
import os
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from search import analysis
from search.backends import BackendUnavailable, elastic
from search.backends.base import Document, Filters, Query, SimilarQuery, Sort, TermGroup
from search.backends.elastic import ElasticsearchBackend

NOW = datetime.datetime(2026, 1, 10, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(scope="session")
def search_cluster():
    """(url, compat_headers) of the cluster the tests run against."""
    url = os.environ.get("ELASTICSEARCH_URL")
    if url:
        compat = os.environ.get("ELASTICSEARCH_COMPAT_HEADERS", "1").lower() not in {"0", "false"}
        yield url, compat
        return
    from osmem_server import OsmemServer

    with OsmemServer.start(japanese=False) as server:
        yield server.url, False


@pytest.fixture
def backend(search_cluster):
    url, compat = search_cluster
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    backend = ElasticsearchBackend(
        url=url, index_prefix=prefix, compat_headers=compat, refresh=True, timeout=10
    )
    yield backend
    names = list(backend.client.indices.get(index=f"{prefix}-*"))
    if names:
        backend.client.indices.delete(index=names)


def doc(pk: int, title: str, question: str = "", **fields) -> Document:
    values = {
        "kind": "thread",
        "pk": pk,
        "title": title,
        "url": f"/t/{pk}/",
        "product_id": 1,
        "language": "en",
        "question": question,
        "created_at": NOW - datetime.timedelta(days=pk),
        "activity_at": NOW - datetime.timedelta(days=pk),
        **fields,
    }
    return Document(**values)


def query(text: str, *, visible=(1, 2), **fields) -> Query:
    return Query(text=text, groups=analysis.parse(text), visible_product_ids=visible, **fields)


def pks(hits) -> list[int]:
    return [hit.pk for hit in hits]


def test_search_ranks_a_title_match_above_a_body_match(backend):
    backend.index(
        [
            doc(1, "Screen stays black", "The router blinks red after the update."),
            doc(2, "Router blinks red", "Nothing works since yesterday."),
        ]
    )

    results = backend.search(query("router"))

    assert pks(results.hits) == [2, 1]
    assert results.backend == "elasticsearch"


def test_search_ranks_a_solved_thread_above_an_unsolved_one_with_the_same_text(backend):
    backend.index(
        [
            doc(1, "Thermostat loses its schedule", "It forgets the schedule."),
            doc(2, "Thermostat loses its schedule", "It forgets the schedule.", solved=True),
        ]
    )

    assert pks(backend.search(query("thermostat schedule")).hits) == [2, 1]


def test_search_finds_english_words_in_another_form(backend):
    backend.index([doc(1, "Printer configured for duplex"), doc(2, "Scanner jams")])

    assert pks(backend.search(query("configuring")).hits) == [1]


def test_search_finds_german_words_in_another_form(backend):
    backend.index(
        [
            doc(1, "Der Drucker druckt nicht", language="de"),
            doc(2, "Tablet für ein Kind einrichten", language="de"),
            doc(3, "Scanner jams"),
        ]
    )

    assert pks(backend.search(query("Druckers", language="de")).hits) == [1]
    # Three letters apart: stemming, not typo tolerance.
    assert pks(backend.search(query("Kindern", language="de")).hits) == [2]


def test_search_finds_polish_words_with_or_without_a_polish_stemmer(backend):
    backend.index([doc(1, "Drukarka nie drukuje", language="pl"), doc(2, "Scanner jams")])

    assert pks(backend.search(query("drukarka", language="pl")).hits) == [1]


def test_search_counts_facets(backend):
    backend.index(
        [
            doc(1, "Battery drains fast", tags=("battery",), tag_names=("Battery",), solved=True),
            doc(
                2,
                "Battery drains overnight",
                tags=("battery", "sleep"),
                tag_names=("Battery", "Sleep mode"),
            ),
            doc(3, "Battery swells", product_id=2, language="de", staff_answered=True),
        ]
    )

    facets = backend.search(query("battery")).facets

    def counts(name):
        return [(value.value, value.label, value.count) for value in facets[name]]

    assert counts("product") == [("1", "1", 2), ("2", "2", 1)]
    assert counts("tag") == [("battery", "Battery", 2), ("sleep", "Sleep mode", 1)]
    assert counts("status") == [("open", "open", 2), ("solved", "solved", 1)]
    assert counts("staff") == [("no", "no", 2), ("yes", "yes", 1)]
    assert counts("language") == [("en", "en", 2), ("de", "de", 1)]


def test_search_highlights_matches_and_escapes_markup(backend):
    backend.index(
        [doc(1, "Router <script>alert(1)</script> reboots", "The router reboots at night.")]
    )

    hit = backend.search(query("router")).hits[0]

    assert "<mark>Router</mark>" in hit.title_html
    assert "&lt;script&gt;" in hit.title_html
    assert "<script>" not in hit.title_html
    assert "<mark>router</mark>" in hit.snippet_html


def test_search_never_returns_nor_counts_documents_outside_the_visible_products(backend):
    backend.index([doc(1, "Modem firmware"), doc(2, "Modem firmware", product_id=9)])

    results = backend.search(query("modem", visible=(1,)))
    nothing = backend.search(query("modem", visible=()))

    assert (pks(results.hits), results.total) == ([1], 1)
    assert [value.value for value in results.facets["product"]] == ["1"]
    assert (nothing.hits, nothing.total) == ([], 0)


def test_search_narrows_to_the_filters(backend):
    backend.index(
        [
            doc(1, "Speaker crackles", tags=("audio",), tag_names=("Audio",), solved=True),
            doc(2, "Speaker crackles", tags=("audio",), tag_names=("Audio",)),
            doc(3, "Speaker crackles", solved=True),
        ]
    )

    results = backend.search(query("speaker", filters=Filters(tags=("audio",), status="solved")))

    assert pks(results.hits) == [1]


def test_search_tolerates_typos(backend):
    backend.index([doc(1, "Printer offline"), doc(2, "Scanner offline")])

    assert pks(backend.search(query("pritner")).hits) == [1]


def test_search_matches_synonyms(backend):
    backend.index(
        [
            doc(1, "Wireless drops every hour"),
            doc(2, "Cable is loose"),
            doc(3, "Access point: the network name is hidden"),
        ]
    )
    group = TermGroup("wifi", alternatives=("wireless", "network name"))

    results = backend.search(Query(text="wifi", groups=(group,), visible_product_ids=(1,)))

    assert sorted(pks(results.hits)) == [1, 3]


def test_search_matches_any_word_when_none_holds_all_and_says_so(backend):
    backend.index([doc(1, "Keyboard repeats keys"), doc(2, "Mouse cursor freezes")])

    results = backend.search(query("keyboard freezes"))

    assert sorted(pks(results.hits)) == [1, 2]
    assert results.partial


def test_search_proposes_a_spelling_when_few_hits(backend):
    backend.index([doc(1, "Headphones disconnect"), doc(2, "Headphones crackle")])

    assert backend.search(query("headphnoes")).did_you_mean == "headphones"
    assert backend.search(query("headphones")).did_you_mean == ""
    assert backend.search(query("headphnoes zzzqqq")).did_you_mean == ""  # finds nothing


def test_search_sorts_by_newest_and_by_votes(backend):
    backend.index(
        [
            doc(1, "Fan noise", votes=1),
            doc(2, "Fan noise", votes=5, me_too=4),
            doc(3, "Fan noise", votes=2),
        ]
    )

    assert pks(backend.search(query("fan", sort=Sort.NEWEST)).hits) == [1, 2, 3]
    assert pks(backend.search(query("fan", sort=Sort.VOTES)).hits) == [2, 3, 1]


def test_rebuild_swaps_the_alias_and_drops_the_old_index(backend, monkeypatch):
    monkeypatch.setattr(elastic, "BATCH", 10)
    backend.index([doc(1, "Old thread about batteries")])
    (old_index,) = backend.client.indices.get_alias(name=backend.alias("thread"))
    seen_during = []

    def progress(n):
        seen_during.append((n, pks(backend.search(query("batteries")).hits)))

    fresh = [doc(pk, f"Batteries topic {pk}") for pk in range(2, 26)]
    fresh.append(doc(7, "Batteries explained", kind="article"))
    count = backend.rebuild(iter(fresh), total=len(fresh), progress=progress)

    (new_index,) = backend.client.indices.get_alias(name=backend.alias("thread"))
    assert count == 25
    assert seen_during == [(10, [1]), (10, [1]), (5, [1])]  # the old index answers meanwhile
    assert new_index != old_index
    assert new_index.startswith(f"{backend.alias('thread')}-v")
    assert not backend.client.indices.exists(index=old_index)
    assert backend.count() == 25
    results = backend.search(query("batteries", limit=30))
    assert results.total == 25
    assert ("article", 7) in [(hit.kind, hit.pk) for hit in results.hits]


def test_rebuild_that_fails_leaves_the_old_index_serving(backend, monkeypatch):
    monkeypatch.setattr(elastic, "BATCH", 2)
    backend.index([doc(1, "Old thread about chargers")])
    before = set(backend.client.indices.get(index=f"{backend.index_prefix}-*"))

    def documents():
        yield from [doc(2, "Chargers"), doc(3, "Chargers")]
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        backend.rebuild(documents())

    assert set(backend.client.indices.get(index=f"{backend.index_prefix}-*")) == before
    assert pks(backend.search(query("chargers")).hits) == [1]


def test_remove_deletes_documents(backend):
    backend.index([doc(1, "Lamp flickers"), doc(2, "Lamp flickers too")])

    backend.remove("thread", [1, 99])

    assert pks(backend.search(query("lamp")).hits) == [2]
    assert backend.count() == 1


def test_suggest_completes_the_last_word(backend):
    backend.index(
        [doc(1, "Smart plug keeps disconnecting"), doc(2, "Smartwatch battery"), doc(3, "Plug")]
    )

    hits = backend.suggest(query("smart plug disc"))

    assert pks(hits) == [1]
    assert pks(backend.suggest(query("smartw"))) == [2]


def test_similar_ranks_the_near_duplicate_first(backend):
    backend.index(
        [
            doc(1, "Camera app crashes when zooming", "The camera app crashes when I zoom in."),
            doc(2, "Camera lens is scratched", "There is a scratch on the lens."),
            doc(3, "Gallery app crashes on start", "Gallery crashes right away."),
            doc(4, "Camera app crashes when zooming in", "Same crash when zooming."),
        ]
    )

    hits = backend.similar(
        SimilarQuery(
            title="Camera app crash while zooming",
            body="It crashes every time I zoom.",
            visible_product_ids=(1,),
            exclude=(4,),
            k=2,
        )
    )

    assert pks(hits)[0] == 1
    assert len(hits) == 2
    assert 4 not in pks(hits)


@pytest.fixture
def answering():
    """A stand-in cluster that answers every request with a given status: the URL of
    ``answering(status)``."""
    servers = []

    def start(status: int) -> str:
        class Handler(BaseHTTPRequestHandler):
            def answer(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.dumps({"error": {"type": "stand_in", "reason": "no"}, "status": status})
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Elastic-Product", "Elasticsearch")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body.encode())

            def log_message(self, *args):
                pass

        for verb in ("GET", "POST", "PUT", "DELETE", "HEAD"):
            setattr(Handler, f"do_{verb}", Handler.answer)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_cluster_answering_5xx_raises_backend_unavailable(answering):
    backend = ElasticsearchBackend(url=answering(503), index_prefix="down", timeout=2)

    with pytest.raises(BackendUnavailable):
        backend.search(query("anything"))
    with pytest.raises(BackendUnavailable):
        backend.index([doc(1, "Anything")])


def test_a_bad_request_is_not_an_outage(answering):
    backend = ElasticsearchBackend(url=answering(400), index_prefix="bad", timeout=2)

    with pytest.raises(Exception, match="stand_in") as raised:
        backend.search(query("anything"))

    assert not isinstance(raised.value, BackendUnavailable)


def test_an_unreachable_cluster_raises_backend_unavailable():
    backend = ElasticsearchBackend(url="http://127.0.0.1:9", index_prefix="nowhere", timeout=1)

    with pytest.raises(BackendUnavailable):
        backend.search(query("anything"))
    with pytest.raises(BackendUnavailable):
        backend.index([doc(1, "Anything")])
