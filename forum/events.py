"""What happened in the forum, announced through the durable outbox (``core.events``).

Each event is recorded in the transaction of the change (``emit``) and dispatched to
its receivers after commit; undelivered ones are dispatched again by the outbox sweep.
Receivers live in the listening app's ``receivers.py`` and get the ``core.models.Event``
(``event.pk`` is the event id; ``event.payload`` the dict below). Payloads are ids and
plain values only; every one carries ``thread_id`` and ``actor_id`` (who acted).

- ``forum.question_asked``: ``thread_id``, ``post_id`` (the question), ``actor_id``,
  ``category_id``
- ``forum.answer_posted``: ``thread_id``, ``post_id`` (the answer), ``actor_id``
- ``forum.comment_posted``: ``thread_id``, ``post_id`` (the post it is on), ``comment_id``,
  ``actor_id``
- ``forum.post_edited``: ``thread_id``, ``post_id``, ``kind`` ("question" or "answer"),
  ``revision_id`` (the PostRevision holding the previous text), ``actor_id``,
  ``title_changed`` and ``tags_changed`` (bools), ``old_tag_ids`` (the thread's tag ids
  before the edit; [] for answers)
- ``forum.post_deleted``: ``thread_id``, ``post_id``, ``kind``, ``actor_id``,
  ``thread_deleted`` (true when the question went, and with it the thread)
- ``forum.comment_deleted``: ``thread_id``, ``post_id``, ``comment_id``, ``actor_id``
- ``forum.vote_changed``: ``thread_id``, ``post_id``, ``kind``, ``author_id`` (of the
  post), ``actor_id`` (the voter), ``old_value`` and ``new_value`` (each 1, -1 or 0)
- ``forum.answer_accepted``: ``thread_id``, ``post_id`` (the answer now accepted),
  ``previous_post_id`` (the answer accepted before, or null), ``actor_id``
- ``forum.answer_unaccepted``: ``thread_id``, ``post_id`` (no longer accepted), ``actor_id``
- ``forum.thread_locked`` / ``forum.thread_unlocked`` / ``forum.thread_pinned`` /
  ``forum.thread_unpinned``: ``thread_id``, ``actor_id``
- ``forum.post_hidden``: ``thread_id``, ``post_id``, ``kind``, ``actor_id`` (the
  moderator), ``as_spam`` (bool), ``was_accepted`` (it was the solution; the thread is
  no longer solved). Hiding a question hides its thread.
- ``forum.post_restored``: ``thread_id``, ``post_id``, ``kind``, ``actor_id``: a hidden
  post (and, for a question, its thread) is published again.
- ``forum.revision_redacted``: ``thread_id``, ``post_id``, ``revision_id`` (the earlier
  version whose text a moderator removed), ``actor_id`` (the moderator). With the
  revision's own ``redacted_by``, ``redacted_at`` and ``redaction_reason``, the audit of it.
- ``forum.post_held``: ``thread_id``, ``post_id``, ``comment_id`` (null unless a comment
  was held), ``kind`` ("question", "answer" or "comment"), ``actor_id`` (the author),
  ``category_id``, ``reasons`` (why it waits, in words): a new post saved as pending by
  screening (``forum.screening``); it comes with the post's own event.
- ``forum.suggested_edit_created``: ``thread_id``, ``post_id``, ``suggestion_id``,
  ``author_id`` (of the post: who reviews it), ``actor_id`` (the member who suggested it)
- ``forum.suggested_edit_approved``: ``thread_id``, ``post_id``, ``suggestion_id``,
  ``suggester_id``, ``revision_id`` (the earlier version it left in the history; null when
  approving changed nothing), ``actor_id`` (the reviewer). ``post_edited`` comes with it.
- ``forum.suggested_edit_rejected``: ``thread_id``, ``post_id``, ``suggestion_id``,
  ``suggester_id``, ``actor_id`` (the reviewer); the note is on the suggestion.
"""

from core.events import EventType, emit

__all__ = ["ALL", "EventType", "emit"]

question_asked = EventType(
    "forum.question_asked", ("thread_id", "post_id", "actor_id", "category_id")
)
answer_posted = EventType("forum.answer_posted", ("thread_id", "post_id", "actor_id"))
comment_posted = EventType(
    "forum.comment_posted", ("thread_id", "post_id", "comment_id", "actor_id")
)
post_edited = EventType(
    "forum.post_edited",
    (
        "thread_id",
        "post_id",
        "kind",
        "revision_id",
        "actor_id",
        "title_changed",
        "tags_changed",
        "old_tag_ids",
    ),
)
post_deleted = EventType(
    "forum.post_deleted", ("thread_id", "post_id", "kind", "actor_id", "thread_deleted")
)
comment_deleted = EventType(
    "forum.comment_deleted", ("thread_id", "post_id", "comment_id", "actor_id")
)
vote_changed = EventType(
    "forum.vote_changed",
    ("thread_id", "post_id", "kind", "author_id", "actor_id", "old_value", "new_value"),
)
answer_accepted = EventType(
    "forum.answer_accepted", ("thread_id", "post_id", "previous_post_id", "actor_id")
)
answer_unaccepted = EventType("forum.answer_unaccepted", ("thread_id", "post_id", "actor_id"))
thread_locked = EventType("forum.thread_locked", ("thread_id", "actor_id"))
thread_unlocked = EventType("forum.thread_unlocked", ("thread_id", "actor_id"))
thread_pinned = EventType("forum.thread_pinned", ("thread_id", "actor_id"))
thread_unpinned = EventType("forum.thread_unpinned", ("thread_id", "actor_id"))
post_hidden = EventType(
    "forum.post_hidden", ("thread_id", "post_id", "kind", "actor_id", "as_spam", "was_accepted")
)
post_restored = EventType("forum.post_restored", ("thread_id", "post_id", "kind", "actor_id"))
revision_redacted = EventType(
    "forum.revision_redacted", ("thread_id", "post_id", "revision_id", "actor_id")
)
post_held = EventType(
    "forum.post_held",
    ("thread_id", "post_id", "comment_id", "kind", "actor_id", "category_id", "reasons"),
)
suggested_edit_created = EventType(
    "forum.suggested_edit_created",
    ("thread_id", "post_id", "suggestion_id", "author_id", "actor_id"),
)
suggested_edit_approved = EventType(
    "forum.suggested_edit_approved",
    ("thread_id", "post_id", "suggestion_id", "suggester_id", "revision_id", "actor_id"),
)
suggested_edit_rejected = EventType(
    "forum.suggested_edit_rejected",
    ("thread_id", "post_id", "suggestion_id", "suggester_id", "actor_id"),
)

ALL = (
    question_asked,
    answer_posted,
    comment_posted,
    post_edited,
    post_deleted,
    comment_deleted,
    vote_changed,
    answer_accepted,
    answer_unaccepted,
    thread_locked,
    thread_unlocked,
    thread_pinned,
    thread_unpinned,
    revision_redacted,
    post_hidden,
    post_restored,
)
# Suggested edits change no page that is kept (an approved one comes with post_edited;
# the waiting count is a per-viewer bit), so the page cache does not listen to them.
SUGGESTIONS = (suggested_edit_created, suggested_edit_approved, suggested_edit_rejected)
