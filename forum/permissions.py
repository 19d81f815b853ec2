"""Who may do what in the forum. Views, templates (as booleans), the admin and services ask here.

Each rule is one ``_why_not_<verb>`` function returning the reason a person is refused,
in words they understand, or None. ``can_*`` answers yes or no; ``check_*`` raises
``PermissionDenied`` carrying the reason.
"""

import contextvars
import hashlib
import time
from collections.abc import Callable
from contextlib import contextmanager

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.models import BaseViewRestriction, PageViewRestriction

from accounts.models import User
from forum import rendering
from forum.models import (
    CategoryPage,
    Comment,
    Post,
    PostRevision,
    SuggestedEdit,
    Thread,
    Visibility,
)
from reputation import services as reputation
from reputation.models import Privilege

AnyUser = User | AnonymousUser


def _why_not_signed_in(user: AnyUser) -> str | None:
    if not user.is_authenticated:
        return _("Please log in first.")
    if not user.is_active:
        return _("Your account is not active.")
    return None


def _why_not_write(user: AnyUser) -> str | None:
    """What every change a member makes needs: signed in, not suspended, no warning left
    unread (``User.write_refusal``). Reading needs none of it."""
    if reason := _why_not_signed_in(user):
        return reason
    return user.write_refusal()


def _moderates(user: AnyUser, thread) -> bool:
    """Is *user* a moderator of *thread*'s product (brand representatives may be limited
    to some products; ``User.moderates``)?"""
    return user.is_authenticated and user.moderates(thread.category_id)


def write_refusal(user: AnyUser) -> str | None:
    """Why *user* may not post, vote, flag or edit now, or None."""
    return _why_not_write(user)


# --- Privileges: what a member's trust level unlocks (``reputation``). The forum only asks
# ``has_privilege`` and shows ``privilege_refusal``; within a request each answer is kept in
# the request's memo (a thread page asks for every post).


def _memoised(key: str, compute: Callable[[], object]) -> object:
    """*compute*'s answer, asked once per request for *key* (the request's memo)."""
    memo = _memo.get()
    if memo is not None and key in memo:
        return memo[key]
    answer = compute()
    if memo is not None:
        memo[key] = answer
    return answer


def has_privilege(user: AnyUser, privilege: Privilege) -> bool:
    """``reputation.services.has_privilege``, asked once per request, member and level."""
    if not user or not user.is_authenticated:
        return False
    key = f"privilege:{user.pk}:{user.trust_level}:{privilege}"
    return _memoised(key, lambda: reputation.has_privilege(user, privilege))


def privilege_refusal(user: AnyUser, privilege: Privilege) -> str | None:
    """Why *user* lacks *privilege* and what they need to earn it (None if they have it)."""
    if has_privilege(user, privilege):
        return None
    key = f"privilege-refusal:{user.pk}:{user.trust_level}:{privilege}:{get_language()}"
    return _memoised(key, lambda: reputation.privilege_refusal(user, privilege))


class _Missing:
    """A refusal for want of *privilege*: truthy, and worded (``privilege_refusal``, which
    may ask the ledger) only when shown, so ``can_*`` answers ask nothing of it."""

    __slots__ = ("_text", "privilege", "user")

    def __init__(self, user: AnyUser, privilege: Privilege) -> None:
        self.user, self.privilege, self._text = user, privilege, None

    def __bool__(self) -> bool:
        return True

    def __str__(self) -> str:
        if self._text is None:
            self._text = privilege_refusal(self.user, self.privilege) or ""
        return self._text

    def __repr__(self) -> str:
        return f"<missing privilege {self.privilege}>"


def _needs(user: AnyUser, privilege: Privilege) -> "_Missing | None":
    """None when *user* holds *privilege*, else the refusal naming what they need."""
    return None if has_privilege(user, privilege) else _Missing(user, privilege)


def _why_not_post_links(user: AnyUser, html: str, before_html: str = "") -> str | None:
    """Links and images (in the rendered *html*) need a privilege; an edit is judged on
    the links it adds to *before_html*, so fixing a typo never trips on links kept."""
    if not rendering.has_links(html):
        return None
    if has_privilege(user, Privilege.POST_LINKS):
        return None
    if before_html and set(rendering.link_targets(html)) <= set(
        rendering.link_targets(before_html)
    ):
        return None
    return _needs(user, Privilege.POST_LINKS)


