"""Reputation on the pages: beside every author's name (from stored fields, no query per
post) and on the member's profile (chart, badges, top products, history)."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import PageViewRestriction

from accounts.models import User
from accounts.roles import Role
from forum import caching, services
from reputation import badges
from reputation import services as reputation
from reputation.badges import HeldBadge
from reputation.models import LedgerEntry, Level
from reputation.services import trust_levels
from tests.factories import UserFactory, make_answer, make_category, make_thread
from tests.forum.test_query_counts import _discussed_thread

pytestmark = pytest.mark.django_db


def upvoted(author, *, category=None, votes: int = 1, voter=None):
    """*author*'s new answer voted up *votes* times (10 points each)."""
    answer = make_answer(make_thread(category=category), author=author)
    for _ in range(votes):
        services.cast_vote(answer, voter=voter or UserFactory(), value=1)
    return answer


def set_standing(member: User, *, reputation: int, level: int) -> None:
    """Stored figures as the ledger would leave them (only reputation.services writes them)."""
    User.objects.filter(pk=member.pk).update(reputation=reputation, trust_level=level)
    member.refresh_from_db()


def byline(html: str, post) -> str:
    """The "Answered by ..." line of *post* on its thread page."""
    match = re.search(rf'<p class="post-by" id="post-{post.pk}-by">(.*?)</p>', html, re.S)
    assert match, f"no byline for post {post.pk}"
    return match.group(1)


# --- Beside the name -------------------------------------------------------------------------


def test_a_customers_reputation_and_trust_level_show_beside_their_name(client, thread):
    author = UserFactory(display_name="Helpful Hannah")
    set_standing(author, reputation=1204, level=Level.REGULAR)
    answer = make_answer(thread, author=author)

    line = byline(client.get(thread.get_absolute_url()).content.decode(), answer)

    assert '<span class="rep" title="Reputation: 1,204">' in line
    assert '<span class="visually-hidden">Reputation: </span>1,204</span>' in line
    assert '<span class="visually-hidden">Trust level: </span>Regular</span>' in line


def test_large_reputations_are_shortened_with_the_full_figure_in_the_title(client, thread):
    author = UserFactory()
    set_standing(author, reputation=12345, level=Level.LEADER)
    answer = make_answer(thread, author=author)

    line = byline(client.get(thread.get_absolute_url()).content.decode(), answer)

    assert 'title="Reputation: 12,345"' in line
    assert "</span>12.3k</span>" in line


def test_staff_keep_their_staff_badge_and_show_no_trust_level(client, thread, brand_rep):
    set_standing(brand_rep, reputation=500, level=Level.MEMBER)
    answer = make_answer(thread, author=brand_rep)

    line = byline(client.get(thread.get_absolute_url()).content.decode(), answer)

    assert '<span class="badge badge-staff">Brand representative</span>' in line
    assert "Trust level" not in line
    assert 'class="rep"' not in line


def test_thread_lists_show_the_askers_reputation(client, category):
    asker = UserFactory(display_name="Asking Alex")
    set_standing(asker, reputation=42, level=Level.BASIC)
    make_thread(author=asker, category=category)

    html = client.get(category.url).content.decode()

    row = html[html.index("Asking Alex") :]
    assert "</span>42</span>" in row[:600]
    assert "</span>Basic</span>" in row[:800]


# The name as it showed before reputation did: name and staff badge only.
NAME_ONLY = (
    '<span class="user-ref"><a href="{{ who.get_absolute_url }}">{{ who.public_name }}</a>'
    '{% if who.staff_badge %} <span class="badge badge-staff">{{ who.staff_badge }}</span>'
    "{% endif %}</span>"
)


def name_only_templates(settings) -> None:
    """Serve ``includes/_user.html`` as it was before reputation showed beside names."""
    engine = {**settings.TEMPLATES[0], "APP_DIRS": False}
    engine["OPTIONS"] = {
        **engine["OPTIONS"],
        "loaders": [
            ("django.template.loaders.locmem.Loader", {"includes/_user.html": NAME_ONLY}),
            "django.template.loaders.filesystem.Loader",
            "django.template.loaders.app_directories.Loader",
        ],
    }
    settings.TEMPLATES = [engine]


