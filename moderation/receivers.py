"""Moderation's reactions to the forum's events and its own. One line each: quick,
idempotent database steps run right after commit (retried by the outbox sweep)."""

from core.models import Event
from forum import caching
from forum import events as forum_events
from moderation import events, services


def hold_for_review(event: Event) -> None:
    """A new post waits for review: put it in the queue."""
    payload = event.payload
    services.hold_for_review(
        post_id=payload["post_id"],
        comment_id=payload.get("comment_id"),
        reasons=payload.get("reasons") or [],
        category_id=payload.get("category_id"),
    )


def settle_gone(event: Event) -> None:
    """Its author deleted a post that was in the queue: nothing is left to decide."""
    services.settle_gone(
        post_id=event.payload["post_id"], comment_id=event.payload.get("comment_id")
    )


def drop_cached_pages(event: Event) -> None:
    """What moderators changed shows on the thread's page, and on lists (a thread moved,
    closed or published), at once."""
    payload = event.payload
    caching.drop_for_event(
        event.name,
        payload,
        changes_lists=True,
        category_ids=tuple(filter(None, [payload.get("old_category_id")])),
    )
    for key in ("original_id", "merged_id", "from_thread_id"):
        if payload.get(key):
            caching.drop_for_event(event.name, {"thread_id": payload[key]}, changes_lists=True)


def connect() -> None:
    forum_events.post_held.connect(hold_for_review)
    forum_events.post_deleted.connect(settle_gone)
    forum_events.comment_deleted.connect(settle_gone)
    for event_type in events.CONTENT:
        event_type.connect(drop_cached_pages)