def _why_not_ask(user: AnyUser) -> str | None:
    return _why_not_write(user)


def _why_not_answer(user: AnyUser, thread: Thread) -> str | None:
    if reason := _why_not_write(user):
        return reason
    if thread.is_deleted:
        return _("This thread has been deleted.")
    if not thread.is_published:
        return _("This thread is not open to answers while it is %(state)s.") % {
            "state": thread.get_state_display()
        }
    if thread.is_locked:
        return _("This thread is locked: it no longer takes new answers.")
    return None


def _why_not_comment(user: AnyUser, post: Post) -> str | None:
    if reason := _why_not_answer(user, post.thread):
        return reason
    if post.is_deleted:
        return _("This post has been deleted.")
    if not post.is_published:
        return _("Comments open once this post is published.")
    return None


def _why_not_open_post(user: AnyUser, post: Post) -> str | None:
    """What every change to a post needs: a member, a post still there, an open thread."""
    if reason := _why_not_write(user):
        return reason
    if post.is_deleted or post.thread.is_deleted:
        return _("This post has been deleted.")
    if post.thread.is_locked and not _moderates(user, post.thread):
        return _("This thread is locked: its posts can no longer be edited.")
    others = user.pk != post.author_id and not _moderates(user, post.thread)
    if others and (not post.is_published or not post.thread.is_published):
        return _("Only published posts can be edited by other members.")
    return None


def _why_not_edit_post(user: AnyUser, post: Post) -> str | None:
    """Change everything of *post* (its text; a question's title and tags too)."""
    if reason := _why_not_open_post(user, post):
        return reason
    if user.pk == post.author_id or _moderates(user, post.thread):
        return None
    if _by_staff(post):
        return _(
            "Posts by the company's staff can be changed only by their author or a "
            "moderator; you can suggest an edit."
        )
    return _needs(user, Privilege.EDIT_OTHERS)


def _by_staff(post: Post) -> bool:
    """Was *post* written by staff? (A stand-in from a cached page says so itself.)"""
    by_staff = getattr(post, "by_staff", None)
    return post.author.is_staff_member if by_staff is None else by_staff


def _why_not_retag(user: AnyUser, post: Post) -> str | None:
    """Change only the tags of the question *post*."""
    if not post.is_question:
        return _("Only a question has tags.")
    if _why_not_edit_post(user, post) is None:
        return None
    if reason := _why_not_open_post(user, post):
        return reason
    return _needs(user, Privilege.RETAG)


def _why_not_suggest_edit(user: AnyUser, post: Post) -> str | None:
    """Propose a change to someone else's post, for its author or a moderator to review."""
    if reason := _why_not_open_post(user, post):
        return reason
    if user.pk == post.author_id:
        return _("You can edit your own post directly.")
    if _why_not_edit_post(user, post) is None:
        return _("You can edit this post directly.")
    return _needs(user, Privilege.SUGGEST_EDITS)


def _why_not_change_post(user: AnyUser, post: Post, changes_text: bool) -> str | None:
    """The edit service's rule: everything with the edit rule, only the tags of someone
    else's question with the retag privilege (*changes_text*: the title or text differ)."""
    reason = _why_not_edit_post(user, post)
    if reason is None:
        return None
    can_retag = post.is_question and _why_not_retag(user, post) is None
    if not changes_text:
        return None if can_retag else reason
    if can_retag:
        return _("You can change only the tags of this question. %(reason)s") % {"reason": reason}
    return reason


def edit_mode(user: AnyUser, post: Post) -> str | None:
    """What the edit page offers *user* for *post*: "edit" (everything), "retag" (the tags
    of someone else's question), "suggest" (a suggested edit for review), or None."""
    if _why_not_edit_post(user, post) is None:
        return "edit"
    if post.is_question and _why_not_retag(user, post) is None:
        return "retag"
    if _why_not_suggest_edit(user, post) is None:
        return "suggest"
    return None


def _why_not_open_editor(user: AnyUser, post: Post) -> str | None:
    if edit_mode(user, post) is not None:
        return None
    if (reason := _why_not_open_post(user, post)) or user.pk == post.author_id:
        return reason or _why_not_edit_post(user, post)
    return _why_not_suggest_edit(user, post)


