"""The community's roles. Each role is a Django group created by a migration.

A user's roles are read from their groups; callers that show roles for many users
prefetch ``groups`` so a page costs one query for all badges.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "Customers", _("Customer")
    BRAND_REPRESENTATIVE = "Brand representatives", _("Brand representative")
    SUPPORT_AGENT = "Support agents", _("Support agent")
    ADMINISTRATOR = "Administrators", _("Administrator")


STAFF_ROLES = (Role.BRAND_REPRESENTATIVE, Role.SUPPORT_AGENT, Role.ADMINISTRATOR)

# Badge text shown beside a staff member's name, highest role first.
BADGE_ORDER = (Role.ADMINISTRATOR, Role.BRAND_REPRESENTATIVE, Role.SUPPORT_AGENT)

# Moderation is a permission (``accounts.moderate_community``) that these roles' groups
# are granted by a migration: renaming a group takes no rights away, and administrators
# can grant it to any group in the Wagtail admin.
MODERATE_CODENAME = "moderate_community"
ROLE_PERMISSIONS = {
    Role.BRAND_REPRESENTATIVE: [("accounts", MODERATE_CODENAME), ("wagtailadmin", "access_admin")],
    # Staff reports (search's content gaps, later the support queue) are in the admin.
    Role.SUPPORT_AGENT: [("wagtailadmin", "access_admin")],
    Role.ADMINISTRATOR: [("accounts", MODERATE_CODENAME)],
}


def moderating_permissions():
    """The permission rows that make their holders moderators, as a subquery."""
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(
        content_type__app_label="accounts", codename=MODERATE_CODENAME
    ).values("pk")


def role_group(role: Role):
    """The group of *role*, with its default permissions (made when missing: a flushed test
    database, or a group another migration made first)."""
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=role.value)
    if grants := ROLE_PERMISSIONS.get(role):  # adding a permission held already is harmless
        condition = Q()
        for app_label, codename in grants:
            condition |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*Permission.objects.filter(condition))
    return group
