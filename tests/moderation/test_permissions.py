"""moderation.services: every moderator action as a role x scope x state table.

The product is the ``category`` fixture and ``other_category`` a second one. The asker
(``customer``) wrote the thread and its question; ``other_customer`` wrote the answer and
is the member sanctions aim at. Each table row lists who may act, in ``ROLES`` order: a
visitor, a customer, a support agent, a brand representative of every product, one limited
to the other product, one limited to this product, an administrator.

An allowed action changes the stored rows and writes its audit entries, naming the actor; a
refused one raises ``PermissionDenied`` and changes nothing, the audit log included.
"""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from forum import services as forum_services
from forum.models import Comment, Post, PostRevision, Thread, Visibility
from moderation import permissions, services
from moderation.models import AuditEntry, Flag, FlagReason, ReviewItem, Sanction, SpamSweep
from tests.factories import UserFactory, make_answer, make_category, make_thread

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "customer",
    "support_agent",
    "brand_rep",
    "rep_other",
    "rep_this",
    "administrator",
)
Y, N = True, False
#                anon cust agent brand other this admin
IN_PRODUCT = (N, N, N, Y, N, Y, Y)  # a post, thread or queue item of this product
SANCTION = (N, N, N, Y, Y, Y, Y)  # warn or watch a customer: any moderator
SUSPEND = (N, N, N, Y, N, N, Y)  # a suspension reaches every product
STAFF_TARGET = (N, N, N, N, N, N, Y)  # sanctions on staff answer to an administrator
MANAGE = (N, N, N, N, N, N, Y)  # who moderates what
FLAG = (N, Y, Y, Y, Y, Y, Y)  # any signed-in member but the author

# Moving a thread (or closing it into a thread of another product) needs both products.
BOTH_ROLES = (*ROLES, "rep_both")
BOTH_PRODUCTS = (N, N, N, Y, N, N, Y, Y)

LINK_BODY = "The fix is described on https://support.example.com/e42 for every model."
COMMENT_LINK_BODY = "See www.example.com/e42 for the fix."
KINDS = ("question", "answer", "comment")


def _roles(row: tuple[bool, ...], roles: tuple[str, ...] = ROLES) -> list:
    return [pytest.param(role, allowed, id=role) for role, allowed in zip(roles, row, strict=True)]


def _scoped_rep(*products) -> User:
    rep = UserFactory(role=Role.BRAND_REPRESENTATIVE)
    User.objects.filter(pk=rep.pk).update(moderated_product_ids=[p.pk for p in products])
    rep.refresh_from_db()
    return rep


@pytest.fixture
def other_category(category):
    return make_category("Aurora Doorbell")


@pytest.fixture
def user_for(request, category, other_category):
    def get(role: str):
        if role == "anonymous":
            return AnonymousUser()
        if role == "rep_this":
            return _scoped_rep(category)
        if role == "rep_other":
            return _scoped_rep(other_category)
        if role == "rep_both":
            return _scoped_rep(category, other_category)
        return request.getfixturevalue(role)

    return get


@pytest.fixture
def rep_this_user(user_for):
    """A brand representative limited to this product."""
    return user_for("rep_this")


@pytest.fixture
def staff_member(db):
    return UserFactory(role=Role.SUPPORT_AGENT)


@pytest.fixture
def spam_reason(db):
    return FlagReason.objects.get(code="spam")


@pytest.fixture
def held(thread, question, other_customer, category):
    """A post or comment the screening held for review: ``other_customer`` is below the
    links privilege and posted a link. Returns ``(post, comment or None)``."""

    def make(kind: str):
        if kind == "question":
            pending = make_thread(
                author=other_customer, category=category, title="Pairing fails", body=LINK_BODY
            )
            return pending.posts.get(), None
        if kind == "answer":
            return make_answer(thread, author=other_customer, body=LINK_BODY), None
        comment = forum_services.post_comment(
            question, author=other_customer, body=COMMENT_LINK_BODY
        )
        return question, comment

    return make


@pytest.fixture
def published(question, answer, other_customer):
    """A published question, answer or comment. Returns ``(post, comment or None)``."""

    def get(kind: str):
        if kind == "question":
            return question, None
        if kind == "answer":
            return answer, None
        comment = forum_services.post_comment(
            question, author=other_customer, body="Which firmware version is it?"
        )
        return question, comment

    return get


@pytest.fixture
def flagged_item(answer, customer, spam_reason):
    """The open queue item of ``answer``, flagged as spam by the asker."""
    flag = services.flag_post(answer, flagger=customer, reason=spam_reason)
    return ReviewItem.objects.get(pk=flag.item_id)


@pytest.fixture
def original(other_customer, category):
    """Another published thread of this product: what ``thread`` may duplicate."""
    return make_thread(author=other_customer, category=category, title="Display shows E42")


def _pending_item(post: Post) -> ReviewItem:
    return services.hold_for_review(
        post_id=post.pk, comment_id=None, reasons=["links"], category_id=post.thread.category_id
    )


def _stored(post: Post, comment: Comment | None = None) -> tuple[str, str]:
    """The stored state of the target (the comment, else the post) and of its thread."""
    post = Post.objects.select_related("thread").get(pk=post.pk)
    target = Comment.objects.get(pk=comment.pk) if comment else post
    return target.state, post.thread.state


def _audit_mark() -> int:
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _audited_since(mark: int) -> list[tuple[str, int]]:
    """``(action, actor id)`` of each audit entry written after *mark*, oldest first."""
    return list(
        AuditEntry.objects.filter(pk__gt=mark).order_by("pk").values_list("action", "actor_id")
    )


def _attempt(allowed: bool, action):
    """Run *action*; a refused role must get ``PermissionDenied`` carrying its reason."""
    if allowed:
        return action()
    with pytest.raises(PermissionDenied) as refused:
        action()
    assert str(refused.value), "a refusal carries the reason"
    return None


# --- approve_post, reject_post: only what waits for review -----------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("role", "allowed"), _roles(IN_PRODUCT))
def test_approve_post_publishes_what_waits_for_review(held, user_for, kind, role, allowed):
    post, comment = held(kind)
    before = _stored(post, comment)
    moderator = user_for(role)
    mark = _audit_mark()

    approved = _attempt(
        allowed, lambda: services.approve_post(post, moderator=moderator, comment=comment)
    )

    assert before[0] == Visibility.PENDING
    if allowed:
        assert approved is True
        assert _stored(post, comment) == (Visibility.PUBLISHED, Visibility.PUBLISHED)
        assert _audited_since(mark) == [("moderation.post.approved", moderator.pk)]
    else:
        assert _stored(post, comment) == before
        assert _audited_since(mark) == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ["brand_rep", "rep_this", "administrator"])
