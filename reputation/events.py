"""What happened in reputation, announced through the durable outbox (``core.events``).

- ``reputation.badges_due``: ``member_ids``: their ledger or activity changed, so the
  badge rules look at them again (a background task, ``reputation.tasks``). Written by
  every ledger write in its own transaction: the check is never lost.
- ``reputation.badge_awarded``: ``member_id``, ``badge``, ``scope``, ``award_id``,
  ``actor_id`` (null when a rule awarded it).
- ``reputation.badge_revoked``: ``member_id``, ``badge``, ``scope``, ``award_id``, ``actor_id``.
- ``reputation.trust_level_changed``: ``member_id``, ``old_level``, ``new_level``.
- ``reputation.levels_changed``: ``actor_id`` (null): the trust levels' thresholds were
  edited; every member's level is worked out again in the background.
- ``reputation.case_decided``: ``case_id``, ``status``, ``actor_id``.
"""

from core.events import EventType, emit

__all__ = ["EventType", "emit"]

badges_due = EventType("reputation.badges_due", ("member_ids",))
badge_awarded = EventType(
    "reputation.badge_awarded", ("member_id", "badge", "scope", "award_id", "actor_id")
)
badge_revoked = EventType(
    "reputation.badge_revoked", ("member_id", "badge", "scope", "award_id", "actor_id")
)
trust_level_changed = EventType(
    "reputation.trust_level_changed", ("member_id", "old_level", "new_level")
)
levels_changed = EventType("reputation.levels_changed", ("actor_id",))
case_decided = EventType("reputation.case_decided", ("case_id", "status", "actor_id"))
