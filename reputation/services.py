"""Reputation changes. Each function is the only code path for its change.

The forum calls these inside its own transactions (a vote and its points commit or roll
back together), after it has locked the thread and post it changes. Every write of the
ledger goes through ``_record``: it locks the members it touches (in id order, so two
writes never wait on each other in a circle), applies the daily cap, adds the entries,
moves each member's stored ``reputation`` by exactly what was added, works out their trust
level again and asks for a badge check (an outbox event, so the check is never lost).

Undoing a cause never deletes: ``_reverse`` writes, for each entry still standing, one
entry with the opposite points that names it (``reverses``, unique). An entry is
*standing* when it is not a reversal and nothing reversed it.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from reputation import events
from reputation.models import (
    CAPPED_REASONS,
    VOTE_REASONS,
    Cause,
    GamingCase,
    LedgerEntry,
    Level,
    PointRule,
    Privilege,
    Reason,
    TrustLevel,
)

LEVELS_CACHE_KEY = "reputation:trust-levels:v1"
ACCEPT_REASONS = (Reason.ANSWER_ACCEPTED, Reason.ACCEPT_GIVEN, Reason.SOLUTION_VERIFIED)


@dataclass(frozen=True)
class Source:
    """Where points come from, by id: the post, its thread and the thread's product."""

    post_id: int | None = None
    thread_id: int | None = None
    product_id: int | None = None


@dataclass(frozen=True)
class _Credit:
    member_id: int
    reason: str
    actor_id: int | None
    source: Source
    points: int | None = None  # None: the rule's points
    note: str = ""


def standing(queryset: QuerySet[LedgerEntry] | None = None) -> QuerySet[LedgerEntry]:
    """Entries that count and can still be undone: not reversals, not reversed."""
    queryset = LedgerEntry.objects.all() if queryset is None else queryset
    return queryset.filter(reverses__isnull=True, reversed_by__isnull=True)


def rule_points() -> dict[str, int]:
    return dict(PointRule.objects.values_list("reason", "points"))


def _day_start(now: datetime.datetime) -> datetime.datetime:
    """Midnight of *now*'s day in the site's time zone: the daily cap's day."""
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def lock_members(member_ids: Iterable[int]) -> None:
    """Lock every member a change will touch, before its first ledger write.

    A change that writes the ledger more than once (a vote changed: a reversal, then new
    entries) must take all its members' locks at once, in id order: taken call by call,
    two changes could each hold one member the other waits for.
    """
    _lock_members(member_ids)


def lock_for_posts(post_ids: Iterable[int], member_ids: Iterable[int] = ()) -> None:
    """``lock_members`` for everyone the ledger names on *post_ids*, and *member_ids*."""
    named = LedgerEntry.objects.filter(post_id__in=list(post_ids)).values_list(
        "member_id", flat=True
    )
    _lock_members({*named, *member_ids})


def _lock_members(member_ids: Iterable[int]) -> None:
    """Lock the members' rows, in id order, until the transaction ends.

    ``no_key`` (FOR NO KEY UPDATE): the rows that point at a member (the vote just made,
    the ledger entries) take a key-share lock on it, which a plain FOR UPDATE would wait
    for: two members voting on each other's posts at once would deadlock.
    """
    ids = sorted(set(member_ids))
    members = User.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")
    list(members.values_list("pk"))


