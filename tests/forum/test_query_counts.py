"""Every list and detail page costs a fixed number of queries, however much it shows.

Each page is measured at two sizes with the same viewer; the bigger page must issue exactly
as many queries as the smaller one. Every page is requested once before it is measured, so
caches that fill on first use (Wagtail's site root paths) do not count against either size.
"""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from forum import services
from forum.models import Post, Thread
from moderation import services as moderation_services
from reputation.models import Privilege
from tests.factories import UserFactory, give_privilege, make_category

pytestmark = pytest.mark.django_db

# Rendering (on a cache miss): 15, plus the threads closed as duplicates of this one, plus
# (issue 9) a solved thread's place in the solution library and the viewer's visibility of
# its related threads, one query each.
THREAD_PAGE_MAX_QUERIES = 18
VIEWERS = ["anonymous", "customer", "moderator"]
STAFF_ROLES = [Role.SUPPORT_AGENT, Role.BRAND_REPRESENTATIVE, Role.ADMINISTRATOR]


@pytest.fixture(autouse=True, params=[0, 300], ids=["rendered", "cached"])
def _page_cache(request, settings):
    """Measure both paths: rendering (cache off) and the shared page cache (forum.caching),
    which serves a member the kept page with their own bits filled in."""
    settings.FORUM_PAGE_CACHE_SECONDS = request.param


@pytest.fixture
def viewer_client(request, client):
    """A client for one of VIEWERS; ``viewer_client.user`` is None when anonymous."""
    kind = request.param
    client.user = None
    if kind != "anonymous":
        role = Role.CUSTOMER if kind == "customer" else Role.BRAND_REPRESENTATIVE
        client.user = UserFactory(role=role)
        if kind == "customer":  # votes answers down in _discussed_thread
            give_privilege(client.user, Privilege.DOWNVOTE)
        client.force_login(client.user)
    return client


def _queries(client, url: str) -> CaptureQueriesContext:
    client.get(url)  # warm the caches that fill on first use
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return context


def _count(client, url: str) -> int:
    return len(_queries(client, url))


def _assert_costs(client, url: str, expected: int, assert_num_queries) -> None:
    """*url* issues exactly *expected* queries; pytest-django lists them all if not."""
    client.get(url)  # warm the caches that fill on first use
    with assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200


