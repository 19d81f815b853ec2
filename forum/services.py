"""Forum actions. Each function is the only code path for its change.

Every function checks its permission rule (``forum.permissions``), changes rows inside
one transaction, moves stored counters with ``F()`` and announces what happened
through ``forum.events`` (the outbox row is written in the same transaction).

Two people may act on the same thread at once, so a function never decides on the
objects its caller loaded: it locks the thread row (``select_for_update``), then the
post, then a comment or vote, always in that order, reads them again under the lock and
judges those. Each write is guarded by the state it changes (``filter(pk=...,
state=...).update(...)``) and counters move only when that write changed a row. On
SQLite ``select_for_update`` does nothing, but every transaction takes the write lock
when it begins (``transaction_mode`` IMMEDIATE), so the reads under it are just as fresh.
"""

import itertools
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Min, Q
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from forum import events, permissions, rendering, screening
from forum.models import (
    MAX_TAGS,
    REDACTION_REASON_MAX_LENGTH,
    CategoryPage,
    Comment,
    Post,
    PostRevision,
    SuggestedEdit,
    Tag,
    Thread,
    Visibility,
    Vote,
    normalize_tag_name,
    tag_slug_base,
)
from reputation import services as reputation
from reputation.models import Cause


def _source(post: Post) -> reputation.Source:
    """Where a post's points come from, for the reputation ledger."""
    return reputation.Source(
        post_id=post.pk, thread_id=post.thread_id, product_id=post.thread.category_id
    )


def _thread_slug(title: str) -> str:
    return slugify(title, allow_unicode=True)[:80].strip("-") or "thread"


def _locked_thread(thread_id: int) -> Thread:
    """The thread as it is now, locked until the transaction ends."""
    return Thread.objects.select_for_update().get(pk=thread_id)


def _locked_post(post_id: int, thread: Thread) -> Post:
    """The post as it is now, locked after its (already locked) *thread*."""
    post = Post.objects.select_for_update().get(pk=post_id)
    post.thread = thread
    return post


def _tags_for(names: Iterable[str]) -> list[Tag]:
    """The tags named *names* (normalised: "C#" is "c#"), made when missing; at most MAX_TAGS."""
    wanted = [name for name in map(normalize_tag_name, names) if name]
    return [_tag_named(name) for name in list(dict.fromkeys(wanted))[:MAX_TAGS]]


def _tag_named(name: str) -> Tag:
    """The tag with the normalised *name*; a new one gets the first free slug of its base."""
    for _attempt in range(5):
        tag = Tag.objects.filter(name=name).first()
        if tag is not None:
            return tag
        base = tag_slug_base(name)
        similar = Tag.objects.filter(Q(slug=base) | Q(slug__startswith=f"{base}-"))
        taken = set(similar.values_list("slug", flat=True))
        slug = next(
            candidate
            for candidate in (base if n == 1 else f"{base}-{n}" for n in itertools.count(1))
            if candidate not in taken
        )
        try:
            with transaction.atomic():
                return Tag.objects.create(name=name, slug=slug)
        except IntegrityError:
            continue  # made meanwhile by someone else, or its slug taken: look again
    raise RuntimeError(f"could not make the tag {name!r}")


def ask_question(
    *,
    author: User,
    category: CategoryPage,
    title: str,
    body: str,
    tags: Iterable[str] = (),
    submission_key: uuid.UUID | None = None,
    language: str | None = None,
) -> Thread:
    """Open a new thread in *category* with *author*'s question.

    *language* is the one it is written in (one of ``settings.LANGUAGES``; the active
    language when not given). Idempotent per ``submission_key``: a repeated submit of
    the same form returns the thread the first one created. Emits ``question_asked``.
    """
    permissions.check_ask_question(author)
    if submission_key is not None:
        existing = _submitted_post(author, submission_key)
        if existing is not None:
            return existing.thread
    body_html = rendering.render_post(body)
    held = _screen(author, "question", f"{title}\n\n{body}", body_html, category.pk)
    state = Visibility.PENDING if held else Visibility.PUBLISHED
    try:
        with transaction.atomic():
            now = timezone.now()
            thread = Thread.objects.create(
                category=category,
                author=author,
                title=title,
                slug=_thread_slug(title),
                excerpt=rendering.excerpt(body_html),
                last_activity_at=now,
                state=state,
                language=thread_language(language),
            )
            thread.tags.set(_tags_for(tags))
            post = Post.objects.create(
                thread=thread,
                kind=Post.Kind.QUESTION,
                author=author,
                body_markdown=body,
                body_html=body_html,
                submission_key=submission_key,
                state=state,
            )
            reputation.request_badge_check([author.pk])
            events.emit(
                events.question_asked,
                thread_id=thread.pk,
                post_id=post.pk,
                actor_id=author.pk,
                category_id=category.pk,
            )
            _announce_held(held, post, category_id=category.pk)
    except IntegrityError:
        # A concurrent submit of the same form won the race: answer with its thread.
        existing = _submitted_post(author, submission_key) if submission_key else None
        if existing is None:
            raise
        return existing.thread
    return thread


