"""What moderators and the queue did, announced through the durable outbox (``core.events``).

Changes to forum rows that the forum already has an event for (hiding, locking,
pinning, editing) announce the forum's event; these are the rest. Every payload carries
``actor_id`` (who acted; null for the system) and, where a thread is concerned,
``thread_id``, so the page cache drops that thread's page.

- ``moderation.post_flagged``: ``thread_id``, ``post_id``, ``comment_id``, ``flag_id``,
  ``item_id``, ``actor_id`` (the flagger)
- ``moderation.item_resolved``: ``item_id``, ``thread_id``, ``decision``, ``flag_ids``
  (the flags it handled: each flagger learns what became of theirs), ``actor_id``
- ``moderation.post_approved`` / ``moderation.post_rejected``: ``thread_id``,
  ``post_id``, ``comment_id``, ``kind``, ``author_id``, ``actor_id``
- ``moderation.post_deleted`` / ``moderation.post_undeleted``: ``thread_id``, ``post_id``,
  ``comment_id``, ``kind``, ``author_id``, ``actor_id`` (a moderator's removal of anyone's
  post, and its undoing)
- ``moderation.comment_hidden`` / ``moderation.comment_shown``: the same fields, ``kind``
  "comment": a spammer's comment hidden by "mark as spammer", and shown again by its undoing
- ``moderation.thread_moved``: ``thread_id``, ``old_category_id``, ``category_id``,
  ``actor_id``
- ``moderation.thread_closed``: ``thread_id``, ``original_id`` (the thread it duplicates),
  ``moved_votes`` (how many "I have this problem too" votes went to the original),
  ``actor_id``. Upper apps (notifications) move the duplicate's followers here.
- ``moderation.thread_reopened``: ``thread_id``, ``original_id``, ``actor_id``
- ``moderation.threads_merged``: ``thread_id`` (the one kept), ``merged_id``,
  ``post_ids`` (the answers moved), ``actor_id``
- ``moderation.answers_split``: ``thread_id`` (the new thread), ``from_thread_id``,
  ``post_ids``, ``actor_id``
- ``moderation.member_warned`` / ``moderation.member_suspended`` /
  ``moderation.suspension_lifted``: ``member_id``, ``sanction_id``, ``actor_id``
"""

from core.events import EventType, emit

__all__ = ["CONTENT", "EventType", "emit"]

post_flagged = EventType(
    "moderation.post_flagged",
    ("thread_id", "post_id", "comment_id", "flag_id", "item_id", "actor_id"),
)
item_resolved = EventType(
    "moderation.item_resolved", ("item_id", "thread_id", "decision", "flag_ids", "actor_id")
)
_POST_FIELDS = ("thread_id", "post_id", "comment_id", "kind", "author_id", "actor_id")
post_approved = EventType("moderation.post_approved", _POST_FIELDS)
post_rejected = EventType("moderation.post_rejected", _POST_FIELDS)
post_deleted = EventType("moderation.post_deleted", _POST_FIELDS)
post_undeleted = EventType("moderation.post_undeleted", _POST_FIELDS)
comment_hidden = EventType("moderation.comment_hidden", _POST_FIELDS)
comment_shown = EventType("moderation.comment_shown", _POST_FIELDS)
thread_moved = EventType(
    "moderation.thread_moved", ("thread_id", "old_category_id", "category_id", "actor_id")
)
thread_closed = EventType(
    "moderation.thread_closed", ("thread_id", "original_id", "moved_votes", "actor_id")
)
thread_reopened = EventType("moderation.thread_reopened", ("thread_id", "original_id", "actor_id"))
threads_merged = EventType(
    "moderation.threads_merged", ("thread_id", "merged_id", "post_ids", "actor_id")
)
answers_split = EventType(
    "moderation.answers_split", ("thread_id", "from_thread_id", "post_ids", "actor_id")
)
_SANCTION_FIELDS = ("member_id", "sanction_id", "actor_id")
member_warned = EventType("moderation.member_warned", _SANCTION_FIELDS)
member_suspended = EventType("moderation.member_suspended", _SANCTION_FIELDS)
suspension_lifted = EventType("moderation.suspension_lifted", _SANCTION_FIELDS)

# Events that change what a thread page or a list shows: the page cache drops them.
CONTENT = (
    post_approved,
    post_rejected,
    post_deleted,
    post_undeleted,
    comment_hidden,
    comment_shown,
    thread_moved,
    thread_closed,
    thread_reopened,
    threads_merged,
    answers_split,
)
