"""Anti-gaming: vote patterns that look like someone gaming reputation, and staff's decisions.

Detection reads only the ledger (vote entries name the voter as ``actor`` and the post's
author as ``member``) and the accounts' sign-up addresses; it never looks at forum rows.
Only *standing* vote entries count: a vote taken back, or points already reversed, are no
evidence. Three patterns open a ``GamingCase``:

- serial voting: one member voting many times on another member's posts in a short time;
- voting rings: a few accounts that each upvoted the next one many times, in a circle;
- accounts made from one sign-up address that upvoted each other.

Detection is idempotent: a case's ``key`` (unique) names what makes it, an open case takes
in the new votes of its pattern, and votes that staff have already judged (a dismissed
case's evidence; a reversed case's votes no longer stand) never open a case again. The
periodic job in ``reputation.jobs`` runs ``detect`` every few minutes.

Staff decide a case with ``reverse_case`` (the points of its standing vote entries are
taken back with ledger reversals that name the case) or ``dismiss_case``; both record who
decided, when and why on the case, its audit entry.
"""

import datetime
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import ngettext

from accounts.models import User
from reputation import events
from reputation.models import VOTE_REASONS, Cause, GamingCase, LedgerEntry, Reason
from reputation.services import _reverse, standing

DECIDE_PERMISSION = "reputation.change_gamingcase"
UPVOTE_REASONS = (Reason.ANSWER_UPVOTED, Reason.QUESTION_ME_TOO)
RING_SIZES = range(2, 6)
# Serial voting looks back one window and this much more, so a job that missed a few
# runs still sees every window whole.
LOOKBACK_SLACK = datetime.timedelta(days=1)
# Accounts listed on a shared sign-up address case besides the ones that voted.
SHARED_ACCOUNTS_LISTED = 20
SUMMARY_LENGTH = GamingCase._meta.get_field("summary").max_length
Kind = GamingCase.Kind
Status = GamingCase.Status


def can_decide_cases(user) -> bool:
    """May *user* see gaming cases and reverse or dismiss them?"""
    return bool(user and user.is_authenticated and user.has_perm(DECIDE_PERMISSION))


def detect(*, now: datetime.datetime | None = None) -> list[GamingCase]:
    """Look for every pattern; returns the cases opened by this run."""
    now = now or timezone.now()
    return [
        *detect_serial_voting(now=now),
        *detect_voting_rings(now=now),
        *detect_shared_signup_ips(now=now),
    ]


# --- Serial voting.


def detect_serial_voting(*, now: datetime.datetime | None = None) -> list[GamingCase]:
    """At least ``REPUTATION_SERIAL_VOTES`` standing votes from one member on another's posts
    within ``REPUTATION_SERIAL_WINDOW_HOURS``.

    One case per voter, member and the day the window starts; a later run adds new votes
    of the same run of votes to the open case.
    """
    now = now or timezone.now()
    window = datetime.timedelta(hours=settings.REPUTATION_SERIAL_WINDOW_HOURS)
    threshold = max(1, settings.REPUTATION_SERIAL_VOTES)
    since = now - window - LOOKBACK_SLACK
    entries = _unjudged_votes(Kind.SERIAL_VOTING, since)
    pairs = (
        entries.values("actor_id", "member_id")
        .annotate(count=Count("pk"))
        .filter(count__gte=threshold)
        .order_by("actor_id", "member_id")
        .values_list("actor_id", "member_id")
    )
    opened = []
    for voter_id, member_id in pairs:
        rows = list(
            entries.filter(actor_id=voter_id, member_id=member_id).order_by("created_at", "pk")
        )
        for run in _runs(rows, window, threshold):
            start = timezone.localdate(run[0].created_at)
            case = _file_case(
                Kind.SERIAL_VOTING,
                f"serial:{voter_id}:{member_id}:{start.isoformat()}",
                family=f"serial:{voter_id}:{member_id}:",
                members=[voter_id, member_id],
                votes=[_vote(entry) for entry in run],
                facts={
                    "voter": voter_id,
                    "member": member_id,
                    "window_hours": settings.REPUTATION_SERIAL_WINDOW_HOURS,
                    "threshold": threshold,
                },
            )
            if case:
                opened.append(case)
    return opened


def _runs(
    rows: list[LedgerEntry], window: datetime.timedelta, threshold: int
) -> Iterator[list[LedgerEntry]]:
    """Runs of at least *threshold* entries that each fit within *window* of their first."""
    start = 0
    while start < len(rows):
        end = start
        while end < len(rows) and rows[end].created_at - rows[start].created_at <= window:
            end += 1
        if end - start >= threshold:
            yield rows[start:end]
            start = end
        else:
            start += 1


# --- Voting rings.


