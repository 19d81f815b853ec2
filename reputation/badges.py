"""The badge catalogue and the rules that award it (to be filled in by the badges work).

Interface other parts rely on:
- ``check_member(member_id) -> list[BadgeAward]``: award every badge *member_id* now
  earns (the background task ``reputation.tasks.check_badges`` calls it).
- ``held(member_id) -> list[HeldBadge]``: the badges a member holds (not revoked), for
  profiles; ``HeldBadge`` has ``code``, ``name``, ``description``, ``tier`` ("bronze",
  "silver", "gold"), ``scope`` ("" or a product id as a string) and ``awarded_at``.
"""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class HeldBadge:
    code: str
    name: str
    description: str
    tier: str
    scope: str
    awarded_at: datetime


def check_member(member_id: int) -> list:
    """Award *member_id* every badge whose rule they now meet; returns the new awards."""
    return []


def held(member_id: int) -> list[HeldBadge]:
    return []