def thread_language(language: str | None = None) -> str:
    """*language* (or the active one) as one of ``settings.LANGUAGES``' codes: "de-at" is
    "de"; one the site does not offer is the site's default."""
    code = (language or translation.get_language() or settings.LANGUAGE_CODE).lower()
    offered = {key for key, _name in settings.LANGUAGES}
    for candidate in (code, code.split("-")[0]):
        if candidate in offered:
            return candidate
    return settings.LANGUAGE_CODE


def _screen(
    author: User, kind: str, text: str, html: str, category_id: int, thread_id: int | None = None
) -> list[str]:
    """Why a new post must wait for review (``forum.screening``); [] to publish it now.

    Links from a member without the links privilege hold the post for review (a
    moderator lets them through) instead of refusing what was written.
    """
    own = []
    if not permissions.can_post_links(author, html):
        own.append(_("links or images from a member who may not post them yet"))
    submission = screening.Submission(author, kind, text, html, category_id, thread_id)
    return screening.screen(submission, extra=own)


def _announce_held(
    reasons: list[str], post: Post, *, category_id: int, comment: Comment | None = None
) -> None:
    """Tell the moderators' queue that a new post waits for review, and why."""
    if not reasons:
        return
    events.emit(
        events.post_held,
        thread_id=post.thread_id,
        post_id=post.pk,
        comment_id=comment.pk if comment else None,
        kind="comment" if comment else post.kind,
        actor_id=post.author_id,
        category_id=category_id,
        reasons=[str(reason) for reason in reasons],
    )


def _submitted_post(author: User, submission_key: uuid.UUID) -> Post | None:
    return (
        Post.objects.select_related("thread")
        .filter(author=author, submission_key=submission_key)
        .first()
    )


def post_answer(
    thread: Thread, *, author: User, body: str, submission_key: uuid.UUID | None = None
) -> Post:
    """Add *author*'s answer to *thread*; refused on locked threads.

    Idempotent per ``submission_key``. Bumps the thread's answer count and activity,
    records the first answer and first staff answer times. Emits ``answer_posted``.
    """
    if submission_key is not None and (existing := _submitted_post(author, submission_key)):
        return existing
    permissions.check_post_answer(author, thread)
    body_html = rendering.render_post(body)
    held = _screen(author, "answer", body, body_html, thread.category_id, thread.pk)
    try:
        with transaction.atomic():
            locked = _locked_thread(thread.pk)
            permissions.check_post_answer(author, locked)
            post = Post.objects.create(
                thread=locked,
                kind=Post.Kind.ANSWER,
                author=author,
                body_markdown=body,
                body_html=body_html,
                submission_key=submission_key,
                state=Visibility.PENDING if held else Visibility.PUBLISHED,
            )
            # The answer times are its created_at, so that deleting an answer can work
            # them out again from the answers that are left (delete_post).
            # A post waiting for review changes nothing others see, the activity included.
            changes = {}
            if post.is_published:
                changes["last_activity_at"] = post.created_at
                changes["answer_count"] = F("answer_count") + 1
                if locked.first_answer_at is None:
                    changes["first_answer_at"] = post.created_at
                if locked.staff_answered_at is None and author.is_staff_member:
                    changes["staff_answered_at"] = post.created_at
            if changes:
                Thread.objects.filter(pk=locked.pk).update(**changes)
            reputation.request_badge_check([author.pk])
            events.emit(
                events.answer_posted, thread_id=locked.pk, post_id=post.pk, actor_id=author.pk
            )
            _announce_held(held, post, category_id=locked.category_id)
    except IntegrityError:
        existing = _submitted_post(author, submission_key) if submission_key else None
        if existing is None:
            raise
        return existing
    return post


def _is_others_reply(comment: Comment, post: Post) -> bool:
    """A comment on the question by someone other than the asker (``others_comment_count``)."""
    return post.is_question and comment.author_id != post.thread.author_id


def post_comment(post: Post, *, author: User, body: str) -> Comment:
    """Add a short clarification under *post*. Emits ``comment_posted``.

    Judged on the thread and post as they are now (either may have been locked or
    deleted since the caller loaded them). Screened like posts: a held comment waits
    for review.
    """
    permissions.check_post_comment(author, post)
    body_html = rendering.render_comment(body)
    held = _screen(author, "comment", body, body_html, post.thread.category_id, post.thread_id)
    with transaction.atomic():
        return _post_comment(post, author, body, body_html, held)


