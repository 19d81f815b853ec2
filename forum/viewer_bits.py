"""The per-viewer bits of shared pages: the fillers of ``forum.slots``' slots.

A member's thread page has several slots per post (my vote, my buttons, the comment
form), so fillers must be cheap: each builds its few lines of HTML with string
formatting from pre-escaped, pre-translated labels and URL templates (per language,
made once per process), and judges with ``forum.permissions`` like everything else,
on light stand-ins for the post and thread made from the page's meta and the slot's
arguments (the facts the events keep current). No template is rendered but the answer
form, and no query is made beyond the viewer's votes.
"""

import contextvars
import uuid
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, fields
from functools import cache, cached_property
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts import doors
from forum import permissions, slots
from forum.models import HasVisibility, Thread, Visibility
from reputation.models import Privilege

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


@dataclass
class ThreadFacts(HasVisibility):
    """A thread as the permission rules see it, from a cached page's meta."""

    pk: int
    slug: str
    category_id: int
    author_id: int
    state: str
    is_locked: bool
    is_pinned: bool
    accepted_answer_id: int | None
    answer_count: int
    # Last, with a default: pages kept before it existed still make facts.
    others_comment_count: int = 0

    def get_state_display(self) -> str:
        return str(Visibility(self.state).label)


def thread_meta(thread: Thread) -> dict:
    """What the fillers of a thread page need to know about the thread (``ThreadFacts``)."""
    return {field.name: getattr(thread, field.name) for field in fields(ThreadFacts)}


@dataclass
class PostFacts(HasVisibility):
    """A post as the permission rules see it, from a slot's arguments."""

    pk: int
    kind: str
    author_id: int
    state: str
    thread: ThreadFacts
    score: int = 0
    by_staff: bool = False

    @property
    def is_question(self) -> bool:
        return self.kind == "question"


@dataclass
class CommentFacts(HasVisibility):
    pk: int
    author_id: int
    state: str
    thread: ThreadFacts | None = None


@cache
def _labels(language: str) -> dict[str, str]:
    """The fillers' words in *language*, escaped once."""
    words = {
        "log_in": _("Log in"),
        "sign_up": _("Sign up"),
        "log_out": _("Log out"),
        "my_profile": _("My profile"),
        "me_too": _("I have this problem too"),
        "score": _("score"),
        "up": _("Helpful (vote up)"),
        "down": _("Not helpful (vote down)"),
        "edit": _("Edit"),
        "edit_tags": _("Edit tags"),
        "suggest_edit": _("Suggest an edit"),
        "delete": _("Delete"),
        "edited": _("edited"),
        "delete_comment": _("delete"),
        "accept": _("Mark as solution"),
        "unaccept": _("Unmark solution"),
        "comment": _("Comment"),
        "post_comment": _("Post comment"),
        "add_comment": _("Add a comment"),
    }
    return {key: escape(value) for key, value in words.items()}


@cache
def _url_template(name: str, language: str) -> tuple[str, str]:
    """``reverse(name, args=[pk])`` as a prefix and suffix around the pk, per language."""
    marker = "9876543210"
    url = reverse(name, args=[marker])
    prefix, _, suffix = url.partition(marker)
    return prefix, suffix


def url(name: str, pk: object, language: str | None = None) -> str:
    """``reverse(name, args=[pk])`` from a kept template; fillers pass ``viewer.language``
    (asking Django for the active language costs more than the rest of the call)."""
    prefix, suffix = _url_template(name, language or get_language())
    return f"{prefix}{pk}{suffix}"