def _record(
    credits: list[_Credit],
    *,
    cause: str,
    capped: bool = True,
    case: GamingCase | None = None,
    prebuilt: list[LedgerEntry] = (),
) -> list[LedgerEntry]:
    """Write *credits* (and *prebuilt* entries) and keep the members' sums."""
    if not credits and not prebuilt:
        return []
    now = timezone.now()
    rules = rule_points() if credits else {}
    member_ids = {c.member_id for c in credits} | {e.member_id for e in prebuilt}
    _lock_members(member_ids)
    cap = settings.REPUTATION_DAILY_VOTE_CAP
    used: dict[int, int] = {}
    if capped and cap > 0 and any(c.reason in CAPPED_REASONS for c in credits):
        used = dict(
            LedgerEntry.objects.filter(
                member_id__in={c.member_id for c in credits},
                reason__in=CAPPED_REASONS,
                reverses__isnull=True,
                created_at__gte=_day_start(now),
            )
            .values("member_id")
            .annotate(total=Sum("points"))
            .values_list("member_id", "total")
        )
    entries = list(prebuilt)
    for credit in credits:
        full = credit.points if credit.points is not None else rules.get(credit.reason, 0)
        points = full
        if capped and cap > 0 and credit.reason in CAPPED_REASONS and full > 0:
            room = max(0, cap - used.get(credit.member_id, 0))
            points = min(full, room)
            used[credit.member_id] = used.get(credit.member_id, 0) + points
        entries.append(
            LedgerEntry(
                member_id=credit.member_id,
                points=points,
                rule_points=full,
                reason=credit.reason,
                cause=cause,
                actor_id=credit.actor_id,
                post_id=credit.source.post_id,
                thread_id=credit.source.thread_id,
                product_id=credit.source.product_id,
                case=case,
                note=credit.note,
                created_at=now,
            )
        )
    for entry in entries:
        entry.created_at = now
    LedgerEntry.objects.bulk_create(entries)
    deltas: dict[int, int] = {}
    for entry in entries:
        deltas[entry.member_id] = deltas.get(entry.member_id, 0) + entry.points
    for member_id, delta in deltas.items():
        if delta:
            User.objects.filter(pk=member_id).update(reputation=F("reputation") + delta)
    refresh_trust_levels(sorted(member_ids))
    request_badge_check(member_ids)
    return entries


def _reverse(
    queryset: QuerySet[LedgerEntry],
    *,
    cause: str,
    actor_id: int | None = None,
    case: GamingCase | None = None,
    note: str = "",
) -> list[LedgerEntry]:
    """Cancel every standing entry of *queryset* with one reversal each."""
    member_ids = set(standing(queryset).values_list("member_id", flat=True))
    if not member_ids:
        return []
    _lock_members(member_ids)
    # Read again under the members' locks: a reversal made meanwhile is not made twice.
    originals = list(standing(queryset).order_by("pk"))
    reversals = [
        LedgerEntry(
            member_id=entry.member_id,
            points=-entry.points,
            rule_points=-entry.rule_points,
            reason=entry.reason,
            cause=cause,
            actor_id=actor_id,
            post_id=entry.post_id,
            thread_id=entry.thread_id,
            product_id=entry.product_id,
            reverses=entry,
            case=case,
            note=note,
        )
        for entry in originals
    ]
    return _record([], cause=cause, prebuilt=reversals)


# --- What the forum reports, inside its transactions.


def request_badge_check(member_ids: Iterable[int]) -> None:
    """Something *member_ids* did may earn a badge (a first answer): check in the background.

    Ledger writes ask for it themselves; this is for what earns no points.
    """
    events.emit(events.badges_due, member_ids=sorted(set(member_ids)))


def vote_changed(
    *,
    source: Source,
    kind: str,
    author_id: int,
    voter_id: int,
    old_value: int,
    new_value: int,
) -> None:
    """A vote on a post (``kind`` "question" or "answer") went from *old_value* to
    *new_value* (1, -1 or 0). Takes back what the old vote gave, gives what the new one earns.
    """
    if old_value == new_value:
        return
    lock_members([author_id, voter_id])
    if old_value:
        _reverse(
            LedgerEntry.objects.filter(
                post_id=source.post_id, actor_id=voter_id, reason__in=VOTE_REASONS
            ),
            cause=Cause.VOTE_REMOVED if new_value == 0 else Cause.VOTE_CHANGED,
            actor_id=voter_id,
        )
    if new_value:
        _record(_vote_credits(source, kind, author_id, voter_id, new_value), cause=Cause.VOTE_CAST)


def _vote_credits(
    source: Source, kind: str, author_id: int, voter_id: int, value: int
) -> list[_Credit]:
    if kind == "question":
        return [_Credit(author_id, Reason.QUESTION_ME_TOO, voter_id, source)] if value > 0 else []
    if value > 0:
        return [_Credit(author_id, Reason.ANSWER_UPVOTED, voter_id, source)]
    return [
        _Credit(author_id, Reason.ANSWER_DOWNVOTED, voter_id, source),
        _Credit(voter_id, Reason.DOWNVOTE_GIVEN, voter_id, source),
    ]


