"""Moderator actions, flags and the review queue. Each function is the only code path for
its change.

Every action checks its rule (``moderation.permissions``: a moderator of the product,
who holds the queue item if one is named), changes rows inside one transaction, writes
its ``AuditEntry`` in that transaction, resolves the queue items it settles and
announces what happened through the outbox (the forum's event where the forum has one,
``moderation.events`` otherwise). Forum rows are locked in the forum's order (thread,
then post, then comment, then queue item), as ``forum.services`` does.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from core import ratelimit
from forum import events as forum_events
from forum import rendering
from forum import services as forum
from forum.models import (
    MODERATION_REASON_MAX_LENGTH,
    CategoryPage,
    Comment,
    Post,
    PostRevision,
    Thread,
    Visibility,
    Vote,
)
from moderation import events, permissions
from moderation.models import (
    FLAG_TEXT_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    AuditEntry,
    CannedReply,
    Flag,
    FlagReason,
    ReviewItem,
    Sanction,
    SpamSweep,
)
from reputation import services as reputation
from reputation.models import Cause, Privilege


class Decision:
    """What a moderator decided about a queue item (``ReviewItem.resolution`` and each
    handled flag's ``outcome``), and how the flagger reads it."""

    APPROVED = "approved"
    REJECTED = "rejected"
    HIDDEN = "hidden"
    DELETED = "deleted"
    EDITED = "edited"
    DISMISSED = "dismissed"
    WARNED = "warned"
    SUSPENDED = "suspended"
    SPAM = "spam"
    CLOSED_DUPLICATE = "closed_duplicate"
    GONE = "gone"

    # What a flagger is told became of their flag.
    OUTCOMES = {
        APPROVED: gettext_lazy("A moderator reviewed the post and left it up."),
        REJECTED: gettext_lazy("A moderator removed the post."),
        HIDDEN: gettext_lazy("A moderator hid the post."),
        DELETED: gettext_lazy("A moderator removed the post."),
        EDITED: gettext_lazy("A moderator edited the post."),
        DISMISSED: gettext_lazy("A moderator reviewed the post and left it up."),
        WARNED: gettext_lazy("A moderator warned the author."),
        SUSPENDED: gettext_lazy("A moderator suspended the author."),
        SPAM: gettext_lazy("A moderator removed the post as spam and suspended its author."),
        CLOSED_DUPLICATE: gettext_lazy("A moderator closed the thread as a duplicate."),
        GONE: gettext_lazy("The post was removed."),
    }
    # Decisions that agree with the flags (they are "acted on"); the others dismiss them.
    UPHOLDING = {REJECTED, HIDDEN, DELETED, EDITED, WARNED, SUSPENDED, SPAM, CLOSED_DUPLICATE}


def _clean(text: str, limit: int) -> str:
    return " ".join((text or "").split())[:limit]


def _clean_block(text: str, limit: int) -> str:
    return (text or "").strip()[:limit]


# --- The audit log --------------------------------------------------------------------


def _audit(
    action: str,
    actor: User | None,
    *,
    thread: Thread | None = None,
    post: Post | None = None,
    comment: Comment | None = None,
    member: User | None = None,
    reason: str = "",
    before: dict | None = None,
    after: dict | None = None,
    target: str = "",
) -> AuditEntry:
    """Write the audit entry of *action*; called inside the action's transaction."""
    if thread is None and post is not None:
        thread = post.thread
    if not target:
        if comment is not None:
            target = _("Comment %(id)s on “%(title)s”") % {"id": comment.pk, "title": thread.title}
        elif post is not None and not post.is_question:
            target = _("Answer %(id)s in “%(title)s”") % {"id": post.pk, "title": thread.title}
        elif thread is not None:
            target = f"“{thread.title}”"
        elif member is not None:
            target = member.username
    return AuditEntry.objects.create(
        action=action,
        actor=actor,
        member=member,
        category_id=thread.category_id if thread is not None else None,
        thread_id=thread.pk if thread is not None else None,
        post_id=post.pk if post is not None else None,
        comment_id=comment.pk if comment is not None else None,
        target=target[:200],
        reason=reason,
        before=before or {},
        after=after or {},
    )


# --- The queue ------------------------------------------------------------------------


def _weight_seconds() -> int:
    """How much queue age one point of flag weight is worth, in seconds."""
    return int(settings.MODERATION_FLAG_WEIGHT_HOURS * 3600)


def _rank(created_at: datetime, weight: int) -> int:
    """Queue order, highest first: older items and heavier flags first. Ordering by
    ``weight * W - created`` is ordering by ``weight * W + age``, with no clock in SQL."""
    return weight * _weight_seconds() - int(created_at.timestamp())


def queue_score(item: ReviewItem, now: datetime | None = None) -> float:
    """The score shown beside an item: its flags' weight plus its age in weight units."""
    age = ((now or timezone.now()) - item.created_at).total_seconds()
    return round(item.flag_weight + max(age, 0) / _weight_seconds(), 1)


def _open_item(
    *,
    kind: str,
    member: User | int,
    post: Post | None = None,
    comment: Comment | None = None,
    category_id: int | None = None,
    reasons: list[str] = (),
) -> ReviewItem:
    """The open queue item for this post, comment or account, made when there is none
    (one open item per thing: a database constraint settles two at once)."""
    member_id = member if isinstance(member, int) else member.pk
    if comment is not None:
        found = Q(comment=comment)
    elif post is not None:
        found = Q(post=post, comment__isnull=True)
    else:
        found = Q(member_id=member_id, kind=ReviewItem.Kind.ACCOUNT)
    for _attempt in range(3):
        item = ReviewItem.objects.select_for_update().filter(found, status="open").first()
        if item is not None:
            if reasons:
                merged = list(dict.fromkeys([*item.reasons, *reasons]))
                if merged != item.reasons:
                    ReviewItem.objects.filter(pk=item.pk).update(reasons=merged)
                    item.reasons = merged
            return item
        now = timezone.now()
        try:
            with transaction.atomic():
                return ReviewItem.objects.create(
                    kind=kind,
                    post=post,
                    comment=comment,
                    member_id=member_id,
                    category_id=category_id,
                    reasons=list(reasons),
                    created_at=now,
                    rank=_rank(now, 0),
                )
        except IntegrityError:
            continue  # opened meanwhile by another request: join it
    raise RuntimeError("could not open a review item")


def hold_for_review(
    *,
    post_id: int,
    comment_id: int | None,
    reasons: list[str],
    category_id: int | None,
) -> ReviewItem | None:
    """Put a post the screening held (``forum.post_held``) in the queue. Idempotent: the
    post's open item is reused; a post no longer pending needs none."""
    with transaction.atomic():
        if comment_id is not None:
            comment = Comment.objects.select_related("post").filter(pk=comment_id).first()
            if comment is None or comment.state != Visibility.PENDING:
                return None
            post, member = comment.post, comment.author_id
        else:
            post = Post.objects.filter(pk=post_id).first()
            comment = None
            if post is None or post.state != Visibility.PENDING:
                return None
            member = post.author_id
        return _open_item(
            kind=ReviewItem.Kind.PENDING,
            member=member,
            post=post,
            comment=comment,
            category_id=category_id,
            reasons=reasons,
        )


def _locked_item(item: ReviewItem) -> ReviewItem:
    # No select_related: on PostgreSQL a row re-read after waiting for its lock keeps the
    # joined rows of the first read, so a claim made meanwhile would show no holder.
    return ReviewItem.objects.select_for_update().get(pk=item.pk)


def _take(item: ReviewItem | None, moderator: User) -> ReviewItem | None:
    """Lock the queue item a decision is made from and check the moderator may decide it."""
    if item is None:
        return None
    current = _locked_item(item)
    permissions.check_decide(moderator, current)
    return current


def _resolve(
    *,
    moderator: User | None,
    decision: str,
    note: str = "",
    post: Post | None = None,
    comment: Comment | None = None,
    member: User | None = None,
    item: ReviewItem | None = None,
    whole_thread: bool = False,
) -> list[int]:
    """Close the open queue items the decision settles (the given *item*, the post's or
    comment's, every item of a thread for *whole_thread*) and their open flags. Returns
    the ids of the items closed; announces each with the flags it handled."""
    items = ReviewItem.objects.filter(status=ReviewItem.Status.OPEN)
    match = Q(pk=item.pk) if item is not None else Q(pk__in=[])
    if comment is not None:
        match |= Q(comment=comment)
    elif post is not None:
        match |= Q(post__thread_id=post.thread_id) if whole_thread else Q(post=post)
    if member is not None:
        match |= Q(member=member, kind=ReviewItem.Kind.ACCOUNT)
    now = timezone.now()
    closed = []
    for current in items.filter(match).select_for_update(of=("self",)).order_by("pk"):
        changed = ReviewItem.objects.filter(pk=current.pk, status="open").update(
            status=ReviewItem.Status.RESOLVED,
            resolved_at=now,
            resolved_by=moderator,
            resolution=decision,
            note=_clean_block(note, NOTE_MAX_LENGTH),
        )
        if not changed:
            continue
        flag_status = (
            Flag.Status.UPHELD if decision in Decision.UPHOLDING else Flag.Status.DISMISSED
        )
        flag_ids = list(current.flags.filter(status="open").values_list("pk", flat=True))
        Flag.objects.filter(pk__in=flag_ids).update(
            status=flag_status, outcome=decision, handled_at=now
        )
        thread_id = (
            Post.objects.values_list("thread_id", flat=True).get(pk=current.post_id)
            if current.post_id
            else None
        )
        events.emit(
            events.item_resolved,
            item_id=current.pk,
            thread_id=thread_id,
            decision=decision,
            flag_ids=flag_ids,
            actor_id=moderator.pk if moderator else None,
        )
        closed.append(current.pk)
    return closed


@transaction.atomic
def claim_item(item: ReviewItem, *, moderator: User) -> bool:
    """Take *item* so that no other moderator works it at the same time.

    A claim lapses after ``MODERATION_CLAIM_MINUTES``; claiming it again renews it.
    Refused while another moderator holds it. Not audited: it decides nothing.
    """
    current = _locked_item(item)
    permissions.check_decide(moderator, current)
    ReviewItem.objects.filter(pk=current.pk).update(claimed_by=moderator, claimed_at=timezone.now())
    item.claimed_by, item.claimed_at = moderator, timezone.now()
    return True


@transaction.atomic
def release_item(item: ReviewItem, *, moderator: User) -> bool:
    """Give *item* back to the queue. Only its holder (or an administrator) may."""
    current = _locked_item(item)
    if current.claimed_by_id is None:
        return False
    if current.claimed_by_id != moderator.pk and not moderator.is_administrator:
        raise PermissionDenied(_("Only the moderator working on an item can give it back."))
    permissions.check_moderate_in(moderator, current.category_id)
    ReviewItem.objects.filter(pk=current.pk).update(claimed_by=None, claimed_at=None)
    item.claimed_by, item.claimed_at = None, None
    return True


@transaction.atomic
def dismiss_item(item: ReviewItem, *, moderator: User, note: str = "") -> bool:
    """Leave the post as it is: the item's flags are dismissed (an account under watch is
    let go). Idempotent: False when the item was already resolved."""
    current = _locked_item(item)
    permissions.check_moderate_in(moderator, current.category_id)
    if not current.is_open:
        return False
    permissions.check_decide(moderator, current)
    post = current.post
    _resolve(moderator=moderator, decision=Decision.DISMISSED, note=note, item=current)
    _audit(
        "moderation.flags.dismissed" if post else "moderation.watch.ended",
        moderator,
        post=post,
        comment=current.comment,
        member=current.member,
        reason=note,
        after={"item": current.pk, "flags": current.flag_count},
    )
    return True


@transaction.atomic
def watch_member(member: User, *, moderator: User, reason: str) -> ReviewItem:
    """Put *member*'s account in the queue, for moderators to keep an eye on."""
    permissions.check_sanction(moderator, member)
    reason = _clean(reason, NOTE_MAX_LENGTH)
    item = _open_item(
        kind=ReviewItem.Kind.ACCOUNT, member=member, reasons=[reason] if reason else []
    )
    _audit("moderation.watch.started", moderator, member=member, reason=reason)
    return item


# --- Flags ----------------------------------------------------------------------------


def flag_weight(user: User, reason: FlagReason) -> int:
    """What one flag of *user*'s weighs: more from trusted members and staff."""
    weight = 1 + reason.extra_weight
    if user.is_staff_member:
        return weight + 2
    if reputation.has_privilege(user, Privilege.FLAG_WEIGHT):
        weight += 1
    return weight


def _rate_refusal(user: User, kind: str) -> str | None:
    """A member's rate limit for *kind* ("question", "answer", "comment", "flag"),
    stricter below the Basic trust level; staff are exempt. Counts this attempt."""
    if user.is_staff_member:
        return None
    rates = settings.MODERATION_RATES
    if user.trust_level < 1:
        rates = {**rates, **settings.MODERATION_NEW_MEMBER_RATES}
    rate = rates.get(kind)
    if not rate:
        return None
    result = ratelimit.hit(f"moderation.{kind}", str(user.pk), rate)
    if result.allowed:
        return None
    minutes = max(1, -(-result.retry_after // 60))
    messages = {
        "question": ngettext(
            "You have asked too many questions in a short time. Please wait about %(minutes)s "
            "minute, then try again: what you wrote is kept.",
            "You have asked too many questions in a short time. Please wait about %(minutes)s "
            "minutes, then try again: what you wrote is kept.",
            minutes,
        ),
        "answer": ngettext(
            "You have posted too many answers in a short time. Please wait about %(minutes)s "
            "minute, then try again: what you wrote is kept.",
            "You have posted too many answers in a short time. Please wait about %(minutes)s "
            "minutes, then try again: what you wrote is kept.",
            minutes,
        ),
        "comment": ngettext(
            "You have posted too many comments in a short time. Please wait about %(minutes)s "
            "minute, then try again: what you wrote is kept.",
            "You have posted too many comments in a short time. Please wait about %(minutes)s "
            "minutes, then try again: what you wrote is kept.",
            minutes,
        ),
        "flag": ngettext(
            "You have sent too many flags in a short time. Please wait about %(minutes)s "
            "minute, then try again.",
            "You have sent too many flags in a short time. Please wait about %(minutes)s "
            "minutes, then try again.",
            minutes,
        ),
    }
    return messages[kind] % {"minutes": minutes}


def check_rate(user: User, kind: str) -> None:
    """Refuse with a clear message when *user* went over their rate for *kind*."""
    if refusal := _rate_refusal(user, kind):
        raise PermissionDenied(refusal)


def flag_post(
    post: Post,
    *,
    flagger: User,
    reason: FlagReason,
    text: str = "",
    duplicate_of: Thread | None = None,
    comment: Comment | None = None,
) -> Flag:
    """Report *post* (or one of its comments) to the moderators with *reason*.

    One open flag per member per post (a database constraint); rate limited
    (``MODERATION_RATES["flag"]``). The flag joins the post's open queue item, or opens
    one, and adds its weight. Emits ``moderation.post_flagged``.
    """
    text = _clean_block(text, FLAG_TEXT_MAX_LENGTH)
    if not reason.is_active:
        raise ValidationError(_("Please choose one of the reasons offered."))
    if reason.needs_text and not text:
        raise ValidationError(_("Please say in a few words what is wrong."))
    if reason.needs_thread:
        if duplicate_of is None:
            raise ValidationError(_("Please give the address of the thread this one repeats."))
        if duplicate_of.pk == post.thread_id:
            raise ValidationError(_("A thread cannot be a duplicate of itself."))
    permissions.check_flag(flagger, post, comment)
    check_rate(flagger, "flag")
    try:
        with transaction.atomic():
            thread = forum.locked_thread(post.thread_id)
            current = forum.locked_post(post.pk, thread)
            current_comment = (
                Comment.objects.select_for_update().get(pk=comment.pk) if comment else None
            )
            permissions.check_flag(flagger, current, current_comment)
            item = _open_item(
                kind=ReviewItem.Kind.FLAGGED,
                member=(current_comment or current).author_id,
                post=current,
                comment=current_comment,
                category_id=thread.category_id,
            )
            weight = flag_weight(flagger, reason)
            flag = Flag.objects.create(
                item=item,
                post=current,
                comment=current_comment,
                flagger=flagger,
                reason=reason,
                text=text,
                duplicate_of=duplicate_of if reason.needs_thread else None,
                weight=weight,
            )
            ReviewItem.objects.filter(pk=item.pk).update(
                flag_count=F("flag_count") + 1,
                flag_weight=F("flag_weight") + weight,
                rank=F("rank") + weight * _weight_seconds(),
            )
            events.emit(
                events.post_flagged,
                thread_id=thread.pk,
                post_id=current.pk,
                comment_id=current_comment.pk if current_comment else None,
                flag_id=flag.pk,
                item_id=item.pk,
                actor_id=flagger.pk,
            )
    except IntegrityError:
        raise PermissionDenied(
            _("You have already flagged this. A moderator will look at it soon.")
        ) from None
    return flag


# --- Posts: approve, reject, hide, delete, edit ----------------------------------------


def _load(post: Post, comment: Comment | None) -> tuple[Thread, Post, Comment | None]:
    thread = forum.locked_thread(post.thread_id)
    current = forum.locked_post(post.pk, thread)
    current_comment = None
    if comment is not None:
        current_comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if current_comment.post_id != current.pk:
            # The product checked is the post's: a comment of another post would slip by.
            raise PermissionDenied(_("This comment is not under that post."))
        current_comment.post = current
    return thread, current, current_comment


def _payload(thread: Thread, post: Post, comment: Comment | None, actor: User) -> dict:
    return {
        "thread_id": thread.pk,
        "post_id": post.pk,
        "comment_id": comment.pk if comment else None,
        "kind": "comment" if comment else post.kind,
        "author_id": (comment or post).author_id,
        "actor_id": actor.pk,
    }


@transaction.atomic
def approve_post(
    post: Post,
    *,
    moderator: User,
    comment: Comment | None = None,
    note: str = "",
    item: ReviewItem | None = None,
) -> bool:
    """Publish a post (or comment) that waits for review: from now on everyone sees it and
    it counts (answers, comments, the thread's first answer). Settles its queue items,
    dismissing any flags. Idempotent: False when it was not waiting.
    """
    thread, current, current_comment = _load(post, comment)
    permissions.check_moderate_post(moderator, current)
    item = _take(item, moderator)
    target = current_comment or current
    if target.state != Visibility.PENDING:
        return False
    now = timezone.now()
    if current_comment is not None:
        Comment.objects.filter(pk=current_comment.pk, state=Visibility.PENDING).update(
            state=Visibility.PUBLISHED
        )
        Post.objects.filter(pk=current.pk).update(
            comment_count=F("comment_count") + 1, version=F("version") + 1
        )
        thread_changes = {"last_activity_at": now}
        if current.is_question and current_comment.author_id != thread.author_id:
            thread_changes["others_comment_count"] = F("others_comment_count") + 1
        Thread.objects.filter(pk=thread.pk).update(**thread_changes)
    else:
        Post.objects.filter(pk=current.pk, state=Visibility.PENDING).update(
            state=Visibility.PUBLISHED, version=F("version") + 1
        )
        if current.is_question:
            Thread.objects.filter(pk=thread.pk, state=Visibility.PENDING).update(
                state=Visibility.PUBLISHED, last_activity_at=now
            )
        else:
            Thread.objects.filter(pk=thread.pk).update(
                answer_count=F("answer_count") + 1,
                last_activity_at=now,
                **forum.answer_times(thread.pk),
            )
    target.state = Visibility.PUBLISHED
    reputation.request_badge_check([target.author_id])
    _resolve(
        moderator=moderator,
        decision=Decision.APPROVED,
        note=note,
        post=current,
        comment=current_comment,
        item=item,
    )
    _audit(
        "moderation.post.approved",
        moderator,
        post=current,
        comment=current_comment,
        member=target.author,
        reason=note,
        before={"state": Visibility.PENDING},
        after={"state": Visibility.PUBLISHED},
    )
    events.emit(events.post_approved, **_payload(thread, current, current_comment, moderator))
    return True


@transaction.atomic
def reject_post(
    post: Post,
    *,
    moderator: User,
    comment: Comment | None = None,
    note: str = "",
    item: ReviewItem | None = None,
) -> bool:
    """Turn down a post (or comment) that waits for review: it is removed (a question
    takes its thread with it) and never counted. Idempotent."""
    thread, current, current_comment = _load(post, comment)
    permissions.check_moderate_post(moderator, current)
    item = _take(item, moderator)
    target = current_comment or current
    if target.state != Visibility.PENDING:
        return False
    if current_comment is not None:
        Comment.objects.filter(pk=current_comment.pk, state=Visibility.PENDING).update(
            state=Visibility.DELETED
        )
        Post.objects.filter(pk=current.pk).update(version=F("version") + 1)
    else:
        Post.objects.filter(pk=current.pk, state=Visibility.PENDING).update(
            state=Visibility.DELETED, deleted_at=timezone.now(), version=F("version") + 1
        )
        if current.is_question:
            Thread.objects.filter(pk=thread.pk).update(state=Visibility.DELETED)
    target.state = Visibility.DELETED
    _resolve(
        moderator=moderator,
        decision=Decision.REJECTED,
        note=note,
        post=current,
        comment=current_comment,
        item=item,
        whole_thread=current.is_question and current_comment is None,
    )
    _audit(
        "moderation.post.rejected",
        moderator,
        post=current,
        comment=current_comment,
        member=target.author,
        reason=note,
        before={"state": Visibility.PENDING},
        after={"state": Visibility.DELETED},
    )
    events.emit(events.post_rejected, **_payload(thread, current, current_comment, moderator))
    return True


def hide_post(
    post: Post,
    *,
    moderator: User,
    reason: str = "",
    as_spam: bool = False,
    item: ReviewItem | None = None,
) -> bool:
    """Hide *post* from everyone but moderators (a question hides its thread); its points
    are held until it is shown again (``forum.services.hide_post`` does the forum's part).
    Settles its queue items, upholding the flags. Idempotent."""
    with transaction.atomic():
        thread = forum.locked_thread(post.thread_id)
        current = forum.locked_post(post.pk, thread)
        permissions.check_moderate_post(moderator, current)
        item = _take(item, moderator)
        before = current.state
        changed = forum.hide_post(current, moderator=moderator, as_spam=as_spam)
        _resolve(
            moderator=moderator,
            decision=Decision.SPAM if as_spam else Decision.HIDDEN,
            note=reason,
            post=current,
            item=item,
        )
        if changed:
            _audit(
                "moderation.post.hidden_as_spam" if as_spam else "moderation.post.hidden",
                moderator,
                post=current,
                member=current.author,
                reason=reason,
                before={"state": before},
                after={"state": Visibility.HIDDEN},
            )
        post.state = current.state
    return changed


def unhide_post(post: Post, *, moderator: User, reason: str = "") -> bool:
    """Show a hidden post again, with what hiding took back. Idempotent."""
    with transaction.atomic():
        thread = forum.locked_thread(post.thread_id)
        current = forum.locked_post(post.pk, thread)
        permissions.check_moderate_post(moderator, current)
        changed = forum.unhide_post(current, moderator=moderator)
        if changed:
            _audit(
                "moderation.post.shown",
                moderator,
                post=current,
                member=current.author,
                reason=reason,
                before={"state": Visibility.HIDDEN},
                after={"state": Visibility.PUBLISHED},
            )
        post.state = current.state
    return changed


@transaction.atomic
def delete_post(
    post: Post,
    *,
    moderator: User,
    reason: str = "",
    comment: Comment | None = None,
    item: ReviewItem | None = None,
) -> bool:
    """Remove anyone's post (or comment), whatever depends on it: a question takes its
    thread, the solution stops being one. What it (for a question: its thread) earned
    is taken back until it is restored. Settles its queue items. Idempotent."""
    thread, current, current_comment = _load(post, comment)
    permissions.check_moderate_post(moderator, current)
    item = _take(item, moderator)
    target = current_comment or current
    if target.is_deleted:
        _resolve(moderator=moderator, decision=Decision.DELETED, note=reason, item=item)
        return False
    before = target.state
    if current_comment is not None:
        Comment.objects.filter(pk=current_comment.pk, state=before).update(state=Visibility.DELETED)
        changes = {"version": F("version") + 1}
        if before == Visibility.PUBLISHED:
            changes["comment_count"] = F("comment_count") - 1
            if current.is_question and current_comment.author_id != thread.author_id:
                Thread.objects.filter(pk=thread.pk).update(
                    others_comment_count=F("others_comment_count") - 1
                )
        Post.objects.filter(pk=current.pk).update(**changes)
    else:
        withdrawn = (
            list(Post.objects.filter(thread=thread).values_list("pk", flat=True))
            if current.is_question
            else [current.pk]
        )
        was_accepted = thread.accepted_answer_id == current.pk
        reputation.lock_for_posts(withdrawn, [current.author_id])
        Post.objects.filter(pk=current.pk, state=before).update(
            state=Visibility.DELETED, deleted_at=timezone.now(), version=F("version") + 1
        )
        if was_accepted:
            reputation.answer_unaccepted(post_id=current.pk, actor_id=moderator.pk)
        reputation.post_withdrawn(
            post_ids=withdrawn, cause=Cause.POST_DELETED, actor_id=moderator.pk
        )
        if current.is_question:
            Thread.objects.filter(pk=thread.pk).update(state=Visibility.DELETED)
        else:
            changes = {}
            if was_accepted:
                changes.update(accepted_answer=None, accepted_at=None, accepted_by=None)
            if before == Visibility.PUBLISHED:
                changes.update(answer_count=F("answer_count") - 1, **forum.answer_times(thread.pk))
            if changes:
                Thread.objects.filter(pk=thread.pk).update(**changes)
        if was_accepted:
            forum_events.emit(
                forum_events.answer_unaccepted,
                thread_id=thread.pk,
                post_id=current.pk,
                actor_id=moderator.pk,
            )
    target.state = Visibility.DELETED
    _resolve(
        moderator=moderator,
        decision=Decision.DELETED,
        note=reason,
        post=current,
        comment=current_comment,
        item=item,
        whole_thread=current.is_question and current_comment is None,
    )
    _audit(
        "moderation.comment.deleted" if current_comment else "moderation.post.deleted",
        moderator,
        post=current,
        comment=current_comment,
        member=target.author,
        reason=reason,
        before={"state": before},
        after={"state": Visibility.DELETED},
    )
    events.emit(events.post_deleted, **_payload(thread, current, current_comment, moderator))
    post.state = current.state
    return True


@transaction.atomic
def restore_post(post: Post, *, moderator: User, reason: str = "") -> bool:
    """Bring back a deleted post (a question brings back its thread) as published, with
    the points deleting took. It does not become the solution again. Idempotent."""
    thread, current, _comment = _load(post, None)
    permissions.check_moderate_in(moderator, thread.category_id)
    if not current.is_deleted:
        return False
    Post.objects.filter(pk=current.pk, state=Visibility.DELETED).update(
        state=Visibility.PUBLISHED, deleted_at=None, version=F("version") + 1
    )
    if current.is_question:
        Thread.objects.filter(pk=thread.pk, state=Visibility.DELETED).update(
            state=Visibility.PUBLISHED
        )
        restored = list(
            Post.objects.filter(thread=thread, state=Visibility.PUBLISHED).values_list(
                "pk", flat=True
            )
        )
    else:
        Thread.objects.filter(pk=thread.pk).update(
            answer_count=F("answer_count") + 1, **forum.answer_times(thread.pk)
        )
        restored = [current.pk] if thread.is_published else []
    reputation.lock_for_posts(restored, [current.author_id])
    reputation.posts_restored(post_ids=restored, actor_id=moderator.pk, cause=Cause.POST_DELETED)
    _audit(
        "moderation.post.restored",
        moderator,
        post=current,
        member=current.author,
        reason=reason,
        before={"state": Visibility.DELETED},
        after={"state": Visibility.PUBLISHED},
    )
    events.emit(events.post_undeleted, **_payload(thread, current, None, moderator))
    post.state = Visibility.PUBLISHED
    return True


def edit_post(
    post: Post,
    *,
    moderator: User,
    reason: str,
    body: str | None = None,
    title: str | None = None,
    tags=None,
    item: ReviewItem | None = None,
) -> Post:
    """A moderator's edit of anyone's post, kept in its history with who edited and why
    (the revision's ``reason``); the forum's ``edit_post`` does the edit. With *item*,
    settles it (the flags are upheld)."""
    reason = _clean(reason, MODERATION_REASON_MAX_LENGTH)
    if not reason:
        raise ValidationError(_("Please say why you are editing this post."))
    with transaction.atomic():
        thread = forum.locked_thread(post.thread_id)
        current = forum.locked_post(post.pk, thread)
        permissions.check_moderate_post(moderator, current)
        item = _take(item, moderator)
        before = {"body": current.body_markdown}
        if current.is_question:
            before["title"] = thread.title
        edited = forum.edit_post(current, editor=moderator, body=body, title=title, tags=tags)
        revision = getattr(edited, "last_revision", None)
        if revision is not None:
            PostRevision.objects.filter(pk=revision.pk).update(reason=reason)
            after = {"body": edited.body_markdown}
            if current.is_question:
                after["title"] = edited.thread.title
            _audit(
                "moderation.post.edited",
                moderator,
                post=current,
                member=current.author,
                reason=reason,
                before=before,
                after=after,
            )
        if item is not None:
            _resolve(moderator=moderator, decision=Decision.EDITED, note=reason, item=item)
    for field in ("body_markdown", "body_html", "edited_at", "edit_count", "version"):
        setattr(post, field, getattr(edited, field))
    return post


def redact_revision(revision: PostRevision, *, moderator: User, reason: str = "") -> bool:
    """Remove the text an earlier version of a post held, for good (the forum keeps who,
    when and why in its place). Idempotent."""
    with transaction.atomic():
        post = Post.objects.select_related("thread").get(pk=revision.post_id)
        permissions.check_moderate_post(moderator, post)
        changed = forum.redact_revision(revision, moderator=moderator, reason=reason)
        if changed:
            _audit(
                "moderation.revision.redacted",
                moderator,
                post=post,
                member=post.author,
                reason=reason,
                after={"revision": revision.pk},
            )
    return changed


# --- Threads: lock, pin, move, close as duplicate ---------------------------------------


def _thread_flag(
    thread: Thread,
    *,
    moderator: User,
    field: str,
    value: bool,
    reason: str,
    action: str,
    signal,
) -> bool:
    reason = _clean(reason, MODERATION_REASON_MAX_LENGTH)
    with transaction.atomic():
        locked = forum.locked_thread(thread.pk)
        permissions.check_moderate_thread(moderator, locked)
        if getattr(locked, field) == value:
            return False
        changes = {field: value}
        if field == "is_locked":
            now = timezone.now() if value else None
            changes.update(
                locked_at=now,
                locked_by=moderator if value else None,
                lock_reason=reason if value else "",
            )
        Thread.objects.filter(pk=locked.pk, **{field: not value}).update(**changes)
        _audit(
            action,
            moderator,
            thread=locked,
            member=locked.author,
            reason=reason,
            before={field: not value},
            after={field: value},
        )
        forum_events.emit(signal, thread_id=locked.pk, actor_id=moderator.pk)
    for name, changed in changes.items():
        setattr(thread, name, changed)
    return True


def lock_thread(thread: Thread, *, moderator: User, reason: str = "") -> bool:
    """Close *thread* to new answers, comments, votes and solution changes; the reason is
    shown on the thread. Idempotent."""
    return _thread_flag(
        thread,
        moderator=moderator,
        field="is_locked",
        value=True,
        reason=reason,
        action="moderation.thread.locked",
        signal=forum_events.thread_locked,
    )


def unlock_thread(thread: Thread, *, moderator: User, reason: str = "") -> bool:
    """Reopen a locked *thread*. Idempotent."""
    return _thread_flag(
        thread,
        moderator=moderator,
        field="is_locked",
        value=False,
        reason=reason,
        action="moderation.thread.unlocked",
        signal=forum_events.thread_unlocked,
    )


def pin_thread(thread: Thread, *, moderator: User, reason: str = "") -> bool:
    """Keep *thread* at the top of its product's list. Idempotent."""
    return _thread_flag(
        thread,
        moderator=moderator,
        field="is_pinned",
        value=True,
        reason=reason,
        action="moderation.thread.pinned",
        signal=forum_events.thread_pinned,
    )


def unpin_thread(thread: Thread, *, moderator: User, reason: str = "") -> bool:
    """Let *thread* sort with the others again. Idempotent."""
    return _thread_flag(
        thread,
        moderator=moderator,
        field="is_pinned",
        value=False,
        reason=reason,
        action="moderation.thread.unpinned",
        signal=forum_events.thread_unpinned,
    )


@transaction.atomic
def move_thread(
    thread: Thread, *, moderator: User, category: CategoryPage, reason: str = ""
) -> bool:
    """Move *thread* to another product; the moderator must moderate both. Idempotent."""
    reason = _clean(reason, MODERATION_REASON_MAX_LENGTH)
    locked = forum.locked_thread(thread.pk)
    permissions.check_moderate_thread(moderator, locked)
    permissions.check_moderate_in(moderator, category.pk)
    if locked.category_id == category.pk:
        return False
    old = locked.category_id
    Thread.objects.filter(pk=locked.pk, category_id=old).update(category=category)
    ReviewItem.objects.filter(post__thread=locked).update(category=category)
    _audit(
        "moderation.thread.moved",
        moderator,
        thread=locked,
        member=locked.author,
        reason=reason,
        before={"product": old},
        after={"product": category.pk},
    )
    events.emit(
        events.thread_moved,
        thread_id=locked.pk,
        old_category_id=old,
        category_id=category.pk,
        actor_id=moderator.pk,
    )
    thread.category = category
    return True


def _lock_threads(*thread_ids: int) -> dict[int, Thread]:
    """Lock several threads, lowest id first (two moderators closing A into B and B into A
    at once must not each hold one)."""
    locked = Thread.objects.select_for_update().filter(pk__in=thread_ids).order_by("pk")
    return {thread.pk: thread for thread in locked}


def _move_demand(duplicate: Thread, original: Thread) -> int:
    """Move the duplicate's "I have this problem too" votes, and its asker, to the
    original's question, counting each person once. Returns how many the original gained.

    Each moved vote goes through the reputation ledger like a vote taken back on one
    question and cast on the other: the duplicate's asker loses what it gave, the
    original's asker gains it (within the daily cap).
    """
    dup_question = Post.objects.select_for_update().get(thread=duplicate, kind="question")
    org_question = Post.objects.select_for_update().get(thread=original, kind="question")
    dup_question.thread, org_question.thread = duplicate, original
    votes = list(Vote.objects.select_for_update().filter(post=dup_question, value=Vote.UP))
    already = set(Vote.objects.filter(post=org_question).values_list("voter_id", flat=True))
    people = [vote.voter_id for vote in votes]
    if duplicate.author_id not in people:
        people.append(duplicate.author_id)  # the asker has the problem too
    gaining = [
        voter
        for voter in dict.fromkeys(people)
        if voter not in already and voter != original.author_id
    ]
    reputation.lock_members({duplicate.author_id, original.author_id, *people})
    for vote in votes:
        Vote.objects.filter(pk=vote.pk).delete()
        reputation.vote_changed(
            source=forum.post_source(dup_question),
            kind="question",
            author_id=duplicate.author_id,
            voter_id=vote.voter_id,
            old_value=Vote.UP,
            new_value=0,
        )
    if votes:
        Post.objects.filter(pk=dup_question.pk).update(score=F("score") - len(votes))
        Thread.objects.filter(pk=duplicate.pk).update(vote_count=F("vote_count") - len(votes))
    for voter in gaining:
        Vote.objects.create(post=org_question, voter_id=voter, value=Vote.UP)
        reputation.vote_changed(
            source=forum.post_source(org_question),
            kind="question",
            author_id=original.author_id,
            voter_id=voter,
            old_value=0,
            new_value=Vote.UP,
        )
    if gaining:
        Post.objects.filter(pk=org_question.pk).update(score=F("score") + len(gaining))
        Thread.objects.filter(pk=original.pk).update(vote_count=F("vote_count") + len(gaining))
    return len(gaining)


def _check_pair(moderator: User, current: Thread, target: Thread | None) -> Thread:
    """What closing or merging *current* into *target* needs, judged on the locked rows."""
    permissions.check_moderate_thread(moderator, current)
    if target is None or target.pk == current.pk:
        raise PermissionDenied(_("A thread cannot be a duplicate of itself."))
    permissions.check_moderate_in(moderator, target.category_id)
    if current.is_duplicate:
        raise PermissionDenied(_("This thread is already closed as a duplicate."))
    if target.is_duplicate:
        raise PermissionDenied(
            _("That thread is itself a duplicate: close this one into its original instead.")
        )
    if not target.is_published or not current.is_published:
        raise PermissionDenied(_("Only published threads can be closed as duplicates."))
    return target


def _close(current: Thread, target: Thread, moderator: User, reason: str) -> int:
    """Close the locked *current* into *target*: demand moves, the thread is locked and
    points to the original. Returns how many people the original gained."""
    moved = _move_demand(current, target)
    now = timezone.now()
    Thread.objects.filter(pk=current.pk).update(
        duplicate_of=target,
        closed_at=now,
        closed_by=moderator,
        close_reason=reason,
        is_locked=True,
        locked_at=now,
        locked_by=moderator,
        lock_reason=reason,
    )
    question = Post.objects.get(thread=current, kind="question")
    question.thread = current
    _resolve(moderator=moderator, decision=Decision.CLOSED_DUPLICATE, note=reason, post=question)
    return moved


@transaction.atomic
def close_as_duplicate(
    thread: Thread, *, moderator: User, original: Thread, reason: str = ""
) -> int:
    """Close *thread* as a duplicate of *original*: it is locked and points to the
    original (which lists it), and its demand moves there (``_move_demand``: each person
    counted once). Returns how many people the original gained. Refused when the original
    is the thread itself, not published, or a duplicate itself.
    """
    reason = _clean(reason, MODERATION_REASON_MAX_LENGTH)
    threads = _lock_threads(thread.pk, original.pk)
    current = threads[thread.pk]
    target = _check_pair(moderator, current, threads.get(original.pk))
    moved = _close(current, target, moderator, reason)
    _audit(
        "moderation.thread.closed_duplicate",
        moderator,
        thread=current,
        member=current.author,
        reason=reason,
        before={"duplicate_of": None, "locked": current.is_locked},
        after={"duplicate_of": target.pk, "moved_votes": moved},
    )
    events.emit(
        events.thread_closed,
        thread_id=current.pk,
        original_id=target.pk,
        moved_votes=moved,
        actor_id=moderator.pk,
    )
    thread.duplicate_of, thread.is_locked = target, True
    return moved


def _recount(thread_id: int) -> None:
    """A thread's answer count and answer times from the answers it holds now."""
    published = Post.objects.filter(
        thread_id=thread_id, kind=Post.Kind.ANSWER, state=Visibility.PUBLISHED
    )
    Thread.objects.filter(pk=thread_id).update(
        answer_count=published.count(), **forum.answer_times(thread_id)
    )


def _take_back_solution(thread: Thread, moderator: User) -> int | None:
    """The locked *thread*'s solution stops being one (its answers are leaving)."""
    answer_id = thread.accepted_answer_id
    if answer_id is None:
        return None
    Thread.objects.filter(pk=thread.pk).update(
        accepted_answer=None, accepted_at=None, accepted_by=None
    )
    reputation.answer_unaccepted(post_id=answer_id, actor_id=moderator.pk)
    forum_events.emit(
        forum_events.answer_unaccepted,
        thread_id=thread.pk,
        post_id=answer_id,
        actor_id=moderator.pk,
    )
    return answer_id


@transaction.atomic
def merge_threads(source: Thread, *, into: Thread, moderator: User, reason: str = "") -> list[int]:
    """Merge *source* into *into*: its answers (with their comments and votes) move there
    and it is closed as a duplicate pointing to it, its demand moving too. A solution of
    *source* stops being one: the original's asker decides its own solution. Returns the
    ids of the answers moved.
    """
    reason = _clean(reason, MODERATION_REASON_MAX_LENGTH)
    threads = _lock_threads(source.pk, into.pk)
    current = threads[source.pk]
    target = _check_pair(moderator, current, threads.get(into.pk))
    answers = list(
        Post.objects.select_for_update()
        .filter(thread=current, kind=Post.Kind.ANSWER)
        .exclude(state=Visibility.DELETED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    reputation.lock_for_posts(answers, [current.author_id, target.author_id])
    _take_back_solution(current, moderator)
    Post.objects.filter(pk__in=answers).update(thread=target, version=F("version") + 1)
    ReviewItem.objects.filter(post_id__in=answers).update(category_id=target.category_id)
    _recount(current.pk)
    _recount(target.pk)
    latest = (
        Post.objects.filter(pk__in=answers, state=Visibility.PUBLISHED)
        .order_by("-created_at")
        .first()
    )
    if latest is not None:
        Thread.objects.filter(pk=target.pk, last_activity_at__lt=latest.created_at).update(
            last_activity_at=latest.created_at
        )
    moved = _close(current, target, moderator, reason)
    _audit(
        "moderation.threads.merged",
        moderator,
        thread=current,
        member=current.author,
        reason=reason,
        before={"answers": answers},
        after={"into": target.pk, "moved_votes": moved},
    )
    events.emit(
        events.threads_merged,
        thread_id=target.pk,
        merged_id=current.pk,
        post_ids=answers,
        actor_id=moderator.pk,
    )
    source.duplicate_of, source.is_locked = target, True
    return answers


def _answer_to_question(post: Post, thread: Thread, moderator: User) -> None:
    """The answer *post* becomes the question of the new *thread*: its up votes become
    "I have this problem too" votes (through the ledger: an answer's points are taken back,
    a question's given), its down votes are taken back."""
    old_source = forum.post_source(post)
    votes = list(Vote.objects.select_for_update().filter(post=post))
    reputation.lock_members({post.author_id, *(vote.voter_id for vote in votes)})
    for vote in votes:
        reputation.vote_changed(
            source=old_source,
            kind="answer",
            author_id=post.author_id,
            voter_id=vote.voter_id,
            old_value=vote.value,
            new_value=0,
        )
    Vote.objects.filter(post=post, value=Vote.DOWN).delete()
    ups = [vote for vote in votes if vote.value == Vote.UP]
    Post.objects.filter(pk=post.pk).update(
        thread=thread, kind=Post.Kind.QUESTION, score=len(ups), version=F("version") + 1
    )
    post.thread, post.kind = thread, Post.Kind.QUESTION
    for vote in ups:
        reputation.vote_changed(
            source=forum.post_source(post),
            kind="question",
            author_id=post.author_id,
            voter_id=vote.voter_id,
            old_value=0,
            new_value=Vote.UP,
        )
    Thread.objects.filter(pk=thread.pk).update(vote_count=len(ups))


@transaction.atomic
def split_answers(
    thread: Thread, *, answers: list[Post], moderator: User, title: str, reason: str = ""
) -> Thread:
    """Move *answers* of *thread* into a new thread titled *title*, in the same product:
    the first becomes its question (by its author), the others its answers. A solution
    among them stops being one. Returns the new thread.
    """
    reason = _clean(reason, MODERATION_REASON_MAX_LENGTH)
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError(_("Please give the new thread a title."))
    current = forum.locked_thread(thread.pk)
    permissions.check_moderate_thread(moderator, current)
    ids = [post.pk for post in answers]
    chosen = {
        post.pk: post
        for post in Post.objects.select_for_update()
        .filter(pk__in=ids, thread=current, kind=Post.Kind.ANSWER)
        .exclude(state=Visibility.DELETED)
    }
    if not chosen or len(chosen) != len(set(ids)):
        raise PermissionDenied(_("Choose answers of this thread that are still there."))
    first = chosen[ids[0]]
    if first.state != Visibility.PUBLISHED:
        raise PermissionDenied(
            _("The first answer chosen becomes the question: it must be published.")
        )
    reputation.lock_for_posts(list(chosen), [current.author_id, first.author_id])
    if current.accepted_answer_id in chosen:
        _take_back_solution(current, moderator)
    new = Thread.objects.create(
        category_id=current.category_id,
        author_id=first.author_id,
        title=title[: Thread._meta.get_field("title").max_length],
        slug=forum.thread_slug(title),
        excerpt=rendering.excerpt(first.body_html),
        last_activity_at=first.created_at,
        language=current.language,
    )
    _answer_to_question(first, new, moderator)
    rest = [pk for pk in ids[1:] if pk in chosen]
    Post.objects.filter(pk__in=rest).update(thread=new, version=F("version") + 1)
    ReviewItem.objects.filter(post_id__in=list(chosen)).update(category_id=new.category_id)
    _recount(current.pk)
    _recount(new.pk)
    others = Comment.objects.filter(post=first, state=Visibility.PUBLISHED).exclude(
        author_id=first.author_id
    )
    Thread.objects.filter(pk=new.pk).update(others_comment_count=others.count())
    # The new thread began when its question was written, and was last active then or
    # at its latest answer.
    latest = max(post.created_at for post in chosen.values() if post.is_published)
    Thread.objects.filter(pk=new.pk).update(created_at=first.created_at, last_activity_at=latest)
    _audit(
        "moderation.answers.split",
        moderator,
        thread=current,
        member=first.author,
        reason=reason,
        before={"thread": current.pk, "answers": ids},
        after={"thread": new.pk, "question": first.pk},
    )
    events.emit(
        events.answers_split,
        thread_id=new.pk,
        from_thread_id=current.pk,
        post_ids=ids,
        actor_id=moderator.pk,
    )
    return new


@transaction.atomic
def reopen_duplicate(thread: Thread, *, moderator: User, reason: str = "") -> bool:
    """Undo a close as duplicate: the thread is open again and no longer points to the
    original. Moved votes stay where they are (those people have the original's problem
    too). Idempotent."""
    current = forum.locked_thread(thread.pk)
    permissions.check_moderate_thread(moderator, current)
    if not current.is_duplicate:
        return False
    original_id = current.duplicate_of_id
    Thread.objects.filter(pk=current.pk).update(
        duplicate_of=None,
        closed_at=None,
        closed_by=None,
        close_reason="",
        is_locked=False,
        locked_at=None,
        locked_by=None,
        lock_reason="",
    )
    _audit(
        "moderation.thread.reopened",
        moderator,
        thread=current,
        member=current.author,
        reason=_clean(reason, MODERATION_REASON_MAX_LENGTH),
        before={"duplicate_of": original_id},
        after={"duplicate_of": None},
    )
    events.emit(
        events.thread_reopened, thread_id=current.pk, original_id=original_id, actor_id=moderator.pk
    )
    thread.duplicate_of, thread.is_locked = None, False
    return True


# --- Sanctions ------------------------------------------------------------------------


@transaction.atomic
def warn_member(
    member: User, *, moderator: User, message: str, item: ReviewItem | None = None
) -> Sanction:
    """Send *member* a warning they must acknowledge before they post again."""
    message = _clean_block(message, NOTE_MAX_LENGTH)
    if not message:
        raise ValidationError(_("Please write the warning the member will read."))
    permissions.check_sanction(moderator, member)
    item = _take(item, moderator)
    now = timezone.now()
    sanction = Sanction.objects.create(
        member=member, kind=Sanction.Kind.WARNING, message=message, moderator=moderator
    )
    User.objects.filter(pk=member.pk).update(warning_text=message, warned_at=now)
    member.warning_text, member.warned_at = message, now
    if item is not None:
        _resolve(moderator=moderator, decision=Decision.WARNED, note=message, item=item)
    _audit("moderation.member.warned", moderator, member=member, reason=message)
    events.emit(
        events.member_warned, member_id=member.pk, sanction_id=sanction.pk, actor_id=moderator.pk
    )
    return sanction


@transaction.atomic
def acknowledge_warning(member: User) -> bool:
    """The member read their warning: they may post again. Idempotent."""
    locked = User.objects.select_for_update(no_key=True).get(pk=member.pk)
    if not locked.warning_text:
        return False
    now = timezone.now()
    User.objects.filter(pk=member.pk).update(warning_text="")
    Sanction.objects.filter(
        member=member, kind=Sanction.Kind.WARNING, acknowledged_at__isnull=True
    ).update(acknowledged_at=now)
    _audit("moderation.warning.acknowledged", member, member=member)
    member.warning_text = ""
    return True


@transaction.atomic
def suspend_member(
    member: User,
    *,
    moderator: User,
    reason: str,
    until: datetime | None = None,
    item: ReviewItem | None = None,
) -> Sanction:
    """Suspend *member* until *until* (None: until lifted): they can read but not post,
    vote, flag or edit, and see why and until when. Replaces a suspension in force."""
    reason = _clean_block(reason, NOTE_MAX_LENGTH)
    if not reason:
        raise ValidationError(_("Please give the reason the member will read."))
    if until is not None and until <= timezone.now():
        raise ValidationError(_("The end of a suspension must be in the future."))
    permissions.check_suspend(moderator, member)
    item = _take(item, moderator)
    locked = User.objects.select_for_update(no_key=True).get(pk=member.pk)
    before = _suspension_facts(locked)
    now = timezone.now()
    Sanction.objects.filter(
        member=member, kind=Sanction.Kind.SUSPENSION, lifted_at__isnull=True
    ).update(lifted_at=now, lifted_by=moderator, lift_reason=_("Replaced by a new suspension."))
    sanction = Sanction.objects.create(
        member=member,
        kind=Sanction.Kind.SUSPENSION,
        message=reason,
        ends_at=until,
        moderator=moderator,
    )
    User.objects.filter(pk=member.pk).update(
        suspended_at=now, suspended_until=until, suspension_reason=reason
    )
    member.suspended_at, member.suspended_until, member.suspension_reason = now, until, reason
    if item is not None:
        _resolve(moderator=moderator, decision=Decision.SUSPENDED, note=reason, item=item)
    _audit(
        "moderation.member.suspended",
        moderator,
        member=member,
        reason=reason,
        before=before,
        after=_suspension_facts(member),
    )
    events.emit(
        events.member_suspended,
        member_id=member.pk,
        sanction_id=sanction.pk,
        actor_id=moderator.pk,
    )
    return sanction


def _suspension_facts(member: User) -> dict:
    if member.suspended_at is None:
        return {"suspended": False}
    return {
        "suspended": True,
        "until": member.suspended_until.isoformat() if member.suspended_until else None,
    }


@transaction.atomic
def lift_suspension(member: User, *, moderator: User, reason: str = "") -> bool:
    """End *member*'s suspension now. Idempotent: False when none is in force."""
    permissions.check_suspend(moderator, member)
    locked = User.objects.select_for_update(no_key=True).get(pk=member.pk)
    if not locked.is_suspended:
        return False
    before = _suspension_facts(locked)
    now = timezone.now()
    reason = _clean_block(reason, NOTE_MAX_LENGTH)
    User.objects.filter(pk=member.pk).update(
        suspended_at=None, suspended_until=None, suspension_reason=""
    )
    sanction = (
        Sanction.objects.filter(
            member=member, kind=Sanction.Kind.SUSPENSION, lifted_at__isnull=True
        )
        .order_by("-created_at")
        .first()
    )
    Sanction.objects.filter(
        member=member, kind=Sanction.Kind.SUSPENSION, lifted_at__isnull=True
    ).update(lifted_at=now, lifted_by=moderator, lift_reason=reason)
    member.suspended_at = member.suspended_until = None
    member.suspension_reason = ""
    _audit(
        "moderation.member.suspension_lifted",
        moderator,
        member=member,
        reason=reason,
        before=before,
        after={"suspended": False},
    )
    events.emit(
        events.suspension_lifted,
        member_id=member.pk,
        sanction_id=sanction.pk if sanction else None,
        actor_id=moderator.pk,
    )
    return True


def _set_comment_state(comment: Comment, state: str, moderator: User) -> None:
    """Hide a published comment, or publish a hidden one, keeping its post's and thread's
    comment counts (counted only while published)."""
    before = Visibility.PUBLISHED if state == Visibility.HIDDEN else Visibility.HIDDEN
    if not Comment.objects.filter(pk=comment.pk, state=before).update(state=state):
        return
    step = -1 if state == Visibility.HIDDEN else 1
    Post.objects.filter(pk=comment.post_id).update(
        comment_count=F("comment_count") + step, version=F("version") + 1
    )
    post = comment.post
    if post.is_question:
        thread = Thread.objects.get(pk=post.thread_id)
        if comment.author_id != thread.author_id:
            Thread.objects.filter(pk=thread.pk).update(
                others_comment_count=F("others_comment_count") + step
            )
    events.emit(
        events.comment_hidden if state == Visibility.HIDDEN else events.comment_shown,
        thread_id=post.thread_id,
        post_id=post.pk,
        comment_id=comment.pk,
        kind="comment",
        author_id=comment.author_id,
        actor_id=moderator.pk,
    )


@transaction.atomic
def mark_as_spammer(member: User, *, moderator: User, reason: str = "") -> SpamSweep:
    """Hide every published post of *member* as spam and suspend them, in one step.

    Their published comments are hidden too, and their posts waiting for review rejected.
    Recorded as a ``SpamSweep`` so ``revert_spam_sweep`` undoes exactly this: the posts
    and comments it hid are shown again (with their points and spam penalties given back)
    and the suspension it made is lifted.
    """
    permissions.check_suspend(moderator, member)
    reason = _clean_block(reason, NOTE_MAX_LENGTH) or _("Spam")
    posts = list(
        Post.objects.filter(author=member, state=Visibility.PUBLISHED)
        .select_related("thread")
        .order_by("kind", "pk")  # answers before questions: a hidden thread hides them
    )
    hidden = []
    for post in posts:
        if forum.hide_post(post, moderator=moderator, as_spam=True):
            hidden.append(post.pk)
        _resolve(moderator=moderator, decision=Decision.SPAM, note=reason, post=post)
    for post in Post.objects.filter(author=member, state=Visibility.PENDING).select_related(
        "thread"
    ):
        Post.objects.filter(pk=post.pk, state=Visibility.PENDING).update(
            state=Visibility.DELETED, deleted_at=timezone.now(), version=F("version") + 1
        )
        if post.is_question:
            Thread.objects.filter(pk=post.thread_id).update(state=Visibility.DELETED)
        _resolve(moderator=moderator, decision=Decision.SPAM, note=reason, post=post)
    comments = list(
        Comment.objects.select_for_update(of=("self",))
        .filter(author=member, state=Visibility.PUBLISHED)
        .select_related("post")
        .order_by("pk")
    )
    for comment in comments:
        _set_comment_state(comment, Visibility.HIDDEN, moderator)
        _resolve(moderator=moderator, decision=Decision.SPAM, note=reason, comment=comment)
    sanction = suspend_member(member, moderator=moderator, reason=reason)
    sweep = SpamSweep.objects.create(
        member=member,
        moderator=moderator,
        post_ids=hidden,
        comment_ids=[comment.pk for comment in comments],
        sanction=sanction,
    )
    _resolve(moderator=moderator, decision=Decision.SPAM, note=reason, member=member)
    _audit(
        "moderation.member.marked_spammer",
        moderator,
        member=member,
        reason=reason,
        after={"hidden_posts": hidden, "sweep": sweep.pk},
    )
    return sweep


@transaction.atomic
def revert_spam_sweep(sweep: SpamSweep, *, moderator: User, reason: str = "") -> bool:
    """Undo "mark as spam": show again the posts it hid that are still hidden, and lift
    its suspension if it is still the one in force. Idempotent."""
    current = (
        SpamSweep.objects.select_for_update(of=("self",)).select_related("member").get(pk=sweep.pk)
    )
    permissions.check_suspend(moderator, current.member)
    if current.reverted_at is not None:
        return False
    shown = []
    # Only what is still hidden: a post deleted since stays deleted.
    still_hidden = Post.objects.filter(pk__in=current.post_ids, state=Visibility.HIDDEN).exclude(
        thread__state=Visibility.DELETED
    )
    for post in still_hidden.select_related("thread").order_by("-kind", "pk"):
        if forum.unhide_post(post, moderator=moderator):
            shown.append(post.pk)
    for comment in Comment.objects.filter(
        pk__in=current.comment_ids, state=Visibility.HIDDEN
    ).select_related("post"):
        _set_comment_state(comment, Visibility.PUBLISHED, moderator)
    member = current.member
    if (
        member.is_suspended
        and Sanction.objects.filter(pk=current.sanction_id, lifted_at__isnull=True).exists()
    ):
        lift_suspension(member, moderator=moderator, reason=reason)
    SpamSweep.objects.filter(pk=current.pk).update(
        reverted_at=timezone.now(), reverted_by=moderator
    )
    _audit(
        "moderation.member.spam_reverted",
        moderator,
        member=member,
        reason=_clean_block(reason, NOTE_MAX_LENGTH),
        before={"hidden_posts": current.post_ids},
        after={"shown_posts": shown},
    )
    sweep.reverted_at = timezone.now()
    return True


# --- Who moderates where ----------------------------------------------------------------


@transaction.atomic
def set_moderated_products(
    member: User, *, administrator: User, category_ids: list[int], reason: str = ""
) -> bool:
    """Limit moderator *member* to the products *category_ids* ([]: every product)."""
    permissions.check_manage_moderators(administrator)
    wanted = sorted({int(pk) for pk in category_ids})
    locked = User.objects.select_for_update(no_key=True).get(pk=member.pk)
    if sorted(locked.moderated_product_ids) == wanted:
        return False
    User.objects.filter(pk=member.pk).update(moderated_product_ids=wanted)
    _audit(
        "moderation.moderator.scope_changed",
        administrator,
        member=member,
        reason=_clean(reason, NOTE_MAX_LENGTH),
        before={"products": locked.moderated_product_ids},
        after={"products": wanted},
    )
    member.moderated_product_ids = wanted
    return True


# --- Canned replies --------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(asker|product|thread|moderator)\}")


@dataclass(frozen=True)
class FilledReply:
    title: str
    body: str


def fill_canned_reply(reply: CannedReply, *, thread: Thread, moderator: User) -> FilledReply:
    """*reply*'s text with its placeholders filled for *thread*: ``{asker}``,
    ``{product}``, ``{thread}`` (its title), ``{moderator}``; other braces stay as written."""
    values = {
        "asker": thread.author.public_name,
        "product": thread.category.title,
        "thread": thread.title,
        "moderator": moderator.public_name,
    }
    body = _PLACEHOLDER.sub(lambda match: values[match.group(1)], reply.body)
    return FilledReply(reply.title, body)


@transaction.atomic
def settle_gone(*, post_id: int, comment_id: int | None = None) -> list[int]:
    """Close the open queue items of a post (or comment) its author deleted: nothing is
    left to decide. Idempotent."""
    post = Post.objects.filter(pk=post_id).first()
    if post is None:
        return []
    if comment_id is not None:
        comment = Comment.objects.filter(pk=comment_id).first()
        if comment is None or not comment.is_deleted:
            return []
        return _resolve(moderator=None, decision=Decision.GONE, comment=comment)
    if not post.is_deleted:
        return []
    return _resolve(
        moderator=None, decision=Decision.GONE, post=post, whole_thread=post.is_question
    )
