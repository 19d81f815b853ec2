"""The reputation ledger, its point rules, trust levels, badges and anti-gaming cases.

Reputation sits below the forum: it knows members (``accounts``) but not posts. A ledger
entry names the post, thread and product it came from by plain ids, so the ledger stays
an audit trail even after the post is gone, and the forum can join it when it shows one.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Reason(models.TextChoices):
    """Why points moved: stable dotted strings, one per point rule."""

    ANSWER_UPVOTED = "answer.upvoted", _("Answer voted up")
    ANSWER_DOWNVOTED = "answer.downvoted", _("Answer voted down")
    QUESTION_ME_TOO = "question.me_too", _("Someone has the same problem")
    DOWNVOTE_GIVEN = "vote.downvote_given", _("Voted an answer down")
    ANSWER_ACCEPTED = "answer.accepted", _("Answer accepted as the solution")
    ACCEPT_GIVEN = "answer.accept_given", _("Accepted an answer to own question")
    SOLUTION_VERIFIED = "solution.verified", _("Solution verified by the brand team")
    EDIT_APPROVED = "edit.approved", _("Suggested edit approved")
    POST_HIDDEN_AS_SPAM = "post.hidden_as_spam", _("Post hidden as spam")
    STAFF_ADJUSTMENT = "staff.adjustment", _("Adjusted by staff")


# Points from votes count toward the daily cap (REPUTATION_DAILY_VOTE_CAP).
CAPPED_REASONS = frozenset({Reason.ANSWER_UPVOTED, Reason.QUESTION_ME_TOO})
VOTE_REASONS = frozenset(
    {Reason.ANSWER_UPVOTED, Reason.ANSWER_DOWNVOTED, Reason.QUESTION_ME_TOO, Reason.DOWNVOTE_GIVEN}
)


class Cause(models.TextChoices):
    """What wrote an entry: the action, or the undoing of one."""

    VOTE_CAST = "vote.cast", _("vote")
    VOTE_REMOVED = "vote.removed", _("vote taken back")
    VOTE_CHANGED = "vote.changed", _("vote changed")
    ANSWER_ACCEPTED = "answer.accepted", _("answer accepted")
    ANSWER_UNACCEPTED = "answer.unaccepted", _("solution taken back")
    SOLUTION_VERIFIED = "solution.verified", _("solution verified")
    POST_DELETED = "post.deleted", _("post deleted")
    POST_HIDDEN = "post.hidden", _("post hidden")
    POST_RESTORED = "post.restored", _("post shown again")
    EDIT_APPROVED = "edit.approved", _("edit approved")
    GAMING_REVERSED = "gaming.reversed", _("reversed by staff: vote gaming")
    STAFF = "staff", _("staff correction")


class PointRule(models.Model):
    """How many points one reason is worth. Administrators edit them in the Wagtail admin.

    A change applies to entries written from then on; entries already written keep their
    points (the ledger is history), and undoing one takes back what it gave.
    """

    reason = models.CharField(_("reason"), max_length=50, primary_key=True, choices=Reason.choices)
    points = models.IntegerField(_("points"))

    class Meta:
        ordering = ["reason"]
        verbose_name = _("point rule")
        verbose_name_plural = _("point rules")

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.points:+d}"


class LedgerEntry(models.Model):
    """One change of one member's reputation. Rows are never edited or deleted.

    Undoing a cause writes a reversal: an entry with the opposite points whose
    ``reverses`` names the entry it cancels (once: a database constraint). The member's
    stored ``reputation`` is the sum of their entries, kept in the same transaction.
    """

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ledger_entries"
    )
    points = models.IntegerField(_("points"))
    # What the rule gave before the daily cap (equal to points when not capped).
    rule_points = models.IntegerField(_("points before the cap"), default=0)
    reason = models.CharField(_("reason"), max_length=50, choices=Reason.choices)
    cause = models.CharField(_("cause"), max_length=30, choices=Cause.choices)
    # Who brought it about: the voter, the one who accepted, the staff member.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Where it came from, by id (reputation sits below the forum).
    post_id = models.BigIntegerField(null=True, blank=True)
    thread_id = models.BigIntegerField(null=True, blank=True)
    product_id = models.IntegerField(_("product"), null=True, blank=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    # An entry that gives back what hiding a post took: it names the hide's reversal
    # (once: a database constraint), so showing the post again restores it exactly once.
    restores = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="restored_by"
    )
    case = models.ForeignKey(
        "GamingCase", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            models.Index(fields=["member", "created_at"], name="ledger_member_created"),
            models.Index(fields=["post_id"], name="ledger_post"),
            models.Index(fields=["created_at"], name="ledger_created"),
            models.Index(fields=["product_id", "created_at"], name="ledger_product_created"),
            models.Index(fields=["actor", "member", "created_at"], name="ledger_actor_member"),
        ]

    def __str__(self) -> str:
        return f"{self.points:+d} to member {self.member_id} ({self.reason})"

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


class Level(models.IntegerChoices):
    NEW = 0, _("New")
    BASIC = 1, _("Basic")
    MEMBER = 2, _("Member")
    REGULAR = 3, _("Regular")
    LEADER = 4, _("Leader")


class Privilege(models.TextChoices):
    """What a trust level unlocks. The forum asks ``reputation.has_privilege``."""

    POST_LINKS = "post_links", _("post links and images")
    SKIP_PREMODERATION = "skip_premoderation", _("post without waiting for review")
    DOWNVOTE = "downvote", _("vote answers down")
    FLAG_WEIGHT = "flag_weight", _("flag posts with more weight")
    SUGGEST_EDITS = "suggest_edits", _("suggest edits to other members' posts")
    EDIT_OTHERS = "edit_others", _("edit other members' posts")
    RETAG = "retag", _("change the tags of other members' questions")


class TrustLevel(models.Model):
    """One rung of the ladder: what it takes to reach it and what it unlocks.

    A member is at the highest level whose every threshold they meet; a privilege is
    held from the level that lists it upwards. Staff hold every privilege.
    """

    level = models.PositiveSmallIntegerField(_("level"), primary_key=True, choices=Level.choices)
    min_reputation = models.IntegerField(_("reputation at least"), default=0)
    min_accepted_answers = models.PositiveIntegerField(_("accepted answers at least"), default=0)
    min_days_visited = models.PositiveIntegerField(_("days visited at least"), default=0)
    privileges = models.JSONField(_("privileges unlocked"), default=list, blank=True)

    class Meta:
        ordering = ["level"]
        verbose_name = _("trust level")
        verbose_name_plural = _("trust levels")

    def __str__(self) -> str:
        return str(self.get_level_display())


class BadgeAward(models.Model):
    """A badge a member holds: awarded by a rule or by staff, once per badge and scope.

    ``scope`` is "" for badges held once, or what the badge is held for (a product's
    id for "Helpful in ..."). A revoked award keeps its row, so a rule never hands it
    out again; staff can award it again.
    """

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badge_awards"
    )
    badge = models.CharField(_("badge"), max_length=40)
    scope = models.CharField(max_length=40, blank=True, default="")
    awarded_at = models.DateTimeField(_("awarded"), default=timezone.now)
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("awarded by"),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoke_reason = models.CharField(_("why revoked"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("badge award")
        verbose_name_plural = _("badge awards")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "badge", "scope"], name="badge_award_once_per_scope"
            ),
        ]
        indexes = [
            models.Index(fields=["badge", "-awarded_at"], name="badge_award_badge"),
        ]

    def __str__(self) -> str:
        return f"{self.badge} ({self.scope}) for member {self.member_id}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class GamingCase(models.Model):
    """A pattern of votes or accounts that looks like someone gaming reputation.

    Found by ``reputation.gaming`` and kept with its evidence until staff reverse it (the
    points it brought are taken back with ledger entries) or dismiss it.
    """

    class Kind(models.TextChoices):
        SERIAL_VOTING = "serial_voting", _("Serial voting")
        VOTING_RING = "voting_ring", _("Voting ring")
        SHARED_SIGNUP_IP = "shared_signup_ip", _("Accounts signed up from one address")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for staff")
        REVERSED = "reversed", _("Reversed")
        DISMISSED = "dismissed", _("Dismissed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    # What makes the case itself (its kind and accounts, and for serial voting the day):
    # the detector never opens the same case twice.
    key = models.CharField(max_length=200, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="gaming_cases", verbose_name=_("accounts")
    )
    summary = models.CharField(_("summary"), max_length=300)
    evidence = models.JSONField(_("evidence"), default=dict)
    points_involved = models.IntegerField(_("points involved"), default=0)
    detected_at = models.DateTimeField(_("detected"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-detected_at"]
        verbose_name = _("gaming case")
        verbose_name_plural = _("gaming cases")
        indexes = [models.Index(fields=["status", "-detected_at"], name="gaming_case_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.summary}"