def test_approve_post_leaves_a_published_post_as_it_is(published, user_for, kind, role):
    post, comment = published(kind)
    moderator = user_for(role)
    mark = _audit_mark()

    assert services.approve_post(post, moderator=moderator, comment=comment) is False

    assert _stored(post, comment) == (Visibility.PUBLISHED, Visibility.PUBLISHED)
    assert _audited_since(mark) == []


def test_approve_post_counts_an_approved_answer(held, brand_rep):
    post, _comment = held("answer")
    assert Thread.objects.get(pk=post.thread_id).answer_count == 0

    services.approve_post(post, moderator=brand_rep)

    assert Thread.objects.get(pk=post.thread_id).answer_count == 1


def test_approve_post_with_its_item_resolves_the_item(held, rep_this_user):
    post, _comment = held("answer")
    item = _pending_item(post)

    services.approve_post(post, moderator=rep_this_user, item=item)

    item.refresh_from_db()
    assert item.status == ReviewItem.Status.RESOLVED
    assert item.resolution == services.Decision.APPROVED
    assert item.resolved_by == rep_this_user


def test_approve_post_is_refused_while_another_moderator_holds_its_item(
    held, brand_rep, administrator
):
    post, _comment = held("answer")
    item = _pending_item(post)
    services.claim_item(item, moderator=brand_rep)
    mark = _audit_mark()

    with pytest.raises(PermissionDenied):
        services.approve_post(post, moderator=administrator, item=item)

    item.refresh_from_db()
    assert _stored(post) == (Visibility.PENDING, Visibility.PUBLISHED)
    assert item.is_open
    assert _audited_since(mark) == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("role", "allowed"), _roles(IN_PRODUCT))
def test_reject_post_removes_what_waits_for_review(held, user_for, kind, role, allowed):
    post, comment = held(kind)
    before = _stored(post, comment)
    moderator = user_for(role)
    mark = _audit_mark()

    rejected = _attempt(
        allowed, lambda: services.reject_post(post, moderator=moderator, comment=comment)
    )

    if allowed:
        assert rejected is True
        thread_state = Visibility.DELETED if kind == "question" else Visibility.PUBLISHED
        assert _stored(post, comment) == (Visibility.DELETED, thread_state)
        assert _audited_since(mark) == [("moderation.post.rejected", moderator.pk)]
    else:
        assert _stored(post, comment) == before
        assert _audited_since(mark) == []


@pytest.mark.parametrize("kind", KINDS)
def test_reject_post_leaves_a_published_post_as_it_is(published, brand_rep, kind):
    post, comment = published(kind)
    mark = _audit_mark()

    assert services.reject_post(post, moderator=brand_rep, comment=comment) is False

    assert _stored(post, comment) == (Visibility.PUBLISHED, Visibility.PUBLISHED)
    assert _audited_since(mark) == []


# --- hide_post, unhide_post --------------------------------------------------------------


@pytest.mark.parametrize("kind", ["question", "answer"])
@pytest.mark.parametrize(("role", "allowed"), _roles(IN_PRODUCT))
def test_hide_post_hides_a_published_post(published, user_for, kind, role, allowed):
    post, _comment = published(kind)
    moderator = user_for(role)
    mark = _audit_mark()

    hidden = _attempt(allowed, lambda: services.hide_post(post, moderator=moderator))

    if allowed:
        assert hidden is True
        thread_state = Visibility.HIDDEN if kind == "question" else Visibility.PUBLISHED
        assert _stored(post) == (Visibility.HIDDEN, thread_state)
        assert _audited_since(mark) == [("moderation.post.hidden", moderator.pk)]
    else:
        assert _stored(post) == (Visibility.PUBLISHED, Visibility.PUBLISHED)
        assert _audited_since(mark) == []


def test_hide_post_as_spam_is_audited_as_spam(answer, rep_this_user):
    mark = _audit_mark()

    services.hide_post(answer, moderator=rep_this_user, as_spam=True)

    assert _stored(answer) == (Visibility.HIDDEN, Visibility.PUBLISHED)
    assert _audited_since(mark) == [("moderation.post.hidden_as_spam", rep_this_user.pk)]


@pytest.mark.parametrize("role", ["brand_rep", "administrator"])
def test_hide_post_is_refused_on_a_deleted_post(answer, administrator, user_for, role):
    services.delete_post(answer, moderator=administrator)
    moderator = user_for(role)
    mark = _audit_mark()

    with pytest.raises(PermissionDenied):
        services.hide_post(answer, moderator=moderator)

    assert _stored(answer) == (Visibility.DELETED, Visibility.PUBLISHED)
    assert _audited_since(mark) == []


def test_hide_post_is_refused_on_a_post_waiting_for_review(held, administrator):
    post, _comment = held("answer")
    mark = _audit_mark()

    with pytest.raises(PermissionDenied):
        services.hide_post(post, moderator=administrator)

    assert _stored(post) == (Visibility.PENDING, Visibility.PUBLISHED)
    assert _audited_since(mark) == []


def test_hide_post_is_idempotent(answer, administrator, brand_rep):
    services.hide_post(answer, moderator=administrator)
    mark = _audit_mark()

    assert services.hide_post(answer, moderator=brand_rep) is False

    assert _stored(answer) == (Visibility.HIDDEN, Visibility.PUBLISHED)
    assert _audited_since(mark) == []


@pytest.mark.parametrize("kind", ["question", "answer"])
@pytest.mark.parametrize(("role", "allowed"), _roles(IN_PRODUCT))
def test_unhide_post_shows_a_hidden_post_again(
    published, administrator, user_for, kind, role, allowed
):
    post, _comment = published(kind)
    services.hide_post(post, moderator=administrator)
    before = _stored(post)
    moderator = user_for(role)
    mark = _audit_mark()

    shown = _attempt(allowed, lambda: services.unhide_post(post, moderator=moderator))

    if allowed:
        assert shown is True
        assert _stored(post) == (Visibility.PUBLISHED, Visibility.PUBLISHED)
        assert _audited_since(mark) == [("moderation.post.shown", moderator.pk)]
    else:
        assert _stored(post) == before
        assert _audited_since(mark) == []


