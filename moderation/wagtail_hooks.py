"""Moderation in the Wagtail admin: the review queue, the audit log, who moderates what,
and the lists administrators edit (flag reasons, canned replies, screening rules, blocked
domains, queue targets, settings), in one "Moderation" submenu.

The queue and the audit log are for moderators (``accounts.moderate_community``), each
seeing the products they moderate; "Moderators" is for administrators. Every view checks
on GET and POST alike (Wagtail checks admin access first); every decision is a
``moderation.services`` call.
"""

import csv
import datetime
from collections import defaultdict

from django import forms
from django.contrib import messages
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from accounts.models import User
from forum.models import CategoryPage
from moderation import permissions, services
from moderation.models import (
    AuditEntry,
    BlockedDomain,
    CannedReply,
    Flag,
    FlagReason,
    ModerationSettings,
    ProductQueueTarget,
    ReviewItem,
    ScreeningRule,
)

MENU_HOOK = "register_moderation_menu_item"
QUEUE_PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 100
AGES = {"1h": 1, "24h": 24, "7d": 24 * 7}


class ModeratorMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return permissions.can_work_queue(request.user)


class AdministratorMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return permissions.can_manage_moderators(request.user)


class _ModeratorView(WagtailAdminTemplateMixin, TemplateView):
    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not permissions.can_work_queue(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]


def _products(user: User) -> list[CategoryPage]:
    products = CategoryPage.objects.order_by("title")
    if not user.is_administrator and user.moderated_product_ids:
        products = products.filter(pk__in=user.moderated_product_ids)
    return list(products)


