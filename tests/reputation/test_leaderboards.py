"""Leaderboards: a period's points are the ledger's sum in it, reversals included; staff,
inactive members and members with nothing positive are left out."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import Role
from forum import services
from reputation import leaderboards
from reputation.models import LedgerEntry
from tests.factories import UserFactory, make_answer, make_category, make_thread

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
# A Wednesday: the week began on Monday the 16th, the month on the 1st.
NOW = datetime.datetime(2025, 6, 18, 12, 0, tzinfo=UTC)
THIS_WEEK = datetime.datetime(2025, 6, 17, 9, 0, tzinfo=UTC)
LAST_WEEK = datetime.datetime(2025, 6, 10, 9, 0, tzinfo=UTC)
LAST_MONTH = datetime.datetime(2025, 5, 28, 9, 0, tzinfo=UTC)


def upvoted(author, *, category=None, when=None, voter=None):
    """*author*'s new answer voted up once; its ledger entry dated *when*."""
    answer = make_answer(make_thread(category=category), author=author)
    services.cast_vote(answer, voter=voter or UserFactory(), value=1)
    if when is not None:
        LedgerEntry.objects.filter(post_id=answer.pk).update(created_at=when)
    return answer


def board(period, **kwargs):
    return [
        (leader.member.username, leader.points)
        for leader in leaderboards.top_members(period, now=NOW, **kwargs)
    ]


def test_week_starts_on_monday_at_midnight_in_the_sites_time_zone():
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    with timezone.override(berlin):
        start = leaderboards.period_start("week", now=NOW)
    assert start == datetime.datetime(2025, 6, 16, 0, 0, tzinfo=berlin)


def test_month_starts_on_the_first_at_midnight():
    assert leaderboards.period_start("month", now=NOW) == datetime.datetime(2025, 6, 1, tzinfo=UTC)
    assert leaderboards.period_start("all", now=NOW) is None


def test_an_unknown_period_is_refused():
    with pytest.raises(ValueError, match="unknown period"):
        leaderboards.period_start("year")


def test_an_entry_of_last_week_does_not_count_this_week_but_counts_this_month():
    recent, earlier = UserFactory(username="recent"), UserFactory(username="earlier")
    upvoted(recent, when=THIS_WEEK)
    upvoted(earlier, when=LAST_WEEK)

    assert board("week") == [("recent", 10)]
    assert board("month") == [("recent", 10), ("earlier", 10)]  # ties: who joined first


def test_an_entry_of_last_month_counts_only_all_time():
    old = UserFactory(username="old")
    upvoted(old, when=LAST_MONTH)

    assert board("week") == []
    assert board("month") == []
    assert board("all") == [("old", 10)]


def test_a_reversed_vote_counts_for_nothing_in_the_period():
    member, voter = UserFactory(username="helper"), UserFactory()
    upvoted(member, when=THIS_WEEK)
    answer = upvoted(member, voter=voter)
    services.cast_vote(answer, voter=voter, value=0)
    LedgerEntry.objects.filter(post_id=answer.pk).update(created_at=THIS_WEEK)

    assert board("week") == [("helper", 10)]


def test_a_reversal_in_the_period_takes_back_points_earned_before_it():
    member, voter = UserFactory(username="helper"), UserFactory()
    taken_back = upvoted(member, when=LAST_WEEK, voter=voter)
    upvoted(member, when=LAST_WEEK)
    services.cast_vote(taken_back, voter=voter, value=0)
    LedgerEntry.objects.filter(post_id=taken_back.pk, reverses__isnull=False).update(
        created_at=THIS_WEEK
    )

    # This month: +10 +10 -10; this week only the -10, nothing positive to show.
    assert board("month") == [("helper", 10)]
    assert board("week") == []


