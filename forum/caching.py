"""Shared page cache for every visitor, right on many processes.

A page (thread, home, product, tag, product index) is rendered once per content
version, language, page parameters and *audience*, with slots where the per-viewer
bits go (``forum.slots``), and kept in the cache as static text plus slots. Serving it,
to an anonymous visitor or a member alike, fills the slots for that viewer; anonymous
visitors cost no query, members only the few their bits need (their session, their
votes). Posts are also kept as fragments per post version (``forum.fragments``), so a
change to one answer re-renders that answer, not the thread.

Keys are built only from what a page understands: its path, the language (from the
URL), the page number, sort and filter, each normalised; other query parameters make
no new entries. The audience is what decides which content the page holds for its
viewer: sign-in, moderation and groups (``forum.permissions.audience``), which with the
pages' version decide the products they may see. Versions (each a cache
entry holding a number) are dropped by the forum's events after commit
(``drop_for_event``): a thread's own version on every event in it, the lists' versions
(all threads, its product, its tags) only by events that change a list row; publishing,
unpublishing, moving or restricting a Wagtail page drops the pages' version and, for a
product, its threads' versions.

The cache must be shared by every process that serves pages or dispatches events:
Redis in production (``REDIS_URL``); without it production turns the page cache off
(``check --deploy`` warns). The embedded default keeps it in files under ``.cache/``,
which the web server and the worker process share.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Model, Q
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language

from forum import events, permissions, slots
from forum.listing import list_params

GENERATION_KEY = "forum:generation"
# The shape of what is kept: change it whenever kept HTML or its slots' arguments change
# (a filler gains an argument, a template's markup changes). Old and new code share the
# cache during a rolling deploy; each must read only pages and blocks it can fill.
FORMAT = "f9"

# Events after which list rows (title, marks, counters, order) may differ.
LIST_EVENTS = {
    events.question_asked.name,
    events.answer_posted.name,
    events.comment_posted.name,  # bumps the thread's last activity
    events.post_deleted.name,
    events.answer_accepted.name,
    events.answer_unaccepted.name,
    events.thread_locked.name,
    events.thread_unlocked.name,
    events.thread_pinned.name,
    events.thread_unpinned.name,
    events.post_hidden.name,
    events.post_restored.name,
}


def enabled() -> bool:
    return settings.FORUM_PAGE_CACHE_SECONDS > 0


# --- Versions -------------------------------------------------------------------------


def thread_version_key(thread_id: int) -> str:
    return f"forum:v:thread:{thread_id}"


def list_version_key(scope: str) -> str:
    """*scope*: ``all``, ``path:<a product page's path>`` or ``tag:<slug>``."""
    return f"forum:v:list:{scope}"


def page_path(url_path: str) -> str:
    """A Wagtail page's path as served (``/home/c/x/`` -> ``c/x/``): one site, one root."""
    parts = url_path.strip("/").split("/")[1:]
    return "/".join(parts) + "/" if parts else ""


def wagtail_scope(path: str) -> str:
    """The list version a Wagtail page at *path* shows: all threads at the root."""
    return "all" if path == "" else f"path:{path}"


def versions(*keys: str) -> list[int]:
    """The current value of each version key, read in one round trip, starting any missing."""
    found = cache.get_many(keys)
    missing = {key: time.time_ns() for key in keys if key not in found}
    if missing:
        cache.set_many(missing, timeout=None)
        found.update(missing)
    if permissions.PAGES_VERSION_KEY in keys:
        permissions.remember(permissions.PAGES_VERSION_KEY, found[permissions.PAGES_VERSION_KEY])
    return [found[key] for key in keys]


def drop(keys: Iterable[str]) -> None:
    keys = list(keys)
    if keys:
        cache.delete_many(keys)


def drop_everything() -> None:
    """After bulk changes that send no events (seeding, re-rendering every post)."""
    drop([GENERATION_KEY, permissions.PAGES_VERSION_KEY, list_version_key("all")])


