"""Wagtail's own log-in and password-reset doors, sending everyone on to allauth's.

Wagtail answers log-ins at /admin/login/ and /_util/login/ (private pages) and resets
passwords at /admin/password_reset/ with Django's views, which know nothing of allauth's
rate limits, lock-outs and email verification. config/urls.py routes those URLs here
first: they redirect to allauth's pages with a safe ``next`` and never read credentials.
"""

import re
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache


def safe_next(request: HttpRequest, default: str = "") -> str:
    """The ``next`` of *request* when it stays on this site, else *default*."""
    target = request.POST.get("next") or request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# Query parameters that change what a page shows (the ask page's product, a list's sort,
# filter and page), in a fixed order.
NEXT_PARAMETERS = ("product", "sort", "show", "page")
# Their values are slugs, names of choices or page numbers: anything else is left out.
_NEXT_VALUE = re.compile(r"[\w-]{1,64}", re.ASCII)


def page_next(request: HttpRequest) -> str:
    """Where the log-in and sign-up links of the page answering *request* lead back to.

    The page itself, with its query (``/ask/?product=x``), when it is one to come back
    to; on allauth's own pages the ``next`` they were given, so that going from logging
    in to signing up still ends where the member was going.
    """
    match = request.resolver_match
    if match is None or request.method not in ("GET", "HEAD"):
        return ""
    if match.func.__module__.startswith("allauth."):
        target = safe_next(request)
    else:
        # Only the parameters pages understand: a kept page is shared by every visitor of
        # its canonical URL and must not carry one visitor's extra query into its links.
        kept = [
            (key, request.GET[key])
            for key in NEXT_PARAMETERS
            if _NEXT_VALUE.fullmatch(request.GET.get(key, ""))
        ]
        target = request.path + (f"?{urlencode(kept)}" if kept else "")
    # Where a log-in ends anyway needs no next (the links stay plain on the home page).
    return "" if target == resolve_url(settings.LOGIN_REDIRECT_URL) else target


def _to_allauth(url_name: str, target: str) -> HttpResponse:
    url = reverse(url_name)
    return HttpResponseRedirect(f"{url}?{urlencode({'next': target})}" if target else url)


@never_cache
def admin_login(request: HttpRequest) -> HttpResponse:
    """Wagtail's admin log-in: allauth's log-in, then on to the admin page asked for."""
    target = safe_next(request, default=reverse("wagtailadmin_home"))
    if request.user.is_authenticated:
        # Wagtail sends a member here when they may not use the admin; allauth's log-in
        # would send them straight back (they are logged in), round and round.
        if not request.user.has_perm("wagtailadmin.access_admin"):
            raise PermissionDenied(_("Your account may not open this page."))
        return HttpResponseRedirect(target)
    return _to_allauth("account_login", target)


@never_cache
def page_login(request: HttpRequest) -> HttpResponse:
    """Wagtail's log-in for private pages: allauth's log-in, then back to the page."""
    if request.user.is_authenticated:
        # Logged in, yet refused the page: it is for groups this member is not in.
        raise PermissionDenied(_("Your account may not open this page."))
    return _to_allauth("account_login", safe_next(request))


@never_cache
def password_reset(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Wagtail's password reset and its steps: allauth's password reset (rate-limited).

    A link from a mail Wagtail sent before this door was closed lands here too and
    starts over: its token is Django's, which allauth does not take.
    """
    return _to_allauth("account_reset_password", "")
