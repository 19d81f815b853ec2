"""What search tells staff: content gaps (searches that found nothing, or nothing worth
opening) and deflection (questions answered by a suggestion before they were asked).
Read-only; computed from ``SearchLog`` and ``AskAttempt`` rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from search.models import AskAttempt, SearchLog

GAP_ROWS = 500
# An attempt untouched for this long without a post or a choice was given up.
ABANDONED_AFTER = datetime.timedelta(hours=1)


def gaps(*, days: int = 30, product_id: int | None = None, limit: int = GAP_ROWS) -> QuerySet:
    """Queries with no result, or with results and no click, over the last *days*: one
    row per normalised query and product, most searched first."""
    since = timezone.now() - datetime.timedelta(days=days)
    logs = SearchLog.objects.filter(created_at__gte=since).filter(
        Q(results=0) | Q(clicked_at__isnull=True)
    )
    if product_id:
        logs = logs.filter(product_id=product_id)
    return (
        logs.values("normalised", "product_id", "product__title")
        .annotate(
            searches=Count("pk"),
            no_results=Count("pk", filter=Q(results=0)),
            no_click=Count("pk", filter=Q(results__gt=0)),
            last_searched=Max("created_at"),
        )
        .order_by("-searches", "-last_searched")[:limit]
    )


@dataclass
class Deflection:
    attempts: int  # questions started that were offered suggestions
    chosen: int  # a suggestion was opened and the question not posted
    posted: int
    abandoned: int  # neither, and left for ABANDONED_AFTER

    @property
    def rate(self) -> float:
        return (self.chosen + self.abandoned) / self.attempts if self.attempts else 0.0


def deflection(
    *,
    since: datetime.datetime,
    until: datetime.datetime | None = None,
    product_id: int | None = None,
) -> Deflection:
    until = until or timezone.now()
    attempts = AskAttempt.objects.filter(created_at__gte=since, created_at__lt=until)
    if product_id:
        attempts = attempts.filter(product_id=product_id)
    counts = attempts.aggregate(
        attempts=Count("pk"),
        chosen=Count("pk", filter=Q(chosen_thread_id__isnull=False, posted_thread_id__isnull=True)),
        posted=Count("pk", filter=Q(posted_thread_id__isnull=False)),
        abandoned=Count(
            "pk",
            filter=Q(
                chosen_thread_id__isnull=True,
                posted_thread_id__isnull=True,
                updated_at__lt=timezone.now() - ABANDONED_AFTER,
            ),
        ),
    )
    return Deflection(**counts)
