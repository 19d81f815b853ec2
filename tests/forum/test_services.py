"""forum.services: each state change, its stored counters, refusals, idempotency and events."""

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from core.models import Event
from forum import events, permissions, services
from forum.models import Comment, Post, PostRevision, Tag, Thread, Vote
from moderation import services as moderation_services
from reputation.models import Privilege
from tests.factories import UserFactory, give_privilege, make_answer, make_thread

pytestmark = pytest.mark.django_db

TITLE = "Thermostat display flickers after the update"
BODY = "Since the **firmware update** the display flickers every few seconds."


def _ask(author, category, **overrides):
    kwargs = {"author": author, "category": category, "title": TITLE, "body": BODY}
    return services.ask_question(**{**kwargs, **overrides})


@pytest.fixture
def comment(question, other_customer):
    return services.post_comment(question, author=other_customer, body="Which firmware version?")


@pytest.fixture
def locked_thread(thread, administrator):
    moderation_services.lock_thread(thread, moderator=administrator)
    thread.refresh_from_db()
    return thread


# --- ask_question -----------------------------------------------------------------------------


def test_ask_question_creates_thread_with_its_question_post(customer, category):
    thread = _ask(customer, category)

    thread.refresh_from_db()
    post = thread.posts.get()
    assert (thread.title, thread.author, thread.category) == (TITLE, customer, category)
    assert (post.kind, post.author, post.body_markdown) == (Post.Kind.QUESTION, customer, BODY)
    assert "<strong>firmware update</strong>" in post.body_html
    assert thread.answer_count == 0
    assert thread.last_activity_at is not None


def test_ask_question_slugifies_the_title(customer, category):
    thread = _ask(customer, category, title="Wi-Fi drops at 2am, every night!")

    thread.refresh_from_db()
    assert thread.slug == "wi-fi-drops-at-2am-every-night"


def test_ask_question_stores_plain_text_excerpt_of_the_body(customer, category):
    thread = _ask(customer, category)

    thread.refresh_from_db()
    assert thread.excerpt == "Since the firmware update the display flickers every few seconds."


def test_ask_question_shortens_long_excerpt(customer, category):
    thread = _ask(customer, category, body="word " * 200)

    thread.refresh_from_db()
    assert len(thread.excerpt) <= 240
    assert thread.excerpt.endswith("…")


def test_ask_question_attaches_the_tags(customer, category):
    thread = _ask(customer, category, tags=["wifi", "firmware"])

    thread.refresh_from_db()
    assert sorted(tag.name for tag in thread.tags.all()) == ["firmware", "wifi"]


def test_ask_question_reuses_existing_tags(customer, category):
    _ask(customer, category, tags=["wifi"])

    second = _ask(customer, category, title="Another Wi-Fi problem today", tags=["wifi"])

    assert Tag.objects.filter(slug="wifi").count() == 1
    assert second.tags.get().slug == "wifi"


def test_ask_question_with_same_submission_key_twice_creates_one_thread(customer, category):
    key = uuid.uuid4()

    first = _ask(customer, category, submission_key=key)
    second = _ask(customer, category, submission_key=key)

    assert first.pk == second.pk
    assert Thread.objects.count() == 1
    assert Post.objects.count() == 1


def test_ask_question_with_different_submission_keys_creates_two_threads(customer, category):
    _ask(customer, category, submission_key=uuid.uuid4())
    _ask(customer, category, submission_key=uuid.uuid4())

    assert Thread.objects.count() == 2


def test_ask_question_is_refused_for_anonymous(category):
    with pytest.raises(PermissionDenied):
        _ask(AnonymousUser(), category)

    assert not Thread.objects.exists()


def test_ask_question_is_refused_for_inactive_user(category):
    inactive = UserFactory(is_active=False)

    with pytest.raises(PermissionDenied):
        _ask(inactive, category)

    assert not Thread.objects.exists()


# --- post_answer ------------------------------------------------------------------------------


def test_post_answer_creates_answer_post(thread, other_customer):
    answer = services.post_answer(thread, author=other_customer, body="Reset it, then pair again.")

    answer.refresh_from_db()
    assert (answer.kind, answer.thread, answer.author) == (
        Post.Kind.ANSWER,
        thread,
        other_customer,
    )
    assert answer.body_html == "<p>Reset it, then pair again.</p>"


def test_post_answer_increments_answer_count(thread, other_customer, brand_rep):
    services.post_answer(thread, author=other_customer, body="Reset it, then pair again.")
    services.post_answer(thread, author=brand_rep, body="A fix ships in firmware 2.1.")

    thread.refresh_from_db()
    assert thread.answer_count == 2


def test_post_answer_records_first_answer_at_only_once(thread, other_customer, brand_rep):
    services.post_answer(thread, author=other_customer, body="Reset it, then pair again.")
    thread.refresh_from_db()
    first_answer_at = thread.first_answer_at

    services.post_answer(thread, author=brand_rep, body="A fix ships in firmware 2.1.")

    thread.refresh_from_db()
    assert first_answer_at is not None
    assert thread.first_answer_at == first_answer_at


def test_post_answer_moves_last_activity_at(thread, other_customer):
    before = thread.last_activity_at

    services.post_answer(thread, author=other_customer, body="Reset it, then pair again.")

    thread.refresh_from_db()
    assert thread.last_activity_at > before


def test_post_answer_by_customer_leaves_staff_answered_at_empty(thread, other_customer):
    services.post_answer(thread, author=other_customer, body="Reset it, then pair again.")

    thread.refresh_from_db()
    assert thread.staff_answered_at is None
    assert not thread.has_staff_answer


@pytest.mark.parametrize("role", ["brand_rep", "support_agent", "administrator"])
def test_post_answer_by_staff_records_staff_answered_at(request, thread, role):
    staff = request.getfixturevalue(role)

    services.post_answer(thread, author=staff, body="A fix ships in firmware 2.1.")

    thread.refresh_from_db()
    assert thread.staff_answered_at is not None


