"""The library in the Wagtail admin: what needs the brand team's attention (solutions past
or near their re-check date, articles flagged for review) and the feedback customers gave.
For staff (``solutions.permissions.can_view_reports``), checked on each request."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from solutions import permissions
from solutions.models import Feedback, Solution, SolutionArticle

SOON = datetime.timedelta(days=14)
ROWS = 200


class StaffMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return permissions.can_view_reports(request.user)


class LibraryReviewView(WagtailAdminTemplateMixin, TemplateView):
    page_title = gettext_lazy("Solution library")
    header_icon = "doc-full-inverse"
    template_name = "solutions/admin/review.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not permissions.can_view_reports(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        context.update(
            recheck=Solution.objects.filter(review_by__lte=today + SOON)
            .select_related("thread", "thread__category", "verified_by")
            .order_by("review_by")[:ROWS],
            articles=SolutionArticle.objects.filter(needs_review=True).order_by(
                "-latest_revision_created_at"
            )[:ROWS],
            least_helpful=Solution.objects.filter(helpful_no__gt=0)
            .select_related("thread")
            .order_by(F("helpful_yes") - F("helpful_no"), "-helpful_no")[:20],
            feedback=Feedback.objects.exclude(comment="")
            .select_related("solution__thread", "article")
            .order_by("-created_at")[:50],
            today=today,
        )
        return context


class LibraryViewSet(ViewSet):
    name = "solutions_review"
    url_prefix = "solutions/review"
    icon = "doc-full-inverse"
    menu_label = gettext_lazy("Solution library")
    menu_order = 260
    add_to_admin_menu = True
    menu_item_class = StaffMenuItem

    def get_urlpatterns(self):
        return [path("", LibraryReviewView.as_view(), name="index")]


@hooks.register("register_admin_viewset")
def register_library_admin() -> ViewSet:
    return LibraryViewSet()
