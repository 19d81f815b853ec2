"""The core's periodic jobs: re-dispatch what is undelivered, prune what is old, keep the
query planner's statistics fresh."""

from datetime import timedelta

from core import database, events, periodic


@periodic.job(every=timedelta(minutes=1), name="outbox.sweep")
def sweep_outbox() -> None:
    events.sweep()


@periodic.job(every=timedelta(hours=1), name="outbox.prune")
def prune_outbox() -> None:
    events.prune()


@periodic.job(every=timedelta(hours=6), name="database.statistics")
def refresh_database_statistics() -> None:
    database.refresh_statistics()