class Viewer:
    """One request's viewer, and what the page's meta tells about what they look at."""

    def __init__(self, request: HttpRequest, meta: dict):
        self.request = request
        user = request.user
        # request.user is a lazy object: unwrap it, the fillers ask it hundreds of times.
        self.user = user._wrapped if user.is_authenticated or hasattr(user, "_wrapped") else user
        self.meta = meta
        self.language = get_language()
        self.labels = _labels(self.language)
        self._posts: dict[str, PostFacts] = {}

    @cached_property
    def csrf(self) -> str:
        return get_token(self.request)

    @cached_property
    def thread(self) -> ThreadFacts | None:
        data = self.meta.get("thread")
        return ThreadFacts(**data) if data else None

    @cached_property
    def my_votes(self) -> dict[int, int]:
        return self.meta.get("my_votes", {})

    def post(self, pk: str, kind: str, author_id: str, state: str) -> PostFacts:
        post = self._posts.get(pk)
        if post is None:
            post = PostFacts(int(pk), kind, int(author_id), state, self.thread)
            post.score = self.meta.get("scores", {}).get(post.pk, 0)
            self._posts[pk] = post
        return post

    @cached_property
    def can_accept(self) -> bool:
        return permissions.can_accept_answer(self.user, self.thread)

    @cached_property
    def is_moderator(self) -> bool:
        return self.user.is_authenticated and self.user.is_moderator

    # Set once the page holds the reason the down buttons point at (vote_widget).
    downvote_note_shown = False

    @cached_property
    def may_edit_others(self) -> bool:
        """Might the viewer edit, retag or suggest edits to others' posts? (Once per page.)"""
        user = self.user
        return user.is_moderator or any(
            permissions.has_privilege(user, privilege)
            for privilege in (Privilege.EDIT_OTHERS, Privilege.RETAG, Privilege.SUGGEST_EDITS)
        )

    @cached_property
    def downvote_refusal(self) -> str | None:
        """Why the viewer may not vote answers down (asked once per page), or None."""
        return permissions.downvote_refusal(self.user)

    @cached_property
    def waiting_suggestions(self) -> dict[int, int]:
        return self.meta.get("waiting_suggestions", {})

    def form(self, action: str, body: str, attrs: str = "") -> str:
        """A POST form to *action* carrying the viewer's CSRF token; *attrs* pre-escaped."""
        return (
            f'<form method="post" action="{action}"{attrs}><input type="hidden" '
            f'name="csrfmiddlewaretoken" value="{self.csrf}">{body}</form>'
        )


def fill_response(request: HttpRequest, response: HttpResponse, meta: dict) -> HttpResponse:
    """Fill the slots of a response rendered with slots that is not kept (errors, 403...)."""
    if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
        parts = slots.split(response.content.decode(response.charset))
        if len(parts) > 1:
            response.content = slots.fill(parts, Viewer(request, meta))
    return response


@slots.filler("csrf")
def fill_csrf(viewer: Viewer) -> str:
    # Anonymous pages carry no token: nothing there posts, and a proxy may share them.
    return viewer.csrf if viewer.user.is_authenticated else ""


@slots.filler("nav")
def fill_nav(viewer: Viewer) -> str:
    words = viewer.labels
    if not viewer.user.is_authenticated:
        target = doors.page_next(viewer.request)
        query = escape(f"?{urlencode({'next': target})}") if target else ""
        return (
            f'<li><a href="{reverse("account_login")}{query}">{words["log_in"]}</a></li>'
            f'<li><a href="{reverse("account_signup")}{query}">{words["sign_up"]}</a></li>'
        )
    logout = viewer.form(
        reverse("account_logout"),
        f'<button type="submit" class="link-button">{words["log_out"]}</button>',
        ' class="inline-form"',
    )
    profile = escape(viewer.user.get_absolute_url())
    return f'<li><a href="{profile}">{words["my_profile"]}</a></li><li>{logout}</li>'


@slots.filler("messages")
def fill_messages(viewer: Viewer) -> str:
    pending = list(messages.get_messages(viewer.request))
    if not pending:
        return ""
    items = "".join(f'<p class="message message-{escape(m.tags)}">{escape(m)}</p>' for m in pending)
    return f'<div class="messages" role="status">{items}</div>'


# Slots whose buttons belong to the apps above the forum (``moderation`` registers the
# real fillers in its ``viewer_bits``); without them the forum shows nothing there.
@slots.filler("thread-mod")
def fill_thread_moderation(viewer: Viewer) -> str:
    return ""


@slots.filler("thread-library")
def fill_library(viewer: Viewer) -> str:
    """A solved thread's place in the solution library: the library fills it
    (``solutions.viewer_bits``)."""
    return ""


@slots.filler("thread-related")
def fill_related(viewer: Viewer, pk: str) -> str:
    """Threads like this one: search fills it (``search.viewer_bits``)."""
    return ""


@slots.filler("post-mod")
def fill_post_moderation(viewer: Viewer, pk: str, kind: str, author_id: str, state: str) -> str:
    return ""


@slots.filler("member-notice")
def fill_member_notice(viewer: Viewer) -> str:
    return ""


