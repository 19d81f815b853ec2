"""The solution library: every solved thread as a solution (accepted by the asker, or
verified by a brand representative with the product versions it applies to and a date
to re-check it), curated articles promoted from solved threads (Wagtail pages published
through Wagtail's workflow), and "Did this solve your problem?" feedback."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from forum import permissions
from forum.models import CategoryPage, Post, Thread

VERSIONS_MAX_LENGTH = 200
FEEDBACK_COMMENT_MAX_LENGTH = 500


class Solution(models.Model):
    """A solved thread's entry in the library. Exists exactly while the thread has an
    accepted answer (kept in step by ``solutions.receivers``)."""

    class Tier(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted by the asker")
        VERIFIED = "verified", _("Verified by the brand team")

    thread = models.OneToOneField(Thread, on_delete=models.CASCADE, related_name="+")
    answer = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    tier = models.CharField(max_length=10, choices=Tier.choices, default=Tier.ACCEPTED)
    accepted_at = models.DateTimeField()
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    versions = models.CharField(
        _("product versions"),
        max_length=VERSIONS_MAX_LENGTH,
        blank=True,
        help_text=_("The versions it applies to, separated by commas, e.g. 2.1, 2.2."),
    )
    review_by = models.DateField(_("re-check by"), null=True, blank=True)
    # Set by the periodic job once review_by has passed; cleared by verifying again.
    outdated_since = models.DateField(null=True, blank=True)
    helpful_yes = models.PositiveIntegerField(default=0)
    helpful_no = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("solution")
        verbose_name_plural = _("solutions")
        indexes = [
            models.Index(fields=["-accepted_at"], name="solution_accepted"),
            models.Index(fields=["review_by"], name="solution_review_by"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(tier="accepted") | Q(verified_at__isnull=False),
                name="solution_verified_has_date",
            )
        ]

    def __str__(self) -> str:
        return f"Solution of thread {self.thread_id}"

    @property
    def is_verified(self) -> bool:
        return self.tier == self.Tier.VERIFIED

    @property
    def version_list(self) -> list[str]:
        return [v.strip() for v in self.versions.split(",") if v.strip()]


class ArticleIndexPage(Page):
    """The curated articles' parent page: the library's articles at /library/<slug>/."""

    intro = models.TextField(_("introduction"), blank=True, max_length=1000)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["forum.HomePage"]
    subpage_types = ["solutions.SolutionArticle"]
    max_count = 1
    template = "solutions/article_index_page.html"

    class Meta:
        verbose_name = _("article library")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["articles"] = (
            SolutionArticle.objects.child_of(self).live().public().order_by("-first_published_at")
        )
        return context


class SolutionArticle(Page):
    """A curated article promoted from a solved thread: drafted from its question and
    accepted answer, edited and published through Wagtail's workflow. Flagged for review
    when the thread's accepted answer changes."""

    thread = models.ForeignKey(
        Thread, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    product = models.ForeignKey(
        CategoryPage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    problem = RichTextField(_("the problem"))
    solution = RichTextField(_("the solution"))
    versions = models.CharField(_("product versions"), max_length=VERSIONS_MAX_LENGTH, blank=True)
    needs_review = models.BooleanField(_("needs review"), default=False)
    review_reason = models.CharField(_("why it needs review"), max_length=300, blank=True)
    helpful_yes = models.PositiveIntegerField(default=0, editable=False)
    helpful_no = models.PositiveIntegerField(default=0, editable=False)

    content_panels = [
        *Page.content_panels,
        FieldPanel("product"),
        FieldPanel("versions"),
        FieldPanel("problem"),
        FieldPanel("solution"),
        MultiFieldPanel(
            [FieldPanel("needs_review"), FieldPanel("review_reason")], heading=_("Review")
        ),
    ]
    parent_page_types = ["solutions.ArticleIndexPage"]
    subpage_types: list[str] = []
    template = "solutions/solution_article.html"

    class Meta:
        verbose_name = _("curated article")
        verbose_name_plural = _("curated articles")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        thread = None
        if self.thread_id:
            thread = permissions.visible_threads(
                request.user, Thread.objects.filter(pk=self.thread_id), include_own_pending=False
            ).first()
        context["source_thread"] = thread
        return context


class Feedback(models.Model):
    """One answer to "Did this solve your problem?" on a solution or an article."""

    solution = models.ForeignKey(
        Solution, on_delete=models.CASCADE, null=True, blank=True, related_name="feedback"
    )
    article = models.ForeignKey(
        SolutionArticle, on_delete=models.CASCADE, null=True, blank=True, related_name="feedback"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Visitors answer too: one answer per browser session and item.
    session_key = models.CharField(max_length=64, blank=True)
    helpful = models.BooleanField()
    comment = models.CharField(_("comment"), max_length=FEEDBACK_COMMENT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.CheckConstraint(
                condition=Q(solution__isnull=False, article__isnull=True)
                | Q(solution__isnull=True, article__isnull=False),
                name="feedback_one_item",
            ),
            models.UniqueConstraint(
                fields=["solution", "member"],
                condition=Q(member__isnull=False, solution__isnull=False),
                name="feedback_solution_member_once",
            ),
            models.UniqueConstraint(
                fields=["article", "member"],
                condition=Q(member__isnull=False, article__isnull=False),
                name="feedback_article_member_once",
            ),
            models.UniqueConstraint(
                fields=["solution", "session_key"],
                condition=Q(member__isnull=True, solution__isnull=False),
                name="feedback_solution_session_once",
            ),
            models.UniqueConstraint(
                fields=["article", "session_key"],
                condition=Q(member__isnull=True, article__isnull=False),
                name="feedback_article_session_once",
            ),
        ]
        indexes = [models.Index(fields=["-created_at"], name="feedback_created")]

    def __str__(self) -> str:
        return f"{'yes' if self.helpful else 'no'}: {self.comment[:40]}"
