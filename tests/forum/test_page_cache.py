import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from forum import services
from tests.factories import make_answer, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.FORUM_PAGE_CACHE_SECONDS = 300


def _token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_second_anonymous_view_of_a_thread_is_served_without_queries(
    client, thread, django_assert_num_queries
):
    url = thread.get_absolute_url()
    first = client.get(url)
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.status_code == 200
    assert thread.title in second.content.decode()
    assert first.content.decode().count(thread.title) == second.content.decode().count(thread.title)


def test_new_answer_replaces_the_cached_thread_page(
    client, thread, other_customer, django_capture_on_commit_callbacks
):
    client.get(thread.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        make_answer(thread, author=other_customer, body="Unplug the hub for a minute, it helps.")
    assert "Unplug the hub" in client.get(thread.get_absolute_url()).content.decode()


def test_accepting_an_answer_marks_the_cached_category_list_solved(
    client, thread, answer, category, django_capture_on_commit_callbacks
):
    assert "mark-solved" not in client.get(category.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.accept_answer(answer, actor=thread.author)
    assert "mark-solved" in client.get(category.url).content.decode()


def test_new_question_appears_on_the_cached_home_page(
    client, thread, customer, django_capture_on_commit_callbacks
):
    client.get("/")
    with django_capture_on_commit_callbacks(execute=True):
        make_thread(author=customer, title="Camera keeps dropping off the wifi")
    assert "Camera keeps dropping off the wifi" in client.get("/").content.decode()


def test_deleted_thread_is_not_served_from_the_cache(
    client, thread, django_capture_on_commit_callbacks
):
    client.get(thread.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_post(thread.posts.get(kind="question"), actor=thread.author)
    assert client.get(thread.get_absolute_url()).status_code == 404


def test_each_anonymous_visitor_gets_a_working_csrf_token_from_a_cached_page(thread):
    url = thread.get_absolute_url()
    Client().get(url)  # fills the cache
    visitor = Client(enforce_csrf_checks=True)
    html = visitor.get(url).content.decode()
    assert re.fullmatch(r"[A-Za-z0-9]{64}", _token(html))  # a real masked token
    response = visitor.post(
        "/i18n/setlang/", {"language": "de", "next": url, "csrfmiddlewaretoken": _token(html)}
    )
    assert response.status_code == 302


def test_logged_in_members_get_a_freshly_rendered_page(client_for, thread, other_customer):
    client = client_for(other_customer)
    client.get(thread.get_absolute_url())
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "I have this problem too" in html  # their own vote button, never in the cached page


def test_cached_pages_are_kept_per_language(client, thread):
    url = thread.get_absolute_url()
    client.get(url)
    german = client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'lang="de"' in german


def test_page_cache_is_off_when_its_lifetime_is_zero(client, thread, settings):
    settings.FORUM_PAGE_CACHE_SECONDS = 0
    client.get(thread.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        client.get(thread.get_absolute_url())
    assert len(queries) > 0


def test_cached_home_and_product_pages_cost_no_query(client, category, django_assert_num_queries):
    client.get("/")
    client.get(category.url)
    with django_assert_num_queries(0):
        assert client.get("/").status_code == 200
        assert client.get(category.url).status_code == 200


def test_publishing_a_product_page_refreshes_the_cached_pages(client, category):
    client.get(category.url)
    category.description = "Now with a heat-pump mode."
    category.save_revision().publish()
    assert "heat-pump mode" in client.get(category.url).content.decode()


def test_wagtail_password_view_is_not_taken_by_the_cached_page_route(client):
    from django.urls import resolve

    match = resolve("/_util/authenticate_with_password/1/2/")
    assert match.url_name == "wagtailcore_authenticate_with_password"
