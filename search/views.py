"""The search page, the ask page's live suggestions, type-ahead and the result links
that count clicks and deflections."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from forum import permissions
from forum.models import CategoryPage, Thread
from search import api, asking, services
from search import permissions as search_permissions
from search.backends.base import Filters, Sort, Status
from search.forms import SearchForm
from solutions.models import SolutionArticle

FACET_LABELS = {
    "status": {
        Status.SOLVED.value: gettext_lazy("Solved"),
        Status.OPEN.value: gettext_lazy("Open"),
    },
    "staff": {"yes": gettext_lazy("Staff answered"), "no": gettext_lazy("No staff answer yet")},
}


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    text = data.get("q") or ""
    # A product the viewer may not see (or none at all) narrows nothing.
    product_id = data.get("product")
    if product_id not in permissions.visible_category_ids(request.user):
        product_id = None
    filters = Filters(
        product_ids=(product_id,) if product_id else (),
        tags=(data["tag"],) if data.get("tag") else (),
        status=data.get("status") or "",
        staff_answered={"yes": True, "no": False}.get(data.get("staff") or ""),
        language=data.get("language") or "",
    )
    sort = Sort(data.get("sort") or Sort.RELEVANCE)
    page = data.get("page") or 1
    context = {"form": form, "query": text, "filters": filters, "sort": sort.value}
    if text and "q" not in form.errors:
        results = api.search(
            text,
            user=request.user,
            filters=filters,
            sort=sort,
            page=page,
            language=get_language(),
        )
        log = None
        if page == 1:
            log = services.log_search(
                text,
                results=results.total,
                product_id=product_id,
                language=get_language(),
            )
        context.update(
            results=results,
            log_id=log.pk if log else 0,
            facets=_facets(request, results, filters),
            sorts=_sorts(request, sort),
            pages=_pages(request, page, results.total),
            ask_url=f"{reverse('forum:ask')}?{urlencode({'title': text})}",
            staff_notice=results.fell_back and search_permissions.can_view_reports(request.user),
        )
    return render(request, "search/search.html", context)


def _with(request: HttpRequest, **changes) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    if "page" not in changes:  # a new narrowing starts at its first page
        params.pop("page", None)
    return "?" + params.urlencode()


def _facets(request: HttpRequest, results, filters: Filters) -> list[dict]:
    """The facets as the page shows them: labelled, each value a link that narrows (or,
    when chosen, widens again)."""
    product_ids = [int(value.value) for value in results.facets.get("product", [])]
    titles = dict(CategoryPage.objects.filter(pk__in=product_ids).values_list("pk", "title"))
    languages = dict(settings.LANGUAGES)
    chosen = {
        "product": str(filters.product_ids[0]) if filters.product_ids else "",
        "tag": filters.tags[0] if filters.tags else "",
        "status": filters.status,
        "staff": {True: "yes", False: "no"}.get(filters.staff_answered, ""),
        "language": filters.language,
    }
    names = {
        "product": _("Product"),
        "status": _("Status"),
        "staff": _("Staff"),
        "tag": _("Tag"),
        "language": _("Language"),
    }
    shown = []
    for key in ("product", "status", "staff", "tag", "language"):
        values = []
        for value in results.facets.get(key, []):
            label = {
                "product": titles.get(int(value.value), "") if key == "product" else "",
                "language": languages.get(value.value, value.value),
                "tag": value.label,
            }.get(key) or FACET_LABELS.get(key, {}).get(value.value, value.value)
            selected = chosen[key] == value.value
            values.append(
                {
                    "label": label,
                    "count": value.count,
                    "selected": selected,
                    "url": _with(request, **{key: "" if selected else value.value}),
                }
            )
        if values:
            shown.append({"key": key, "name": names[key], "values": values})
    return shown


def _sorts(request: HttpRequest, current: Sort) -> list[dict]:
    labels = {
        Sort.RELEVANCE: _("Best match"),
        Sort.NEWEST: _("Newest"),
        Sort.VOTES: _("Most votes"),
    }
    return [
        {"label": label, "url": _with(request, sort=sort.value), "current": sort == current}
        for sort, label in labels.items()
    ]


def _pages(request: HttpRequest, page: int, total: int) -> dict:
    last = min(api.MAX_PAGE, max(1, -(-total // api.PER_PAGE)))
    return {
        "number": page,
        "last": last,
        "previous": _with(request, page=page - 1) if page > 1 else "",
        "next": _with(request, page=page + 1) if page < last else "",
    }


@require_GET
def open_result(request: HttpRequest, log_id: int, thread_id: int) -> HttpResponse:
    """A result was chosen: count the click (the search was no content gap), then go to
    the thread, if the viewer may see it."""
    thread = permissions.visible_threads(
        request.user, Thread.objects.filter(pk=thread_id), include_own_pending=False
    ).first()
    if thread is None:
        raise Http404
    if log_id:
        services.record_click(log_id)
    return redirect(thread)


@require_GET
def open_article(request: HttpRequest, log_id: int, page_id: int) -> HttpResponse:
    """The same for a curated article (live, public, in a product the viewer may see)."""
    article = (
        SolutionArticle.objects.live()
        .public()
        .filter(pk=page_id, product_id__in=permissions.visible_category_ids(request.user))
        .first()
    )
    if article is None:
        raise Http404
    if log_id:
        services.record_click(log_id)
    return redirect(article.url)


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """Type-ahead under the header's search box: a few titles for what is being typed."""
    text = (request.GET.get("q") or "")[:100]
    hits = api.suggest(text, user=request.user, k=6) if len(text.strip()) >= 2 else []
    return render(request, "search/_suggest.html", {"hits": hits, "query": text})


@login_required
@require_GET
def similar(request: HttpRequest) -> HttpResponse:
    """The ask page's live panel: threads like the question being typed."""
    return HttpResponse(
        asking.live_panel(
            request,
            title=(request.GET.get("title") or "")[:200],
            body=(request.GET.get("body") or "")[:4000],
            category_id=_int(request.GET.get("category")),
        )
    )


@login_required
@require_GET
def choose(request: HttpRequest, thread_id: int) -> HttpResponse:
    """A suggestion offered while asking was opened: count the deflection, then go."""
    thread = permissions.visible_threads(
        request.user, Thread.objects.filter(pk=thread_id), include_own_pending=False
    ).first()
    if thread is None:
        raise Http404
    asking.chosen(request, thread.pk)
    return redirect(thread)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None
