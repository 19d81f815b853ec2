import importlib

import pytest
from django.apps import apps

from accounts.roles import Role
from tests.factories import UserFactory, make_answer, make_category, make_thread


@pytest.fixture
def category(db):
    return make_category()


@pytest.fixture
def customer(db):
    return UserFactory(role=Role.CUSTOMER)


@pytest.fixture
def other_customer(db):
    return UserFactory(role=Role.CUSTOMER)


@pytest.fixture
def brand_rep(db):
    return UserFactory(role=Role.BRAND_REPRESENTATIVE)


@pytest.fixture
def support_agent(db):
    return UserFactory(role=Role.SUPPORT_AGENT)


@pytest.fixture
def administrator(db):
    return UserFactory(role=Role.ADMINISTRATOR)


@pytest.fixture
def thread(customer, category):
    return make_thread(author=customer, category=category)


@pytest.fixture
def question(thread):
    return thread.posts.get(kind="question")


@pytest.fixture
def answer(thread, other_customer):
    return make_answer(thread, author=other_customer)


@pytest.fixture
def client_for(client):
    """A logged-in test client: ``client_for(user)``."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture(autouse=True)
def _empty_cache():
    """The local-memory cache outlives a test's database; start each test without it."""
    from django.core.cache import cache

    from forum import caching, permissions

    cache.clear()
    caching.local_pages.clear()
    permissions._LOCAL_IDS.clear()
    yield
    cache.clear()
    caching.local_pages.clear()
    permissions._LOCAL_IDS.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in English: a request in another language leaves it active."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _is_serialized(item: pytest.Item) -> bool:
    if getattr(item, "cls", None) is not None and hasattr(item.cls, "serialized_rollback"):
        return bool(item.cls.serialized_rollback)
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("serialized_rollback"))


def _is_transactional(item: pytest.Item) -> bool:
    """The same test as pytest-django's ordering uses."""
    from django.test import TestCase, TransactionTestCase

    cls = getattr(item, "cls", None)
    if cls is not None and issubclass(cls, TransactionTestCase):
        return not issubclass(cls, TestCase)
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(
        (marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
        or "transactional_db" in fixtures
        or "live_server" in fixtures
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep the random order (pytest-randomly) within groups that must run in this order:
    tests in a transaction first, then transactional tests that restore the migrations'
    rows (serialized rollback), then the other transactional tests, whose flush empties
    every table, the migrations' rows too (the Wagtail root, the role groups)."""

    unmarked = [
        item.nodeid
        for item in items
        if _is_transactional(item)
        and not (item.get_closest_marker("e2e") or item.get_closest_marker("flushes_db"))
    ]
    if unmarked:
        raise pytest.UsageError(
            "Transactional tests must be marked e2e or flushes_db (they run in passes of "
            f"their own in `make test`): {', '.join(unmarked)}"
        )

    def group(item: pytest.Item) -> int:
        if not _is_transactional(item):
            return 0
        return 1 if _is_serialized(item) else 2

    items.sort(key=group)


_reputation_defaults = importlib.import_module(
    "reputation.migrations.0002_default_rules_and_levels"
)


@pytest.fixture
def reputation_defaults(db):
    """The point rules and trust levels of the data migration (a flushed database has none)."""
    _reputation_defaults.create(apps, None)
