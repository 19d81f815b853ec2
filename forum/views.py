"""Forum pages and actions: parse, check, one service call, redirect or render."""

import difflib
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST
from wagtail.views import serve as wagtail_serve

from core import ratelimit
from forum import (
    asking,
    caching,
    drafts,
    fragments,
    listing,
    permissions,
    rendering,
    services,
    structured_data,
    viewer_bits,
)
from forum.forms import AnswerForm, AskForm, CommentForm, EditPostForm, PreviewForm, VoteForm
from forum.models import (
    CategoryPage,
    Comment,
    Post,
    SuggestedEdit,
    Tag,
    Thread,
    Visibility,
    Vote,
    normalize_tag_name,
)

ASK_FIELDS = ["category", "title", "body", "tags", "submission_key"]
WAITING_FOR_REVIEW = gettext_lazy(
    "Thank you! Your post is waiting for review by a moderator: you can see it now, "
    "everyone else will once it is approved."
)


def _visible_thread(request: HttpRequest, pk: int) -> Thread:
    # accepted_by: the accepted answer says whether staff marked it, on every thread page.
    threads = Thread.objects.select_related(
        "category", "accepted_by", "locked_by", "closed_by", "duplicate_of"
    ).prefetch_related("locked_by__groups", "closed_by__groups")
    return get_object_or_404(permissions.visible_threads(request.user, threads), pk=pk)


def _visible_post(request: HttpRequest, pk: int) -> Post:
    posts = Post.objects.select_related("thread", "thread__category", "author")
    return get_object_or_404(permissions.visible_posts(request.user, posts), pk=pk)


def _refused(request: HttpRequest, reason: PermissionDenied, kept_text: str = "") -> HttpResponse:
    """A refused action: say why, in a page that leads back (or a fragment for htmx), with
    the text the member wrote for it, if any, to keep a copy of."""
    if request.htmx:
        return render(request, "forum/includes/_refused.html", {"reason": str(reason)}, status=403)
    if kept_text:
        context = {"exception": str(reason), "kept_text": kept_text}
        return render(request, "403.html", context, status=403)
    raise reason


def _typed_or_kept(request: HttpRequest, draft: str) -> str:
    """The text the member just posted, or the one kept from an earlier refused post."""
    if request.method == "POST":
        return request.POST.get("body", "")
    kept = drafts.get(request, draft)
    return kept["data"].get("body", "") if kept else ""


def _page_audience(user) -> str:
    return "moderator" if user.is_authenticated and user.is_moderator else "public"


