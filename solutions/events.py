"""What the solution library announces, through the durable outbox (``core.events``).

- ``solutions.solution_verified``: ``thread_id``, ``solution_id``, ``actor_id``
- ``solutions.solution_changed``: ``thread_id``, ``solution_id`` (versions or review
  date set, or marked outdated by the periodic job), ``actor_id`` (null for the job)
- ``solutions.article_published`` / ``solutions.article_unpublished``: ``article_id``,
  ``thread_id``
"""

from core.events import EventType, emit

__all__ = ["ALL", "EventType", "emit"]

solution_verified = EventType(
    "solutions.solution_verified", ("thread_id", "solution_id", "actor_id")
)
solution_changed = EventType("solutions.solution_changed", ("thread_id", "solution_id", "actor_id"))
article_published = EventType("solutions.article_published", ("article_id", "thread_id"))
article_unpublished = EventType("solutions.article_unpublished", ("article_id", "thread_id"))

ALL = (solution_verified, solution_changed, article_published, article_unpublished)
