"""Moderation's services: flags and the queue, pre-moderation, rate limits, demand moved by
closing a duplicate, sanctions, mark as spam and its undoing, and the audit log."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from forum import permissions as forum_permissions
from forum import services as forum
from forum.models import Comment, Post, Thread, Visibility, Vote
from moderation import services
from moderation.models import (
    AuditEntry,
    Flag,
    FlagReason,
    ModerationSettings,
    ReviewItem,
    Sanction,
    ScreeningRule,
)
from reputation.models import LedgerEntry
from tests.factories import UserFactory, make_answer, make_category, make_thread

pytestmark = pytest.mark.django_db

LINK_BODY = "The fix is described on https://support.example.com/e42 for every model."


def _reason(code: str) -> FlagReason:
    return FlagReason.objects.get(code=code)


def _actions() -> list[str]:
    return list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))


def _pending_answer(committed, thread: Thread, author: User | None = None) -> Post:
    """An answer held for review by screening (a newcomer's link), in the queue."""
    with committed():
        answer = make_answer(thread, author=author or UserFactory(), body=LINK_BODY)
    assert answer.state == Visibility.PENDING
    return answer


# --- Flags and the queue --------------------------------------------------------------


def test_a_flag_opens_a_queue_item_for_the_post_with_its_weight(answer, customer):
    flag = services.flag_post(answer, flagger=customer, reason=_reason("off-topic"))

    item = ReviewItem.objects.get()
    assert flag.item == item
    assert (item.kind, item.post, item.member) == ("flagged", answer, answer.author)
    assert (item.flag_count, item.flag_weight) == (1, 1)
    assert item.category_id == answer.thread.category_id


def test_flags_on_one_post_share_one_item_and_add_their_weight(answer, customer, brand_rep):
    services.flag_post(answer, flagger=customer, reason=_reason("spam"))
    services.flag_post(answer, flagger=brand_rep, reason=_reason("off-topic"))

    item = ReviewItem.objects.get()
    # spam weighs 1 + 1 extra; staff flags weigh 2 more than a member's.
    assert (item.flag_count, item.flag_weight) == (2, 2 + 3)


def test_a_member_flags_a_post_once_while_their_flag_is_open(answer, customer):
    services.flag_post(answer, flagger=customer, reason=_reason("rude"))

    with pytest.raises(PermissionDenied, match="already flagged"):
        services.flag_post(answer, flagger=customer, reason=_reason("spam"))

    assert Flag.objects.count() == 1
    assert ReviewItem.objects.get().flag_count == 1


def test_a_reason_that_asks_for_words_refuses_a_flag_without_them(answer, customer):
    with pytest.raises(ValidationError, match="what is wrong"):
        services.flag_post(answer, flagger=customer, reason=_reason("other"))

    assert not Flag.objects.exists()


def test_a_duplicate_flag_needs_the_original_thread(answer, customer):
    with pytest.raises(ValidationError, match="address of the thread"):
        services.flag_post(answer, flagger=customer, reason=_reason("duplicate"))

    assert not Flag.objects.exists()


def test_flagging_is_rate_limited_with_a_clear_message(settings, category, customer):
    settings.MODERATION_NEW_MEMBER_RATES = {"flag": "2/h"}
    answers = [
        make_answer(make_thread(category=category, title=f"Problem {n} with E42 here"))
        for n in range(3)
    ]
    for answer in answers[:2]:
        services.flag_post(answer, flagger=customer, reason=_reason("rude"))

    with pytest.raises(PermissionDenied, match="too many flags"):
        services.flag_post(answers[2], flagger=customer, reason=_reason("rude"))

    assert Flag.objects.count() == 2


def test_queue_ranks_heavier_flags_before_lighter_ones_of_the_same_age(category, customer):
    light = make_answer(make_thread(category=category, title="First problem with the display"))
    heavy = make_answer(make_thread(category=category, title="Second problem with the display"))
    services.flag_post(light, flagger=customer, reason=_reason("off-topic"))
    services.flag_post(heavy, flagger=customer, reason=_reason("spam"))

    order = list(ReviewItem.objects.order_by("-rank").values_list("post", flat=True))

    assert order == [heavy.pk, light.pk]


def test_queue_ranks_an_old_unflagged_item_above_a_newer_flag(category, customer):
    old = make_answer(make_thread(category=category, title="First problem with the display"))
    new = make_answer(make_thread(category=category, title="Second problem with the display"))
    services.flag_post(old, flagger=customer, reason=_reason("off-topic"))
    item = ReviewItem.objects.get(post=old)
    two_days_ago = timezone.now() - timedelta(days=2)
    ReviewItem.objects.filter(pk=item.pk).update(
        created_at=two_days_ago, rank=services._rank(two_days_ago, item.flag_weight)
    )
    services.flag_post(new, flagger=customer, reason=_reason("spam"))

    order = list(ReviewItem.objects.order_by("-rank").values_list("post", flat=True))

    assert order == [old.pk, new.pk]


def test_a_claimed_item_cannot_be_decided_by_another_moderator(answer, customer, brand_rep):
    other_rep = UserFactory(role=Role.BRAND_REPRESENTATIVE)
    services.flag_post(answer, flagger=customer, reason=_reason("rude"))
    item = ReviewItem.objects.get()
    services.claim_item(item, moderator=brand_rep)

    with pytest.raises(PermissionDenied, match="is working on this item"):
        services.hide_post(answer, moderator=other_rep, item=item)

    answer.refresh_from_db()
    assert answer.state == Visibility.PUBLISHED
    assert ReviewItem.objects.get().is_open


def test_a_claim_lapses_and_another_moderator_may_take_the_item(
    settings, answer, customer, brand_rep
):
    other_rep = UserFactory(role=Role.BRAND_REPRESENTATIVE)
    services.flag_post(answer, flagger=customer, reason=_reason("rude"))
    item = ReviewItem.objects.get()
    services.claim_item(item, moderator=brand_rep)
    long_ago = timezone.now() - timedelta(minutes=settings.MODERATION_CLAIM_MINUTES + 1)
    ReviewItem.objects.filter(pk=item.pk).update(claimed_at=long_ago)

    services.claim_item(item, moderator=other_rep)

    assert ReviewItem.objects.get().claimed_by == other_rep


def test_hiding_from_the_queue_upholds_the_flags_and_the_flagger_learns_it(
    answer, customer, brand_rep
):
    flag = services.flag_post(answer, flagger=customer, reason=_reason("rude"))
    item = ReviewItem.objects.get()

    services.hide_post(answer, moderator=brand_rep, reason="Insults", item=item)

    flag.refresh_from_db()
    item.refresh_from_db()
    assert (item.status, item.resolution, item.resolved_by) == ("resolved", "hidden", brand_rep)
    assert (flag.status, flag.outcome) == ("upheld", "hidden")
    assert str(services.Decision.OUTCOMES[flag.outcome]) == "A moderator hid the post."


def test_dismissing_leaves_the_post_and_dismisses_the_flags(answer, customer, brand_rep):
    flag = services.flag_post(answer, flagger=customer, reason=_reason("rude"))

    services.dismiss_item(ReviewItem.objects.get(), moderator=brand_rep, note="Fair criticism")

    flag.refresh_from_db()
    answer.refresh_from_db()
    assert answer.state == Visibility.PUBLISHED
    assert flag.status == "dismissed"
    assert AuditEntry.objects.get().action == "moderation.flags.dismissed"


def test_a_post_its_author_deletes_leaves_the_queue(committed, answer, customer):
    services.flag_post(answer, flagger=customer, reason=_reason("rude"))

    with committed():
        forum.delete_post(answer, actor=answer.author)

    item = ReviewItem.objects.get()
    assert (item.status, item.resolution) == ("resolved", "gone")


# --- Pre-moderation ---------------------------------------------------------------------


def test_with_new_members_held_a_member_without_the_privilege_waits_for_review(
    committed, category, customer
):
    ModerationSettings.objects.update(premoderate_new_members=True)

    with committed():
        thread = make_thread(author=customer, category=category)

    thread.refresh_from_db()
    assert thread.state == Visibility.PENDING
    item = ReviewItem.objects.get()
    assert item.kind == "pending"
    assert item.reasons == ["a new member whose posts wait for review"]


def test_with_new_members_held_a_member_with_the_privilege_posts_at_once(category, customer):
    from tests.factories import give_privilege

    ModerationSettings.objects.update(premoderate_new_members=True)
    give_privilege(customer, "skip_premoderation")

    thread = make_thread(author=customer, category=category)

    assert thread.state == Visibility.PUBLISHED


def test_new_members_post_at_once_while_the_setting_is_off(category, customer):
    thread = make_thread(author=customer, category=category)

    assert thread.state == Visibility.PUBLISHED


def test_staff_are_never_held(category, brand_rep):
    ModerationSettings.objects.update(premoderate_new_members=True)
    ScreeningRule.objects.create(pattern="firmware")

    thread = make_thread(author=brand_rep, category=category, body=LINK_BODY + " firmware")

    assert thread.state == Visibility.PUBLISHED


@pytest.mark.parametrize(
    ("pattern", "is_regex", "body"),
    [
        ("free download", False, "Get the FREE Download of the app here, works great!"),
        (r"\bcrack(ed)?\b", True, "Use the cracked firmware image to unlock the zones."),
    ],
)
def test_screening_rules_hold_matching_posts(
    committed, thread, other_customer, pattern, is_regex, body
):
    ScreeningRule.objects.create(pattern=pattern, is_regex=is_regex, note="warez")

    with committed():
        answer = make_answer(thread, author=other_customer, body=body)

    assert answer.state == Visibility.PENDING
    assert ReviewItem.objects.get().reasons == ["matches the screening rule “warez”"]


def test_a_pending_answer_is_invisible_to_others_until_approved(
    committed, thread, other_customer, brand_rep
):
    answer = _pending_answer(committed, thread, other_customer)
    posts = Post.objects.filter(pk=answer.pk)
    assert not forum_permissions.visible_posts(AnonymousUser(), posts).exists()
    assert not forum_permissions.visible_posts(thread.author, posts).exists()
    assert forum_permissions.visible_posts(other_customer, posts).exists()

    services.approve_post(answer, moderator=brand_rep, item=ReviewItem.objects.get())

    thread.refresh_from_db()
    assert forum_permissions.visible_posts(AnonymousUser(), posts).exists()
    assert thread.answer_count == 1
    assert thread.first_answer_at == answer.created_at
    assert ReviewItem.objects.get().resolution == "approved"


def test_a_pending_answer_does_not_move_the_threads_activity(committed, thread, other_customer):
    before = Thread.objects.get(pk=thread.pk).last_activity_at

    _pending_answer(committed, thread, other_customer)

    assert Thread.objects.get(pk=thread.pk).last_activity_at == before


def test_a_pending_question_is_published_with_its_thread(category, customer, brand_rep):
    thread = make_thread(author=customer, category=category, body=LINK_BODY)
    question = thread.posts.get()

    services.approve_post(question, moderator=brand_rep)

    thread.refresh_from_db()
    assert thread.state == Visibility.PUBLISHED
    assert forum_permissions.visible_threads(AnonymousUser(), Thread.objects.all()).get() == thread


def test_a_pending_comment_is_counted_once_approved(question, other_customer, brand_rep):
    comment = forum.post_comment(question, author=other_customer, body="See www.example.com now")
    assert comment.state == Visibility.PENDING

    services.approve_post(question, moderator=brand_rep, comment=comment)

    question.refresh_from_db()
    question.thread.refresh_from_db()
    assert Comment.objects.get().state == Visibility.PUBLISHED
    assert question.comment_count == 1
    assert question.thread.others_comment_count == 1


def test_rejecting_a_pending_question_removes_its_thread(category, customer, brand_rep):
    thread = make_thread(author=customer, category=category, body=LINK_BODY)

    services.reject_post(thread.posts.get(), moderator=brand_rep, note="Advertising")

    thread.refresh_from_db()
    assert thread.state == Visibility.DELETED
    assert not forum_permissions.visible_threads(customer, Thread.objects.all()).exists()


# --- Rate limits ---------------------------------------------------------------------------


def test_answers_are_rate_limited_per_member_with_a_clear_message(settings, category):
    settings.MODERATION_NEW_MEMBER_RATES = {"answer": "2/h"}
    member = UserFactory()
    threads = [
        make_thread(category=category, title=f"Question {n} about E42 errors") for n in range(3)
    ]
    make_answer(threads[0], author=member)
    make_answer(threads[1], author=member)

    with pytest.raises(PermissionDenied, match=r"too many answers.*what you wrote is kept"):
        make_answer(threads[2], author=member)

    assert Post.objects.filter(author=member).count() == 2


def test_trusted_members_get_the_wider_limit(settings, category):
    from tests.factories import give_trust

    settings.MODERATION_RATES = {"question": "3/h"}
    settings.MODERATION_NEW_MEMBER_RATES = {"question": "1/h"}
    member = give_trust(UserFactory(), 1)

    for n in range(3):
        make_thread(author=member, category=category, title=f"Question {n} about E42 errors")

    assert Thread.objects.filter(author=member).count() == 3


def test_staff_are_not_rate_limited(settings, category, brand_rep):
    settings.MODERATION_RATES = {"question": "1/h"}
    settings.MODERATION_NEW_MEMBER_RATES = {"question": "1/h"}

    for n in range(3):
        make_thread(author=brand_rep, category=category, title=f"Announcement {n} for the E42")

    assert Thread.objects.filter(author=brand_rep).count() == 3


# --- Close as duplicate -----------------------------------------------------------------


@pytest.fixture
def two_threads(category):
    original = make_thread(category=category, title="E42 on the display every night")
    duplicate = make_thread(category=category, title="Thermostat shows E42 at night")
    return original, duplicate


def _me_too(thread: Thread, *voters: User) -> None:
    question = thread.posts.get(kind="question")
    for voter in voters:
        forum.cast_vote(question, voter=voter, value=Vote.UP)


def test_closing_as_duplicate_moves_demand_counting_each_person_once(two_threads, brand_rep):
    original, duplicate = two_threads
    both, only_dup, only_org = UserFactory(), UserFactory(), UserFactory()
    _me_too(original, both, only_org)
    _me_too(duplicate, both, only_dup)

    moved = services.close_as_duplicate(duplicate, moderator=brand_rep, original=original)

    original.refresh_from_db()
    duplicate.refresh_from_db()
    # The duplicate's asker and its voter not yet on the original join it; "both" counts once.
    assert moved == 2
    assert original.vote_count == 4
    org_question = original.posts.get(kind="question")
    assert org_question.score == 4
    voters = set(Vote.objects.filter(post=org_question).values_list("voter_id", flat=True))
    assert voters == {both.pk, only_org.pk, only_dup.pk, duplicate.author_id}
    assert duplicate.vote_count == 0
    assert not Vote.objects.filter(post__thread=duplicate).exists()
    assert duplicate.duplicate_of == original
    assert duplicate.is_locked
    assert list(original.duplicates.all()) == [duplicate]


def test_closing_as_duplicate_keeps_reputation_equal_to_the_ledger(two_threads, brand_rep):
    original, duplicate = two_threads
    _me_too(duplicate, UserFactory(), UserFactory())

    services.close_as_duplicate(duplicate, moderator=brand_rep, original=original)

    for member in User.objects.all():
        total = LedgerEntry.objects.filter(member=member).aggregate(total=Sum("points"))["total"]
        assert member.reputation == (total or 0), member


def test_a_thread_cannot_be_closed_into_a_duplicate(two_threads, category, brand_rep):
    original, duplicate = two_threads
    services.close_as_duplicate(duplicate, moderator=brand_rep, original=original)
    third = make_thread(category=category, title="Yet another E42 night question")

    with pytest.raises(PermissionDenied, match="itself a duplicate"):
        services.close_as_duplicate(third, moderator=brand_rep, original=duplicate)

    third.refresh_from_db()
    assert third.duplicate_of is None


def test_reopening_a_duplicate_unlocks_it_and_keeps_the_moved_votes(two_threads, brand_rep):
    original, duplicate = two_threads
    services.close_as_duplicate(duplicate, moderator=brand_rep, original=original)

    assert services.reopen_duplicate(duplicate, moderator=brand_rep) is True

    duplicate.refresh_from_db()
    original.refresh_from_db()
    assert (duplicate.duplicate_of, duplicate.is_locked) == (None, False)
    assert original.vote_count == 1


# --- Thread actions -------------------------------------------------------------------------


def test_locking_records_who_and_why(thread, brand_rep):
    services.lock_thread(thread, moderator=brand_rep, reason="Solved by firmware 5.2.1")

    thread.refresh_from_db()
    assert (thread.is_locked, thread.locked_by, thread.lock_reason) == (
        True,
        brand_rep,
        "Solved by firmware 5.2.1",
    )


def test_moving_a_thread_needs_a_moderator_of_both_products(thread, brand_rep, administrator):
    other = make_category("Aero Vacuum")
    services.set_moderated_products(
        brand_rep, administrator=administrator, category_ids=[thread.category_id]
    )

    with pytest.raises(PermissionDenied, match="moderate other products"):
        services.move_thread(thread, moderator=brand_rep, category=other)

    services.move_thread(thread, moderator=administrator, category=other, reason="Wrong product")
    thread.refresh_from_db()
    assert thread.category == other


def test_a_moderator_deletes_anyones_answer_and_restores_it_with_its_points(
    thread, answer, customer, brand_rep
):
    forum.cast_vote(answer, voter=customer, value=Vote.UP)
    author = answer.author
    author.refresh_from_db()
    earned = author.reputation

    services.delete_post(answer, moderator=brand_rep, reason="Off-topic")
    author.refresh_from_db()
    thread.refresh_from_db()
    assert (author.reputation, thread.answer_count) == (earned - 10, 0)

    services.restore_post(answer, moderator=brand_rep, reason="Mistake")
    author.refresh_from_db()
    thread.refresh_from_db()
    answer.refresh_from_db()
    assert (answer.state, author.reputation, thread.answer_count) == ("published", earned, 1)


def test_a_moderators_edit_is_kept_with_its_reason(answer, brand_rep):
    services.edit_post(
        answer,
        moderator=brand_rep,
        reason="Removed a phone number",
        body="Hold reset ten seconds, then pair again.",
    )

    revision = answer.revisions.get()
    assert (revision.editor, revision.reason) == (brand_rep, "Removed a phone number")
    entry = AuditEntry.objects.get()
    assert entry.action == "moderation.post.edited"
    assert entry.before["body"] == "Hold the reset button for ten seconds, then pair it again."
    assert entry.after["body"] == "Hold reset ten seconds, then pair again."


def test_a_moderators_edit_needs_a_reason(answer, brand_rep):
    with pytest.raises(ValidationError, match="why you are editing"):
        services.edit_post(answer, moderator=brand_rep, reason=" ", body="Something else here now")

    answer.refresh_from_db()
    assert answer.edit_count == 0


# --- Sanctions -------------------------------------------------------------------------


def test_a_warned_member_acknowledges_before_posting_again(thread, other_customer, brand_rep):
    services.warn_member(other_customer, moderator=brand_rep, message="Please stay polite.")

    with pytest.raises(PermissionDenied, match="read and acknowledge"):
        make_answer(thread, author=other_customer)

    services.acknowledge_warning(other_customer)
    make_answer(thread, author=other_customer)
    assert Sanction.objects.get().acknowledged_at is not None


def test_a_suspension_ends_by_itself_at_its_date(thread, other_customer, brand_rep):
    until = timezone.now() + timedelta(days=3)
    services.suspend_member(other_customer, moderator=brand_rep, reason="Spam", until=until)
    other_customer.refresh_from_db()
    assert "suspended until" in other_customer.write_refusal()

    User.objects.filter(pk=other_customer.pk).update(
        suspended_until=timezone.now() - timedelta(seconds=1)
    )
    other_customer.refresh_from_db()

    assert other_customer.write_refusal() is None
    make_answer(thread, author=other_customer)


def test_lifting_a_suspension_lets_the_member_post(thread, other_customer, brand_rep):
    services.suspend_member(other_customer, moderator=brand_rep, reason="Spam")

    assert services.lift_suspension(other_customer, moderator=brand_rep, reason="Appeal") is True

    other_customer.refresh_from_db()
    assert not other_customer.is_suspended
    assert Sanction.objects.get().lifted_by == brand_rep


def test_a_suspension_must_end_in_the_future(other_customer, brand_rep):
    with pytest.raises(ValidationError, match="in the future"):
        services.suspend_member(
            other_customer, moderator=brand_rep, reason="Spam", until=timezone.now()
        )

    assert not Sanction.objects.exists()


def test_marking_a_spammer_hides_every_post_and_suspends_and_can_be_undone(
    category, customer, brand_rep
):
    spammer = UserFactory()
    thread = make_thread(author=spammer, category=category)
    answer = make_answer(
        make_thread(category=category, title="A real question about E42"), author=spammer
    )
    before = dict(User.objects.values_list("pk", "reputation"))

    sweep = services.mark_as_spammer(spammer, moderator=brand_rep, reason="Advertising")

    spammer.refresh_from_db()
    thread.refresh_from_db()
    answer.refresh_from_db()
    assert (thread.state, answer.state) == ("hidden", "hidden")
    assert spammer.is_suspended
    assert sorted(sweep.post_ids) == sorted([thread.posts.get().pk, answer.pk])

    assert services.revert_spam_sweep(sweep, moderator=brand_rep, reason="False alarm") is True

    spammer.refresh_from_db()
    thread.refresh_from_db()
    answer.refresh_from_db()
    assert (thread.state, answer.state) == ("published", "published")
    assert not spammer.is_suspended
    assert dict(User.objects.values_list("pk", "reputation")) == before


# --- The audit log ----------------------------------------------------------------------------


def test_every_action_writes_one_audit_entry_inside_its_change(
    two_threads, brand_rep, administrator
):
    original, duplicate = two_threads
    member = UserFactory()
    answer = make_answer(original, author=member)
    other = make_category("Aero Vacuum")
    question = original.posts.get(kind="question")
    revision_source = make_answer(original)
    forum.edit_post(revision_source, editor=revision_source.author, body="A second version of it.")

    services.lock_thread(original, moderator=brand_rep, reason="r")
    services.unlock_thread(original, moderator=brand_rep)
    services.pin_thread(original, moderator=brand_rep)
    services.unpin_thread(original, moderator=brand_rep)
    services.hide_post(answer, moderator=brand_rep, reason="r")
    services.unhide_post(answer, moderator=brand_rep)
    services.delete_post(answer, moderator=brand_rep)
    services.restore_post(answer, moderator=brand_rep)
    services.edit_post(answer, moderator=brand_rep, reason="r", body="An edited answer text here.")
    services.redact_revision(revision_source.revisions.get(), moderator=brand_rep, reason="r")
    services.move_thread(duplicate, moderator=brand_rep, category=other)
    services.move_thread(duplicate, moderator=brand_rep, category=original.category)
    services.close_as_duplicate(duplicate, moderator=brand_rep, original=original)
    services.reopen_duplicate(duplicate, moderator=brand_rep)
    services.warn_member(member, moderator=brand_rep, message="m")
    services.acknowledge_warning(member)
    services.suspend_member(member, moderator=brand_rep, reason="r")
    services.lift_suspension(member, moderator=brand_rep)
    services.watch_member(member, moderator=brand_rep, reason="r")
    services.dismiss_item(ReviewItem.objects.get(kind="account"), moderator=brand_rep)
    sweep = services.mark_as_spammer(member, moderator=brand_rep)
    services.revert_spam_sweep(sweep, moderator=brand_rep)
    services.set_moderated_products(brand_rep, administrator=administrator, category_ids=[other.pk])
    assert question.pk  # the original's question was never touched

    assert _actions() == [
        "moderation.thread.locked",
        "moderation.thread.unlocked",
        "moderation.thread.pinned",
        "moderation.thread.unpinned",
        "moderation.post.hidden",
        "moderation.post.shown",
        "moderation.post.deleted",
        "moderation.post.restored",
        "moderation.post.edited",
        "moderation.revision.redacted",
        "moderation.thread.moved",
        "moderation.thread.moved",
        "moderation.thread.closed_duplicate",
        "moderation.thread.reopened",
        "moderation.member.warned",
        "moderation.warning.acknowledged",
        "moderation.member.suspended",
        "moderation.member.suspension_lifted",
        "moderation.watch.started",
        "moderation.watch.ended",
        "moderation.member.suspended",
        "moderation.member.marked_spammer",
        "moderation.member.suspension_lifted",
        "moderation.member.spam_reverted",
        "moderation.moderator.scope_changed",
    ]
    assert set(
        AuditEntry.objects.exclude(action="moderation.warning.acknowledged").values_list(
            "actor", flat=True
        )
    ) == {brand_rep.pk, administrator.pk}


def test_an_action_refused_midway_leaves_no_audit_entry(two_threads, customer):
    original, duplicate = two_threads

    with pytest.raises(PermissionDenied):
        services.close_as_duplicate(duplicate, moderator=customer, original=original)

    assert not AuditEntry.objects.exists()


def test_audit_entries_are_never_changed_or_deleted(thread, brand_rep):
    services.lock_thread(thread, moderator=brand_rep, reason="r")
    entry = AuditEntry.objects.get()

    entry.reason = "rewritten"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.update(reason="x")
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()

    assert AuditEntry.objects.get().reason == "r"


def test_canned_replies_fill_their_placeholders(thread, brand_rep):
    from moderation.models import CannedReply

    reply = CannedReply.objects.create(
        title="Ask", body="Hi {asker}, which {product} firmware? {unknown} — {moderator}"
    )

    filled = services.fill_canned_reply(reply, thread=thread, moderator=brand_rep)

    assert filled.body == (
        f"Hi {thread.author.public_name}, which {thread.category.title} firmware? {{unknown}} "
        f"— {brand_rep.public_name}"
    )


# --- Merge and split -----------------------------------------------------------------------


def _assert_ledger_holds() -> None:
    for member in User.objects.all():
        total = LedgerEntry.objects.filter(member=member).aggregate(total=Sum("points"))["total"]
        assert member.reputation == (total or 0), member


def test_merging_moves_the_answers_and_closes_the_source_into_the_target(two_threads, brand_rep):
    original, duplicate = two_threads
    first = make_answer(duplicate)
    second = make_answer(duplicate)
    voter = UserFactory()
    forum.cast_vote(first, voter=voter, value=Vote.UP)
    forum.accept_answer(second, actor=duplicate.author)

    moved = services.merge_threads(duplicate, into=original, moderator=brand_rep, reason="Same")

    original.refresh_from_db()
    duplicate.refresh_from_db()
    assert moved == [first.pk, second.pk]
    assert set(original.posts.answers().values_list("pk", flat=True)) == {first.pk, second.pk}
    assert (original.answer_count, duplicate.answer_count) == (2, 0)
    assert duplicate.duplicate_of == original
    assert duplicate.accepted_answer is None
    assert original.accepted_answer is None
    assert original.first_answer_at == first.created_at
    _assert_ledger_holds()
    assert AuditEntry.objects.get().action == "moderation.threads.merged"


def test_splitting_makes_the_first_answer_the_question_of_a_new_thread(thread, brand_rep):
    first = make_answer(thread, body="My thermostat does something else entirely: it reboots.")
    second = make_answer(thread)
    third = make_answer(thread)
    up, down = UserFactory(), UserFactory()
    from tests.factories import give_privilege

    give_privilege(down, "downvote")
    forum.cast_vote(first, voter=up, value=Vote.UP)
    forum.cast_vote(first, voter=down, value=Vote.DOWN)

    new = services.split_answers(
        thread, answers=[first, third], moderator=brand_rep, title="Thermostat keeps rebooting"
    )

    new.refresh_from_db()
    thread.refresh_from_db()
    first.refresh_from_db()
    assert (first.kind, first.thread, first.score) == ("question", new, 1)
    assert new.author == first.author
    assert list(new.posts.answers()) == [third]
    assert (new.answer_count, new.vote_count, thread.answer_count) == (1, 1, 1)
    assert list(thread.posts.answers()) == [second]
    assert new.created_at == first.created_at
    assert list(Vote.objects.filter(post=first).values_list("voter", "value")) == [(up.pk, 1)]
    _assert_ledger_holds()
    assert AuditEntry.objects.get().action == "moderation.answers.split"


def test_splitting_needs_a_title_and_answers_of_the_thread(thread, category, brand_rep):
    answer = make_answer(thread)
    elsewhere = make_answer(make_thread(category=category, title="Another thread with answers"))

    with pytest.raises(ValidationError, match="title"):
        services.split_answers(thread, answers=[answer], moderator=brand_rep, title="  ")
    with pytest.raises(PermissionDenied, match="still there"):
        services.split_answers(thread, answers=[elsewhere], moderator=brand_rep, title="New one")

    assert Thread.objects.count() == 2


# --- Events ---------------------------------------------------------------------------------


@pytest.fixture
def listen():
    """``listen(event_type)`` connects a receiver and returns the payloads it is given."""
    connected = []

    def connect(event_type):
        calls = []

        def receiver(event):
            calls.append(event.payload)

        name = f"test-listener-{id(calls)}"
        event_type.connect(receiver, name=name)
        connected.append((event_type, name))
        return calls

    yield connect
    for event_type, name in connected:
        event_type.disconnect(None, name=name)


def test_flagging_and_closing_announce_their_events_after_commit(
    listen, committed, two_threads, customer, brand_rep
):
    from moderation import events

    original, duplicate = two_threads
    flags, closes, resolved = (
        listen(events.post_flagged),
        listen(events.thread_closed),
        listen(events.item_resolved),
    )
    question = duplicate.posts.get(kind="question")

    with committed():
        flag = services.flag_post(
            question, flagger=customer, reason=_reason("duplicate"), duplicate_of=original
        )
        services.close_as_duplicate(duplicate, moderator=brand_rep, original=original)
        assert flags == []

    assert flags == [
        {
            "thread_id": duplicate.pk,
            "post_id": question.pk,
            "comment_id": None,
            "flag_id": flag.pk,
            "item_id": flag.item_id,
            "actor_id": customer.pk,
        }
    ]
    assert closes == [
        {
            "thread_id": duplicate.pk,
            "original_id": original.pk,
            "moved_votes": 1,
            "actor_id": brand_rep.pk,
        }
    ]
    assert resolved[0]["decision"] == "closed_duplicate"
    assert resolved[0]["flag_ids"] == [flag.pk]


def test_marking_a_spammer_hides_their_comments_and_undoing_shows_them(question, brand_rep):
    spammer = UserFactory()
    comment = forum.post_comment(question, author=spammer, body="Cheap covers, message me!")
    question.refresh_from_db()
    assert question.comment_count == 1

    sweep = services.mark_as_spammer(spammer, moderator=brand_rep)

    comment.refresh_from_db()
    question.refresh_from_db()
    question.thread.refresh_from_db()
    assert (comment.state, question.comment_count) == ("hidden", 0)
    assert question.thread.others_comment_count == 0
    assert sweep.comment_ids == [comment.pk]

    services.revert_spam_sweep(sweep, moderator=brand_rep)

    comment.refresh_from_db()
    question.refresh_from_db()
    assert (comment.state, question.comment_count) == ("published", 1)
