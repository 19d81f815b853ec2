"""Many members voting at once, on PostgreSQL with real threads and row locks.

Every voter starts at the same moment (a barrier), each on its own connection, so the
votes' transactions overlap. The totals must come out exact: the post's score, the
author's stored reputation, the ledger's sum, and the daily cap counted once across all.
SQLite runs one writer at a time, so these tests need PostgreSQL.
"""

import threading

import pytest
from django.db import connection, connections
from django.db.models import Sum

from accounts.models import User
from accounts.roles import Role
from forum import services
from forum.models import Post
from reputation import services as reputation
from reputation.models import LedgerEntry
from tests.factories import UserFactory, make_answer, make_category, make_thread

pytestmark = [pytest.mark.flushes_db, pytest.mark.django_db(transaction=True)]

VOTERS = 12


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("writers at once: run on PostgreSQL (make test-postgres, CI)")


@pytest.fixture
def category(db, reputation_defaults):
    return make_category()


def _at_once(jobs: list) -> list[BaseException]:
    """Run each callable in its own thread, all released together; return what they raised."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job) -> None:
        try:
            barrier.wait(timeout=30)
            job()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def _ledger_sum(user: User) -> int:
    return LedgerEntry.objects.filter(member=user).aggregate(total=Sum("points"))["total"] or 0


def test_concurrent_votes_on_one_post_give_exact_totals(category, settings):
    settings.REPUTATION_DAILY_VOTE_CAP = 0
    author = UserFactory()
    thread = make_thread(author=UserFactory(), category=category)
    answer = make_answer(thread, author=author)
    voters = [UserFactory() for _ in range(VOTERS)]

    errors = _at_once(
        [lambda voter=voter: services.cast_vote(answer, voter=voter, value=1) for voter in voters]
    )

    assert errors == []
    author.refresh_from_db()
    assert Post.objects.get(pk=answer.pk).score == VOTERS
    assert author.reputation == VOTERS * 10
    assert _ledger_sum(author) == VOTERS * 10
    assert reputation.rebuild_scores(fix=False) == []


def test_concurrent_votes_and_undos_leave_only_what_stands(category, settings):
    settings.REPUTATION_DAILY_VOTE_CAP = 0
    author = UserFactory()
    thread = make_thread(author=UserFactory(), category=category)
    answer = make_answer(thread, author=author)
    voters = [UserFactory() for _ in range(VOTERS)]
    for voter in voters[: VOTERS // 2]:
        services.cast_vote(answer, voter=voter, value=1)

    # The first half take their votes back while the second half vote.
    errors = _at_once(
        [
            lambda voter=voter, n=n: services.cast_vote(
                answer, voter=voter, value=0 if n < VOTERS // 2 else 1
            )
            for n, voter in enumerate(voters)
        ]
    )

    assert errors == []
    author.refresh_from_db()
    assert Post.objects.get(pk=answer.pk).score == VOTERS // 2
    assert author.reputation == (VOTERS // 2) * 10 == _ledger_sum(author)
    assert reputation.standing().filter(member=author).count() == VOTERS // 2


def test_the_daily_cap_holds_when_votes_arrive_together(category, settings):
    settings.REPUTATION_DAILY_VOTE_CAP = 35
    author = UserFactory()
    thread = make_thread(author=UserFactory(), category=category)
    answers = [
        make_answer(thread, author=author, body=f"Answer {n}: reset the hub, then pair again.")
        for n in range(3)
    ]
    voters = [UserFactory() for _ in range(VOTERS)]

    errors = _at_once(
        [
            lambda voter=voter, n=n: services.cast_vote(answers[n % 3], voter=voter, value=1)
            for n, voter in enumerate(voters)
        ]
    )

    assert errors == []
    author.refresh_from_db()
    assert author.reputation == 35 == _ledger_sum(author)
    assert (
        sum(Post.objects.filter(pk__in=[a.pk for a in answers]).values_list("score", flat=True))
        == VOTERS
    )


def test_two_members_voting_on_each_other_at_once_do_not_deadlock(category, settings):
    settings.REPUTATION_DAILY_VOTE_CAP = 0
    first, second = UserFactory(), UserFactory(role=Role.BRAND_REPRESENTATIVE)
    pairs = []
    for _ in range(6):
        thread = make_thread(author=UserFactory(), category=category)
        pairs.append((make_answer(thread, author=first), second))
        thread = make_thread(author=UserFactory(), category=category)
        pairs.append((make_answer(thread, author=second), first))

    errors = _at_once(
        [
            lambda post=post, voter=voter: services.cast_vote(post, voter=voter, value=1)
            for post, voter in pairs
        ]
    )

    assert errors == []
    for member in (first, second):
        member.refresh_from_db()
        assert member.reputation == 60 == _ledger_sum(member)