def detect_voting_rings(*, now: datetime.datetime | None = None) -> list[GamingCase]:
    """Accounts that each gave at least ``REPUTATION_RING_VOTES`` standing upvotes to the next
    within ``REPUTATION_RING_WINDOW_DAYS``, closing a circle of two to five accounts.

    An edge counts only when it holds at least ``REPUTATION_RING_SHARE_PERCENT`` of the
    voter's upvotes in the window: regulars who answer the same threads upvote each other
    often, among many others; a ring's accounts vote mostly for each other.

    The accounts of a ring are a strongly connected group of the "gave that many upvotes
    to" graph. A group larger than five is a busy corner of the community rather than a
    ring; within one, only mutual pairs are reported. The case's votes are the upvotes
    along the graph's edges inside the group. One open case per set of accounts.
    """
    now = now or timezone.now()
    since = now - datetime.timedelta(days=settings.REPUTATION_RING_WINDOW_DAYS)
    threshold = max(1, settings.REPUTATION_RING_VOTES)
    upvotes = _unjudged_votes(Kind.VOTING_RING, since).filter(reason__in=UPVOTE_REASONS)
    given = dict(
        upvotes.values("actor_id")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("actor_id", "count")
    )
    share = settings.REPUTATION_RING_SHARE_PERCENT / 100
    graph: dict[int, set[int]] = {}
    for voter_id, member_id, count in (
        upvotes.values("actor_id", "member_id")
        .annotate(count=Count("pk"))
        .filter(count__gte=threshold)
        .order_by()
        .values_list("actor_id", "member_id", "count")
    ):
        # Helpers who answer a lot upvote each other a lot too; a ring's members give most
        # of their upvotes to each other.
        if count < share * given[voter_id]:
            continue
        graph.setdefault(voter_id, set()).add(member_id)
        graph.setdefault(member_id, set())
    opened = []
    for ring in _rings(graph):
        edges = [(a, b) for a in ring for b in graph[a] if b in ring]
        condition = Q()
        for voter_id, member_id in edges:
            condition |= Q(actor_id=voter_id, member_id=member_id)
        rows = upvotes.filter(condition).order_by("created_at", "pk")
        accounts = sorted(ring)
        case = _file_case(
            Kind.VOTING_RING,
            "ring:" + "-".join(str(pk) for pk in accounts),
            members=accounts,
            votes=[_vote(entry) for entry in rows],
            facts={
                "accounts": accounts,
                "window_days": settings.REPUTATION_RING_WINDOW_DAYS,
                "threshold": threshold,
            },
        )
        if case:
            opened.append(case)
    return opened


def _rings(graph: dict[int, set[int]]) -> list[frozenset[int]]:
    """The rings in *graph*: its strongly connected groups of 2 to 5 accounts, and the
    mutual pairs inside larger groups."""
    rings = []
    for group in _strongly_connected(graph):
        if len(group) in RING_SIZES:
            rings.append(frozenset(group))
        elif len(group) > max(RING_SIZES):
            rings.extend(
                frozenset((a, b))
                for a in sorted(group)
                for b in sorted(graph[a])
                if a < b and b in group and a in graph[b]
            )
    return sorted(rings, key=sorted)


