"""core.periodic: one registry, one runner; a job never runs twice at once."""

import threading
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from core import periodic
from core.models import PeriodicJobState


@pytest.fixture
def registry(monkeypatch):
    """An empty job registry for the test (the real jobs stay registered elsewhere)."""
    monkeypatch.setattr(periodic, "JOBS", {})
    return periodic.JOBS


@pytest.mark.django_db
def test_a_due_job_runs_and_is_not_due_again_until_its_interval_passes(registry, monkeypatch):
    runs = []
    periodic.job(every=timedelta(minutes=5), name="count")(lambda: runs.append(1))

    assert periodic.run_due_jobs() == {"count": True}
    assert periodic.run_due_jobs() == {"count": None}
    later = timezone.now() + timedelta(minutes=5)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert periodic.run_due_jobs() == {"count": True}
    assert len(runs) == 2


@pytest.mark.django_db
def test_a_failed_job_is_recorded_and_retried_at_its_next_turn(registry, monkeypatch):
    attempts = []

    def flaky():
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("database of the mail service is away")

    periodic.job(every=timedelta(minutes=1), name="flaky")(flaky)

    assert periodic.run_due_jobs() == {"flaky": False}
    state = PeriodicJobState.objects.get(name="flaky")
    assert state.failure_count == 1
    assert "mail service is away" in state.last_error
    assert state.lease_until is None

    later = timezone.now() + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert periodic.run_due_jobs() == {"flaky": True}
    state.refresh_from_db()
    assert state.last_error == ""
    assert state.last_succeeded_at is not None


@pytest.mark.django_db
def test_a_job_held_by_another_host_is_skipped_until_its_lease_runs_out(registry, monkeypatch):
    runs = []
    periodic.job(every=timedelta(minutes=1), timeout=timedelta(minutes=10), name="held")(
        lambda: runs.append(1)
    )
    periodic.run_due_jobs(only=["nothing"])  # makes the state rows
    PeriodicJobState.objects.filter(name="held").update(
        lease_owner="other-host", lease_until=timezone.now() + timedelta(minutes=10)
    )

    assert periodic.run_due_jobs() == {"held": None}
    later = timezone.now() + timedelta(minutes=11)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert periodic.run_due_jobs() == {"held": True}
    assert runs == [1]


@pytest.mark.flushes_db
@pytest.mark.django_db(transaction=True)
def test_two_runners_at_once_run_each_due_job_once(registry):
    if connection.vendor == "sqlite":
        pytest.skip("concurrent writers: run on PostgreSQL (make test-postgres, CI)")
    runs = []
    lock = threading.Lock()

    def slow_job():
        with lock:
            runs.append(threading.get_ident())
        time.sleep(0.5)

    periodic.job(every=timedelta(minutes=1), name="slow")(slow_job)
    periodic.job(every=timedelta(minutes=1), name="other")(lambda: None)
    outcomes = []
    start = threading.Barrier(4)

    def runner():
        try:
            start.wait()
            outcomes.append(periodic.run_due_jobs())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(runs) == 1
    assert sorted(outcome["slow"] for outcome in outcomes if outcome["slow"]) == [True]
    assert sum(1 for outcome in outcomes if outcome["other"]) == 1
    assert PeriodicJobState.objects.get(name="slow").run_count == 1


@pytest.mark.django_db
def test_the_command_runs_the_due_jobs_and_says_how_each_went(registry, capsys):
    periodic.job(every=timedelta(minutes=1), name="fine")(lambda: None)

    call_command("run_periodic_jobs")

    assert "fine: ran" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_command_fails_when_a_job_failed(registry):
    def broken():
        raise RuntimeError("no")

    periodic.job(every=timedelta(minutes=1), name="broken")(broken)

    with pytest.raises(SystemExit):
        call_command("run_periodic_jobs")