def test_unhide_post_leaves_a_published_post_as_it_is(answer, brand_rep):
    mark = _audit_mark()

    assert services.unhide_post(answer, moderator=brand_rep) is False

    assert _stored(answer) == (Visibility.PUBLISHED, Visibility.PUBLISHED)
    assert _audited_since(mark) == []


def test_unhide_post_is_refused_on_a_deleted_post(answer, administrator):
    services.delete_post(answer, moderator=administrator)
    mark = _audit_mark()

    with pytest.raises(PermissionDenied):
        services.unhide_post(answer, moderator=administrator)

    assert _stored(answer) == (Visibility.DELETED, Visibility.PUBLISHED)
    assert _audited_since(mark) == []


# --- delete_post (posts and comments), restore_post ------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("role", "allowed"), _roles(IN_PRODUCT))
def test_delete_post_removes_anyones_post_or_comment(published, user_for, kind, role, allowed):
    post, comment = published(kind)
    moderator = user_for(role)
    mark = _audit_mark()

    deleted = _attempt(
        allowed, lambda: services.delete_post(post, moderator=moderator, comment=comment)
    )

    if allowed:
        assert deleted is True
        thread_state = Visibility.DELETED if kind == "question" else Visibility.PUBLISHED
        assert _stored(post, comment) == (Visibility.DELETED, thread_state)
        action = "moderation.comment.deleted" if comment else "moderation.post.deleted"
        assert _audited_since(mark) == [(action, moderator.pk)]
    else:
        assert _stored(post, comment) == (Visibility.PUBLISHED, Visibility.PUBLISHED)
        assert _audited_since(mark) == []


@pytest.mark.parametrize("kind", KINDS)
def test_delete_post_is_idempotent(published, administrator, brand_rep, kind):
    post, comment = published(kind)
    services.delete_post(post, moderator=administrator, comment=comment)
    mark = _audit_mark()

    assert services.delete_post(post, moderator=brand_rep, comment=comment) is False

    assert _stored(post, comment)[0] == Visibility.DELETED
    assert _audited_since(mark) == []


def test_delete_post_refuses_a_comment_of_another_product_given_with_a_post_here(
    question, other_category, customer, other_customer, rep_this_user
):
    # The post here carries a comment too, so that its count can go down without error.
    forum_services.post_comment(question, author=other_customer, body="Which model is it?")
    elsewhere = make_thread(author=customer, category=other_category, title="Doorbell chimes")
    comment = forum_services.post_comment(
        elsewhere.posts.get(), author=other_customer, body="Mine chimes twice too."
    )
    mark = _audit_mark()

    with pytest.raises(PermissionDenied):
        services.delete_post(question, moderator=rep_this_user, comment=comment)

    assert Comment.objects.get(pk=comment.pk).state == Visibility.PUBLISHED
    assert _audited_since(mark) == []


@pytest.mark.parametrize("kind", ["question", "answer"])
@pytest.mark.parametrize(("role", "allowed"), _roles(IN_PRODUCT))
def test_restore_post_brings_back_a_deleted_post(
    published, administrator, user_for, kind, role, allowed
):
    post, _comment = published(kind)
    services.delete_post(post, moderator=administrator)
    before = _stored(post)
    moderator = user_for(role)
    mark = _audit_mark()

    restored = _attempt(allowed, lambda: services.restore_post(post, moderator=moderator))

    if allowed:
        assert restored is True
        assert _stored(post) == (Visibility.PUBLISHED, Visibility.PUBLISHED)
        assert _audited_since(mark) == [("moderation.post.restored", moderator.pk)]
    else:
        assert _stored(post) == before
        assert _audited_since(mark) == []


def test_restore_post_leaves_a_post_that_is_not_deleted_as_it_is(answer, brand_rep):
    mark = _audit_mark()

    assert services.restore_post(answer, moderator=brand_rep) is False

    assert _stored(answer) == (Visibility.PUBLISHED, Visibility.PUBLISHED)
    assert _audited_since(mark) == []


# --- edit_post, redact_revision ----------------------------------------------------------


@pytest.mark.parametrize(("role", "allowed"), _roles(IN_PRODUCT))
def test_edit_post_changes_anyones_post_with_the_reason_on_record(answer, user_for, role, allowed):
    body_before = answer.body_markdown
    moderator = user_for(role)
    mark = _audit_mark()

    _attempt(
        allowed,
        lambda: services.edit_post(
            answer, moderator=moderator, reason="Removed a phone number", body="Call support."
        ),
    )

    answer.refresh_from_db()
    revisions = PostRevision.objects.filter(post=answer)
    if allowed:
        assert answer.body_markdown == "Call support."
        revision = revisions.get()
        assert (revision.editor_id, revision.reason) == (moderator.pk, "Removed a phone number")
        assert _audited_since(mark) == [("moderation.post.edited", moderator.pk)]
    else:
        assert answer.body_markdown == body_before
        assert not revisions.exists()
        assert _audited_since(mark) == []


def test_edit_post_works_in_a_locked_thread_for_a_moderator(answer, administrator, rep_this_user):
    services.lock_thread(answer.thread, moderator=administrator)
    mark = _audit_mark()

    services.edit_post(answer, moderator=rep_this_user, reason="Tidy", body="Call support.")

    answer.refresh_from_db()
    assert answer.body_markdown == "Call support."
    assert _audited_since(mark) == [("moderation.post.edited", rep_this_user.pk)]


def test_edit_post_is_refused_on_a_deleted_post(answer, administrator):
    services.delete_post(answer, moderator=administrator)
    body_before = answer.body_markdown
    mark = _audit_mark()

    with pytest.raises(PermissionDenied):
        services.edit_post(answer, moderator=administrator, reason="Tidy", body="Call support.")

    answer.refresh_from_db()
    assert answer.body_markdown == body_before
    assert _audited_since(mark) == []


def test_edit_post_needs_a_reason(answer, administrator):
    body_before = answer.body_markdown
    mark = _audit_mark()

    with pytest.raises(ValidationError):
        services.edit_post(answer, moderator=administrator, reason="  ", body="Call support.")

    answer.refresh_from_db()
    assert answer.body_markdown == body_before
    assert _audited_since(mark) == []


@pytest.fixture
def revision(answer, other_customer):
    """An earlier version of ``answer``, left by its author's own edit."""
    forum_services.edit_post(answer, editor=other_customer, body="My PIN is 1234, oops.")
    forum_services.edit_post(answer, editor=other_customer, body="Hold the reset button.")
    return PostRevision.objects.filter(post=answer).order_by("pk").last()


