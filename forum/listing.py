"""Thread lists for the home, category and tag pages: filter, sort, paginate.

Every list costs a fixed number of queries, whatever its length (see ``for_list``).
"""

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

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
            ("votes", _("Most votes")),
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


def thread_list(
    request: HttpRequest, queryset: ThreadQuerySet, *, pinned_first: bool = False
) -> dict:
    """Context for one paginated, filtered, sorted list of *queryset*'s visible threads."""
    form = ThreadListForm(request.GET)
    if form.is_valid():
        sort, show = form.cleaned_data["sort"], form.cleaned_data["show"]
    else:  # unknown values fall back to the defaults rather than failing the page
        sort, show = "activity", "all"
        form = ThreadListForm(initial={"sort": sort, "show": show})
    ordering = SORTS[sort]
    if pinned_first:
        ordering = ("-is_pinned", *ordering)
    threads = _filtered(queryset.visible(), show).order_by(*ordering).for_list()
    page = Paginator(threads, settings.FORUM_THREADS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "page_obj": page,
        "threads": page.object_list,
        "list_form": form,
        "sort": sort,
        "show": show,
        "list_query": query.urlencode(),
    }


HOME_UNANSWERED_LENGTH = 5


def home_context(request: HttpRequest) -> dict:
    """All products' threads (sortable, filterable, paginated) and the newest unanswered."""
    unanswered = Thread.objects.visible().unanswered().for_list().order_by("-created_at", "-pk")
    return {
        "products": list(CategoryPage.objects.live().public().order_by("title")),
        "unanswered_threads": unanswered[:HOME_UNANSWERED_LENGTH],
        **thread_list(request, Thread.objects.all()),
    }


def category_context(request: HttpRequest, category: CategoryPage) -> dict:
    return thread_list(request, Thread.objects.in_category(category), pinned_first=True)


def tag_context(request: HttpRequest, tag: Tag) -> dict:
    return thread_list(request, Thread.objects.with_tag(tag))
