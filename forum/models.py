"""Threads, posts, comments, votes, revisions and tags.

A thread's question and its answers are both ``Post`` rows (``kind`` tells them apart),
so votes, comments and edit history have one shape for both. Counters are stored and
changed only with ``F()`` expressions in ``forum.services``.
"""

import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from forum.pages import CategoryIndexPage, CategoryPage, HomePage

__all__ = [
    "CategoryIndexPage",
    "CategoryPage",
    "Comment",
    "HomePage",
    "Post",
    "PostRevision",
    "SuggestedEdit",
    "Tag",
    "Thread",
    "Visibility",
    "Vote",
]

TITLE_MIN_LENGTH = 10
TITLE_MAX_LENGTH = 150
BODY_MIN_LENGTH = 20
BODY_MAX_LENGTH = 20_000
COMMENT_MAX_LENGTH = 600
TAG_MAX_LENGTH = 30
MAX_TAGS = 5
# A moderator's reason shown to customers (lock, close, edit).
MODERATION_REASON_MAX_LENGTH = 300


class Visibility(models.TextChoices):
    """Who may see a thread, a post or a comment (``forum.permissions.visible_*``)."""

    PUBLISHED = "published", _("published")
    PENDING = "pending", _("waiting for review")
    HIDDEN = "hidden", _("hidden by a moderator")
    DELETED = "deleted", _("deleted")


class HasVisibility:
    """What a ``state`` says, for the models and for the permission rules' stand-ins."""

    state: str

    @property
    def is_deleted(self) -> bool:
        return self.state == Visibility.DELETED

    @property
    def is_published(self) -> bool:
        return self.state == Visibility.PUBLISHED


