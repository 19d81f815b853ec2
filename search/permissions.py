"""Who may see search's staff reports and edit synonyms. (Who may see a search result is
``forum.permissions``' visibility, applied in ``search.api``.)"""

from django.core.exceptions import PermissionDenied


def can_view_reports(user) -> bool:
    """Content gaps, deflection and the index's health: the company's staff."""
    return user.is_authenticated and user.is_active and user.is_staff_member


def can_edit_synonyms(user) -> bool:
    """Synonyms change what every customer finds: moderators (brand representatives,
    administrators)."""
    return user.is_authenticated and user.is_moderator


def check_view_reports(user) -> None:
    if not can_view_reports(user):
        raise PermissionDenied
