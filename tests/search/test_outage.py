"""An Elasticsearch outage delays index updates and loses none: the stand-in is stopped,
members post and accept answers, searches fall back to the database meanwhile, the
stand-in starts again, and the outbox's retries bring every change into the index."""

import os
import socket
import uuid

import pytest

from core import events as outbox
from core.models import EventTask
from search import api, backends, tasks

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("ELASTICSEARCH_URL")),
    reason="stops and starts the osmem stand-in; a real cluster is not ours to stop",
)


def _free_address() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def stand_in(settings):
    """A stand-in that the test can stop and start again at the same address."""
    from osmem_server import OsmemServer

    address = _free_address()

    class StandIn:
        server = None

        def start(self):
            self.server = OsmemServer.start(japanese=False, addr=address)
            return self.server.url

        def stop(self):
            self.server.close()

    stand_in = StandIn()
    settings.ELASTICSEARCH_URL = stand_in.start()
    settings.ELASTICSEARCH_COMPAT_HEADERS = False
    settings.ELASTICSEARCH_INDEX_PREFIX = f"outage-{uuid.uuid4().hex[:10]}"
    settings.ELASTICSEARCH_TIMEOUT = 2
    yield stand_in
    stand_in.stop()


def _elasticsearch_tasks():
    return EventTask.objects.filter(task_path__in=[tasks.index_in_elasticsearch.module_path])


def test_changes_made_while_elasticsearch_is_down_reach_it_once_it_is_back(
    stand_in, corpus, brand_rep
):
    before = corpus.ask("Pump hums before the outage")
    assert [hit.pk for hit in api.search("pump hums").hits] == [before.pk]
    assert api.search("pump hums").backend == "elasticsearch"

    stand_in.stop()
    during = corpus.ask("Pump hums during the outage")
    answer = corpus.answer(before, "Bleed the radiators, then restart the pump.", accept=True)
    corpus.answer(during, "Check the pump's capacitor first.", author=brand_rep)

    # The site keeps working: searches come from the database, which has every change.
    results = api.search("pump hums")
    assert results.fell_back
    assert {hit.pk for hit in results.hits} == {before.pk, during.pk}
    assert api.outage_since() is not None
    # Nothing was dropped: each Elasticsearch update waits, failed, to be tried again.
    waiting = _elasticsearch_tasks().exclude(status=EventTask.Status.DONE)
    assert waiting.count() == 4  # ask, answer, accept, staff answer
    assert all(task.attempts == 1 and task.last_error for task in waiting)

    stand_in.start()  # empty again: the stand-in keeps nothing in memory across a stop
    outbox.retry_now(tasks=list(waiting.values_list("pk", flat=True)))
    outbox.sweep()

    assert not _elasticsearch_tasks().exclude(status=EventTask.Status.DONE).exists()
    backend = backends.elasticsearch_backend()
    results = api.search("pump hums")
    assert not results.fell_back
    assert results.backend == "elasticsearch"
    found = {hit.pk: hit for hit in results.hits}
    assert set(found) == {before.pk, during.pk}
    assert found[before.pk].solved  # the answer accepted during the outage
    assert found[during.pk].staff_answered  # the staff answer posted during the outage
    assert "capacitor" in " ".join(hit.snippet_html for hit in api.search("capacitor").hits)
    assert backend.count() == 2
    assert answer.pk  # the accepted answer exists (kept for the reader of this test)