@pytest.mark.parametrize(("role", "allowed"), _roles(IN_PRODUCT))
def test_redact_revision_removes_an_earlier_version(revision, user_for, role, allowed):
    moderator = user_for(role)
    mark = _audit_mark()

    redacted = _attempt(
        allowed,
        lambda: services.redact_revision(revision, moderator=moderator, reason="A PIN"),
    )

    revision.refresh_from_db()
    if allowed:
        assert redacted is True
        assert revision.body_markdown == ""
        assert revision.redacted_by_id == moderator.pk
        assert _audited_since(mark) == [("moderation.revision.redacted", moderator.pk)]
    else:
        assert revision.body_markdown == "My PIN is 1234, oops."
        assert not revision.is_redacted
        assert _audited_since(mark) == []


def test_redact_revision_is_idempotent(revision, administrator, brand_rep):
    services.redact_revision(revision, moderator=administrator)
    mark = _audit_mark()

    assert services.redact_revision(revision, moderator=brand_rep) is False

    revision.refresh_from_db()
    assert revision.redacted_by == administrator
    assert _audited_since(mark) == []


# --- lock, unlock, pin, unpin ------------------------------------------------------------

THREAD_FLAGS = {
    # action: (field, the value it sets, the action that sets the other value, audit action)
    "lock_thread": ("is_locked", True, None, "moderation.thread.locked"),
    "unlock_thread": ("is_locked", False, "lock_thread", "moderation.thread.unlocked"),
    "pin_thread": ("is_pinned", True, None, "moderation.thread.pinned"),
    "unpin_thread": ("is_pinned", False, "pin_thread", "moderation.thread.unpinned"),
}


@pytest.mark.parametrize("action", list(THREAD_FLAGS))
@pytest.mark.parametrize(("role", "allowed"), _roles(IN_PRODUCT))
def test_thread_flags_are_set_by_moderators_of_the_product(
    thread, administrator, user_for, action, role, allowed
):
    field, value, opposite, audited = THREAD_FLAGS[action]
    if opposite:
        getattr(services, opposite)(thread, moderator=administrator)
    moderator = user_for(role)
    mark = _audit_mark()

    changed = _attempt(
        allowed, lambda: getattr(services, action)(thread, moderator=moderator, reason="Heated")
    )

    thread.refresh_from_db()
    if allowed:
        assert changed is True
        assert getattr(thread, field) is value
        assert _audited_since(mark) == [(audited, moderator.pk)]
    else:
        assert getattr(thread, field) is not value
        assert _audited_since(mark) == []


def test_lock_thread_records_who_locked_it_and_why(thread, rep_this_user):
    services.lock_thread(thread, moderator=rep_this_user, reason="Heated")

    thread.refresh_from_db()
    assert (thread.locked_by, thread.lock_reason) == (rep_this_user, "Heated")
    assert thread.locked_at is not None


@pytest.mark.parametrize("action", list(THREAD_FLAGS))
def test_thread_flags_are_idempotent(thread, administrator, brand_rep, action):
    field, value, opposite, _audited = THREAD_FLAGS[action]
    if not opposite:
        getattr(services, action)(thread, moderator=administrator)
    mark = _audit_mark()

    assert getattr(services, action)(thread, moderator=brand_rep) is False

    thread.refresh_from_db()
    assert getattr(thread, field) is value
    assert _audited_since(mark) == []


@pytest.mark.parametrize("action", list(THREAD_FLAGS))
def test_thread_flags_are_refused_on_a_deleted_thread(thread, question, administrator, action):
    field, value, opposite, _audited = THREAD_FLAGS[action]
    if opposite:
        getattr(services, opposite)(thread, moderator=administrator)
    services.delete_post(question, moderator=administrator)
    mark = _audit_mark()

    with pytest.raises(PermissionDenied):
        getattr(services, action)(thread, moderator=administrator)

    thread.refresh_from_db()
    assert getattr(thread, field) is not value
    assert _audited_since(mark) == []


# --- move_thread ---------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "allowed"), _roles(BOTH_PRODUCTS, BOTH_ROLES))
def test_move_thread_needs_a_moderator_of_both_products(
    thread, category, other_category, user_for, role, allowed
):
    moderator = user_for(role)
    mark = _audit_mark()

    moved = _attempt(
        allowed,
        lambda: services.move_thread(thread, moderator=moderator, category=other_category),
    )

    thread.refresh_from_db()
    if allowed:
        assert moved is True
        assert thread.category_id == other_category.pk
        assert _audited_since(mark) == [("moderation.thread.moved", moderator.pk)]
    else:
        assert thread.category_id == category.pk
        assert _audited_since(mark) == []


def test_move_thread_takes_its_queue_items_along(thread, flagged_item, other_category, brand_rep):
    services.move_thread(thread, moderator=brand_rep, category=other_category)

    flagged_item.refresh_from_db()
    assert flagged_item.category_id == other_category.pk


def test_move_thread_to_its_own_product_changes_nothing(thread, category, brand_rep):
    mark = _audit_mark()

    assert services.move_thread(thread, moderator=brand_rep, category=category) is False

    thread.refresh_from_db()
    assert thread.category_id == category.pk
    assert _audited_since(mark) == []


# --- close_as_duplicate, reopen_duplicate ------------------------------------------------


def _original_votes(original: Thread) -> int:
    return Post.objects.get(thread=original, kind=Post.Kind.QUESTION).score


@pytest.mark.parametrize(("role", "allowed"), _roles(IN_PRODUCT))
def test_close_as_duplicate_locks_the_thread_and_points_to_the_original(
    thread, original, user_for, role, allowed
):
    moderator = user_for(role)
    mark = _audit_mark()

    moved = _attempt(
        allowed,
        lambda: services.close_as_duplicate(thread, moderator=moderator, original=original),
    )

    thread.refresh_from_db()
    if allowed:
        assert moved == 1  # the asker has the original's problem too
        assert (thread.duplicate_of_id, thread.is_locked) == (original.pk, True)
        assert thread.closed_by_id == moderator.pk
        assert _original_votes(original) == 1
        assert _audited_since(mark) == [("moderation.thread.closed_duplicate", moderator.pk)]
    else:
        assert (thread.duplicate_of_id, thread.is_locked) == (None, False)
        assert _original_votes(original) == 0
        assert _audited_since(mark) == []


