"""The search backends: ``database`` (always there; SQLite FTS5 or PostgreSQL full text)
and ``elasticsearch`` (when ``ELASTICSEARCH_URL`` is set)."""

from __future__ import annotations

from functools import cache

from django.conf import settings


class BackendUnavailable(Exception):  # noqa: N818 (reads as a state, like Http404)
    """The backend could not answer (a cluster down, a timeout): ask the database."""


@cache
def database_backend():
    from search.backends.database import DatabaseBackend

    return DatabaseBackend()


@cache
def _elasticsearch(url: str, prefix: str):
    from search.backends.elastic import ElasticsearchBackend

    return ElasticsearchBackend(url=url, index_prefix=prefix)


def elasticsearch_backend():
    """The Elasticsearch backend when ``ELASTICSEARCH_URL`` is set, else None."""
    url = getattr(settings, "ELASTICSEARCH_URL", "")
    if not url:
        return None
    return _elasticsearch(url, getattr(settings, "ELASTICSEARCH_INDEX_PREFIX", "forum"))


def primary():
    """The backend that answers searches: Elasticsearch when configured."""
    return elasticsearch_backend() or database_backend()


def all_backends() -> list:
    """Every backend an index update must reach: the database always (it answers when
    the cluster cannot), and Elasticsearch when configured."""
    return [b for b in (database_backend(), elasticsearch_backend()) if b is not None]