def test_post_answer_keeps_first_staff_answer_time(thread, brand_rep, support_agent):
    services.post_answer(thread, author=brand_rep, body="A fix ships in firmware 2.1.")
    thread.refresh_from_db()
    first_staff_at = thread.staff_answered_at

    services.post_answer(thread, author=support_agent, body="Firmware 2.1 is out now.")

    thread.refresh_from_db()
    assert thread.staff_answered_at == first_staff_at


def test_post_answer_is_refused_when_thread_locked(locked_thread, other_customer):
    with pytest.raises(PermissionDenied, match="locked"):
        services.post_answer(locked_thread, author=other_customer, body="Reset it, then pair.")

    locked_thread.refresh_from_db()
    assert locked_thread.answer_count == 0
    assert not Post.objects.answers().exists()


def test_post_answer_is_refused_when_lock_happened_after_loading(thread, administrator):
    stale = Thread.objects.get(pk=thread.pk)
    moderation_services.lock_thread(thread, moderator=administrator)

    with pytest.raises(PermissionDenied):
        services.post_answer(stale, author=administrator, body="Reset it, then pair again.")

    assert not Post.objects.answers().exists()


def test_post_answer_with_same_submission_key_twice_creates_one_answer(thread, other_customer):
    key = uuid.uuid4()

    first = services.post_answer(
        thread, author=other_customer, body="Reset it, then pair.", submission_key=key
    )
    second = services.post_answer(
        thread, author=other_customer, body="Reset it, then pair.", submission_key=key
    )

    thread.refresh_from_db()
    assert first.pk == second.pk
    assert thread.answer_count == 1
    assert Post.objects.answers().count() == 1


# --- post_comment -----------------------------------------------------------------------------


def test_post_comment_creates_comment_with_inline_html(question, other_customer):
    comment = services.post_comment(question, author=other_customer, body="Which *model*?")

    comment.refresh_from_db()
    assert (comment.post, comment.author) == (question, other_customer)
    assert comment.body_html == "Which <em>model</em>?"


def test_post_comment_increments_comment_count(question, other_customer, brand_rep):
    services.post_comment(question, author=other_customer, body="Which model?")
    services.post_comment(question, author=brand_rep, body="And which firmware?")

    question.refresh_from_db()
    assert question.comment_count == 2


def test_post_comment_moves_thread_last_activity_at(thread, question, other_customer):
    before = thread.last_activity_at

    services.post_comment(question, author=other_customer, body="Which model?")

    thread.refresh_from_db()
    assert thread.last_activity_at > before


def test_post_comment_is_refused_when_thread_locked(locked_thread, other_customer):
    question = Post.objects.get(thread=locked_thread, kind=Post.Kind.QUESTION)

    with pytest.raises(PermissionDenied, match="locked"):
        services.post_comment(question, author=other_customer, body="Which model?")

    question.refresh_from_db()
    assert question.comment_count == 0
    assert not Comment.objects.exists()


def test_post_comment_is_refused_when_lock_happened_after_loading(
    thread, question, administrator, other_customer
):
    stale = Post.objects.select_related("thread").get(pk=question.pk)
    moderation_services.lock_thread(thread, moderator=administrator)

    with pytest.raises(PermissionDenied, match="locked"):
        services.post_comment(stale, author=other_customer, body="Which model?")

    assert not Comment.objects.exists()


def test_post_comment_is_refused_on_deleted_answer(answer, other_customer, customer):
    services.delete_post(answer, actor=other_customer)
    answer.refresh_from_db()

    with pytest.raises(PermissionDenied, match="deleted"):
        services.post_comment(answer, author=customer, body="Why was this removed?")

    assert not Comment.objects.exists()


# --- edit_post --------------------------------------------------------------------------------


def test_edit_post_keeps_previous_text_in_a_revision(answer, other_customer):
    old_body = answer.body_markdown

    services.edit_post(answer, editor=other_customer, body="Hold reset for twenty seconds.")

    answer.refresh_from_db()
    revision = answer.revisions.get()
    assert revision.body_markdown == old_body
    assert revision.editor == other_customer
    assert revision.title == ""
    assert answer.body_markdown == "Hold reset for twenty seconds."
    assert answer.body_html == "<p>Hold reset for twenty seconds.</p>"


def test_edit_post_sets_edited_at_and_counts_edits(answer, other_customer):
    services.edit_post(answer, editor=other_customer, body="Hold reset for twenty seconds.")
    services.edit_post(answer, editor=other_customer, body="Hold reset for thirty seconds.")

    answer.refresh_from_db()
    assert answer.edited_at is not None
    assert answer.edit_count == 2
    assert answer.revisions.count() == 2


def test_edit_post_without_changes_writes_no_revision(answer, other_customer):
    services.edit_post(answer, editor=other_customer, body=answer.body_markdown)

    answer.refresh_from_db()
    assert answer.edited_at is None
    assert answer.edit_count == 0
    assert not PostRevision.objects.exists()


def test_edit_question_without_changes_writes_no_revision(thread, question, customer):
    services.edit_post(
        question, editor=customer, body=question.body_markdown, title=thread.title, tags=[]
    )

    question.refresh_from_db()
    assert question.edit_count == 0
    assert not PostRevision.objects.exists()


def test_edit_question_changes_title_and_slug_and_keeps_old_title(thread, question, customer):
    old_title = thread.title

    services.edit_post(
        question, editor=customer, body=question.body_markdown, title="E42 error after update"
    )

    thread.refresh_from_db()
    assert thread.title == "E42 error after update"
    assert thread.slug == "e42-error-after-update"
    assert question.revisions.get().title == old_title


def test_edit_question_replaces_the_tags(customer, category):
    thread = make_thread(author=customer, category=category, tags=("wifi", "firmware"))
    question = thread.posts.get()

    services.edit_post(question, editor=customer, body=question.body_markdown, tags=["display"])

    thread.refresh_from_db()
    assert [tag.name for tag in thread.tags.all()] == ["display"]
    assert question.revisions.count() == 1


def test_edit_question_updates_the_excerpt(thread, question, customer):
    services.edit_post(question, editor=customer, body="Now it shows *E43* instead of E42.")

    thread.refresh_from_db()
    assert thread.excerpt == "Now it shows E43 instead of E42."


