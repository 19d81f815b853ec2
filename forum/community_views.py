"""Member pages and leaderboards: a member's profile with their reputation, the boards.

Reputation's own reads (``reputation.leaderboards``) know members, not posts or products;
what a viewer may see of those (a history entry and the post it links, a product's name)
passes through ``forum.permissions`` here, each in one query for the whole page.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.models import User
from forum import badges as forum_badges
from forum import permissions
from forum.models import CategoryPage, Post, Thread
from reputation import leaderboards
from reputation import services as reputation
from reputation.models import Cause, LedgerEntry, Reason

PROFILE_LIST_LENGTH = 20
HISTORY_LENGTH = 20
TOP_PRODUCTS = 5
BOARD_LENGTH = 20

# The reputation chart: one bar per day, drawn in SVG units (the page scales it).
CHART_DAYS = 90
BAR_STEP = 6
BAR_WIDTH = 5
CHART_HEIGHT = 120
CHART_WIDTH = CHART_DAYS * BAR_STEP


# --- Profile ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    """One threshold of the next trust level: what the member has and what it asks."""

    label: str
    have: int
    need: int

    @property
    def met(self) -> bool:
        return self.have >= self.need

    @property
    def missing(self) -> int:
        return max(0, self.need - self.have)


@dataclass(frozen=True)
class Bar:
    day: datetime.date
    points: int
    x: int
    y: int
    height: int


@dataclass(frozen=True)
class HistoryRow:
    entry: LedgerEntry
    post: Post | None  # None: no post, or one the viewer may not see


def _next_level(member: User) -> dict | None:
    """The next rung of the ladder and how far *member* is from each of its thresholds."""
    rung = next((r for r in reputation.trust_levels() if r.level > member.trust_level), None)
    if rung is None:
        return None
    accepted = reputation.accepted_answer_counts([member.pk]).get(member.pk, 0)
    needs = [
        Need(_("Reputation"), member.reputation, rung.min_reputation),
        Need(_("Accepted answers"), accepted, rung.min_accepted_answers),
        Need(_("Days visited"), member.days_visited, rung.min_days_visited),
    ]
    return {"level": rung, "needs": [need for need in needs if need.need > 0]}


def _chart(changes: list[tuple[datetime.date, int]]) -> dict:
    """Bars of each day's net change, gains up and losses down from one axis."""
    peak = max((abs(points) for _day, points in changes), default=0)
    has_loss = any(points < 0 for _day, points in changes)
    axis = CHART_HEIGHT // 2 if has_loss else CHART_HEIGHT
    bars = []
    for index, (day, points) in enumerate(changes):
        if not points:
            continue
        height = max(1, round(abs(points) * axis / peak))
        y = axis - height if points > 0 else axis
        bars.append(Bar(day, points, index * BAR_STEP, y, height))
    total = sum(points for _day, points in changes)
    return {
        "bars": bars,
        "axis": axis,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "bar_width": BAR_WIDTH,
        "days": len(changes),
        "total": total,
        "lost": max(0, -total),
        # The day-by-day table lists the days that changed, the latest first.
        "changed_days": list(reversed(bars)),
    }


# Rows only the member and moderators see: a downvote given (its time matches the
# author's "voted down" row and would name the voter), a spam penalty, and what hiding,
# deleting or staff's vote-gaming reversal took back.
PRIVATE_REASONS = (Reason.DOWNVOTE_GIVEN, Reason.POST_HIDDEN_AS_SPAM)
PRIVATE_CAUSES = (Cause.POST_HIDDEN, Cause.POST_DELETED, Cause.GAMING_REVERSED)


def _history(viewer, member: User) -> list[HistoryRow]:
    """*member*'s last entries that *viewer* may see, with a link to each post *viewer*
    may open (two queries whatever the length).

    Others see an entry tied to a post only while they may see that post, and never the
    private rows above. The member and moderators see every entry of a product they may
    see, including those of hidden and deleted posts (shown without a link).
    """
    privileged = viewer.is_authenticated and (viewer.pk == member.pk or viewer.is_moderator)
    entries = LedgerEntry.objects.filter(member_id=member.pk)
    post = Post.objects.filter(pk=OuterRef("post_id"))
    if privileged:
        post = post.filter(thread__category_id__in=permissions.visible_category_ids(viewer))
    else:
        post = permissions.visible_posts(viewer, post)
        entries = entries.exclude(reason__in=PRIVATE_REASONS).exclude(
            reverses__isnull=False, cause__in=PRIVATE_CAUSES
        )
    entries = list(
        entries.filter(Q(post_id__isnull=True) | Exists(post)).order_by("-created_at", "-pk")[
            :HISTORY_LENGTH
        ]
    )
    post_ids = {entry.post_id for entry in entries if entry.post_id}
    posts = {}
    if post_ids:
        visible = permissions.visible_posts(viewer, Post.objects.filter(pk__in=post_ids))
        posts = {post.pk: post for post in visible.select_related("thread")}
    return [HistoryRow(entry, posts.get(entry.post_id)) for entry in entries]


