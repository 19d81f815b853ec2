"""Background tasks of the outbox: run one event task. Thin: the work is in ``core.events``."""

from django_tasks import task

from core import events


@task()
def run_event_task(event_task_id: int) -> bool:
    """Run the event task *event_task_id* (see ``core.events.run_event_task``)."""
    return events.run_event_task(event_task_id)