def thread_page_queries(client, url: str) -> tuple[int, str]:
    """Queries of one view of *url* after a first one; every cache emptied before."""
    cache.clear()
    caching.local_pages.clear()
    client.get(url)  # warm the caches that fill on first use
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.parametrize("page_cache", [0, 300], ids=["rendered", "cached"])
@pytest.mark.parametrize("viewer", ["anonymous", "customer", "moderator"])
def test_a_thread_page_with_100_answers_costs_what_it_did_before_reputation_showed(
    client, category, settings, viewer, page_cache
):
    settings.FORUM_ANSWERS_PER_PAGE = 100
    settings.FORUM_PAGE_CACHE_SECONDS = page_cache
    user = None
    if viewer != "anonymous":
        role = Role.CUSTOMER if viewer == "customer" else Role.BRAND_REPRESENTATIVE
        user = UserFactory(role=role)
        # Enough reputation to vote answers down, as the thread's viewer does.
        reputation.adjust(user, points=1000, actor=UserFactory(), note="may vote down")
        client.force_login(user)
    url = _discussed_thread(100, category=category, viewer=user).get_absolute_url()

    shown, with_reputation = thread_page_queries(client, url)
    name_only_templates(settings)
    before, without_reputation = thread_page_queries(client, url)

    assert shown == before
    assert 'class="rep"' not in without_reputation
    # Every customer's answer shows their reputation (a third are staff's); comments
    # show names only.
    assert with_reputation.count('class="rep"') >= 60


# --- Profile: standing, next level -----------------------------------------------------------


def test_the_profile_shows_reputation_and_trust_level_prominently(client):
    member = UserFactory()
    set_standing(member, reputation=2500, level=Level.REGULAR)

    html = client.get(member.get_absolute_url()).content.decode()

    assert '<dd class="standing-reputation">2,500</dd>' in html
    assert '<dd class="trust trust-3">Regular</dd>' in html


def test_a_staff_profile_shows_reputation_but_no_trust_level(client, support_agent):
    html = client.get(support_agent.get_absolute_url()).content.decode()

    assert 'class="standing-reputation"' in html
    assert "Trust level" not in html


def test_members_see_what_their_next_level_needs(client_for, customer):
    answer = upvoted(customer, votes=2)
    services.accept_answer(answer, actor=answer.thread.author)
    customer.refresh_from_db()
    rung = next(r for r in trust_levels() if r.level > customer.trust_level)

    html = client_for(customer).get(customer.get_absolute_url()).content.decode()

    assert f"To reach the {rung.get_level_display()} trust level" in html
    if rung.min_reputation:
        assert f"Reputation: {customer.reputation:,} of {rung.min_reputation:,}" in html
    if rung.min_accepted_answers:
        assert f"Accepted answers: 1 of {rung.min_accepted_answers}" in html


def test_others_do_not_see_a_members_progress(client, customer):
    upvoted(customer)

    assert "trust level</h3>" not in client.get(customer.get_absolute_url()).content.decode()
    assert "To reach the" not in client.get(customer.get_absolute_url()).content.decode()


# --- Profile: the chart ----------------------------------------------------------------------


def chart(html: str) -> str:
    return html[html.index("<svg") : html.index("</svg>")]


def test_the_chart_draws_one_bar_per_day_that_changed(client, customer):
    now = timezone.now()
    for days_ago in (0, 0, 3, 40, 120):
        answer = upvoted(customer)
        LedgerEntry.objects.filter(post_id=answer.pk).update(
            created_at=now - datetime.timedelta(days=days_ago)
        )

    html = client.get(customer.get_absolute_url()).content.decode()

    svg = chart(html)
    assert svg.count("<rect") == 3  # today, 3 and 40 days ago; 120 days ago is off the chart
    assert 'class="rep-chart-gain"' in svg
    assert "style=" not in svg
    assert "<script" not in html.split("</head>")[1]
    assert "Gained 40 points in the last 90 days." in html


