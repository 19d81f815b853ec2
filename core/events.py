"""Durable domain events: the outbox every app announces its changes through.

An app declares its events in its own ``events.py`` as ``EventType`` objects with the
payload keys they carry, and its services call ``emit`` inside the transaction that
makes the change. ``emit`` writes an ``Event`` row in that transaction and dispatches it
after commit: each receiver connected to the event type is called once with the
``Event``. Receivers live in the listening app's ``receivers.py``, are connected in its
``AppConfig.ready()``, and do one thing: a quick, idempotent in-process step (drop a
cache version) or ``enqueue_task`` for work outside the process (index, email, webhook).

Nothing is lost: the row records which receivers are done; if the process dies
between commit and dispatch, or a receiver raises, the periodic ``sweep`` dispatches
the rest again with back-off. ``prune`` deletes delivered events after
``OUTBOX_RETENTION_DAYS`` once their tasks are done.

Payloads are ids and plain values that survive JSON (``emit`` refuses anything else),
never model instances: a receiver loads what it needs, as it is when it runs.
"""

import json
import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from core.models import Event, EventTask

logger = logging.getLogger(__name__)

Receiver = Callable[[Event], None]

REGISTRY: dict[str, "EventType"] = {}


@dataclass(eq=False)
class EventType:
    """A named event and the payload keys it carries; receivers connect to it."""

    name: str
    fields: tuple[str, ...]
    receivers: dict[str, Receiver] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.name in REGISTRY:
            raise ValueError(f"event {self.name!r} is declared twice")
        REGISTRY[self.name] = self

    def connect(self, receiver: Receiver, *, name: str | None = None) -> None:
        """Call *receiver* with each delivered event. Connecting twice is harmless."""
        self.receivers[name or receiver_name(receiver)] = receiver

    def disconnect(self, receiver: Receiver, *, name: str | None = None) -> None:
        self.receivers.pop(name or receiver_name(receiver), None)


def receiver_name(receiver: Receiver) -> str:
    """A receiver's stable name, recorded on the events it has handled."""
    return f"{receiver.__module__}.{receiver.__qualname__}"


def connect(event_types: Iterable[EventType], receiver: Receiver) -> None:
    for event_type in event_types:
        event_type.connect(receiver)


