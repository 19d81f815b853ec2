"""Reputation's reactions to its own events and to Django's signals. One line each."""

from django.db import transaction

from core.events import enqueue_task
from core.models import Event
from reputation import events, services, tasks


def check_badges(event: Event) -> None:
    enqueue_task(event, tasks.check_badges, member_ids=event.payload["member_ids"])


def recompute_levels(event: Event) -> None:
    enqueue_task(event, tasks.recompute_levels)


def trust_levels_edited(sender, instance, **kwargs) -> None:
    """An administrator changed a trust level's thresholds or privileges."""
    services.forget_trust_levels()
    # Again after commit: a request in between could have cached the old ladder.
    transaction.on_commit(services.forget_trust_levels)
    events.emit(events.levels_changed, actor_id=None)


def logged_in(sender, request, user, **kwargs) -> None:
    services.record_visit(user)
