"""How well similar() finds the original of a real duplicate: the quantum-computing Stack
Exchange dump (../shared/data, imported with import_stackexchange), where moderators
closed questions as duplicates of others. For each, the duplicate's title and question are
offered to similar() as if it were being asked again, and the original's rank is noted.

Prints recall at 5 and the mean reciprocal rank (over the top 10) per backend (and for the
database with the optional semantic stage, when its extra is installed), and holds
a floor under both, measured when this was written (see docs/search.md for the figures)."""

import os
import uuid
from pathlib import Path

import pytest

from demo.stackexchange import import_dump
from forum.models import Post, Thread
from search import api, backends, semantic

DUMP = Path(__file__).resolve().parents[3] / "shared" / "data" / "stackexchange-quantumcomputing"
# Floors, a little under what each backend measured (docs/search.md).
FLOORS = {"database": (0.3, 0.2), "elasticsearch": (0.2, 0.15), "semantic": (0.8, 0.5)}

pytestmark = pytest.mark.skipif(not DUMP.exists(), reason=f"no dump at {DUMP}")


@pytest.fixture(params=["database", "elasticsearch", "semantic"])
def backend_name(request, settings):
    if request.param == "semantic":
        # The database index with the optional semantic stage (the "semantic" extra).
        if not semantic.installed():
            pytest.skip('the "semantic" extra is not installed (pip install -e ".[semantic]")')
        settings.SEARCH_SEMANTIC = True
        yield request.param
    elif request.param == "elasticsearch":
        url = os.environ.get("ELASTICSEARCH_URL")
        compat = os.environ.get("ELASTICSEARCH_COMPAT_HEADERS", "1").lower() not in {"0", "false"}
        server = None
        if not url:
            from osmem_server import OsmemServer

            server = OsmemServer.start(japanese=False)
            url, compat = server.url, False
        settings.ELASTICSEARCH_URL = url
        settings.ELASTICSEARCH_COMPAT_HEADERS = compat
        settings.ELASTICSEARCH_INDEX_PREFIX = f"dups-{uuid.uuid4().hex[:10]}"
        settings.ELASTICSEARCH_TIMEOUT = 30
        yield request.param
        backend = backends.elasticsearch_backend()
        names = list(backend.client.indices.get(index=f"{settings.ELASTICSEARCH_INDEX_PREFIX}-*"))
        if names:
            backend.client.indices.delete(index=names)
        if server is not None:
            server.close()
    else:
        yield request.param


def test_similar_finds_the_original_of_real_duplicates(backend_name, db, category):
    import_dump(DUMP, product_title="Quantum Computing", progress=False)
    duplicates = list(
        Thread.objects.filter(duplicate_of__isnull=False).select_related("duplicate_of")
    )
    assert len(duplicates) == 10  # the dump's duplicate links between imported questions
    ranks = []
    for duplicate in duplicates:
        question = Post.objects.get(thread=duplicate, kind=Post.Kind.QUESTION)
        hits = api.similar(duplicate.title, question.body_markdown, exclude=[duplicate.pk], k=10)
        expected_backend = "database" if backend_name == "semantic" else backend_name
        assert api.search(duplicate.title).backend == expected_backend
        ids = [hit.pk for hit in hits]
        ranks.append(
            ids.index(duplicate.duplicate_of_id) + 1 if duplicate.duplicate_of_id in ids else None
        )
    recall_at_5 = sum(1 for rank in ranks if rank and rank <= 5) / len(ranks)
    mrr = sum(1 / rank for rank in ranks if rank) / len(ranks)
    print(f"\n{backend_name}: ranks {ranks}, recall@5 {recall_at_5:.2f}, MRR@10 {mrr:.3f}")  # noqa: T201 (the figures this test reports, with -s)
    floor_recall, floor_mrr = FLOORS[backend_name]
    assert recall_at_5 >= floor_recall
    assert mrr >= floor_mrr
