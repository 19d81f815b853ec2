"""Search in the Wagtail admin: the content-gap report (with a CSV export), the index's
health with the deflection figures, and the synonyms staff edit, in one "Search" submenu.
Every view checks ``search.permissions`` on each request."""

import csv
import datetime

from django import forms
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from forum.models import CategoryPage
from search import permissions, reports, status
from search.models import Synonym

PERIODS = [
    (7, gettext_lazy("Last 7 days")),
    (30, gettext_lazy("Last 30 days")),
    (90, gettext_lazy("Last 90 days")),
]


class StaffMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return permissions.can_view_reports(request.user)


class _StaffView(WagtailAdminTemplateMixin, TemplateView):
    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        permissions.check_view_reports(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]


class GapFilterForm(forms.Form):
    days = forms.TypedChoiceField(
        label=gettext_lazy("Period"), choices=PERIODS, coerce=int, required=False
    )
    product = forms.ChoiceField(label=gettext_lazy("Product"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [
            ("", gettext_lazy("All products")),
            *(
                (str(pk), title)
                for pk, title in CategoryPage.objects.order_by("title").values_list("pk", "title")
            ),
        ]


def _gap_filters(request: HttpRequest) -> tuple[GapFilterForm, int, int | None]:
    form = GapFilterForm(request.GET or None)
    days, product_id = 30, None
    if form.is_valid():
        days = form.cleaned_data["days"] or 30
        product_id = int(form.cleaned_data["product"]) if form.cleaned_data["product"] else None
    return form, days, product_id


class ContentGapsView(_StaffView):
    """What customers searched for and did not find."""

    page_title = gettext_lazy("Content gaps")
    header_icon = "search"
    template_name = "search/admin/gaps.html"

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.GET.get("format") == "csv":
            return _gaps_csv(request)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        form, days, product_id = _gap_filters(self.request)
        query = self.request.GET.copy()
        query["format"] = "csv"
        context.update(
            filters=form,
            rows=list(reports.gaps(days=days, product_id=product_id)),
            csv_query=query.urlencode(),
        )
        return context


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_safe(text: str) -> str:
    """A spreadsheet runs cells that start with = + - @: quote them as text."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _gaps_csv(request: HttpRequest) -> StreamingHttpResponse:
    _form, days, product_id = _gap_filters(request)
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(
            ["query", "product", "searches", "no_results", "no_click", "last_searched"]
        )
        for row in reports.gaps(days=days, product_id=product_id):
            yield writer.writerow(
                [
                    _csv_safe(row["normalised"]),
                    _csv_safe(row["product__title"] or ""),
                    row["searches"],
                    row["no_results"],
                    row["no_click"],
                    row["last_searched"].isoformat(),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="content-gaps.csv"'
    return response


class IndexStatusView(_StaffView):
    """The index's health (documents, waiting updates, failures) and deflection."""

    page_title = gettext_lazy("Search status")
    header_icon = "cogs"
    template_name = "search/admin/status.html"

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        context.update(
            status=status.current(),
            deflection_7=reports.deflection(since=now - datetime.timedelta(days=7)),
            deflection_30=reports.deflection(since=now - datetime.timedelta(days=30)),
        )
        return context


class ContentGapsViewSet(ViewSet):
    name = "search_gaps"
    url_prefix = "search/gaps"
    icon = "search"
    menu_label = gettext_lazy("Content gaps")
    menu_order = 100
    menu_item_class = StaffMenuItem

    def get_urlpatterns(self):
        return [path("", ContentGapsView.as_view(), name="index")]


class IndexStatusViewSet(ViewSet):
    name = "search_status"
    url_prefix = "search/status"
    icon = "cogs"
    menu_label = gettext_lazy("Status and deflection")
    menu_order = 300
    menu_item_class = StaffMenuItem

    def get_urlpatterns(self):
        return [path("", IndexStatusView.as_view(), name="index")]


class SynonymViewSet(ModelViewSet):
    model = Synonym
    name = "search_synonyms"
    url_prefix = "search/synonyms"
    icon = "list-ul"
    menu_label = gettext_lazy("Synonyms")
    menu_order = 200
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = False
    form_fields = ["terms", "product"]
    list_display = ["terms", "product"]


class SearchViewSetGroup(ViewSetGroup):
    menu_label = gettext_lazy("Search")
    menu_icon = "search"
    menu_name = "search"
    menu_order = 250
    items = (ContentGapsViewSet, SynonymViewSet, IndexStatusViewSet)


@hooks.register("register_admin_viewset")
def register_search_admin() -> ViewSetGroup:
    return SearchViewSetGroup()