def _why_not_review_suggestion(user: AnyUser, suggestion: SuggestedEdit) -> str | None:
    """Approve or reject a suggested edit: the post's author or a moderator, while the
    suggestion waits and its post is published in an open thread."""
    if reason := _why_not_write(user):
        return reason
    post = suggestion.post
    if user.pk != post.author_id and not _moderates(user, post.thread):
        return _("Only the post's author and the moderators can review its suggested edits.")
    if user.pk == suggestion.author_id:
        return _("You cannot review your own suggested edit.")
    if not suggestion.is_pending:
        return _("This suggested edit has already been reviewed.")
    if post.is_deleted or post.thread.is_deleted:
        return _("This post has been deleted.")
    if not post.is_published or not post.thread.is_published:
        return _("This post is not published, so its suggested edits cannot be reviewed.")
    if post.thread.is_locked and not _moderates(user, post.thread):
        return _("This thread is locked: its posts can no longer be edited.")
    return None


def _why_not_see_suggestions(user: AnyUser, post: Post) -> str | None:
    if reason := _why_not_signed_in(user):
        return reason
    if user.pk != post.author_id and not user.is_moderator:
        return _("Only the post's author and the moderators can review its suggested edits.")
    return None


# Deleting takes back what one wrote, as long as nothing depends on it: a question stays
# once someone else replied (an answer, or a comment on it), an accepted answer stays. A lock
# freezes the thread as it is: its authors can no longer edit or delete there; moderators can.
def _why_not_delete_post(user: AnyUser, post: Post) -> str | None:
    if reason := _why_not_write(user):
        return reason
    if post.is_deleted:
        return _("This post has already been deleted.")
    if user.pk != post.author_id:
        return _("You can only delete your own posts.")
    if post.thread.is_locked and not _moderates(user, post.thread):
        return _("This thread is locked: its posts can no longer be deleted.")
    if post.is_question and post.thread.answer_count > 0:
        return _("This question has answers, so it can no longer be deleted.")
    if post.is_question and post.thread.others_comment_count > 0:
        return _("Other members have commented on this question, so it can no longer be deleted.")
    if not post.is_question and post.thread.accepted_answer_id == post.pk:
        return _("This answer is the accepted solution, so it can no longer be deleted.")
    return None


def _why_not_delete_comment(user: AnyUser, comment: Comment) -> str | None:
    if reason := _why_not_write(user):
        return reason
    if comment.is_deleted:
        return _("This comment has already been deleted.")
    # Moderators remove others' comments through ``moderation.services`` (audited).
    if user.pk != comment.author_id:
        return _("You can only delete your own comments.")
    if comment.thread.is_locked and not _moderates(user, comment.thread):
        return _("This thread is locked: its comments can no longer be deleted.")
    return None


def _why_not_vote(user: AnyUser, post: Post, value: int | None = None) -> str | None:
    """May *user* vote on *post*, and (given *value*: 1, -1 or 0) vote that way?

    Voting down needs a privilege; taking a vote back (0) never does.
    """
    if reason := _why_not_write(user):
        return reason
    if post.is_deleted or post.thread.is_deleted:
        return _("This post has been deleted.")
    if not post.is_published or not post.thread.is_published:
        return _("Voting opens once this post is published.")
    if post.author_id == user.pk:
        return _("You cannot vote on your own post.")
    if post.thread.is_locked:
        return _("This thread is locked: voting is closed.")
    if value is not None and value < 0:
        return _needs(user, Privilege.DOWNVOTE)
    return None


def _why_not_accept(user: AnyUser, thread: Thread) -> str | None:
    if reason := _why_not_write(user):
        return reason
    if thread.is_locked:
        return _("This thread is locked: its solution can no longer be changed.")
    if not thread.is_published:
        # Hiding a thread holds its points until it is shown again, solution included.
        return _("The solution can be changed only while the thread is published.")
    if user.pk != thread.author_id and not _moderates(user, thread):
        return _(
            "Only the person who asked, a brand representative or an administrator "
            "can mark the solution."
        )
    return None


def _why_not_accept_post(user: AnyUser, post: Post) -> str | None:
    if reason := _why_not_accept(user, post.thread):
        return reason
    if post.is_question:
        return _("Only an answer can be marked as the solution.")
    if post.is_deleted:
        return _("This answer has been deleted, so it cannot be the solution.")
    if not post.is_published:
        return _("Only an answer everyone can see can be marked as the solution.")
    return None