def _post_comment(post: Post, author: User, body: str, body_html: str, held: list) -> Comment:
    thread = _locked_thread(post.thread_id)
    post = _locked_post(post.pk, thread)
    permissions.check_post_comment(author, post)
    comment = Comment.objects.create(
        post=post,
        author=author,
        body_markdown=body,
        body_html=body_html,
        state=Visibility.PENDING if held else Visibility.PUBLISHED,
    )
    post_changes = {"version": F("version") + 1}
    thread_changes = {}
    if comment.is_published:
        thread_changes["last_activity_at"] = comment.created_at
        post_changes["comment_count"] = F("comment_count") + 1
        if _is_others_reply(comment, post):
            thread_changes["others_comment_count"] = F("others_comment_count") + 1
    Post.objects.filter(pk=post.pk).update(**post_changes)
    if thread_changes:
        Thread.objects.filter(pk=thread.pk).update(**thread_changes)
    events.emit(
        events.comment_posted,
        thread_id=thread.pk,
        post_id=post.pk,
        comment_id=comment.pk,
        actor_id=author.pk,
    )
    _announce_held(held, post, category_id=thread.category_id, comment=comment)
    return comment


@transaction.atomic
def edit_post(
    post: Post,
    *,
    editor: User,
    body: str | None = None,
    title: str | None = None,
    tags: Iterable[str] | None = None,
    approved_by: User | None = None,
) -> Post:
    """Replace *post*'s text (and, for a question, its title and tags); None keeps one.

    Its author, moderators and members with the edit privilege change everything; a
    member with only the retag privilege changes the tags of someone else's question.
    Links added to the text need the links privilege. With *approved_by*, the edit is a
    suggested edit by *editor* that *approved_by* reviewed (``approve_suggested_edit``
    judged it): the revision names both.

    The previous text, as it is now (another edit may have landed since the caller
    loaded the post), is kept as a ``PostRevision``. Returns the post unchanged, with no
    revision, when nothing differs. Emits ``post_edited``.
    """
    given = post
    thread = _locked_thread(post.thread_id)
    post = _locked_post(post.pk, thread)
    body = post.body_markdown if body is None else body
    new_tags = None if tags is None or not post.is_question else _tags_for(tags)
    title_changed = post.is_question and title is not None and title != thread.title
    old_tag_ids = sorted(thread.tags.values_list("pk", flat=True)) if post.is_question else []
    tags_changed = new_tags is not None and {t.pk for t in new_tags} != set(old_tag_ids)
    body_changed = body != post.body_markdown
    if approved_by is None:
        permissions.check_change_post(editor, post, bool(body_changed or title_changed))
    if not body_changed and not title_changed and not tags_changed:
        return post
    body_html = rendering.render_post(body) if body_changed else post.body_html
    if body_changed:
        permissions.check_post_links(editor, body_html, post.body_html)
    revision = PostRevision.objects.create(
        post=post,
        editor=editor,
        approved_by=approved_by,
        body_markdown=post.body_markdown,
        title=thread.title if post.is_question else "",
    )
    Post.objects.filter(pk=post.pk, state=post.state).update(
        body_markdown=body,
        body_html=body_html,
        edited_at=timezone.now(),
        edit_count=F("edit_count") + 1,
        version=F("version") + 1,
    )
    post.refresh_from_db(
        fields=["body_markdown", "body_html", "edited_at", "edit_count", "version"]
    )
    if post.is_question:
        thread_fields = ["excerpt"]
        thread.excerpt = rendering.excerpt(post.body_html)
        if title_changed:
            thread.title = title
            thread.slug = _thread_slug(title)
            thread_fields += ["title", "slug"]
        thread.save(update_fields=thread_fields)
        if tags_changed:
            thread.tags.set(new_tags)
    events.emit(
        events.post_edited,
        thread_id=thread.pk,
        post_id=post.pk,
        kind=post.kind,
        revision_id=revision.pk,
        actor_id=editor.pk,
        title_changed=bool(title_changed),
        tags_changed=bool(tags_changed),
        old_tag_ids=old_tag_ids,
    )
    # The caller's copy shows the edit too (its page redirects to the new title's URL).
    for field in ("body_markdown", "body_html", "edited_at", "edit_count", "version", "state"):
        setattr(given, field, getattr(post, field))
    given.thread = thread
    given.last_revision = revision
    return given


# --- Suggested edits: members below the edit privilege propose, the author or a moderator
# reviews. Each function locks the thread, the post, then the suggestion (the services' order).


class SuggestionOutOfDate(PermissionDenied):
    """The post changed since the suggestion was made: approve only when the reviewer
    confirms that the suggestion should replace what is there now."""