def test_edit_answer_ignores_title_and_tags(thread, answer, other_customer):
    services.edit_post(
        answer,
        editor=other_customer,
        body="Hold reset for twenty seconds.",
        title="A hijacked title",
        tags=["hijacked"],
    )

    thread.refresh_from_db()
    assert thread.title != "A hijacked title"
    assert not thread.tags.exists()


def test_edit_post_is_refused_for_other_customer(answer, customer):
    with pytest.raises(PermissionDenied, match="To edit other members' posts you need"):
        services.edit_post(answer, editor=customer, body="Something else entirely, really.")

    answer.refresh_from_db()
    assert answer.edit_count == 0
    assert not PostRevision.objects.exists()


def test_edit_post_is_refused_when_lock_happened_after_loading(
    thread, question, customer, administrator
):
    stale = Post.objects.select_related("thread").get(pk=question.pk)
    moderation_services.lock_thread(thread, moderator=administrator)

    with pytest.raises(PermissionDenied, match="locked"):
        services.edit_post(stale, editor=customer, body="A different description here.")

    question.refresh_from_db()
    assert question.edit_count == 0


def test_edit_post_by_brand_rep_records_the_brand_rep_as_editor(answer, brand_rep):
    services.edit_post(answer, editor=brand_rep, body="Hold reset for twenty seconds.")

    assert answer.revisions.get().editor == brand_rep


def test_edit_post_is_refused_for_its_author_when_thread_locked(locked_thread, customer):
    question = Post.objects.get(thread=locked_thread, kind=Post.Kind.QUESTION)

    with pytest.raises(PermissionDenied, match="locked"):
        services.edit_post(question, editor=customer, body="A different description here.")

    question.refresh_from_db()
    assert question.edit_count == 0


# --- delete_post ------------------------------------------------------------------------------


def test_delete_answer_is_soft(answer, other_customer):
    services.delete_post(answer, actor=other_customer)

    answer.refresh_from_db()
    assert answer.is_deleted
    assert answer.deleted_at is not None
    assert Post.objects.filter(pk=answer.pk).exists()


def test_delete_answer_decrements_answer_count(thread, answer, other_customer):
    services.delete_post(answer, actor=other_customer)

    thread.refresh_from_db()
    assert thread.answer_count == 0
    assert not thread.is_deleted


def test_delete_question_without_answers_deletes_the_thread(thread, question, customer):
    services.delete_post(question, actor=customer)

    thread.refresh_from_db()
    question.refresh_from_db()
    assert question.is_deleted
    assert thread.is_deleted
    assert not permissions.visible_threads(thread.author, Thread.objects.filter(pk=thread.pk))


def test_delete_only_answer_clears_first_answer_and_staff_answer_times(thread, brand_rep):
    answer = services.post_answer(thread, author=brand_rep, body="A fix ships in firmware 2.1.")

    services.delete_post(answer, actor=brand_rep)

    thread.refresh_from_db()
    assert thread.first_answer_at is None
    assert thread.staff_answered_at is None
    assert not thread.has_staff_answer


def test_delete_first_answer_moves_first_answer_at_to_the_next_answer(thread, other_customer):
    first = services.post_answer(thread, author=other_customer, body="Reset it, then pair again.")
    second = make_answer(thread)

    services.delete_post(first, actor=other_customer)

    thread.refresh_from_db()
    assert thread.first_answer_at == second.created_at
    assert thread.first_answer_at > first.created_at


def test_delete_staff_answer_keeps_the_customers_first_answer_time(
    thread, other_customer, brand_rep
):
    customers = services.post_answer(thread, author=other_customer, body="Reset it, then pair.")
    staff = services.post_answer(thread, author=brand_rep, body="A fix ships in firmware 2.1.")

    services.delete_post(staff, actor=brand_rep)

    thread.refresh_from_db()
    assert thread.first_answer_at == customers.created_at
    assert thread.staff_answered_at is None


def test_delete_first_staff_answer_moves_staff_answered_at_to_the_next_one(
    thread, brand_rep, support_agent, other_customer
):
    first_staff = services.post_answer(thread, author=brand_rep, body="A fix ships in 2.1.")
    services.post_answer(thread, author=other_customer, body="Reset it, then pair again.")
    second_staff = services.post_answer(thread, author=support_agent, body="2.1 is out now.")

    services.delete_post(first_staff, actor=brand_rep)

    thread.refresh_from_db()
    assert thread.staff_answered_at == second_staff.created_at


def test_delete_question_is_refused_once_another_member_commented_on_it(
    thread, question, customer, other_customer
):
    services.post_comment(question, author=other_customer, body="Which firmware version?")

    with pytest.raises(PermissionDenied, match="Other members have commented"):
        services.delete_post(question, actor=customer)

    thread.refresh_from_db()
    assert not thread.is_deleted


def test_delete_answer_is_refused_for_its_author_when_thread_locked(
    thread, answer, other_customer, administrator
):
    moderation_services.lock_thread(thread, moderator=administrator)

    with pytest.raises(PermissionDenied, match="locked"):
        services.delete_post(answer, actor=other_customer)

    answer.refresh_from_db()
    thread.refresh_from_db()
    assert not answer.is_deleted
    assert thread.answer_count == 1


def test_delete_question_is_refused_for_its_asker_when_thread_locked(
    thread, question, customer, administrator
):
    moderation_services.lock_thread(thread, moderator=administrator)

    with pytest.raises(PermissionDenied, match="locked"):
        services.delete_post(question, actor=customer)

    thread.refresh_from_db()
    assert not thread.is_deleted


def test_delete_question_is_refused_when_it_has_answers(thread, question, answer, customer):
    with pytest.raises(PermissionDenied, match="has answers"):
        services.delete_post(question, actor=customer)

    thread.refresh_from_db()
    question.refresh_from_db()
    assert not question.is_deleted
    assert not thread.is_deleted