@pytest.mark.parametrize(("role", "allowed"), _roles(BOTH_PRODUCTS, BOTH_ROLES))
def test_close_as_duplicate_of_another_products_thread_needs_both_products(
    thread, other_category, other_customer, user_for, role, allowed
):
    elsewhere = make_thread(author=other_customer, category=other_category, title="E42 again")
    moderator = user_for(role)
    mark = _audit_mark()

    _attempt(
        allowed,
        lambda: services.close_as_duplicate(thread, moderator=moderator, original=elsewhere),
    )

    thread.refresh_from_db()
    if allowed:
        assert thread.duplicate_of_id == elsewhere.pk
        assert _audited_since(mark) == [("moderation.thread.closed_duplicate", moderator.pk)]
    else:
        assert thread.duplicate_of_id is None
        assert _audited_since(mark) == []


@pytest.mark.parametrize(
    "case",
    [
        "itself",
        "original_pending",
        "original_hidden",
        "original_deleted",
        "already_duplicate",
        "original_is_duplicate",
    ],
)
def test_close_as_duplicate_is_refused_when_the_pair_does_not_fit(
    thread, original, other_customer, category, administrator, case
):
    third = make_thread(author=other_customer, category=category, title="E42 at night")
    target = original
    if case == "itself":
        target = thread
    elif case == "original_pending":
        target = make_thread(author=other_customer, category=category, body=LINK_BODY)
    elif case == "original_hidden":
        services.hide_post(original.posts.get(), moderator=administrator)
    elif case == "original_deleted":
        services.delete_post(original.posts.get(), moderator=administrator)
    elif case == "already_duplicate":
        services.close_as_duplicate(thread, moderator=administrator, original=third)
    elif case == "original_is_duplicate":
        services.close_as_duplicate(original, moderator=administrator, original=third)
    duplicate_of_before = Thread.objects.get(pk=thread.pk).duplicate_of_id
    mark = _audit_mark()

    with pytest.raises(PermissionDenied):
        services.close_as_duplicate(thread, moderator=administrator, original=target)

    thread.refresh_from_db()
    assert thread.duplicate_of_id == duplicate_of_before
    assert _audited_since(mark) == []


@pytest.mark.parametrize(("role", "allowed"), _roles(IN_PRODUCT))
def test_reopen_duplicate_opens_the_thread_again(
    thread, original, administrator, user_for, role, allowed
):
    services.close_as_duplicate(thread, moderator=administrator, original=original)
    moderator = user_for(role)
    mark = _audit_mark()

    reopened = _attempt(allowed, lambda: services.reopen_duplicate(thread, moderator=moderator))

    thread.refresh_from_db()
    if allowed:
        assert reopened is True
        assert (thread.duplicate_of_id, thread.is_locked) == (None, False)
        assert _audited_since(mark) == [("moderation.thread.reopened", moderator.pk)]
    else:
        assert (thread.duplicate_of_id, thread.is_locked) == (original.pk, True)
        assert _audited_since(mark) == []


def test_reopen_duplicate_leaves_a_thread_that_is_no_duplicate_as_it_is(thread, brand_rep):
    mark = _audit_mark()

    assert services.reopen_duplicate(thread, moderator=brand_rep) is False

    thread.refresh_from_db()
    assert thread.duplicate_of_id is None
    assert _audited_since(mark) == []


# --- The queue: claim_item, dismiss_item, decisions that name an item ----------------------


@pytest.mark.parametrize(("role", "allowed"), _roles(IN_PRODUCT))
def test_claim_item_takes_an_item_of_the_product(flagged_item, user_for, role, allowed):
    moderator = user_for(role)
    mark = _audit_mark()

    _attempt(allowed, lambda: services.claim_item(flagged_item, moderator=moderator))

    flagged_item.refresh_from_db()
    if allowed:
        assert flagged_item.claimed_by_id == moderator.pk
        assert flagged_item.claimed_at is not None
    else:
        assert flagged_item.claimed_by_id is None
    assert _audited_since(mark) == []  # a claim decides nothing: it is not audited


def test_claim_item_is_refused_while_another_moderator_holds_it(
    flagged_item, brand_rep, administrator
):
    services.claim_item(flagged_item, moderator=brand_rep)

    with pytest.raises(PermissionDenied):
        services.claim_item(flagged_item, moderator=administrator)

    flagged_item.refresh_from_db()
    assert flagged_item.claimed_by == brand_rep


def test_claim_item_takes_over_a_lapsed_claim(flagged_item, brand_rep, administrator, settings):
    services.claim_item(flagged_item, moderator=brand_rep)
    lapsed = timezone.now() - datetime.timedelta(minutes=settings.MODERATION_CLAIM_MINUTES + 1)
    ReviewItem.objects.filter(pk=flagged_item.pk).update(claimed_at=lapsed)

    services.claim_item(flagged_item, moderator=administrator)

    flagged_item.refresh_from_db()
    assert flagged_item.claimed_by == administrator


def test_claim_item_is_refused_once_the_item_is_resolved(flagged_item, brand_rep, administrator):
    services.dismiss_item(flagged_item, moderator=administrator)

    with pytest.raises(PermissionDenied):
        services.claim_item(flagged_item, moderator=brand_rep)

    flagged_item.refresh_from_db()
    assert flagged_item.claimed_by_id is None


@pytest.mark.parametrize(("role", "allowed"), _roles(IN_PRODUCT))
def test_dismiss_item_leaves_the_post_and_dismisses_its_flags(
    flagged_item, answer, user_for, role, allowed
):
    moderator = user_for(role)
    mark = _audit_mark()

    dismissed = _attempt(allowed, lambda: services.dismiss_item(flagged_item, moderator=moderator))

    flagged_item.refresh_from_db()
    flag = flagged_item.flags.get()
    assert _stored(answer) == (Visibility.PUBLISHED, Visibility.PUBLISHED)
    if allowed:
        assert dismissed is True
        assert flagged_item.status == ReviewItem.Status.RESOLVED
        assert flagged_item.resolution == services.Decision.DISMISSED
        assert flag.status == Flag.Status.DISMISSED
        assert _audited_since(mark) == [("moderation.flags.dismissed", moderator.pk)]
    else:
        assert flagged_item.is_open
        assert flag.status == Flag.Status.OPEN
        assert _audited_since(mark) == []


def test_dismiss_item_ends_the_watch_of_an_account(other_customer, administrator, brand_rep):
    item = services.watch_member(other_customer, moderator=administrator, reason="New account")
    mark = _audit_mark()

    assert services.dismiss_item(item, moderator=brand_rep) is True

    item.refresh_from_db()
    assert item.status == ReviewItem.Status.RESOLVED
    assert _audited_since(mark) == [("moderation.watch.ended", brand_rep.pk)]