def _tag_names(thread: Thread) -> list[str]:
    return sorted(thread.tags.values_list("name", flat=True))


def _is_out_of_date(suggestion: SuggestedEdit, post: Post) -> bool:
    """Whether the text, title or tags of *post* differ from those the suggestion saw."""
    if post.version == suggestion.base_version:
        return False
    if post.body_markdown != suggestion.base_body_markdown:
        return True
    return post.is_question and (
        post.thread.title != suggestion.base_title
        or _tag_names(post.thread) != sorted(suggestion.base_tags)
    )


def is_suggestion_out_of_date(suggestion: SuggestedEdit) -> bool:
    """For the review page: has the post changed since *suggestion* was made?"""
    return _is_out_of_date(suggestion, suggestion.post)


@transaction.atomic
def suggest_edit(
    post: Post,
    *,
    author: User,
    body: str,
    title: str | None = None,
    tags: Iterable[str] | None = None,
) -> SuggestedEdit:
    """Propose a new text (and, for a question, title and tags) of someone else's *post*.

    For members with the suggest-edits privilege who may not edit the post directly. One
    suggestion per member per post waits at a time (a database constraint); one that
    changes nothing is refused. Emits ``suggested_edit_created``.
    """
    thread = _locked_thread(post.thread_id)
    post = _locked_post(post.pk, thread)
    permissions.check_suggest_edit(author, post)
    base_tags = _tag_names(thread) if post.is_question else []
    new_title = (title if title is not None else thread.title) if post.is_question else ""
    new_tags = base_tags
    if post.is_question and tags is not None:
        wanted = [name for name in map(normalize_tag_name, tags) if name]
        new_tags = sorted(dict.fromkeys(wanted))[:MAX_TAGS]
    unchanged = (
        body == post.body_markdown
        and (not post.is_question or new_title == thread.title)
        and new_tags == base_tags
    )
    if unchanged:
        raise PermissionDenied(_("Your suggested edit changes nothing in the post."))
    permissions.check_post_links(author, rendering.render_post(body), post.body_html)
    if SuggestedEdit.objects.filter(
        post=post, author=author, status=SuggestedEdit.Status.PENDING
    ).exists():
        raise PermissionDenied(_ALREADY_PENDING())
    try:
        with transaction.atomic():
            suggestion = SuggestedEdit.objects.create(
                post=post,
                author=author,
                title=new_title,
                body_markdown=body,
                tags=new_tags,
                base_version=post.version,
                base_title=thread.title if post.is_question else "",
                base_body_markdown=post.body_markdown,
                base_tags=base_tags,
            )
    except IntegrityError:  # one made meanwhile (two tabs): the constraint keeps one
        raise PermissionDenied(_ALREADY_PENDING()) from None
    events.emit(
        events.suggested_edit_created,
        thread_id=thread.pk,
        post_id=post.pk,
        suggestion_id=suggestion.pk,
        author_id=post.author_id,
        actor_id=author.pk,
    )
    return suggestion


def _ALREADY_PENDING() -> str:  # noqa: N802 (a message, translated when raised)
    return _(
        "You already have a suggested edit of this post waiting for review: "
        "you can suggest another once it has been reviewed."
    )


def _locked_suggestion(suggestion: SuggestedEdit) -> SuggestedEdit:
    """Thread, post and suggestion as they are now, locked in that order."""
    thread_id = Post.objects.values_list("thread_id", flat=True).get(pk=suggestion.post_id)
    thread = _locked_thread(thread_id)
    post = _locked_post(suggestion.post_id, thread)
    current = (
        SuggestedEdit.objects.select_for_update().select_related("author").get(pk=suggestion.pk)
    )
    current.post = post
    return current


@transaction.atomic
def approve_suggested_edit(
    suggestion: SuggestedEdit, *, reviewer: User, confirm_out_of_date: bool = False
) -> SuggestedEdit:
    """Apply *suggestion* to its post, as reviewed by the post's author or a moderator.

    The edit goes through ``edit_post``: the revision names the suggester as the editor
    and *reviewer* as the approver, and the suggester earns the approved-edit points in
    this transaction. Refused with ``SuggestionOutOfDate`` when the post changed since the
    suggestion was made, unless *confirm_out_of_date*. Emits ``suggested_edit_approved``
    (and ``post_edited``).
    """
    current = _locked_suggestion(suggestion)
    post = current.post
    permissions.check_review_suggestion(reviewer, current)
    if not confirm_out_of_date and _is_out_of_date(current, post):
        raise SuggestionOutOfDate(
            _(
                "The post has changed since this edit was suggested. Compare it with the "
                "post as it is now, and confirm to approve it anyway."
            )
        )
    version = post.version
    edited = edit_post(
        post,
        editor=current.author,
        body=current.body_markdown,
        title=current.title if post.is_question else None,
        tags=current.tags if post.is_question else None,
        approved_by=reviewer,
    )
    revision = getattr(edited, "last_revision", None) if edited.version != version else None
    now = timezone.now()
    SuggestedEdit.objects.filter(pk=current.pk, status=SuggestedEdit.Status.PENDING).update(
        status=SuggestedEdit.Status.APPROVED, reviewer=reviewer, reviewed_at=now, revision=revision
    )
    if revision is not None:
        reputation.edit_approved(
            source=_source(post), editor_id=current.author_id, actor_id=reviewer.pk
        )
    events.emit(
        events.suggested_edit_approved,
        thread_id=post.thread_id,
        post_id=post.pk,
        suggestion_id=current.pk,
        suggester_id=current.author_id,
        revision_id=revision.pk if revision else None,
        actor_id=reviewer.pk,
    )
    suggestion.status, suggestion.reviewer, suggestion.reviewed_at = (
        SuggestedEdit.Status.APPROVED,
        reviewer,
        now,
    )
    suggestion.revision = revision
    return suggestion


