"""Reputation in the Wagtail admin: point rules, the trust ladder and the ledger.

A "Reputation" submenu holds the pages. Other modules add theirs with the submenu's hook
(``MENU_HOOK``): a function registered under it returns a ``wagtail.admin.menu.MenuItem``
(its ``is_shown`` asks the permission), or a viewset sets ``menu_hook = MENU_HOOK``.
The submenu shows only when one of its items is shown.

- Point rules (``reputation.change_pointrule``): a Wagtail model viewset over the fixed
  rows of the data migration; nobody adds or deletes one.
- Trust levels (``reputation.change_trustlevel``): the five rows in one form, checked as a
  ladder. Saving drops the cached ladder and works every member's level out again in the
  background (the ``post_save`` receiver of ``TrustLevel``).
- Ledger (``reputation.view_ledgerentry`` to read; ``reputation.add_ledgerentry`` to
  adjust a member's reputation or reverse an entry, through ``reputation.services``).

Every view checks its permission on GET and POST; Wagtail checks admin access first.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import log
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from accounts.models import User
from reputation import services
from reputation.forms import (
    AdjustForm,
    LedgerFilterForm,
    PointRuleForm,
    ReverseForm,
    TrustLevelFormSet,
)
from reputation.models import LedgerEntry, Level, PointRule, Reason, TrustLevel

MENU_HOOK = "register_reputation_menu_item"
RULES_PERMISSION = "reputation.change_pointrule"
LEVELS_PERMISSION = "reputation.change_trustlevel"
LEDGER_VIEW_PERMISSION = "reputation.view_ledgerentry"
LEDGER_CHANGE_PERMISSION = "reputation.add_ledgerentry"
LEDGER_PAGE_SIZE = 50


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


class PermissionMenuItem(MenuItem):
    """A menu item shown only to those holding ``permission``."""

    permission = ""

    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(self.permission)


def _menu_item_class(permission: str) -> type[MenuItem]:
    return type("ReputationMenuItem", (PermissionMenuItem,), {"permission": permission})


# --- Point rules: the fixed rows of the data migration, points editable.


class FixedRowsPermissionPolicy(ModelPermissionPolicy):
    """Rows come from a data migration: nobody adds or deletes one, superusers neither."""

    def user_has_permission(self, user, action: str) -> bool:
        if action in ("add", "delete"):
            return False
        return super().user_has_permission(user, action)


register_permission_policy(PointRule, FixedRowsPermissionPolicy(PointRule))
register_permission_policy(TrustLevel, FixedRowsPermissionPolicy(TrustLevel))


class PointRuleIndexView(IndexView):
    page_subtitle = ""

    def get_base_queryset(self):
        # Staff adjustments carry their own points; their rule row is never used.
        return super().get_base_queryset().exclude(reason=Reason.STAFF_ADJUSTMENT)


class PointRuleViewSet(ModelViewSet):
    model = PointRule
    name = "reputation_rules"
    url_prefix = "reputation/rules"
    icon = "sliders"
    menu_label = gettext_lazy("Point rules")
    menu_order = 100
    index_view_class = PointRuleIndexView
    copy_view_enabled = False
    inspect_view_enabled = False
    add_to_reference_index = False
    list_display = [
        "reason",
        Column("pk", label=gettext_lazy("Dotted reason")),
        Column("points", label=gettext_lazy("Points")),
    ]

    def get_form_class(self, for_update: bool = False):
        return PointRuleForm

    def get_urlpatterns(self):
        # No add, copy or delete pages: the rules are a fixed set.
        return [
            pattern
            for pattern in super().get_urlpatterns()
            if pattern.name not in ("add", "delete")
        ]


# --- Trust levels: the ladder in one form.


class TrustLevelsView(WagtailAdminTemplateMixin, TemplateView):
    page_title = gettext_lazy("Trust levels")
    header_icon = "group"
    template_name = "reputation/admin/levels.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        _require(request, LEVELS_PERMISSION)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context.setdefault("formset", TrustLevelFormSet(queryset=_ladder()))
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        formset = TrustLevelFormSet(request.POST, queryset=_ladder())
        if not formset.is_valid():
            messages.error(request, _("The trust levels were not saved: see the errors below."))
            return self.render_to_response(self.get_context_data(formset=formset))
        with transaction.atomic():
            # Registered before the saves, so it runs before their events are dispatched:
            # a page that cached the old ladder meanwhile cannot feed the recomputation.
            transaction.on_commit(services.forget_trust_levels)
            # Each changed row's post_save drops the cache and asks for the recomputation.
            saved = formset.save()
            for level in saved:
                log(instance=level, action="wagtail.edit", user=request.user)
        if saved:
            messages.success(
                request,
                _(
                    "Trust levels saved. Every member's level is being worked out again in "
                    "the background."
                ),
            )
        else:
            messages.info(request, _("Nothing changed."))
        return redirect("reputation_levels:index")


def _ladder():
    return TrustLevel.objects.order_by("level")


class TrustLevelsViewSet(ViewSet):
    name = "reputation_levels"
    url_prefix = "reputation/levels"
    icon = "group"
    menu_label = gettext_lazy("Trust levels")
    menu_order = 200
    menu_item_class = _menu_item_class(LEVELS_PERMISSION)

    def get_urlpatterns(self):
        return [path("", TrustLevelsView.as_view(), name="index")]


# --- The ledger.


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class LedgerView(WagtailAdminTemplateMixin, TemplateView):
    """Every ledger entry, newest first, filtered by member, reason and date.

    A fixed number of queries per page: the member (when filtered), their ledger's sum,
    the count and the page's rows with the accounts, reversal and case they name.
    """

    page_title = gettext_lazy("Reputation ledger")
    header_icon = "list-ul"
    template_name = "reputation/admin/ledger.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        _require(request, LEDGER_VIEW_PERMISSION)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        form = LedgerFilterForm(self.request.GET)
        entries = LedgerEntry.objects.select_related("member", "actor", "reversed_by", "case")
        member = None
        member_missing = False
        if form.is_valid():
            filters = form.cleaned_data
            if filters["member"]:
                member = User.objects.filter(username__iexact=filters["member"].strip()).first()
                member_missing = member is None
                entries = entries.filter(member=member) if member else entries.none()
            if filters["reason"]:
                entries = entries.filter(reason=filters["reason"])
            if filters["since"]:
                entries = entries.filter(created_at__gte=_day_start(filters["since"]))
            if filters["until"]:
                next_day = filters["until"] + datetime.timedelta(days=1)
                entries = entries.filter(created_at__lt=_day_start(next_day))
        else:
            entries = entries.none()
        page = Paginator(entries.order_by("-created_at", "-pk"), LEDGER_PAGE_SIZE).get_page(
            self.request.GET.get("p")
        )
        ledger_sum = None
        if member is not None:
            ledger_sum = (
                LedgerEntry.objects.filter(member=member).aggregate(total=Sum("points"))["total"]
                or 0
            )
        context.update(
            form=form,
            page=page,
            entries=page.object_list,
            member=member,
            member_level=Level(member.trust_level).label if member else "",
            member_missing=member_missing,
            ledger_sum=ledger_sum,
            can_change=self.request.user.has_perm(LEDGER_CHANGE_PERMISSION),
            adjust_url=_adjust_url(member),
        )
        return context


def _adjust_url(member: User | None) -> str:
    url = reverse("reputation_ledger:adjust")
    return f"{url}?{urlencode({'member': member.username})}" if member else url


def _member_ledger_url(member: User) -> str:
    return f"{reverse('reputation_ledger:index')}?{urlencode({'member': member.username})}"


class AdjustView(WagtailAdminTemplateMixin, TemplateView):
    page_title = gettext_lazy("Adjust reputation")
    header_icon = "edit"
    template_name = "reputation/admin/ledger_adjust.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        _require(request, LEDGER_CHANGE_PERMISSION)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context.setdefault(
            "form", AdjustForm(initial={"member": self.request.GET.get("member", "")})
        )
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = AdjustForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        member = form.cleaned_data["member"]
        entry = services.adjust(
            member,
            points=form.cleaned_data["points"],
            actor=request.user,
            note=form.cleaned_data["note"],
        )
        messages.success(
            request,
            _("%(points)+d points recorded for %(username)s.")
            % {"points": entry.points, "username": member.username},
        )
        return redirect(_member_ledger_url(member))


class ReverseView(WagtailAdminTemplateMixin, TemplateView):
    page_title = gettext_lazy("Reverse a ledger entry")
    header_icon = "resubmit"
    template_name = "reputation/admin/ledger_reverse.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        _require(request, LEDGER_CHANGE_PERMISSION)
        self.entry = get_object_or_404(
            LedgerEntry.objects.select_related("member", "actor", "reversed_by", "reverses"),
            pk=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)

    @property
    def is_standing(self) -> bool:
        return not self.entry.is_reversal and not hasattr(self.entry, "reversed_by")

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ReverseForm())
        context.update(entry=self.entry, is_standing=self.is_standing)
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = ReverseForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        reversal = services.reverse_entry(
            self.entry, actor=request.user, note=form.cleaned_data["note"]
        )
        if reversal is None:
            messages.warning(request, _("That entry was already undone: nothing changed."))
        else:
            messages.success(
                request,
                _("Entry %(entry)s reversed: %(points)+d points for %(username)s.")
                % {
                    "entry": self.entry.pk,
                    "points": reversal.points,
                    "username": self.entry.member.username,
                },
            )
        return redirect(_member_ledger_url(self.entry.member))


class LedgerViewSet(ViewSet):
    name = "reputation_ledger"
    url_prefix = "reputation/ledger"
    icon = "list-ul"
    menu_label = gettext_lazy("Ledger")
    menu_order = 300
    menu_item_class = _menu_item_class(LEDGER_VIEW_PERMISSION)

    def get_urlpatterns(self):
        return [
            path("", LedgerView.as_view(), name="index"),
            path("adjust/", AdjustView.as_view(), name="adjust"),
            path("<int:pk>/reverse/", ReverseView.as_view(), name="reverse"),
        ]


class ReputationViewSetGroup(ViewSetGroup):
    menu_label = gettext_lazy("Reputation")
    menu_icon = "success"
    menu_name = "reputation"
    menu_order = 250
    submenu_hook = MENU_HOOK
    items = (PointRuleViewSet, TrustLevelsViewSet, LedgerViewSet)


@hooks.register("register_admin_viewset")
def register_reputation_admin() -> ViewSetGroup:
    return ReputationViewSetGroup()


@hooks.register("register_permissions")
def register_permissions():
    """The ladder's and the ledger's permissions, grantable in Wagtail's group editor
    (the point rules' come with their viewset)."""
    return Permission.objects.filter(
        content_type__app_label="reputation",
        codename__in=["change_trustlevel", "view_ledgerentry", "add_ledgerentry"],
    )
