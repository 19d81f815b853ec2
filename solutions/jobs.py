"""The library's periodic job (registered in ``core.periodic``)."""

from datetime import timedelta

from core import periodic
from solutions import services


@periodic.job(every=timedelta(hours=1), name="solutions.mark_outdated")
def mark_outdated() -> None:
    """Solutions past their re-check date say "may be outdated" and join the staff list."""
    services.mark_outdated()
