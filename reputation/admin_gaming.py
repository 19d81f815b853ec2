"""Gaming cases in the Wagtail admin: the list, a case with its evidence, and the decision.

Staff holding ``reputation.change_gamingcase`` (administrators and brand representatives)
see the cases the detector opened, open ones first, and reverse or dismiss each with a
note. Every view checks the permission, GET and POST alike (Wagtail checks admin access
first); the decision itself is ``reputation.gaming.reverse_case`` / ``dismiss_case``.
The menu item sits in the "Reputation" submenu.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse, reverse_lazy
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from accounts.models import User
from reputation import gaming
from reputation.models import Cause, GamingCase, LedgerEntry, Reason

LIST_LENGTH = 50
# The Reputation submenu's own hook (see reputation.admin_ledger).
REPUTATION_MENU_HOOK = "register_reputation_menu_item"
NOTE_MAX_LENGTH = GamingCase._meta.get_field("decision_note").max_length


def _require(request: HttpRequest) -> None:
    if not gaming.can_decide_cases(request.user):
        raise PermissionDenied


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("reverse", gettext_lazy("Reverse")), ("dismiss", gettext_lazy("Dismiss"))]
    )
    note = forms.CharField(
        label=gettext_lazy("Note (why; kept with the decision)"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[("", gettext_lazy("All kinds")), *GamingCase.Kind.choices],
        required=False,
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("All")), *GamingCase.Status.choices],
        required=False,
    )


class GamingCaseListView(WagtailAdminTemplateMixin, TemplateView):
    """Every case, open ones first, newest first; filtered by kind and status."""

    page_title = gettext_lazy("Gaming cases")
    header_icon = "warning"
    template_name = "reputation/admin/gaming_cases.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        _require(request)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        filters = FilterForm(self.request.GET or None)
        cases = GamingCase.objects.all()
        if filters.is_valid():
            if kind := filters.cleaned_data["kind"]:
                cases = cases.filter(kind=kind)
            if status := filters.cleaned_data["status"]:
                cases = cases.filter(status=status)
        cases = (
            cases.annotate(
                is_open=Case(
                    When(status=GamingCase.Status.OPEN, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            )
            .order_by("is_open", "-detected_at", "-pk")
            .select_related("decided_by")
            .prefetch_related("members")
        )
        page = Paginator(cases, LIST_LENGTH).get_page(self.request.GET.get("p"))
        context.update(
            filters=filters,
            cases=page,
            items=page,
            elided_page_range=page.paginator.get_elided_page_range(page.number),
            open_count=GamingCase.objects.filter(status=GamingCase.Status.OPEN).count(),
        )
        return context


class GamingCaseDetailView(WagtailAdminTemplateMixin, TemplateView):
    """One case: its accounts, each vote with its time and points, and the decision."""

    header_icon = "warning"
    template_name = "reputation/admin/gaming_case.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        _require(request)
        self.case = get_object_or_404(
            GamingCase.objects.select_related("decided_by"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self) -> str:
        return _("Gaming case %(number)d") % {"number": self.case.pk}

    def get_page_subtitle(self) -> str:
        return self.case.get_kind_display()

    def get_breadcrumbs_items(self) -> list[dict]:
        return [
            *self.breadcrumbs_items,
            {"url": reverse("reputation_gaming_cases"), "label": _("Gaming cases")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context.update(case_context(self.case), form=DecisionForm())
        return context


def case_context(case: GamingCase) -> dict:
    """The case's evidence made readable: accounts and votes, in a fixed number of queries."""
    evidence = case.evidence or {}
    votes = evidence.get("votes", [])
    account_ids = {vote["voter"] for vote in votes} | {vote["member"] for vote in votes}
    account_ids |= set(evidence.get("other_accounts", []))
    account_ids |= set(case.members.values_list("pk", flat=True))
    accounts = {
        user.pk: user
        for user in User.objects.filter(pk__in=account_ids).only(
            "pk", "username", "display_name", "date_joined", "signup_ip", "reputation"
        )
    }
    entry_ids = [vote["entry"] for vote in votes]
    undone = dict(
        LedgerEntry.objects.filter(reverses_id__in=entry_ids).values_list("reverses_id", "cause")
    )
    causes = dict(Cause.choices)
    reasons = dict(Reason.choices)
    rows = [
        {
            **vote,
            "at": parse_datetime(vote["at"]),
            "voter_account": accounts.get(vote["voter"]),
            "member_account": accounts.get(vote["member"]),
            "reason_label": reasons.get(vote["reason"], vote["reason"]),
            "undone": causes.get(undone[vote["entry"]]) if vote["entry"] in undone else None,
        }
        for vote in votes
    ]
    involved = sorted(
        {vote["voter"] for vote in votes}
        | {vote["member"] for vote in votes}
        | set(evidence.get("accounts", [])),
    )
    return {
        "case": case,
        "is_open": case.status == GamingCase.Status.OPEN,
        "accounts": [accounts[pk] for pk in involved if pk in accounts],
        "other_accounts": [
            accounts[pk] for pk in evidence.get("other_accounts", []) if pk in accounts
        ],
        "accounts_sharing": evidence.get("accounts_sharing"),
        "shared_ip": evidence.get("ip"),
        "votes": rows,
        "standing_points": sum(abs(row["points"]) for row in rows if not row["undone"]),
    }


@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Reverse or dismiss a case, with the note the form carries."""
    _require(request)
    case = get_object_or_404(GamingCase, pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("reputation_gaming_case", pk=case.pk)
    note = form.cleaned_data["note"]
    if form.cleaned_data["decision"] == "reverse":
        done = gaming.reverse_case(case, actor=request.user, note=note)
        success = _("The case was reversed: its votes' points were taken back.")
    else:
        done = gaming.dismiss_case(case, actor=request.user, note=note)
        success = _("The case was dismissed; its points stay.")
    if done:
        messages.success(request, success)
    else:
        messages.warning(request, _("The case had already been decided."))
    return redirect("reputation_gaming_case", pk=case.pk)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path("gaming-cases/", GamingCaseListView.as_view(), name="reputation_gaming_cases"),
        path(
            "gaming-cases/<int:pk>/",
            GamingCaseDetailView.as_view(),
            name="reputation_gaming_case",
        ),
        path("gaming-cases/<int:pk>/decide/", decide, name="reputation_gaming_case_decide"),
    ]


class GamingCasesMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return gaming.can_decide_cases(request.user)


@hooks.register(REPUTATION_MENU_HOOK)
def register_gaming_menu_item():
    return GamingCasesMenuItem(
        gettext_lazy("Gaming cases"),
        reverse_lazy("reputation_gaming_cases"),
        name="reputation-gaming-cases",
        icon_name="warning",
        order=400,
    )


@hooks.register("register_permissions")
def register_permissions():
    return Permission.objects.filter(
        content_type__app_label="reputation",
        codename__in=["view_gamingcase", "change_gamingcase"],
    )