def test_dismiss_item_is_idempotent(flagged_item, administrator, brand_rep):
    services.dismiss_item(flagged_item, moderator=administrator)
    mark = _audit_mark()

    assert services.dismiss_item(flagged_item, moderator=brand_rep) is False

    flagged_item.refresh_from_db()
    assert flagged_item.resolved_by == administrator
    assert _audited_since(mark) == []


def test_dismiss_item_refuses_a_non_moderator_even_once_the_item_is_resolved(
    flagged_item, administrator, other_customer
):
    services.dismiss_item(flagged_item, moderator=administrator)

    with pytest.raises(PermissionDenied):
        services.dismiss_item(flagged_item, moderator=other_customer)


def test_dismiss_item_lets_a_product_moderator_end_a_watch_their_queue_lists(
    other_customer, rep_this_user
):
    item = services.watch_member(other_customer, moderator=rep_this_user, reason="New account")
    assert permissions.visible_items(rep_this_user, ReviewItem.objects.all()).get() == item

    assert services.dismiss_item(item, moderator=rep_this_user) is True

    item.refresh_from_db()
    assert item.status == ReviewItem.Status.RESOLVED


ITEM_DECISIONS = {
    # decision: (call, the item's resolution afterwards)
    "hide_post": (
        lambda item, m: services.hide_post(item.post, moderator=m, item=item),
        services.Decision.HIDDEN,
    ),
    "delete_post": (
        lambda item, m: services.delete_post(item.post, moderator=m, item=item),
        services.Decision.DELETED,
    ),
    "edit_post": (
        lambda item, m: services.edit_post(
            item.post, moderator=m, reason="Tidy", body="Call support.", item=item
        ),
        services.Decision.EDITED,
    ),
    "warn_member": (
        lambda item, m: services.warn_member(
            item.member, moderator=m, message="Be kind.", item=item
        ),
        services.Decision.WARNED,
    ),
    "suspend_member": (
        lambda item, m: services.suspend_member(item.member, moderator=m, reason="Spam", item=item),
        services.Decision.SUSPENDED,
    ),
    "dismiss_item": (
        lambda item, m: services.dismiss_item(item, moderator=m),
        services.Decision.DISMISSED,
    ),
}


@pytest.mark.parametrize("decision", list(ITEM_DECISIONS))
def test_decision_on_an_item_resolves_it_for_its_holder(flagged_item, brand_rep, decision):
    call, resolution = ITEM_DECISIONS[decision]
    services.claim_item(flagged_item, moderator=brand_rep)

    call(flagged_item, brand_rep)

    flagged_item.refresh_from_db()
    assert (flagged_item.status, flagged_item.resolution) == (
        ReviewItem.Status.RESOLVED,
        resolution,
    )
    assert flagged_item.resolved_by == brand_rep


@pytest.mark.parametrize("decision", list(ITEM_DECISIONS))
def test_decision_on_an_item_another_moderator_holds_is_refused(
    flagged_item, answer, other_customer, brand_rep, administrator, decision
):
    call, _resolution = ITEM_DECISIONS[decision]
    services.claim_item(flagged_item, moderator=brand_rep)
    body_before = answer.body_markdown
    mark = _audit_mark()

    with pytest.raises(PermissionDenied):
        call(flagged_item, administrator)

    flagged_item.refresh_from_db()
    answer.refresh_from_db()
    other_customer.refresh_from_db()
    assert flagged_item.is_open
    assert (answer.state, answer.body_markdown) == (Visibility.PUBLISHED, body_before)
    assert not other_customer.warning_text
    assert not other_customer.is_suspended
    assert not Sanction.objects.filter(member=other_customer).exists()
    assert _audited_since(mark) == []


def test_warn_member_with_an_item_of_another_product_is_refused_for_a_scoped_rep(
    flagged_item, other_customer, user_for
):
    rep_other = user_for("rep_other")
    mark = _audit_mark()

    with pytest.raises(PermissionDenied):
        services.warn_member(
            other_customer, moderator=rep_other, message="Be kind.", item=flagged_item
        )

    other_customer.refresh_from_db()
    flagged_item.refresh_from_db()
    assert not other_customer.warning_text
    assert flagged_item.is_open
    assert _audited_since(mark) == []


# --- Sanctions: warn, suspend, lift, mark as spammer, revert, watch -----------------------


def _warned(member: User) -> bool:
    member.refresh_from_db()
    return bool(member.warning_text)


def _suspended(member: User) -> bool:
    member.refresh_from_db()
    return member.is_suspended


@pytest.mark.parametrize(("role", "allowed"), _roles(SANCTION))
def test_warn_member_sends_a_customer_a_warning(other_customer, user_for, role, allowed):
    moderator = user_for(role)
    mark = _audit_mark()

    _attempt(
        allowed,
        lambda: services.warn_member(other_customer, moderator=moderator, message="Be kind."),
    )

    warnings = Sanction.objects.filter(member=other_customer, kind=Sanction.Kind.WARNING)
    if allowed:
        assert _warned(other_customer)
        assert other_customer.write_refusal() is not None
        assert warnings.get().moderator_id == moderator.pk
        assert _audited_since(mark) == [("moderation.member.warned", moderator.pk)]
    else:
        assert not _warned(other_customer)
        assert not warnings.exists()
        assert _audited_since(mark) == []


@pytest.mark.parametrize(("role", "allowed"), _roles(STAFF_TARGET))
def test_warn_member_of_staff_needs_an_administrator(staff_member, user_for, role, allowed):
    moderator = user_for(role)
    mark = _audit_mark()

    _attempt(
        allowed,
        lambda: services.warn_member(staff_member, moderator=moderator, message="Be kind."),
    )

    assert _warned(staff_member) is allowed
    expected = [("moderation.member.warned", moderator.pk)] if allowed else []
    assert _audited_since(mark) == expected


def test_warn_member_needs_a_message(other_customer, administrator):
    with pytest.raises(ValidationError):
        services.warn_member(other_customer, moderator=administrator, message="   ")

    assert not _warned(other_customer)


