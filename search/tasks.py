"""Background work of search: bring threads up to date in one backend. Thin: the work is
in ``search.api``. A backend that cannot be reached raises, and the outbox retries with
back-off until it answers (``core.events.run_event_task``)."""

from django_tasks import task

from search import api, backends


@task()
def index_in_database(event_id: int, thread_ids: list[int]) -> None:
    api.index(thread_ids, backend=backends.database_backend())


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
