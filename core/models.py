"""The outbox of domain events, the tasks they asked for, and the periodic jobs' state.

An ``Event`` row is written in the same transaction as the change it announces, so a
change and its announcement commit or roll back together. After commit the event is
dispatched to its receivers (``core.events``); the row remembers which receivers are
done, so a crash or a failing receiver delays the rest and repeats nothing that
finished. A receiver that does outside work asks for an ``EventTask``: one row per
event and task, run by a background worker, retried with back-off until it succeeds.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    """One domain event: its name, a payload of ids and plain values, and its delivery."""

    name = models.CharField(_("name"), max_length=100)
    payload = models.JSONField(_("payload"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Delivery: the receivers that ran without error, and when to try the others again.
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    done_receivers = models.JSONField(default=list, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="event_undelivered",
                condition=Q(delivered_at__isnull=True),
            ),
            models.Index(fields=["delivered_at"], name="event_delivered"),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"

    @property
    def is_delivered(self) -> bool:
        return self.delivered_at is not None


class EventTask(models.Model):
    """Work an event asked for outside the request (index, email, webhook), until done."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("running")
        RETRYING = "retrying", _("failed, will retry")
        DONE = "done", _("done")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="tasks")
    task_path = models.CharField(_("task"), max_length=200)
    arguments = models.JSONField(_("arguments"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # PENDING/RETRYING: the sweep enqueues it again from then on; RUNNING: the lease ends.
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("event task")
        verbose_name_plural = _("event tasks")
        constraints = [
            models.UniqueConstraint(fields=["event", "task_path"], name="event_task_once"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="event_task_unfinished",
                condition=~Q(status="done"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_path} for event #{self.event_id}"


class PeriodicJobState(models.Model):
    """When a periodic job ran, how it went, and who holds it now (a lease across hosts)."""

    name = models.CharField(_("name"), max_length=100, primary_key=True)
    next_run_at = models.DateTimeField(_("next run at"), default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=100, blank=True)
    last_started_at = models.DateTimeField(_("last started at"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished at"), null=True, blank=True)
    last_succeeded_at = models.DateTimeField(_("last succeeded at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    run_count = models.PositiveIntegerField(default=0)
    failure_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")

    def __str__(self) -> str:
        return self.name
