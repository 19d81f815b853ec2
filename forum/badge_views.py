"""Badge pages: the catalogue (``/badges/``) and one badge with its holders (``/badges/<code>/``).

Both name products (the "Helpful in ..." awards), so both pass through the viewer's
product visibility: an award for a product the viewer may not see is neither counted nor
listed. Each page costs a fixed number of queries whatever the number of holders.
"""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from forum import badges as forum_badges
from reputation import badges
from reputation.models import BadgeAward

HOLDERS_PER_PAGE = 30


def _standing_awards():
    """Awards that show: not revoked, held by an active member."""
    return BadgeAward.objects.filter(revoked_at__isnull=True, member__is_active=True)


@require_GET
def badge_list(request: HttpRequest) -> HttpResponse:
    """Every badge, by tier, with how many members hold it (as far as the viewer sees)."""
    allowed = forum_badges.visible_scopes(request.user)
    counts = dict(
        _standing_awards()
        .filter(Q(scope="") | Q(scope__in=allowed))
        .values("badge")
        .annotate(holders=Count("member", distinct=True))
        .values_list("badge", "holders")
    )
    order = {badges.Tier.GOLD: 0, badges.Tier.SILVER: 1, badges.Tier.BRONZE: 2}
    catalogue = sorted(badges.CATALOGUE.values(), key=lambda badge: order[badge.tier])
    context = {"badges": [(badge, counts.get(badge.code, 0)) for badge in catalogue]}
    return render(request, "forum/badges/badge_list.html", context)


@require_GET
def badge_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One badge: what earns it and who holds it, newest first, paginated.

    For a per-product badge, ``?product=<id>`` lists only the holders for that product
    (one the viewer may see).
    """
    badge = badges.get_badge(code)
    if badge is None:
        raise Http404
    holders = _standing_awards().filter(badge=badge.code)
    product = ""
    if badge.per_product:
        allowed = forum_badges.visible_scopes(request.user)
        product = request.GET.get("product", "")
        if product and product in allowed:
            holders = holders.filter(scope=product)
        else:
            product = ""
            holders = holders.filter(scope__in=allowed)
    holders = (
        holders.select_related("member")
        .prefetch_related("member__groups")
        .order_by("-awarded_at", "-pk")
    )
    page = Paginator(holders, HOLDERS_PER_PAGE).get_page(request.GET.get("page"))
    titles = (
        forum_badges.product_titles({award.scope for award in page}) if badge.per_product else {}
    )
    context = {
        "badge": badge,
        "page_obj": page,
        "holders": [(award, titles.get(award.scope, "")) for award in page],
        "product_title": forum_badges.product_titles({product}).get(product, "") if product else "",
        "list_query": urlencode({"product": product}) if product else "",
    }
    return render(request, "forum/badges/badge_detail.html", context)
