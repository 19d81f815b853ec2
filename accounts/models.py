from datetime import datetime
from functools import cached_property

from django.contrib.auth.models import AbstractUser, Group, Permission, UserManager
from django.contrib.contenttypes.models import ContentType
from django.core.validators import FileExtensionValidator
from django.db import connection, models
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.names import SKELETON_MAX_LENGTH, skeleton
from accounts.roles import (
    BADGE_ORDER,
    MODERATE_CODENAME,
    STAFF_ROLES,
    Role,
    moderating_permissions,
)


class MemberManager(UserManager):
    def staff(self) -> models.QuerySet:
        """The members ``User.is_staff_member`` says are staff, as one query."""
        roles = [role.value for role in STAFF_ROLES]
        return self.filter(
            models.Q(is_superuser=True) | models.Q(groups__name__in=roles)
        ).distinct()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for user in objs:
            user.username_skeleton = skeleton(user.username)
        return super().bulk_create(objs, *args, **kwargs)


def _roles_sql() -> str:
    """A member's groups and whether each grants moderation, as one statement: it runs on
    every member's request, where compiling the ORM's version cost more than running it."""
    group, permission = Group._meta.db_table, Permission._meta.db_table
    grants = Group.permissions.through._meta.db_table
    memberships = User.groups.through._meta.db_table
    content_type = ContentType._meta.db_table
    return (
        f"SELECT g.name, EXISTS(SELECT 1 FROM {grants} gp "  # noqa: S608 (table names)
        f"JOIN {permission} p ON p.id = gp.permission_id "
        f"JOIN {content_type} ct ON ct.id = p.content_type_id "
        "WHERE gp.group_id = g.id AND p.codename = %s AND ct.app_label = %s) "
        f"FROM {group} g JOIN {memberships} ug ON ug.group_id = g.id WHERE ug.user_id = %s"
    )


