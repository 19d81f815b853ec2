"""The leaderboard page and the top helpers of the month on the home and product pages."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageViewRestriction

from accounts.roles import Role
from forum import services
from reputation.models import LedgerEntry
from tests.factories import UserFactory, make_answer, make_category, make_thread

pytestmark = pytest.mark.django_db

URL = reverse("forum:leaderboard")


def upvoted(author, *, category, votes: int = 1):
    """*author*'s new answer in *category*, voted up *votes* times (10 points each)."""
    answer = make_answer(make_thread(category=category), author=author)
    for _ in range(votes):
        services.cast_vote(answer, voter=UserFactory(), value=1)
    return answer


def board_rows(response) -> str:
    html = response.content.decode()
    return html[html.index("<tbody>") : html.index("</tbody>")]


def test_the_leaderboard_is_at_its_address():
    assert URL == "/leaderboard/"


def test_the_leaderboard_ranks_this_months_helpers_by_default(client, category):
    upvoted(UserFactory(username="second", display_name="Second Helper"), category=category)
    upvoted(UserFactory(username="first", display_name="First Helper"), category=category, votes=2)

    response = client.get(URL)

    assert response.status_code == 200
    rows = board_rows(response)
    assert rows.index("First Helper") < rows.index("Second Helper")
    assert 'href="/u/first/"' in rows
    assert '<td class="board-points">20</td>' in rows
    assert 'aria-current="page">This month<' in response.content.decode()


def test_this_weeks_board_leaves_out_last_weeks_points(client, category):
    upvoted(UserFactory(display_name="Earlier Helper"), category=category)
    LedgerEntry.objects.update(created_at=timezone.now() - datetime.timedelta(days=8))
    upvoted(UserFactory(display_name="Recent Helper"), category=category)

    week = board_rows(client.get(URL, {"period": "week"}))
    ever = board_rows(client.get(URL, {"period": "all"}))

    assert "Recent Helper" in week
    assert "Earlier Helper" not in week
    assert "Earlier Helper" in ever


def test_a_reversed_vote_leaves_its_member_off_the_board(client, category):
    voter = UserFactory()
    answer = make_answer(make_thread(category=category), author=UserFactory(display_name="Undone"))
    services.cast_vote(answer, voter=voter, value=1)
    services.cast_vote(answer, voter=voter, value=0)

    for period in ("week", "month", "all"):
        assert "Undone" not in board_rows(client.get(URL, {"period": period})), period


def test_staff_are_not_on_the_board(client, category):
    upvoted(UserFactory(display_name="Agent Smith", role=Role.SUPPORT_AGENT), category=category)
    upvoted(UserFactory(display_name="Customer Jones"), category=category)

    rows = board_rows(client.get(URL, {"period": "all"}))

    assert "Customer Jones" in rows
    assert "Agent Smith" not in rows


def test_an_unknown_period_is_answered_with_a_clear_refusal(client):
    response = client.get(URL, {"period": "year"})

    assert response.status_code == 400
    assert "There is no leaderboard for that period" in response.content.decode()
    assert 'href="?period=week"' in response.content.decode()


def test_a_product_board_counts_only_that_product(client):
    lock, thermostat = make_category("Aurora Lock"), make_category("Nimbus Thermostat")
    upvoted(UserFactory(display_name="Lock Expert"), category=lock)
    upvoted(UserFactory(display_name="Heating Expert"), category=thermostat)

    response = client.get(URL, {"product": lock.slug, "period": "all"})

    assert response.status_code == 200
    rows = board_rows(response)
    assert "Lock Expert" in rows
    assert "Heating Expert" not in rows
    assert "Leaderboard: Aurora Lock" in response.content.decode()


@pytest.mark.parametrize("product", ["no-such-product", "x" * 300, "../c/"])
def test_an_unknown_product_is_not_found(client, category, product):
    assert client.get(URL, {"product": product}).status_code == 404


def test_an_unpublished_products_board_is_not_found(client, client_for, brand_rep):
    product = make_category("Aurora Doorbell")
    upvoted(UserFactory(), category=product)
    product.unpublish()

    assert client.get(URL, {"product": product.slug}).status_code == 404
    assert client_for(brand_rep).get(URL, {"product": product.slug}).status_code == 404


def test_a_private_products_board_is_only_for_those_who_may_see_it(client, client_for):
    product = make_category("Internal Beta")
    restriction = PageViewRestriction.objects.create(page=product, restriction_type="groups")
    restriction.groups.add(Group.objects.get(name=Role.SUPPORT_AGENT.value))
    upvoted(UserFactory(display_name="Beta Tester"), category=product)

    assert client.get(URL, {"product": product.slug}).status_code == 404
    customer = client_for(UserFactory(role=Role.CUSTOMER))
    assert customer.get(URL, {"product": product.slug}).status_code == 404
    assert "Internal Beta" not in customer.get(URL).content.decode()
    agent = client_for(UserFactory(role=Role.SUPPORT_AGENT))
    response = agent.get(URL, {"product": product.slug, "period": "all"})
    assert response.status_code == 200
    assert "Beta Tester" in board_rows(response)


def test_the_product_choice_lists_only_visible_products(client):
    make_category("Aurora Lock")
    hidden = make_category("Internal Beta")
    PageViewRestriction.objects.create(page=hidden, restriction_type="login")

    html = client.get(URL).content.decode()

    assert 'value="aurora-lock"' in html
    assert "internal-beta" not in html


# --- Top helpers on the home and product pages ---------------------------------------------


def top_helpers(html: str) -> str:
    start = html.index('class="top-helpers"')
    return html[start : html.index("</section>", start)]


def test_the_home_page_shows_this_months_top_helpers(client, category):
    upvoted(UserFactory(username="star", display_name="Star Helper"), category=category, votes=3)
    upvoted(UserFactory(display_name="Agent Smith", role=Role.SUPPORT_AGENT), category=category)

    helpers = top_helpers(client.get("/").content.decode())

    assert "Star Helper" in helpers
    assert 'href="/u/star/"' in helpers
    assert "30 points" in helpers
    assert "Agent Smith" not in helpers
    assert f'href="{URL}?period=month"' in helpers


def test_the_home_page_shows_at_most_five_helpers(client, category):
    for n in range(7):
        upvoted(UserFactory(display_name=f"Helper {n}"), category=category)

    helpers = top_helpers(client.get("/").content.decode())

    assert helpers.count("<li>") == 5


def test_a_product_page_shows_that_products_top_helpers(client):
    lock, thermostat = make_category("Aurora Lock"), make_category("Nimbus Thermostat")
    upvoted(UserFactory(display_name="Lock Expert"), category=lock)
    upvoted(UserFactory(display_name="Heating Expert"), category=thermostat)

    helpers = top_helpers(client.get(lock.url).content.decode())

    assert "Lock Expert" in helpers
    assert "Heating Expert" not in helpers
    assert f'href="{URL}?period=month&amp;product=aurora-lock"' in helpers


def test_the_top_helpers_are_worked_out_once_for_many_page_views(client, category, settings):
    settings.FORUM_PAGE_CACHE_SECONDS = 0  # every view renders the page
    upvoted(UserFactory(display_name="Star Helper"), category=category)
    client.get("/")  # works the list out and keeps it

    with CaptureQueriesContext(connection) as queries:
        html = client.get("/").content.decode()

    assert "Star Helper" in top_helpers(html)
    assert not [query for query in queries if LedgerEntry._meta.db_table in query["sql"]]
