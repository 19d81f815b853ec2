"""Search's state changes: the search log (content gaps) and the ask-time suggestions
(deflection). Each is the only code path for its change."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from search import analysis
from search.models import AskAttempt, SearchLog


def log_search(
    text: str,
    *,
    results: int,
    product_id: int | None = None,
    language: str = "en",
    source: str = SearchLog.Source.PAGE,
) -> SearchLog | None:
    """Record a search (its words normalised), or nothing for an empty one."""
    normalised = analysis.normalise(text)
    if not normalised:
        return None
    return SearchLog.objects.create(
        query=text.strip()[:200],
        normalised=normalised,
        product_id=product_id,
        language=language,
        source=source,
        results=results,
    )


def record_click(log_id: int) -> bool:
    """A result of search *log_id* was opened: it is not a content gap. Idempotent."""
    return bool(
        SearchLog.objects.filter(pk=log_id, clicked_at__isnull=True).update(
            clicked_at=timezone.now()
        )
    )


def suggestions_shown(
    attempt: AskAttempt | None,
    *,
    member,
    title: str,
    product_id: int | None,
    thread_ids: Iterable[int],
) -> AskAttempt:
    """Similar threads were offered to *member* writing a question: start or update the
    attempt (an attempt already posted is not reopened: a new one starts)."""
    shown = list(dict.fromkeys(thread_ids))
    if attempt is not None and attempt.posted_thread_id is None and attempt.member_id == member.pk:
        merged = list(dict.fromkeys([*attempt.shown_thread_ids, *shown]))
        AskAttempt.objects.filter(pk=attempt.pk).update(
            title=title[:200],
            product_id=product_id,
            shown_thread_ids=merged,
            updated_at=timezone.now(),
        )
        attempt.refresh_from_db()
        return attempt
    return AskAttempt.objects.create(
        member=member, title=title[:200], product_id=product_id, shown_thread_ids=shown
    )


def suggestion_chosen(attempt: AskAttempt, thread_id: int) -> bool:
    """The member opened an offered thread instead of posting: a deflection. Only a
    thread that was offered counts; the first choice is kept."""
    if thread_id not in attempt.shown_thread_ids:
        return False
    return bool(
        AskAttempt.objects.filter(pk=attempt.pk, chosen_thread_id__isnull=True).update(
            chosen_thread_id=thread_id, chosen_at=timezone.now()
        )
    )


def question_posted(attempt: AskAttempt, thread_id: int) -> None:
    """The member posted after all: the attempt did not deflect the question."""
    AskAttempt.objects.filter(pk=attempt.pk, posted_thread_id__isnull=True).update(
        posted_thread_id=thread_id, posted_at=timezone.now()
    )