def answer_accepted(
    *, source: Source, answer_author_id: int, asker_id: int, actor_id: int, verified: bool
) -> None:
    """The answer *source* became its thread's solution, marked by *actor_id*.

    Its author earns the accepted-answer points (not for answering their own question);
    the asker earns a little for closing the loop; *verified* (a brand representative or
    administrator marked it) adds the verified-solution points.
    """
    credits = []
    if answer_author_id != asker_id:
        credits.append(_Credit(answer_author_id, Reason.ANSWER_ACCEPTED, actor_id, source))
        if actor_id == asker_id:
            credits.append(_Credit(asker_id, Reason.ACCEPT_GIVEN, actor_id, source))
    if verified and answer_author_id != actor_id:
        credits.append(_Credit(answer_author_id, Reason.SOLUTION_VERIFIED, actor_id, source))
    _record(credits, cause=Cause.ANSWER_ACCEPTED, capped=False)


def solution_verified(*, source: Source, answer_author_id: int, actor_id: int) -> bool:
    """A brand representative verified the accepted answer *source* after it was accepted:
    its author earns the verified-solution points, once (not for verifying their own).
    Taken back with the other accept points when the answer stops being the solution."""
    if answer_author_id == actor_id:
        return False
    if standing().filter(post_id=source.post_id, reason=Reason.SOLUTION_VERIFIED).exists():
        return False
    _record(
        [_Credit(answer_author_id, Reason.SOLUTION_VERIFIED, actor_id, source)],
        cause=Cause.SOLUTION_VERIFIED,
        capped=False,
    )
    return True


def answer_unaccepted(*, post_id: int, actor_id: int | None) -> None:
    """The answer *post_id* is no longer the solution: take back what accepting it gave."""
    _reverse(
        LedgerEntry.objects.filter(post_id=post_id, reason__in=ACCEPT_REASONS),
        cause=Cause.ANSWER_UNACCEPTED,
        actor_id=actor_id,
    )


def post_withdrawn(*, post_ids: Iterable[int], cause: str, actor_id: int | None) -> None:
    """Posts were deleted or hidden: take back every point they brought anyone.

    A spam penalty stays (it is about the post being hidden, not what it earned).
    """
    _reverse(
        LedgerEntry.objects.filter(post_id__in=list(post_ids)).exclude(
            reason=Reason.POST_HIDDEN_AS_SPAM
        ),
        cause=cause,
        actor_id=actor_id,
    )


def posts_restored(
    *, post_ids: Iterable[int], actor_id: int | None, cause: str = Cause.POST_HIDDEN
) -> list[LedgerEntry]:
    """Hidden posts are shown again: give back exactly what hiding them took (with
    *cause* ``post.deleted``: deleted posts a moderator restored, what deleting took).

    Each entry a hide reversed (cause ``post.hidden``) is written again with the points
    it had (the daily cap it met then, the rule's points then), naming the reversal it
    restores, so a second call restores nothing. Votes whose points staff took back as
    gaming stay without points. The caller passes only posts that are visible again (a
    post in a still hidden thread waits for the thread).
    """
    post_ids = list(post_ids)
    hidden = LedgerEntry.objects.filter(
        post_id__in=post_ids,
        cause=cause,
        reverses__isnull=False,
        restored_by__isnull=True,
    ).select_related("reverses")
    gamed = set(
        LedgerEntry.objects.filter(post_id__in=post_ids, cause=Cause.GAMING_REVERSED).values_list(
            "post_id", "reverses__actor_id", "member_id"
        )
    )
    restored = [
        LedgerEntry(
            member_id=original.member_id,
            points=original.points,
            rule_points=original.rule_points,
            reason=original.reason,
            cause=Cause.POST_RESTORED,
            actor_id=original.actor_id,
            post_id=original.post_id,
            thread_id=original.thread_id,
            product_id=original.product_id,
            restores=reversal,
        )
        for reversal in hidden.order_by("pk")
        if (original := reversal.reverses) is not None
        and (original.post_id, original.actor_id, original.member_id) not in gamed
    ]
    return _record([], cause=Cause.POST_RESTORED, prebuilt=restored)


def spam_lifted(*, post_id: int, actor_id: int | None) -> None:
    """A post hidden as spam is shown again: its author's spam penalty is taken back."""
    _reverse(
        LedgerEntry.objects.filter(post_id=post_id, reason=Reason.POST_HIDDEN_AS_SPAM),
        cause=Cause.POST_RESTORED,
        actor_id=actor_id,
    )


def post_hidden_as_spam(*, source: Source, author_id: int, actor_id: int) -> None:
    """A moderator hid the post as spam: its author pays the spam rule's points."""
    _record(
        [_Credit(author_id, Reason.POST_HIDDEN_AS_SPAM, actor_id, source)],
        cause=Cause.POST_HIDDEN,
        capped=False,
    )