def test_delete_question_is_allowed_once_its_only_answer_is_deleted(
    thread, question, answer, customer, other_customer
):
    services.delete_post(answer, actor=other_customer)

    services.delete_post(question, actor=customer)

    thread.refresh_from_db()
    assert thread.is_deleted


def test_delete_accepted_answer_is_refused(thread, answer, customer, other_customer):
    services.accept_answer(answer, actor=customer)

    with pytest.raises(PermissionDenied, match="accepted solution"):
        services.delete_post(answer, actor=other_customer)

    answer.refresh_from_db()
    thread.refresh_from_db()
    assert not answer.is_deleted
    assert thread.answer_count == 1


def test_delete_post_is_refused_for_another_user(answer, customer):
    with pytest.raises(PermissionDenied, match="your own posts"):
        services.delete_post(answer, actor=customer)

    answer.refresh_from_db()
    assert not answer.is_deleted


def test_delete_post_twice_is_refused_and_counts_once(thread, answer, other_customer):
    services.delete_post(answer, actor=other_customer)

    with pytest.raises(PermissionDenied, match="already been deleted"):
        services.delete_post(answer, actor=other_customer)

    thread.refresh_from_db()
    assert thread.answer_count == 0


# --- delete_comment ---------------------------------------------------------------------------


def test_delete_comment_is_soft_and_decrements_comment_count(question, comment, other_customer):
    services.delete_comment(comment, actor=other_customer)

    comment.refresh_from_db()
    question.refresh_from_db()
    assert comment.is_deleted
    assert question.comment_count == 0


def test_post_comment_by_another_member_on_the_question_counts_as_a_reply(
    thread, question, other_customer
):
    services.post_comment(question, author=other_customer, body="Which firmware version?")

    thread.refresh_from_db()
    assert thread.others_comment_count == 1


def test_post_comment_by_the_asker_or_on_an_answer_is_not_a_reply_to_the_question(
    thread, question, answer, customer, other_customer
):
    services.post_comment(question, author=customer, body="It is the T-200 model.")
    services.post_comment(answer, author=other_customer, body="This worked for me too.")

    thread.refresh_from_db()
    assert thread.others_comment_count == 0


def test_delete_comment_by_another_member_on_the_question_lowers_the_reply_count(
    thread, question, comment, other_customer
):
    services.delete_comment(comment, actor=other_customer)

    thread.refresh_from_db()
    assert thread.others_comment_count == 0


def test_delete_comment_is_refused_for_its_author_when_thread_locked(
    thread, question, comment, other_customer, administrator
):
    moderation_services.lock_thread(thread, moderator=administrator)

    with pytest.raises(PermissionDenied, match="locked"):
        services.delete_comment(comment, actor=other_customer)

    comment.refresh_from_db()
    question.refresh_from_db()
    assert not comment.is_deleted
    assert question.comment_count == 1


def test_delete_comment_by_brand_rep_goes_through_moderation(comment, brand_rep):
    with pytest.raises(PermissionDenied, match="your own comments"):
        services.delete_comment(comment, actor=brand_rep)

    moderation_services.delete_post(comment.post, moderator=brand_rep, comment=comment)

    comment.refresh_from_db()
    assert comment.is_deleted


def test_delete_comment_is_refused_for_other_customer(question, comment, customer):
    with pytest.raises(PermissionDenied, match="your own comments"):
        services.delete_comment(comment, actor=customer)

    comment.refresh_from_db()
    question.refresh_from_db()
    assert not comment.is_deleted
    assert question.comment_count == 1


def test_delete_comment_twice_is_refused_and_counts_once(question, comment, other_customer):
    services.delete_comment(comment, actor=other_customer)

    with pytest.raises(PermissionDenied):
        services.delete_comment(comment, actor=other_customer)

    question.refresh_from_db()
    assert question.comment_count == 0


# --- cast_vote --------------------------------------------------------------------------------


def test_cast_vote_up_raises_the_answer_score(answer, customer):
    score = services.cast_vote(answer, voter=customer, value=Vote.UP)

    answer.refresh_from_db()
    assert score == answer.score == 1
    assert Vote.objects.get(post=answer, voter=customer).value == Vote.UP


def test_cast_vote_changed_from_up_to_down_moves_score_by_two(answer, customer):
    give_privilege(customer, Privilege.DOWNVOTE)
    services.cast_vote(answer, voter=customer, value=Vote.UP)

    score = services.cast_vote(answer, voter=customer, value=Vote.DOWN)

    answer.refresh_from_db()
    assert score == answer.score == -1
    assert Vote.objects.get(post=answer, voter=customer).value == Vote.DOWN


def test_cast_vote_zero_takes_the_vote_back(answer, customer):
    give_privilege(customer, Privilege.DOWNVOTE)
    services.cast_vote(answer, voter=customer, value=Vote.DOWN)

    score = services.cast_vote(answer, voter=customer, value=0)

    answer.refresh_from_db()
    assert score == answer.score == 0
    assert not Vote.objects.exists()


def test_cast_vote_same_vote_twice_changes_nothing(answer, customer):
    services.cast_vote(answer, voter=customer, value=Vote.UP)

    score = services.cast_vote(answer, voter=customer, value=Vote.UP)

    answer.refresh_from_db()
    assert score == answer.score == 1
    assert Vote.objects.count() == 1


def test_cast_vote_sums_votes_of_several_people(answer, customer, brand_rep, support_agent):
    services.cast_vote(answer, voter=customer, value=Vote.UP)
    services.cast_vote(answer, voter=brand_rep, value=Vote.UP)
    services.cast_vote(answer, voter=support_agent, value=Vote.DOWN)

    answer.refresh_from_db()
    assert answer.score == 1


def test_cast_vote_is_refused_on_own_post(answer, other_customer):
    with pytest.raises(PermissionDenied, match="your own post"):
        services.cast_vote(answer, voter=other_customer, value=Vote.UP)

    answer.refresh_from_db()
    assert answer.score == 0
    assert not Vote.objects.exists()


