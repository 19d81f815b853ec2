"""Background work of search: bring threads up to date in one backend. Thin: the work is
in ``search.api``. A backend that cannot be reached raises, and the outbox retries with
back-off until it answers (``core.events.run_event_task``)."""

from django_tasks import task

from search import api, backends, viewer_bits


@task()
def index_in_database(event_id: int, thread_ids: list[int]) -> None:
    api.index(thread_ids, backend=backends.database_backend())
    # The thread pages' related threads, ready before a view: the thread's own, and those
    # of the threads it is related to (a new thread shows on theirs at once).
    neighbours: set[int] = set()
    for thread_id in thread_ids:
        neighbours.update(viewer_bits.related_ids(thread_id, refresh=True))
    for thread_id in neighbours - set(thread_ids):
        viewer_bits.related_ids(thread_id, refresh=True)


@task()
def index_in_elasticsearch(event_id: int, thread_ids: list[int]) -> None:
    backend = backends.elasticsearch_backend()
    if backend is not None:  # switched off since the event: the next rebuild covers it
        api.index(thread_ids, backend=backend)


@task()
def index_articles_in_database(event_id: int, article_ids: list[int]) -> None:
    api.index_articles(article_ids, backend=backends.database_backend())


@task()
def index_articles_in_elasticsearch(event_id: int, article_ids: list[int]) -> None:
    backend = backends.elasticsearch_backend()
    if backend is not None:
        api.index_articles(article_ids, backend=backend)