def _why_not_view_history(user: AnyUser, post: Post) -> str | None:
    # Earlier versions may hold what their author took back (a password pasted by mistake).
    if reason := _why_not_signed_in(user):
        return reason
    if user.pk != post.author_id and not user.is_moderator:
        return _("Only the author and the moderators can see a post's earlier versions.")
    return None


def _why_not_redact(user: AnyUser, revision: PostRevision) -> str | None:
    if reason := _why_not_signed_in(user):
        return reason
    if not user.is_moderator:
        return _("Only brand representatives and administrators can remove an earlier version.")
    return None


def _why_not_moderate(user: AnyUser, thread: Thread) -> str | None:
    if reason := _why_not_signed_in(user):
        return reason
    if not user.is_moderator:
        return _("Only brand representatives and administrators can do this.")
    if not _moderates(user, thread):
        return _("You moderate other products: this thread's product is not one of them.")
    return None


def _why_not_hide(user: AnyUser, post: Post) -> str | None:
    if reason := _why_not_moderate(user, post.thread):
        return reason
    if post.is_deleted or post.thread.is_deleted:
        return _("This post has been deleted.")
    if post.state == Visibility.PENDING:
        return _("This post is waiting for review: approve or reject it instead.")
    return None


def _checker(rule: Callable[..., str | None]) -> Callable[..., None]:
    def check(*args: object, **kwargs: object) -> None:
        if reason := rule(*args, **kwargs):
            raise PermissionDenied(reason)

    return check


def can_ask_question(user: AnyUser) -> bool:
    return _why_not_ask(user) is None


def can_post_answer(user: AnyUser, thread: Thread) -> bool:
    return _why_not_answer(user, thread) is None


def can_post_comment(user: AnyUser, post: Post) -> bool:
    return _why_not_comment(user, post) is None


def can_edit_post(user: AnyUser, post: Post) -> bool:
    """Change everything of *post*: its author, moderators and members who may edit others'."""
    return _why_not_edit_post(user, post) is None


def can_retag_post(user: AnyUser, post: Post) -> bool:
    """Change the tags of the question *post* (all a member with only retag may change)."""
    return _why_not_retag(user, post) is None


def can_suggest_edit(user: AnyUser, post: Post) -> bool:
    return _why_not_suggest_edit(user, post) is None


def can_open_editor(user: AnyUser, post: Post) -> bool:
    """Whether the edit page serves *user* for *post* in any mode (``edit_mode``)."""
    return edit_mode(user, post) is not None


def can_review_suggestion(user: AnyUser, suggestion: SuggestedEdit) -> bool:
    return _why_not_review_suggestion(user, suggestion) is None


def can_see_suggestions(user: AnyUser, post: Post) -> bool:
    """May *user* see the suggested edits of *post* (its author, moderators)?"""
    return _why_not_see_suggestions(user, post) is None


def can_post_links(user: AnyUser, html: str, before_html: str = "") -> bool:
    """May *user* publish the rendered *html* (replacing *before_html*), links and all?"""
    return _why_not_post_links(user, html, before_html) is None


def post_links_refusal(user: AnyUser, html: str, before_html: str = "") -> str | None:
    reason = _why_not_post_links(user, html, before_html)
    return str(reason) if reason else None


def can_delete_post(user: AnyUser, post: Post) -> bool:
    return _why_not_delete_post(user, post) is None


def can_delete_comment(user: AnyUser, comment: Comment) -> bool:
    return _why_not_delete_comment(user, comment) is None


def can_vote(user: AnyUser, post: Post, value: int | None = None) -> bool:
    return _why_not_vote(user, post, value) is None


def can_downvote(user: AnyUser, post: Post) -> bool:
    return _why_not_vote(user, post, -1) is None


def downvote_refusal(user: AnyUser) -> str | None:
    """What a member needs to vote answers down, or None when they may."""
    return privilege_refusal(user, Privilege.DOWNVOTE)


def can_accept_answer(user: AnyUser, thread: Thread) -> bool:
    return _why_not_accept(user, thread) is None


