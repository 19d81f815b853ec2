"""Help offered while a question is being written, from the apps above the forum.

Search registers a helper here (as moderation registers screeners in
``forum.screening``) that offers threads which may already answer the question: live
as it is typed (``panel``: HTML the ask form carries, which loads suggestions), and,
for a browser without JavaScript, as a step before posting (``before_posting``). It
hears when the question is posted (``posted``), so asks abandoned after a suggestion
can be counted. The forum imports nothing of it.
"""

from __future__ import annotations

from typing import Protocol

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe


class AskHelper(Protocol):
    def panel(self, request: HttpRequest) -> SafeString:
        """HTML placed in the ask form under the title and body fields."""
        ...

    def before_posting(
        self, request: HttpRequest, *, title: str, body: str, category_id: int | None
    ) -> SafeString | None:
        """HTML to show before the question is posted, or None to post at once."""
        ...

    def posted(self, request: HttpRequest, thread) -> None: ...


HELPERS: list[AskHelper] = []


def register(helper: AskHelper) -> AskHelper:
    if helper not in HELPERS:
        HELPERS.append(helper)
    return helper


def panel(request: HttpRequest) -> SafeString:
    return mark_safe("".join(helper.panel(request) for helper in HELPERS))  # noqa: S308


def before_posting(
    request: HttpRequest, *, title: str, body: str, category_id: int | None
) -> SafeString | None:
    found = [
        html
        for helper in HELPERS
        if (html := helper.before_posting(request, title=title, body=body, category_id=category_id))
    ]
    return mark_safe("".join(found)) if found else None  # noqa: S308 (the helpers' own HTML)


def posted(request: HttpRequest, thread) -> None:
    for helper in HELPERS:
        helper.posted(request, thread)
