"""The shared page cache (forum.caching): anonymous visitors and members alike."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from forum import services
from forum.models import Vote
from tests.factories import UserFactory, make_answer, make_category, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.FORUM_PAGE_CACHE_SECONDS = 300


def _page_keys() -> set[str]:
    return {key for key in cache._cache if ":forum:page:" in key}


def test_second_anonymous_view_of_a_thread_is_served_without_queries(
    client, thread, django_assert_num_queries
):
    url = thread.get_absolute_url()
    first = client.get(url)
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.status_code == 200
    assert first.content == second.content
    assert thread.title in second.content.decode()


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


def test_an_answer_vote_keeps_the_cached_lists(
    client,
    thread,
    answer,
    customer,
    category,
    django_capture_on_commit_callbacks,
    django_assert_num_queries,
):
    client.get("/")
    client.get(category.url)
    with django_capture_on_commit_callbacks(execute=True):
        services.cast_vote(answer, voter=customer, value=Vote.UP)
    with django_assert_num_queries(0):
        client.get("/")
        client.get(category.url)


def test_a_new_question_in_one_product_keeps_the_other_products_list(
    client,
    thread,
    customer,
    category,
    django_capture_on_commit_callbacks,
    django_assert_num_queries,
):
    other = make_category("Aurora Doorbell")
    client.get(other.url)
    with django_capture_on_commit_callbacks(execute=True):
        make_thread(author=customer, category=category, title="Schedule resets every night")
    with django_assert_num_queries(0):
        assert client.get(other.url).status_code == 200
    assert "Schedule resets every night" in client.get(category.url).content.decode()


def test_a_me_too_vote_refreshes_the_lists(
    client, thread, question, other_customer, django_capture_on_commit_callbacks
):
    client.get("/")
    with django_capture_on_commit_callbacks(execute=True):
        services.cast_vote(question, voter=other_customer, value=Vote.UP)
    assert "<strong>1</strong> person has this problem" in client.get("/").content.decode()


def test_junk_query_parameters_make_no_new_cache_entries(client, thread, category):
    for url in (thread.get_absolute_url(), "/", category.url, "/tags/none/"):
        client.get(url)
    before = _page_keys()
    for index in range(30):
        client.get(f"{thread.get_absolute_url()}?utm_source=x{index}&fbclid={index}")
        client.get(f"/?junk={index}")
        client.get(f"{category.url}?sort=nonsense{index}&show=x{index}")
    assert _page_keys() == before


def test_out_of_range_page_numbers_are_not_kept(client, thread, category):
    client.get(category.url)
    before = _page_keys()
    for number in (0, 7, 99999):
        assert client.get(f"{category.url}?page={number}").status_code == 200
    assert _page_keys() == before


def test_sort_and_filter_pages_are_kept_and_link_without_junk(client, thread, category):
    html = client.get(f"{category.url}?sort=newest&show=open&junk=1").content.decode()
    assert "junk" not in html
    assert 'value="newest" selected' in html


def test_anonymous_pages_carry_no_token_and_may_be_kept_by_a_proxy(client, thread):
    response = client.get(thread.get_absolute_url())
    html = response.content.decode()
    assert "csrfmiddlewaretoken" not in html
    assert '"X-CSRFToken": ""' in html
    assert not response.cookies
    assert "public" in response["Cache-Control"]
    assert "s-maxage" in response["Cache-Control"]
    assert "Accept-Language" not in response.get("Vary", "")


def test_member_pages_are_private(client_for, thread, other_customer):
    response = client_for(other_customer).get(thread.get_absolute_url())
    assert "private" in response["Cache-Control"]


def test_a_member_gets_their_own_bits_on_a_page_an_anonymous_visitor_cached(
    client, thread, answer, other_customer, customer
):
    url = thread.get_absolute_url()
    Client().get(url)  # an anonymous visitor fills the cache
    member = client
    member.force_login(customer)
    html = member.get(url).content.decode()
    assert "Log out" in html
    assert "Log in to answer" not in html
    assert "Mark as solution" in html  # the asker's own button
    assert re.search(r'name="csrfmiddlewaretoken" value="[A-Za-z0-9]{64}"', html)
    again = Client().get(url).content.decode()
    assert "Log out" not in again
    assert "Mark as solution" not in again
    assert "Log in to answer" in again


def test_members_share_the_page_but_not_their_votes(thread, answer, customer):
    services.cast_vote(answer, voter=customer, value=Vote.UP)
    url = thread.get_absolute_url()
    voter, stranger = Client(), Client()
    voter.force_login(customer)
    stranger.force_login(UserFactory())
    assert 'aria-pressed="true"' in voter.get(url).content.decode()
    assert 'aria-pressed="true"' not in stranger.get(url).content.decode()


def test_cached_pages_are_kept_per_language_from_the_url(client, thread):
    url = thread.get_absolute_url()
    english = client.get(url).content.decode()
    german = client.get(f"/de{url}").content.decode()
    assert 'lang="en"' in english
    assert 'lang="de"' in german
    assert "Antwort" in german
    assert f'hreflang="de" href="http://127.0.0.1:8000/de{url}"' in english


def test_page_cache_is_off_when_its_lifetime_is_zero(client, thread, settings):
    settings.FORUM_PAGE_CACHE_SECONDS = 0
    client.get(thread.get_absolute_url())
    assert not _page_keys()


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


def test_renaming_a_product_refreshes_the_thread_pages_under_it(client, thread, category):
    client.get(thread.get_absolute_url())
    category.title = "Nimbus Thermostat Pro"
    category.save_revision().publish()
    assert "Nimbus Thermostat Pro" in client.get(thread.get_absolute_url()).content.decode()


def test_unpublishing_a_product_takes_its_cached_threads_down(client, thread, category):
    assert client.get(thread.get_absolute_url()).status_code == 200
    category.unpublish()
    assert client.get(thread.get_absolute_url()).status_code == 404
    assert thread.title not in client.get("/").content.decode()


def test_restricting_a_product_takes_its_cached_threads_from_visitors(client, thread, category):
    from wagtail.models import PageViewRestriction

    assert client.get(thread.get_absolute_url()).status_code == 200
    PageViewRestriction.objects.create(page=category, restriction_type="login")
    assert client.get(thread.get_absolute_url()).status_code == 404
    assert thread.title not in client.get("/").content.decode()


def test_wagtail_password_view_is_not_taken_by_the_cached_page_route(client):
    from django.urls import resolve

    match = resolve("/_util/authenticate_with_password/1/2/")
    assert match.url_name == "wagtailcore_authenticate_with_password"


def test_each_view_of_the_answer_form_gets_its_own_submission_key_and_working_token(
    thread, customer
):
    member = Client(enforce_csrf_checks=True)
    member.force_login(customer)
    pages = [member.get(thread.get_absolute_url()).content.decode() for _ in range(2)]
    keys = [re.search(r'name="submission_key" value="([^"]+)"', html).group(1) for html in pages]
    assert keys[0] != keys[1]
    token = re.search(
        r'action="/t/\d+/answer".*?name="csrfmiddlewaretoken" value="([^"]+)"', pages[1], re.S
    ).group(1)
    response = member.post(
        f"/t/{thread.pk}/answer",
        {
            "body": "Hold reset for ten seconds, then pair again.",
            "submission_key": keys[1],
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("backend", "warned"),
    [
        ("django.core.cache.backends.locmem.LocMemCache", True),
        ("django.core.cache.backends.filebased.FileBasedCache", True),
        ("django_redis.cache.RedisCache", False),
    ],
)
def test_deploy_check_warns_without_a_shared_cache(settings, backend, warned):
    from forum.checks import shared_cache_check

    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "unused"}}
    assert bool(shared_cache_check(None)) is warned


def test_production_without_redis_turns_the_page_cache_off():
    import os
    import subprocess
    import sys

    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", SECRET_KEY="k" * 60)
    code = (
        "from django.conf import settings; "
        "print(settings.FORUM_PAGE_CACHE_SECONDS, settings.CACHES['default']['BACKEND'])"
    )
    result = subprocess.run(  # noqa: S603 (this interpreter, fixed code)
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    seconds, backend = result.stdout.split()
    assert seconds == "0"
    assert backend.endswith("LocMemCache")


def test_a_change_to_one_answer_renders_only_that_answer_again(
    client, thread, other_customer, customer, monkeypatch, django_capture_on_commit_callbacks
):
    from forum import fragments

    first = make_answer(thread, author=other_customer, body="Reset the hub, then pair again.")
    make_answer(thread, author=customer, body="Firmware 5.2.1 fixes it, update first.")
    client.get(thread.get_absolute_url())  # every block rendered and kept
    rendered = []
    real = fragments.render_to_string
    monkeypatch.setattr(
        fragments,
        "render_to_string",
        lambda *args, **kwargs: rendered.append(args[1]["post"].pk) or real(*args, **kwargs),
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.edit_post(first, editor=other_customer, body="Reset the hub twice, then pair.")
    html = client.get(thread.get_absolute_url()).content.decode()

    assert "Reset the hub twice" in html
    assert rendered == [first.pk]


def test_kept_pages_and_blocks_carry_the_cache_format(rf, thread, settings):
    """A rolling deploy shares the cache: keys name the format of what they keep."""
    from django.contrib.auth.models import AnonymousUser

    from forum import caching, fragments

    request = rf.get(thread.get_absolute_url())
    request.user = AnonymousUser()
    assert f":{caching.FORMAT}:" in caching.thread_key(request, thread.pk, "anonymous")
    assert f":{caching.FORMAT}:" in caching.list_key(request, "/", "all")
    question = thread.posts.get(kind="question")
    assert f":{caching.FORMAT}:" in fragments._key(question, thread, "anonymous")
