"""Search's per-viewer bit of the forum's thread page (``forum.slots``): related threads.

Which threads are related is worked out once per thread and kept in the cache for
``RELATED_SECONDS`` (a search); each view then asks the viewer's visibility for those
few ids (one query, none when there are none), so a thread hidden since is never shown.
"""

from functools import cache

from django.core.cache import cache as shared_cache
from django.utils.html import escape
from django.utils.translation import gettext as _

from forum import permissions, slots
from forum.models import Post, Thread
from forum.viewer_bits import Viewer
from search import api

RELATED = 5
RELATED_SECONDS = 600


@cache
def _labels(language: str) -> dict[str, str]:
    return {
        "heading": escape(_("Related threads")),
        "solved": escape(_("Solved")),
    }


def related_ids(thread_id: int) -> list[int]:
    key = f"search:related:{thread_id}"
    ids = shared_cache.get(key)
    if ids is None:
        thread = Thread.objects.filter(pk=thread_id).only("title", "category_id").first()
        question = (
            Post.objects.filter(thread_id=thread_id, kind=Post.Kind.QUESTION)
            .values_list("body_markdown", flat=True)
            .first()
        )
        ids = []
        if thread is not None:
            hits = api.similar(
                thread.title,
                (question or "")[:2000],
                product_id=thread.category_id,
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