class User(AbstractUser):
    """A community member. Roles are groups (see ``accounts.roles``)."""

    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    bio = models.TextField(_("short bio"), max_length=500, blank=True)
    avatar = models.ImageField(
        _("avatar"),
        upload_to="avatars/",
        blank=True,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg", "gif", "webp"])],
    )
    # What the username looks like (accounts.names.skeleton), kept on every save so that
    # a new name can be compared with every member's username by one indexed lookup.
    username_skeleton = models.CharField(
        max_length=SKELETON_MAX_LENGTH, editable=False, db_index=True, default=""
    )

    # Written only by ``reputation.services``, in the transaction of each ledger entry:
    # the sum of the member's reputation ledger, and the trust level it earns. Stored
    # here so that every post and profile shows them without a query.
    reputation = models.IntegerField(_("reputation"), default=0, editable=False)
    trust_level = models.PositiveSmallIntegerField(_("trust level"), default=0, editable=False)
    # Activity for trust levels and streak badges, counted once per day by
    # ``reputation.services.record_visit``.
    days_visited = models.PositiveIntegerField(_("days visited"), default=0, editable=False)
    visit_streak = models.PositiveIntegerField(default=0, editable=False)
    last_visit_on = models.DateField(null=True, blank=True, editable=False)
    # Where the account was made from (anti-gaming: accounts sharing one address).
    signup_ip = models.GenericIPAddressField(null=True, blank=True, editable=False)

    # Moderation (written only by ``moderation.services``): the facts every write path
    # checks (``write_refusal``) live on the member, so the check costs no query.
    # The products a moderator acts in; empty: every product.
    moderated_product_ids = models.JSONField(default=list, blank=True, editable=False)
    suspended_at = models.DateTimeField(null=True, blank=True, editable=False)
    # With ``suspended_at`` set: the end of the suspension, or null for "until lifted".
    suspended_until = models.DateTimeField(null=True, blank=True, editable=False)
    suspension_reason = models.TextField(blank=True, editable=False)
    # A moderator's warning the member has not acknowledged yet; posting waits for it.
    warning_text = models.TextField(blank=True, editable=False)
    warned_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = MemberManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["-reputation"], name="user_reputation")]
        permissions = [
            (MODERATE_CODENAME, "Can moderate the community (flags, review queue, sanctions)")
        ]

    def __str__(self) -> str:
        return self.public_name

    def save(self, *args, **kwargs) -> None:
        self.username_skeleton = skeleton(self.username)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "username" in update_fields:
            kwargs["update_fields"] = {*update_fields, "username_skeleton"}
        super().save(*args, **kwargs)

    @property
    def public_name(self) -> str:
        return self.display_name or self.username

    @property
    def initials(self) -> str:
        parts = [part for part in self.public_name.replace("_", " ").split() if part]
        letters = "".join(part[0] for part in parts[:2]) or self.username[:1]
        return letters.upper()

    def get_absolute_url(self) -> str:
        return reverse("forum:profile", kwargs={"username": self.username})

    @cached_property
    def _roles(self) -> tuple[frozenset[str], bool | None]:
        """The names of this user's groups, and whether one of them grants moderation
        (None when not known: prefetched groups carry only their names). One query, or
        none when ``groups`` were prefetched."""
        if self.pk is None:
            return frozenset(), False
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("groups")
        if prefetched is not None:
            return frozenset(group.name for group in prefetched), None
        with connection.cursor() as cursor:
            cursor.execute(_ROLES_SQL, [MODERATE_CODENAME, "accounts", self.pk])
            rows = cursor.fetchall()
        return frozenset(name for name, _ in rows), any(moderates for _, moderates in rows)

    def forget_roles(self) -> None:
        """Read the groups again next time (after they changed)."""
        self.__dict__.pop("_roles", None)

    @property
    def role_names(self) -> frozenset[str]:
        """Names of this user's roles; uses prefetched ``groups`` when present."""
        return self._roles[0]

    @property
    def is_staff_member(self) -> bool:
        """Brand representatives, support agents and administrators speak for the company."""
        return self.is_superuser or any(role in self.role_names for role in STAFF_ROLES)

    @property
    def is_moderator(self) -> bool:
        """Holds the moderation permission through a group (brand representatives and
        administrators by default): granted as a permission, so renaming a group takes
        no rights away. Moderators may be limited to some products (``moderates``)."""
        if self.is_superuser:
            return True
        if not self.is_active:
            return False
        moderates = self._roles[1]
        if moderates is None:  # groups came prefetched, names only: ask once
            moderates = self.groups.filter(permissions__in=moderating_permissions()).exists()
            self.__dict__["_roles"] = (self._roles[0], moderates)
        return moderates

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or Role.ADMINISTRATOR.value in self.role_names

    def moderates(self, category_id: int | None) -> bool:
        """May this moderator act in the product *category_id*? Administrators and
        moderators without a list of products act everywhere."""
        if not self.is_moderator:
            return False
        if self.is_administrator or not self.moderated_product_ids:
            return True
        return category_id in self.moderated_product_ids

    def is_suspended_at(self, when: datetime) -> bool:
        if self.suspended_at is None:
            return False
        return self.suspended_until is None or self.suspended_until > when

    @property
    def is_suspended(self) -> bool:
        return self.is_suspended_at(timezone.now())

    def write_refusal(self) -> str | None:
        """Why this member may read but not post, vote, flag or edit now, or None.

        A suspension says why and until when; an unacknowledged warning must be read
        first (``moderation``'s warning page).
        """
        if self.suspended_at is None and not self.warning_text:
            return None  # the common case, asked for every post of a page: no clock read
        if self.is_suspended:
            if self.suspended_until is None:
                text = gettext("Your account is suspended until a moderator lifts it.")
            else:
                text = gettext("Your account is suspended until %(until)s.") % {
                    "until": formats.date_format(
                        timezone.localtime(self.suspended_until), "DATETIME_FORMAT"
                    )
                }
            reason = self.suspension_reason
            if reason:
                text += " " + gettext("Reason: %(reason)s") % {"reason": reason}
            return text + " " + gettext("You can still read the community.")
        if self.warning_text:
            return gettext(
                "A moderator has sent you a warning. Please read and acknowledge it "
                "before you post again."
            )
        return None

    @property
    def staff_badge(self) -> str:
        """The label shown beside the name on posts and profiles, or '' for customers."""
        for role in BADGE_ORDER:
            if role.value in self.role_names:
                return str(role.label)
        if self.is_superuser:
            return str(Role.ADMINISTRATOR.label)
        return ""


_ROLES_SQL = _roles_sql()