def _seconds(name: str, default: int) -> timedelta:
    return timedelta(seconds=getattr(settings, name, default))


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after *attempts* failed ones: doubling, capped."""
    base = getattr(settings, "OUTBOX_RETRY_BASE_SECONDS", 30)
    cap = getattr(settings, "OUTBOX_RETRY_MAX_SECONDS", 3600)
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def emit(event_type: EventType, **payload: object) -> Event:
    """Record *event_type* with *payload* in the current transaction; dispatch after commit.

    The payload must hold exactly the event type's fields, as plain JSON values.
    """
    if set(payload) != set(event_type.fields):
        raise ValueError(
            f"{event_type.name} carries {sorted(event_type.fields)}, not {sorted(payload)}"
        )
    try:
        round_trip = json.loads(json.dumps(payload))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{event_type.name}: payload values must be plain JSON ({exc})") from exc
    if round_trip != payload:
        raise TypeError(f"{event_type.name}: payload does not survive JSON unchanged")
    now = timezone.now()
    event = Event.objects.create(
        name=event_type.name,
        payload=payload,
        created_at=now,
        # The sweep leaves a fresh event to the dispatch that follows its commit.
        next_attempt_at=now + _seconds("OUTBOX_DISPATCH_GRACE_SECONDS", 60),
    )
    transaction.on_commit(lambda: dispatch(event.pk))
    return event


def dispatch(event_id: int) -> bool:
    """Run the receivers of event *event_id* that have not yet handled it.

    Returns True when every receiver is done. A receiver that raises is logged and
    tried again by the sweep after a back-off; the others are not held up.
    """
    event = Event.objects.filter(pk=event_id, delivered_at__isnull=True).first()
    if event is None:
        return True
    event_type = REGISTRY.get(event.name)
    receivers = event_type.receivers if event_type else {}
    done = list(event.done_receivers)
    errors = []
    for name, receiver in list(receivers.items()):
        if name in done:
            continue
        try:
            receiver(event)
        except Exception as exc:
            logger.exception("Receiver %s of event %s #%s failed", name, event.name, event.pk)
            errors.append(f"{name}: {''.join(traceback.format_exception_only(exc)).strip()}")
        else:
            done.append(name)
    now = timezone.now()
    changes: dict[str, object] = {"done_receivers": done}
    if errors:
        attempts = event.attempts + 1
        changes.update(
            attempts=attempts,
            next_attempt_at=now + backoff(attempts),
            last_error="\n".join(errors)[:4000],
        )
    else:
        changes.update(delivered_at=now, last_error="")
    Event.objects.filter(pk=event.pk, delivered_at__isnull=True).update(**changes)
    return not errors


def enqueue_task(event: Event, task: object, **arguments: object) -> EventTask:
    """From a receiver: run *task* (a django-tasks ``Task``) for *event* in the background.

    At most one ``EventTask`` per event and task: dispatching the event again finds the
    one it made. The task function is called as ``func(event_id=..., **arguments)``
    until it returns without raising; it should tolerate a repeat (a process can die
    after the work and before it is marked done).
    """
    task_path = task.module_path if hasattr(task, "module_path") else receiver_name(task)
    now = timezone.now()
    try:
        with transaction.atomic():
            event_task, created = EventTask.objects.get_or_create(
                event=event,
                task_path=task_path,
                defaults={
                    "arguments": json.loads(json.dumps(arguments)),
                    "next_attempt_at": now + _seconds("TASK_LEASE_SECONDS", 300),
                },
            )
    except IntegrityError:  # another dispatcher made it at the same moment
        return EventTask.objects.get(event=event, task_path=task_path)
    if created:
        _enqueue_runner(event_task.pk)
    return event_task


def _enqueue_runner(event_task_id: int) -> None:
    from core.tasks import run_event_task

    try:
        run_event_task.enqueue(event_task_id=event_task_id)
    except Exception:  # the queue is down: the sweep enqueues it again later
        logger.exception("Could not enqueue event task %s", event_task_id)


def run_event_task(event_task_id: int) -> bool:
    """Run one event task unless it is done or running elsewhere; record how it went.

    Claims the row with a lease (an atomic conditional update, so two workers never run
    it at once), runs the function outside any long transaction, then marks it done, or
    failed with the next attempt after a back-off. Returns True when it is done.
    """
    now = timezone.now()
    lease = _seconds("TASK_LEASE_SECONDS", 300)
    claimed = (
        EventTask.objects.filter(pk=event_task_id)
        .exclude(status=EventTask.Status.DONE)
        .exclude(status=EventTask.Status.RUNNING, next_attempt_at__gt=now)
        .update(status=EventTask.Status.RUNNING, next_attempt_at=now + lease)
    )
    if not claimed:
        return EventTask.objects.filter(pk=event_task_id, status=EventTask.Status.DONE).exists()
    event_task = EventTask.objects.get(pk=event_task_id)
    try:
        func = import_string(event_task.task_path)
        func = getattr(func, "func", func)  # a django-tasks Task: call its function
        func(event_id=event_task.event_id, **event_task.arguments)
    except Exception as exc:
        attempts = event_task.attempts + 1
        logger.warning(
            "Event task %s (attempt %s) failed: %s", event_task, attempts, exc, exc_info=True
        )
        EventTask.objects.filter(pk=event_task.pk).update(
            status=EventTask.Status.RETRYING,
            attempts=attempts,
            next_attempt_at=timezone.now() + backoff(attempts),
            last_error="".join(traceback.format_exception(exc))[-4000:],
        )
        return False
    EventTask.objects.filter(pk=event_task.pk).update(
        status=EventTask.Status.DONE,
        attempts=event_task.attempts + 1,
        done_at=timezone.now(),
        last_error="",
    )
    return True


def retry_now(*, events: Iterable[int] = (), tasks: Iterable[int] = ()) -> None:
    """Make the given undelivered events and unfinished tasks due at once (the admin's button)."""
    now = timezone.now()
    Event.objects.filter(pk__in=list(events), delivered_at__isnull=True).update(next_attempt_at=now)
    EventTask.objects.filter(pk__in=list(tasks)).exclude(status=EventTask.Status.DONE).exclude(
        status=EventTask.Status.RUNNING
    ).update(next_attempt_at=now)


def sweep(*, limit: int = 500) -> tuple[int, int]:
    """Dispatch undelivered events and enqueue unfinished tasks whose time has come.

    Returns how many events were dispatched and tasks enqueued. Running tasks whose
    lease ran out (their worker died) count as unfinished.
    """
    now = timezone.now()
    event_ids = list(
        Event.objects.filter(delivered_at__isnull=True, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for event_id in event_ids:
        dispatch(event_id)
    task_ids = list(
        EventTask.objects.exclude(status=EventTask.Status.DONE)
        .filter(next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    # Push their next attempt back first, so a slow queue is not fed the same task twice.
    EventTask.objects.filter(pk__in=task_ids).exclude(status=EventTask.Status.RUNNING).update(
        next_attempt_at=now + _seconds("TASK_LEASE_SECONDS", 300)
    )
    for task_id in task_ids:
        _enqueue_runner(task_id)
    return len(event_ids), len(task_ids)


def prune(*, now=None) -> int:
    """Delete events delivered more than ``OUTBOX_RETENTION_DAYS`` ago whose tasks are done."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=getattr(settings, "OUTBOX_RETENTION_DAYS", 7))
    old = Event.objects.filter(delivered_at__lt=cutoff).exclude(
        tasks__status__in=[
            EventTask.Status.PENDING,
            EventTask.Status.RUNNING,
            EventTask.Status.RETRYING,
        ]
    )
    ids = list(old.values_list("pk", flat=True)[:5000])
    Event.objects.filter(pk__in=ids).delete()
    return len(ids)


def enqueue_again(event_task_id: int) -> None:
    """Hand an unfinished event task to the queue now (the admin's retry button)."""
    if EventTask.objects.filter(pk=event_task_id).exclude(status=EventTask.Status.DONE).exists():
        _enqueue_runner(event_task_id)