# --- The review queue -------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=ReviewItem.Status.choices, required=False
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[("", gettext_lazy("All kinds")), *ReviewItem.Kind.choices],
        required=False,
    )
    reason = forms.ChoiceField(label=gettext_lazy("Flag reason"), required=False)
    product = forms.ChoiceField(label=gettext_lazy("Product"), required=False)
    age = forms.ChoiceField(
        label=gettext_lazy("Waiting"),
        choices=[
            ("", gettext_lazy("Any time")),
            ("1h", gettext_lazy("Over an hour")),
            ("24h", gettext_lazy("Over a day")),
            ("7d", gettext_lazy("Over a week")),
        ],
        required=False,
    )
    flagger = forms.CharField(label=gettext_lazy("Flagged by"), max_length=150, required=False)

    def __init__(self, *args, products: list[CategoryPage], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [
            ("", _("Any reason")),
            *((reason.code, reason.display_label) for reason in FlagReason.objects.all()),
        ]
        self.fields["product"].choices = [
            ("", _("All products")),
            *((str(product.pk), product.title) for product in products),
        ]


def _queue_targets() -> tuple[int, dict[int, int]]:
    """The community's queue target in hours, and each product's own."""
    row = ModerationSettings.objects.first()
    default = row.queue_target_hours if row else 24
    return default, dict(ProductQueueTarget.objects.values_list("category_id", "hours"))


class QueueView(_ModeratorView):
    """The items the moderator may work, highest score first (flag weight and age),
    with filters; the page costs the same queries whatever it holds."""

    page_title = gettext_lazy("Review queue")
    header_icon = "warning"
    template_name = "moderation/admin/queue.html"

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        products = _products(user)
        filters = QueueFilterForm(self.request.GET or None, products=products)
        items = permissions.visible_items(user, ReviewItem.objects.all())
        status = ReviewItem.Status.OPEN
        if filters.is_valid():
            data = filters.cleaned_data
            status = data["status"] or status
            if data["kind"]:
                items = items.filter(kind=data["kind"])
            if data["reason"]:
                items = items.filter(flags__reason__code=data["reason"]).distinct()
            if data["product"]:
                items = items.filter(category_id=int(data["product"]))
            if data["age"]:
                since = timezone.now() - datetime.timedelta(hours=AGES[data["age"]])
                items = items.filter(created_at__lt=since)
            if data["flagger"]:
                items = items.filter(flags__flagger__username=data["flagger"]).distinct()
        items = items.filter(status=status)
        order = ("-rank", "pk") if status == ReviewItem.Status.OPEN else ("-resolved_at", "-pk")
        items = (
            items.order_by(*order)
            .select_related(
                "post",
                "post__thread",
                "comment",
                "member",
                "category",
                "claimed_by",
                "resolved_by",
            )
            .prefetch_related(
                "member__groups",
                Prefetch(
                    "flags",
                    queryset=Flag.objects.select_related("reason", "flagger").order_by(
                        "created_at"
                    ),
                ),
            )
        )
        page = Paginator(items, QUEUE_PAGE_SIZE).get_page(self.request.GET.get("p"))
        now = timezone.now()
        default_target, targets = _queue_targets()
        for item in page:
            item.score = services.queue_score(item, now)
            item.waited = now - item.created_at
            target = targets.get(item.category_id, default_target)
            item.target_hours = target
            item.is_overdue = item.is_open and item.waited > datetime.timedelta(hours=target)
            item.claim_is_live = permissions.claim_is_live(item)
            item.claimed_by_me = item.claim_is_live and item.claimed_by_id == user.pk
            item.can_decide = permissions.can_decide(user, item)
            item.target = item.comment or item.post
            reasons = defaultdict(int)
            for flag in item.flags.all():
                reasons[flag.reason.display_label] += 1
            item.flag_reasons = sorted(reasons.items())
            item.can_sanction = permissions.can_sanction(user, item.member)
        context.update(
            filters=filters,
            items=page,
            page_obj=page,
            status=status,
            elided_page_range=page.paginator.get_elided_page_range(page.number),
            durations=[
                ("1", _("1 day")),
                ("7", _("7 days")),
                ("30", _("30 days")),
                ("", _("Until lifted")),
            ],
        )
        return context


DECISIONS = {
    "claim": gettext_lazy("You are working on this item."),
    "release": gettext_lazy("The item is back in the queue."),
    "approve": gettext_lazy("Approved."),
    "reject": gettext_lazy("Rejected and removed."),
    "hide": gettext_lazy("Hidden."),
    "delete": gettext_lazy("Removed."),
    "dismiss": gettext_lazy("Flags dismissed: the post stays as it is."),
    "warn": gettext_lazy("The author is warned."),
    "suspend": gettext_lazy("The author is suspended."),
}


def _decide(item: ReviewItem, decision: str, moderator: User, note: str, days: str) -> None:
    """One queue decision: the matching ``moderation.services`` call, given the item."""
    post, comment = item.post, item.comment
    if post is None and decision not in ("claim", "release", "dismiss", "warn", "suspend"):
        raise PermissionDenied(_("An account under watch can be let go, warned or suspended."))
    if decision == "claim":
        services.claim_item(item, moderator=moderator)
    elif decision == "release":
        services.release_item(item, moderator=moderator)
    elif decision == "approve" and (comment or post).state == "pending":
        services.approve_post(post, moderator=moderator, comment=comment, note=note, item=item)
    elif decision in ("approve", "dismiss"):
        services.dismiss_item(item, moderator=moderator, note=note)
    elif decision == "reject":
        services.reject_post(post, moderator=moderator, comment=comment, note=note, item=item)
    elif decision == "hide" and comment is None:
        services.hide_post(post, moderator=moderator, reason=note, item=item)
    elif decision in ("delete", "hide"):
        services.delete_post(post, moderator=moderator, comment=comment, reason=note, item=item)
    elif decision == "warn":
        message = note or _("Please keep to the community's rules.")
        services.warn_member(item.member, moderator=moderator, message=message, item=item)
    elif decision == "suspend":
        until = timezone.now() + datetime.timedelta(days=int(days)) if days.isdigit() else None
        reason = note or _("Breaking the community's rules.")
        services.suspend_member(
            item.member, moderator=moderator, reason=reason, until=until, item=item
        )
    else:
        raise PermissionDenied(_("Unknown decision."))


class DecideView(_ModeratorView):
    """POST a decision on one item (one click; an optional note), then back to the queue."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int, decision: str) -> HttpResponse:
        item = get_object_or_404(
            permissions.visible_items(request.user, ReviewItem.objects.all()).select_related(
                "post", "post__thread", "comment", "member", "claimed_by"
            ),
            pk=pk,
        )
        note = request.POST.get("note", "")
        try:
            _decide(item, decision, request.user, note, request.POST.get("days", ""))
        except (PermissionDenied, ValidationError) as exc:
            text = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, text or _("You cannot do that."))
        else:
            messages.success(request, str(DECISIONS.get(decision, "")))
        back = request.POST.get("next", "")
        if back.startswith(reverse("moderation_queue:index")):
            return redirect(back)
        return redirect("moderation_queue:index")


class QueueViewSet(ViewSet):
    name = "moderation_queue"
    url_prefix = "moderation/queue"
    icon = "warning"
    menu_label = gettext_lazy("Review queue")
    menu_order = 100
    menu_item_class = ModeratorMenuItem

    def get_urlpatterns(self):
        return [
            path("", QueueView.as_view(), name="index"),
            path("<int:pk>/<slug:decision>/", DecideView.as_view(), name="decide"),
        ]


# --- The audit log ----------------------------------------------------------------------


class AuditFilterForm(forms.Form):
    action = forms.CharField(
        label=gettext_lazy("Action starts with"), max_length=60, required=False
    )
    actor = forms.CharField(label=gettext_lazy("By (username)"), max_length=150, required=False)
    member = forms.CharField(
        label=gettext_lazy("Member (username)"), max_length=150, required=False
    )
    product = forms.ChoiceField(label=gettext_lazy("Product"), required=False)
    since = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, products: list[CategoryPage], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [
            ("", _("All products")),
            *((str(product.pk), product.title) for product in products),
        ]


def _audit_entries(request: HttpRequest, filters: AuditFilterForm):
    user = request.user
    entries = AuditEntry.objects.all()
    if not user.is_administrator and user.moderated_product_ids:
        entries = entries.filter(
            Q(category_id__in=user.moderated_product_ids) | Q(category_id__isnull=True)
        )
    if filters.is_valid():
        data = filters.cleaned_data
        if data["action"]:
            entries = entries.filter(action__startswith=data["action"])
        if data["actor"]:
            entries = entries.filter(actor__username=data["actor"])
        if data["member"]:
            entries = entries.filter(member__username=data["member"])
        if data["product"]:
            entries = entries.filter(category_id=int(data["product"]))
        if data["since"]:
            entries = entries.filter(created_at__date__gte=data["since"])
        if data["until"]:
            entries = entries.filter(created_at__date__lte=data["until"])
    return entries.select_related("actor", "member").order_by("-created_at", "-pk")


class AuditView(_ModeratorView):
    page_title = gettext_lazy("Audit log")
    header_icon = "history"
    template_name = "moderation/admin/audit.html"

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.GET.get("format") == "csv":
            return _audit_csv(request)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        products = _products(self.request.user)
        filters = AuditFilterForm(self.request.GET or None, products=products)
        page = Paginator(_audit_entries(self.request, filters), AUDIT_PAGE_SIZE).get_page(
            self.request.GET.get("p")
        )
        names = {product.pk: product.title for product in products}
        for entry in page:
            entry.product_title = names.get(entry.category_id, "")
        query = self.request.GET.copy()
        query.pop("p", None)
        query["format"] = "csv"
        context.update(
            filters=filters,
            entries=page,
            page_obj=page,
            csv_query=query.urlencode(),
            elided_page_range=page.paginator.get_elided_page_range(page.number),
        )
        return context


class _Echo:
    def write(self, value: str) -> str:
        return value


def _audit_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Every entry the filters match, as CSV, streamed (no page limit)."""
    filters = AuditFilterForm(request.GET or None, products=_products(request.user))
    entries = _audit_entries(request, filters)
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(
            [
                "when",
                "action",
                "by",
                "member",
                "product_id",
                "thread_id",
                "post_id",
                "comment_id",
                "on",
                "why",
                "before",
                "after",
            ]
        )
        for entry in entries.iterator(chunk_size=1000):
            yield writer.writerow(
                [
                    entry.created_at.isoformat(),
                    entry.action,
                    _csv_safe(entry.actor.username if entry.actor else ""),
                    _csv_safe(entry.member.username if entry.member else ""),
                    entry.category_id or "",
                    entry.thread_id or "",
                    entry.post_id or "",
                    entry.comment_id or "",
                    _csv_safe(entry.target),
                    _csv_safe(entry.reason),
                    _csv_safe(str(entry.before or "")),
                    _csv_safe(str(entry.after or "")),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="moderation-audit.csv"'
    return response


def _csv_safe(text: str) -> str:
    """A spreadsheet runs cells that start with = + - @: quote them as text."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class AuditViewSet(ViewSet):
    name = "moderation_audit"
    url_prefix = "moderation/audit"
    icon = "history"
    menu_label = gettext_lazy("Audit log")
    menu_order = 200
    menu_item_class = ModeratorMenuItem

    def get_urlpatterns(self):
        return [path("", AuditView.as_view(), name="index")]


# --- Who moderates what -------------------------------------------------------------------


class ScopeForm(forms.Form):
    products = forms.MultipleChoiceField(
        label=gettext_lazy("Products (none: every product)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(label=gettext_lazy("Why"), max_length=300, required=False)

    def __init__(self, *args, products: list[CategoryPage], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["products"].choices = [(str(p.pk), p.title) for p in products]


class ModeratorsView(WagtailAdminTemplateMixin, TemplateView):
    """Members holding the moderation permission and the products each moderates."""

    page_title = gettext_lazy("Moderators")
    header_icon = "group"
    template_name = "moderation/admin/moderators.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not permissions.can_manage_moderators(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        products = list(CategoryPage.objects.order_by("title"))
        names = {product.pk: product.title for product in products}
        moderators = list(
            User.objects.filter(
                Q(is_superuser=True)
                | Q(
                    groups__permissions__codename="moderate_community",
                    groups__permissions__content_type__app_label="accounts",
                )
            )
            .distinct()
            .prefetch_related("groups")
            .order_by("username")
        )
        for moderator in moderators:
            moderator.scope_titles = [
                names.get(pk, f"#{pk}") for pk in moderator.moderated_product_ids
            ]
            moderator.scope_form = ScopeForm(
                initial={"products": [str(pk) for pk in moderator.moderated_product_ids]},
                products=products,
                prefix=f"m{moderator.pk}",
            )
        context["moderators"] = moderators
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        member = get_object_or_404(User, pk=request.POST.get("member") or 0)
        products = list(CategoryPage.objects.order_by("title"))
        form = ScopeForm(request.POST, products=products, prefix=f"m{member.pk}")
        if form.is_valid():
            try:
                services.set_moderated_products(
                    member,
                    administrator=request.user,
                    category_ids=[int(pk) for pk in form.cleaned_data["products"]],
                    reason=form.cleaned_data["reason"],
                )
            except PermissionDenied as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Saved."))
        else:
            messages.error(request, _("Please choose products from the list."))
        return redirect("moderation_moderators:index")


class ModeratorsViewSet(ViewSet):
    name = "moderation_moderators"
    url_prefix = "moderation/moderators"
    icon = "group"
    menu_label = gettext_lazy("Moderators")
    menu_order = 300
    menu_item_class = AdministratorMenuItem

    def get_urlpatterns(self):
        return [path("", ModeratorsView.as_view(), name="index")]


# --- The lists administrators (and, for canned replies, brand representatives) edit ------


class FlagReasonViewSet(ModelViewSet):
    model = FlagReason
    name = "moderation_flag_reasons"
    url_prefix = "moderation/flag-reasons"
    icon = "warning"
    menu_label = gettext_lazy("Flag reasons")
    menu_order = 400
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = False
    form_fields = [
        "label",
        "code",
        "description",
        "needs_text",
        "needs_thread",
        "extra_weight",
        "is_active",
        "sort_order",
    ]
    list_display = ["label", "code", "is_active", "sort_order"]


class CannedReplyViewSet(ModelViewSet):
    model = CannedReply
    name = "moderation_canned_replies"
    url_prefix = "moderation/canned-replies"
    icon = "doc-full"
    menu_label = gettext_lazy("Canned replies")
    menu_order = 500
    add_to_reference_index = False
    copy_view_enabled = True
    inspect_view_enabled = False
    form_fields = ["title", "body", "is_active"]
    list_display = ["title", "is_active"]


class ScreeningRuleViewSet(ModelViewSet):
    model = ScreeningRule
    name = "moderation_screening_rules"
    url_prefix = "moderation/screening-rules"
    icon = "search"
    menu_label = gettext_lazy("Screening rules")
    menu_order = 600
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = False
    form_fields = ["pattern", "is_regex", "note", "is_active"]
    list_display = ["pattern", "is_regex", "note", "is_active"]


class BlockedDomainViewSet(ModelViewSet):
    model = BlockedDomain
    name = "moderation_blocked_domains"
    url_prefix = "moderation/blocked-domains"
    icon = "link"
    menu_label = gettext_lazy("Blocked domains")
    menu_order = 700
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = False
    form_fields = ["domain", "note"]
    list_display = ["domain", "note", "created_at"]


class ProductQueueTargetViewSet(ModelViewSet):
    model = ProductQueueTarget
    name = "moderation_queue_targets"
    url_prefix = "moderation/queue-targets"
    icon = "time"
    menu_label = gettext_lazy("Queue targets")
    menu_order = 800
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = False
    form_fields = ["category", "hours"]
    list_display = ["category", "hours"]


class ModerationSettingsViewSet(ModelViewSet):
    model = ModerationSettings
    name = "moderation_settings"
    url_prefix = "moderation/settings"
    icon = "cog"
    menu_label = gettext_lazy("Moderation settings")
    menu_order = 900
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = False
    form_fields = ["premoderate_new_members", "max_links", "queue_target_hours"]
    list_display = ["__str__", "premoderate_new_members", "max_links", "queue_target_hours"]

    def get_urlpatterns(self):
        # One row, made by the migration: nothing to add or delete.
        return [p for p in super().get_urlpatterns() if p.name not in ("add", "delete")]


class ModerationViewSetGroup(ViewSetGroup):
    menu_label = gettext_lazy("Moderation")
    menu_icon = "warning"
    menu_name = "moderation"
    menu_order = 240
    submenu_hook = MENU_HOOK
    items = (
        QueueViewSet,
        AuditViewSet,
        ModeratorsViewSet,
        FlagReasonViewSet,
        CannedReplyViewSet,
        ScreeningRuleViewSet,
        BlockedDomainViewSet,
        ProductQueueTargetViewSet,
        ModerationSettingsViewSet,
    )


@hooks.register("register_admin_viewset")
def register_moderation_admin() -> ViewSetGroup:
    return ModerationViewSetGroup()


@hooks.register("register_permissions")
def register_permissions():
    """Moderation as a permission, grantable to any group in Wagtail's group editor."""
    return Permission.objects.filter(
        content_type__app_label="accounts", codename="moderate_community"
    )