@pytest.mark.parametrize(("role", "allowed"), _roles(SUSPEND))
def test_suspend_member_needs_a_moderator_of_every_product(other_customer, user_for, role, allowed):
    moderator = user_for(role)
    mark = _audit_mark()

    _attempt(
        allowed,
        lambda: services.suspend_member(other_customer, moderator=moderator, reason="Spam links"),
    )

    suspensions = Sanction.objects.filter(member=other_customer, kind=Sanction.Kind.SUSPENSION)
    if allowed:
        assert _suspended(other_customer)
        assert other_customer.suspension_reason == "Spam links"
        assert "Spam links" in other_customer.write_refusal()
        assert suspensions.get().moderator_id == moderator.pk
        assert _audited_since(mark) == [("moderation.member.suspended", moderator.pk)]
    else:
        assert not _suspended(other_customer)
        assert not suspensions.exists()
        assert _audited_since(mark) == []


@pytest.mark.parametrize(("role", "allowed"), _roles(STAFF_TARGET))
def test_suspend_member_of_staff_needs_an_administrator(staff_member, user_for, role, allowed):
    moderator = user_for(role)
    mark = _audit_mark()

    _attempt(
        allowed,
        lambda: services.suspend_member(staff_member, moderator=moderator, reason="Spam links"),
    )

    assert _suspended(staff_member) is allowed
    expected = [("moderation.member.suspended", moderator.pk)] if allowed else []
    assert _audited_since(mark) == expected


def test_suspend_member_until_a_date_keeps_the_date(other_customer, brand_rep):
    until = timezone.now() + datetime.timedelta(days=7)

    services.suspend_member(other_customer, moderator=brand_rep, reason="Spam", until=until)

    assert _suspended(other_customer)
    assert other_customer.suspended_until == until


def test_suspend_member_until_a_past_date_is_refused(other_customer, administrator):
    until = timezone.now() - datetime.timedelta(days=1)

    with pytest.raises(ValidationError):
        services.suspend_member(other_customer, moderator=administrator, reason="X", until=until)

    assert not _suspended(other_customer)


@pytest.mark.parametrize(
    "action",
    [
        lambda member, m: services.warn_member(member, moderator=m, message="Be kind."),
        lambda member, m: services.suspend_member(member, moderator=m, reason="Spam"),
        lambda member, m: services.watch_member(member, moderator=m, reason="Odd"),
        lambda member, m: services.mark_as_spammer(member, moderator=m),
    ],
    ids=["warn_member", "suspend_member", "watch_member", "mark_as_spammer"],
)
def test_sanctioning_yourself_is_refused(administrator, action):
    mark = _audit_mark()

    with pytest.raises(PermissionDenied):
        action(administrator, administrator)

    assert not _warned(administrator)
    assert not _suspended(administrator)
    assert _audited_since(mark) == []


@pytest.fixture
def suspended(other_customer, administrator):
    services.suspend_member(other_customer, moderator=administrator, reason="Spam links")
    return other_customer


@pytest.mark.parametrize(("role", "allowed"), _roles(SUSPEND))
def test_lift_suspension_ends_it_now(suspended, user_for, role, allowed):
    moderator = user_for(role)
    mark = _audit_mark()

    lifted = _attempt(
        allowed, lambda: services.lift_suspension(suspended, moderator=moderator, reason="Sorry")
    )

    sanction = Sanction.objects.get(member=suspended, kind=Sanction.Kind.SUSPENSION)
    if allowed:
        assert lifted is True
        assert not _suspended(suspended)
        assert suspended.write_refusal() is None
        assert sanction.lifted_by_id == moderator.pk
        assert _audited_since(mark) == [("moderation.member.suspension_lifted", moderator.pk)]
    else:
        assert _suspended(suspended)
        assert sanction.lifted_at is None
        assert _audited_since(mark) == []


def test_lift_suspension_of_a_member_not_suspended_changes_nothing(other_customer, brand_rep):
    mark = _audit_mark()

    assert services.lift_suspension(other_customer, moderator=brand_rep) is False

    assert _audited_since(mark) == []


@pytest.mark.parametrize(("role", "allowed"), _roles(SUSPEND))
def test_mark_as_spammer_hides_their_posts_and_suspends_them(
    answer, other_customer, user_for, role, allowed
):
    moderator = user_for(role)
    mark = _audit_mark()

    _attempt(allowed, lambda: services.mark_as_spammer(other_customer, moderator=moderator))

    sweeps = SpamSweep.objects.filter(member=other_customer)
    if allowed:
        assert _stored(answer) == (Visibility.HIDDEN, Visibility.PUBLISHED)
        assert _suspended(other_customer)
        assert sweeps.get().post_ids == [answer.pk]
        assert _audited_since(mark) == [
            ("moderation.member.suspended", moderator.pk),
            ("moderation.member.marked_spammer", moderator.pk),
        ]
    else:
        assert _stored(answer) == (Visibility.PUBLISHED, Visibility.PUBLISHED)
        assert not _suspended(other_customer)
        assert not sweeps.exists()
        assert _audited_since(mark) == []


@pytest.mark.parametrize(("role", "allowed"), _roles(STAFF_TARGET))
def test_mark_as_spammer_of_staff_needs_an_administrator(
    thread, staff_member, user_for, role, allowed
):
    staff_answer = make_answer(thread, author=staff_member)
    moderator = user_for(role)
    mark = _audit_mark()

    _attempt(allowed, lambda: services.mark_as_spammer(staff_member, moderator=moderator))

    assert _suspended(staff_member) is allowed
    expected_state = Visibility.HIDDEN if allowed else Visibility.PUBLISHED
    assert _stored(staff_answer)[0] == expected_state
    expected = (
        [
            ("moderation.member.suspended", moderator.pk),
            ("moderation.member.marked_spammer", moderator.pk),
        ]
        if allowed
        else []
    )
    assert _audited_since(mark) == expected


@pytest.fixture
def sweep(answer, other_customer, administrator):
    return services.mark_as_spammer(other_customer, moderator=administrator, reason="Link farm")


@pytest.mark.parametrize(("role", "allowed"), _roles(SUSPEND))
def test_revert_spam_sweep_shows_the_posts_and_lifts_the_suspension(
    sweep, answer, other_customer, user_for, role, allowed
):
    moderator = user_for(role)
    mark = _audit_mark()

    reverted = _attempt(
        allowed, lambda: services.revert_spam_sweep(sweep, moderator=moderator, reason="Mistake")
    )

    sweep.refresh_from_db()
    if allowed:
        assert reverted is True
        assert _stored(answer) == (Visibility.PUBLISHED, Visibility.PUBLISHED)
        assert not _suspended(other_customer)
        assert sweep.reverted_by_id == moderator.pk
        assert _audited_since(mark) == [
            ("moderation.member.suspension_lifted", moderator.pk),
            ("moderation.member.spam_reverted", moderator.pk),
        ]
    else:
        assert _stored(answer) == (Visibility.HIDDEN, Visibility.PUBLISHED)
        assert _suspended(other_customer)
        assert sweep.reverted_at is None
        assert _audited_since(mark) == []


