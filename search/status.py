"""How the search index is doing: documents per backend, updates waiting, failures.
Read by ``manage.py search_status`` and the staff notice on the search page."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Min, Q
from django.utils import timezone

from core.models import EventTask
from search import api, backends, documents, tasks

TASK_PATHS = (
    (tasks.index_in_database.module_path, tasks.index_articles_in_database.module_path),
    (tasks.index_in_elasticsearch.module_path, tasks.index_articles_in_elasticsearch.module_path),
)


@dataclass
class BackendStatus:
    name: str
    documents: int | None  # None when it could not be asked
    error: str = ""
    waiting: int = 0  # index updates not yet done
    failing: int = 0  # of those, how many failed at least once
    oldest_waiting_seconds: float | None = None
    last_error: str = ""


@dataclass
class Status:
    public_threads: int
    primary: str
    backends: list[BackendStatus] = field(default_factory=list)
    outage_since: str | None = None


def current() -> Status:
    status = Status(
        public_threads=len(documents.all_thread_ids()) + len(documents.all_article_ids()),
        primary=backends.primary().name,
        outage_since=api.outage_since(),
    )
    now = timezone.now()
    for backend, path in zip(
        (backends.database_backend(), backends.elasticsearch_backend()), TASK_PATHS, strict=True
    ):
        if backend is None:
            continue
        entry = BackendStatus(name=backend.name, documents=None)
        try:
            entry.documents = backend.count()
        except backends.BackendUnavailable as exc:
            entry.error = str(exc)
        waiting = EventTask.objects.filter(task_path__in=path).exclude(status=EventTask.Status.DONE)
        summary = waiting.aggregate(
            n=Count("pk"),
            failing=Count("pk", filter=Q(attempts__gt=0)),
            oldest=Min("created_at"),
        )
        entry.waiting = summary["n"]
        entry.failing = summary["failing"]
        if summary["oldest"]:
            entry.oldest_waiting_seconds = (now - summary["oldest"]).total_seconds()
        last = waiting.filter(attempts__gt=0).order_by("-next_attempt_at").first()
        entry.last_error = (
            last.last_error.strip().splitlines()[-1] if last and last.last_error else ""
        )
        status.backends.append(entry)
    return status
