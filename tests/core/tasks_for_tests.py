"""Task functions the outbox tests enqueue (django-tasks needs module-level functions)."""

from django_tasks import task

# What the flaky task did: the event ids it completed, and how many more times it fails.
DONE: list[int] = []
FAILURES = {"left": 0}


@task()
def flaky_work(event_id: int, thread_id: int) -> None:
    """Stands for outside work (an index update, an email) that fails while a service is down."""
    if FAILURES["left"] > 0:
        FAILURES["left"] -= 1
        raise ConnectionError("the search cluster is down")
    DONE.append(event_id)