def test_revert_spam_sweep_is_idempotent(sweep, administrator, brand_rep):
    services.revert_spam_sweep(sweep, moderator=administrator)
    mark = _audit_mark()

    assert services.revert_spam_sweep(sweep, moderator=brand_rep) is False

    sweep.refresh_from_db()
    assert sweep.reverted_by == administrator
    assert _audited_since(mark) == []


def test_revert_spam_sweep_skips_a_swept_post_deleted_since(
    sweep, answer, other_customer, administrator
):
    services.delete_post(answer, moderator=administrator, reason="Spam for good")

    assert services.revert_spam_sweep(sweep, moderator=administrator) is True

    assert not _suspended(other_customer)
    assert _stored(answer)[0] == Visibility.DELETED


@pytest.mark.parametrize(("role", "allowed"), _roles(SANCTION))
def test_watch_member_puts_an_account_in_the_queue(other_customer, user_for, role, allowed):
    moderator = user_for(role)
    mark = _audit_mark()

    _attempt(
        allowed,
        lambda: services.watch_member(other_customer, moderator=moderator, reason="New account"),
    )

    items = ReviewItem.objects.filter(member=other_customer, kind=ReviewItem.Kind.ACCOUNT)
    if allowed:
        assert items.get().is_open
        assert _audited_since(mark) == [("moderation.watch.started", moderator.pk)]
    else:
        assert not items.exists()
        assert _audited_since(mark) == []


@pytest.mark.parametrize(("role", "allowed"), _roles(STAFF_TARGET))
def test_watch_member_of_staff_needs_an_administrator(staff_member, user_for, role, allowed):
    moderator = user_for(role)
    mark = _audit_mark()

    _attempt(
        allowed,
        lambda: services.watch_member(staff_member, moderator=moderator, reason="Odd"),
    )

    assert ReviewItem.objects.filter(member=staff_member).exists() is allowed
    expected = [("moderation.watch.started", moderator.pk)] if allowed else []
    assert _audited_since(mark) == expected


# --- Who moderates where -------------------------------------------------------------------


@pytest.mark.parametrize(("role", "allowed"), _roles(MANAGE))
def test_set_moderated_products_is_for_administrators(category, user_for, role, allowed):
    rep = UserFactory(role=Role.BRAND_REPRESENTATIVE)
    actor = user_for(role)
    mark = _audit_mark()

    changed = _attempt(
        allowed,
        lambda: services.set_moderated_products(
            rep, administrator=actor, category_ids=[category.pk]
        ),
    )

    rep.refresh_from_db()
    if allowed:
        assert changed is True
        assert rep.moderated_product_ids == [category.pk]
        assert _audited_since(mark) == [("moderation.moderator.scope_changed", actor.pk)]
    else:
        assert rep.moderated_product_ids == []
        assert _audited_since(mark) == []


def test_set_moderated_products_to_the_same_products_changes_nothing(
    category, administrator, rep_this_user
):
    mark = _audit_mark()

    assert (
        services.set_moderated_products(
            rep_this_user, administrator=administrator, category_ids=[category.pk]
        )
        is False
    )

    assert _audited_since(mark) == []


# --- flag_post: members report, moderators decide ------------------------------------------


@pytest.mark.parametrize(("role", "allowed"), _roles(FLAG))
def test_flag_post_puts_someone_elses_post_in_the_queue(
    answer, category, spam_reason, user_for, role, allowed
):
    flagger = user_for(role)
    mark = _audit_mark()

    _attempt(allowed, lambda: services.flag_post(answer, flagger=flagger, reason=spam_reason))

    if allowed:
        flag = Flag.objects.get(post=answer)
        assert flag.flagger_id == flagger.pk
        item = ReviewItem.objects.get(post=answer, status=ReviewItem.Status.OPEN)
        assert (item.category_id, item.flag_count) == (category.pk, 1)
    else:
        assert not Flag.objects.exists()
        assert not ReviewItem.objects.exists()
    assert _audited_since(mark) == []  # a member's flag is not a moderator action


def test_flag_post_is_refused_on_your_own_post(answer, other_customer, spam_reason):
    with pytest.raises(PermissionDenied):
        services.flag_post(answer, flagger=other_customer, reason=spam_reason)

    assert not Flag.objects.exists()
    assert not ReviewItem.objects.exists()


def test_flag_post_is_refused_on_your_own_comment(published, other_customer, spam_reason):
    question, comment = published("comment")

    with pytest.raises(PermissionDenied):
        services.flag_post(question, flagger=other_customer, reason=spam_reason, comment=comment)

    assert not Flag.objects.exists()


@pytest.mark.parametrize("sanction", ["suspended", "warned"])
def test_flag_post_is_refused_for_a_sanctioned_member(
    answer, customer, administrator, spam_reason, sanction
):
    if sanction == "suspended":
        services.suspend_member(customer, moderator=administrator, reason="Spam")
    else:
        services.warn_member(customer, moderator=administrator, message="Be kind.")

    with pytest.raises(PermissionDenied):
        services.flag_post(answer, flagger=customer, reason=spam_reason)

    assert not Flag.objects.exists()
    assert not ReviewItem.objects.exists()


@pytest.mark.parametrize("state", ["pending", "hidden", "deleted"])
def test_flag_post_is_refused_on_a_post_that_is_not_published(
    held, answer, customer, administrator, spam_reason, state
):
    target = answer
    if state == "pending":
        target, _comment = held("answer")
    elif state == "hidden":
        services.hide_post(answer, moderator=administrator)
    else:
        services.delete_post(answer, moderator=administrator)

    with pytest.raises(PermissionDenied):
        services.flag_post(target, flagger=customer, reason=spam_reason)

    assert not Flag.objects.exists()


def test_flag_post_is_refused_a_second_time_while_the_first_flag_is_open(
    flagged_item, answer, customer, spam_reason
):
    with pytest.raises(PermissionDenied):
        services.flag_post(answer, flagger=customer, reason=spam_reason)

    flagged_item.refresh_from_db()
    assert Flag.objects.count() == 1
    assert flagged_item.flag_count == 1