def drop_for_event(
    name: str, payload: dict, *, changes_lists: bool = False, category_ids: tuple = ()
) -> None:
    """Drop what the event *name* changed: its thread's page, and lists when a row changed
    (upper apps' events say so with *changes_lists*, and name products a thread left in
    *category_ids*)."""
    from forum.models import CategoryPage, Tag, Thread

    thread_id = payload.get("thread_id")
    keys = [thread_version_key(thread_id)] if thread_id else []
    changes_list = (
        changes_lists
        or name in LIST_EVENTS
        or (
            name in {events.post_edited.name, events.vote_changed.name}
            and payload.get("kind") == "question"
        )
    )
    if changes_list and thread_id:
        keys.append(list_version_key("all"))
        product_paths = list(
            Thread.objects.filter(pk=thread_id).values_list("category__url_path", flat=True)
        )
        if category_ids:
            product_paths += CategoryPage.objects.filter(pk__in=category_ids).values_list(
                "url_path", flat=True
            )
        keys += [list_version_key(f"path:{page_path(path)}") for path in product_paths]
        tags = Tag.objects.filter(Q(threads=thread_id) | Q(pk__in=payload.get("old_tag_ids") or ()))
        slugs = tags.values_list("slug", flat=True).distinct()
        keys += [list_version_key(f"tag:{slug}") for slug in slugs]
    drop(keys)


def drop_for_page(page: Model) -> None:
    """A Wagtail page was published, unpublished, moved, deleted or (un)restricted."""
    from forum.models import CategoryPage, Thread

    keys = [permissions.PAGES_VERSION_KEY, list_version_key("all")]
    keys.append(list_version_key(f"path:{page_path(page.url_path)}"))
    products = CategoryPage.objects.filter(path__startswith=page.path)
    keys += [
        list_version_key(f"path:{page_path(url_path)}")
        for url_path in products.values_list("url_path", flat=True)
    ]
    thread_ids = Thread.objects.filter(category__in=products).values_list("pk", flat=True)
    keys += [thread_version_key(pk) for pk in thread_ids.iterator()]
    drop(keys)


# --- Keys -----------------------------------------------------------------------------


def page_number(request: HttpRequest) -> int:
    value = request.GET.get("page", "1")
    return int(value) if value.isdigit() and len(value) < 10 else 1


def list_key(request: HttpRequest, name: str, scope: str) -> str:
    """The key of a list page: *name* is its own identity (path), *scope* its list's version.

    The audience is the class of viewers who see the same products and states (anonymous,
    members of the same groups, moderators): with the pages' version it decides the rows.
    Every version is read in one round trip.
    """
    sort, show = list_params(request)
    generation, pages, list_version = versions(
        GENERATION_KEY, permissions.PAGES_VERSION_KEY, list_version_key(scope)
    )
    return ":".join(
        str(part)
        for part in (
            f"forum:page:{FORMAT}",
            name,
            generation,
            pages,
            list_version,
            get_language(),
            permissions.audience(request.user),
            sort,
            show,
            page_number(request),
        )
    )


def thread_key(request: HttpRequest, thread_id: int, audience: str) -> str:
    generation, version, _ = versions(
        GENERATION_KEY, thread_version_key(thread_id), permissions.PAGES_VERSION_KEY
    )
    return (
        f"forum:page:{FORMAT}:thread:{thread_id}:{generation}:{version}:{get_language()}:"
        f"{audience}:{page_number(request)}"
    )


# --- Serving --------------------------------------------------------------------------


@dataclass
class Rendered:
    """A page rendered with slots: the response and what its fillers need to know."""

    response: HttpResponse
    meta: dict
    cacheable: bool = True


def is_cacheable_request(request: HttpRequest) -> bool:
    return enabled() and request.method == "GET" and not getattr(request, "htmx", False)


def render_slotted(render: Callable[[], HttpResponse | Rendered]) -> Rendered:
    """Call *render* with slots on (the CSRF token becomes a slot too)."""
    from forum import viewer_bits

    with viewer_bits.slotted():
        result = render()
        if isinstance(result, HttpResponse):
            result = Rendered(result, {})
        if hasattr(result.response, "render"):
            result.response.render()
    return result


