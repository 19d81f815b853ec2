"""The Wagtail admin's background work page: who may see it, and its retry button."""

import pytest
from django.urls import reverse

from core import events as outbox
from core.models import Event, EventTask
from forum import events

pytestmark = pytest.mark.django_db

URL = reverse("core_background_work")


@pytest.fixture
def stuck_event(thread, customer):
    event = outbox.emit(events.thread_pinned, thread_id=thread.pk, actor_id=customer.pk)
    Event.objects.filter(pk=event.pk).update(attempts=2, last_error="RuntimeError: index down")
    return event


def test_administrators_see_undelivered_events_with_their_error(
    client_for, administrator, stuck_event
):
    html = client_for(administrator).get(URL).content.decode()

    assert "forum.thread_pinned" in html
    assert "RuntimeError: index down" in html
    assert "outbox.sweep" in html


def test_customers_and_brand_reps_may_not_see_background_work(client_for, customer, brand_rep):
    assert client_for(customer).get(URL).status_code in (302, 403)
    assert client_for(brand_rep).get(URL).status_code in (302, 403)


def test_retry_delivers_the_selected_event_now(client_for, administrator, stuck_event):
    response = client_for(administrator).post(
        reverse("core_background_work_retry"), {"event": [stuck_event.pk]}
    )

    assert response.status_code == 302
    stuck_event.refresh_from_db()
    assert stuck_event.delivered_at is not None


def test_retry_runs_a_retrying_task_now(client_for, administrator, stuck_event):
    task = EventTask.objects.create(
        event=stuck_event,
        task_path="tests.core.tasks_for_tests.flaky_work",
        arguments={"thread_id": 1},
        status=EventTask.Status.RETRYING,
        attempts=3,
        next_attempt_at=stuck_event.created_at.replace(year=2100),
    )

    client_for(administrator).post(reverse("core_background_work_retry"), {"task": [task.pk]})

    task.refresh_from_db()
    assert task.status == EventTask.Status.DONE


def test_customers_may_not_retry(client_for, customer, stuck_event):
    response = client_for(customer).post(
        reverse("core_background_work_retry"), {"event": [stuck_event.pk]}
    )

    assert response.status_code in (302, 403)
    stuck_event.refresh_from_db()
    assert stuck_event.delivered_at is None
