"""The staff side of reputation in the Wagtail admin: point rules, trust levels, the ledger."""

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from forum import services as forum_services
from reputation import services
from reputation.models import Cause, LedgerEntry, Level, PointRule, Reason, TrustLevel
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RULES_URL = "/admin/reputation/rules/"
LEVELS_URL = "/admin/reputation/levels/"
LEDGER_URL = "/admin/reputation/ledger/"
ADJUST_URL = "/admin/reputation/ledger/adjust/"


def rule_url(reason: str) -> str:
    return reverse("reputation_rules:edit", args=[reason])


def reverse_url(entry: LedgerEntry) -> str:
    return reverse("reputation_ledger:reverse", args=[entry.pk])


def is_refused(response) -> bool:
    """Wagtail answers a refused admin view with a redirect to the admin's home page."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    )


def ledger_sum(member) -> int:
    return LedgerEntry.objects.filter(member=member).aggregate(total=Sum("points"))["total"] or 0


@pytest.fixture
def brand_rep_in_admin(brand_rep):
    """A brand representative who may open the Wagtail admin (granted here too, so these
    tests reach this module's own permission checks whatever the role's migrations say)."""
    brand_rep.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    return type(brand_rep).objects.get(pk=brand_rep.pk)


@pytest.fixture
def entry(customer, administrator):
    return services.adjust(customer, points=30, actor=administrator, note="welcome gift")


# --- Who may open what.


@pytest.mark.parametrize("url", [RULES_URL, LEVELS_URL, LEDGER_URL, ADJUST_URL])
def test_customer_is_kept_out_of_every_reputation_admin_page(client_for, customer, url):
    response = client_for(customer).get(url)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_customer_cannot_post_an_adjustment(client_for, customer, other_customer):
    response = client_for(customer).post(
        ADJUST_URL, {"member": other_customer.username, "points": 50, "note": "me"}
    )
    assert response.status_code == 302
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize("url", [RULES_URL, LEVELS_URL, ADJUST_URL])
def test_brand_rep_is_refused_rules_levels_and_adjustments(client_for, brand_rep_in_admin, url):
    assert is_refused(client_for(brand_rep_in_admin).get(url))


def test_brand_rep_cannot_edit_a_rule(client_for, brand_rep_in_admin):
    response = client_for(brand_rep_in_admin).post(rule_url(Reason.ANSWER_UPVOTED), {"points": 500})
    assert is_refused(response)
    assert PointRule.objects.get(pk=Reason.ANSWER_UPVOTED).points == 10


def test_brand_rep_cannot_post_the_trust_levels(client_for, brand_rep_in_admin):
    data = levels_data()
    data["form-1-min_reputation"] = "11"
    assert is_refused(client_for(brand_rep_in_admin).post(LEVELS_URL, data))
    assert TrustLevel.objects.get(level=1).min_reputation == 10


def test_brand_rep_cannot_adjust_or_reverse(client_for, brand_rep_in_admin, customer, entry):
    client = client_for(brand_rep_in_admin)
    adjusted = client.post(ADJUST_URL, {"member": customer.username, "points": 5, "note": "x"})
    reversed_ = client.post(reverse_url(entry), {"note": "x"})
    assert is_refused(adjusted)
    assert is_refused(reversed_)
    assert LedgerEntry.objects.count() == 1


def test_brand_rep_reads_the_ledger_without_the_staff_actions(
    client_for, brand_rep_in_admin, entry
):
    response = client_for(brand_rep_in_admin).get(LEDGER_URL)
    assert response.status_code == 200
    assert "welcome gift" in response.content.decode()
    assert reverse_url(entry) not in response.content.decode()
    assert ADJUST_URL not in response.content.decode()


@pytest.mark.parametrize("url", [RULES_URL, LEVELS_URL, LEDGER_URL, ADJUST_URL])
def test_administrator_opens_every_reputation_admin_page(client_for, administrator, url):
    assert client_for(administrator).get(url).status_code == 200


def test_administrator_sees_the_reputation_menu(client_for, administrator):
    content = client_for(administrator).get("/admin/").content.decode()
    for url in (RULES_URL, LEVELS_URL, LEDGER_URL):
        assert url in content


def test_brand_rep_menu_holds_the_ledger_only(client_for, brand_rep_in_admin):
    content = client_for(brand_rep_in_admin).get("/admin/").content.decode()
    assert LEDGER_URL in content
    assert RULES_URL not in content
    assert LEVELS_URL not in content


# --- Point rules.


def test_rules_list_shows_each_rule_with_its_dotted_reason(client_for, administrator):
    content = client_for(administrator).get(RULES_URL).content.decode()
    assert "answer.upvoted" in content
    assert "Answer voted up" in content
    assert rule_url(Reason.ANSWER_UPVOTED) in content


def test_rules_cannot_be_added_or_deleted(client_for, administrator):
    client = client_for(administrator)
    assert client.get(RULES_URL + "new/").status_code == 404
    assert client.post(f"{RULES_URL}delete/answer.upvoted/").status_code == 404
    assert PointRule.objects.filter(pk=Reason.ANSWER_UPVOTED).exists()


def test_rule_edit_form_says_a_change_applies_from_now_on(client_for, administrator):
    content = client_for(administrator).get(rule_url(Reason.ANSWER_UPVOTED)).content.decode()
    assert "applies to points given from now on" in content


def test_rule_edit_changes_the_points_of_later_votes_only(
    client_for, administrator, answer, customer
):
    voter = UserFactory(role=Role.CUSTOMER)
    forum_services.cast_vote(answer, voter=customer, value=1)
    response = client_for(administrator).post(rule_url(Reason.ANSWER_UPVOTED), {"points": 25})
    assert response.status_code == 302
    forum_services.cast_vote(answer, voter=voter, value=1)
    points = list(
        LedgerEntry.objects.filter(reason=Reason.ANSWER_UPVOTED)
        .order_by("pk")
        .values_list("actor_id", "points")
    )
    assert points == [(customer.pk, 10), (voter.pk, 25)]


def test_rule_edit_refuses_points_out_of_bounds(client_for, administrator):
    response = client_for(administrator).post(rule_url(Reason.ANSWER_UPVOTED), {"points": 5000})
    assert response.status_code == 200
    assert "Points cannot be above 1000." in response.content.decode()
    assert PointRule.objects.get(pk=Reason.ANSWER_UPVOTED).points == 10


# --- Trust levels.


def levels_data(**changes) -> dict[str, str]:
    """The ladder as the page posts it; ``changes`` maps "<level>-<field>" to a value."""
    levels = list(TrustLevel.objects.order_by("level"))
    data = {
        "form-TOTAL_FORMS": str(len(levels)),
        "form-INITIAL_FORMS": str(len(levels)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": str(len(levels)),
    }
    lists = {}
    for index, level in enumerate(levels):
        data[f"form-{index}-level"] = str(level.level)
        data[f"form-{index}-min_reputation"] = str(level.min_reputation)
        data[f"form-{index}-min_accepted_answers"] = str(level.min_accepted_answers)
        data[f"form-{index}-min_days_visited"] = str(level.min_days_visited)
        lists[f"form-{index}-privileges"] = list(level.privileges)
    for key, value in changes.items():
        index, field = key.split("-", 1)
        name = f"form-{index}-{field}"
        if field == "privileges":
            lists[name] = value
        else:
            data[name] = str(value)
    return {**data, **lists}


def test_levels_page_lists_the_five_levels_with_their_privileges(client_for, administrator):
    content = client_for(administrator).get(LEVELS_URL).content.decode()
    for level in Level:
        assert str(level.label) in content
    assert 'value="downvote"' in content


def test_levels_refuse_a_threshold_lower_than_the_level_below(client_for, administrator):
    response = client_for(administrator).post(LEVELS_URL, levels_data(**{"2-min_reputation": 5}))
    content = response.content.decode()
    assert response.status_code == 200
    assert "thresholds cannot go down the ladder" in content
    assert 'name="form-2-min_reputation" value="5"' in content
    assert TrustLevel.objects.get(level=2).min_reputation == 100


def test_levels_refuse_a_privilege_ticked_at_two_levels(client_for, administrator):
    privileges = ["downvote", "retag", "post_links"]
    response = client_for(administrator).post(
        LEVELS_URL, levels_data(**{"2-privileges": privileges})
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "is ticked at several levels (Basic, Member)" in content
    assert TrustLevel.objects.get(level=2).privileges == ["downvote", "retag"]


def test_levels_keep_the_typed_values_after_a_refusal(client_for, administrator):
    data = levels_data(**{"3-min_days_visited": 12, "2-privileges": ["downvote", "post_links"]})
    content = client_for(administrator).post(LEVELS_URL, data).content.decode()
    assert 'name="form-3-min_days_visited" value="12"' in content
    ticked = re.findall(
        r'<input type="checkbox" name="form-2-privileges" value="(\w+)"[^>]* checked', content
    )
    assert ticked == ["post_links", "downvote"]


def test_levels_refuse_thresholds_above_zero_at_the_first_level(client_for, administrator):
    response = client_for(administrator).post(LEVELS_URL, levels_data(**{"0-min_reputation": 1}))
    assert "is where everyone starts: it must be 0" in response.content.decode()
    assert TrustLevel.objects.get(level=0).min_reputation == 0


def test_levels_refuse_a_post_missing_a_level(client_for, administrator):
    data = levels_data()
    data["form-TOTAL_FORMS"] = "4"
    response = client_for(administrator).post(LEVELS_URL, data)
    assert response.status_code == 200
    assert "Send every level of the ladder at once." in response.content.decode()


def test_levels_save_moves_privileges(client_for, administrator):
    data = levels_data(**{"1-privileges": ["post_links", "suggest_edits"]})
    data["form-2-privileges"] = ["downvote", "retag", "skip_premoderation"]
    response = client_for(administrator).post(LEVELS_URL, data)
    assert response.status_code == 302
    assert TrustLevel.objects.get(level=2).privileges == [
        "skip_premoderation",
        "downvote",
        "retag",
    ]
    assert services.privilege_levels()["skip_premoderation"] == 2


def test_levels_edit_moves_members_levels(
    client_for, administrator, customer, django_capture_on_commit_callbacks
):
    services.adjust(customer, points=40, actor=administrator, note="start")
    customer.refresh_from_db()
    assert customer.trust_level == Level.BASIC
    client = client_for(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(LEVELS_URL, levels_data(**{"1-min_reputation": 50}))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.trust_level == Level.NEW


def test_levels_edit_drops_the_cached_ladder(
    client_for, administrator, django_capture_on_commit_callbacks
):
    assert services.trust_levels()[1].min_reputation == 10
    with django_capture_on_commit_callbacks(execute=True):
        client_for(administrator).post(LEVELS_URL, levels_data(**{"1-min_reputation": 20}))
    assert services.trust_levels()[1].min_reputation == 20


# --- The ledger.


def test_ledger_shows_entries_newest_first_with_their_details(
    client_for, administrator, customer, answer
):
    forum_services.cast_vote(answer, voter=customer, value=1)
    vote = LedgerEntry.objects.get(reason=Reason.ANSWER_UPVOTED)
    later = services.adjust(customer, points=7, actor=administrator, note="for the guide")
    content = client_for(administrator).get(LEDGER_URL).content.decode()
    assert content.index(f'id="entry-{later.pk}"') < content.index(f'id="entry-{vote.pk}"')
    assert f"post {answer.pk} in thread {answer.thread_id}" in content
    assert "for the guide" in content


def test_ledger_shows_points_before_the_cap_when_they_differ(
    client_for, administrator, answer, settings
):
    settings.REPUTATION_DAILY_VOTE_CAP = 15
    voters = UserFactory.create_batch(2, role=Role.CUSTOMER)
    for voter in voters:
        forum_services.cast_vote(answer, voter=voter, value=1)
    content = client_for(administrator).get(LEDGER_URL).content.decode()
    assert "+10 before the daily cap" in content
    assert content.count("before the daily cap") == 1


def test_ledger_filters_by_member_and_shows_their_sums(
    client_for, administrator, customer, other_customer
):
    services.adjust(customer, points=12, actor=administrator, note="mine")
    services.adjust(other_customer, points=3, actor=administrator, note="theirs")
    customer.refresh_from_db()
    response = client_for(administrator).get(LEDGER_URL, {"member": customer.username})
    content = response.content.decode()
    assert "mine" in content
    assert "theirs" not in content
    assert response.context["member"] == customer
    assert response.context["ledger_sum"] == customer.reputation == 12
    assert "The stored reputation equals the ledger's sum." in content


def test_ledger_flags_a_stored_score_that_differs_from_the_sum(client_for, administrator, customer):
    services.adjust(customer, points=12, actor=administrator, note="mine")
    type(customer).objects.filter(pk=customer.pk).update(reputation=99)
    content = (
        client_for(administrator).get(LEDGER_URL, {"member": customer.username}).content.decode()
    )
    assert "differs from the ledger" in content


def test_ledger_filters_by_reason_and_date(client_for, administrator, customer):
    old = services.adjust(customer, points=1, actor=administrator, note="old one")
    LedgerEntry.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=10)
    )
    services.adjust(customer, points=2, actor=administrator, note="new one")
    client = client_for(administrator)
    since = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    content = client.get(LEDGER_URL, {"since": since}).content.decode()
    assert "new one" in content
    assert "old one" not in content
    other_reason = client.get(LEDGER_URL, {"reason": Reason.ANSWER_ACCEPTED}).content.decode()
    assert "new one" not in other_reason


def test_ledger_of_an_unknown_member_is_empty(client_for, administrator, entry):
    content = client_for(administrator).get(LEDGER_URL, {"member": "nobody"}).content.decode()
    assert "No member has that username." in content
    assert "welcome gift" not in content


def _ledger_queries(client, params) -> int:
    client.get(LEDGER_URL, params)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LEDGER_URL, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("params", [{}, {"member": "counted"}], ids=["all", "member"])
def test_ledger_page_costs_the_same_queries_at_two_sizes(client_for, administrator, params):
    member = UserFactory(username="counted", role=Role.CUSTOMER)
    actor = UserFactory(role=Role.ADMINISTRATOR)
    client = client_for(administrator)
    services.adjust(member, points=1, actor=actor, note="one")
    small = _ledger_queries(client, params)
    for number in range(30):
        author = UserFactory(role=Role.CUSTOMER)
        entry = services.adjust(author, points=number + 1, actor=actor, note="many")
        services.reverse_entry(entry, actor=actor, note="undo")
        services.adjust(member, points=2, actor=UserFactory(), note="more")
    assert _ledger_queries(client, params) == small


def test_ledger_is_paginated(client_for, administrator, customer):
    for number in range(55):
        services.adjust(customer, points=1, actor=administrator, note=f"n{number}")
    client = client_for(administrator)
    first = client.get(LEDGER_URL)
    second = client.get(LEDGER_URL, {"p": 2})
    assert len(first.context["entries"]) == 50
    assert len(second.context["entries"]) == 5
    assert "Page 2 of 2" in second.content.decode()


# --- Staff actions.


def test_adjust_writes_a_ledger_row_and_keeps_the_score_equal_to_the_sum(
    client_for, administrator, customer
):
    services.adjust(customer, points=5, actor=administrator, note="before")
    response = client_for(administrator).post(
        ADJUST_URL, {"member": customer.username, "points": -3, "note": " cleaned up spam "}
    )
    assert response.status_code == 302
    entry = LedgerEntry.objects.latest("pk")
    assert (entry.member, entry.points, entry.reason, entry.cause, entry.actor, entry.note) == (
        customer,
        -3,
        Reason.STAFF_ADJUSTMENT,
        Cause.STAFF,
        administrator,
        "cleaned up spam",
    )
    customer.refresh_from_db()
    assert customer.reputation == ledger_sum(customer) == 2


def test_adjust_needs_a_note(client_for, administrator, customer):
    response = client_for(administrator).post(
        ADJUST_URL, {"member": customer.username, "points": 10, "note": "  "}
    )
    assert response.status_code == 200
    assert "Write a note saying why" in response.content.decode()
    assert not LedgerEntry.objects.exists()


def test_adjust_refuses_an_unknown_member_and_zero_points(client_for, administrator):
    response = client_for(administrator).post(
        ADJUST_URL, {"member": "nobody", "points": 0, "note": "why"}
    )
    content = response.content.decode()
    assert "No member has the username nobody." in content
    assert "An adjustment of 0 points changes nothing." in content
    assert not LedgerEntry.objects.exists()


def test_adjust_form_is_prefilled_with_the_member(client_for, administrator, customer):
    response = client_for(administrator).get(ADJUST_URL, {"member": customer.username})
    assert f'value="{customer.username}"' in response.content.decode()


def test_reverse_writes_the_opposite_entry_and_keeps_the_sum(
    client_for, administrator, customer, entry
):
    response = client_for(administrator).post(reverse_url(entry), {"note": "given by mistake"})
    assert response.status_code == 302
    reversal = LedgerEntry.objects.get(reverses=entry)
    assert (reversal.points, reversal.cause, reversal.actor, reversal.note) == (
        -30,
        Cause.STAFF,
        administrator,
        "given by mistake",
    )
    customer.refresh_from_db()
    assert customer.reputation == ledger_sum(customer) == 0


def test_reverse_needs_a_note(client_for, administrator, entry):
    response = client_for(administrator).post(reverse_url(entry), {"note": ""})
    assert response.status_code == 200
    assert "Write a note saying why" in response.content.decode()
    assert not LedgerEntry.objects.filter(reverses=entry).exists()


def test_reverse_twice_writes_one_reversal(client_for, administrator, customer, entry):
    client = client_for(administrator)
    client.post(reverse_url(entry), {"note": "first"})
    response = client.post(reverse_url(entry), {"note": "second"}, follow=True)
    assert "already undone" in response.content.decode()
    assert LedgerEntry.objects.filter(reverses=entry).count() == 1
    customer.refresh_from_db()
    assert customer.reputation == ledger_sum(customer) == 0


def test_reverse_page_of_a_reversal_offers_no_form(client_for, administrator, entry):
    reversal = services.reverse_entry(entry, actor=administrator, note="undo")
    content = client_for(administrator).get(reverse_url(reversal)).content.decode()
    assert "is itself a reversal" in content
    assert 'name="note"' not in content


def test_ledger_shows_which_entry_reversed_which(client_for, administrator, entry):
    reversal = services.reverse_entry(entry, actor=administrator, note="undo")
    content = client_for(administrator).get(LEDGER_URL).content.decode()
    assert f'reversed by <a href="#entry-{reversal.pk}">#{reversal.pk}</a>' in content
    assert f'reverses <a href="#entry-{entry.pk}">#{entry.pk}</a>' in content
    assert reverse_url(entry) not in content
