"""Search pages cost a fixed number of queries, however many threads they show.

Each page is measured at two sizes with the same viewer; the bigger must issue exactly as
many queries as the smaller. Every page is requested once before it is measured, so what
fills on first use (the visible products, the kept related threads) counts against
neither size.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VIEWERS = ["anonymous", "member"]
TAGS = ["wifi", "firmware", "schedule", "battery"]


@pytest.fixture
def viewer_client(request, client):
    if request.param == "member":
        client.force_login(UserFactory(role=Role.CUSTOMER))
    return client


def _count(client, url: str) -> int:
    client.get(url)  # warm what fills on first use
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return len(queries)


def _add_routers(corpus, count: int, *, start: int, other_category, staff) -> None:
    """*count* matching threads of every kind: two products, tags, languages, solved ones
    and ones a member of staff answered."""
    for n in range(start, start + count):
        thread = corpus.ask(
            f"Router question {n} about the thermostat",
            f"The router drops the thermostat every {n} minutes.",
            category=other_category if n % 3 == 0 else None,
            tags=(TAGS[n % 4], TAGS[(n + 1) % 4]),
            language="de" if n % 5 == 0 else None,
        )
        if n % 2:
            corpus.answer(thread, "Restart the router.", accept=n % 4 == 1)
        if n % 7 == 0:
            corpus.answer(thread, "We are looking into it.", author=staff)


@pytest.mark.parametrize("viewer_client", VIEWERS, indirect=True)
def test_the_search_page_costs_as_many_queries_with_30_matches_as_with_3(
    viewer_client, corpus, second_category, brand_rep
):
    url = f"{reverse('search:search')}?q=router"
    _add_routers(corpus, 3, start=0, other_category=second_category, staff=brand_rep)
    small = _count(viewer_client, url)

    _add_routers(corpus, 27, start=3, other_category=second_category, staff=brand_rep)
    response = viewer_client.get(url)
    assert response.context["results"].total == 30
    assert len(response.context["results"].hits) == 20

    assert _count(viewer_client, url) == small


def _related_links(client, thread) -> int:
    """How many related threads the page of *thread* lists."""
    html = client.get(thread.get_absolute_url()).content.decode()
    section = html[html.index('class="related-threads"') :]
    return section[: section.index("</section>")].count("<li>")


def _threads_like(corpus, title: str, body: str, likes: int):
    """A thread and *likes* threads that share its words."""
    thread = corpus.ask(title, body)
    for n in range(likes):
        corpus.ask(f"{title} ({n})", body)
    return thread


@pytest.mark.parametrize("viewer_client", VIEWERS, indirect=True)
def test_the_thread_page_costs_as_many_queries_with_5_related_threads_as_with_1(
    viewer_client, corpus
):
    small = _threads_like(corpus, "Doorbell chimes twice", "Someone rings the doorbell.", 1)
    large = _threads_like(corpus, "Camera reboots at dawn", "The camera restarts itself.", 5)

    small_count = _count(viewer_client, small.get_absolute_url())
    large_count = _count(viewer_client, large.get_absolute_url())

    assert _related_links(viewer_client, small) == 1
    assert _related_links(viewer_client, large) == 5
    assert large_count == small_count