def can_accept_post(user: AnyUser, post: Post) -> bool:
    """May *user* mark this answer, as it is, as its thread's solution?"""
    return _why_not_accept_post(user, post) is None


def can_view_post_history(user: AnyUser, post: Post) -> bool:
    """May *user* see the earlier versions of *post*? (That it was edited shows to all.)"""
    return _why_not_view_history(user, post) is None


def can_redact_revision(user: AnyUser, revision: PostRevision) -> bool:
    """May *user* remove the text of this earlier version (again: it is idempotent)?"""
    return _why_not_redact(user, revision) is None


def can_hide_post(user: AnyUser, post: Post) -> bool:
    """Hide a post from everyone but moderators, or show a hidden one again."""
    return _why_not_hide(user, post) is None


def can_moderate_thread(user: AnyUser, thread: Thread) -> bool:
    """Lock, unlock, pin and unpin."""
    return _why_not_moderate(user, thread) is None


check_ask_question = _checker(_why_not_ask)
check_post_answer = _checker(_why_not_answer)
check_post_comment = _checker(_why_not_comment)
check_edit_post = _checker(_why_not_edit_post)
check_open_editor = _checker(_why_not_open_editor)
check_change_post = _checker(_why_not_change_post)
check_suggest_edit = _checker(_why_not_suggest_edit)
check_review_suggestion = _checker(_why_not_review_suggestion)
check_see_suggestions = _checker(_why_not_see_suggestions)
check_post_links = _checker(_why_not_post_links)
check_delete_post = _checker(_why_not_delete_post)
check_delete_comment = _checker(_why_not_delete_comment)
check_vote = _checker(_why_not_vote)
check_accept_answer = _checker(_why_not_accept)
check_accept_post = _checker(_why_not_accept_post)
check_moderate_thread = _checker(_why_not_moderate)
check_hide_post = _checker(_why_not_hide)
check_view_post_history = _checker(_why_not_view_history)
check_redact_revision = _checker(_why_not_redact)


# --- Who sees what: the only filters on a visibility state (see DESIGN.md, "Who sees what").
#
# A thread is visible when its product page is live and *user* passes the page's view
# restrictions (Wagtail privacy), and its state allows: published for everyone, pending
# for its author too, hidden and pending for moderators; deleted for nobody. Posts and
# comments follow the same rule for their own state, inside a visible thread.

PAGES_VERSION_KEY = "forum:pages:version"
_CATEGORY_IDS_SECONDS = 300


_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("forum_memo", default=None)


@contextmanager
def request_memo():
    """Remember the pages version and visible products for one request (the middleware)."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def remember(key: str, value: object) -> None:
    """Prime the request's memo with a value read together with others."""
    memo = _memo.get()
    if memo is not None and value is not None:
        memo[key] = value


def pages_version() -> int:
    """Changes whenever a Wagtail page is published, unpublished, moved or restricted."""
    memo = _memo.get()
    if memo is not None and PAGES_VERSION_KEY in memo:
        return memo[PAGES_VERSION_KEY]
    version = cache.get_or_set(PAGES_VERSION_KEY, time.time_ns(), timeout=None)
    remember(PAGES_VERSION_KEY, version)
    return version


def audience(user: AnyUser) -> str:
    """The class of viewers who see the same products: by sign-in, moderation and groups."""
    if not user or not user.is_authenticated:
        return "anonymous"
    if user.is_moderator:
        return "moderator"
    groups = ",".join(sorted(user.role_names)).encode()
    return "member-" + hashlib.blake2b(groups, digest_size=8).hexdigest()


def category_ids_key(user: AnyUser) -> str:
    return f"forum:categories:{pages_version()}:{audience(user)}"


def _passes(restriction: PageViewRestriction, user: AnyUser, group_names: set[str]) -> bool:
    if user and user.is_authenticated and user.is_moderator:
        return True
    if restriction.restriction_type == BaseViewRestriction.LOGIN:
        return bool(user and user.is_authenticated)
    if restriction.restriction_type == BaseViewRestriction.GROUPS:
        if not user or not user.is_authenticated:
            return False
        return bool(group_names & set(user.role_names))
    # Password-protected products are for moderators only: a password is per session,
    # and lists, search and notifications have no session to ask.
    return False