def _render_thread_page(
    request: HttpRequest, thread: Thread, content_user, pending_authors: list[int]
) -> caching.Rendered:
    """The thread page as *content_user* sees its posts, with slots for the viewer's bits.

    A fixed number of queries whatever the page holds: the answers' ids and scores, then
    only the blocks missing from the fragment cache, loaded together.
    """
    light = permissions.visible_posts(content_user, Post.objects.filter(thread=thread)).only(
        "pk", "thread_id", "kind", "author_id", "state", "score", "version"
    )
    question = light.filter(kind=Post.Kind.QUESTION).first()
    answers = (
        light.filter(kind=Post.Kind.ANSWER)
        .annotate(
            accepted_first=Case(
                When(pk=thread.accepted_answer_id or 0, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .order_by("accepted_first", "-score", "created_at", "pk")
    )
    page = Paginator(answers, settings.FORUM_ANSWERS_PER_PAGE).get_page(request.GET.get("page"))
    page_posts = [question, *page.object_list] if question else list(page.object_list)
    blocks = fragments.post_blocks(page_posts, thread, content_user)
    duplicates = permissions.visible_threads(
        content_user, Thread.objects.filter(duplicate_of=thread), include_own_pending=False
    ).only("pk", "slug", "title")
    context = {
        "thread": thread,
        "tags": list(thread.tags.all()),
        "duplicates": list(duplicates.order_by("-closed_at")[:20]),
        "question_block": blocks[0] if question and blocks else None,
        "answer_blocks": blocks[1:] if question else blocks,
        "answer_total": page.paginator.count,
        "page_obj": page,
    }
    if page.number == 1:
        context |= structured_data.thread_facts(
            thread,
            question.pk if question and question.is_published else None,
            [post.pk for post in page.object_list if post.is_published],
            page.paginator.count,
        )
    response = render(request, "forum/thread_detail.html", context)
    meta = {
        "thread": viewer_bits.thread_meta(thread),
        "scores": {post.pk: post.score for post in page_posts},
        # Who wrote each post: whether the viewer reviews suggested edits here, no query.
        "authors": {post.pk: post.author_id for post in page_posts},
        "page": page.number,
        "pending_authors": pending_authors,
    }
    return caching.Rendered(response, meta, cacheable=page.number == caching.page_number(request))


def _my_votes(user, meta: dict) -> dict:
    """The viewer's votes in the thread, and for a viewer who reviews suggested edits here
    (a moderator, or the author of a post on the page) how many wait per post: one
    indexed query, written as SQL because it runs on every member's view of a kept page
    and the ORM's compiling would cost more."""
    if not user.is_authenticated or not meta.get("scores"):
        return {}
    thread_id = meta["thread"]["pk"]
    post_table = Post._meta.db_table
    sql = (
        f"SELECT 0, v.post_id, v.value FROM {Vote._meta.db_table} v "  # noqa: S608 (table names)
        f"JOIN {post_table} p ON p.id = v.post_id "
        "WHERE v.voter_id = %s AND p.thread_id = %s"
    )
    params = [user.pk, thread_id]
    reviews = user.is_moderator or user.pk in meta.get("authors", {}).values()
    if reviews:
        # Suggestions of posts that are not published (deleted, hidden) are not actionable.
        sql += (
            f" UNION ALL SELECT 1, s.post_id, COUNT(*) FROM {SuggestedEdit._meta.db_table} s "  # noqa: S608
            f"JOIN {post_table} p ON p.id = s.post_id "
            f"JOIN {Thread._meta.db_table} t ON t.id = p.thread_id "
            "WHERE p.thread_id = %s AND s.status = %s AND p.state = %s AND t.state = %s "
            "AND s.author_id <> %s"
        )
        params += [
            thread_id,
            SuggestedEdit.Status.PENDING,
            Visibility.PUBLISHED,
            Visibility.PUBLISHED,
            user.pk,
        ]
        if not user.is_moderator:
            sql += " AND p.author_id = %s"
            params.append(user.pk)
        sql += " GROUP BY s.post_id"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    bits = {"my_votes": {post_id: value for kind, post_id, value in rows if kind == 0}}
    if reviews:
        bits["waiting_suggestions"] = {post_id: count for kind, post_id, count in rows if kind == 1}
    return bits


def _pending_authors(thread_id: int) -> list[int]:
    """Who wrote content in the thread that only they (and moderators) see for now."""
    posts = Post.objects.filter(thread_id=thread_id, state=Visibility.PENDING)
    comments = Comment.objects.filter(post__thread_id=thread_id, state=Visibility.PENDING)
    authors = (
        posts.order_by()
        .values_list("author_id", flat=True)
        .union(comments.order_by().values_list("author_id", flat=True))
    )
    return sorted(set(authors))


def serve_wagtail_page(request: HttpRequest, path: str = "") -> HttpResponse:
    """Wagtail's pages (home, products, the product index) through the shared page cache.

    Looked up before Wagtail's routing, so a kept page costs no query. A page's key names
    the list version of its path (all threads for the home page, its product's for a
    product page: the receivers drop them by path); private pages are not kept.
    """
    key = None
    if caching.is_cacheable_request(request):
        key = caching.list_key(request, f"wagtail:{path}", caching.wagtail_scope(path))

    def render_page() -> caching.Rendered:
        response = wagtail_serve(request, path)
        page = getattr(request, "forum_served_page", None)
        # Private pages (Wagtail privacy) are served by Wagtail's own checks, never kept.
        keep = page is not None and not page.get_view_restrictions()
        canonical = getattr(request, "forum_list_canonical", True)
        return caching.Rendered(response, {}, cacheable=keep and canonical)

    return caching.serve(request, key, render_page)


@require_GET
def thread_detail(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    """A thread from the shared page cache, with the viewer's own bits filled in.

    Kept per audience (moderators see hidden and pending posts, marked); a member with
    pending posts of their own in the thread gets it rendered for them, not kept.
    """
    user = request.user
    audience = _page_audience(user)
    key = (
        caching.thread_key(request, pk, audience) if caching.is_cacheable_request(request) else None
    )

    def votes(meta: dict) -> dict:
        bits = _my_votes(user, meta)
        if user.is_authenticated and (form := _answer_draft(request, pk)):
            bits["answer_form"] = form
        return bits

    def is_personal(pending_authors) -> bool:
        return audience == "public" and user.is_authenticated and user.pk in pending_authors

    def check(meta: dict) -> HttpResponse | None:
        thread = viewer_bits.ThreadFacts(**meta["thread"])
        if not permissions.is_visible_thread(user, thread):
            raise Http404
        if slug != thread.slug:
            return redirect(reverse("forum:thread", args=[pk, thread.slug or "-"]), permanent=True)
        if is_personal(meta.get("pending_authors", ())):
            return caching.serve(request, None, render_page, viewer_meta=votes)
        return None

    def render_page() -> HttpResponse | caching.Rendered:
        thread = _visible_thread(request, pk)
        if slug != thread.slug:
            return redirect(thread, permanent=True)
        pending = _pending_authors(pk)
        personal = is_personal(pending)
        content_user = user if audience == "moderator" or personal else AnonymousUser()
        rendered = _render_thread_page(request, thread, content_user, pending)
        if personal or (not thread.is_published and audience != "moderator"):
            # Only this viewer may see what it shows: not kept for others.
            rendered = caching.Rendered(rendered.response, rendered.meta, cacheable=False)
        return rendered

    return caching.serve(request, key, render_page, check=check, viewer_meta=votes)


@dataclass(frozen=True)
class _Preview:
    html: str | None
    error: str
    status: int
    retry_after: int = 0

    def with_headers(self, response: HttpResponse) -> HttpResponse:
        if self.retry_after:
            response["Retry-After"] = str(self.retry_after)
        return response


def _preview_of(request: HttpRequest, text: str) -> _Preview:
    """A member's preview of *text*: rate limited per member (FORUM_PREVIEW_RATE, counted
    across every worker), refused beyond the length a post may have."""
    limit = ratelimit.hit("forum.preview", str(request.user.pk), settings.FORUM_PREVIEW_RATE)
    if not limit.allowed:
        wait = ngettext(
            "Too many previews in a short time. Please wait %(seconds)d second, then try again.",
            "Too many previews in a short time. Please wait %(seconds)d seconds, then try again.",
            limit.retry_after,
        ) % {"seconds": limit.retry_after}
        return _Preview(None, wait, 429, limit.retry_after)
    form = PreviewForm({"body": text})
    if not form.is_valid():
        return _Preview(None, form.errors["body"][0], 400)
    return _Preview(rendering.render_post(form.cleaned_data["body"]), "", 200)


def ask(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        messages.info(request, _("Log in or sign up to ask a question."))
        return redirect_to_login(request.get_full_path())
    permissions.check_ask_question(request.user)
    if request.method == "POST":
        form = AskForm(request.POST, user=request.user)
        wants_preview = "preview" in request.POST
        if not wants_preview and form.is_valid():
            data = form.cleaned_data
            if "confirmed" not in request.POST and asking.before_posting(
                request, title=data["title"], body=data["body"], category_id=data["category"].pk
            ):
                # Threads that may already answer it: shown before posting (the step a
                # browser without JavaScript takes; the live panel confirms for the others).
                drafts.keep(request, "ask", request.POST, ASK_FIELDS, suggest=True)
                return redirect("forum:ask")
            try:  # the service judges again (a privilege lost meanwhile)
                thread = services.ask_question(
                    author=request.user,
                    category=data["category"],
                    title=data["title"],
                    body=data["body"],
                    tags=data["tags"],
                    submission_key=data["submission_key"],
                )
            except PermissionDenied as exc:
                # Refused (a rate limit, a suspension): back to the form, everything kept.
                drafts.keep(request, "ask", request.POST, ASK_FIELDS, refusal=str(exc))
                return redirect("forum:ask")
            drafts.drop(request, "ask")
            asking.posted(request, thread)
            if thread.is_published:
                messages.success(request, _("Your question is posted."))
            else:
                messages.info(request, _(WAITING_FOR_REVIEW))
            return redirect(thread)
        # The Preview button (without JavaScript) and a refused question both come back to
        # the ask page with what was typed: a page to reload or read in another language.
        drafts.keep(request, "ask", request.POST, ASK_FIELDS, preview=wants_preview)
        return redirect("forum:ask")
    preview = _Preview(None, "", 200)
    suggestions = None
    product = None
    if slug := request.GET.get("product"):
        product = CategoryPage.objects.filter(
            pk__in=permissions.visible_category_ids(request.user), slug=slug
        ).first()
    if kept := drafts.get(request, "ask"):
        if product is not None:  # "Ask about this product" names the product anew
            kept["data"]["category"] = str(product.pk)
        if kept.get("preview"):
            # A preview is not a refusal: the form shows no errors, only the preview.
            form = AskForm(initial=kept["data"].dict(), user=request.user)
            preview = _preview_of(request, kept["data"].get("body", ""))
        elif kept.get("suggest"):
            form = AskForm(kept["data"], user=request.user)
            if form.is_valid():
                data = form.cleaned_data
                suggestions = asking.before_posting(
                    request,
                    title=data["title"],
                    body=data["body"],
                    category_id=data["category"].pk,
                )
        else:
            form = AskForm(kept["data"], user=request.user)
            form.is_valid()
            if refusal := kept.get("refusal"):
                form.add_error(None, refusal)
    else:
        # "Ask it" from a search that found nothing brings the words as the title.
        title = request.GET.get("title", "")[: Thread._meta.get_field("title").max_length]
        form = AskForm(initial={"category": product, "title": title}, user=request.user)
    context = {
        "form": form,
        "preview_html": preview.html,
        "preview_error": preview.error,
        "suggestions_html": suggestions,
        "ask_panel": asking.panel(request),
    }
    # A refused preview keeps the page's own status (the text is kept in the form), unless
    # it says to wait.
    status = preview.status if preview.status == 429 else 200
    return preview.with_headers(render(request, "forum/ask.html", context, status=status))


@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """Rendered Markdown for the live preview under the editors (htmx), for members only."""
    if not request.user.is_authenticated:
        context = {"error": _("Log in to see a preview of your text.")}
        return render(request, "forum/includes/_preview.html", context, status=403)
    result = _preview_of(request, request.POST.get("body", ""))
    context = {"preview_html": result.html, "error": result.error}
    response = render(request, "forum/includes/_preview.html", context, status=result.status)
    return result.with_headers(response)


@login_required
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _visible_thread(request, pk)
    form = AnswerForm(request.POST, user=request.user)
    draft = f"answer:{thread.pk}"
    if form.is_valid():
        try:  # the service is the one judge, under the thread's lock (locked meanwhile?)
            post = services.post_answer(
                thread,
                author=request.user,
                body=form.cleaned_data["body"],
                submission_key=form.cleaned_data["submission_key"],
            )
        except PermissionDenied as exc:
            refusal = str(exc)
        else:
            drafts.drop(request, draft)
            if post.is_published:
                messages.success(request, _("Your answer is posted."))
            else:
                messages.info(request, _(WAITING_FOR_REVIEW))
            return redirect(post)
    else:
        refusal = ""
    # Back to the thread, which shows the form again with what was typed and why it was
    # refused: a page the member can reload or switch to another language.
    drafts.keep(request, draft, request.POST, ["body", "submission_key"], refusal=refusal)
    return redirect(f"{thread.get_absolute_url()}#answer-form")


def _answer_draft(request: HttpRequest, thread_id: int) -> AnswerForm | None:
    """The answer form bound to what this member typed in a refused post, checked again."""
    draft = drafts.get(request, f"answer:{thread_id}")
    if draft is None:
        return None
    form = AnswerForm(draft["data"], user=request.user)
    form.is_valid()
    try:
        permissions.check_post_answer(request.user, _visible_thread(request, thread_id))
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
    else:
        if refusal := draft.get("refusal"):
            form.add_error(None, refusal)
    return form


@login_required
def comment(request: HttpRequest, post_id: int) -> HttpResponse:
    """Comments are posted from the thread; this page shows a refused one again."""
    post = _visible_post(request, post_id)
    draft = f"comment:{post.pk}"
    typed = _typed_or_kept(request, draft)
    try:
        permissions.check_post_comment(request.user, post)
    except PermissionDenied as exc:
        return _refused(request, exc, typed)
    if request.method != "POST":
        kept = drafts.get(request, draft)
        form = CommentForm(kept["data"], user=request.user) if kept else CommentForm()
        if kept:
            form.is_valid()
            if refusal := kept.get("refusal"):
                form.add_error(None, refusal)
        return render(request, "forum/comment_form.html", {"form": form, "post": post})
    form = CommentForm(request.POST, user=request.user)
    refusal = ""
    if form.is_valid():
        try:  # judged again under the thread's lock
            comment = services.post_comment(
                post, author=request.user, body=form.cleaned_data["body"]
            )
        except PermissionDenied as exc:
            refusal = str(exc)
        else:
            drafts.drop(request, draft)
            if comment.is_published:
                messages.success(request, _("Your comment is posted."))
            else:
                messages.info(request, _(WAITING_FOR_REVIEW))
            return redirect(post)
    if request.htmx and not refusal:
        return render(request, "forum/comment_form.html", {"form": form, "post": post}, status=400)
    drafts.keep(request, draft, request.POST, ["body"], refusal=refusal)
    return redirect("forum:comment", post_id=post.pk)


EDIT_SAVED = {
    "edit": gettext_lazy("Your changes are saved."),
    "retag": gettext_lazy("The tags are saved."),
    "suggest": gettext_lazy(
        "Your suggested edit is sent: the author or a moderator will review it."
    ),
}


@login_required
def edit_post(request: HttpRequest, post_id: int) -> HttpResponse:
    """Edit a post, change only the tags of a question, or suggest an edit for review:
    which one the member may do (``permissions.edit_mode``) decides the form."""
    post = _visible_post(request, post_id)
    if post.author_id != request.user.pk and request.user.is_moderator:
        # A moderator's edit of someone else's post says why and is audited: its own page.
        return redirect("moderation:edit_post", post_id=post.pk)
    draft = f"edit:{post.pk}"
    try:
        permissions.check_open_editor(request.user, post)
    except PermissionDenied as exc:
        return _refused(request, exc, _typed_or_kept(request, draft))
    thread = post.thread
    mode = permissions.edit_mode(request.user, post)
    form_options = {
        "is_question": post.is_question,
        "mode": mode,
        "user": request.user,
        "before_html": post.body_html,
    }
    if request.method == "POST":
        form = EditPostForm(request.POST, **form_options)
        if form.is_valid():
            data = form.cleaned_data
            change = {field: data.get(field) for field in ("body", "title", "tags")}
            try:  # judged again under the thread's lock
                if mode == "suggest":
                    services.suggest_edit(post, author=request.user, **change)
                else:
                    services.edit_post(post, editor=request.user, **change)
            except PermissionDenied as exc:
                return _refused(request, exc, data.get("body") or "")
            drafts.drop(request, draft)
            messages.success(request, str(EDIT_SAVED[mode]))
            return redirect(post)
        drafts.keep(request, draft, request.POST, ["title", "body", "tags"])
        return redirect("forum:edit_post", post_id=post.pk)
    if kept := drafts.get(request, draft):
        form = EditPostForm(kept["data"], **form_options)
        form.is_valid()
    else:
        initial = {"body": post.body_markdown}
        if post.is_question:
            initial["title"] = thread.title
            initial["tags"] = " ".join(tag.name for tag in thread.tags.all())
        form = EditPostForm(initial=initial, **form_options)
    context = {
        "form": form,
        "post": post,
        "thread": thread,
        "mode": mode,
        "is_own": post.author_id == request.user.pk,
    }
    if mode == "suggest":
        context["pending_suggestion"] = SuggestedEdit.objects.filter(
            post=post, author=request.user, status=SuggestedEdit.Status.PENDING
        ).first()
    return render(request, "forum/edit_post.html", context)


# --- Suggested edits: the post's author and moderators review them on these pages.


def _diff_lines(before: str, after: str) -> list[tuple[str, str]]:
    """Line by line, what a suggestion changes: ("same" | "removed" | "added", text).
    The template escapes the text."""
    rows = []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        code, text = line[:2], line[2:]
        if code == "? ":
            continue
        rows.append(({"- ": "removed", "+ ": "added"}.get(code, "same"), text))
    return rows


def _suggestion_for(request: HttpRequest, suggestion_id: int) -> SuggestedEdit:
    """A suggestion of a post the viewer may see, for its reviewers and its author; not
    found for anyone else."""
    # The names beside the suggester and the reviewer read their roles: prefetched.
    suggestion = get_object_or_404(
        SuggestedEdit.objects.select_related("author", "reviewer").prefetch_related(
            "author__groups", "reviewer__groups"
        ),
        pk=suggestion_id,
    )
    suggestion.post = _visible_post(request, suggestion.post_id)
    user = request.user
    if user.pk != suggestion.author_id and not permissions.can_see_suggestions(
        user, suggestion.post
    ):
        raise Http404
    return suggestion


@login_required
@require_GET
def suggested_edits(request: HttpRequest, post_id: int) -> HttpResponse:
    """The edits suggested for one post that wait for review, for its author and moderators."""
    post = _visible_post(request, post_id)
    if not permissions.can_see_suggestions(request.user, post):
        raise Http404
    waiting = list(
        SuggestedEdit.objects.filter(post=post, status=SuggestedEdit.Status.PENDING)
        .select_related("author")
        # Each suggester's name shows their staff badge or standing from their roles.
        .prefetch_related("author__groups")
        .order_by("created_at", "pk")
    )
    for suggestion in waiting:
        suggestion.post = post
        suggestion.can_review = permissions.can_review_suggestion(request.user, suggestion)
    context = {"post": post, "thread": post.thread, "suggestions": waiting}
    return render(request, "forum/suggested_edits/list.html", context)


def _review_context(request: HttpRequest, suggestion: SuggestedEdit, **extra) -> dict:
    post = suggestion.post
    thread = post.thread
    tags_now = sorted(tag.name for tag in thread.tags.all()) if post.is_question else []
    return {
        "suggestion": suggestion,
        "post": post,
        "thread": thread,
        "body_diff": _diff_lines(post.body_markdown, suggestion.body_markdown),
        "title_changed": post.is_question and suggestion.title != thread.title,
        "tags_now": tags_now,
        "tags_changed": post.is_question and sorted(suggestion.tags) != tags_now,
        "is_out_of_date": suggestion.is_pending and services.is_suggestion_out_of_date(suggestion),
        "can_review": permissions.can_review_suggestion(request.user, suggestion),
        **extra,
    }


@login_required
@require_GET
def suggested_edit(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """One suggestion: what it changes, line by line, with Approve and Reject."""
    suggestion = _suggestion_for(request, suggestion_id)
    return render(
        request, "forum/suggested_edits/review.html", _review_context(request, suggestion)
    )


@login_required
@require_POST
def review_suggested_edit(request: HttpRequest, suggestion_id: int, action: str) -> HttpResponse:
    """Approve or reject a suggestion (a plain form post): back to the post when done, to
    the review page when the post changed since and the reviewer has not confirmed."""
    suggestion = _suggestion_for(request, suggestion_id)
    note = request.POST.get("note", "")
    try:
        if action == "approve":
            services.approve_suggested_edit(
                suggestion,
                reviewer=request.user,
                confirm_out_of_date=request.POST.get("confirm") == "yes",
            )
            messages.success(request, _("The suggested edit is approved and applied."))
        else:
            services.reject_suggested_edit(suggestion, reviewer=request.user, note=note)
            messages.success(request, _("The suggested edit is rejected."))
    except services.SuggestionOutOfDate as exc:
        context = _review_context(request, suggestion, refusal=str(exc), needs_confirm=True)
        return render(request, "forum/suggested_edits/review.html", context, status=409)
    except PermissionDenied as exc:
        return _refused(request, exc, note)
    return redirect(suggestion.post)


def _history_post(request: HttpRequest, post_id: int) -> Post:
    """A post whose earlier versions the viewer may see; not found for anyone else, so
    that a history page does not even tell it exists."""
    post = _visible_post(request, post_id)
    if not permissions.can_view_post_history(request.user, post):
        raise Http404
    return post


@require_GET
def post_history(request: HttpRequest, post_id: int) -> HttpResponse:
    """A post's earlier versions, newest first: for its author and the moderators."""
    post = _history_post(request, post_id)
    revisions = list(
        post.revisions.select_related("editor", "approved_by", "redacted_by")
        .prefetch_related("editor__groups", "approved_by__groups")
        .order_by("-created_at", "-pk")
    )
    for revision in revisions:
        revision.can_redact = not revision.is_redacted and permissions.can_redact_revision(
            request.user, revision
        )
    return render(
        request,
        "forum/post_history.html",
        {"post": post, "thread": post.thread, "revisions": revisions},
    )


@login_required
def delete_post(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _visible_post(request, post_id)
    permissions.check_delete_post(request.user, post)
    if request.method == "POST":
        services.delete_post(post, actor=request.user)
        if post.is_question:
            messages.success(request, _("Your question is deleted."))
            return redirect("/")
        messages.success(request, _("Your answer is deleted."))
        return redirect(post.thread)
    return render(request, "forum/confirm_delete.html", {"post": post, "thread": post.thread})


@login_required
@require_POST
def delete_comment(request: HttpRequest, comment_id: int) -> HttpResponse:
    comments = permissions.visible_comments(
        request.user, Comment.objects.select_related("post", "post__thread")
    ).filter(post__in=permissions.visible_posts(request.user, Post.objects.all()))
    comment = get_object_or_404(comments, pk=comment_id)
    services.delete_comment(comment, actor=request.user)
    messages.success(request, _("The comment is deleted."))
    return redirect(comment.post)


@require_POST
def vote(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _visible_post(request, post_id)
    form = VoteForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Unknown vote."), status=400)
    try:  # cast_vote checks the vote rule itself
        if post.is_question and form.vote_value() == Vote.DOWN:
            raise PermissionDenied(_("Questions take only “I have this problem too” votes."))
        post.score = services.cast_vote(post, voter=request.user, value=form.vote_value())
    except PermissionDenied as exc:
        if not request.user.is_authenticated and not request.htmx:
            return redirect_to_login(post.get_absolute_url())
        return _refused(request, exc)
    if request.htmx:
        viewer = viewer_bits.Viewer(request, {})
        viewer.downvote_note_shown = True  # the page it lands in already says why
        return HttpResponse(viewer_bits.vote_widget(viewer, post, form.vote_value(), True))
    return redirect(post)


@login_required
@require_POST
def accept(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _visible_post(request, post_id)
    if post.kind != Post.Kind.ANSWER:
        raise PermissionDenied(_("Only an answer can be marked as the solution."))
    try:
        if services.accept_answer(post, actor=request.user):
            messages.success(request, _("Marked as the solution."))
    except PermissionDenied as exc:
        return _refused(request, exc)
    return redirect(post)


@login_required
@require_POST
def unaccept(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _visible_thread(request, pk)
    try:
        if services.unaccept_answer(thread, actor=request.user):
            messages.success(request, _("The solution mark is removed."))
    except PermissionDenied as exc:
        return _refused(request, exc)
    return redirect(thread)


@require_GET
def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    key = None
    if caching.is_cacheable_request(request):
        key = caching.list_key(request, f"tag:{slug}", f"tag:{slug}")

    def render_page() -> HttpResponse | caching.Rendered:
        tag = Tag.objects.filter(slug=slug).first()
        if tag is None:  # a tag asked for by its name ("C#"): its page is at its slug
            tag = get_object_or_404(Tag, name=normalize_tag_name(slug))
            return redirect(tag, permanent=True)
        context = {"tag": tag, **listing.tag_context(request, tag)}
        response = render(request, "forum/tag_detail.html", context)
        return caching.Rendered(response, {}, cacheable=request.forum_list_canonical)

    return caching.serve(request, key, render_page)