@transaction.atomic
def reject_suggested_edit(
    suggestion: SuggestedEdit, *, reviewer: User, note: str = ""
) -> SuggestedEdit:
    """Turn *suggestion* down, with an optional *note* for its author. The post stays as it
    is. Emits ``suggested_edit_rejected``."""
    current = _locked_suggestion(suggestion)
    permissions.check_review_suggestion(reviewer, current)
    now = timezone.now()
    note = " ".join(note.split())[: SuggestedEdit._meta.get_field("review_note").max_length]
    SuggestedEdit.objects.filter(pk=current.pk, status=SuggestedEdit.Status.PENDING).update(
        status=SuggestedEdit.Status.REJECTED, reviewer=reviewer, reviewed_at=now, review_note=note
    )
    events.emit(
        events.suggested_edit_rejected,
        thread_id=current.post.thread_id,
        post_id=current.post_id,
        suggestion_id=current.pk,
        suggester_id=current.author_id,
        actor_id=reviewer.pk,
    )
    suggestion.status, suggestion.reviewer, suggestion.reviewed_at = (
        SuggestedEdit.Status.REJECTED,
        reviewer,
        now,
    )
    suggestion.review_note = note
    return suggestion


def _answer_times(thread_id: int) -> dict:
    """When the first published answer and the first one by staff were posted, or None."""
    by_staff = Q(author__in=User.objects.staff().values("pk"))
    return Post.objects.filter(
        thread_id=thread_id, kind=Post.Kind.ANSWER, state=Visibility.PUBLISHED
    ).aggregate(
        first_answer_at=Min("created_at"), staff_answered_at=Min("created_at", filter=by_staff)
    )


def _last_activity(thread_id: int):
    """The latest thing visitors can see happen in the thread: a published post or comment
    on one, or its answer being accepted."""
    posts = Post.objects.filter(thread_id=thread_id, state=Visibility.PUBLISHED)
    latest = [
        posts.aggregate(at=Max("created_at"))["at"],
        Comment.objects.filter(post__in=posts, state=Visibility.PUBLISHED).aggregate(
            at=Max("created_at")
        )["at"],
        Thread.objects.filter(pk=thread_id).values_list("accepted_at", flat=True).first(),
    ]
    return max((at for at in latest if at is not None), default=None)


# The forum's locking order and derived facts, for the moderator actions that change
# forum rows (``moderation.services``): thread, then post, then comment.
locked_thread = _locked_thread
locked_post = _locked_post
thread_slug = _thread_slug
answer_times = _answer_times
post_source = _source


@transaction.atomic
def delete_post(post: Post, *, actor: User) -> None:
    """Soft-delete *post*; deleting a question deletes its thread.

    Allowed only where nothing depends on it (see ``permissions``); a post already
    deleted is refused, so a second delete (a double click, two tabs) changes nothing.
    Deleting a published answer lowers the answer count and works the thread's first
    answer and first staff answer times out again from the answers left. Emits
    ``post_deleted``.
    """
    thread = _locked_thread(post.thread_id)
    current = _locked_post(post.pk, thread)
    permissions.check_delete_post(actor, current)
    now = timezone.now()
    deleted = (
        Post.objects.filter(pk=current.pk, state=current.state)
        .exclude(state=Visibility.DELETED)
        .update(state=Visibility.DELETED, deleted_at=now, version=F("version") + 1)
    )
    if not deleted:
        return
    post.state, post.deleted_at = Visibility.DELETED, now
    post.thread = thread
    reputation.post_withdrawn(post_ids=[current.pk], cause=Cause.POST_DELETED, actor_id=actor.pk)
    if current.is_question:
        Thread.objects.filter(pk=thread.pk).exclude(state=Visibility.DELETED).update(
            state=Visibility.DELETED
        )
        thread.state = Visibility.DELETED
    elif current.is_published:
        Thread.objects.filter(pk=thread.pk).update(
            answer_count=F("answer_count") - 1, **_answer_times(thread.pk)
        )
    events.emit(
        events.post_deleted,
        thread_id=thread.pk,
        post_id=current.pk,
        kind=current.kind,
        actor_id=actor.pk,
        thread_deleted=current.is_question,
    )