def _user(n: int):
    """Every third author is staff, so staff badges and staff-answer marks are on the page."""
    return UserFactory(role=STAFF_ROLES[n // 3 % 3] if n % 3 == 0 else Role.CUSTOMER)


# --- Thread page -----------------------------------------------------------------------------


def _discussed_thread(size: int, *, category, viewer) -> Thread:
    """A thread with *size* answers by different people, each commented on and voted on."""
    asker = UserFactory()
    thread = services.ask_question(
        author=asker,
        category=category,
        title=f"Thermostat loses its schedule ({size} answers)",
        body="After a power cut the weekly schedule is gone and must be entered again.",
        tags=["schedule", "power", "firmware"],
    )
    question = thread.posts.get(kind=Post.Kind.QUESTION)
    commenters = [_user(n) for n in range(4)]
    services.post_comment(question, author=commenters[0], body="Which firmware version?")
    for n in range(size):
        answer = services.post_answer(
            thread, author=_user(n), body=f"Answer {n}: re-enter the schedule after updating."
        )
        services.post_comment(answer, author=commenters[n % 4], body=f"Comment on answer {n}.")
        services.cast_vote(answer, voter=commenters[(n + 1) % 4], value=1)
        if viewer is not None and n % 2:
            services.cast_vote(answer, voter=viewer, value=1 if n % 4 == 1 else -1)
        if n == 1:
            services.accept_answer(answer, actor=asker)
    if viewer is not None:
        services.cast_vote(question, voter=viewer, value=1)
    return thread


@pytest.mark.parametrize("viewer_client", VIEWERS, indirect=True)
def test_thread_page_costs_as_many_queries_with_100_answers_as_with_5(
    viewer_client, category, settings, django_assert_num_queries
):
    settings.FORUM_ANSWERS_PER_PAGE = 100
    viewer = viewer_client.user
    small = _discussed_thread(5, category=category, viewer=viewer)
    big = _discussed_thread(100, category=category, viewer=viewer)

    count = _count(viewer_client, small.get_absolute_url())

    assert count <= THREAD_PAGE_MAX_QUERIES
    _assert_costs(viewer_client, big.get_absolute_url(), count, django_assert_num_queries)


# --- Thread lists ----------------------------------------------------------------------------

TAG_POOL = ["billing", "login-error", "wifi", "firmware", "schedule", "battery", "app", "api"]


def _add_threads(count: int, *, category, start: int = 0) -> None:
    """*count* threads by different people, with tags, answers, solutions, pins and locks."""
    moderator = UserFactory(role=Role.BRAND_REPRESENTATIVE)
    tag_cycle = itertools.cycle(TAG_POOL)
    for n in range(start, start + count):
        author = _user(n + 1)
        thread = services.ask_question(
            author=author,
            category=category,
            title=f"Question number {n} about the thermostat",
            body=f"Details of question {n}: the display flickers after the update.",
            tags=["listed", next(tag_cycle), next(tag_cycle)],
        )
        if n % 2:
            answer = services.post_answer(thread, author=_user(n), body="Try a factory reset.")
            if n % 4 == 1:
                services.accept_answer(answer, actor=author)
        if n % 5 == 0:
            moderation_services.pin_thread(thread, moderator=moderator)
        if n % 7 == 0:
            moderation_services.lock_thread(thread, moderator=moderator)


@pytest.mark.parametrize("viewer_client", VIEWERS, indirect=True)
def test_list_pages_cost_as_many_queries_with_50_rows_as_with_5(
    viewer_client, settings, django_assert_num_queries
):
    settings.FORUM_THREADS_PER_PAGE = 50
    category = make_category("Aurora Smart Lock")
    second = make_category("Nimbus Thermostat")  # a second product for the home page's list
    urls = ["/", category.url, "/tags/listed/"]

    _add_threads(4, category=category)
    _add_threads(1, category=second, start=4)
    small = {url: _count(viewer_client, url) for url in urls}
    _add_threads(40, category=category, start=5)
    _add_threads(5, category=second, start=45)

    assert Thread.objects.in_category(category).count() == 44
    for url, count in small.items():
        _assert_costs(viewer_client, url, count, django_assert_num_queries)


def test_list_pages_show_50_rows_when_50_fit_on_a_page(client, settings):
    settings.FORUM_THREADS_PER_PAGE = 50
    category = make_category("Aurora Smart Lock")
    _add_threads(50, category=category)

    for url in (category.url, "/tags/listed/"):
        assert client.get(url).content.count(b'class="thread-row') == 50


# --- Profile page ----------------------------------------------------------------------------


def _active_member(size: int, *, category):
    """A member with *size* questions and *size* answers, some of them accepted."""
    member = UserFactory(role=Role.SUPPORT_AGENT)
    for n in range(size):
        services.ask_question(
            author=member,
            category=category,
            title=f"Member question {n} about pairing",
            body="The lock does not pair with the hub after a reset.",
            tags=["pairing", TAG_POOL[n % len(TAG_POOL)]],
        )
        thread = services.ask_question(
            author=_user(n + 1),
            category=category,
            title=f"Someone else's question {n}",
            body="The hub shows a red light and the app cannot find it.",
        )
        answer = services.post_answer(thread, author=member, body="Hold the hub button for 10 s.")
        if n % 2:
            services.accept_answer(answer, actor=thread.author)
    return member


@pytest.mark.parametrize("viewer_client", VIEWERS, indirect=True)
def test_profile_page_costs_as_many_queries_with_50_posts_as_with_5(
    viewer_client, category, django_assert_num_queries
):
    small = _active_member(5, category=category)
    big = _active_member(50, category=category)

    count = _count(viewer_client, small.get_absolute_url())

    _assert_costs(viewer_client, big.get_absolute_url(), count, django_assert_num_queries)


def test_own_profile_page_costs_as_many_queries_with_50_posts_as_with_5(
    client, category, django_assert_num_queries
):
    small = _active_member(5, category=category)
    big = _active_member(50, category=category)

    client.force_login(small)
    count = _count(client, small.get_absolute_url())
    client.force_login(big)

    _assert_costs(client, big.get_absolute_url(), count, django_assert_num_queries)
