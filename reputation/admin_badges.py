"""Badges in the Wagtail admin: the list of awards, and staff awarding and revoking.

Staff with ``reputation.view_badgeaward`` see every award (filtered by badge and member);
with ``reputation.add_badgeaward`` they award one, with ``reputation.change_badgeaward``
they revoke one, each with a reason. Every view checks its permission, GET and POST
alike; the change itself is ``reputation.badges.award_badge`` / ``revoke_badge``, which
check it again.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from accounts.models import User
from reputation import badges
from reputation.models import BadgeAward

LIST_LENGTH = 50
REASON_MAX_LENGTH = 300


def _badge_label(badge: badges.Badge) -> str:
    if badge.per_product:
        return _("%(name)s (per product)") % {"name": badge.name}
    return str(badge.name)


class AwardForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Member (username)"), max_length=150)
    badge = forms.ChoiceField(label=gettext_lazy("Badge"))
    product = forms.ChoiceField(
        label=gettext_lazy("Product"),
        required=False,
        help_text=gettext_lazy("Only for badges held once per product."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["badge"].choices = [
            (badge.code, _badge_label(badge)) for badge in badges.CATALOGUE.values()
        ]
        self.fields["product"].choices = [("", "---------")] + [
            (str(pk), title) for pk, title in badges.products()
        ]

    def clean_username(self) -> User:
        username = self.cleaned_data["username"].strip()
        member = User.objects.filter(username__iexact=username).first()
        if member is None:
            raise forms.ValidationError(_("No member has this username."))
        return member

    def clean(self) -> dict:
        cleaned = super().clean()
        badge = badges.get_badge(cleaned.get("badge", ""))
        product = cleaned.get("product") or ""
        if badge is not None:
            if badge.per_product and not product:
                self.add_error("product", _("This badge is held once per product: pick one."))
            if not badge.per_product and product:
                self.add_error("product", _("This badge is held once: leave the product empty."))
        return cleaned


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is it revoked?"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _product_names() -> dict[str, str]:
    return {str(pk): title for pk, title in badges.products()}


def award_label(award: BadgeAward, product_names: dict[str, str]) -> str:
    """The award's badge name, with its product when it is held for one."""
    badge = badges.get_badge(award.badge)
    if badge is None:
        return award.badge
    return badge.name_for(product_names.get(award.scope, award.scope))


class BadgeAwardIndexView(WagtailAdminTemplateMixin, TemplateView):
    page_title = gettext_lazy("Badges")
    header_icon = "circle-check"
    template_name = "reputation/badge_awards.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.has_perm(badges.VIEW_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        awards = BadgeAward.objects.select_related("member", "awarded_by", "revoked_by").order_by(
            "-awarded_at", "-pk"
        )
        badge = self.request.GET.get("badge", "")
        if badge in badges.CATALOGUE:
            awards = awards.filter(badge=badge)
        else:
            badge = ""
        member = self.request.GET.get("member", "").strip()
        if member:
            awards = awards.filter(member__username__icontains=member)
        page = Paginator(awards, LIST_LENGTH).get_page(self.request.GET.get("page"))
        names = _product_names() if any(award.scope for award in page) else {}
        user = self.request.user
        query = urlencode(
            {key: value for key, value in (("badge", badge), ("member", member)) if value}
        )
        context.update(
            awards=[(award, award_label(award, names)) for award in page],
            page_obj=page,
            badge_choices=[(b.code, _badge_label(b)) for b in badges.CATALOGUE.values()],
            chosen_badge=badge,
            member_query=member,
            list_query=query,
            can_award=user.has_perm(badges.AWARD_PERMISSION),
            can_revoke=user.has_perm(badges.REVOKE_PERMISSION),
        )
        return context


class AwardView(WagtailAdminTemplateMixin, FormView):
    page_title = gettext_lazy("Award a badge")
    header_icon = "circle-check"
    template_name = "wagtailadmin/generic/form.html"
    form_class = AwardForm

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not badges.can_award_badges(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self) -> dict:
        return {
            key: self.request.GET[key]
            for key in ("username", "badge", "product")
            if key in self.request.GET
        }

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context.update(
            action_url=reverse("reputation_badges_award"),
            submit_button_label=_("Award"),
            submit_button_active_label=_("Awarding…"),
        )
        return context

    def form_valid(self, form: AwardForm) -> HttpResponse:
        member = form.cleaned_data["username"]
        try:
            award = badges.award_badge(
                member,
                form.cleaned_data["badge"],
                scope=form.cleaned_data["product"] or "",
                actor=self.request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        badge = badges.get_badge(form.cleaned_data["badge"])
        label = badge.name_for(_product_names().get(form.cleaned_data["product"] or ""))
        values = {"badge": label, "member": member.username}
        if award is None:
            messages.warning(self.request, _("%(member)s already holds %(badge)s.") % values)
        else:
            messages.success(self.request, _("%(badge)s awarded to %(member)s.") % values)
        return redirect("reputation_badges")


class RevokeView(WagtailAdminTemplateMixin, FormView):
    page_title = gettext_lazy("Revoke a badge")
    header_icon = "circle-check"
    template_name = "wagtailadmin/generic/form.html"
    form_class = RevokeForm

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not badges.can_revoke_badges(request.user):
            raise PermissionDenied
        self.award = get_object_or_404(
            BadgeAward.objects.select_related("member"), pk=kwargs["award_id"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self) -> str:
        label = award_label(self.award, _product_names() if self.award.scope else {})
        return _("%(badge)s held by %(member)s") % {
            "badge": label,
            "member": self.award.member.username,
        }

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context.update(
            action_url=reverse("reputation_badges_revoke", args=[self.award.pk]),
            submit_button_label=_("Revoke"),
            submit_button_active_label=_("Revoking…"),
        )
        return context

    def form_valid(self, form: RevokeForm) -> HttpResponse:
        revoked = badges.revoke_badge(
            self.award, actor=self.request.user, reason=form.cleaned_data["reason"]
        )
        if revoked:
            messages.success(self.request, _("The badge was revoked."))
        else:
            messages.warning(self.request, _("The badge had already been revoked."))
        return redirect("reputation_badges")


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path("badges/", BadgeAwardIndexView.as_view(), name="reputation_badges"),
        path("badges/award/", AwardView.as_view(), name="reputation_badges_award"),
        path(
            "badges/<int:award_id>/revoke/",
            RevokeView.as_view(),
            name="reputation_badges_revoke",
        ),
    ]


class BadgesMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(badges.VIEW_PERMISSION)


@hooks.register("register_admin_menu_item")
def register_badges_menu_item():
    return BadgesMenuItem(
        gettext_lazy("Badges"),
        reverse_lazy("reputation_badges"),
        name="reputation-badges",
        icon_name="circle-check",
        order=650,
    )


@hooks.register("register_permissions")
def register_permissions():
    return Permission.objects.filter(
        content_type__app_label="reputation",
        codename__in=["view_badgeaward", "add_badgeaward", "change_badgeaward"],
    )