class LocalPages:
    """This process's copies of kept pages, by their versioned keys, bounded in bytes.

    A versioned key names content that never changes (a change makes a new key), and the
    versions themselves are always read from the shared cache, so a copy here is never
    stale: it only saves fetching and unpickling the page from Redis on every hit.
    """

    def __init__(self, limit_bytes: int):
        self.limit = limit_bytes
        self.items: OrderedDict[str, tuple[float, int, object]] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: str) -> object | None:
        with self.lock:
            item = self.items.get(key)
            if item is None:
                return None
            if item[0] < time.monotonic():
                self._pop(key)
                return None
            self.items.move_to_end(key)
            return item[2]

    def set(self, key: str, value: object, size: int) -> None:
        if size > self.limit // 8:
            return
        with self.lock:
            if key in self.items:
                self._pop(key)
            self.items[key] = (time.monotonic() + settings.FORUM_PAGE_CACHE_SECONDS, size, value)
            self.size += size
            while self.size > self.limit and self.items:
                self._pop(next(iter(self.items)))

    def _pop(self, key: str) -> None:
        self.size -= self.items.pop(key)[1]

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.size = 0


local_pages = LocalPages(settings.FORUM_LOCAL_PAGES_BYTES)


def _parts_size(parts: slots.Parts) -> int:
    return sum(len(part) if isinstance(part, str) else 64 for part in parts)


def serve(
    request: HttpRequest,
    key: str | None,
    render: Callable[[], HttpResponse | Rendered],
    *,
    check: Callable[[dict], HttpResponse | None] | None = None,
    viewer_meta: Callable[[dict], dict] | None = None,
) -> HttpResponse:
    """Serve a slotted page: from the cache under *key* when there, else *render* it.

    *check* looks at a kept page's meta before it is served (may the viewer see it, is
    the URL canonical?) and answers instead when it returns a response. Only 200 HTML
    responses are kept. *viewer_meta* adds what the fillers need for this viewer.
    """
    from forum import viewer_bits

    anonymous = not request.user.is_authenticated and "messages" not in request.COOKIES
    if key and anonymous:
        # Every anonymous visitor gets the same page: it is kept filled.
        kept = local_pages.get(f"{key}:anonymous") or cache.get(f"{key}:anonymous")
        if isinstance(kept, tuple) and len(kept) == 2:
            meta, body = kept
            if check and (answer := check(meta)):
                return answer
            local_pages.set(f"{key}:anonymous", kept, len(body))
            response = HttpResponse(body)
            set_cache_headers(request, response)
            return response
    entry = (local_pages.get(key) or cache.get(key)) if key else None
    if isinstance(entry, tuple) and len(entry) == 2:
        parts, meta = entry
        if check and (answer := check(meta)):
            return answer
        local_pages.set(key, entry, _parts_size(parts))
    else:
        result = render_slotted(render)
        response = result.response
        if response.status_code != 200 or not response.get("Content-Type", "").startswith(
            "text/html"
        ):
            return viewer_bits.fill_response(request, response, {})
        parts, meta = slots.split(response.content.decode(response.charset)), result.meta
        key = key if result.cacheable else None
        if key:
            cache.set(key, (parts, meta), settings.FORUM_PAGE_CACHE_SECONDS)
    if viewer_meta and not anonymous:
        meta = {**meta, **viewer_meta(meta)}
    body = slots.fill(parts, viewer_bits.Viewer(request, meta)).encode()
    if anonymous and key:
        cache.set(f"{key}:anonymous", (meta, body), settings.FORUM_PAGE_CACHE_SECONDS)
    response = HttpResponse(body)
    set_cache_headers(request, response)
    return response


def set_cache_headers(request: HttpRequest, response: HttpResponse) -> None:
    """Anonymous pages are the same for every anonymous visitor: a proxy may keep them."""
    shared = (
        not request.user.is_authenticated
        and not response.cookies
        and "messages" not in request.COOKIES
        and enabled()
    )
    if shared:
        patch_cache_control(
            response, public=True, max_age=0, s_maxage=settings.FORUM_PROXY_CACHE_SECONDS
        )
    else:
        patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Cookie"])