def _state_field() -> models.CharField:
    return models.CharField(
        _("state"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLISHED
    )


def normalize_tag_name(name: str) -> str:
    """A tag's identity: compatibility-normalised (NFKC), case-folded, trimmed, inner
    whitespace as one space. "C#", "c#" and a full-width "c#" are one tag; "c#", "c++" and
    "c" are three."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return " ".join(folded.split())


# Characters that tell tags apart but that a slug would drop ("c#", "c++" and "c").
_SLUG_WORDS = str.maketrans({"#": " sharp ", "+": " plus "})
TAG_SLUG_MAX_LENGTH = TAG_MAX_LENGTH + 10


def tag_slug_base(name: str) -> str:
    """The slug a tag named *name* gets when it is made, before any "-2" for uniqueness."""
    slug = slugify(name.translate(_SLUG_WORDS), allow_unicode=True)
    return slug[: TAG_SLUG_MAX_LENGTH - 4].strip("-") or "tag"


class Tag(models.Model):
    """A topic threads are filed under, identified by its normalised ``name``.

    The slug (the tag page's URL) is derived from the name once, when the tag is made
    (``forum.services``), made unique with "-2", "-3"... and never changes.
    """

    name = models.CharField(_("name"), max_length=TAG_MAX_LENGTH, unique=True)
    slug = models.SlugField(
        _("slug"), max_length=TAG_SLUG_MAX_LENGTH, unique=True, allow_unicode=True, editable=False
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="tag_name_not_empty"),
            models.CheckConstraint(condition=~Q(slug=""), name="tag_slug_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("forum:tag", kwargs={"slug": self.slug})


class ThreadQuerySet(models.QuerySet):
    def open(self) -> "ThreadQuerySet":
        return self.filter(accepted_answer__isnull=True)

    def solved(self) -> "ThreadQuerySet":
        return self.filter(accepted_answer__isnull=False)

    def unanswered(self) -> "ThreadQuerySet":
        return self.filter(answer_count=0)

    def in_category(self, category: CategoryPage) -> "ThreadQuerySet":
        return self.filter(category=category)

    def with_tag(self, tag: Tag) -> "ThreadQuerySet":
        return self.filter(tags=tag)

    def for_list(self) -> "ThreadQuerySet":
        """What a list row shows, fetched in a fixed number of queries."""
        return self.select_related("author", "category").prefetch_related("tags", "author__groups")


class Thread(HasVisibility, models.Model):
    """A customer's question about a product and everything said under it."""

    category = models.ForeignKey(
        CategoryPage, on_delete=models.PROTECT, related_name="threads", verbose_name=_("product")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="threads"
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    slug = models.SlugField(max_length=TITLE_MAX_LENGTH, allow_unicode=True)
    excerpt = models.CharField(max_length=300, blank=True)
    tags = models.ManyToManyField(Tag, related_name="threads", blank=True)

    accepted_answer = models.ForeignKey(
        "Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_locked = models.BooleanField(_("locked"), default=False)
    locked_at = models.DateTimeField(null=True, blank=True)
    # Who locked it and why, shown on the thread (``moderation.services``).
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lock_reason = models.CharField(
        _("why it is locked"), max_length=MODERATION_REASON_MAX_LENGTH, blank=True
    )
    # Closed as a duplicate of another thread (which lists its duplicates): who, when, why.
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    close_reason = models.CharField(max_length=MODERATION_REASON_MAX_LENGTH, blank=True)
    is_pinned = models.BooleanField(_("pinned"), default=False)
    # The language the question was asked in (the asker's language then): search analyses
    # the thread's text with that language's stemmer and offers it as a facet.
    language = models.CharField(_("language"), max_length=8, default="en")
    state = _state_field()

    answer_count = models.PositiveIntegerField(default=0)
    # Published comments on the question by members other than the asker: like answers,
    # they are replies, and keep the asker from deleting the question under them.
    others_comment_count = models.PositiveIntegerField(default=0)
    vote_count = models.IntegerField(default=0, help_text="'I have this problem too' votes")
    first_answer_at = models.DateTimeField(null=True, blank=True)
    staff_answered_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField()

    objects = ThreadQuerySet.as_manager()

    class Meta:
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        # Lists filter on the state (forum.permissions.visible_threads) and sort: each sort
        # has an index led by the state, so a page of 20 is read in order, not sorted.
        indexes = [
            models.Index(
                fields=["category", "state", "-is_pinned", "-last_activity_at"],
                name="thread_category_activity",
            ),
            models.Index(fields=["state", "-last_activity_at"], name="thread_state_activity"),
            models.Index(fields=["state", "-created_at"], name="thread_created"),
            models.Index(fields=["state", "-vote_count"], name="thread_votes"),
            models.Index(fields=["author", "-created_at"], name="thread_author_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=Visibility.values), name="thread_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("forum:thread", kwargs={"pk": self.pk, "slug": self.slug or "-"})

    @property
    def is_solved(self) -> bool:
        return self.accepted_answer_id is not None

    @property
    def has_staff_answer(self) -> bool:
        return self.staff_answered_at is not None

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of_id is not None


class PostQuerySet(models.QuerySet):
    def answers(self) -> "PostQuerySet":
        return self.filter(kind=Post.Kind.ANSWER)

    def questions(self) -> "PostQuerySet":
        return self.filter(kind=Post.Kind.QUESTION)


class Post(HasVisibility, models.Model):
    """The question of a thread, or one answer to it."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("question")
        ANSWER = "answer", _("answer")

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts"
    )
    body_markdown = models.TextField(_("body"), max_length=BODY_MAX_LENGTH)
    body_html = models.TextField(editable=False)
    score = models.IntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    edit_count = models.PositiveIntegerField(default=0)
    state = _state_field()
    # Bumped by every change to what the post's block shows (text, comments, state), so
    # the block's cached HTML is keyed by it (forum.fragments).
    version = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # The form's one-time key: a double submit finds the post the first submit made.
    submission_key = models.UUIDField(null=True, blank=True, editable=False)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [
            models.UniqueConstraint(
                fields=["thread"], condition=Q(kind="question"), name="post_one_question_per_thread"
            ),
            models.UniqueConstraint(
                fields=["author", "submission_key"], name="post_unique_submission"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["question", "answer"]), name="post_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=Visibility.values), name="post_state_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["thread", "kind", "created_at"], name="post_thread_kind"),
            models.Index(fields=["author", "kind", "-created_at"], name="post_author_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} in thread {self.thread_id}"

    def get_absolute_url(self) -> str:
        url = reverse(
            "forum:thread", kwargs={"pk": self.thread_id, "slug": self.thread.slug or "-"}
        )
        return url if self.is_question else f"{url}#post-{self.pk}"

    @property
    def is_question(self) -> bool:
        return self.kind == self.Kind.QUESTION


REDACTION_REASON_MAX_LENGTH = 200


class PostRevision(models.Model):
    """The text a post had before one of its edits, oldest first.

    Only the post's author and moderators see it (``forum.permissions``). A moderator can
    redact one (a password pasted by mistake): its text is removed for good, and who did
    it, when and why are kept in its place.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=TITLE_MAX_LENGTH, blank=True)
    body_markdown = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    redacted_at = models.DateTimeField(null=True, blank=True)
    redacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    redaction_reason = models.CharField(max_length=REDACTION_REASON_MAX_LENGTH, blank=True)
    # Why the edit was made, when a moderator changed someone else's post.
    reason = models.CharField(max_length=MODERATION_REASON_MAX_LENGTH, blank=True)
    # For an edit suggested by another member (``editor``): who approved it.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(redacted_at__isnull=True) | Q(title="", body_markdown=""),
                name="revision_redacted_has_no_text",
            ),
        ]

    def __str__(self) -> str:
        return f"revision of post {self.post_id} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_redacted(self) -> bool:
        return self.redacted_at is not None


class Comment(HasVisibility, models.Model):
    """A short clarification under the question or an answer."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    body_markdown = models.TextField(_("comment"), max_length=COMMENT_MAX_LENGTH)
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    state = _state_field()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["post", "created_at"], name="comment_post_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=Visibility.values), name="comment_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on post {self.post_id}"

    @property
    def thread(self) -> Thread:
        return self.post.thread


class Vote(models.Model):
    """One person's vote on one post: +1 or -1 on answers, +1 ("me too") on questions."""

    UP = 1
    DOWN = -1

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="votes"
    )
    value = models.SmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "voter"], name="vote_one_per_person_per_post"),
            models.CheckConstraint(condition=Q(value__in=[1, -1]), name="vote_value_up_or_down"),
        ]

    def __str__(self) -> str:
        return f"{self.value:+d} on post {self.post_id} by user {self.voter_id}"


