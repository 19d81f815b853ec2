"""The per-viewer bits of shared pages: the fillers of ``forum.slots``' slots.

Each filler answers for one viewer (``Viewer``) with a few lines of HTML built in
Python (``format_html``: escaped like a template) rather than a template render, so a
page with a hundred answers costs a member a hundred cheap calls. What a bit shows is
decided by ``forum.permissions``, as everywhere else; the facts it judges (the thread's
state, each post's author and state) come from the cached page's meta and slot
arguments, which the events keep current.
"""

import contextvars
from contextlib import contextmanager
from functools import cached_property

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from forum import permissions, slots
from forum.models import Comment, Post, Thread

_slotted = contextvars.ContextVar("forum_slotted", default=False)


@contextmanager
def slotted():
    """While rendering a shared page: per-viewer values (the CSRF token) become slots."""
    token = _slotted.set(True)
    try:
        yield
    finally:
        _slotted.reset(token)


def is_slotted() -> bool:
    return _slotted.get()


def thread_meta(thread: Thread) -> dict:
    """What the fillers of a thread page need to know about the thread."""
    return {
        "pk": thread.pk,
        "slug": thread.slug,
        "category_id": thread.category_id,
        "author_id": thread.author_id,
        "state": thread.state,
        "is_locked": thread.is_locked,
        "is_pinned": thread.is_pinned,
        "accepted_answer_id": thread.accepted_answer_id,
        "answer_count": thread.answer_count,
    }


class Viewer:
    """One request's viewer, and what the page's meta tells about what they look at."""

    def __init__(self, request: HttpRequest, meta: dict):
        self.request = request
        self.user = request.user
        self.meta = meta

    @cached_property
    def csrf(self) -> str:
        return get_token(self.request)

    @cached_property
    def thread(self) -> Thread | None:
        data = self.meta.get("thread")
        return (
            Thread(**{key if key != "pk" else "id": value for key, value in data.items()})
            if data
            else None
        )

    @cached_property
    def my_votes(self) -> dict[int, int]:
        return self.meta.get("my_votes", {})

    def post(self, pk: str, kind: str, author_id: str, state: str) -> Post:
        post = Post(pk=int(pk), kind=kind, author_id=int(author_id), state=state)
        post.thread = self.thread
        post.score = self.meta.get("scores", {}).get(post.pk, 0)
        return post

    @cached_property
    def can_accept(self) -> bool:
        return permissions.can_accept_answer(self.user, self.thread)


def fill_response(request: HttpRequest, response: HttpResponse, meta: dict) -> HttpResponse:
    """Fill the slots of a response rendered with slots that is not kept (errors, 403...)."""
    if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
        parts = slots.split(response.content.decode(response.charset))
        if len(parts) > 1:
            response.content = slots.fill(parts, Viewer(request, meta))
    return response


def _form(action: str, viewer: Viewer, body: str, **attrs: str) -> str:
    extra = format_html_join("", ' {}="{}"', attrs.items())
    return format_html(
        '<form method="post" action="{}"{}><input type="hidden" name="csrfmiddlewaretoken" '
        'value="{}">{}</form>',
        action,
        extra,
        viewer.csrf,
        body,
    )


@slots.filler("csrf")
def fill_csrf(viewer: Viewer) -> str:
    # Anonymous pages carry no token: nothing there posts, and a proxy may share them.
    return viewer.csrf if viewer.user.is_authenticated else ""


@slots.filler("nav")
def fill_nav(viewer: Viewer) -> str:
    if not viewer.user.is_authenticated:
        return format_html(
            '<li><a href="{}">{}</a></li><li><a href="{}">{}</a></li>',
            reverse("account_login"),
            _("Log in"),
            reverse("account_signup"),
            _("Sign up"),
        )
    logout = _form(
        reverse("account_logout"),
        viewer,
        format_html('<button type="submit" class="link-button">{}</button>', _("Log out")),
        **{"class": "inline-form"},
    )
    return format_html(
        '<li><a href="{}">{}</a></li><li>{}</li>',
        viewer.user.get_absolute_url(),
        _("My profile"),
        logout,
    )


@slots.filler("messages")
def fill_messages(viewer: Viewer) -> str:
    pending = list(messages.get_messages(viewer.request))
    if not pending:
        return ""
    return format_html(
        '<div class="messages" role="status">{}</div>',
        format_html_join(
            "", '<p class="message message-{}">{}</p>', ((m.tags, str(m)) for m in pending)
        ),
    )


@slots.filler("thread-mod")
def fill_thread_moderation(viewer: Viewer) -> str:
    thread = viewer.thread
    if not permissions.can_moderate_thread(viewer.user, thread):
        return ""
    lock = ("unlock", _("Unlock")) if thread.is_locked else ("lock", _("Lock"))
    pin = ("unpin", _("Unpin")) if thread.is_pinned else ("pin", _("Pin"))
    buttons = [
        _form(
            reverse(f"forum:{action}_thread", args=[thread.pk]),
            viewer,
            format_html(
                '<button type="submit" class="button button-small button-secondary">{}</button>',
                label,
            ),
            **{"class": "inline-form"},
        )
        for action, label in (lock, pin)
    ]
    return format_html('<div class="moderator-actions">{}{}</div>', *buttons)


