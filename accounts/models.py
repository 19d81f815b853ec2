from functools import cached_property

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import FileExtensionValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.names import SKELETON_MAX_LENGTH, skeleton
from accounts.roles import BADGE_ORDER, MODERATOR_ROLES, STAFF_ROLES, Role


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

    objects = MemberManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["-reputation"], name="user_reputation")]

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
    def role_names(self) -> frozenset[str]:
        """Names of this user's roles; uses prefetched ``groups`` when present."""
        if self.pk is None:
            return frozenset()
        return frozenset(group.name for group in self.groups.all())

    @property
    def is_staff_member(self) -> bool:
        """Brand representatives, support agents and administrators speak for the company."""
        return self.is_superuser or any(role in self.role_names for role in STAFF_ROLES)

    @property
    def is_moderator(self) -> bool:
        return self.is_superuser or any(role in self.role_names for role in MODERATOR_ROLES)

    @property
    def staff_badge(self) -> str:
        """The label shown beside the name on posts and profiles, or '' for customers."""
        for role in BADGE_ORDER:
            if role.value in self.role_names:
                return str(role.label)
        if self.is_superuser:
            return str(Role.ADMINISTRATOR.label)
        return ""