def test_cast_vote_is_refused_when_thread_locked(answer, customer, administrator):
    moderation_services.lock_thread(answer.thread, moderator=administrator)
    answer = Post.objects.get(pk=answer.pk)

    with pytest.raises(PermissionDenied, match="locked"):
        services.cast_vote(answer, voter=customer, value=Vote.UP)

    answer.refresh_from_db()
    assert answer.score == 0


def test_cast_vote_is_refused_when_lock_happened_after_loading(answer, customer, administrator):
    stale = Post.objects.select_related("thread").get(pk=answer.pk)
    moderation_services.lock_thread(answer.thread, moderator=administrator)

    with pytest.raises(PermissionDenied, match="locked"):
        services.cast_vote(stale, voter=customer, value=Vote.UP)

    answer.refresh_from_db()
    assert answer.score == 0


def test_cast_vote_down_on_question_is_refused(question, other_customer):
    with pytest.raises(ValueError, match="questions take only"):
        services.cast_vote(question, voter=other_customer, value=Vote.DOWN)

    question.refresh_from_db()
    assert question.score == 0
    assert not Vote.objects.exists()


def test_cast_vote_with_unknown_value_is_refused(answer, customer):
    with pytest.raises(ValueError, match="must be 1, -1 or 0"):
        services.cast_vote(answer, voter=customer, value=2)

    assert not Vote.objects.exists()


def test_cast_vote_on_question_moves_thread_vote_count(thread, question, other_customer, brand_rep):
    services.cast_vote(question, voter=other_customer, value=Vote.UP)
    services.cast_vote(question, voter=brand_rep, value=Vote.UP)

    thread.refresh_from_db()
    question.refresh_from_db()
    assert thread.vote_count == question.score == 2


def test_cast_vote_taken_back_on_question_lowers_thread_vote_count(
    thread, question, other_customer
):
    services.cast_vote(question, voter=other_customer, value=Vote.UP)

    services.cast_vote(question, voter=other_customer, value=0)

    thread.refresh_from_db()
    assert thread.vote_count == 0


def test_cast_vote_on_answer_leaves_thread_vote_count(thread, answer, customer):
    services.cast_vote(answer, voter=customer, value=Vote.UP)

    thread.refresh_from_db()
    assert thread.vote_count == 0


def test_vote_table_refuses_a_second_row_for_the_same_person_and_post(answer, customer):
    Vote.objects.create(post=answer, voter=customer, value=Vote.UP)

    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(post=answer, voter=customer, value=Vote.DOWN)

    assert Vote.objects.filter(post=answer, voter=customer).count() == 1


def test_vote_table_refuses_a_value_other_than_up_or_down(answer, customer):
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(post=answer, voter=customer, value=5)

    assert not Vote.objects.exists()


# --- accept_answer / unaccept_answer ----------------------------------------------------------


@pytest.mark.parametrize("role", ["customer", "brand_rep", "administrator"])
def test_accept_answer_is_allowed_for_asker_and_moderators(request, thread, answer, role):
    actor = request.getfixturevalue(role)

    assert services.accept_answer(answer, actor=actor) is True

    thread.refresh_from_db()
    assert thread.accepted_answer == answer
    assert thread.accepted_by == actor
    assert thread.accepted_at is not None
    assert thread.is_solved


@pytest.mark.parametrize("role", ["other_customer", "support_agent"])
def test_accept_answer_is_refused_for_others(request, thread, answer, role):
    actor = request.getfixturevalue(role)

    with pytest.raises(PermissionDenied, match="Only the person who asked"):
        services.accept_answer(answer, actor=actor)

    thread.refresh_from_db()
    assert thread.accepted_answer is None


def test_accept_answer_is_refused_for_a_third_customer(thread, answer):
    with pytest.raises(PermissionDenied):
        services.accept_answer(answer, actor=UserFactory())

    thread.refresh_from_db()
    assert thread.accepted_answer is None


def test_accept_answer_replaces_the_previous_solution(thread, answer, customer, brand_rep):
    services.accept_answer(answer, actor=customer)
    better = make_answer(thread, author=brand_rep, body="Firmware 2.1 fixes E42 for good.")

    assert services.accept_answer(better, actor=customer) is True

    thread.refresh_from_db()
    assert thread.accepted_answer == better


def test_accept_answer_again_returns_false_and_writes_nothing(thread, answer, customer, brand_rep):
    services.accept_answer(answer, actor=customer)
    thread.refresh_from_db()
    accepted_at = thread.accepted_at

    assert services.accept_answer(answer, actor=brand_rep) is False

    thread.refresh_from_db()
    assert thread.accepted_at == accepted_at
    assert thread.accepted_by == customer


def test_accept_answer_is_refused_when_thread_locked(thread, answer, customer, administrator):
    moderation_services.lock_thread(thread, moderator=administrator)

    with pytest.raises(PermissionDenied, match="locked"):
        services.accept_answer(answer, actor=customer)

    thread.refresh_from_db()
    assert thread.accepted_answer is None


def test_accept_answer_refuses_the_question(thread, question, customer):
    with pytest.raises(PermissionDenied, match="Only an answer"):
        services.accept_answer(question, actor=customer)

    thread.refresh_from_db()
    assert thread.accepted_answer is None


def test_accept_answer_refuses_a_deleted_answer(thread, answer, customer, other_customer):
    services.delete_post(answer, actor=other_customer)
    answer.refresh_from_db()

    with pytest.raises(PermissionDenied, match="has been deleted"):
        services.accept_answer(answer, actor=customer)

    thread.refresh_from_db()
    assert thread.accepted_answer is None


def test_unaccept_answer_clears_the_solution(thread, answer, customer):
    services.accept_answer(answer, actor=customer)

    assert services.unaccept_answer(thread, actor=customer) is True

    thread.refresh_from_db()
    assert thread.accepted_answer is None
    assert thread.accepted_at is None
    assert thread.accepted_by is None


def test_unaccept_answer_without_solution_returns_false(thread, answer, customer):
    assert services.unaccept_answer(thread, actor=customer) is False

    thread.refresh_from_db()
    assert thread.accepted_answer is None