def vote_widget(viewer: Viewer, post: Post, my_vote: int, can_vote: bool) -> str:
    """The vote buttons and score of *post* (also the htmx answer to a vote)."""
    action = reverse("forum:vote", args=[post.pk])
    htmx = {"hx-post": action, "hx-target": f"#vote-{post.pk}", "hx-swap": "outerHTML"}
    if post.is_question:
        score = format_html(
            '<span class="score" aria-live="polite">{}</span>',
            ngettext(
                "%(counter)s person has this problem",
                "%(counter)s people have this problem",
                post.score,
            )
            % {"counter": post.score},
        )
        form = ""
        if can_vote:
            form = _form(
                action,
                viewer,
                format_html(
                    '<input type="hidden" name="value" value="{}"><button type="submit" '
                    'class="button button-small button-secondary metoo" aria-pressed="{}">'
                    "{}</button>",
                    "clear" if my_vote == 1 else "up",
                    "true" if my_vote == 1 else "false",
                    _("I have this problem too"),
                ),
                **htmx,
            )
        return format_html('<div class="vote" id="vote-{}">{}{}</div>', post.pk, form, score)
    if not can_vote:
        return format_html(
            '<div class="vote" id="vote-{}"><span class="score score-static">'
            '<span class="visually-hidden">{}: </span>{}</span></div>',
            post.pk,
            _("score"),
            post.score,
        )
    buttons = format_html(
        '<button type="submit" name="value" value="{}" class="vote-button" aria-pressed="{}" '
        'aria-label="{}">▲</button><span class="score" aria-live="polite" aria-label="{}">{}'
        '</span><button type="submit" name="value" value="{}" class="vote-button" '
        'aria-pressed="{}" aria-label="{}">▼</button>',
        "clear" if my_vote == 1 else "up",
        "true" if my_vote == 1 else "false",
        _("Helpful (vote up)"),
        _("score"),
        post.score,
        "clear" if my_vote == -1 else "down",
        "true" if my_vote == -1 else "false",
        _("Not helpful (vote down)"),
    )
    form = _form(action, viewer, buttons, **htmx, **{"class": "vote-form"})
    return format_html('<div class="vote" id="vote-{}">{}</div>', post.pk, form)


@slots.filler("vote")
def fill_vote(viewer: Viewer, pk: str, kind: str, author_id: str, state: str) -> str:
    post = viewer.post(pk, kind, author_id, state)
    return vote_widget(
        viewer, post, viewer.my_votes.get(post.pk, 0), permissions.can_vote(viewer.user, post)
    )


@slots.filler("post-actions")
def fill_post_actions(viewer: Viewer, pk: str, kind: str, author_id: str, state: str) -> str:
    post = viewer.post(pk, kind, author_id, state)
    out = []
    if permissions.can_edit_post(viewer.user, post):
        out.append(
            format_html('<a href="{}">{}</a>', reverse("forum:edit_post", args=[pk]), _("Edit"))
        )
    if permissions.can_delete_post(viewer.user, post):
        out.append(
            format_html('<a href="{}">{}</a>', reverse("forum:delete_post", args=[pk]), _("Delete"))
        )
    if not post.is_question and post.is_published and viewer.can_accept:
        accepted = viewer.thread.accepted_answer_id == post.pk
        if accepted:
            action = reverse("forum:unaccept", args=[viewer.thread.pk])
            button = format_html(
                '<button type="submit" class="button button-small button-secondary">{}</button>',
                _("Unmark solution"),
            )
        else:
            action = reverse("forum:accept", args=[pk])
            button = format_html(
                '<button type="submit" class="button button-small accept-button">{}</button>',
                _("Mark as solution"),
            )
        out.append(
            _form(
                action,
                viewer,
                button,
                **{
                    "hx-post": action,
                    "hx-target": "#main",
                    "hx-select": "#main",
                    "hx-swap": "outerHTML",
                    "class": "inline-form",
                },
            )
        )
    return "\n".join(out)


@slots.filler("comment-delete")
def fill_comment_delete(viewer: Viewer, pk: str, author_id: str, state: str) -> str:
    comment = Comment(pk=int(pk), author_id=int(author_id), state=state)
    if not permissions.can_delete_comment(viewer.user, comment):
        return ""
    return _form(
        reverse("forum:delete_comment", args=[pk]),
        viewer,
        format_html('<button type="submit" class="link-button">{}</button>', _("delete")),
        **{"class": "inline-form"},
    )


@slots.filler("comment-add")
def fill_comment_add(viewer: Viewer, pk: str, kind: str, author_id: str, state: str) -> str:
    post = viewer.post(pk, kind, author_id, state)
    if not permissions.can_post_comment(viewer.user, post):
        return ""
    fields = format_html(
        '<label for="comment-body-{pk}">{label}</label><textarea id="comment-body-{pk}" '
        'name="body" rows="2" maxlength="600" required minlength="2"></textarea>'
        '<button type="submit" class="button button-small">{button}</button>',
        pk=pk,
        label=_("Comment"),
        button=_("Post comment"),
    )
    return format_html(
        '<details class="comment-add"><summary>{}</summary>{}</details>',
        _("Add a comment"),
        _form(reverse("forum:comment", args=[pk]), viewer, fields),
    )


@slots.filler("answer-form")
def fill_answer_form(viewer: Viewer) -> str:
    from forum.forms import AnswerForm

    thread = viewer.thread
    return render_to_string(
        "forum/includes/_answer_form.html",
        {
            "thread": thread,
            "can_answer": permissions.can_post_answer(viewer.user, thread),
            "answer_form": viewer.meta.get("answer_form") or AnswerForm(),
        },
        request=viewer.request,
    )
