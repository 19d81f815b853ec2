"""Whole-page cache for anonymous visitors on thread and list pages.

Anonymous visitors (no session cookie, no pending messages) all see the same page, so it
is rendered once and served from the cache until something it shows changes. Keys carry
a version: each thread has one, and all lists share one. ``invalidate_thread`` (called
by the receivers in ``forum.apps`` for every forum event, after commit) drops the
thread's version and the lists' version, so the next visitor renders afresh; a version
that has been evicted is simply replaced, which also misses. Changes outside the forum's
events (a member renames themself, gets a new role) show within
``FORUM_PAGE_CACHE_SECONDS``.

The cached HTML holds a placeholder where the CSRF token goes (the language switcher
needs one); each response gets the visitor's own token. The placeholder is random per
rendering and stored with the page, so text that users write can never contain it.
"""

import secrets
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

LISTS_VERSION_KEY = "forum:lists:version"


def _thread_version_key(thread_id: int) -> str:
    return f"forum:thread:{thread_id}:version"


def _version(key: str) -> int:
    return cache.get_or_set(key, time.time_ns(), timeout=None)


def thread_version(thread_id: int) -> int:
    return _version(_thread_version_key(thread_id))


def lists_version() -> int:
    return _version(LISTS_VERSION_KEY)


def invalidate_thread(thread_id: int | None) -> None:
    keys = [LISTS_VERSION_KEY]
    if thread_id is not None:
        keys.append(_thread_version_key(thread_id))
    cache.delete_many(keys)


def invalidate_lists() -> None:
    cache.delete(LISTS_VERSION_KEY)


def is_cacheable(request: HttpRequest) -> bool:
    return (
        settings.FORUM_PAGE_CACHE_SECONDS > 0
        and request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not getattr(request, "htmx", False)
    )


def csrf_placeholder(request: HttpRequest) -> str | None:
    """The token placeholder while a page is being rendered for the cache, else None."""
    return getattr(request, "_forum_csrf_placeholder", None)


def cached_page(request: HttpRequest, key: str, render: Callable[[], HttpResponse]) -> HttpResponse:
    """Serve *render*'s page from the cache for anonymous visitors.

    *key* names the page and its content version; the language and the full path
    (sorting, filters, page number) are added here. Only 200 responses are stored.
    """
    if not is_cacheable(request):
        return render()
    full_key = f"forum:page:{key}:{get_language()}:{request.get_full_path()}"
    cached = cache.get(full_key)
    if cached is None:
        placeholder = f"csrf-{secrets.token_hex(16)}"
        request._forum_csrf_placeholder = placeholder
        try:
            response = render()
            if hasattr(response, "render"):
                response.render()
        finally:
            request._forum_csrf_placeholder = None
        if response.status_code != 200:
            response.content = response.content.replace(
                placeholder.encode(), get_token(request).encode()
            )
            return response
        cached = (placeholder, response.content.decode(response.charset))
        cache.set(full_key, cached, settings.FORUM_PAGE_CACHE_SECONDS)
    placeholder, body = cached
    response = HttpResponse(body.replace(placeholder, get_token(request)))
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response