def test_the_chart_has_a_text_alternative_with_each_days_change(client, customer, brand_rep):
    upvoted(customer)
    answer = make_answer(make_thread(), author=customer)
    services.cast_vote(answer, voter=brand_rep, value=-1)
    LedgerEntry.objects.filter(post_id=answer.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=2)
    )

    html = client.get(customer.get_absolute_url()).content.decode()

    assert 'role="img" aria-labelledby="chart-summary"' in html
    assert '<figcaption id="chart-summary">' in html
    table = html[html.index('<details class="rep-chart-table">') :]
    table = table[: table.index("</details>")]
    assert table.count("<tr><td>") == 2
    assert "<td>+10</td>" in table
    assert 'class="rep-chart-loss"' in chart(html)


def test_a_member_without_reputation_gets_an_empty_chart_that_says_so(client, customer):
    html = client.get(customer.get_absolute_url()).content.decode()

    assert "<rect" not in chart(html)
    assert "No change in reputation in the last 90 days." in html


# --- Profile: badges and top products --------------------------------------------------------


@pytest.fixture
def private_product(db):
    product = make_category("Internal Beta")
    restriction = PageViewRestriction.objects.create(page=product, restriction_type="groups")
    restriction.groups.add(Group.objects.get(name=Role.SUPPORT_AGENT.value))
    return product


def held_badge(code: str, name: str, scope: str = "") -> HeldBadge:
    return HeldBadge(code, name, f"About {name}", "silver", scope, timezone.now())


def test_badges_for_products_the_viewer_cannot_see_are_left_out(
    client, client_for, customer, category, private_product, monkeypatch
):
    held = [
        held_badge("first_answer", "First answer"),
        held_badge("helpful_in_product", "Helpful in a product", str(category.pk)),
        held_badge("helpful_in_product", "Helpful in a product", str(private_product.pk)),
    ]
    monkeypatch.setattr(badges, "held", lambda member_id: held if member_id == customer.pk else [])

    html = client.get(customer.get_absolute_url()).content.decode()
    section = html[html.index('id="badges-heading"') : html.index('id="products-heading"')]
    assert section.count("<li>") == 2
    assert "First answer" in section
    assert 'href="/badges/first_answer/"' in section
    assert "Helpful in Nimbus Thermostat" in section
    assert "Internal Beta" not in html

    agent = client_for(UserFactory(role=Role.SUPPORT_AGENT))
    html = agent.get(customer.get_absolute_url()).content.decode()
    assert "Helpful in Internal Beta" in html


def test_top_products_list_only_products_the_viewer_may_see(
    client, client_for, customer, category, private_product
):
    upvoted(customer, category=category, votes=2)
    upvoted(customer, category=private_product, votes=3)

    html = client.get(customer.get_absolute_url()).content.decode()
    section = html[html.index('id="products-heading"') : html.index('id="history-heading"')]
    assert f'<a href="{category.url}">{category.title}</a>' in section
    assert "20 points" in section
    assert "Internal Beta" not in html

    agent = client_for(UserFactory(role=Role.SUPPORT_AGENT))
    html = agent.get(customer.get_absolute_url()).content.decode()
    section = html[html.index('id="products-heading"') : html.index('id="history-heading"')]
    assert section.index("Internal Beta") < section.index(category.title)


# --- Profile: history ------------------------------------------------------------------------


def history(html: str) -> str:
    start = html.index('class="simple-list rep-history"')
    return html[start : html.index("</ul>", start)]


def test_history_links_a_post_only_when_the_viewer_may_see_it(
    client, client_for, customer, category, private_product
):
    public = upvoted(customer, category=category)
    private = upvoted(customer, category=private_product)

    rows = history(client.get(customer.get_absolute_url()).content.decode())
    assert rows.count("Answer voted up") == 1
    assert f'href="{public.get_absolute_url()}"' in rows
    assert f"/t/{private.thread_id}/" not in rows

    agent = client_for(UserFactory(role=Role.SUPPORT_AGENT))
    rows = history(agent.get(customer.get_absolute_url()).content.decode())
    assert rows.count("Answer voted up") == 2
    assert f'href="{private.get_absolute_url()}"' in rows


