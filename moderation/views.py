"""Moderation on the site: flagging, a member's flags, the moderators' pages for a post,
a thread and a member, and the warning a member acknowledges. Parse, check, one service
call, redirect or render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.models import User
from forum import permissions as forum_permissions
from forum.forms import AnswerForm
from forum.models import CategoryPage, Comment, Post, PostRevision, Thread
from moderation import forms, permissions, services
from moderation.models import CannedReply, Flag, ReviewItem, Sanction, SpamSweep

FLAGS_PER_PAGE = 30


def _visible_post(request: HttpRequest, post_id: int) -> Post:
    posts = Post.objects.select_related("thread", "thread__category", "author")
    return get_object_or_404(forum_permissions.visible_posts(request.user, posts), pk=post_id)


def _visible_thread(request: HttpRequest, pk: int) -> Thread:
    threads = Thread.objects.select_related("category", "author", "duplicate_of")
    return get_object_or_404(forum_permissions.visible_threads(request.user, threads), pk=pk)


def _comment_of(request: HttpRequest, post: Post) -> Comment | None:
    comment_id = request.GET.get("comment") or request.POST.get("comment")
    if not comment_id:
        return None
    if not str(comment_id).isdigit():
        raise Http404
    comments = Comment.objects.select_related("author").filter(post=post)
    if not permissions.can_moderate_post(request.user, post):
        comments = forum_permissions.visible_comments(request.user, comments)
    comment = get_object_or_404(comments, pk=int(comment_id))
    comment.post = post
    return comment


def _refused(request: HttpRequest, reason: Exception, kept_text: str = "") -> HttpResponse:
    text = reason.messages[0] if isinstance(reason, ValidationError) else str(reason)
    context = {"exception": text}
    if kept_text:
        context["kept_text"] = kept_text
    return render(request, "403.html", context, status=403)


# --- Flagging -------------------------------------------------------------------------


@login_required
def flag(request: HttpRequest, post_id: int) -> HttpResponse:
    """Report a post (or, with ``?comment=``, one of its comments) to the moderators."""
    post = _visible_post(request, post_id)
    comment = _comment_of(request, post)
    refusal = permissions.flag_refusal(request.user, post, comment)
    already = Flag.objects.filter(
        post=post, comment=comment, flagger=request.user, status=Flag.Status.OPEN
    ).first()
    form = forms.FlagForm(request.POST or None)
    if request.method == "POST" and refusal is None and already is None and form.is_valid():
        data = form.cleaned_data
        try:
            services.flag_post(
                post,
                flagger=request.user,
                reason=data["reason"],
                text=data["text"],
                duplicate_of=data["duplicate_of"],
                comment=comment,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Thank you. A moderator will look at it; you can follow it under “My flags”."),
            )
            return redirect(post)
    context = {
        "post": post,
        "comment": comment,
        "thread": post.thread,
        "form": form,
        "refusal": refusal,
        "already": already,
    }
    status = 400 if request.method == "POST" else (403 if refusal else 200)
    return render(request, "moderation/flag.html", context, status=status)


@login_required
def my_flags(request: HttpRequest) -> HttpResponse:
    """The member's flags and what became of each, newest first."""
    flags = (
        Flag.objects.filter(flagger=request.user)
        .select_related("reason", "post", "post__thread", "comment")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(flags, FLAGS_PER_PAGE).get_page(request.GET.get("page"))
    visible = set(
        forum_permissions.visible_posts(
            request.user, Post.objects.filter(pk__in=[flag.post_id for flag in page])
        ).values_list("pk", flat=True)
    )
    for item in page:
        item.post_visible = item.post_id in visible
        item.outcome_text = services.Decision.OUTCOMES.get(item.outcome, "")
    return render(request, "moderation/my_flags.html", {"page_obj": page, "flags": page})


# --- A moderator's page for a post ---------------------------------------------------------

POST_ACTIONS = {
    "approve": (
        services.approve_post,
        gettext_lazy("The post is approved: everyone can see it now."),
    ),
    "reject": (services.reject_post, gettext_lazy("The post is rejected and removed.")),
    "hide": (services.hide_post, gettext_lazy("The post is hidden.")),
    "spam": (services.hide_post, gettext_lazy("The post is hidden as spam.")),
    "unhide": (services.unhide_post, gettext_lazy("The post is shown again.")),
    "delete": (services.delete_post, gettext_lazy("The post is removed.")),
    "restore": (services.restore_post, gettext_lazy("The post is restored.")),
}


def _moderated_post(request: HttpRequest, post_id: int) -> Post:
    """A post a moderator works on, removed ones included (to restore them); not found for
    anyone who may not see it."""
    post = get_object_or_404(
        Post.objects.select_related("thread", "thread__category", "author"), pk=post_id
    )
    user = request.user
    visible = (user.is_authenticated and user.is_moderator) or forum_permissions.visible_posts(
        user, Post.objects.filter(pk=post.pk)
    ).exists()
    if not visible or post.thread.category_id not in forum_permissions.visible_category_ids(user):
        raise Http404
    permissions.check_moderate_post(user, post)
    return post


@login_required
def moderate_post(request: HttpRequest, post_id: int) -> HttpResponse:
    """Everything a moderator can do to one post, its flags and its author."""
    post = _moderated_post(request, post_id)
    comment = _comment_of(request, post)
    flags = Flag.objects.filter(post=post, comment=comment).select_related("flagger", "reason")
    context = {
        "post": post,
        "comment": comment,
        "thread": post.thread,
        "target": comment or post,
        "flags": list(flags.order_by("-created_at")[:50]),
        "form": forms.ReasonForm(),
        "can_sanction": permissions.can_sanction(request.user, (comment or post).author),
    }
    return render(request, "moderation/moderate_post.html", context)


@login_required
@require_POST
def act_on_post(request: HttpRequest, post_id: int, action: str) -> HttpResponse:
    post = _moderated_post(request, post_id)
    comment = _comment_of(request, post)
    form = forms.ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    service, message = POST_ACTIONS[action]
    options = {"moderator": request.user}
    if action in ("approve", "reject"):
        options.update(comment=comment, note=reason)
    elif action == "delete":
        options.update(comment=comment, reason=reason)
    elif comment is not None:
        raise Http404  # comments are approved, rejected or removed
    else:
        options["reason"] = reason
        if action == "spam":
            options["as_spam"] = True
    try:
        if service(post, **options):
            messages.success(request, str(message))
        else:
            messages.info(request, _("Nothing changed: it was already so."))
    except (PermissionDenied, ValidationError) as exc:
        return _refused(request, exc, reason)
    if post.is_question and action in ("reject", "delete") and comment is None:
        return redirect("moderation:queue_home")
    return redirect(post)


@login_required
def edit_post(request: HttpRequest, post_id: int) -> HttpResponse:
    """A moderator's edit of someone else's post, with the reason kept in its history."""
    post = _moderated_post(request, post_id)
    thread = post.thread
    options = {"is_question": post.is_question, "mode": "edit"}
    # Opened from the review queue: saving settles that item.
    item_id = request.GET.get("item", "")
    item = (
        ReviewItem.objects.filter(pk=int(item_id), post=post, status="open").first()
        if item_id.isdigit()
        else None
    )
    if request.method == "POST":
        form = forms.ModeratorEditForm(request.POST, **options)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.edit_post(
                    post,
                    moderator=request.user,
                    reason=data["reason"],
                    body=data.get("body"),
                    title=data.get("title"),
                    tags=data.get("tags"),
                    item=item,
                )
            except (PermissionDenied, ValidationError) as exc:
                form.add_error(None, exc.messages[0] if hasattr(exc, "messages") else str(exc))
            else:
                messages.success(request, _("Your changes are saved, with your reason."))
                return redirect(post)
        status = 400
    else:
        initial = {"body": post.body_markdown}
        if post.is_question:
            initial["title"] = thread.title
            initial["tags"] = " ".join(tag.name for tag in thread.tags.all())
        form = forms.ModeratorEditForm(initial=initial, **options)
        status = 200
    context = {"form": form, "post": post, "thread": thread}
    return render(request, "moderation/edit_post.html", context, status=status)


@login_required
@require_POST
def redact_revision(request: HttpRequest, revision_id: int) -> HttpResponse:
    """Remove the text of one earlier version (moderators); back to the history page."""
    revision = get_object_or_404(PostRevision, pk=revision_id)
    post = _visible_post(request, revision.post_id)
    if not forum_permissions.can_view_post_history(request.user, post):
        raise Http404  # a history the viewer may not see is not even said to exist
    try:
        permissions.check_moderate_post(request.user, post)
    except PermissionDenied as exc:
        return _refused(request, exc)
    reason = " ".join(request.POST.get("reason", "").split())
    try:
        if services.redact_revision(revision, moderator=request.user, reason=reason):
            messages.success(request, _("The text of that earlier version is removed."))
    except PermissionDenied as exc:
        return _refused(request, exc)
    return redirect("forum:post_history", post_id=post.pk)


# --- A moderator's page for a thread ---------------------------------------------------

THREAD_FLAGS = {
    "lock": (services.lock_thread, gettext_lazy("The thread is locked.")),
    "unlock": (services.unlock_thread, gettext_lazy("The thread is unlocked.")),
    "pin": (services.pin_thread, gettext_lazy("The thread is pinned.")),
    "unpin": (services.unpin_thread, gettext_lazy("The thread is unpinned.")),
}


def _moderated_thread(request: HttpRequest, pk: int) -> Thread:
    thread = _visible_thread(request, pk)
    permissions.check_moderate_thread(request.user, thread)
    return thread


def _move_targets(user: User, thread: Thread) -> list[CategoryPage]:
    ids = forum_permissions.visible_category_ids(user)
    return [
        category
        for category in CategoryPage.objects.filter(pk__in=ids).order_by("title")
        if category.pk != thread.category_id and user.moderates(category.pk)
    ]


def _split_candidates(thread: Thread) -> list[Post]:
    return list(
        Post.objects.filter(thread=thread, kind=Post.Kind.ANSWER)
        .exclude(state="deleted")
        .select_related("author")
        .order_by("created_at", "pk")[:200]
    )


def _thread_context(request: HttpRequest, thread: Thread, **forms_given) -> dict:
    return {
        "thread": thread,
        "flag_form": forms.ReasonForm(),
        "move_form": forms_given.get("move_form")
        or forms.MoveForm(categories=_move_targets(request.user, thread)),
        "duplicate_form": forms_given.get("duplicate_form") or forms.DuplicateForm(),
        "merge_form": forms_given.get("merge_form") or forms.MergeForm(),
        "split_form": forms_given.get("split_form")
        or forms.SplitForm(answers=_split_candidates(thread)),
        "canned_replies": CannedReply.objects.filter(is_active=True),
    }


def _target_thread(request: HttpRequest, form, field: str) -> Thread | None:
    """The thread a form names, if the moderator may see it (else a form error)."""
    target = form.cleaned_data[field]
    if not forum_permissions.is_visible_thread(request.user, target):
        form.add_error(field, _("No thread has that address."))
        return None
    return target


@login_required
def moderate_thread(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _moderated_thread(request, pk)
    return render(request, "moderation/moderate_thread.html", _thread_context(request, thread))


@login_required
@require_POST
def act_on_thread(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    thread = _moderated_thread(request, pk)
    user = request.user
    try:
        if action in THREAD_FLAGS:
            service, message = THREAD_FLAGS[action]
            form = forms.ReasonForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            if service(thread, moderator=user, reason=reason):
                messages.success(request, str(message))
        elif action == "move":
            form = forms.MoveForm(request.POST, categories=_move_targets(user, thread))
            if not form.is_valid():
                context = _thread_context(request, thread, move_form=form)
                return render(request, "moderation/moderate_thread.html", context, status=400)
            data = form.cleaned_data
            services.move_thread(
                thread, moderator=user, category=data["category"], reason=data["reason"]
            )
            messages.success(
                request, _("The thread is moved to %(product)s.") % {"product": thread.category}
            )
        elif action == "close":
            form = forms.DuplicateForm(request.POST)
            original = _target_thread(request, form, "original") if form.is_valid() else None
            if original is None:
                context = _thread_context(request, thread, duplicate_form=form)
                return render(request, "moderation/moderate_thread.html", context, status=400)
            data = form.cleaned_data
            moved = services.close_as_duplicate(
                thread, moderator=user, original=data["original"], reason=data["reason"]
            )
            messages.success(
                request,
                ngettext(
                    "The thread is closed as a duplicate; %(count)s more person now has "
                    "the original's problem too.",
                    "The thread is closed as a duplicate; %(count)s more people now have "
                    "the original's problem too.",
                    moved,
                )
                % {"count": moved},
            )
        elif action == "merge":
            form = forms.MergeForm(request.POST)
            into = _target_thread(request, form, "into") if form.is_valid() else None
            if into is None:
                context = _thread_context(request, thread, merge_form=form)
                return render(request, "moderation/moderate_thread.html", context, status=400)
            moved = services.merge_threads(
                thread, into=into, moderator=user, reason=form.cleaned_data["reason"]
            )
            messages.success(
                request,
                ngettext(
                    "The threads are merged: %(count)s answer moved.",
                    "The threads are merged: %(count)s answers moved.",
                    len(moved),
                )
                % {"count": len(moved)},
            )
            return redirect(into)
        elif action == "split":
            candidates = _split_candidates(thread)
            form = forms.SplitForm(request.POST, answers=candidates)
            if not form.is_valid():
                context = _thread_context(request, thread, split_form=form)
                return render(request, "moderation/moderate_thread.html", context, status=400)
            chosen = {str(post.pk): post for post in candidates}
            data = form.cleaned_data
            new = services.split_answers(
                thread,
                answers=[chosen[pk] for pk in data["answers"]],
                moderator=user,
                title=data["title"],
                reason=data["reason"],
            )
            messages.success(request, _("The answers are moved to a new thread."))
            return redirect(new)
        elif action == "reopen":
            if services.reopen_duplicate(thread, moderator=user):
                messages.success(request, _("The thread is open again."))
        else:
            raise Http404
    except (PermissionDenied, ValidationError) as exc:
        return _refused(request, exc)
    return redirect(thread)


@login_required
def canned_answer(request: HttpRequest, pk: int, reply_id: int) -> HttpResponse:
    """The answer form with a canned reply filled in for this thread, to adjust and post."""
    thread = _moderated_thread(request, pk)
    reply = get_object_or_404(CannedReply, pk=reply_id, is_active=True)
    filled = services.fill_canned_reply(reply, thread=thread, moderator=request.user)
    form = AnswerForm(initial={"body": filled.body})
    return render(
        request, "moderation/canned_answer.html", {"thread": thread, "form": form, "reply": reply}
    )


# --- A moderator's page for a member ---------------------------------------------------


def _sanctioned(request: HttpRequest, username: str) -> User:
    member = get_object_or_404(User, username=username)
    permissions.check_moderator(request.user)
    return member


def _member_context(request: HttpRequest, member: User, **given) -> dict:
    return {
        "member": member,
        "sanctions": list(
            Sanction.objects.filter(member=member).select_related("moderator", "lifted_by")[:50]
        ),
        "sweeps": list(SpamSweep.objects.filter(member=member)[:10]),
        "warn_form": forms.WarnForm(),
        "suspend_form": forms.SuspendForm(),
        "can_sanction": permissions.can_sanction(request.user, member),
        "can_suspend": permissions.can_suspend(request.user, member),
        "open_items": ReviewItem.objects.filter(member=member, status="open").count(),
        **given,
    }


@login_required
def moderate_member(request: HttpRequest, username: str) -> HttpResponse:
    member = _sanctioned(request, username)
    return render(request, "moderation/moderate_member.html", _member_context(request, member))


@login_required
@require_POST
def act_on_member(request: HttpRequest, username: str, action: str) -> HttpResponse:
    member = _sanctioned(request, username)
    user = request.user
    try:
        if action == "warn":
            form = forms.WarnForm(request.POST)
            if form.is_valid():
                services.warn_member(member, moderator=user, message=form.cleaned_data["message"])
                messages.success(request, _("The warning is sent."))
            else:
                return _member_form_error(request, member, warn_form=form)
        elif action == "suspend":
            form = forms.SuspendForm(request.POST)
            if form.is_valid():
                services.suspend_member(
                    member, moderator=user, reason=form.cleaned_data["reason"], until=form.until()
                )
                messages.success(request, _("The member is suspended."))
            else:
                return _member_form_error(request, member, suspend_form=form)
        elif action == "lift":
            if services.lift_suspension(
                member, moderator=user, reason=request.POST.get("reason", "")
            ):
                messages.success(request, _("The suspension is lifted."))
        elif action == "spam":
            services.mark_as_spammer(member, moderator=user, reason=request.POST.get("reason", ""))
            messages.success(
                request, _("Every post of this member is hidden and they are suspended.")
            )
        elif action == "unspam":
            sweep = get_object_or_404(SpamSweep, pk=request.POST.get("sweep") or 0, member=member)
            if services.revert_spam_sweep(
                sweep, moderator=user, reason=request.POST.get("reason", "")
            ):
                messages.success(request, _("The posts are shown again and the suspension lifted."))
        elif action == "watch":
            services.watch_member(member, moderator=user, reason=request.POST.get("reason", ""))
            messages.success(request, _("The account is in the review queue."))
        else:
            raise Http404
    except (PermissionDenied, ValidationError) as exc:
        return _refused(request, exc)
    return redirect("moderation:member", username=member.username)


def _member_form_error(request: HttpRequest, member: User, **given) -> HttpResponse:
    context = _member_context(request, member, **given)
    return render(request, "moderation/moderate_member.html", context, status=400)


# --- The member's own side of a sanction ------------------------------------------------


@login_required
def warning(request: HttpRequest) -> HttpResponse:
    """A moderator's warning: the member reads it and acknowledges it to post again."""
    member = request.user
    if request.method == "POST":
        if services.acknowledge_warning(member):
            messages.success(request, _("Thank you. You can post again."))
        target = request.POST.get("next") or "/"
        safe = url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return redirect(target if safe else "/")
    return render(
        request,
        "moderation/warning.html",
        {"member": member, "suspended": member.is_suspended, "next": request.GET.get("next", "")},
    )


def queue_home(request: HttpRequest) -> HttpResponse:
    """Where a moderator lands after removing a thread: the review queue."""
    return redirect("moderation_queue:index")