def vote_widget(viewer: Viewer, post, my_vote: int, can_vote: bool) -> str:
    """The vote buttons and score of *post* (also the htmx answer to a vote)."""
    words = viewer.labels
    pk = post.pk
    action = url("forum:vote", pk, viewer.language)
    htmx = f' hx-post="{action}" hx-target="#vote-{pk}" hx-swap="outerHTML"'
    if post.is_question:
        people = ngettext(
            "%(counter)s person has this problem",
            "%(counter)s people have this problem",
            post.score,
        ) % {"counter": post.score}
        score = f'<span class="score" aria-live="polite">{escape(people)}</span>'
        form = ""
        if can_vote:
            pressed = my_vote == 1
            form = viewer.form(
                action,
                f'<input type="hidden" name="value" value="{"clear" if pressed else "up"}">'
                f'<button type="submit" class="button button-small button-secondary metoo" '
                f'aria-pressed="{"true" if pressed else "false"}">{words["me_too"]}</button>',
                htmx,
            )
        return f'<div class="vote" id="vote-{pk}">{form}{score}</div>'
    if not can_vote:
        return (
            f'<div class="vote" id="vote-{pk}"><span class="score score-static">'
            f'<span class="visually-hidden">{words["score"]}: </span>{post.score}</span></div>'
        )
    up, down = my_vote == 1, my_vote == -1
    # Voting down needs a privilege; taking a down vote back never does. Without it the
    # button stays in its place, disabled, and says what the member needs.
    # The reason is written once per page, beside the first such button; the others point
    # at it (a hundred answers would otherwise repeat it a hundred times).
    refusal = None if down else viewer.downvote_refusal
    if refusal:
        note = ""
        if not viewer.downvote_note_shown:
            viewer.downvote_note_shown = True
            note = f'<span class="visually-hidden" id="downvote-why">{escape(refusal)}</span>'
        down_button = (
            f'<button type="button" class="vote-button" disabled aria-label="{words["down"]}" '
            f'aria-describedby="downvote-why">▼</button>{note}'
        )
    else:
        down_button = (
            f'<button type="submit" name="value" value="{"clear" if down else "down"}" '
            f'class="vote-button" aria-pressed="{"true" if down else "false"}" '
            f'aria-label="{words["down"]}">▼</button>'
        )
    buttons = (
        f'<button type="submit" name="value" value="{"clear" if up else "up"}" '
        f'class="vote-button" aria-pressed="{"true" if up else "false"}" '
        f'aria-label="{words["up"]}">▲</button>'
        f'<span class="score" aria-live="polite" aria-label="{words["score"]}">{post.score}</span>'
        f"{down_button}"
    )
    form = viewer.form(action, buttons, f'{htmx} class="vote-form"')
    return f'<div class="vote" id="vote-{pk}">{form}</div>'


@slots.filler("vote")
def fill_vote(viewer: Viewer, pk: str, kind: str, author_id: str, state: str) -> str:
    post = viewer.post(pk, kind, author_id, state)
    can_vote = viewer.user.is_authenticated and permissions.can_vote(viewer.user, post)
    return vote_widget(viewer, post, viewer.my_votes.get(post.pk, 0), can_vote)


@slots.filler("post-actions")
def fill_post_actions(
    viewer: Viewer, pk: str, kind: str, author_id: str, state: str, by_staff: str = "False"
) -> str:
    if not viewer.user.is_authenticated:
        return ""
    post = viewer.post(pk, kind, author_id, state)
    post.by_staff = by_staff == "True"
    words = viewer.labels
    out = []
    mine = str(viewer.user.pk) == author_id
    if (mine or viewer.may_edit_others) and (mode := permissions.edit_mode(viewer.user, post)):
        label = {"edit": "edit", "retag": "edit_tags", "suggest": "suggest_edit"}[mode]
        out.append(f'<a href="{url("forum:edit_post", pk, viewer.language)}">{words[label]}</a>')
    if permissions.can_delete_post(viewer.user, post):
        out.append(
            f'<a href="{url("forum:delete_post", pk, viewer.language)}">{words["delete"]}</a>'
        )
    if not post.is_question and post.is_published and viewer.can_accept:
        if viewer.thread.accepted_answer_id == post.pk:
            action = url("forum:unaccept", viewer.thread.pk, viewer.language)
            button = (
                f'<button type="submit" class="button button-small button-secondary">'
                f"{words['unaccept']}</button>"
            )
        else:
            action = url("forum:accept", pk, viewer.language)
            button = (
                f'<button type="submit" class="button button-small accept-button">'
                f"{words['accept']}</button>"
            )
        attrs = (
            f' hx-post="{action}" hx-target="#main" hx-select="#main" hx-swap="outerHTML" '
            'class="inline-form"'
        )
        out.append(viewer.form(action, button, attrs))
    return "\n".join(out)