def _strongly_connected(graph: dict[int, set[int]]) -> list[set[int]]:
    """Tarjan's strongly connected components, without recursion."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    groups: list[set[int]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = counter
                    counter += 1
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    groups.append(group)
    return groups


# --- Accounts sharing a sign-up address.


def detect_shared_signup_ips(*, now: datetime.datetime | None = None) -> list[GamingCase]:
    """Accounts made from one sign-up address of which one upvoted another.

    A shared address alone is not suspicious: an office, a school or a mobile carrier puts
    many honest customers behind one address. It becomes evidence when those accounts
    vote for each other, as one person's second account would. Looks at the upvotes of
    the last ``REPUTATION_RING_WINDOW_DAYS``; one open case per address.
    """
    now = now or timezone.now()
    since = now - datetime.timedelta(days=settings.REPUTATION_RING_WINDOW_DAYS)
    upvotes = (
        _unjudged_votes(Kind.SHARED_SIGNUP_IP, since)
        .filter(reason__in=UPVOTE_REASONS, actor__signup_ip__isnull=False)
        .filter(actor__signup_ip=F("member__signup_ip"))
    )
    addresses = sorted(set(upvotes.values_list("actor__signup_ip", flat=True)))
    opened = []
    for address in addresses:
        rows = list(upvotes.filter(actor__signup_ip=address).order_by("created_at", "pk"))
        voters = {entry.actor_id for entry in rows} | {entry.member_id for entry in rows}
        sharing = User.objects.filter(signup_ip=address)
        others = list(
            sharing.exclude(pk__in=voters)
            .order_by("date_joined")
            .values_list("pk", flat=True)[:SHARED_ACCOUNTS_LISTED]
        )
        signed_up = User.objects.filter(pk__in=[*voters, *others]).values_list("pk", "date_joined")
        case = _file_case(
            Kind.SHARED_SIGNUP_IP,
            f"ip:{address}",
            members=sorted(voters),
            votes=[_vote(entry) for entry in rows],
            facts={
                "ip": address,
                "accounts": sorted(voters),
                "other_accounts": others,
                "accounts_sharing": sharing.count(),
                "signed_up": {str(pk): joined.isoformat() for pk, joined in signed_up},
            },
        )
        if case:
            opened.append(case)
    return opened


# --- Filing cases.


def _unjudged_votes(kind: str, since: datetime.datetime) -> QuerySet[LedgerEntry]:
    """Standing vote entries from one member to another since *since*, less the ones a
    dismissed case of *kind* already holds (a reversed case's entries no longer stand)."""
    dismissed: set[int] = set()
    # A case holds only votes made before it was decided: one decided before *since*
    # holds none of the votes looked at.
    for evidence in GamingCase.objects.filter(
        kind=kind, status=Status.DISMISSED, decided_at__gte=since
    ).values_list("evidence", flat=True):
        dismissed.update(case_entry_ids_from(evidence))
    entries = (
        standing()
        .filter(reason__in=VOTE_REASONS, created_at__gte=since, actor__isnull=False)
        .exclude(actor_id=F("member_id"))
    )
    return entries.exclude(pk__in=sorted(dismissed)) if dismissed else entries


def _vote(entry: LedgerEntry) -> dict:
    return {
        "entry": entry.pk,
        "voter": entry.actor_id,
        "member": entry.member_id,
        "post": entry.post_id,
        "thread": entry.thread_id,
        "reason": entry.reason,
        "points": entry.points,
        "at": entry.created_at.isoformat(),
    }


def case_entry_ids_from(evidence: dict) -> list[int]:
    return [vote["entry"] for vote in evidence.get("votes", [])]


def case_entry_ids(case: GamingCase) -> list[int]:
    """The ledger entries of the votes a case holds as evidence."""
    return case_entry_ids_from(case.evidence)


def _file_case(
    kind: str,
    key: str,
    *,
    members: list[int],
    votes: list[dict],
    facts: dict,
    family: str | None = None,
) -> GamingCase | None:
    """Open a case for *key*, or add *votes* to the open case of the same pattern.

    The open case of the pattern is the one keyed *key* (or *key* ``#n``), or, given a
    *family* of keys, one of the family that already holds some of *votes*. A decided
    case is never reopened: new votes of a decided pattern open ``key#2``, ``key#3``...
    Returns the case when this call opened it, else None.
    """
    if not votes:
        return None
    entry_ids = {vote["entry"] for vote in votes}
    same = Q(key=key) | Q(key__startswith=f"{key}#")
    candidates = GamingCase.objects.filter(kind=kind, status=Status.OPEN)
    candidates = (
        candidates.filter(same | Q(key__startswith=family)) if family else candidates.filter(same)
    )
    for case in candidates.order_by("pk"):
        if (
            case.key == key
            or case.key.startswith(f"{key}#")
            or entry_ids & set(case_entry_ids(case))
        ):
            _add_to_case(case, members=members, votes=votes, facts=facts)
            return None
    taken = GamingCase.objects.filter(same).count()
    evidence = {**facts, "votes": votes}
    try:
        with transaction.atomic():
            case, created = GamingCase.objects.get_or_create(
                key=key if not taken else f"{key}#{taken + 1}",
                defaults={
                    "kind": kind,
                    "summary": _summary(kind, evidence),
                    "evidence": evidence,
                    "points_involved": _points(votes),
                },
            )
            if created:
                case.members.add(*members)
    except IntegrityError:  # another run opened it at the same moment
        return None
    return case if created else None


def _add_to_case(case: GamingCase, *, members: list[int], votes: list[dict], facts: dict) -> None:
    """Refresh an open case with the pattern's votes now (it keeps the ones it had)."""
    with transaction.atomic():
        locked = GamingCase.objects.select_for_update().filter(pk=case.pk, status=Status.OPEN)
        locked = locked.first()
        if locked is None:  # decided meanwhile: staff judged what they saw
            return
        known = {vote["entry"]: vote for vote in locked.evidence.get("votes", [])}
        merged = {**known, **{vote["entry"]: vote for vote in votes}}
        ordered = sorted(merged.values(), key=lambda vote: (vote["at"], vote["entry"]))
        evidence = {**locked.evidence, **facts, "votes": ordered}
        if "accounts" in locked.evidence and "accounts" in facts:
            evidence["accounts"] = sorted({*locked.evidence["accounts"], *facts["accounts"]})
        if "signed_up" in locked.evidence and "signed_up" in facts:
            evidence["signed_up"] = {**locked.evidence["signed_up"], **facts["signed_up"]}
        if evidence == locked.evidence:
            return
        locked.evidence = evidence
        locked.points_involved = _points(ordered)
        locked.summary = _summary(locked.kind, evidence)
        locked.save(update_fields=["evidence", "points_involved", "summary"])
        locked.members.add(*members)


def _points(votes: Iterable[dict]) -> int:
    """How many points the votes moved, up or down."""
    return sum(abs(vote["points"]) for vote in votes)


def _summary(kind: str, evidence: dict) -> str:
    votes = evidence.get("votes", [])
    ids = {vote["voter"] for vote in votes} | {vote["member"] for vote in votes}
    names = dict(User.objects.filter(pk__in=ids).values_list("pk", "username"))

    def name(pk: int) -> str:
        return names.get(pk, f"#{pk}")

    count = len(votes)
    if kind == Kind.SERIAL_VOTING:
        text = ngettext(
            "%(voter)s voted %(count)d time on posts by %(member)s within %(hours)d hours.",
            "%(voter)s voted %(count)d times on posts by %(member)s within %(hours)d hours.",
            count,
        ) % {
            "voter": name(evidence["voter"]),
            "member": name(evidence["member"]),
            "count": count,
            "hours": evidence["window_hours"],
        }
    elif kind == Kind.VOTING_RING:
        text = ngettext(
            "%(accounts)s upvoted each other in a circle: %(count)d upvote within %(days)d days.",
            "%(accounts)s upvoted each other in a circle: %(count)d upvotes within %(days)d days.",
            count,
        ) % {
            "accounts": ", ".join(name(pk) for pk in evidence["accounts"]),
            "count": count,
            "days": evidence["window_days"],
        }
    else:
        text = ngettext(
            "%(accounts)s signed up from %(ip)s and upvoted each other (%(count)d upvote).",
            "%(accounts)s signed up from %(ip)s and upvoted each other (%(count)d upvotes).",
            count,
        ) % {
            "accounts": ", ".join(name(pk) for pk in evidence["accounts"]),
            "ip": evidence["ip"],
            "count": count,
        }
    return Truncator(text).chars(SUMMARY_LENGTH)


# --- Decisions.


@transaction.atomic
def reverse_case(case: GamingCase, *, actor: User, note: str = "") -> bool:
    """Take back the points of the case's standing vote entries and mark it reversed.

    Each entry gets one ledger reversal naming the case, by *actor*, with *note*; entries
    already undone (the vote was taken back) are left alone, so a case without standing
    votes (a shared sign-up address whose votes were removed) still records the decision.
    The votes themselves stay: only the points they brought are taken back.
    Idempotent: returns False and writes nothing when the case was already decided.
    Emits ``reputation.case_decided``.
    """
    locked = _lock_open(case)
    if locked is None:
        return False
    _reverse(
        LedgerEntry.objects.filter(pk__in=case_entry_ids(locked), reason__in=VOTE_REASONS),
        cause=Cause.GAMING_REVERSED,
        actor_id=actor.pk,
        case=locked,
        note=note.strip()[: LedgerEntry._meta.get_field("note").max_length],
    )
    _decide(case, locked, status=Status.REVERSED, actor=actor, note=note)
    return True


@transaction.atomic
def dismiss_case(case: GamingCase, *, actor: User, note: str = "") -> bool:
    """Mark the case dismissed (not gaming): its points stay, its votes open no new case.

    Idempotent: returns False and writes nothing when the case was already decided.
    Emits ``reputation.case_decided``.
    """
    locked = _lock_open(case)
    if locked is None:
        return False
    _decide(case, locked, status=Status.DISMISSED, actor=actor, note=note)
    return True


def _lock_open(case: GamingCase) -> GamingCase | None:
    locked = GamingCase.objects.select_for_update().get(pk=case.pk)
    return locked if locked.status == Status.OPEN else None


def _decide(case: GamingCase, locked: GamingCase, *, status: str, actor: User, note: str) -> None:
    """Record the decision on the case (who, when, why: its audit entry) and announce it."""
    locked.status = status
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    locked.decision_note = note.strip()[: GamingCase._meta.get_field("decision_note").max_length]
    locked.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    for field in ("status", "decided_at", "decided_by_id", "decision_note"):
        setattr(case, field, getattr(locked, field))
    events.emit(events.case_decided, case_id=locked.pk, status=status, actor_id=actor.pk)
