"""Forum pages and actions: parse, check, one service call, redirect or render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Prefetch, Value, When, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from wagtail.views import serve as wagtail_serve

from forum import caching, listing, permissions, rendering, services
from forum.forms import AnswerForm, AskForm, CommentForm, EditPostForm, PreviewForm, VoteForm
from forum.models import CategoryPage, Comment, Post, Tag, Thread, Vote


def _visible_thread(pk: int) -> Thread:
    # accepted_by: the accepted answer says whether staff marked it, on every thread page.
    threads = Thread.objects.select_related("category", "accepted_by")
    return get_object_or_404(permissions.visible_threads(None, threads), pk=pk)


def _visible_post(pk: int) -> Post:
    return get_object_or_404(
        Post.objects.select_related("thread", "thread__category", "author").filter(
            is_deleted=False, thread__is_deleted=False
        ),
        pk=pk,
    )


def _refused(request: HttpRequest, reason: PermissionDenied) -> HttpResponse:
    """A refused action: say why, in a page that leads back (or a fragment for htmx)."""
    if request.htmx:
        return render(request, "forum/includes/_refused.html", {"reason": str(reason)}, status=403)
    raise reason


def _thread_page_context(
    request: HttpRequest, thread: Thread, answer_form: AnswerForm | None = None
) -> dict:
    """Everything the thread page shows, in a fixed number of queries."""
    user = request.user
    visible_comments = Prefetch(
        "comments",
        queryset=Comment.objects.filter(is_deleted=False)
        .select_related("author")
        .prefetch_related("author__groups"),
        to_attr="visible_comments",
    )
    posts = Post.objects.filter(thread=thread, is_deleted=False).select_related("author")
    question = posts.filter(kind=Post.Kind.QUESTION).first()
    answers = (
        posts.filter(kind=Post.Kind.ANSWER)
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
    # One prefetch for the question and the answers together: comments and their authors'
    # roles cost the same two queries whatever the page holds.
    prefetch_related_objects(page_posts, "author__groups", visible_comments)
    question_tags = list(thread.tags.all())
    my_votes: dict[int, int] = {}
    if user.is_authenticated:
        my_votes = dict(
            Vote.objects.filter(voter=user, post__in=[p.pk for p in page_posts]).values_list(
                "post_id", "value"
            )
        )
    for post in page_posts:
        post.thread = thread
        post.my_vote = my_votes.get(post.pk, 0)
        post.is_accepted = post.pk == thread.accepted_answer_id
        post.user_can_vote = permissions.can_vote(user, post)
        post.user_can_edit = permissions.can_edit_post(user, post)
        post.user_can_delete = permissions.can_delete_post(user, post)
        post.user_can_comment = permissions.can_post_comment(user, post)
        for comment in post.visible_comments:
            comment.user_can_delete = permissions.can_delete_comment(user, comment)
    return {
        "thread": thread,
        "question": question,
        "tags": question_tags,
        "answers": page.object_list,
        "page_obj": page,
        "can_answer": permissions.can_post_answer(user, thread),
        "can_accept": permissions.can_accept_answer(user, thread),
        "can_moderate": permissions.can_moderate_thread(user, thread),
        "answer_form": answer_form or AnswerForm(),
        "comment_form": CommentForm(),
    }


def serve_wagtail_page(request: HttpRequest, path: str) -> HttpResponse:
    """Wagtail's page view behind the anonymous page cache.

    Checked before Wagtail's routing, so a cached home or product page costs no query.
    All Wagtail pages share the lists' version: forum events and page publishing drop it.
    """
    return caching.cached_page(
        request, f"wagtail:{caching.lists_version()}", lambda: wagtail_serve(request, path)
    )


@require_GET
def thread_detail(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    def render_page() -> HttpResponse:
        thread = _visible_thread(pk)
        if slug != thread.slug:
            return redirect(thread, permanent=True)
        return render(request, "forum/thread_detail.html", _thread_page_context(request, thread))

    return caching.cached_page(request, f"thread:{pk}:{caching.thread_version(pk)}", render_page)


def ask(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        messages.info(request, _("Log in or sign up to ask a question."))
        return redirect(f"{reverse('account_login')}?next={request.path}")
    permissions.check_ask_question(request.user)
    preview_html = None
    if request.method == "POST":
        form = AskForm(request.POST)
        if "preview" in request.POST:
            preview_html = rendering.render_post(request.POST.get("body", ""))
        elif form.is_valid():
            data = form.cleaned_data
            thread = services.ask_question(
                author=request.user,
                category=data["category"],
                title=data["title"],
                body=data["body"],
                tags=data["tags"],
                submission_key=data["submission_key"],
            )
            messages.success(request, _("Your question is posted."))
            return redirect(thread)
    else:
        initial = {}
        if product := request.GET.get("product"):
            initial["category"] = CategoryPage.objects.live().public().filter(slug=product).first()
        form = AskForm(initial=initial)
    return render(request, "forum/ask.html", {"form": form, "preview_html": preview_html})


@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """Rendered Markdown for the live preview under the editors (htmx)."""
    form = PreviewForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "forum/includes/_preview.html",
            {"error": _("The text is too long to preview.")},
            status=400,
        )
    return render(
        request,
        "forum/includes/_preview.html",
        {"preview_html": rendering.render_post(form.cleaned_data["body"])},
    )


@login_required
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _visible_thread(pk)
    form = AnswerForm(request.POST)
    reason = None
    try:
        permissions.check_post_answer(request.user, thread)
    except PermissionDenied as exc:
        reason = str(exc)
    if reason is None and form.is_valid():
        post = services.post_answer(
            thread,
            author=request.user,
            body=form.cleaned_data["body"],
            submission_key=form.cleaned_data["submission_key"],
        )
        messages.success(request, _("Your answer is posted."))
        return redirect(post)
    if reason:
        form.is_valid()
        form.add_error(None, reason)
    context = _thread_page_context(request, thread, answer_form=form)
    return render(request, "forum/thread_detail.html", context, status=403 if reason else 400)


@login_required
@require_POST
def comment(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _visible_post(post_id)
    form = CommentForm(request.POST)
    try:
        permissions.check_post_comment(request.user, post)
    except PermissionDenied as exc:
        return _refused(request, exc)
    if form.is_valid():
        services.post_comment(post, author=request.user, body=form.cleaned_data["body"])
        messages.success(request, _("Your comment is posted."))
        return redirect(post)
    return render(request, "forum/comment_form.html", {"form": form, "post": post}, status=400)


@login_required
def edit_post(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _visible_post(post_id)
    permissions.check_edit_post(request.user, post)
    thread = post.thread
    if request.method == "POST":
        form = EditPostForm(request.POST, is_question=post.is_question)
        if form.is_valid():
            data = form.cleaned_data
            services.edit_post(
                post,
                editor=request.user,
                body=data["body"],
                title=data.get("title"),
                tags=data.get("tags"),
            )
            messages.success(request, _("Your changes are saved."))
            return redirect(post)
    else:
        initial = {"body": post.body_markdown}
        if post.is_question:
            initial["title"] = thread.title
            initial["tags"] = " ".join(tag.name for tag in thread.tags.all())
        form = EditPostForm(initial=initial, is_question=post.is_question)
    return render(request, "forum/edit_post.html", {"form": form, "post": post, "thread": thread})


@require_GET
def post_history(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _visible_post(post_id)
    revisions = post.revisions.select_related("editor").order_by("-created_at", "-pk")
    return render(
        request,
        "forum/post_history.html",
        {"post": post, "thread": post.thread, "revisions": revisions},
    )


@login_required
def delete_post(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _visible_post(post_id)
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
    comment = get_object_or_404(
        Comment.objects.select_related("post", "post__thread"), pk=comment_id, is_deleted=False
    )
    services.delete_comment(comment, actor=request.user)
    messages.success(request, _("The comment is deleted."))
    return redirect(comment.post)


@require_POST
def vote(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _visible_post(post_id)
    form = VoteForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Unknown vote."), status=400)
    try:  # cast_vote checks the vote rule itself
        if post.is_question and form.vote_value() == Vote.DOWN:
            raise PermissionDenied(_("Questions take only “I have this problem too” votes."))
        post.score = services.cast_vote(post, voter=request.user, value=form.vote_value())
    except PermissionDenied as exc:
        if not request.user.is_authenticated and not request.htmx:
            return redirect(f"{reverse('account_login')}?next={post.get_absolute_url()}")
        return _refused(request, exc)
    if request.htmx:
        post.my_vote = form.vote_value()
        post.user_can_vote = True
        return render(request, "forum/includes/_vote.html", {"post": post})
    return redirect(post)


@login_required
@require_POST
def accept(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _visible_post(post_id)
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
    thread = _visible_thread(pk)
    try:
        if services.unaccept_answer(thread, actor=request.user):
            messages.success(request, _("The solution mark is removed."))
    except PermissionDenied as exc:
        return _refused(request, exc)
    return redirect(thread)


MODERATION_ACTIONS = {
    "lock": (services.lock_thread, gettext_lazy("The thread is locked.")),
    "unlock": (services.unlock_thread, gettext_lazy("The thread is unlocked.")),
    "pin": (services.pin_thread, gettext_lazy("The thread is pinned.")),
    "unpin": (services.unpin_thread, gettext_lazy("The thread is unpinned.")),
}


@login_required
@require_POST
def moderate_thread(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    thread = _visible_thread(pk)
    service, message = MODERATION_ACTIONS[action]
    service(thread, actor=request.user)
    messages.success(request, str(message))
    return redirect(thread)


@require_GET
def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    def render_page() -> HttpResponse:
        tag = get_object_or_404(Tag, slug=slug)
        context = {"tag": tag, **listing.tag_context(request, tag)}
        return render(request, "forum/tag_detail.html", context)

    return caching.cached_page(request, f"tag:{slug}:{caching.lists_version()}", render_page)
