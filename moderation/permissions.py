"""Who may moderate what. Views, the queue, the admin and services ask here.

Moderators are the members holding the moderation permission (``User.is_moderator``);
a brand representative may be limited to some products (``User.moderates``), and then
acts only there: every rule that touches a post or thread checks its product. Each rule
is a ``_why_not_*`` function returning the refusal in words, or None; ``can_*`` answers
yes or no and ``check_*`` raises ``PermissionDenied``.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from forum import permissions as forum_permissions
from forum.models import Comment, Post, Thread
from moderation.models import ReviewItem

AnyUser = forum_permissions.AnyUser


def _why_not_moderator(user: AnyUser) -> str | None:
    if not user.is_authenticated:
        return _("Please log in first.")
    if not user.is_active or not user.is_moderator:
        return _("Only brand representatives and administrators can do this.")
    # A suspended (or warned) moderator moderates nothing until it is over.
    return user.write_refusal()


def _why_not_moderate_in(user: AnyUser, category_id: int | None) -> str | None:
    """Act in the product *category_id*; what belongs to no product (an account under
    watch) is for every moderator."""
    if reason := _why_not_moderator(user):
        return reason
    if category_id is not None and not user.moderates(category_id):
        return _("You moderate other products: this one is not among them.")
    return None


def _why_not_moderate_thread(user: AnyUser, thread: Thread) -> str | None:
    if reason := _why_not_moderate_in(user, thread.category_id):
        return reason
    if thread.is_deleted:
        return _("This thread has been deleted.")
    return None


def _why_not_moderate_post(user: AnyUser, post: Post) -> str | None:
    return _why_not_moderate_in(user, post.thread.category_id)


def _why_not_flag(user: AnyUser, post: Post, comment: Comment | None = None) -> str | None:
    if reason := forum_permissions.write_refusal(user):
        return reason
    author_id = comment.author_id if comment else post.author_id
    if author_id == user.pk:
        return _("You cannot flag your own post.")
    target = comment or post
    if target.is_deleted or post.is_deleted or post.thread.is_deleted:
        return _("This post has been deleted.")
    if not target.is_published or not post.thread.is_published:
        return _("Only published posts can be flagged.")
    return None


def _why_not_sanction(user: AnyUser, member: User) -> str | None:
    """Warn or suspend *member*: moderators, customers only (staff answer to an
    administrator); suspending reaches every product, so it needs a moderator of all."""
    if reason := _why_not_moderator(user):
        return reason
    if member.pk == user.pk:
        return _("You cannot sanction yourself.")
    if member.is_staff_member and not user.is_administrator:
        return _("Only an administrator can sanction a member of staff.")
    return None


def _why_not_suspend(user: AnyUser, member: User) -> str | None:
    if reason := _why_not_sanction(user, member):
        return reason
    if user.moderated_product_ids and not user.is_administrator:
        return _("A suspension applies in every product: ask a moderator of the whole community.")
    return None


def claim_is_live(item: ReviewItem) -> bool:
    """Does someone hold *item*? A claim lapses after ``MODERATION_CLAIM_MINUTES``."""
    if item.claimed_by_id is None or item.claimed_at is None:
        return False
    lease = timedelta(minutes=settings.MODERATION_CLAIM_MINUTES)
    return item.claimed_at + lease > timezone.now()


def _why_not_decide(user: AnyUser, item: ReviewItem) -> str | None:
    """Work *item*: a moderator of its product, while nobody else holds a claim on it."""
    if reason := _why_not_moderate_in(user, item.category_id):
        return reason
    if not item.is_open:
        return _("This item has already been dealt with.")
    if claim_is_live(item) and item.claimed_by_id != user.pk:
        return _("%(name)s is working on this item.") % {"name": item.claimed_by.public_name}
    return None


def _why_not_manage_moderators(user: AnyUser) -> str | None:
    if not user.is_authenticated or not user.is_administrator:
        return _("Only administrators can change who moderates what.")
    return None


def _checker(rule):
    def check(*args, **kwargs) -> None:
        if reason := rule(*args, **kwargs):
            raise PermissionDenied(reason)

    return check


def can_work_queue(user: AnyUser) -> bool:
    return _why_not_moderator(user) is None


def can_moderate_in(user: AnyUser, category_id: int | None) -> bool:
    return _why_not_moderate_in(user, category_id) is None


def can_moderate_thread(user: AnyUser, thread: Thread) -> bool:
    return _why_not_moderate_thread(user, thread) is None


def can_moderate_post(user: AnyUser, post: Post) -> bool:
    return _why_not_moderate_post(user, post) is None


def can_flag(user: AnyUser, post: Post, comment: Comment | None = None) -> bool:
    return _why_not_flag(user, post, comment) is None


def flag_refusal(user: AnyUser, post: Post, comment: Comment | None = None) -> str | None:
    return _why_not_flag(user, post, comment)


def can_sanction(user: AnyUser, member: User) -> bool:
    return _why_not_sanction(user, member) is None


def can_suspend(user: AnyUser, member: User) -> bool:
    return _why_not_suspend(user, member) is None


def can_decide(user: AnyUser, item: ReviewItem) -> bool:
    return _why_not_decide(user, item) is None


def can_manage_moderators(user: AnyUser) -> bool:
    return _why_not_manage_moderators(user) is None


def visible_items(user: AnyUser, queryset):
    """The queue items *user* may work: those of the products they moderate (accounts
    under watch belong to no product: every moderator sees them)."""
    if not can_work_queue(user):
        return queryset.none()
    if user.is_administrator or not user.moderated_product_ids:
        return queryset
    return queryset.filter(Q(category_id__in=user.moderated_product_ids) | Q(category__isnull=True))


check_moderator = _checker(_why_not_moderator)
check_moderate_in = _checker(_why_not_moderate_in)
check_moderate_thread = _checker(_why_not_moderate_thread)
check_moderate_post = _checker(_why_not_moderate_post)
check_flag = _checker(_why_not_flag)
check_sanction = _checker(_why_not_sanction)
check_suspend = _checker(_why_not_suspend)
check_decide = _checker(_why_not_decide)
check_manage_moderators = _checker(_why_not_manage_moderators)
