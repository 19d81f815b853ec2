"""The reputation ledger as the forum's services write it: every change a row, every undo
a reversal, the stored score always the ledger's sum."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum

from accounts.models import User
from accounts.roles import Role
from forum import services
from forum.models import Post, Visibility
from reputation import services as reputation
from reputation.models import Cause, LedgerEntry, PointRule, Reason, TrustLevel
from tests.factories import UserFactory, make_answer

pytestmark = pytest.mark.django_db


def score(user: User) -> int:
    user.refresh_from_db(fields=["reputation", "trust_level"])
    return user.reputation


def ledger_sum(user: User) -> int:
    return LedgerEntry.objects.filter(member=user).aggregate(total=Sum("points"))["total"] or 0


def assert_consistent(*users: User) -> None:
    for user in users:
        assert score(user) == ledger_sum(user), user.username
    assert reputation.rebuild_scores(fix=False) == []


@pytest.fixture
def downvoter(db):
    # Staff hold every privilege, the downvote too.
    return UserFactory(role=Role.BRAND_REPRESENTATIVE)


def test_an_upvote_gives_the_answer_author_the_rules_points(thread, answer, other_customer):
    voter = UserFactory()
    services.cast_vote(answer, voter=voter, value=1)
    entry = LedgerEntry.objects.get()
    assert (entry.member, entry.points, entry.reason) == (other_customer, 10, Reason.ANSWER_UPVOTED)
    assert (entry.actor, entry.post_id, entry.thread_id) == (voter, answer.pk, thread.pk)
    assert entry.product_id == thread.category_id
    assert score(other_customer) == 10
    assert score(voter) == 0


def test_taking_a_vote_back_writes_a_reversal_naming_the_entry(answer, other_customer):
    voter = UserFactory()
    services.cast_vote(answer, voter=voter, value=1)
    services.cast_vote(answer, voter=voter, value=0)
    original, reversal = LedgerEntry.objects.order_by("pk")
    assert reversal.reverses == original
    assert (reversal.points, reversal.cause) == (-10, Cause.VOTE_REMOVED)
    assert score(other_customer) == 0
    assert list(reputation.standing()) == []


def test_changing_an_upvote_to_a_downvote_moves_both_members(answer, other_customer, downvoter):
    services.cast_vote(answer, voter=downvoter, value=1)
    services.cast_vote(answer, voter=downvoter, value=-1)
    assert score(other_customer) == -2
    assert score(downvoter) == -1
    standing = set(reputation.standing().values_list("member_id", "reason"))
    assert standing == {
        (other_customer.pk, Reason.ANSWER_DOWNVOTED),
        (downvoter.pk, Reason.DOWNVOTE_GIVEN),
    }
    assert LedgerEntry.objects.filter(cause=Cause.VOTE_CHANGED).count() == 1
    services.cast_vote(answer, voter=downvoter, value=0)
    assert score(other_customer) == 0
    assert score(downvoter) == 0
    assert_consistent(other_customer, downvoter)


def test_me_too_on_a_question_rewards_the_asker(question, customer):
    services.cast_vote(question, voter=UserFactory(), value=1)
    assert score(customer) == 5
    assert LedgerEntry.objects.get().reason == Reason.QUESTION_ME_TOO


def test_accepting_rewards_the_answerer_and_the_asker_and_unaccepting_takes_it_back(
    thread, answer, customer, other_customer
):
    services.accept_answer(answer, actor=customer)
    assert score(other_customer) == 15
    assert score(customer) == 2
    services.unaccept_answer(thread, actor=customer)
    assert score(other_customer) == 0
    assert score(customer) == 0
    assert_consistent(customer, other_customer)


def test_accepting_ones_own_answer_earns_nothing(thread, customer):
    own = make_answer(thread, author=customer)
    services.accept_answer(own, actor=customer)
    assert LedgerEntry.objects.count() == 0


def test_moving_the_solution_moves_its_points(thread, answer, customer, other_customer):
    second_author = UserFactory()
    second = make_answer(thread, author=second_author)
    services.accept_answer(answer, actor=customer)
    services.accept_answer(second, actor=customer)
    assert score(other_customer) == 0
    assert score(second_author) == 15
    assert score(customer) == 2
    assert_consistent(customer, other_customer, second_author)


def test_a_brand_rep_marking_the_solution_verifies_it(thread, answer, other_customer, brand_rep):
    services.accept_answer(answer, actor=brand_rep)
    reasons = set(reputation.standing().values_list("reason", flat=True))
    assert reasons == {Reason.ANSWER_ACCEPTED, Reason.SOLUTION_VERIFIED}
    assert score(other_customer) == 25


def test_deleting_an_answer_takes_back_what_its_votes_gave_everyone(
    answer, other_customer, downvoter
):
    services.cast_vote(answer, voter=UserFactory(), value=1)
    services.cast_vote(answer, voter=downvoter, value=-1)
    assert score(downvoter) == -1
    services.delete_post(answer, actor=other_customer)
    assert score(other_customer) == 0
    assert score(downvoter) == 0
    assert set(
        LedgerEntry.objects.filter(reverses__isnull=False).values_list("cause", flat=True)
    ) == {Cause.POST_DELETED}


def test_hiding_the_solution_unaccepts_it_and_takes_its_points_back(
    thread, answer, customer, other_customer, brand_rep
):
    services.cast_vote(answer, voter=UserFactory(), value=1)
    services.accept_answer(answer, actor=customer)
    assert score(other_customer) == 25
    assert services.hide_post(answer, moderator=brand_rep)
    thread.refresh_from_db()
    assert thread.accepted_answer_id is None
    assert thread.answer_count == 0
    assert score(other_customer) == 0
    assert score(customer) == 0
    assert not services.hide_post(answer, moderator=brand_rep)


def test_hiding_as_spam_costs_the_author_and_showing_again_restores_the_votes(
    thread, answer, other_customer, brand_rep
):
    services.cast_vote(answer, voter=UserFactory(), value=1)
    services.cast_vote(answer, voter=UserFactory(), value=1)
    services.hide_post(answer, moderator=brand_rep, as_spam=True)
    assert score(other_customer) == -100
    answer.refresh_from_db()
    assert answer.state == Visibility.HIDDEN
    assert services.unhide_post(answer, moderator=brand_rep)
    assert score(other_customer) == 20
    thread.refresh_from_db()
    assert thread.answer_count == 1
    assert_consistent(other_customer)


def test_hiding_a_question_hides_its_thread(thread, question, brand_rep):
    services.hide_post(question, moderator=brand_rep)
    thread.refresh_from_db()
    assert thread.state == Visibility.HIDDEN
    services.unhide_post(question, moderator=brand_rep)
    thread.refresh_from_db()
    assert thread.state == Visibility.PUBLISHED


def test_only_moderators_hide(answer, customer):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.hide_post(answer, moderator=customer)


def test_the_daily_cap_limits_points_from_votes_but_not_accepted_answers(
    settings, thread, customer
):
    settings.REPUTATION_DAILY_VOTE_CAP = 25
    helper = UserFactory()
    answers = [
        make_answer(thread, author=helper, body=f"Try step {n} of the manual, it helps.")
        for n in range(3)
    ]
    for post in answers:
        services.cast_vote(post, voter=UserFactory(), value=1)
    assert score(helper) == 25
    capped = LedgerEntry.objects.order_by("pk").last()
    assert (capped.points, capped.rule_points) == (5, 10)
    services.cast_vote(answers[0], voter=UserFactory(), value=1)
    assert score(helper) == 25
    services.accept_answer(answers[1], actor=customer)
    assert score(helper) == 40
    # Taking back the capped vote takes back only what it gave.
    voter = capped.actor
    services.cast_vote(answers[2], voter=voter, value=0)
    assert score(helper) == 35
    assert_consistent(helper, customer)


def test_the_cap_counts_the_sites_day(settings, thread):
    settings.REPUTATION_DAILY_VOTE_CAP = 10
    helper = UserFactory()
    first, second = (
        make_answer(thread, author=helper, body=f"Answer number {n} with detail.") for n in range(2)
    )
    services.cast_vote(first, voter=UserFactory(), value=1)
    LedgerEntry.objects.update(
        created_at=LedgerEntry.objects.get().created_at - datetime.timedelta(days=1)
    )
    services.cast_vote(second, voter=UserFactory(), value=1)
    assert score(helper) == 20


def test_a_rule_change_applies_from_then_on_and_an_undo_takes_back_what_was_given(
    answer, other_customer
):
    voter = UserFactory()
    services.cast_vote(answer, voter=voter, value=1)
    PointRule.objects.filter(reason=Reason.ANSWER_UPVOTED).update(points=25)
    services.cast_vote(answer, voter=UserFactory(), value=1)
    assert score(other_customer) == 35
    services.cast_vote(answer, voter=voter, value=0)
    assert score(other_customer) == 25


def test_an_entry_can_be_reversed_only_once(answer):
    services.cast_vote(answer, voter=UserFactory(), value=1)
    entry = LedgerEntry.objects.get()
    staff = UserFactory(role=Role.ADMINISTRATOR)
    assert reputation.reverse_entry(entry, actor=staff, note="duplicate account") is not None
    assert reputation.reverse_entry(entry, actor=staff, note="again") is None
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            member=entry.member, points=-10, reason=entry.reason, cause=Cause.STAFF, reverses=entry
        )


def test_a_vote_and_its_points_roll_back_together(answer, other_customer, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("ledger unavailable")

    monkeypatch.setattr(reputation, "_record", broken)
    with pytest.raises(RuntimeError):
        services.cast_vote(answer, voter=UserFactory(), value=1)
    answer.refresh_from_db()
    assert answer.score == 0
    assert answer.votes.count() == 0


def test_staff_adjustments_need_a_note_and_count(administrator, customer):
    with pytest.raises(ValueError, match="note"):
        reputation.adjust(customer, points=50, actor=administrator, note="  ")
    reputation.adjust(customer, points=50, actor=administrator, note="Helped at the meetup")
    assert score(customer) == 50
    assert customer.trust_level == 1


def test_rebuild_finds_and_fixes_a_stored_score_that_drifted(answer, other_customer):
    services.cast_vote(answer, voter=UserFactory(), value=1)
    User.objects.filter(pk=other_customer.pk).update(reputation=999)
    (difference,) = reputation.rebuild_scores(fix=False)
    assert (difference.stored, difference.ledger) == (999, 10)
    assert score(other_customer) == 999
    reputation.rebuild_scores(fix=True)
    assert score(other_customer) == 10
    assert reputation.rebuild_scores(fix=False) == []


def test_trust_level_follows_reputation_and_accepted_answers_both_ways(
    thread, answer, customer, other_customer, administrator
):
    TrustLevel.objects.filter(level=2).update(min_reputation=100, min_accepted_answers=1)
    reputation.forget_trust_levels()
    reputation.adjust(other_customer, points=150, actor=administrator, note="import")
    assert score(other_customer) == 150
    assert other_customer.trust_level == 1
    services.accept_answer(answer, actor=customer)
    score(other_customer)
    assert other_customer.trust_level == 2
    services.unaccept_answer(thread, actor=customer)
    score(other_customer)
    assert other_customer.trust_level == 1


def test_a_visit_counts_once_a_day_and_keeps_the_streak(customer):
    day = datetime.date(2026, 11, 2)
    assert reputation.record_visit(customer, today=day)
    assert not reputation.record_visit(customer, today=day)
    reputation.record_visit(customer, today=day + datetime.timedelta(days=1))
    customer.refresh_from_db()
    assert (customer.days_visited, customer.visit_streak) == (2, 2)
    reputation.record_visit(customer, today=day + datetime.timedelta(days=5))
    customer.refresh_from_db()
    assert (customer.days_visited, customer.visit_streak) == (3, 1)


def test_logging_in_records_the_visit(client, customer):
    client.force_login(customer)
    customer.refresh_from_db()
    assert customer.days_visited == 1


def test_votes_reversed_as_gaming_stay_without_points_when_the_post_comes_back(
    settings, thread, answer, other_customer, brand_rep, administrator
):
    from reputation import gaming

    settings.REPUTATION_SERIAL_VOTES = 1
    fan, honest = UserFactory(), UserFactory()
    services.cast_vote(answer, voter=fan, value=1)
    (case,) = gaming.detect_serial_voting()
    gaming.reverse_case(case, actor=administrator, note="serial votes")
    services.cast_vote(answer, voter=honest, value=1)
    assert score(other_customer) == 10
    services.hide_post(answer, moderator=brand_rep)
    services.unhide_post(answer, moderator=brand_rep)
    assert score(other_customer) == 10
    assert_consistent(other_customer, fan, honest)


def test_showing_a_post_again_gives_back_exactly_what_hiding_took(
    settings, answer, other_customer, brand_rep
):
    settings.REPUTATION_DAILY_VOTE_CAP = 10
    for _ in range(4):
        services.cast_vote(answer, voter=UserFactory(), value=1)
    assert score(other_customer) == 10
    services.hide_post(answer, moderator=brand_rep)
    assert score(other_customer) == 0
    services.unhide_post(answer, moderator=brand_rep)
    assert score(other_customer) == 10
    # Hidden and shown again: still restored once.
    services.hide_post(answer, moderator=brand_rep)
    services.unhide_post(answer, moderator=brand_rep)
    assert score(other_customer) == 10
    assert_consistent(other_customer)


def test_a_staff_reversal_stays_when_the_post_is_hidden_and_shown_again(
    answer, other_customer, brand_rep, administrator
):
    services.cast_vote(answer, voter=UserFactory(), value=1)
    reputation.reverse_entry(LedgerEntry.objects.get(), actor=administrator, note="bought vote")
    services.hide_post(answer, moderator=brand_rep)
    services.unhide_post(answer, moderator=brand_rep)
    assert score(other_customer) == 0


def test_hiding_a_question_holds_what_its_whole_thread_earned(
    thread, question, answer, customer, other_customer, brand_rep
):
    services.cast_vote(answer, voter=UserFactory(), value=1)
    services.accept_answer(answer, actor=customer)
    assert score(other_customer) == 25
    services.hide_post(question, moderator=brand_rep, as_spam=True)
    assert score(other_customer) == 0
    assert score(customer) == -100
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.unaccept_answer(thread, actor=brand_rep)
    services.unhide_post(question, moderator=brand_rep)
    assert score(other_customer) == 25
    assert score(customer) == 2
    assert_consistent(customer, other_customer)


def test_a_post_waiting_for_review_is_not_hidden(thread, customer, brand_rep):
    from django.core.exceptions import PermissionDenied

    waiting = make_answer(thread, author=UserFactory())
    Post.objects.filter(pk=waiting.pk).update(state=Visibility.PENDING)
    waiting.refresh_from_db()
    with pytest.raises(PermissionDenied, match="waiting for review"):
        services.hide_post(waiting, moderator=brand_rep)


def test_a_members_first_page_of_a_day_counts_the_visit_once(client, customer):
    client.force_login(customer)
    User.objects.filter(pk=customer.pk).update(
        last_visit_on=datetime.date(2020, 1, 1), days_visited=3, visit_streak=2
    )
    assert client.get("/").status_code == 200
    client.get("/")
    customer.refresh_from_db()
    assert (customer.days_visited, customer.visit_streak) == (4, 1)


def test_a_request_that_never_loads_the_member_costs_no_query(
    client, customer, django_assert_num_queries
):
    client.force_login(customer)
    User.objects.filter(pk=customer.pk).update(last_visit_on=datetime.date(2020, 1, 1))
    with django_assert_num_queries(0):
        assert client.get("/healthz").status_code == 200
