"""Who may do what in the forum. Views, templates (as booleans), the admin and services ask here.

Each rule is one ``_why_not_<verb>`` function returning the reason a person is refused,
in words they understand, or None. ``can_*`` answers yes or no; ``check_*`` raises
``PermissionDenied`` carrying the reason.
"""

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.models import User
from forum.models import Comment, Post, Thread

AnyUser = User | AnonymousUser


def _why_not_signed_in(user: AnyUser) -> str | None:
    if not user.is_authenticated:
        return _("Please log in first.")
    if not user.is_active:
        return _("Your account is not active.")
    return None


def _why_not_ask(user: AnyUser) -> str | None:
    return _why_not_signed_in(user)


def _why_not_answer(user: AnyUser, thread: Thread) -> str | None:
    if reason := _why_not_signed_in(user):
        return reason
    if thread.is_deleted:
        return _("This thread has been deleted.")
    if thread.is_locked:
        return _("This thread is locked: it no longer takes new answers.")
    return None


def _why_not_comment(user: AnyUser, post: Post) -> str | None:
    if reason := _why_not_answer(user, post.thread):
        return reason
    if post.is_deleted:
        return _("This post has been deleted.")
    return None


def _why_not_edit_post(user: AnyUser, post: Post) -> str | None:
    if reason := _why_not_signed_in(user):
        return reason
    if post.is_deleted:
        return _("This post has been deleted.")
    if user.pk != post.author_id and not user.is_moderator:
        return _("You can only edit your own posts.")
    if post.thread.is_locked and not user.is_moderator:
        return _("This thread is locked: its posts can no longer be edited.")
    return None


def _why_not_delete_post(user: AnyUser, post: Post) -> str | None:
    if reason := _why_not_signed_in(user):
        return reason
    if post.is_deleted:
        return _("This post has already been deleted.")
    if user.pk != post.author_id:
        return _("You can only delete your own posts.")
    if post.is_question and post.thread.answer_count > 0:
        return _("This question has answers, so it can no longer be deleted.")
    if not post.is_question and post.thread.accepted_answer_id == post.pk:
        return _("This answer is the accepted solution, so it can no longer be deleted.")
    return None


def _why_not_delete_comment(user: AnyUser, comment: Comment) -> str | None:
    if reason := _why_not_signed_in(user):
        return reason
    if comment.is_deleted:
        return _("This comment has already been deleted.")
    if user.pk != comment.author_id and not user.is_moderator:
        return _("You can only delete your own comments.")
    return None


def _why_not_vote(user: AnyUser, post: Post) -> str | None:
    if reason := _why_not_signed_in(user):
        return reason
    if post.is_deleted or post.thread.is_deleted:
        return _("This post has been deleted.")
    if post.author_id == user.pk:
        return _("You cannot vote on your own post.")
    if post.thread.is_locked:
        return _("This thread is locked: voting is closed.")
    return None


def _why_not_accept(user: AnyUser, thread: Thread) -> str | None:
    if reason := _why_not_signed_in(user):
        return reason
    if thread.is_locked:
        return _("This thread is locked: its solution can no longer be changed.")
    if user.pk != thread.author_id and not user.is_moderator:
        return _(
            "Only the person who asked, a brand representative or an administrator "
            "can mark the solution."
        )
    return None


def _why_not_moderate(user: AnyUser, thread: Thread) -> str | None:
    if reason := _why_not_signed_in(user):
        return reason
    if not user.is_moderator:
        return _("Only brand representatives and administrators can do this.")
    return None


def _checker(rule: Callable[..., str | None]) -> Callable[..., None]:
    def check(*args: object) -> None:
        if reason := rule(*args):
            raise PermissionDenied(reason)

    return check


def can_ask_question(user: AnyUser) -> bool:
    return _why_not_ask(user) is None


def can_post_answer(user: AnyUser, thread: Thread) -> bool:
    return _why_not_answer(user, thread) is None


def can_post_comment(user: AnyUser, post: Post) -> bool:
    return _why_not_comment(user, post) is None


def can_edit_post(user: AnyUser, post: Post) -> bool:
    return _why_not_edit_post(user, post) is None


def can_delete_post(user: AnyUser, post: Post) -> bool:
    return _why_not_delete_post(user, post) is None


def can_delete_comment(user: AnyUser, comment: Comment) -> bool:
    return _why_not_delete_comment(user, comment) is None


def can_vote(user: AnyUser, post: Post) -> bool:
    return _why_not_vote(user, post) is None


def can_accept_answer(user: AnyUser, thread: Thread) -> bool:
    return _why_not_accept(user, thread) is None


def can_moderate_thread(user: AnyUser, thread: Thread) -> bool:
    """Lock, unlock, pin and unpin."""
    return _why_not_moderate(user, thread) is None


check_ask_question = _checker(_why_not_ask)
check_post_answer = _checker(_why_not_answer)
check_post_comment = _checker(_why_not_comment)
check_edit_post = _checker(_why_not_edit_post)
check_delete_post = _checker(_why_not_delete_post)
check_delete_comment = _checker(_why_not_delete_comment)
check_vote = _checker(_why_not_vote)
check_accept_answer = _checker(_why_not_accept)
check_moderate_thread = _checker(_why_not_moderate)


def visible_threads(user: AnyUser, queryset):
    """Threads *user* may see: deleted ones are hidden from everyone."""
    return queryset.filter(is_deleted=False)