def _reputation_context(viewer, member: User) -> dict:
    """What the profile shows of *member*'s reputation, in a fixed number of queries."""
    visible = permissions.visible_category_ids(viewer)
    top = leaderboards.points_by_product(member.pk, product_ids=visible, limit=TOP_PRODUCTS)
    products = CategoryPage.objects.in_bulk([pk for pk, _points in top]) if top else {}
    own = viewer.is_authenticated and viewer.pk == member.pk
    is_staff = member.is_staff_member
    return {
        "show_trust_level": not is_staff,
        "next_level": _next_level(member) if own and not is_staff else None,
        # The chart and its totals are sums of every entry, private ones and those of posts
        # the viewer may not see included: a day's net change names no post, no reason and
        # no voter (the stored reputation beside the name is the same sum).
        "chart": _chart(leaderboards.daily_changes(member.pk, days=CHART_DAYS)),
        # Badges held for a product the viewer may not see are left out.
        "member_badges": forum_badges.held_for_viewer(viewer, member.pk),
        "top_products": [(products[pk], points) for pk, points in top if pk in products],
        "history": _history(viewer, member),
    }


@require_GET
def profile(request: HttpRequest, username: str) -> HttpResponse:
    """A member's page: their reputation, badges and history, and their questions and
    answers the viewer may see."""
    member = get_object_or_404(
        User.objects.prefetch_related("groups"), username=username, is_active=True
    )
    viewer = request.user
    threads = (
        permissions.visible_threads(viewer, Thread.objects.filter(author=member))
        .select_related("category")
        .order_by("-created_at")
    )
    answers = (
        permissions.visible_posts(viewer, Post.objects.answers().filter(author=member))
        .select_related("thread")
        .order_by("-created_at")
    )
    accepted = answers.filter(thread__accepted_answer=F("pk"))
    context = {
        "member": member,
        "threads": threads[:PROFILE_LIST_LENGTH],
        "thread_count": threads.count(),
        "answers": answers[:PROFILE_LIST_LENGTH],
        "answer_count": answers.count(),
        "accepted": accepted[:PROFILE_LIST_LENGTH],
        "accepted_count": accepted.count(),
        "can_edit": viewer.is_authenticated and viewer.pk == member.pk,
        **_reputation_context(viewer, member),
    }
    return render(request, "accounts/profile.html", context)


# --- Leaderboards ----------------------------------------------------------------------

PERIOD_REFUSAL = gettext_lazy(
    "There is no leaderboard for that period. Choose this week, this month or all time."
)


@require_GET
def leaderboard(request: HttpRequest) -> HttpResponse:
    """The members with the most points this week, this month or ever, overall or in one
    product the viewer may see (``?period=`` and ``?product=<slug>``)."""
    products = list(
        CategoryPage.objects.filter(pk__in=permissions.visible_category_ids(request.user)).order_by(
            "title"
        )
    )
    slug = request.GET.get("product", "")
    product = None
    if slug:
        product = next((page for page in products if page.slug == slug), None)
        if product is None:
            raise Http404(_("There is no such product."))
    period = request.GET.get("period") or leaderboards.DEFAULT_PERIOD
    context = {
        "periods": list(leaderboards.PERIODS.items()),
        "period": period,
        "products": products,
        "product": product,
    }
    if period not in leaderboards.PERIODS:
        context |= {"period": None, "refusal": PERIOD_REFUSAL}
        return render(request, "forum/leaderboard.html", context, status=400)
    context["leaders"] = leaderboards.cached_top_members(
        period, product_id=product.pk if product else None, limit=BOARD_LENGTH
    )
    return render(request, "forum/leaderboard.html", context)
