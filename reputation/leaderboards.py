"""Who earned the most reputation: this week, this month or ever, overall or in one product;
and the reads of one member's ledger that their profile shows.

Reads only. A period's points are the sum of the ledger entries written in it, reversals
included, so points taken back in the period do not count. All time without a product is
the stored ``User.reputation`` (the ledger's sum, kept by ``reputation.services``). Staff,
inactive members and members with nothing positive to show are left out.

Which products a viewer may see is the forum's business: callers pass a *product_id* only
after checking it.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from reputation.models import LedgerEntry

PERIODS = {
    "week": _("This week"),
    "month": _("This month"),
    "all": _("All time"),
}
DEFAULT_PERIOD = "month"
CACHE_SECONDS = 300

# What a board shows of a member; kept small, so a cached board holds no more than that.
MEMBER_FIELDS = ("pk", "username", "display_name", "reputation", "trust_level")


@dataclass(frozen=True)
class Leader:
    """One row of a board: the member (only ``MEMBER_FIELDS`` loaded), their points in the
    period and their rank (members with equal points share one)."""

    member: User
    points: int
    rank: int


def period_start(period: str, *, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """When *period* began in the site's time zone (None for all time).

    "week" starts on Monday at 00:00, "month" on the 1st at 00:00. Raises ``ValueError``
    for a period it does not know.
    """
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}")
    if period == "all":
        return None
    local = timezone.localtime(now or timezone.now())
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        # Aware arithmetic in one time zone is on the wall clock: Monday's local midnight.
        return midnight - datetime.timedelta(days=midnight.weekday())
    return midnight.replace(day=1)


def top_members(
    period: str,
    *,
    product_id: int | None = None,
    limit: int = 20,
    now: datetime.datetime | None = None,
) -> list[Leader]:
    """The *limit* members with the most points in *period* (in *product_id* if given).

    One query. Ties are broken by who joined first (the lower id).
    """
    since = period_start(period, now=now)
    members = User.objects.filter(is_active=True).exclude(pk__in=User.objects.staff().values("pk"))
    if since is None and product_id is None:
        rows = members.filter(reputation__gt=0).order_by("-reputation", "pk")
        ranked = [(member, member.reputation) for member in rows.only(*MEMBER_FIELDS)[:limit]]
        return _ranked(ranked)
    # One filter() with both conditions: the sum runs over the entries that match them.
    entries = Q()
    if since is not None:
        entries &= Q(ledger_entries__created_at__gte=since)
    if product_id is not None:
        entries &= Q(ledger_entries__product_id=product_id)
    rows = (
        members.filter(entries)
        .annotate(points=Sum("ledger_entries__points"))
        .filter(points__gt=0)
        .order_by("-points", "pk")
        .only(*MEMBER_FIELDS)
    )
    return _ranked([(member, member.points) for member in rows[:limit]])


def _ranked(rows: list[tuple[User, int]]) -> list[Leader]:
    leaders: list[Leader] = []
    for position, (member, points) in enumerate(rows, start=1):
        rank = leaders[-1].rank if leaders and leaders[-1].points == points else position
        leaders.append(Leader(member, points, rank))
    return leaders


def cached_top_members(
    period: str, *, product_id: int | None = None, limit: int = 20
) -> list[Leader]:
    """``top_members`` from the shared cache, worked out again every few minutes.

    The key names the period's start, so a new week or month never shows the last one.
    """
    since = period_start(period)
    start = since.isoformat() if since else "ever"
    key = f"reputation:leaders:v1:{period}:{start}:{product_id or 'all'}:{limit}"
    leaders = cache.get(key)
    if leaders is None:
        leaders = top_members(period, product_id=product_id, limit=limit)
        cache.set(key, leaders, CACHE_SECONDS)
    return leaders


TOP_HELPERS = 5


def top_helpers(*, product_id: int | None = None) -> list[Leader]:
    """The top helpers of this month, overall or in one product (home and product pages)."""
    return cached_top_members("month", product_id=product_id, limit=TOP_HELPERS)


# --- One member's ledger, for their profile. Each read is one query, whatever its size.


def daily_changes(
    member_id: int, *, days: int = 90, today: datetime.date | None = None
) -> list[tuple[datetime.date, int]]:
    """The net change of *member_id*'s reputation on each of the last *days* days (today
    last), days in the site's time zone, 0 for a day without entries."""
    today = today or timezone.localdate()
    first = today - datetime.timedelta(days=days - 1)
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    totals = dict(
        LedgerEntry.objects.filter(member_id=member_id, created_at__gte=start)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(total=Sum("points"))
        .values_list("day", "total")
    )
    days_shown = (first + datetime.timedelta(days=n) for n in range(days))
    return [(day, totals.get(day, 0)) for day in days_shown]


def points_by_product(
    member_id: int, *, product_ids: Iterable[int], limit: int = 5
) -> list[tuple[int, int]]:
    """``(product_id, points)`` of the products among *product_ids* where *member_id* has
    the most points, only those with a positive sum, most first."""
    rows = (
        LedgerEntry.objects.filter(member_id=member_id, product_id__in=list(product_ids))
        .values("product_id")
        .annotate(total=Sum("points"))
        .filter(total__gt=0)
        .order_by("-total", "product_id")
        .values_list("product_id", "total")
    )
    return list(rows[:limit])
