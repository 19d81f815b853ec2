"""Who may curate the library. (Who may see a solution is the thread's visibility:
``forum.permissions.visible_threads``.)"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from forum import permissions as forum_permissions


def _why_not_curate(user, solution) -> str | None:
    """Verifying a solution, setting its versions and review date, and promoting it to an
    article are a brand representative's word for the product."""
    if refusal := forum_permissions.write_refusal(user):
        return refusal
    if not user.moderates(solution.thread.category_id):
        return _("Only the brand team for this product can verify solutions or write articles.")
    return None


def can_curate(user, solution) -> bool:
    return _why_not_curate(user, solution) is None


def can_view_reports(user) -> bool:
    """Solutions to re-check, articles to review and feedback: the company's staff."""
    return user.is_authenticated and user.is_active and user.is_staff_member


def _checker(rule: Callable[..., str | None]) -> Callable[..., None]:
    def check(*args) -> None:
        if reason := rule(*args):
            raise PermissionDenied(reason)

    return check


check_curate = _checker(_why_not_curate)
