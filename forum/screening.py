"""Screening what members post: the rules that hold a new post for review or refuse it.

The forum asks ``screen`` before it writes a new question, answer or comment; each
registered screener looks at the ``Submission`` and returns the reasons (in words a
moderator reads) to hold it for review, or raises ``PermissionDenied`` with words the
member reads (a rate limit). A held post is saved as ``pending``: its author sees it
marked "waiting for review", nobody else does until a moderator approves it.

Screeners come from the apps above the forum (``moderation`` registers pre-moderation,
spam checks and rate limits in its ``AppConfig.ready()``): the forum calls them without
importing them. Staff are never screened. ``bypass()`` turns screening off in a block
(the demo loader, which writes a community's history in seconds).
"""

import contextvars
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from accounts.models import User


@dataclass(frozen=True)
class Submission:
    """A new post as the screeners see it, before it is written."""

    author: User
    kind: str  # "question", "answer" or "comment"
    text: str  # the Markdown (a question's title first)
    html: str  # the rendered, sanitised HTML
    category_id: int
    thread_id: int | None = None


Screener = Callable[[Submission], Iterable[str]]
SCREENERS: dict[str, Screener] = {}

_bypassed = contextvars.ContextVar("forum_screening_bypassed", default=False)


def screener(name: str) -> Callable[[Screener], Screener]:
    """Register the decorated function as the screener *name* (registering again replaces)."""

    def register(func: Screener) -> Screener:
        SCREENERS[name] = func
        return func

    return register


@contextmanager
def bypass():
    token = _bypassed.set(True)
    try:
        yield
    finally:
        _bypassed.reset(token)


def screen(submission: Submission, *, extra: Iterable[str] = ()) -> list[str]:
    """Why *submission* must wait for review ([] to publish it at once); raises
    ``PermissionDenied`` when a screener refuses it. *extra* are the forum's own reasons."""
    if _bypassed.get() or submission.author.is_staff_member:
        return []
    reasons = list(extra)
    for check in SCREENERS.values():
        reasons.extend(check(submission))
    return list(dict.fromkeys(reasons))
