"""The community's roles. Each role is a Django group created by a migration.

A user's roles are read from their groups; callers that show roles for many users
prefetch ``groups`` so a page costs one query for all badges.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "Customers", _("Customer")
    BRAND_REPRESENTATIVE = "Brand representatives", _("Brand representative")
    SUPPORT_AGENT = "Support agents", _("Support agent")
    ADMINISTRATOR = "Administrators", _("Administrator")


STAFF_ROLES = (Role.BRAND_REPRESENTATIVE, Role.SUPPORT_AGENT, Role.ADMINISTRATOR)
MODERATOR_ROLES = (Role.BRAND_REPRESENTATIVE, Role.ADMINISTRATOR)

# Badge text shown beside a staff member's name, highest role first.
BADGE_ORDER = (Role.ADMINISTRATOR, Role.BRAND_REPRESENTATIVE, Role.SUPPORT_AGENT)
