"""One registry of periodic jobs and the runner that runs the ones that are due.

An app declares a job with ``@periodic.job(every=...)`` in its ``jobs.py`` (imported
from its ``AppConfig.ready()``). ``run_due_jobs`` runs each due job once: the embedded
worker (``manage.py worker``) calls it every minute, and at scale cron calls
``manage.py run_periodic_jobs`` every minute on as many hosts as you like.

A job never runs twice at once, even from two hosts: before running, the runner takes
a lease on the job's ``PeriodicJobState`` row with one conditional UPDATE (atomic on
SQLite and PostgreSQL alike); only the process whose update changed the row runs it.
The lease ends when the job finishes, or after its ``timeout`` if the process died. A
job that raised is logged and is due again at its next turn.
"""

import logging
import os
import socket
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.models import PeriodicJobState

logger = logging.getLogger(__name__)

# Cron and the worker call the runner every minute; a job due within this much counts
# as due now, so a one-minute job is not skipped by a few seconds of drift.
DUE_SLACK = timedelta(seconds=5)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: Callable[[], object]
    every: timedelta
    timeout: timedelta


JOBS: dict[str, PeriodicJob] = {}


def job(
    *, every: timedelta, timeout: timedelta = timedelta(minutes=10), name: str | None = None
) -> Callable:
    """Register the decorated function as a periodic job run every *every*."""

    def register(func: Callable[[], object]) -> Callable[[], object]:
        job_name = name or f"{func.__module__}.{func.__qualname__}"
        JOBS[job_name] = PeriodicJob(job_name, func, every, timeout)
        return func

    return register


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:100]


def _ensure_rows() -> None:
    existing = set(PeriodicJobState.objects.values_list("name", flat=True))
    missing = [PeriodicJobState(name=name) for name in JOBS if name not in existing]
    if missing:
        try:
            with transaction.atomic():
                PeriodicJobState.objects.bulk_create(missing, ignore_conflicts=True)
        except IntegrityError:  # another host made them at the same moment
            pass


def _claim(periodic_job: PeriodicJob, owner: str) -> bool:
    now = timezone.now()
    return bool(
        PeriodicJobState.objects.filter(name=periodic_job.name, next_run_at__lte=now + DUE_SLACK)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(
            lease_owner=owner,
            lease_until=now + periodic_job.timeout,
            last_started_at=now,
            run_count=F("run_count") + 1,
        )
    )


def run_job(periodic_job: PeriodicJob, owner: str) -> bool | None:
    """Run *periodic_job* if due and free. True: ran; False: raised; None: not run."""
    if not _claim(periodic_job, owner):
        return None
    started = timezone.now()
    error = ""
    try:
        periodic_job.func()
    except Exception as exc:
        logger.exception("Periodic job %s failed", periodic_job.name)
        error = "".join(traceback.format_exception(exc))[-4000:]
    finished = timezone.now()
    changes: dict[str, object] = {
        "lease_owner": "",
        "lease_until": None,
        "last_finished_at": finished,
        "last_error": error,
        "next_run_at": started + periodic_job.every,
    }
    if error:
        changes["failure_count"] = F("failure_count") + 1
    else:
        changes["last_succeeded_at"] = finished
    PeriodicJobState.objects.filter(name=periodic_job.name, lease_owner=owner).update(**changes)
    return not error


def run_due_jobs(*, only: list[str] | None = None) -> dict[str, bool | None]:
    """Run every registered job that is due; returns each job's outcome (see ``run_job``)."""
    _ensure_rows()
    owner = _owner()
    outcomes = {}
    for name, periodic_job in sorted(JOBS.items()):
        if only and name not in only:
            continue
        outcomes[name] = run_job(periodic_job, owner)
    return outcomes