@pytest.fixture
def beta_tester(db):
    """A customer in a group that alone (with moderators) may see the "Beta" product."""
    member = UserFactory(role=Role.CUSTOMER)
    testers = Group.objects.create(name="Beta testers")
    member.groups.add(testers)
    return member


@pytest.fixture
def beta_product(db):
    product = make_category("Beta")
    restriction = PageViewRestriction.objects.create(page=product, restriction_type="groups")
    restriction.groups.add(Group.objects.get(name="Beta testers"))
    return product


def history_as(client, viewer, member) -> str:
    client.logout()
    if viewer is not None:
        client.force_login(viewer)
    return history(client.get(member.get_absolute_url()).content.decode())


def others() -> list:
    """Viewers who are neither the member nor a moderator: anonymous and another member."""
    return [None, UserFactory(role=Role.CUSTOMER)]


def test_entries_of_a_product_only_the_member_may_see_are_left_out_for_others(
    client, category, beta_tester, beta_product, brand_rep
):
    private = upvoted(beta_tester, category=beta_product)
    upvoted(beta_tester, category=category)

    for viewer in others():
        rows = history_as(client, viewer, beta_tester)
        assert rows.count("<li>") == 1
        assert rows.count("Answer voted up") == 1
        assert f'#post-{private.pk}"' not in rows

    for viewer in (beta_tester, brand_rep):
        rows = history_as(client, viewer, beta_tester)
        assert rows.count("Answer voted up") == 2
        assert f'href="{private.get_absolute_url()}"' in rows


def test_a_spam_penalty_and_what_hiding_took_back_are_for_the_member_and_moderators(
    client, customer, brand_rep
):
    answer = upvoted(customer)
    upvoted(customer)  # a visible entry, so the list is not empty
    services.hide_post(answer, moderator=brand_rep, as_spam=True)
    assert LedgerEntry.objects.filter(member=customer, reason="post.hidden_as_spam").exists()

    for viewer in others():
        rows = history_as(client, viewer, customer)
        assert "Post hidden as spam" not in rows
        assert "taken back" not in rows
        assert rows.count("<li>") == 1  # the other answer's vote

    for viewer in (customer, brand_rep):
        rows = history_as(client, viewer, customer)
        assert "Post hidden as spam" in rows
        assert "taken back: post hidden" in rows
        assert rows.count("Answer voted up") == 3  # two votes and the one taken back
        if viewer == customer:  # the author may no longer open a hidden post
            assert f'#post-{answer.pk}"' not in rows


def test_what_hiding_took_back_stays_private_once_the_post_is_shown_again(
    client, customer, brand_rep
):
    answer = upvoted(customer)
    services.hide_post(answer, moderator=brand_rep)
    services.unhide_post(answer, moderator=brand_rep)

    rows = history_as(client, None, customer)
    assert "taken back" not in rows
    assert rows.count("Answer voted up") == 2  # the vote and its restoring
    assert f'href="{answer.get_absolute_url()}"' in rows

    rows = history_as(client, brand_rep, customer)
    assert "taken back: post hidden" in rows


def test_entries_of_a_deleted_post_are_for_the_member_and_moderators(client, customer, brand_rep):
    answer = upvoted(customer)
    services.delete_post(answer, actor=customer)
    assert LedgerEntry.objects.filter(member=customer, cause="post.deleted").exists()

    for viewer in others():
        rows = history_as(client, viewer, customer)
        assert "Answer voted up" not in rows
        assert "post deleted" not in rows
        assert "No reputation yet." in rows

    for viewer in (customer, brand_rep):
        rows = history_as(client, viewer, customer)
        assert "taken back: post deleted" in rows
        assert rows.count("Answer voted up") == 2
        assert f'#post-{answer.pk}"' not in rows  # nobody opens a deleted post


