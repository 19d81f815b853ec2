"""forum.permissions: every check_* as a role x state table, plus the few rules beside it.

The asker is the ``customer`` fixture, author of the thread and its question. Each table row
lists the expected answer for the roles in ``ROLES`` order.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from forum import permissions, services
from forum.models import Comment, Post, Thread
from moderation import services as moderation_services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "asker", "other_customer", "brand_rep", "support_agent", "administrator")
Y, N = True, False


def _cases(table: dict[str, tuple[bool, ...]]) -> list:
    return [
        pytest.param(role, state, allowed, id=f"{state}-{role}")
        for state, row in table.items()
        for role, allowed in zip(ROLES, row, strict=True)
    ]


@pytest.fixture
def user_for(request):
    def get(role: str):
        if role == "anonymous":
            return AnonymousUser()
        return request.getfixturevalue("customer" if role == "asker" else role)

    return get


@pytest.fixture
def put_in_state(thread, question, customer, administrator):
    """Bring the thread to ``open``, ``locked`` or ``deleted`` through the services."""

    def arrange(state: str) -> None:
        if state == "locked":
            moderation_services.lock_thread(thread, moderator=administrator)
        elif state == "deleted":
            services.delete_post(question, actor=customer)

    return arrange


def _fresh_thread(thread: Thread) -> Thread:
    return Thread.objects.get(pk=thread.pk)


def _fresh_question(thread: Thread) -> Post:
    return Post.objects.select_related("thread").get(thread=thread, kind=Post.Kind.QUESTION)


def _assert_rule(can, check, args, allowed: bool) -> None:
    assert can(*args) is allowed
    if allowed:
        check(*args)
    else:
        with pytest.raises(PermissionDenied) as refused:
            check(*args)
        assert str(refused.value), "a refusal carries the reason"


#                  anon asker other brand agent admin
ASK = {"any": (N, Y, Y, Y, Y, Y)}


@pytest.mark.parametrize(("role", "state", "allowed"), _cases(ASK))
def test_check_ask_question(user_for, role, state, allowed):
    user = user_for(role)

    _assert_rule(permissions.can_ask_question, permissions.check_ask_question, (user,), allowed)


ANSWER = {
    "open": (N, Y, Y, Y, Y, Y),
    "locked": (N, N, N, N, N, N),
    "deleted": (N, N, N, N, N, N),
}


@pytest.mark.parametrize(("role", "state", "allowed"), _cases(ANSWER))
def test_check_post_answer(user_for, put_in_state, thread, role, state, allowed):
    put_in_state(state)
    args = (user_for(role), _fresh_thread(thread))

    _assert_rule(permissions.can_post_answer, permissions.check_post_answer, args, allowed)


COMMENT = {
    "open": (N, Y, Y, Y, Y, Y),
    "locked": (N, N, N, N, N, N),
    "deleted": (N, N, N, N, N, N),
}


@pytest.mark.parametrize(("role", "state", "allowed"), _cases(COMMENT))
def test_check_post_comment(user_for, put_in_state, thread, role, state, allowed):
    put_in_state(state)
    args = (user_for(role), _fresh_question(thread))

    _assert_rule(permissions.can_post_comment, permissions.check_post_comment, args, allowed)


# Support agents are staff: they hold every privilege, editing others' posts too (but a
# lock freezes the thread for everyone but moderators). A new customer holds none.
EDIT_QUESTION = {
    "open": (N, Y, N, Y, Y, Y),
    "locked": (N, N, N, Y, N, Y),
    "deleted": (N, N, N, N, N, N),
}


@pytest.mark.parametrize(("role", "state", "allowed"), _cases(EDIT_QUESTION))
def test_check_edit_post(user_for, put_in_state, thread, role, state, allowed):
    put_in_state(state)
    args = (user_for(role), _fresh_question(thread))

    _assert_rule(permissions.can_edit_post, permissions.check_edit_post, args, allowed)


# Deleting is the author's alone, and a lock freezes the thread for its (customer) authors.
DELETE_QUESTION = {
    "open": (N, Y, N, N, N, N),
    "locked": (N, N, N, N, N, N),
    "deleted": (N, N, N, N, N, N),
}


@pytest.mark.parametrize(("role", "state", "allowed"), _cases(DELETE_QUESTION))
def test_check_delete_post(user_for, put_in_state, thread, role, state, allowed):
    put_in_state(state)
    args = (user_for(role), _fresh_question(thread))

    _assert_rule(permissions.can_delete_post, permissions.check_delete_post, args, allowed)


#                             anon asker other brand agent admin
DELETE_ANSWER_BY_OTHER = {
    "unaccepted": (N, N, Y, N, N, N),
    "accepted": (N, N, N, N, N, N),
    "locked": (N, N, N, N, N, N),
}


@pytest.mark.parametrize(("role", "state", "allowed"), _cases(DELETE_ANSWER_BY_OTHER))
def test_check_delete_post_on_answer(
    user_for, thread, answer, customer, administrator, role, state, allowed
):
    if state == "accepted":
        services.accept_answer(answer, actor=customer)
    elif state == "locked":
        moderation_services.lock_thread(thread, moderator=administrator)
    answer = Post.objects.select_related("thread").get(pk=answer.pk)

    _assert_rule(
        permissions.can_delete_post,
        permissions.check_delete_post,
        (user_for(role), answer),
        allowed,
    )


def test_check_delete_post_is_refused_for_question_with_answers(thread, question, answer, customer):
    question = _fresh_question(thread)

    with pytest.raises(PermissionDenied, match="has answers"):
        permissions.check_delete_post(customer, question)


def test_check_delete_post_is_refused_for_question_with_another_members_comment(
    thread, question, customer, other_customer
):
    services.post_comment(question, author=other_customer, body="Which model is it?")
    question = _fresh_question(thread)

    with pytest.raises(PermissionDenied, match="Other members have commented"):
        permissions.check_delete_post(customer, question)


def test_check_delete_post_allows_question_with_only_the_askers_own_comments(
    thread, question, customer
):
    services.post_comment(question, author=customer, body="It is the T-200 model.")

    question = _fresh_question(thread)
    assert question.thread.others_comment_count == 0
    assert permissions.can_delete_post(customer, question)


def test_check_delete_post_allows_question_again_once_the_other_comment_is_deleted(
    thread, question, customer, other_customer
):
    comment = services.post_comment(question, author=other_customer, body="Which model?")
    services.delete_comment(comment, actor=other_customer)

    question = _fresh_question(thread)
    assert question.thread.others_comment_count == 0
    assert permissions.can_delete_post(customer, question)


@pytest.mark.parametrize("role", ["brand_rep", "administrator"])
def test_check_delete_post_lets_a_moderator_delete_their_own_answer_in_a_locked_thread(
    request, thread, administrator, role
):
    moderator = request.getfixturevalue(role)
    answer = services.post_answer(thread, author=moderator, body="A fix ships in firmware 2.1.")
    moderation_services.lock_thread(thread, moderator=administrator)
    answer = Post.objects.select_related("thread").get(pk=answer.pk)

    assert permissions.can_delete_post(moderator, answer)


def test_check_delete_post_tells_the_author_that_a_locked_thread_is_frozen(
    thread, answer, other_customer, administrator
):
    moderation_services.lock_thread(thread, moderator=administrator)
    answer = Post.objects.select_related("thread").get(pk=answer.pk)

    with pytest.raises(PermissionDenied, match="locked: its posts can no longer be deleted"):
        permissions.check_delete_post(other_customer, answer)


# Moderators remove others' comments through moderation.services (audited), not here.
DELETE_COMMENT_BY_ASKER = {
    "open": (N, Y, N, N, N, N),
    "locked": (N, N, N, N, N, N),
    "deleted": (N, N, N, N, N, N),
}


@pytest.mark.parametrize(("role", "state", "allowed"), _cases(DELETE_COMMENT_BY_ASKER))
def test_check_delete_comment(
    user_for, thread, question, customer, administrator, role, state, allowed
):
    comment = services.post_comment(question, author=customer, body="It is model T-200.")
    if state == "locked":
        moderation_services.lock_thread(thread, moderator=administrator)
    elif state == "deleted":
        services.delete_comment(comment, actor=customer)
    comment = Comment.objects.select_related("post__thread").get(pk=comment.pk)

    _assert_rule(
        permissions.can_delete_comment,
        permissions.check_delete_comment,
        (user_for(role), comment),
        allowed,
    )


VOTE_ON_QUESTION = {
    "open": (N, N, Y, Y, Y, Y),
    "locked": (N, N, N, N, N, N),
    "deleted": (N, N, N, N, N, N),
}


@pytest.mark.parametrize(("role", "state", "allowed"), _cases(VOTE_ON_QUESTION))
def test_check_vote(user_for, put_in_state, thread, role, state, allowed):
    put_in_state(state)
    args = (user_for(role), _fresh_question(thread))

    _assert_rule(permissions.can_vote, permissions.check_vote, args, allowed)


ACCEPT = {
    "open": (N, Y, N, Y, N, Y),
    "locked": (N, N, N, N, N, N),
}


@pytest.mark.parametrize(("role", "state", "allowed"), _cases(ACCEPT))
def test_check_accept_answer(user_for, put_in_state, thread, role, state, allowed):
    put_in_state(state)
    args = (user_for(role), _fresh_thread(thread))

    _assert_rule(permissions.can_accept_answer, permissions.check_accept_answer, args, allowed)


MODERATE = {
    "open": (N, N, N, Y, N, Y),
    "locked": (N, N, N, Y, N, Y),
}


@pytest.mark.parametrize(("role", "state", "allowed"), _cases(MODERATE))
def test_check_moderate_thread(user_for, put_in_state, thread, role, state, allowed):
    put_in_state(state)
    args = (user_for(role), _fresh_thread(thread))

    _assert_rule(permissions.can_moderate_thread, permissions.check_moderate_thread, args, allowed)


# --- beside the tables ------------------------------------------------------------------------


def test_check_post_answer_is_refused_for_inactive_user(thread):
    inactive = UserFactory(is_active=False)

    with pytest.raises(PermissionDenied, match="not active"):
        permissions.check_post_answer(inactive, thread)


def test_check_post_answer_tells_anonymous_to_log_in(thread):
    with pytest.raises(PermissionDenied, match="Please log in first"):
        permissions.check_post_answer(AnonymousUser(), thread)


def test_check_vote_is_refused_on_own_answer(answer, other_customer):
    with pytest.raises(PermissionDenied, match="your own post"):
        permissions.check_vote(other_customer, answer)


def test_superuser_without_role_group_may_moderate(thread):
    superuser = UserFactory(is_superuser=True)
    superuser.groups.clear()

    assert permissions.can_moderate_thread(superuser, thread)


def test_visible_threads_hides_deleted_threads(thread, question, customer, category):
    services.delete_post(question, actor=customer)
    other = services.ask_question(
        author=customer, category=category, title="Another problem here", body="x" * 30
    )

    visible = permissions.visible_threads(customer, Thread.objects.all())

    assert list(visible) == [other]


# --- the thread page's buttons ask the same rules ---------------------------------------------


def _page(client, thread) -> str:
    return client.get(thread.get_absolute_url()).content.decode()


def _delete_url(post) -> str:
    return reverse("forum:delete_post", kwargs={"post_id": post.pk})


def _delete_comment_url(comment) -> str:
    return reverse("forum:delete_comment", kwargs={"comment_id": comment.pk})


def test_thread_page_offers_the_asker_no_delete_once_another_member_commented(
    client_for, thread, question, customer, other_customer
):
    services.post_comment(question, author=other_customer, body="Which model is it?")

    html = _page(client_for(customer), thread)

    assert _delete_url(question) not in html


def test_thread_page_offers_no_delete_to_the_answers_author_in_a_locked_thread(
    client_for, thread, answer, other_customer, administrator
):
    moderation_services.lock_thread(thread, moderator=administrator)

    html = _page(client_for(other_customer), thread)

    assert _delete_url(answer) not in html


def test_thread_page_offers_no_comment_delete_to_its_author_in_a_locked_thread(
    client_for, thread, question, customer, administrator
):
    comment = services.post_comment(question, author=customer, body="It is the T-200 model.")
    moderation_services.lock_thread(thread, moderator=administrator)

    html = _page(client_for(customer), thread)

    assert _delete_comment_url(comment) not in html


def test_thread_page_offers_a_moderator_the_audited_comment_removal_in_a_locked_thread(
    client_for, thread, question, customer, brand_rep, administrator
):
    comment = services.post_comment(question, author=customer, body="It is the T-200 model.")
    moderation_services.lock_thread(thread, moderator=administrator)

    html = _page(client_for(brand_rep), thread)

    assert _delete_comment_url(comment) not in html
    assert reverse("moderation:delete_post", kwargs={"post_id": question.pk}) in html
    assert f'name="comment" value="{comment.pk}"' in html