@slots.filler("suggested-edits")
def fill_suggested_edits(viewer: Viewer, pk: str) -> str:
    """ "N suggested edits waiting", for the post's author and moderators (the view counted
    them, in one query, only for them)."""
    count = viewer.waiting_suggestions.get(int(pk), 0)
    if not count:
        return ""
    text = ngettext(
        "%(count)s suggested edit waiting", "%(count)s suggested edits waiting", count
    ) % {"count": count}
    link = url("forum:suggested_edits", pk, viewer.language)
    return f'<p class="suggestions-waiting"><a href="{link}">{escape(text)}</a></p>'


@slots.filler("edited")
def fill_edited(viewer: Viewer, pk: str, author_id: str) -> str:
    """That a post was edited shows to everyone; its earlier versions only to some."""
    word = viewer.labels["edited"]
    user = viewer.user
    if user.is_authenticated and permissions.can_view_post_history(
        user, PostFacts(int(pk), "", int(author_id), "", viewer.thread)
    ):
        return f'<a href="{url("forum:post_history", pk, viewer.language)}">{word}</a>'
    return f'<span class="edited-mark">{word}</span>'


@slots.filler("comment-delete")
def fill_comment_delete(
    viewer: Viewer, pk: str, author_id: str, state: str, post_pk: str = ""
) -> str:
    user = viewer.user
    if not user.is_authenticated or (str(user.pk) != author_id and not viewer.is_moderator):
        return ""  # the common case, decided without building anything
    comment = CommentFacts(int(pk), int(author_id), state, viewer.thread)
    if not permissions.can_delete_comment(user, comment):
        return ""
    return viewer.form(
        url("forum:delete_comment", pk, viewer.language),
        f'<button type="submit" class="link-button">{viewer.labels["delete_comment"]}</button>',
        ' class="inline-form"',
    )


@slots.filler("comment-add")
def fill_comment_add(viewer: Viewer, pk: str, kind: str, author_id: str, state: str) -> str:
    if not viewer.user.is_authenticated:
        return ""
    post = viewer.post(pk, kind, author_id, state)
    if not permissions.can_post_comment(viewer.user, post):
        return ""
    words = viewer.labels
    fields = (
        f'<label for="comment-body-{pk}">{words["comment"]}</label><textarea '
        f'id="comment-body-{pk}" name="body" rows="2" maxlength="600" required minlength="2">'
        f'</textarea><button type="submit" class="button button-small">'
        f"{words['post_comment']}</button>"
    )
    form = viewer.form(url("forum:comment", pk, viewer.language), fields)
    return f'<details class="comment-add"><summary>{words["add_comment"]}</summary>{form}</details>'


# The answer form's HTML per thread, language and case, with holes for the viewer's
# CSRF token and the form's one-time submission key: a template render is the one
# costly thing a member's thread page would otherwise do on every view.
_ANSWER_FORMS: OrderedDict[tuple, str] = OrderedDict()
_ANSWER_FORMS_KEPT = 2000
_TOKEN_HOLE, _KEY_HOLE = "\x00token\x00", "\x00key\x00"


def _render_answer_form(viewer: Viewer, can_answer: bool, form) -> str:
    return render_to_string(
        "forum/includes/_answer_form.html",
        {
            "thread": viewer.thread,
            "can_answer": can_answer,
            "answer_form": form,
            "csrf_token": viewer.csrf if viewer.user.is_authenticated else "",
        },
        request=viewer.request,
    )


@slots.filler("answer-form")
def fill_answer_form(viewer: Viewer) -> str:
    from forum.forms import AnswerForm

    thread = viewer.thread
    can_answer = permissions.can_post_answer(viewer.user, thread)
    if bound := viewer.meta.get("answer_form"):  # a failed post: its errors and its text
        return _render_answer_form(viewer, can_answer, bound)
    case = (
        get_language(),
        thread.pk,
        thread.state,
        thread.is_locked,
        can_answer,
        viewer.user.is_authenticated,
        viewer.request.path,
    )
    html = _ANSWER_FORMS.get(case)
    if html is None:
        form = AnswerForm()
        html = _render_answer_form(viewer, can_answer, form)
        html = html.replace(str(form["submission_key"].value()), _KEY_HOLE)
        if viewer.user.is_authenticated:
            html = html.replace(viewer.csrf, _TOKEN_HOLE)
        _ANSWER_FORMS[case] = html
        while len(_ANSWER_FORMS) > _ANSWER_FORMS_KEPT:
            _ANSWER_FORMS.popitem(last=False)
    if _TOKEN_HOLE in html:
        html = html.replace(_TOKEN_HOLE, viewer.csrf)
    return html.replace(_KEY_HOLE, str(uuid.uuid4()))