def test_a_downvote_given_is_for_its_voter_and_moderators(client, category, brand_rep):
    voter = UserFactory(role=Role.CUSTOMER)
    User.objects.filter(pk=voter.pk).update(trust_level=Level.LEADER)
    voter.refresh_from_db()
    answer = make_answer(make_thread(category=category))
    services.cast_vote(answer, voter=voter, value=-1)
    reputation.adjust(voter, points=5, actor=brand_rep, note="secret staff note")
    assert LedgerEntry.objects.filter(member=voter, reason="vote.downvote_given").exists()

    for viewer in others():
        rows = history_as(client, viewer, voter)
        assert "Voted an answer down" not in rows
        assert f'#post-{answer.pk}"' not in rows
        # A staff adjustment names no post: it stays, without its note.
        assert "Adjusted by staff" in rows
        assert "secret staff note" not in rows

    for viewer in (voter, brand_rep):
        rows = history_as(client, viewer, voter)
        assert "Voted an answer down" in rows
        assert f'href="{answer.get_absolute_url()}"' in rows
        assert "secret staff note" not in rows


def test_a_downvoters_row_cannot_be_matched_to_the_authors_loss(client, category):
    author = UserFactory(role=Role.CUSTOMER)
    voter = UserFactory(role=Role.CUSTOMER)
    User.objects.filter(pk=voter.pk).update(trust_level=Level.LEADER)
    voter.refresh_from_db()
    answer = make_answer(make_thread(category=category), author=author)
    services.cast_vote(answer, voter=voter, value=-1)

    assert "Answer voted down" in history_as(client, None, author)
    assert "<time" not in history_as(client, None, voter)


def test_history_shows_the_last_20_entries_newest_first(client, customer):
    answers = [upvoted(customer) for _ in range(22)]
    for age, answer in enumerate(reversed(answers)):
        LedgerEntry.objects.filter(post_id=answer.pk).update(
            created_at=timezone.now() - datetime.timedelta(hours=age)
        )

    rows = history(client.get(customer.get_absolute_url()).content.decode())

    assert rows.count("<li>") == 20
    assert rows.index(f'#post-{answers[-1].pk}"') < rows.index(f'#post-{answers[-2].pk}"')
    assert f'#post-{answers[1].pk}"' not in rows
    assert f'#post-{answers[0].pk}"' not in rows


# --- Profile: a fixed number of queries ------------------------------------------------------


def member_with_history(size: int, *, category, private_product) -> User:
    """A customer with about 2 * *size* ledger entries over 90 days, in two products, with a
    hidden answer and an accepted one."""
    member = UserFactory(role=Role.CUSTOMER)
    moderator = UserFactory(role=Role.BRAND_REPRESENTATIVE)
    now = timezone.now()
    for n in range(size):
        product = private_product if n % 3 == 0 else category
        answer = upvoted(member, category=product, votes=2)
        if n == 1:
            services.accept_answer(answer, actor=answer.thread.author)
        if n == 2:
            services.hide_post(answer, moderator=moderator)
        LedgerEntry.objects.filter(post_id=answer.pk).update(
            created_at=now - datetime.timedelta(days=n * 2)
        )
    return member


@pytest.mark.parametrize("viewer", ["anonymous", "customer", "own", "moderator"])
def test_the_profile_costs_as_many_queries_with_a_long_history_as_with_a_short_one(
    client, category, private_product, viewer, monkeypatch
):
    small = member_with_history(4, category=category, private_product=private_product)
    big = member_with_history(40, category=category, private_product=private_product)
    scoped = [held_badge("helpful_in_product", "Helpful", str(category.pk))]
    monkeypatch.setattr(badges, "held", lambda member_id: scoped)
    assert LedgerEntry.objects.filter(member=big).count() > 80

    def cost(member) -> int:
        if viewer == "own":
            client.force_login(member)
        elif viewer != "anonymous":
            role = Role.CUSTOMER if viewer == "customer" else Role.BRAND_REPRESENTATIVE
            client.force_login(UserFactory(role=role))
        url = member.get_absolute_url()
        client.get(url)  # warm the caches that fill on first use
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert 'class="rep-chart-gain"' in response.content.decode()
        return len(queries)

    assert cost(big) == cost(small)
