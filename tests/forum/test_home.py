import pytest

from forum import services
from tests.factories import make_answer, make_thread

pytestmark = pytest.mark.django_db


def _titles_in_main_list(html: str) -> str:
    start = html.index('id="latest-heading"')
    return html[start : html.index('id="unanswered-heading"')]


def test_home_list_filters_solved_threads(client, customer, other_customer):
    solved = make_thread(author=customer, title="Doorbell chime stays silent after reboot")
    services.accept_answer(make_answer(solved, author=other_customer), actor=customer)
    answered = make_thread(author=customer, title="Camera night mode is blurry and dark")
    make_answer(answered, author=other_customer)

    main = _titles_in_main_list(client.get("/?show=solved").content.decode())

    assert "Doorbell chime stays silent" in main
    assert "Camera night mode" not in main


def test_home_list_sorts_by_votes(client, customer, other_customer, brand_rep):
    quiet = make_thread(author=customer, title="Quiet question about the hub lights")
    popular = make_thread(author=customer, title="Popular question about the app login")
    for voter in (other_customer, brand_rep):
        services.cast_vote(popular.posts.get(kind="question"), voter=voter, value=1)

    main = _titles_in_main_list(client.get("/?sort=votes").content.decode())

    assert main.index(popular.title) < main.index(quiet.title)


def test_home_list_is_paginated(client, customer, settings):
    settings.FORUM_THREADS_PER_PAGE = 2
    for n in range(3):
        make_thread(author=customer, title=f"Thermostat question number {n} about heating")

    first = _titles_in_main_list(client.get("/").content.decode())
    second = _titles_in_main_list(client.get("/?page=2").content.decode())

    assert "number 2" in first
    assert "number 1" in first
    assert "number 0" not in first
    assert "number 0" in second
    assert "Page 2 of 2" in second


def test_home_sidebar_shows_the_newest_unanswered_threads(client, customer, other_customer):
    waiting = make_thread(author=customer, title="Nobody answered my billing question yet")
    answered = make_thread(author=customer, title="Someone answered my firmware question")
    make_answer(answered, author=other_customer)

    html = client.get("/").content.decode()
    sidebar = html[html.index('id="unanswered-heading"') :]

    assert waiting.title in sidebar
    assert answered.title not in sidebar