class SuggestedEdit(models.Model):
    """A change to someone else's post proposed by a member who may not edit it directly.

    Reviewed by the post's author or a moderator (``forum.permissions``): approving applies
    it through ``forum.services.edit_post`` (the revision names the suggester as the editor
    and the reviewer as the approver), rejecting keeps it with an optional note. ``base_*``
    hold the post as it was when the suggestion was made, so a reviewer learns whether the
    post changed since. At most one suggestion per member per post waits at a time.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for review")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="suggested_edits")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suggested_edits"
    )
    title = models.CharField(_("proposed title"), max_length=TITLE_MAX_LENGTH, blank=True)
    body_markdown = models.TextField(_("proposed text"), max_length=BODY_MAX_LENGTH)
    # Proposed tag names (normalised), for questions; [] for answers.
    tags = models.JSONField(_("proposed tags"), default=list, blank=True)
    base_version = models.PositiveIntegerField(_("post version it was based on"))
    base_title = models.CharField(max_length=TITLE_MAX_LENGTH, blank=True)
    base_body_markdown = models.TextField(blank=True)
    base_tags = models.JSONField(default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=500, blank=True)
    # The earlier version the approved edit left in the post's history.
    revision = models.OneToOneField(
        PostRevision, on_delete=models.SET_NULL, null=True, blank=True, related_name="suggestion"
    )
    created_at = models.DateTimeField(_("suggested"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("suggested edit")
        verbose_name_plural = _("suggested edits")
        constraints = [
            models.UniqueConstraint(
                fields=["post", "author"],
                condition=Q(status="pending"),
                name="suggested_edit_one_pending_per_member",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected"]),
                name="suggested_edit_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(reviewed_at__isnull=False),
                name="suggested_edit_reviewed_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["post", "status"], name="suggested_edit_post_status"),
        ]

    def __str__(self) -> str:
        return f"suggested edit {self.pk} of post {self.post_id} by user {self.author_id}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