def edit_approved(*, source: Source, editor_id: int, actor_id: int) -> None:
    """A member's suggested edit was approved by the author or a moderator."""
    _record(
        [_Credit(editor_id, Reason.EDIT_APPROVED, actor_id, source)],
        cause=Cause.EDIT_APPROVED,
        capped=False,
    )


@transaction.atomic
def adjust(member: User, *, points: int, actor: User, note: str) -> LedgerEntry:
    """Staff add or take away *points* from *member*, with a note saying why."""
    if not note.strip():
        raise ValueError("a staff adjustment needs a note saying why")
    (entry,) = _record(
        [_Credit(member.pk, Reason.STAFF_ADJUSTMENT, actor.pk, Source(), points, note.strip())],
        cause=Cause.STAFF,
        capped=False,
    )
    return entry


@transaction.atomic
def reverse_entry(entry: LedgerEntry, *, actor: User, note: str) -> LedgerEntry | None:
    """Staff cancel one standing entry (a correction). None when it was already undone."""
    done = _reverse(
        LedgerEntry.objects.filter(pk=entry.pk), cause=Cause.STAFF, actor_id=actor.pk, note=note
    )
    return done[0] if done else None


# --- Trust levels and privileges.


def trust_levels() -> list[TrustLevel]:
    """The ladder, lowest first, from the shared cache (dropped when an admin edits it)."""
    levels = cache.get(LEVELS_CACHE_KEY)
    if levels is None:
        levels = list(TrustLevel.objects.order_by("level"))
        cache.set(LEVELS_CACHE_KEY, levels, 3600)
    return levels


def forget_trust_levels() -> None:
    cache.delete(LEVELS_CACHE_KEY)


def level_for(reputation: int, accepted: int, days_visited: int) -> int:
    """The highest level whose every threshold is met (the lowest level always is)."""
    reached = Level.NEW
    for level in trust_levels():
        if (
            reputation >= level.min_reputation
            and accepted >= level.min_accepted_answers
            and days_visited >= level.min_days_visited
        ):
            reached = max(reached, level.level)
    return int(reached)


def accepted_answer_counts(member_ids: Iterable[int]) -> dict[int, int]:
    """How many of each member's answers are accepted solutions now (from the ledger)."""
    rows = (
        standing()
        .filter(member_id__in=list(member_ids), reason=Reason.ANSWER_ACCEPTED)
        .values("member_id")
        .annotate(count=Count("pk"))
        .values_list("member_id", "count")
    )
    return dict(rows)


def refresh_trust_levels(member_ids: Iterable[int]) -> int:
    """Work the trust level of *member_ids* out again from their stored figures; returns
    how many moved."""
    member_ids = list(member_ids)
    accepted = accepted_answer_counts(member_ids)
    rows = User.objects.filter(pk__in=member_ids).values_list(
        "pk", "reputation", "days_visited", "trust_level"
    )
    moved = 0
    for member_id, reputation, days, old in rows:
        new = level_for(reputation, accepted.get(member_id, 0), days)
        if new != old:
            User.objects.filter(pk=member_id).update(trust_level=new)
            events.emit(
                events.trust_level_changed, member_id=member_id, old_level=old, new_level=new
            )
            moved += 1
    return moved


def recompute_trust_levels(*, batch_size: int = 1000) -> int:
    """Every member's level again (after the thresholds changed). Returns how many moved."""
    moved = 0
    last = 0
    while True:
        ids = _member_ids_after(last, batch_size)
        if not ids:
            return moved
        last = ids[-1]
        with transaction.atomic():
            moved += refresh_trust_levels(ids)


def privilege_levels() -> dict[str, int]:
    """The level each privilege is unlocked at; privileges no level lists are staff's."""
    unlocked: dict[str, int] = {}
    for level in trust_levels():
        for privilege in level.privileges:
            unlocked.setdefault(privilege, level.level)
    return unlocked


