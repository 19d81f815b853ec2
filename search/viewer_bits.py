"""Search's per-viewer bit of the forum's thread page (``forum.slots``): related threads.

Which threads are related is worked out by the index task after each change of a thread
and kept in the shared cache for ``RELATED_SECONDS`` (a view that finds it missing works it
out: a search); each view then asks the viewer's visibility for those few ids (one query,
none when there are none), so a thread hidden since is never shown.
"""

from functools import cache

from django.core.cache import cache as shared_cache
from django.utils.html import escape
from django.utils.translation import gettext as _

from forum import permissions, slots
from forum.models import Thread
from forum.viewer_bits import Viewer
from search import api
from search.models import SearchDocument

RELATED = 5
RELATED_SECONDS = 3600


@cache
def _labels(language: str) -> dict[str, str]:
    return {
        "heading": escape(_("Related threads")),
        "solved": escape(_("Solved")),
    }


def related_ids(thread_id: int, *, refresh: bool = False) -> list[int]:
    """The threads related to *thread_id*, best first: kept in the shared cache, worked out
    again when missing or when *refresh* (the index task does it after each change of
    the thread, so views seldom pay for it)."""
    key = f"search:related:{thread_id}"
    ids = None if refresh else shared_cache.get(key)
    if ids is None:
        row = (
            SearchDocument.objects.filter(kind="thread", object_id=thread_id)
            .values("title", "question", "product_id")
            .first()
        )
        ids = []
        if row is not None:
            hits = api.similar(
                row["title"],
                row["question"][:2000],
                product_id=row["product_id"],
                exclude=[thread_id],
                k=RELATED,
            )
            ids = [hit.pk for hit in hits if hit.kind == "thread"]
        shared_cache.set(key, ids, RELATED_SECONDS)
    return ids


@slots.filler("thread-related")
def fill_related(viewer: Viewer, pk: str) -> str:
    ids = related_ids(int(pk))
    if not ids:
        return ""
    found = {
        thread.pk: thread
        for thread in permissions.visible_threads(
            viewer.user, Thread.objects.filter(pk__in=ids), include_own_pending=False
        ).only("pk", "title", "slug", "accepted_answer_id")
    }
    if not found:
        return ""
    labels = _labels(viewer.language)
    items = []
    for thread_id in ids:
        thread = found.get(thread_id)
        if thread is None:
            continue
        mark = (
            f' <span class="mark mark-solved">{labels["solved"]}</span>' if thread.is_solved else ""
        )
        link = thread.get_absolute_url()
        items.append(f'<li><a href="{escape(link)}">{escape(thread.title)}</a>{mark}</li>')
    return (
        '<section class="related-threads" aria-labelledby="related-heading">'
        f'<h2 id="related-heading">{labels["heading"]}</h2>'
        f'<ul class="simple-list">{"".join(items)}</ul></section>'
    )
