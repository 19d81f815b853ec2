"""Thread lists for the home, category and tag pages: filter, sort, paginate.

Every list costs a fixed number of queries, whatever its length (see ``for_list``).
"""

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from forum import permissions
from forum.models import CategoryPage, Tag, Thread, ThreadQuerySet

SORTS = {
    "activity": ("-last_activity_at", "-pk"),
    "newest": ("-created_at", "-pk"),
    "votes": ("-vote_count", "-last_activity_at", "-pk"),
}


class ThreadListForm(forms.Form):
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("activity", _("Latest activity")),
            ("newest", _("Newest")),
            ("votes", _("Most people affected")),
        ],
    )
    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("all", _("All")),
            ("unanswered", _("Unanswered")),
            ("open", _("Open")),
            ("solved", _("Solved")),
        ],
    )

    def clean_sort(self) -> str:
        return self.cleaned_data["sort"] or "activity"

    def clean_show(self) -> str:
        return self.cleaned_data["show"] or "all"


def _filtered(queryset: ThreadQuerySet, show: str) -> ThreadQuerySet:
    if show == "unanswered":
        return queryset.unanswered()
    if show == "open":
        return queryset.open()
    if show == "solved":
        return queryset.solved()
    return queryset


SHOWS = ("all", "unanswered", "open", "solved")


def list_params(request: HttpRequest) -> tuple[str, str]:
    """The sort and filter a list understands, from the query string; defaults otherwise.

    A plain lookup rather than the form: every kept list page asks it on every hit.
    """
    sort = request.GET.get("sort") or "activity"
    show = request.GET.get("show") or "all"
    return (sort if sort in SORTS else "activity", show if show in SHOWS else "all")


def thread_list(
    request: HttpRequest, queryset: ThreadQuerySet, *, pinned_first: bool = False
) -> dict:
    """Context for one paginated, filtered, sorted list of *queryset*'s visible threads.

    Built only from the parameters a list understands (``list_params`` and the page
    number), so the page is the same for every query string that means the same.
    """
    sort, show = list_params(request)
    form = ThreadListForm(initial={"sort": sort, "show": show})
    ordering = SORTS[sort]
    if pinned_first:
        ordering = ("-is_pinned", *ordering)
    visible = permissions.visible_threads(request.user, queryset, include_own_pending=False)
    threads = _filtered(visible, show).order_by(*ordering).for_list()
    page = Paginator(threads, settings.FORUM_THREADS_PER_PAGE).get_page(request.GET.get("page"))
    query = {
        key: value
        for key, value in (("sort", sort), ("show", show))
        if value != "activity" and value != "all"
    }
    requested = request.GET.get("page", "1")
    # Lists kept in the page cache only under their own page number (not ?page=999).
    request.forum_list_canonical = requested.isdigit() and int(requested) == page.number
    return {
        "page_obj": page,
        "threads": page.object_list,
        "list_form": form,
        "sort": sort,
        "show": show,
        "list_query": urlencode(query),
    }


HOME_UNANSWERED_LENGTH = 5


def home_context(request: HttpRequest) -> dict:
    """All products' threads (sortable, filterable, paginated) and the newest unanswered."""
    visible = permissions.visible_threads(
        request.user, Thread.objects.all(), include_own_pending=False
    )
    unanswered = visible.unanswered().for_list().order_by("-created_at", "-pk")
    product_ids = permissions.visible_category_ids(request.user)
    return {
        "products": list(CategoryPage.objects.filter(pk__in=product_ids).order_by("title")),
        "unanswered_threads": unanswered[:HOME_UNANSWERED_LENGTH],
        **thread_list(request, Thread.objects.all()),
    }


def category_context(request: HttpRequest, category: CategoryPage) -> dict:
    return thread_list(request, Thread.objects.in_category(category), pinned_first=True)


def tag_context(request: HttpRequest, tag: Tag) -> dict:
    return thread_list(request, Thread.objects.with_tag(tag))
