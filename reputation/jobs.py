"""Reputation's periodic jobs (registered in ``core.periodic``)."""

from datetime import timedelta

from core import periodic
from reputation import gaming


@periodic.job(every=timedelta(minutes=15), name="reputation.detect_gaming")
def detect_gaming() -> None:
    """Open gaming cases for new serial voting, voting rings and shared sign-up addresses."""
    gaming.detect()