def test_unaccept_answer_is_refused_for_other_customer(thread, answer, customer, other_customer):
    services.accept_answer(answer, actor=customer)

    with pytest.raises(PermissionDenied):
        services.unaccept_answer(thread, actor=other_customer)

    thread.refresh_from_db()
    assert thread.accepted_answer == answer


def test_unaccept_answer_is_refused_when_thread_locked(thread, answer, customer, administrator):
    services.accept_answer(answer, actor=customer)
    moderation_services.lock_thread(thread, moderator=administrator)

    with pytest.raises(PermissionDenied, match="locked"):
        services.unaccept_answer(thread, actor=customer)

    thread.refresh_from_db()
    assert thread.accepted_answer == answer


# --- lock / unlock / pin / unpin --------------------------------------------------------------

FLAG_CHANGES = [
    pytest.param(moderation_services.lock_thread, "is_locked", False, id="lock"),
    pytest.param(moderation_services.unlock_thread, "is_locked", True, id="unlock"),
    pytest.param(moderation_services.pin_thread, "is_pinned", False, id="pin"),
    pytest.param(moderation_services.unpin_thread, "is_pinned", True, id="unpin"),
]


def _set_flag(thread, field, value):
    """Arrange a thread flag without going through the service under test."""
    Thread.objects.filter(pk=thread.pk).update(**{field: value})
    thread.refresh_from_db()


@pytest.mark.parametrize("role", ["brand_rep", "administrator"])
@pytest.mark.parametrize(("service", "field", "start"), FLAG_CHANGES)
def test_thread_flag_change_is_allowed_for_moderators(request, thread, role, service, field, start):
    _set_flag(thread, field, start)

    assert service(thread, moderator=request.getfixturevalue(role)) is True

    thread.refresh_from_db()
    assert getattr(thread, field) is (not start)


@pytest.mark.parametrize("role", ["customer", "other_customer", "support_agent"])
@pytest.mark.parametrize(("service", "field", "start"), FLAG_CHANGES)
def test_thread_flag_change_is_refused_for_non_moderators(
    request, thread, role, service, field, start
):
    _set_flag(thread, field, start)

    with pytest.raises(PermissionDenied, match="Only brand representatives"):
        service(thread, moderator=request.getfixturevalue(role))

    thread.refresh_from_db()
    assert getattr(thread, field) is start


@pytest.mark.parametrize(("service", "field", "start"), FLAG_CHANGES)
def test_thread_flag_change_is_idempotent(thread, brand_rep, service, field, start):
    _set_flag(thread, field, not start)

    assert service(thread, moderator=brand_rep) is False

    thread.refresh_from_db()
    assert getattr(thread, field) is (not start)


def test_lock_thread_records_locked_at(thread, brand_rep):
    moderation_services.lock_thread(thread, moderator=brand_rep)

    thread.refresh_from_db()
    assert thread.locked_at is not None


def test_unlock_thread_clears_locked_at(thread, brand_rep):
    moderation_services.lock_thread(thread, moderator=brand_rep)

    moderation_services.unlock_thread(thread, moderator=brand_rep)

    thread.refresh_from_db()
    assert not thread.is_locked
    assert thread.locked_at is None


# --- stale copies: each service decides on the rows as they are now ----------------------------
#
# A request loads a post, then another request changes it before the first one acts. These are
# the races of test_races.py played one after the other, so they run on SQLite too.


def _stale(obj):
    return type(obj).objects.get(pk=obj.pk)


def test_delete_post_with_a_stale_copy_of_a_deleted_answer_lowers_answer_count_once(
    thread, answer, other_customer
):
    make_answer(thread)
    stale = _stale(answer)
    services.delete_post(answer, actor=other_customer)

    with pytest.raises(PermissionDenied, match="already been deleted"):
        services.delete_post(stale, actor=other_customer)

    thread.refresh_from_db()
    assert thread.answer_count == 1


def test_delete_comment_with_a_stale_copy_lowers_comment_count_once(question, other_customer):
    services.post_comment(question, author=other_customer, body="Which model is it?")
    comment = services.post_comment(question, author=other_customer, body="And which firmware?")
    stale = _stale(comment)
    services.delete_comment(comment, actor=other_customer)

    with pytest.raises(PermissionDenied, match="already been deleted"):
        services.delete_comment(stale, actor=other_customer)

    question.refresh_from_db()
    assert question.comment_count == 1


def test_accept_answer_with_a_stale_copy_of_a_deleted_answer_is_refused(
    thread, answer, customer, other_customer
):
    stale = _stale(answer)
    services.delete_post(answer, actor=other_customer)

    with pytest.raises(PermissionDenied, match="has been deleted"):
        services.accept_answer(stale, actor=customer)

    thread.refresh_from_db()
    assert thread.accepted_answer_id is None


def test_cast_vote_with_a_stale_copy_of_a_deleted_answer_is_refused(
    answer, customer, other_customer
):
    stale = _stale(answer)
    services.delete_post(answer, actor=other_customer)

    with pytest.raises(PermissionDenied, match="has been deleted"):
        services.cast_vote(stale, voter=customer, value=Vote.UP)

    answer.refresh_from_db()
    assert answer.score == 0
    assert not Vote.objects.filter(post=answer).exists()


def test_post_comment_with_a_stale_copy_of_a_deleted_answer_is_refused(
    answer, customer, other_customer
):
    stale = _stale(answer)
    services.delete_post(answer, actor=other_customer)

    with pytest.raises(PermissionDenied, match="has been deleted"):
        services.post_comment(stale, author=customer, body="Did this work?")

    answer.refresh_from_db()
    assert answer.comment_count == 0
    assert not Comment.objects.filter(post=answer).exists()


def test_edit_post_with_a_stale_copy_of_a_deleted_answer_is_refused(answer, other_customer):
    stale = _stale(answer)
    services.delete_post(answer, actor=other_customer)

    with pytest.raises(PermissionDenied, match="has been deleted"):
        services.edit_post(stale, editor=other_customer, body="Hold reset for twenty seconds.")

    answer.refresh_from_db()
    assert answer.edit_count == 0
    assert not answer.revisions.exists()


