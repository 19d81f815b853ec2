"""Search's help on the ask page (``forum.asking``): threads like the question being
written, live as it is typed and as a step before posting, and what became of them
(``search.models.AskAttempt``: a deflection when one is opened, given up when the member
neither opens one nor posts)."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from forum import asking as forum_asking
from search import api, services
from search.models import AskAttempt

SESSION_KEY = "search.ask_attempt"
SUGGESTIONS = 5
MIN_TITLE_CHARS = 10


def _attempt(request: HttpRequest) -> AskAttempt | None:
    key = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if not key:
        return None
    return AskAttempt.objects.filter(key=key, member_id=request.user.pk).first()


def _offer(request: HttpRequest, *, title: str, body: str, category_id: int | None):
    """The similar threads to offer, recorded on the member's attempt."""
    if len(title.strip()) < MIN_TITLE_CHARS:
        return []
    hits = api.similar(title, body, user=request.user, product_id=category_id, k=SUGGESTIONS)
    if hits:
        attempt = services.suggestions_shown(
            _attempt(request),
            member=request.user,
            title=title,
            product_id=category_id,
            thread_ids=[hit.pk for hit in hits],
        )
        request.session[SESSION_KEY] = str(attempt.key)
    return hits


def live_panel(request: HttpRequest, *, title: str, body: str, category_id: int | None) -> str:
    hits = _offer(request, title=title, body=body, category_id=category_id)
    return render_to_string("search/_similar.html", {"hits": hits, "live": True}, request=request)


def chosen(request: HttpRequest, thread_id: int) -> None:
    attempt = _attempt(request)
    if attempt is not None:
        services.suggestion_chosen(attempt, thread_id)


class SimilarQuestions:
    """The helper search registers with the forum's ask page."""

    def panel(self, request: HttpRequest) -> SafeString:
        return render_to_string("search/_ask_panel.html", request=request)

    def before_posting(
        self, request: HttpRequest, *, title: str, body: str, category_id: int | None
    ) -> SafeString | None:
        hits = _offer(request, title=title, body=body, category_id=category_id)
        if not hits:
            return None
        return render_to_string("search/_similar.html", {"hits": hits}, request=request)

    def posted(self, request: HttpRequest, thread) -> None:
        attempt = _attempt(request)
        if attempt is not None:
            services.question_posted(attempt, thread.pk)
            request.session.pop(SESSION_KEY, None)


forum_asking.register(SimilarQuestions())
