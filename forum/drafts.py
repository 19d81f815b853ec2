"""What a member typed into a form that was refused, kept in their session for a while.

A failed post redirects to a page the member can reload or see in another language (the
thread, the ask page, the edit page), and that page shows the form again bound to what
was typed, so its errors are checked again, in the language of the page. The draft is
dropped when the form is posted, and forgotten after ``FORUM_DRAFT_SECONDS``.
"""

import time

from django.conf import settings
from django.http import HttpRequest, QueryDict

_SESSION_KEY = "forum:drafts"
_KEPT = 10  # drafts per session; the oldest goes first
# A field's text is kept up to this length: twice the longest post, so a text refused as
# too long comes back (and is refused again) without letting one request fill the session.
_FIELD_CHARACTERS = 40_000


def _drafts(request: HttpRequest) -> dict:
    return request.session.get(_SESSION_KEY, {})


def keep(request: HttpRequest, name: str, data: QueryDict, fields: list[str], **extra) -> None:
    """Remember *fields* of the posted *data* under *name* (e.g. ``answer:12``)."""
    drafts = {
        key: draft
        for key, draft in _drafts(request).items()
        if time.time() - draft["at"] < settings.FORUM_DRAFT_SECONDS and key != name
    }
    values = {field: [data[field][:_FIELD_CHARACTERS]] for field in fields if field in data}
    drafts[name] = {"at": time.time(), "data": values, **extra}
    while len(drafts) > _KEPT:
        drafts.pop(min(drafts, key=lambda key: drafts[key]["at"]))
    request.session[_SESSION_KEY] = drafts


def get(request: HttpRequest, name: str) -> dict | None:
    """The draft kept under *name*: ``{"data": QueryDict, **extra}``, or None."""
    if not hasattr(request, "session"):
        return None
    draft = _drafts(request).get(name)
    if draft is None or time.time() - draft["at"] >= settings.FORUM_DRAFT_SECONDS:
        return None
    data = QueryDict(mutable=True)
    for field, values in draft["data"].items():
        data.setlist(field, values)
    return {**draft, "data": data}


def drop(request: HttpRequest, name: str) -> None:
    drafts = _drafts(request)
    if name in drafts:
        del drafts[name]
        request.session[_SESSION_KEY] = drafts