def test_edit_post_with_a_stale_copy_keeps_the_latest_text_in_the_history(
    answer, other_customer, brand_rep
):
    original = answer.body_markdown
    stale = _stale(answer)
    services.edit_post(answer, editor=other_customer, body="Hold reset for twenty seconds.")

    services.edit_post(stale, editor=brand_rep, body="Hold reset for thirty seconds.")

    history = list(answer.revisions.values_list("body_markdown", flat=True))
    assert history == [original, "Hold reset for twenty seconds."]
    answer.refresh_from_db()
    assert answer.edit_count == 2


def test_edit_post_with_a_stale_copy_of_the_same_text_writes_no_revision(answer, other_customer):
    stale = _stale(answer)
    services.edit_post(answer, editor=other_customer, body="Hold reset for twenty seconds.")

    services.edit_post(stale, editor=other_customer, body="Hold reset for twenty seconds.")

    assert answer.revisions.count() == 1


# --- events -----------------------------------------------------------------------------------


@pytest.fixture
def listen():
    """``listen(event_type)`` connects a receiver and returns the payloads it is given."""
    connected = []

    def connect(event_type):
        calls = []

        def receiver(event):
            calls.append(event.payload)

        event_type.connect(receiver, name=f"test-listener-{id(calls)}")
        connected.append((event_type, f"test-listener-{id(calls)}"))
        return calls

    yield connect
    for event_type, name in connected:
        event_type.disconnect(None, name=name)


def test_ask_question_emits_question_asked_after_commit(
    listen, django_capture_on_commit_callbacks, customer, category
):
    calls = listen(events.question_asked)

    with django_capture_on_commit_callbacks(execute=True):
        thread = _ask(customer, category)
        assert calls == []

    assert calls == [
        {
            "thread_id": thread.pk,
            "post_id": thread.posts.get().pk,
            "actor_id": customer.pk,
            "category_id": category.pk,
        }
    ]


def test_ask_question_records_the_event_in_its_own_transaction(customer, category):
    thread = _ask(customer, category)

    event = Event.objects.get(name="forum.question_asked")
    assert event.payload["thread_id"] == thread.pk
    assert event.delivered_at is None  # the test's transaction has not committed


def test_ask_question_rolled_back_leaves_no_event(customer, category):
    def ask_then_die():
        with transaction.atomic():
            _ask(customer, category)
            raise RuntimeError("the request died")

    with pytest.raises(RuntimeError):
        ask_then_die()

    assert not Event.objects.exists()


def test_ask_question_repeated_submit_emits_nothing(
    listen, django_capture_on_commit_callbacks, customer, category
):
    key = uuid.uuid4()
    _ask(customer, category, submission_key=key)
    calls = listen(events.question_asked)

    with django_capture_on_commit_callbacks(execute=True):
        _ask(customer, category, submission_key=key)

    assert calls == []


def test_post_answer_emits_answer_posted_after_commit(
    listen, django_capture_on_commit_callbacks, thread, other_customer
):
    calls = listen(events.answer_posted)

    with django_capture_on_commit_callbacks(execute=True):
        answer = services.post_answer(thread, author=other_customer, body="Reset it, then pair.")
        assert calls == []

    assert calls == [{"thread_id": thread.pk, "post_id": answer.pk, "actor_id": other_customer.pk}]


def test_refused_answer_emits_nothing(
    listen, django_capture_on_commit_callbacks, locked_thread, other_customer
):
    calls = listen(events.answer_posted)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        services.post_answer(locked_thread, author=other_customer, body="Reset it, then pair.")

    assert calls == []


def test_post_comment_emits_comment_posted_with_its_thread(
    listen, django_capture_on_commit_callbacks, question, other_customer
):
    calls = listen(events.comment_posted)

    with django_capture_on_commit_callbacks(execute=True):
        comment = services.post_comment(question, author=other_customer, body="Which model?")
        assert calls == []

    assert calls == [
        {
            "thread_id": question.thread_id,
            "post_id": question.pk,
            "comment_id": comment.pk,
            "actor_id": other_customer.pk,
        }
    ]


def test_edit_post_emits_post_edited_with_the_revision(
    listen, django_capture_on_commit_callbacks, answer, brand_rep
):
    calls = listen(events.post_edited)

    with django_capture_on_commit_callbacks(execute=True):
        services.edit_post(answer, editor=brand_rep, body="Hold reset for twenty seconds.")
        assert calls == []

    assert calls == [
        {
            "thread_id": answer.thread_id,
            "post_id": answer.pk,
            "kind": "answer",
            "revision_id": answer.revisions.get().pk,
            "actor_id": brand_rep.pk,
            "title_changed": False,
            "tags_changed": False,
            "old_tag_ids": [],
        }
    ]


def test_edit_question_tags_emits_the_old_tags(
    listen, django_capture_on_commit_callbacks, customer, category
):
    thread = _ask(customer, category, tags=["wifi"])
    question = thread.posts.get()
    old_tag = Tag.objects.get(name="wifi")
    calls = listen(events.post_edited)

    with django_capture_on_commit_callbacks(execute=True):
        services.edit_post(question, editor=customer, body=question.body_markdown, tags=["e42"])

    assert calls[0]["tags_changed"] is True
    assert calls[0]["old_tag_ids"] == [old_tag.pk]


def test_edit_post_without_changes_emits_nothing(
    listen, django_capture_on_commit_callbacks, answer, other_customer
):
    calls = listen(events.post_edited)

    with django_capture_on_commit_callbacks(execute=True):
        services.edit_post(answer, editor=other_customer, body=answer.body_markdown)

    assert calls == []


def test_delete_answer_emits_post_deleted_keeping_the_thread(
    listen, django_capture_on_commit_callbacks, answer, other_customer
):
    calls = listen(events.post_deleted)

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_post(answer, actor=other_customer)
        assert calls == []

    assert calls == [
        {
            "thread_id": answer.thread_id,
            "post_id": answer.pk,
            "kind": "answer",
            "actor_id": other_customer.pk,
            "thread_deleted": False,
        }
    ]


