"""Middleware of the forum: fill per-viewer slots; keep the language to the URL."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils.translation import get_language_from_path

from forum import permissions, viewer_bits


class SlotMiddleware:
    """Fill the slots of any HTML page rendered outside the page cache (ask, profile...),
    and keep a per-request memo of what every permission check asks (``forum.permissions``).

    Pages served by ``forum.caching.serve`` are filled there; this catches the rest, so a
    slot can never reach a browser. Listed after the message and CSRF middleware, so
    their response handling sees the messages shown and the token handed out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with permissions.request_memo():
            response = self.get_response(request)
        if (
            not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and b"\x00" in response.content
        ):
            viewer_bits.fill_response(request, response, {})
        return response


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's, without ``Vary: Accept-Language`` on pages whose URL decides the language.

    The site's pages are under ``i18n_patterns`` with English unprefixed: ``/t/1/x/`` is
    English for everyone, ``/de/t/1/x/`` German, so a proxy needs no Vary to keep them.
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        had_vary = response.has_header("Vary")
        vary = response.get("Vary")
        response = super().process_response(request, response)
        if getattr(request, "resolver_match", None) and _in_i18n_patterns(request):
            if had_vary:
                response["Vary"] = vary
            elif response.has_header("Vary"):
                del response["Vary"]
        return response


def _in_i18n_patterns(request: HttpRequest) -> bool:
    path = request.path_info
    if get_language_from_path(path):
        return True
    return not any(path.startswith(prefix) for prefix in settings.FORUM_UNPREFIXED_PATHS)
