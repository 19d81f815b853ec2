"""core.events: the outbox records events with the change and delivers each exactly once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core import events as outbox
from core import jobs
from core.models import Event, EventTask
from forum import events, services
from tests.core import tasks_for_tests

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """``clock.advance(seconds)`` moves ``timezone.now`` forward for the outbox."""

    class Clock:
        def __init__(self):
            self.now = timezone.now()

        def advance(self, seconds: float) -> None:
            self.now += timedelta(seconds=seconds)

    fake = Clock()
    monkeypatch.setattr(timezone, "now", lambda: fake.now)
    return fake


@pytest.fixture
def flaky_receiver():
    """A receiver of answer_posted that hands outside work to a task that can fail."""
    tasks_for_tests.DONE.clear()
    tasks_for_tests.FAILURES["left"] = 0

    def index_thread(event):
        outbox.enqueue_task(event, tasks_for_tests.flaky_work, thread_id=event.payload["thread_id"])

    # The only receiver of answer_posted during the test (the apps' own receivers, such as
    # search's indexing, would add tasks of their own to count).
    others = dict(events.answer_posted.receivers)
    events.answer_posted.receivers.clear()
    events.answer_posted.connect(index_thread, name="test-index-thread")
    yield tasks_for_tests
    events.answer_posted.receivers.clear()
    events.answer_posted.receivers.update(others)


def _answer(thread, author):
    return services.post_answer(thread, author=author, body="Reset the hub, then pair again.")


def test_emit_refuses_a_model_instance_in_the_payload(thread, customer):
    with pytest.raises(TypeError, match="plain JSON"):
        outbox.emit(events.thread_locked, thread_id=thread, actor_id=customer.pk)


def test_emit_refuses_a_payload_without_its_fields(thread):
    with pytest.raises(ValueError, match="carries"):
        outbox.emit(events.thread_locked, thread_id=thread.pk)


def test_an_event_is_not_dispatched_before_its_transaction_commits(
    thread, other_customer, flaky_receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _answer(thread, other_customer)

    assert flaky_receiver.DONE == []
    assert len(callbacks) == 2  # the answer's event, and the answerer's badge check
    for callback in callbacks:
        callback()
    assert [Event.objects.get(name="forum.answer_posted").pk] == flaky_receiver.DONE


def test_a_delivered_event_is_marked_and_not_dispatched_again(
    thread, other_customer, flaky_receiver, django_capture_on_commit_callbacks, clock
):
    with django_capture_on_commit_callbacks(execute=True):
        _answer(thread, other_customer)
    event = Event.objects.get(name="forum.answer_posted")

    clock.advance(3600)
    outbox.sweep()

    event.refresh_from_db()
    assert event.delivered_at is not None
    assert [event.pk] == flaky_receiver.DONE


def test_crash_before_dispatch_and_a_task_failing_twice_still_do_the_work_exactly_once(
    thread, other_customer, flaky_receiver, django_capture_on_commit_callbacks, clock
):
    flaky_receiver.FAILURES["left"] = 2
    # The change commits, then the process dies before its after-commit dispatch runs.
    with django_capture_on_commit_callbacks(execute=False):
        _answer(thread, other_customer)
    event = Event.objects.get(name="forum.answer_posted")
    assert event.delivered_at is None

    outbox.sweep()  # too early: the event is left to its own dispatch for a grace period
    assert not EventTask.objects.exists()

    clock.advance(61)
    outbox.sweep()  # dispatches; the task runs and fails (1)
    task = EventTask.objects.get(event=event)
    assert task.status == EventTask.Status.RETRYING
    assert "search cluster is down" in task.last_error
    event.refresh_from_db()
    assert event.delivered_at is not None  # its receiver did its part: the task exists

    outbox.sweep()  # not yet due again: back-off
    task.refresh_from_db()
    assert task.attempts == 1

    clock.advance(31)
    outbox.sweep()  # fails again (2)
    task.refresh_from_db()
    assert (task.status, task.attempts) == (EventTask.Status.RETRYING, 2)
    assert task.next_attempt_at >= clock.now + timedelta(seconds=59)  # doubled back-off

    clock.advance(61)
    outbox.sweep()  # succeeds
    clock.advance(3600)
    outbox.sweep()  # nothing left to do

    task.refresh_from_db()
    assert task.status == EventTask.Status.DONE
    assert task.attempts == 3
    assert [event.pk] == flaky_receiver.DONE


def test_a_failing_receiver_is_retried_by_the_sweep_without_repeating_the_others(
    thread, other_customer, django_capture_on_commit_callbacks, clock
):
    calls = {"steady": 0, "flaky": 0}

    def steady(event):
        calls["steady"] += 1

    def flaky(event):
        calls["flaky"] += 1
        if calls["flaky"] == 1:
            raise RuntimeError("mail server unreachable")

    events.answer_posted.connect(steady, name="test-steady")
    events.answer_posted.connect(flaky, name="test-flaky")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _answer(thread, other_customer)
        event = Event.objects.get(name="forum.answer_posted")
        assert event.delivered_at is None
        assert event.attempts == 1

        clock.advance(31)
        outbox.sweep()
    finally:
        events.answer_posted.disconnect(steady, name="test-steady")
        events.answer_posted.disconnect(flaky, name="test-flaky")

    event.refresh_from_db()
    assert event.delivered_at is not None
    assert calls == {"steady": 1, "flaky": 2}


def test_dispatching_twice_makes_one_task(thread, other_customer, flaky_receiver):
    _answer(thread, other_customer)
    event = Event.objects.get(name="forum.answer_posted")

    outbox.dispatch(event.pk)
    Event.objects.filter(pk=event.pk).update(delivered_at=None, done_receivers=[])
    outbox.dispatch(event.pk)

    assert EventTask.objects.filter(event=event).count() == 1
    assert [event.pk] == flaky_receiver.DONE


def test_a_done_task_does_not_run_again(thread, other_customer, flaky_receiver):
    _answer(thread, other_customer)
    outbox.dispatch(Event.objects.get(name="forum.answer_posted").pk)
    task = EventTask.objects.get()

    assert outbox.run_event_task(task.pk) is True
    assert len(flaky_receiver.DONE) == 1


def test_a_running_task_is_not_run_twice_at_once(thread, other_customer, flaky_receiver, clock):
    flaky_receiver.FAILURES["left"] = 1
    _answer(thread, other_customer)
    outbox.dispatch(Event.objects.get(name="forum.answer_posted").pk)
    task = EventTask.objects.get()
    # Another worker holds it now.
    EventTask.objects.filter(pk=task.pk).update(
        status=EventTask.Status.RUNNING, next_attempt_at=clock.now + timedelta(seconds=300)
    )

    assert outbox.run_event_task(task.pk) is False
    assert flaky_receiver.DONE == []

    clock.advance(301)  # that worker died: its lease ran out
    assert outbox.run_event_task(task.pk) is True


def test_retry_now_makes_a_retrying_task_due_at_once(thread, other_customer, flaky_receiver, clock):
    flaky_receiver.FAILURES["left"] = 1
    _answer(thread, other_customer)
    outbox.dispatch(Event.objects.get(name="forum.answer_posted").pk)
    task = EventTask.objects.get()
    assert task.status == EventTask.Status.RETRYING

    outbox.retry_now(tasks=[task.pk])
    outbox.sweep()

    task.refresh_from_db()
    assert task.status == EventTask.Status.DONE


def test_prune_deletes_old_delivered_events_and_keeps_the_rest(thread, customer, clock, settings):
    settings.OUTBOX_RETENTION_DAYS = 7
    delivered = outbox.emit(events.thread_pinned, thread_id=thread.pk, actor_id=customer.pk)
    pending = outbox.emit(events.thread_locked, thread_id=thread.pk, actor_id=customer.pk)
    with_open_task = outbox.emit(events.thread_unlocked, thread_id=thread.pk, actor_id=customer.pk)
    Event.objects.filter(pk__in=[delivered.pk, with_open_task.pk]).update(delivered_at=clock.now)
    EventTask.objects.create(event=with_open_task, task_path="x.y", next_attempt_at=clock.now)

    clock.advance(8 * 24 * 3600)
    assert outbox.prune() == 1

    mine = Event.objects.filter(pk__in=[delivered.pk, pending.pk, with_open_task.pk])
    assert set(mine.values_list("pk", flat=True)) == {pending.pk, with_open_task.pk}


def test_the_outbox_jobs_are_registered():
    from core import periodic

    assert periodic.JOBS["outbox.sweep"].func is jobs.sweep_outbox
    assert periodic.JOBS["outbox.prune"].func is jobs.prune_outbox


def test_a_database_task_backend_keeps_the_task_until_a_worker_runs_it(
    thread, other_customer, flaky_receiver, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    from django_tasks_db.models import DBTaskResult

    _answer(thread, other_customer)
    outbox.dispatch(Event.objects.get(name="forum.answer_posted").pk)

    assert flaky_receiver.DONE == []  # the web process only queued it
    (queued,) = DBTaskResult.objects.all()
    assert queued.task_path == "core.tasks.run_event_task"
    queued.task.call(**queued.args_kwargs["kwargs"])  # what the worker does
    assert len(flaky_receiver.DONE) == 1