@transaction.atomic
def delete_comment(comment: Comment, *, actor: User) -> None:
    """Soft-delete *comment*; one already deleted is refused. Emits ``comment_deleted``."""
    thread_id = Post.objects.values_list("thread_id", flat=True).get(pk=comment.post_id)
    thread = _locked_thread(thread_id)
    post = _locked_post(comment.post_id, thread)
    current = Comment.objects.select_for_update().get(pk=comment.pk)
    current.post = post
    permissions.check_delete_comment(actor, current)
    deleted = (
        Comment.objects.filter(pk=current.pk, state=current.state)
        .exclude(state=Visibility.DELETED)
        .update(state=Visibility.DELETED)
    )
    if not deleted:
        return
    comment.state = Visibility.DELETED
    post_changes = {"version": F("version") + 1}
    if current.is_published:
        post_changes["comment_count"] = F("comment_count") - 1
        if _is_others_reply(current, post):
            Thread.objects.filter(pk=thread.pk).update(
                others_comment_count=F("others_comment_count") - 1
            )
    Post.objects.filter(pk=post.pk).update(**post_changes)
    events.emit(
        events.comment_deleted,
        thread_id=thread.pk,
        post_id=post.pk,
        comment_id=current.pk,
        actor_id=actor.pk,
    )


@transaction.atomic
def cast_vote(post: Post, *, voter: User, value: int) -> int:
    """Set *voter*'s vote on *post* to *value*: 1 up, -1 down, 0 to take it back.

    Questions take only 1 ("I have this problem too") or 0. One vote per person per post
    (a database constraint); changing a vote moves the stored score by the difference.
    Returns the post's new score. Emits ``vote_changed`` when something changed. Voting
    down needs the downvote privilege; taking a vote back never does.
    """
    if value not in (Vote.UP, Vote.DOWN, 0):
        raise ValueError(f"vote value must be 1, -1 or 0, not {value!r}")
    if post.is_question and value == Vote.DOWN:
        raise ValueError("questions take only 'I have this problem too' votes")
    thread = _locked_thread(post.thread_id)
    post = _locked_post(post.pk, thread)
    permissions.check_vote(voter, post, value)
    current = Vote.objects.select_for_update().filter(post=post, voter=voter).first()
    old_value = current.value if current else 0
    if old_value == value:
        return post.score
    if value == 0:
        changed = Vote.objects.filter(pk=current.pk, value=old_value).delete()[0]
    elif current is None:
        Vote.objects.create(post=post, voter=voter, value=value)
        changed = 1
    else:
        changed = Vote.objects.filter(pk=current.pk, value=old_value).update(value=value)
    if not changed:
        raise RuntimeError("the vote changed under its row lock")
    delta = value - old_value
    Post.objects.filter(pk=post.pk).update(score=F("score") + delta)
    if post.is_question:
        Thread.objects.filter(pk=post.thread_id).update(vote_count=F("vote_count") + delta)
    reputation.vote_changed(
        source=_source(post),
        kind=post.kind,
        author_id=post.author_id,
        voter_id=voter.pk,
        old_value=old_value,
        new_value=value,
    )
    events.emit(
        events.vote_changed,
        thread_id=post.thread_id,
        post_id=post.pk,
        kind=post.kind,
        author_id=post.author_id,
        actor_id=voter.pk,
        old_value=old_value,
        new_value=value,
    )
    return Post.objects.values_list("score", flat=True).get(pk=post.pk)


@transaction.atomic
def accept_answer(answer: Post, *, actor: User) -> bool:
    """Mark *answer* as the solution of its thread, replacing any earlier one.

    Judged on the answer as it is now: one deleted or hidden since the caller loaded it
    is refused, so the thread never shows "Solved" without a visible solution.
    Idempotent: returns False and writes nothing when it is already the solution.
    Emits ``answer_accepted`` (with the replaced answer as ``previous``).
    """
    thread = _locked_thread(answer.thread_id)
    current = _locked_post(answer.pk, thread)
    permissions.check_accept_post(actor, current)
    if thread.accepted_answer_id == current.pk:
        return False
    previous_id = thread.accepted_answer_id
    previous_author = Post.objects.filter(pk=previous_id).values_list("author_id", flat=True)
    reputation.lock_members({thread.author_id, current.author_id, actor.pk, *previous_author})
    now = timezone.now()
    Thread.objects.filter(pk=thread.pk, accepted_answer_id=previous_id).update(
        accepted_answer=current, accepted_at=now, accepted_by=actor, last_activity_at=now
    )
    if previous_id is not None:
        reputation.answer_unaccepted(post_id=previous_id, actor_id=actor.pk)
    reputation.answer_accepted(
        source=_source(current),
        answer_author_id=current.author_id,
        asker_id=thread.author_id,
        actor_id=actor.pk,
        verified=actor.is_moderator and actor.pk != thread.author_id,
    )
    events.emit(
        events.answer_accepted,
        thread_id=thread.pk,
        post_id=current.pk,
        previous_post_id=previous_id,
        actor_id=actor.pk,
    )
    return True


