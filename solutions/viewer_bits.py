"""The library's per-viewer bit of the forum's thread page (``forum.slots``): on a solved
thread, its solution's tier, versions and review state, and its curated article, in one
query (none on an unsolved thread)."""

from functools import cache

from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _

from forum import slots
from forum.viewer_bits import Viewer
from solutions.models import Solution, SolutionArticle


@cache
def _labels(language: str) -> dict[str, str]:
    return {
        "verified": escape(_("Verified solution")),
        "accepted": escape(_("In the solution library")),
        "outdated": escape(_("May be outdated")),
        "versions": escape(_("Versions: %(versions)s")),
        "article": escape(_("Read the curated article")),
        "solution": escape(_("See the solution")),
    }


@slots.filler("thread-library")
def fill_library(viewer: Viewer) -> str:
    thread = viewer.thread
    if thread is None or thread.accepted_answer_id is None:
        return ""
    article = SolutionArticle.objects.filter(thread_id=OuterRef("thread_id"), live=True)
    row = (
        Solution.objects.filter(thread_id=thread.pk)
        .annotate(article_path=Subquery(article.values("url_path")[:1]))
        .values("tier", "versions", "outdated_since", "article_path")
        .first()
    )
    if row is None:
        return ""
    labels = _labels(viewer.language)
    verified = row["tier"] == Solution.Tier.VERIFIED
    tier = labels["verified"] if verified else labels["accepted"]
    parts = [f'<span class="mark mark-solved">{tier}</span>']
    if row["outdated_since"]:
        parts.append(f'<span class="mark mark-pinned">{labels["outdated"]}</span>')
    if row["versions"]:
        parts.append(f"<span>{labels['versions'] % {'versions': escape(row['versions'])}}</span>")
    detail = reverse("solutions:detail", args=[thread.pk])
    parts.append(f'<a href="{escape(detail)}">{labels["solution"]}</a>')
    if row["article_path"]:
        # A page's url_path starts with the site's root page: the URL is what follows it.
        within_site = row["article_path"].strip("/").split("/", 1)[-1] + "/"
        url = reverse("cached_page", args=[within_site])
        parts.append(f'<a href="{escape(url)}">{labels["article"]}</a>')
    return f'<p class="library-note">{" · ".join(parts)}</p>'