def visible_category_ids(user: AnyUser) -> frozenset[int]:
    """Ids of the live products *user* may see; cached per audience and pages version."""
    key = category_ids_key(user)
    memo = _memo.get()
    if memo is not None and key in memo:
        return memo[key]
    ids = _local_ids(key)
    if ids is None:
        ids = cache.get(key)
    if ids is None:
        restrictions = [
            (restriction, {group.name for group in restriction.groups.all()})
            for restriction in PageViewRestriction.objects.select_related("page").prefetch_related(
                "groups"
            )
        ]
        ids = set()
        for page_id, path in CategoryPage.objects.live().values_list("pk", "path"):
            if all(
                _passes(restriction, user, group_names)
                for restriction, group_names in restrictions
                if path.startswith(restriction.page.path)
            ):
                ids.add(page_id)
        ids = frozenset(ids)
        cache.set(key, ids, _CATEGORY_IDS_SECONDS)
    remember(key, ids)
    _LOCAL_IDS[key] = (time.monotonic() + _CATEGORY_IDS_SECONDS, ids)
    return ids


# This process's copies of the visible products per audience and pages version: the key
# changes whenever a page changes, so a copy is never stale; it saves a round trip.
_LOCAL_IDS: dict[str, tuple[float, frozenset[int]]] = {}


def _local_ids(key: str) -> frozenset[int] | None:
    item = _LOCAL_IDS.get(key)
    if item is None or item[0] < time.monotonic():
        if len(_LOCAL_IDS) > 1000:
            _LOCAL_IDS.clear()
        return None
    return item[1]


def _state_q(user: AnyUser, *, prefix: str = "", include_own_pending: bool = True) -> Q:
    if user and user.is_authenticated and user.is_moderator:
        return ~Q(**{f"{prefix}state": Visibility.DELETED})
    q = Q(**{f"{prefix}state": Visibility.PUBLISHED})
    if include_own_pending and user and user.is_authenticated:
        q |= Q(**{f"{prefix}state": Visibility.PENDING, f"{prefix}author_id": user.pk})
    return q


def visible_threads(
    user: AnyUser, queryset: QuerySet[Thread], *, include_own_pending: bool = True
) -> QuerySet[Thread]:
    """The threads of *queryset* that *user* may see.

    Lists shared by many viewers pass ``include_own_pending=False``: an author finds
    their pending thread on its own page and on their profile, marked as waiting.
    """
    return queryset.filter(
        _state_q(user, include_own_pending=include_own_pending),
        category_id__in=visible_category_ids(user),
    )


def indexable_threads(queryset: QuerySet[Thread]) -> QuerySet[Thread]:
    """The threads of *queryset* a search index may hold: published, in live products,
    private products included. Only for indexes that every query then narrows to the
    viewer's products (``visible_category_ids``) and checks against ``visible_threads``."""
    return queryset.filter(_state_q(None), category_id__in=CategoryPage.objects.live().values("pk"))


def indexable_posts(queryset: QuerySet[Post]) -> QuerySet[Post]:
    """The posts a search index may hold: published, in threads it may hold."""
    return queryset.filter(
        _state_q(None),
        _state_q(None, prefix="thread__"),
        thread__category_id__in=CategoryPage.objects.live().values("pk"),
    )


def visible_posts(user: AnyUser, queryset: QuerySet[Post]) -> QuerySet[Post]:
    """The posts of *queryset* that *user* may see, in threads *user* may see."""
    return queryset.filter(
        _state_q(user),
        _state_q(user, prefix="thread__"),
        thread__category_id__in=visible_category_ids(user),
    )


def visible_comments(user: AnyUser, queryset: QuerySet[Comment]) -> QuerySet[Comment]:
    """The comments of *queryset* that *user* may see (their post's visibility is the caller's)."""
    return queryset.filter(_state_q(user))


def is_visible_thread(user: AnyUser, thread: Thread) -> bool:
    """The same rule as ``visible_threads`` for one loaded thread, without a query."""
    if thread.category_id not in visible_category_ids(user):
        return False
    return _state_allows(user, thread.state, thread.author_id)


def _state_allows(user: AnyUser, state: str, author_id: int) -> bool:
    if state == Visibility.PUBLISHED:
        return True
    if state == Visibility.DELETED or not user or not user.is_authenticated:
        return False
    if user.is_moderator:
        return True
    return state == Visibility.PENDING and author_id == user.pk
