"""The query planner's statistics: refreshed on SQLite, so that "these few threads, if
visible" is read by primary key rather than through the products' wide index."""

import pytest
from django.db import connection

from core import database, periodic
from forum import permissions
from forum.models import Thread
from tests.factories import make_category, make_thread

pytestmark = pytest.mark.django_db


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return " ".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's autovacuum analyses")
def test_with_fresh_statistics_a_few_visible_threads_are_read_by_primary_key(customer, category):
    products = [category, *(make_category(f"Product {n}") for n in range(4))]
    threads = [make_thread(author=customer, category=products[n % 5]) for n in range(40)]
    wanted = permissions.visible_threads(
        customer,
        Thread.objects.filter(pk__in=[thread.pk for thread in threads[::8]]),
        include_own_pending=False,
    )
    with connection.cursor() as cursor:  # no statistics (another test may have made some)
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone():
            cursor.execute("DELETE FROM sqlite_stat1")
            cursor.execute("ANALYZE sqlite_schema")  # makes SQLite reload the (empty) stats
    # Without statistics SQLite reads the products' published threads through their index.
    assert "thread_category_activity" in _plan(wanted)
    assert database.refresh_statistics() is True
    assert "PRIMARY KEY" in _plan(wanted)


def test_the_refresh_is_a_periodic_job():
    assert "database.statistics" in periodic.JOBS
    assert periodic.JOBS["database.statistics"].every.total_seconds() == 6 * 3600
