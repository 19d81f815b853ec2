"""What happened in the forum, announced for the apps above it.

Each signal is sent once, after the transaction that made the change commits
(``emit``), with ``sender`` set to the model class named below. Receivers live in
the listening app's ``receivers.py`` and should only call a service or enqueue a
task; a receiver that raises is logged and does not affect the others.

Payloads (keyword arguments besides ``sender``):

- ``question_asked``: ``thread`` (Thread), ``post`` (the question Post), ``actor`` (User)
- ``answer_posted``: ``thread``, ``post`` (the answer), ``actor``
- ``comment_posted``: ``comment`` (Comment), ``post`` (the Post it is on), ``actor``
- ``post_edited``: ``post``, ``revision`` (PostRevision holding the previous text), ``actor``
- ``post_deleted``: ``post``, ``actor``
- ``comment_deleted``: ``comment``, ``actor``
- ``vote_changed``: ``post``, ``actor``, ``old_value`` and ``new_value`` (each 1, -1 or 0)
- ``answer_accepted``: ``thread``, ``post`` (the answer now accepted),
  ``previous`` (the answer accepted before, or None), ``actor``
- ``answer_unaccepted``: ``thread``, ``post`` (the answer no longer accepted), ``actor``
- ``thread_locked`` / ``thread_unlocked``: ``thread``, ``actor``
- ``thread_pinned`` / ``thread_unpinned``: ``thread``, ``actor``
"""

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

question_asked = Signal()
answer_posted = Signal()
comment_posted = Signal()
post_edited = Signal()
post_deleted = Signal()
comment_deleted = Signal()
vote_changed = Signal()
answer_accepted = Signal()
answer_unaccepted = Signal()
thread_locked = Signal()
thread_unlocked = Signal()
thread_pinned = Signal()
thread_unpinned = Signal()


def emit(signal: Signal, *, sender: type, **payload: object) -> None:
    """Send *signal* once the current transaction commits (at once outside one)."""

    def send() -> None:
        for receiver, result in signal.send_robust(sender=sender, **payload):
            if isinstance(result, Exception):
                logger.error("Receiver %r of %s failed", receiver, sender.__name__, exc_info=result)

    transaction.on_commit(send)


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
)
