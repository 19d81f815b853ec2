"""Flags, the review queue, sanctions, the rules that screen new posts, canned replies and
the audit log of every moderator action.

Rows here change only through ``moderation.services`` (the rules and replies that
administrators edit in the Wagtail admin excepted); the audit log is written inside each
service and never changes afterwards.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from forum.models import CategoryPage, Comment, Post, Thread

NOTE_MAX_LENGTH = 1000
FLAG_TEXT_MAX_LENGTH = 500


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("audit entries are never changed")

    def delete(self):
        raise TypeError("audit entries are never deleted")


class AuditEntry(models.Model):
    """One moderator action: who, what (a stable dotted ``action``), on what, why, when,
    and the values before and after where it changed some. Written inside the action's
    own transaction by the service that made it; never edited or deleted.

    What it names is kept as plain ids (and a label): the entry outlives a thread that
    is merged away or a post that is purged.
    """

    action = models.CharField(_("action"), max_length=60, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    # The member the action concerns (a post's author, a sanctioned member).
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member"),
    )
    category_id = models.BigIntegerField(_("product"), null=True, blank=True, db_index=True)
    thread_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    post_id = models.BigIntegerField(null=True, blank=True)
    comment_id = models.BigIntegerField(null=True, blank=True)
    target = models.CharField(_("on"), max_length=200, blank=True)
    reason = models.TextField(_("why"), blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["actor", "-created_at"], name="audit_actor_created")]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id} at {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise TypeError("audit entries are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("audit entries are never deleted")


class FlagReason(models.Model):
    """A reason members give when they flag a post; administrators edit the list."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=80)
    description = models.CharField(_("description"), max_length=300, blank=True)
    needs_text = models.BooleanField(_("asks the member to explain"), default=False)
    needs_thread = models.BooleanField(_("asks for the original thread"), default=False)
    # Flags for this reason weigh this much more (spam and staff attention come first).
    extra_weight = models.PositiveSmallIntegerField(_("extra weight"), default=0)
    is_active = models.BooleanField(_("offered"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = _("flag reason")
        verbose_name_plural = _("flag reasons")

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        """The label in the reader's language when it is one of the defaults."""
        return gettext(self.label)


class ReviewItem(models.Model):
    """One thing in the moderators' queue: a flagged post or comment, a post waiting for
    approval, or an account under watch. At most one open item per thing (constraints);
    new flags on it add to its weight. Resolved items stay, with the decision.
    """

    class Kind(models.TextChoices):
        FLAGGED = "flagged", _("flagged")
        PENDING = "pending", _("waiting for approval")
        ACCOUNT = "account", _("account under watch")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        RESOLVED = "resolved", _("resolved")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, null=True, blank=True, related_name="review_items"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="review_items"
    )
    # The author of the post or comment, or the account under watch.
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_items"
    )
    category = models.ForeignKey(
        CategoryPage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    reasons = models.JSONField(_("why it is here"), default=list, blank=True)
    flag_count = models.PositiveIntegerField(default=0)
    flag_weight = models.PositiveIntegerField(default=0)
    # The queue's order, highest first: flag weight counts as queue age (``services``).
    rank = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(_("decision"), max_length=30, blank=True)
    note = models.TextField(_("note"), max_length=NOTE_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("in the queue since"), default=timezone.now)

    class Meta:
        verbose_name = _("review item")
        verbose_name_plural = _("review queue")
        constraints = [
            models.UniqueConstraint(
                fields=["post"],
                condition=Q(status="open", comment__isnull=True, post__isnull=False),
                name="review_item_one_open_per_post",
            ),
            models.UniqueConstraint(
                fields=["comment"],
                condition=Q(status="open", comment__isnull=False),
                name="review_item_one_open_per_comment",
            ),
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status="open", kind="account"),
                name="review_item_one_open_per_account",
            ),
            models.CheckConstraint(
                condition=Q(kind="account") | Q(post__isnull=False),
                name="review_item_content_has_post",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(resolved_at__isnull=False),
                name="review_item_resolved_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-rank"], name="review_item_queue"),
            models.Index(fields=["status", "category", "-rank"], name="review_item_product"),
        ]

    def __str__(self) -> str:
        return f"review item {self.pk} ({self.kind})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Flag(models.Model):
    """A member's report that a post needs a moderator, with a reason."""

    class Status(models.TextChoices):
        OPEN = "open", _("waiting for a moderator")
        UPHELD = "upheld", _("acted on")
        DISMISSED = "dismissed", _("dismissed")

    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="flags")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="flags")
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="flags"
    )
    flagger = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags"
    )
    reason = models.ForeignKey(FlagReason, on_delete=models.PROTECT, related_name="flags")
    text = models.CharField(_("details"), max_length=FLAG_TEXT_MAX_LENGTH, blank=True)
    duplicate_of = models.ForeignKey(
        Thread, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    weight = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # What the moderator did (a decision code of ``services.Decision``) and when.
    outcome = models.CharField(max_length=30, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        constraints = [
            models.UniqueConstraint(
                fields=["post", "flagger"],
                condition=Q(status="open", comment__isnull=True),
                name="flag_one_open_per_member_per_post",
            ),
            models.UniqueConstraint(
                fields=["comment", "flagger"],
                condition=Q(status="open", comment__isnull=False),
                name="flag_one_open_per_member_per_comment",
            ),
        ]
        indexes = [models.Index(fields=["flagger", "-created_at"], name="flag_flagger_created")]

    def __str__(self) -> str:
        return f"flag {self.pk} on post {self.post_id} by user {self.flagger_id}"


class Sanction(models.Model):
    """A warning or a suspension of a member, and its lifting. The member's own row
    (``accounts.User``) holds what every write path checks; this is the record."""

    class Kind(models.TextChoices):
        WARNING = "warning", _("warning")
        SUSPENSION = "suspension", _("suspension")

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sanctions"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    message = models.TextField(_("message to the member"), max_length=NOTE_MAX_LENGTH)
    # A suspension's end; null: until lifted.
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")

    def __str__(self) -> str:
        return f"{self.kind} of user {self.member_id}"


class SpamSweep(models.Model):
    """ "Mark as spam": every post of a member hidden and the member suspended in one
    step, recorded so that it can be undone exactly (the posts it hid, the suspension)."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="spam_sweeps"
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    post_ids = models.JSONField(default=list)
    comment_ids = models.JSONField(default=list)
    sanction = models.ForeignKey(Sanction, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    reverted_at = models.DateTimeField(null=True, blank=True)
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"spam sweep of user {self.member_id}"


class ScreeningRule(models.Model):
    """Words or a pattern that hold a new post for review when they appear in it."""

    pattern = models.CharField(_("words or pattern"), max_length=200)
    is_regex = models.BooleanField(
        _("regular expression"),
        default=False,
        help_text=_("Off: the words are looked for as written, ignoring case."),
    )
    note = models.CharField(_("why (shown to moderators)"), max_length=200, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["pattern"]
        verbose_name = _("screening rule")
        verbose_name_plural = _("screening rules")

    def __str__(self) -> str:
        return self.pattern

    def clean(self) -> None:
        if self.is_regex:
            from moderation.spam import compile_rule

            try:
                compile_rule(self.pattern)
            except ValueError as exc:
                raise ValidationError({"pattern": str(exc)}) from None


class BlockedDomain(models.Model):
    """A web site whose links hold a post for review (staff edit the list)."""

    domain = models.CharField(_("domain"), max_length=200, unique=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["domain"]
        verbose_name = _("blocked domain")
        verbose_name_plural = _("blocked domains")

    def __str__(self) -> str:
        return self.domain

    def save(self, *args, **kwargs) -> None:
        self.domain = self.domain.strip().lower().rstrip(".").removeprefix("www.")
        super().save(*args, **kwargs)


class ModerationSettings(models.Model):
    """The community's moderation settings: one row, edited by administrators."""

    premoderate_new_members = models.BooleanField(
        _("hold new members' posts for review"),
        default=False,
        help_text=_(
            "Every post of a member who does not yet hold the trust ladder's privilege "
            "“post without waiting for review” (Reputation → Trust levels) waits for a "
            "moderator's approval."
        ),
    )
    max_links = models.PositiveSmallIntegerField(
        _("links a post may hold before it waits for review"), default=8
    )
    queue_target_hours = models.PositiveIntegerField(
        _("queue target (hours)"),
        default=24,
        help_text=_("Items waiting longer stand out in the review queue."),
    )

    class Meta:
        verbose_name = _("moderation settings")
        verbose_name_plural = _("moderation settings")

    def __str__(self) -> str:
        return str(_("Moderation settings"))


class ProductQueueTarget(models.Model):
    """A product's own queue target, instead of the community's."""

    category = models.OneToOneField(
        CategoryPage, on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    hours = models.PositiveIntegerField(_("queue target (hours)"))

    class Meta:
        verbose_name = _("product queue target")
        verbose_name_plural = _("product queue targets")

    def __str__(self) -> str:
        return f"{self.category}: {self.hours} h"


class CannedReply(models.Model):
    """A reply brand representatives reuse when answering or moderating.

    The text may hold placeholders filled when it is used: ``{asker}`` (the asker's
    name), ``{product}``, ``{thread}`` (its title) and ``{moderator}`` (who uses it).
    """

    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"), max_length=5000)
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")

    def __str__(self) -> str:
        return self.title
