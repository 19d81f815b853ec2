"""The outbox's periodic jobs: re-dispatch what is undelivered, prune what is old."""

from datetime import timedelta

from core import events, periodic


@periodic.job(every=timedelta(minutes=1), name="outbox.sweep")
def sweep_outbox() -> None:
    events.sweep()


@periodic.job(every=timedelta(hours=1), name="outbox.prune")
def prune_outbox() -> None:
    events.prune()