@transaction.atomic
def unaccept_answer(thread: Thread, *, actor: User) -> bool:
    """Take back the solution of *thread*. Idempotent. Emits ``answer_unaccepted``."""
    locked = _locked_thread(thread.pk)
    permissions.check_accept_answer(actor, locked)
    answer_id = locked.accepted_answer_id
    if answer_id is None:
        return False
    Thread.objects.filter(pk=locked.pk, accepted_answer_id=answer_id).update(
        accepted_answer=None, accepted_at=None, accepted_by=None
    )
    reputation.answer_unaccepted(post_id=answer_id, actor_id=actor.pk)
    events.emit(events.answer_unaccepted, thread_id=locked.pk, post_id=answer_id, actor_id=actor.pk)
    return True


@transaction.atomic
def hide_post(post: Post, *, moderator: User, as_spam: bool = False) -> bool:
    """Hide *post* from everyone but moderators; hiding a question hides its thread.

    The points the post brought anyone are taken back until it is shown again (``as_spam``
    also costs its author the spam rule's points); hiding a question takes back what its
    whole thread earned. A hidden answer stops counting as an answer, and stops being the
    solution (for good: showing it again does not make it the solution). Idempotent:
    False when it was already hidden. Emits ``post_hidden`` (and ``answer_unaccepted``
    when it was the solution).
    """
    thread = _locked_thread(post.thread_id)
    current = _locked_post(post.pk, thread)
    permissions.check_hide_post(moderator, current)
    if current.state == Visibility.HIDDEN:
        return False
    hidden = Post.objects.filter(pk=current.pk, state=current.state).update(
        state=Visibility.HIDDEN, version=F("version") + 1
    )
    if not hidden:
        return False
    post.state = Visibility.HIDDEN
    was_accepted = thread.accepted_answer_id == current.pk
    withdrawn = (
        list(Post.objects.filter(thread=thread).values_list("pk", flat=True))
        if current.is_question
        else [current.pk]
    )
    reputation.lock_for_posts(withdrawn, [current.author_id])
    if was_accepted:
        reputation.answer_unaccepted(post_id=current.pk, actor_id=moderator.pk)
    reputation.post_withdrawn(post_ids=withdrawn, cause=Cause.POST_HIDDEN, actor_id=moderator.pk)
    if as_spam:
        reputation.post_hidden_as_spam(
            source=_source(current), author_id=current.author_id, actor_id=moderator.pk
        )
    if current.is_question:
        Thread.objects.filter(pk=thread.pk, state=thread.state).update(state=Visibility.HIDDEN)
    else:
        changes: dict = {}
        if was_accepted:
            changes.update(accepted_answer=None, accepted_at=None, accepted_by=None)
        if current.is_published:
            changes.update(answer_count=F("answer_count") - 1, **_answer_times(thread.pk))
        if changes:
            Thread.objects.filter(pk=thread.pk).update(**changes)
        if current.is_published and (latest := _last_activity(thread.pk)) is not None:
            # Hidden spam must not keep its thread at the top of "active" lists.
            Thread.objects.filter(pk=thread.pk).update(last_activity_at=latest)
    if was_accepted:
        events.emit(
            events.answer_unaccepted, thread_id=thread.pk, post_id=current.pk, actor_id=moderator.pk
        )
    events.emit(
        events.post_hidden,
        thread_id=thread.pk,
        post_id=current.pk,
        kind=current.kind,
        actor_id=moderator.pk,
        as_spam=as_spam,
        was_accepted=was_accepted,
    )
    return True