def has_privilege(user, privilege: Privilege) -> bool:
    """May *user* do what *privilege* names? Staff may do everything; visitors nothing."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff_member:
        return True
    needed = privilege_levels().get(privilege)
    return needed is not None and user.trust_level >= needed


def privilege_refusal(user, privilege: Privilege) -> str | None:
    """Why *user* lacks *privilege* and what they need to earn it, or None if they have it."""
    if has_privilege(user, privilege):
        return None
    what = Privilege(privilege).label
    if not user or not user.is_authenticated:
        return _("Please log in first.")
    needed = privilege_levels().get(privilege)
    rung = next((level for level in trust_levels() if level.level == needed), None)
    if rung is None:
        return _("Only staff can %(privilege)s.") % {"privilege": what}
    return _("To %(privilege)s you need to reach the %(level)s trust level: %(needs)s.") % {
        "privilege": what,
        "level": rung.get_level_display(),
        "needs": _missing(user, rung),
    }


def _missing(user, rung: TrustLevel) -> str:
    """What *user* still lacks to reach *rung*, in words."""
    parts = []
    if user.reputation < rung.min_reputation:
        parts.append(
            _("%(more)s more reputation (you have %(have)s of %(need)s)")
            % {
                "more": rung.min_reputation - user.reputation,
                "have": user.reputation,
                "need": rung.min_reputation,
            }
        )
    needs_accepted = rung.min_accepted_answers > 0  # the count is a query: only when it matters
    accepted = accepted_answer_counts([user.pk]).get(user.pk, 0) if needs_accepted else 0
    if accepted < rung.min_accepted_answers:
        more = rung.min_accepted_answers - accepted
        parts.append(
            ngettext(
                "%(more)s more accepted answer",
                "%(more)s more accepted answers",
                more,
            )
            % {"more": more}
        )
    if user.days_visited < rung.min_days_visited:
        more = rung.min_days_visited - user.days_visited
        parts.append(
            ngettext("%(more)s more day of visits", "%(more)s more days of visits", more)
            % {"more": more}
        )
    return _(" and ").join(parts) or _("your level is being updated; try again in a minute")


# --- Activity.


def record_visit(user: User, *, today: datetime.date | None = None) -> bool:
    """Count today as a day *user* visited (once per day; keeps the streak of days in a row).

    Returns True when today was new. Guarded by the date, so two requests at once count
    one day.
    """
    today = today or timezone.localdate()
    if user.last_visit_on == today:
        return False
    yesterday = today - datetime.timedelta(days=1)
    with transaction.atomic():
        counted = (
            User.objects.filter(pk=user.pk)
            .filter(Q(last_visit_on__isnull=True) | Q(last_visit_on__lt=today))
            .update(
                days_visited=F("days_visited") + 1,
                visit_streak=_streak_after(yesterday),
                last_visit_on=today,
            )
        )
        if counted:
            refresh_trust_levels([user.pk])
            events.emit(events.badges_due, member_ids=[user.pk])
    if counted:
        user.refresh_from_db(
            fields=["days_visited", "visit_streak", "last_visit_on", "trust_level"]
        )
    return bool(counted)


def _streak_after(yesterday: datetime.date) -> Case:
    return Case(
        When(last_visit_on=yesterday, then=F("visit_streak") + 1),
        default=Value(1),
    )


def _member_ids_after(last: int, batch_size: int) -> list[int]:
    members = User.objects.filter(pk__gt=last).order_by("pk")
    return list(members.values_list("pk", flat=True)[:batch_size])


# --- Audit: the ledger against the stored scores.


@dataclass(frozen=True)
class Difference:
    member_id: int
    username: str
    stored: int
    ledger: int


def rebuild_scores(*, fix: bool = True, batch_size: int = 5000) -> list[Difference]:
    """Sum every member's ledger and compare it with their stored reputation.

    Returns the members whose stored score differed; with *fix*, sets it to the ledger's
    sum (and their trust level again), each batch in a transaction that locks its members.
    """
    differences: list[Difference] = []
    last = 0
    while True:
        ids = _member_ids_after(last, batch_size)
        if not ids:
            return differences
        last = ids[-1]
        with transaction.atomic():
            if fix:
                _lock_members(ids)
            sums = dict(
                LedgerEntry.objects.filter(member_id__in=ids)
                .values("member_id")
                .annotate(total=Sum("points"))
                .values_list("member_id", "total")
            )
            found = [
                Difference(pk, username, stored, sums.get(pk, 0))
                for pk, username, stored in User.objects.filter(pk__in=ids)
                .order_by("pk")
                .values_list("pk", "username", "reputation")
                if stored != sums.get(pk, 0)
            ]
            if fix:
                for difference in found:
                    User.objects.filter(pk=difference.member_id).update(
                        reputation=difference.ledger
                    )
                refresh_trust_levels([d.member_id for d in found])
            differences.extend(found)