def test_all_time_without_a_product_is_the_stored_reputation():
    first, second = UserFactory(username="first"), UserFactory(username="second")
    upvoted(first, when=LAST_MONTH)
    upvoted(first, when=LAST_MONTH)
    upvoted(second, when=LAST_MONTH)

    assert board("all") == [("first", 20), ("second", 10)]
    first.refresh_from_db()
    assert first.reputation == 20


def test_a_product_board_counts_only_that_products_entries():
    lock, thermostat = make_category("Aurora Lock"), make_category("Nimbus Thermostat")
    locksmith, heater = UserFactory(username="locksmith"), UserFactory(username="heater")
    upvoted(locksmith, category=lock, when=THIS_WEEK)
    upvoted(locksmith, category=lock, when=THIS_WEEK)
    upvoted(heater, category=thermostat, when=THIS_WEEK)
    upvoted(heater, category=lock, when=LAST_MONTH)

    assert board("week", product_id=lock.pk) == [("locksmith", 20)]
    assert board("all", product_id=lock.pk) == [("locksmith", 20), ("heater", 10)]
    assert board("all", product_id=thermostat.pk) == [("heater", 10)]


@pytest.mark.parametrize("period", ["week", "month", "all"])
def test_staff_are_not_ranked(period):
    staff = UserFactory(username="agent", role=Role.SUPPORT_AGENT)
    customer = UserFactory(username="customer")
    upvoted(staff, when=THIS_WEEK)
    upvoted(customer, when=THIS_WEEK)

    assert board(period) == [("customer", 10)]


def test_inactive_members_are_not_ranked():
    gone = UserFactory(username="gone")
    upvoted(gone, when=THIS_WEEK)
    gone.is_active = False
    gone.save(update_fields=["is_active"])

    assert board("week") == []
    assert board("all") == []


def test_members_without_a_positive_total_are_not_ranked(brand_rep):
    member = UserFactory(username="downvoted")
    answer = make_answer(make_thread(), author=member)
    services.cast_vote(answer, voter=brand_rep, value=-1)  # staff may vote down
    LedgerEntry.objects.update(created_at=THIS_WEEK)

    assert LedgerEntry.objects.filter(member=member).exists()
    assert board("week") == []
    assert board("all") == []


def test_members_with_equal_points_share_a_rank():
    ann = UserFactory(username="ann")
    for member in (ann, UserFactory(username="bob"), UserFactory(username="cid")):
        upvoted(member, when=THIS_WEEK)
    upvoted(ann, when=THIS_WEEK)

    leaders = leaderboards.top_members("week", now=NOW)
    assert [(leader.member.username, leader.rank) for leader in leaders] == [
        ("ann", 1),
        ("bob", 2),
        ("cid", 2),
    ]


def test_the_limit_keeps_the_first_members():
    for n in range(4):
        member = UserFactory(username=f"m{n}")
        for _ in range(4 - n):
            upvoted(member, when=THIS_WEEK)

    assert board("week", limit=2) == [("m0", 40), ("m1", 30)]


@pytest.mark.parametrize(("period", "product"), [("week", False), ("all", False), ("all", True)])
def test_a_board_is_one_query_whatever_its_length(period, product, category):
    for _ in range(12):
        upvoted(UserFactory(), category=category, when=THIS_WEEK)

    with CaptureQueriesContext(connection) as queries:
        leaders = leaderboards.top_members(
            period, product_id=category.pk if product else None, now=NOW
        )
        names = [(leader.member.public_name, leader.member.trust_level) for leader in leaders]
    assert len(names) == 12
    assert len(queries) == 1


def test_top_helpers_are_kept_in_the_shared_cache(django_assert_num_queries):
    upvoted(UserFactory(username="helper"))
    first = leaderboards.top_helpers()
    upvoted(UserFactory(username="latecomer"))

    with django_assert_num_queries(0):
        again = leaderboards.top_helpers()
    assert [leader.member.username for leader in again] == [
        leader.member.username for leader in first
    ]
    assert [leader.member.username for leader in first] == ["helper"]
