import pytest

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