@transaction.atomic
def unhide_post(post: Post, *, moderator: User) -> bool:
    """Publish a hidden *post* again (and its thread, for a question).

    What hiding took from reputation comes back exactly (for a question, what its thread's
    published posts earned), and a spam penalty is lifted; an answer in a thread that is
    still hidden gets its points back when the thread is shown. It does not become the
    solution again (the asker can accept it). Idempotent: False when it was not hidden.
    Emits ``post_restored``.
    """
    thread = _locked_thread(post.thread_id)
    current = _locked_post(post.pk, thread)
    permissions.check_hide_post(moderator, current)
    shown = Post.objects.filter(pk=current.pk, state=Visibility.HIDDEN).update(
        state=Visibility.PUBLISHED, version=F("version") + 1
    )
    if not shown:
        return False
    post.state = Visibility.PUBLISHED
    if current.is_question:
        Thread.objects.filter(pk=thread.pk, state=Visibility.HIDDEN).update(
            state=Visibility.PUBLISHED
        )
        restored = list(
            Post.objects.filter(thread=thread, state=Visibility.PUBLISHED).values_list(
                "pk", flat=True
            )
        )
    else:
        Thread.objects.filter(pk=thread.pk).update(
            answer_count=F("answer_count") + 1, **_answer_times(thread.pk)
        )
        restored = [current.pk] if thread.is_published else []
    reputation.lock_for_posts([current.pk, *restored])
    reputation.spam_lifted(post_id=current.pk, actor_id=moderator.pk)
    reputation.posts_restored(post_ids=restored, actor_id=moderator.pk)
    events.emit(
        events.post_restored,
        thread_id=thread.pk,
        post_id=current.pk,
        kind=current.kind,
        actor_id=moderator.pk,
    )
    return True


@transaction.atomic
def redact_revision(revision: PostRevision, *, moderator: User, reason: str = "") -> bool:
    """Remove the text (and title) an earlier version of a post held, for good.

    For what must not stay on record (a password pasted by mistake and edited out). Keeps
    who removed it, when and why. Idempotent: returns False when it is already removed.
    Emits ``revision_redacted``.
    """
    thread_id = Post.objects.values_list("thread_id", flat=True).get(pk=revision.post_id)
    thread = _locked_thread(thread_id)
    post = _locked_post(revision.post_id, thread)
    current = PostRevision.objects.select_for_update().get(pk=revision.pk)
    permissions.check_redact_revision(moderator, current)
    if current.is_redacted:
        return False
    now = timezone.now()
    redacted = PostRevision.objects.filter(pk=current.pk, redacted_at__isnull=True).update(
        title="",
        body_markdown="",
        redacted_at=now,
        redacted_by=moderator,
        redaction_reason=reason[:REDACTION_REASON_MAX_LENGTH],
    )
    if not redacted:
        return False
    revision.title, revision.body_markdown = "", ""
    revision.redacted_at, revision.redacted_by = now, moderator
    revision.redaction_reason = reason[:REDACTION_REASON_MAX_LENGTH]
    events.emit(
        events.revision_redacted,
        thread_id=thread.pk,
        post_id=post.pk,
        revision_id=current.pk,
        actor_id=moderator.pk,
    )
    return True


def rerender_content(*, batch_size: int = 500) -> tuple[int, int]:
    """Rebuild ``body_html`` (and thread excerpts) from the kept Markdown.

    For use after the sanitiser's allow-list changes; touches no timestamps or
    counters. Each batch locks its threads, then its posts (the services' order), so an
    edit made meanwhile waits for the batch instead of being overwritten by HTML of the
    text it replaced. Returns how many posts and comments were rewritten.
    """
    post_count = comment_count = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            ids = list(
                Post.objects.filter(pk__gt=last_pk)
                .order_by("pk")
                .values_list("pk", "thread_id")[:batch_size]
            )
            if not ids:
                break
            last_pk = ids[-1][0]
            thread_ids = sorted({thread_id for _, thread_id in ids})
            threads = Thread.objects.select_for_update().filter(pk__in=thread_ids).order_by("pk")
            threads = {thread.pk: thread for thread in threads}
            batch = list(
                Post.objects.select_for_update().filter(pk__in=[pk for pk, _ in ids]).order_by("pk")
            )
            for post in batch:
                post.thread = threads[post.thread_id]
                post.body_html = rendering.render_post(post.body_markdown)
                post.version += 1
                if post.is_question:
                    post.thread.excerpt = rendering.excerpt(post.body_html)
            Post.objects.bulk_update(batch, ["body_html", "version"])
            Thread.objects.bulk_update([p.thread for p in batch if p.is_question], ["excerpt"])
            post_count += len(batch)
    comments = Comment.objects.order_by("pk")
    for start in range(0, comments.count(), batch_size):
        with transaction.atomic():
            batch = list(comments[start : start + batch_size])
            for comment in batch:
                comment.body_html = rendering.render_comment(comment.body_markdown)
            Comment.objects.bulk_update(batch, ["body_html"])
            Post.objects.filter(pk__in={c.post_id for c in batch}).update(version=F("version") + 1)
            comment_count += len(batch)
    return post_count, comment_count