def test_delete_question_emits_that_the_thread_went_away(
    listen, django_capture_on_commit_callbacks, thread, question, customer
):
    calls = listen(events.post_deleted)

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_post(question, actor=customer)

    assert calls[0]["thread_deleted"] is True
    assert calls[0]["thread_id"] == thread.pk


def test_delete_comment_emits_comment_deleted_with_its_thread(
    listen, django_capture_on_commit_callbacks, comment
):
    calls = listen(events.comment_deleted)
    author = comment.author

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_comment(comment, actor=author)
        assert calls == []

    assert calls == [
        {
            "thread_id": comment.post.thread_id,
            "post_id": comment.post_id,
            "comment_id": comment.pk,
            "actor_id": author.pk,
        }
    ]


def test_cast_vote_emits_vote_changed_with_old_and_new_value(
    listen, django_capture_on_commit_callbacks, answer, customer
):
    give_privilege(customer, Privilege.DOWNVOTE)
    services.cast_vote(answer, voter=customer, value=Vote.UP)
    calls = listen(events.vote_changed)

    with django_capture_on_commit_callbacks(execute=True):
        services.cast_vote(answer, voter=customer, value=Vote.DOWN)
        assert calls == []

    assert calls == [
        {
            "thread_id": answer.thread_id,
            "post_id": answer.pk,
            "kind": "answer",
            "author_id": answer.author_id,
            "actor_id": customer.pk,
            "old_value": 1,
            "new_value": -1,
        }
    ]


def test_cast_vote_unchanged_emits_nothing(
    listen, django_capture_on_commit_callbacks, answer, customer
):
    services.cast_vote(answer, voter=customer, value=Vote.UP)
    calls = listen(events.vote_changed)

    with django_capture_on_commit_callbacks(execute=True):
        services.cast_vote(answer, voter=customer, value=Vote.UP)

    assert calls == []


def test_accept_answer_emits_answer_accepted_with_previous_answer(
    listen, django_capture_on_commit_callbacks, thread, answer, customer, brand_rep
):
    services.accept_answer(answer, actor=customer)
    better = make_answer(thread, author=brand_rep, body="Firmware 2.1 fixes E42 for good.")
    calls = listen(events.answer_accepted)

    with django_capture_on_commit_callbacks(execute=True):
        services.accept_answer(better, actor=customer)
        assert calls == []

    assert calls == [
        {
            "thread_id": thread.pk,
            "post_id": better.pk,
            "previous_post_id": answer.pk,
            "actor_id": customer.pk,
        }
    ]


def test_first_accept_answer_emits_no_previous_answer(
    listen, django_capture_on_commit_callbacks, answer, customer
):
    calls = listen(events.answer_accepted)

    with django_capture_on_commit_callbacks(execute=True):
        services.accept_answer(answer, actor=customer)

    assert len(calls) == 1
    assert calls[0]["previous_post_id"] is None


def test_accept_answer_again_emits_nothing(
    listen, django_capture_on_commit_callbacks, answer, customer
):
    services.accept_answer(answer, actor=customer)
    calls = listen(events.answer_accepted)

    with django_capture_on_commit_callbacks(execute=True):
        services.accept_answer(answer, actor=customer)

    assert calls == []


def test_unaccept_answer_emits_answer_unaccepted_after_commit(
    listen, django_capture_on_commit_callbacks, thread, answer, customer
):
    services.accept_answer(answer, actor=customer)
    calls = listen(events.answer_unaccepted)

    with django_capture_on_commit_callbacks(execute=True):
        services.unaccept_answer(thread, actor=customer)
        assert calls == []

    assert calls == [{"thread_id": thread.pk, "post_id": answer.pk, "actor_id": customer.pk}]


@pytest.mark.parametrize(
    ("service", "event_type", "field", "start"),
    [
        pytest.param(
            moderation_services.lock_thread, events.thread_locked, "is_locked", False, id="lock"
        ),
        pytest.param(
            moderation_services.unlock_thread,
            events.thread_unlocked,
            "is_locked",
            True,
            id="unlock",
        ),
        pytest.param(
            moderation_services.pin_thread, events.thread_pinned, "is_pinned", False, id="pin"
        ),
        pytest.param(
            moderation_services.unpin_thread, events.thread_unpinned, "is_pinned", True, id="unpin"
        ),
    ],
)
def test_thread_flag_change_emits_its_event_after_commit(
    listen, django_capture_on_commit_callbacks, thread, brand_rep, service, event_type, field, start
):
    _set_flag(thread, field, start)
    calls = listen(event_type)

    with django_capture_on_commit_callbacks(execute=True):
        service(thread, moderator=brand_rep)
        assert calls == []

    assert calls == [{"thread_id": thread.pk, "actor_id": brand_rep.pk}]


def test_idempotent_lock_emits_nothing(
    listen, django_capture_on_commit_callbacks, thread, brand_rep
):
    moderation_services.lock_thread(thread, moderator=brand_rep)
    calls = listen(events.thread_locked)

    with django_capture_on_commit_callbacks(execute=True):
        moderation_services.lock_thread(thread, moderator=brand_rep)

    assert calls == []


def test_failing_receiver_does_not_stop_the_others_or_the_change(
    listen, django_capture_on_commit_callbacks, thread, other_customer, caplog
):
    def broken(event):
        raise RuntimeError("search is down")

    events.answer_posted.connect(broken, name="test-broken")
    try:
        calls = listen(events.answer_posted)
        with django_capture_on_commit_callbacks(execute=True):
            services.post_answer(thread, author=other_customer, body="Reset it, then pair.")
    finally:
        events.answer_posted.disconnect(broken, name="test-broken")

    thread.refresh_from_db()
    event = Event.objects.get(name="forum.answer_posted")
    assert thread.answer_count == 1
    assert len(calls) == 1
    assert "failed" in caplog.text
    assert event.delivered_at is None  # the broken receiver is tried again by the sweep
    assert "search is down" in event.last_error


@pytest.mark.parametrize("event_type", events.ALL, ids=lambda e: e.name)
def test_every_forum_event_carries_its_thread_and_actor(event_type):
    assert {"thread_id", "actor_id"} <= set(event_type.fields)
