"""Badges: each rule at its threshold, never twice, revoking, staff awarding, the pages."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import PageViewRestriction

from accounts.models import User
from accounts.roles import Role
from core.models import Event
from forum import badges as forum_badges
from forum import services
from forum.models import Post, Visibility
from reputation import badges
from reputation import services as reputation
from reputation.models import BadgeAward
from tests.factories import UserFactory, make_answer, make_category, make_thread

pytestmark = pytest.mark.django_db


def _held(member: User) -> set[tuple[str, str]]:
    return set(
        BadgeAward.objects.filter(member=member, revoked_at__isnull=True).values_list(
            "badge", "scope"
        )
    )


def _codes(member: User) -> set[str]:
    return {code for code, _scope in _held(member)}


def _upvote(answer: Post, count: int) -> list[User]:
    voters = [UserFactory() for _ in range(count)]
    for voter in voters:
        services.cast_vote(answer, voter=voter, value=1)
    return voters


def _accepted_answers(helper: User, count: int, category) -> None:
    asker = UserFactory()
    for number in range(count):
        thread = make_thread(author=asker, category=category, title=f"Heating stays off ({number})")
        answer = make_answer(thread, author=helper)
        services.accept_answer(answer, actor=asker)


# --- Rules, each at its threshold and not below ------------------------------------------


def test_first_question_is_awarded_once_a_question_is_published(customer, category):
    badges.check_member(customer.pk)
    assert "first_question" not in _codes(customer)

    make_thread(author=customer, category=category)
    badges.check_member(customer.pk)

    assert ("first_question", "") in _held(customer)


def test_first_question_is_not_awarded_for_a_question_waiting_for_review(customer, category):
    thread = make_thread(author=customer, category=category)
    Post.objects.filter(thread=thread).update(state=Visibility.PENDING)

    badges.check_member(customer.pk)

    assert "first_question" not in _codes(customer)


def test_first_answer_is_awarded_once_an_answer_is_published(thread, other_customer):
    badges.check_member(other_customer.pk)
    assert "first_answer" not in _codes(other_customer)

    make_answer(thread, author=other_customer)
    badges.check_member(other_customer.pk)

    assert ("first_answer", "") in _held(other_customer)


def test_first_accepted_needs_an_accepted_answer(thread, answer, customer, other_customer):
    badges.check_member(other_customer.pk)
    assert "first_accepted" not in _codes(other_customer)

    services.accept_answer(answer, actor=customer)
    badges.check_member(other_customer.pk)

    assert "first_accepted" in _codes(other_customer)


def test_accepting_ones_own_answer_earns_no_first_accepted(thread, customer):
    own = make_answer(thread, author=customer)
    services.accept_answer(own, actor=customer)

    badges.check_member(customer.pk)

    assert "first_accepted" not in _codes(customer)


def test_ten_accepted_answers_earn_accepted_10_and_nine_do_not(category, other_customer):
    _accepted_answers(other_customer, 9, category)
    badges.check_member(other_customer.pk)
    assert "accepted_10" not in _codes(other_customer)

    _accepted_answers(other_customer, 1, category)
    badges.check_member(other_customer.pk)

    assert "accepted_10" in _codes(other_customer)
    assert "accepted_100" not in _codes(other_customer)


def test_hundred_accepted_answers_earn_accepted_100_and_ninety_nine_do_not(
    category, other_customer
):
    _accepted_answers(other_customer, 99, category)
    badges.check_member(other_customer.pk)
    assert "accepted_100" not in _codes(other_customer)

    _accepted_answers(other_customer, 1, category)
    badges.check_member(other_customer.pk)

    assert "accepted_100" in _codes(other_customer)


def test_great_answer_needs_ten_upvotes_on_one_answer(answer, other_customer):
    _upvote(answer, 9)
    badges.check_member(other_customer.pk)
    assert "great_answer" not in _codes(other_customer)

    _upvote(answer, 1)
    badges.check_member(other_customer.pk)

    assert "great_answer" in _codes(other_customer)


def test_great_answer_counts_only_votes_still_standing(answer, other_customer):
    voters = _upvote(answer, 10)
    services.cast_vote(answer, voter=voters[0], value=0)

    badges.check_member(other_customer.pk)

    assert "great_answer" not in _codes(other_customer)


def test_great_answer_does_not_add_up_votes_on_different_answers(thread, other_customer):
    first = make_answer(thread, author=other_customer)
    second = make_answer(thread, author=other_customer, body="Or update the firmware again.")
    _upvote(first, 5)
    _upvote(second, 5)

    badges.check_member(other_customer.pk)

    assert "great_answer" not in _codes(other_customer)


def test_helpful_in_product_is_held_for_the_product_of_ten_upvotes(category, other_customer):
    asker = UserFactory()
    answers = [
        make_answer(make_thread(author=asker, category=category), author=other_customer)
        for _ in range(2)
    ]
    _upvote(answers[0], 5)
    _upvote(answers[1], 4)
    badges.check_member(other_customer.pk)
    assert "helpful_in_product" not in _codes(other_customer)

    _upvote(answers[1], 1)
    badges.check_member(other_customer.pk)

    assert ("helpful_in_product", str(category.pk)) in _held(other_customer)


def test_helpful_in_product_counts_each_product_on_its_own(category, other_customer):
    other_product = make_category("Aurora Doorbell")
    asker = UserFactory()
    here = make_answer(make_thread(author=asker, category=category), author=other_customer)
    there = make_answer(make_thread(author=asker, category=other_product), author=other_customer)
    _upvote(here, 9)
    _upvote(there, 10)

    badges.check_member(other_customer.pk)

    assert ("helpful_in_product", str(other_product.pk)) in _held(other_customer)
    assert ("helpful_in_product", str(category.pk)) not in _held(other_customer)


def test_verified_solution_is_awarded_when_a_brand_rep_accepts(answer, brand_rep, other_customer):
    services.accept_answer(answer, actor=brand_rep)

    badges.check_member(other_customer.pk)

    assert "verified_solution" in _codes(other_customer)


def test_verified_solution_is_not_awarded_when_the_asker_accepts(answer, customer, other_customer):
    services.accept_answer(answer, actor=customer)

    badges.check_member(other_customer.pk)

    assert "verified_solution" not in _codes(other_customer)


def test_verified_solution_taken_back_is_not_awarded(answer, thread, brand_rep, other_customer):
    services.accept_answer(answer, actor=brand_rep)
    services.unaccept_answer(thread, actor=brand_rep)

    badges.check_member(other_customer.pk)

    assert "verified_solution" not in _codes(other_customer)


def _visit_days(member: User, days: int, start=datetime.date(2025, 3, 1)) -> None:
    for offset in range(days):
        reputation.record_visit(member, today=start + datetime.timedelta(days=offset))


def test_a_seven_day_streak_earns_streak_7_and_six_days_do_not(customer):
    _visit_days(customer, 6)
    badges.check_member(customer.pk)
    assert "streak_7" not in _codes(customer)

    _visit_days(customer, 1, start=datetime.date(2025, 3, 7))
    badges.check_member(customer.pk)

    assert "streak_7" in _codes(customer)
    assert "streak_30" not in _codes(customer)


def test_a_thirty_day_streak_earns_streak_30_and_twenty_nine_do_not(customer):
    _visit_days(customer, 29)
    badges.check_member(customer.pk)
    assert "streak_30" not in _codes(customer)

    _visit_days(customer, 1, start=datetime.date(2025, 3, 30))
    badges.check_member(customer.pk)

    assert "streak_30" in _codes(customer)


def test_seven_days_with_a_gap_earn_no_streak(customer):
    _visit_days(customer, 3)
    _visit_days(customer, 4, start=datetime.date(2025, 3, 10))

    badges.check_member(customer.pk)

    assert "streak_7" not in _codes(customer)


def test_community_hero_is_awarded_by_no_rule(answer, brand_rep, other_customer):
    services.accept_answer(answer, actor=brand_rep)
    _upvote(answer, 10)
    User.objects.filter(pk=other_customer.pk).update(visit_streak=40)

    badges.check_member(other_customer.pk)

    assert "community_hero" not in _codes(other_customer)
    with pytest.raises(ValueError, match="only by staff"):
        badges.register_rule("community_hero", lambda member: {""})


def test_the_catalogue_names_every_badge_the_brief_asks_for():
    assert set(badges.CATALOGUE) >= {
        "first_question",
        "first_answer",
        "first_accepted",
        "accepted_10",
        "accepted_100",
        "great_answer",
        "helpful_in_product",
        "verified_solution",
        "streak_7",
        "streak_30",
        "community_hero",
    }
    assert {badge.tier for badge in badges.CATALOGUE.values()} == {"bronze", "silver", "gold"}
    assert badges.CATALOGUE["helpful_in_product"].per_product


# --- After the cause commits, through the outbox -------------------------------------------


def test_a_vote_leads_to_the_badge_after_it_commits(
    answer, other_customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _upvote(answer, 10)

    assert "great_answer" in _codes(other_customer)


def test_answering_leads_to_first_answer_after_it_commits(
    thread, other_customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_answer(thread, author=other_customer)

    assert "first_answer" in _codes(other_customer)


def test_each_new_award_announces_itself(thread, other_customer):
    make_answer(thread, author=other_customer)

    (award,) = badges.check_member(other_customer.pk)

    event = Event.objects.get(name="reputation.badge_awarded")
    assert event.payload == {
        "member_id": other_customer.pk,
        "badge": "first_answer",
        "scope": "",
        "award_id": award.pk,
        "actor_id": None,
    }


# --- Never twice --------------------------------------------------------------------------


def test_checking_twice_awards_once(thread, customer):
    first = badges.check_member(customer.pk)
    second = badges.check_member(customer.pk)

    assert [award.badge for award in first] == ["first_question"]
    assert second == []
    assert BadgeAward.objects.filter(member=customer).count() == 1
    assert Event.objects.filter(name="reputation.badge_awarded").count() == 1


def test_a_revoked_badge_does_not_come_back(thread, customer, administrator):
    (award,) = badges.check_member(customer.pk)
    badges.revoke_badge(award, actor=administrator, reason="Asked on behalf of a spammer.")

    assert badges.check_member(customer.pk) == []

    award.refresh_from_db()
    assert award.is_revoked
    assert BadgeAward.objects.filter(member=customer).count() == 1


# --- Staff awarding and revoking ----------------------------------------------------------


def test_staff_award_records_who_and_why(customer, administrator):
    award = badges.award_badge(
        customer, "community_hero", actor=administrator, reason="Ran the meetup."
    )

    assert award.awarded_by == administrator
    assert award.reason == "Ran the meetup."
    assert ("community_hero", "") in _held(customer)
    event = Event.objects.get(name="reputation.badge_awarded")
    assert event.payload["actor_id"] == administrator.pk


def test_brand_representatives_may_award_badges(customer, brand_rep):
    assert badges.award_badge(customer, "community_hero", actor=brand_rep, reason="Helped a lot.")


def test_staff_award_of_a_held_badge_changes_nothing(customer, administrator):
    badges.award_badge(customer, "community_hero", actor=administrator, reason="First time.")

    again = badges.award_badge(customer, "community_hero", actor=administrator, reason="Twice?")

    assert again is None
    assert BadgeAward.objects.get(member=customer).reason == "First time."


def test_awarding_a_revoked_badge_again_restores_it_with_the_new_reason(customer, administrator):
    award = badges.award_badge(customer, "community_hero", actor=administrator, reason="One.")
    badges.revoke_badge(award, actor=administrator, reason="Too early.")

    again = badges.award_badge(customer, "community_hero", actor=administrator, reason="Now.")

    assert again.pk == award.pk
    assert not again.is_revoked
    assert again.reason == "Now."
    assert again.revoke_reason == ""


def test_revoking_records_who_and_why_and_announces_it(customer, administrator):
    award = badges.award_badge(customer, "community_hero", actor=administrator, reason="One.")

    assert badges.revoke_badge(award, actor=administrator, reason="Mistaken identity.")
    assert not badges.revoke_badge(award, actor=administrator, reason="Again.")

    award.refresh_from_db()
    assert award.revoked_by == administrator
    assert award.revoke_reason == "Mistaken identity."
    assert Event.objects.filter(name="reputation.badge_revoked").count() == 1


def test_a_per_product_badge_needs_a_product_and_a_once_badge_takes_none(
    customer, administrator, category
):
    with pytest.raises(ValueError, match="per product"):
        badges.award_badge(customer, "helpful_in_product", actor=administrator, reason="x")
    with pytest.raises(ValueError, match="held once"):
        badges.award_badge(
            customer, "community_hero", scope=str(category.pk), actor=administrator, reason="x"
        )


def test_staff_award_and_revoke_need_a_reason(customer, administrator):
    with pytest.raises(ValueError, match="reason"):
        badges.award_badge(customer, "community_hero", actor=administrator, reason="  ")
    award = badges.award_badge(customer, "community_hero", actor=administrator, reason="Yes.")
    with pytest.raises(ValueError, match="reason"):
        badges.revoke_badge(award, actor=administrator, reason="")


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.SUPPORT_AGENT])
def test_members_without_the_permission_may_not_award_or_revoke(role, customer, administrator):
    someone = UserFactory(role=role)
    with pytest.raises(PermissionDenied):
        badges.award_badge(customer, "community_hero", actor=someone, reason="Me.")
    award = badges.award_badge(customer, "community_hero", actor=administrator, reason="Yes.")
    with pytest.raises(PermissionDenied):
        badges.revoke_badge(award, actor=someone, reason="No.")
    award.refresh_from_db()
    assert not award.is_revoked


# --- The admin ----------------------------------------------------------------------------


def test_the_admin_lists_awards_filtered_by_badge_and_member(client_for, administrator):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    badges.award_badge(alice, "community_hero", actor=administrator, reason="Meetup host.")
    badges.award_badge(bob, "streak_7", actor=administrator, reason="Back-filled streak.")

    client = client_for(administrator)
    by_badge = client.get(reverse("reputation_badges"), {"badge": "community_hero"})
    by_member = client.get(reverse("reputation_badges"), {"member": "bob"})

    assert by_badge.status_code == 200
    assert "Meetup host." in by_badge.content.decode()
    assert "Back-filled streak." not in by_badge.content.decode()
    assert "Back-filled streak." in by_member.content.decode()
    assert "Meetup host." not in by_member.content.decode()


def test_staff_award_a_badge_through_the_admin(client_for, administrator, category):
    member = UserFactory(username="carol")

    response = client_for(administrator).post(
        reverse("reputation_badges_award"),
        {
            "username": "carol",
            "badge": "helpful_in_product",
            "product": str(category.pk),
            "reason": "Answered the thermostat threads for months.",
        },
    )

    assert response.status_code == 302
    award = BadgeAward.objects.get(member=member)
    assert (award.badge, award.scope) == ("helpful_in_product", str(category.pk))
    assert award.awarded_by == administrator
    assert award.reason == "Answered the thermostat threads for months."


def test_the_admin_award_form_refuses_an_unknown_member(client_for, administrator):
    response = client_for(administrator).post(
        reverse("reputation_badges_award"),
        {"username": "nobody-here", "badge": "community_hero", "reason": "Why not."},
    )

    assert response.status_code == 200
    assert "No member has this username." in response.content.decode()
    assert not BadgeAward.objects.exists()


def test_staff_revoke_a_badge_through_the_admin(client_for, administrator, customer):
    award = badges.award_badge(customer, "community_hero", actor=administrator, reason="Yes.")

    response = client_for(administrator).post(
        reverse("reputation_badges_revoke", args=[award.pk]), {"reason": "Sock puppet."}
    )

    assert response.status_code == 302
    award.refresh_from_db()
    assert award.is_revoked
    assert award.revoke_reason == "Sock puppet."
    assert award.revoked_by == administrator


def test_the_admin_refuses_to_revoke_without_a_reason(client_for, administrator, customer):
    award = badges.award_badge(customer, "community_hero", actor=administrator, reason="Yes.")

    response = client_for(administrator).post(
        reverse("reputation_badges_revoke", args=[award.pk]), {"reason": ""}
    )

    assert response.status_code == 200
    award.refresh_from_db()
    assert not award.is_revoked


def test_customers_may_not_see_award_or_revoke_in_the_admin(client_for, customer, administrator):
    award = badges.award_badge(customer, "community_hero", actor=administrator, reason="Yes.")
    client = client_for(customer)

    assert client.get(reverse("reputation_badges")).status_code in (302, 403)
    assert client.get(reverse("reputation_badges_award")).status_code in (302, 403)
    awarded = client.post(
        reverse("reputation_badges_award"),
        {"username": customer.username, "badge": "streak_30", "reason": "Me."},
    )
    revoked = client.post(reverse("reputation_badges_revoke", args=[award.pk]), {"reason": "Mine."})

    assert awarded.status_code in (302, 403)
    assert revoked.status_code in (302, 403)
    assert _codes(customer) == {"community_hero"}


def test_admin_views_refuse_staff_in_the_admin_without_the_permission(
    client_for, administrator, customer
):
    from django.contrib.auth.models import Permission

    award = badges.award_badge(customer, "community_hero", actor=administrator, reason="Yes.")
    # In the admin (Wagtail access) but without the badge permissions.
    editor = UserFactory(role=Role.SUPPORT_AGENT)
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client = client_for(editor)

    # Wagtail answers a refusal in its admin with a redirect to the dashboard.
    assert client.get("/admin/").status_code == 200
    assert client.get(reverse("reputation_badges")).status_code in (302, 403)
    assert client.get(reverse("reputation_badges_award")).status_code in (302, 403)
    response = client.post(
        reverse("reputation_badges_revoke", args=[award.pk]), {"reason": "Mine."}
    )
    assert response.status_code in (302, 403)
    assert response.get("Location", "") != reverse("reputation_badges")
    award.refresh_from_db()
    assert not award.is_revoked


# --- Reading: held() and the profile's view of it -----------------------------------------


def test_held_lists_the_badges_held_now_newest_first(customer, administrator):
    first = badges.award_badge(customer, "streak_7", actor=administrator, reason="One.")
    badges.award_badge(customer, "community_hero", actor=administrator, reason="Two.")
    badges.revoke_badge(first, actor=administrator, reason="No.")
    badges.award_badge(customer, "streak_30", actor=administrator, reason="Three.")

    held = badges.held(customer.pk)

    assert [badge.code for badge in held] == ["streak_30", "community_hero"]
    assert held[1].name == "Community hero"
    assert held[1].tier == "gold"
    assert held[1].scope == ""


def test_held_for_viewer_names_the_product_and_hides_products_the_viewer_cannot_see(
    customer, administrator, category
):
    private = make_category("Aurora Doorbell")
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    for product in (category, private):
        badges.award_badge(
            customer,
            "helpful_in_product",
            scope=str(product.pk),
            actor=administrator,
            reason="Helpful.",
        )
    from django.contrib.auth.models import AnonymousUser

    seen_by_visitor = forum_badges.held_for_viewer(AnonymousUser(), customer.pk)
    seen_by_member = forum_badges.held_for_viewer(customer, customer.pk)

    assert [badge.name for badge in seen_by_visitor] == ["Helpful in Nimbus Thermostat"]
    assert {badge.name for badge in seen_by_member} == {
        "Helpful in Nimbus Thermostat",
        "Helpful in Aurora Doorbell",
    }


# --- The public pages ---------------------------------------------------------------------


def test_the_catalogue_lists_every_badge_with_its_holders(client, customer, administrator):
    badges.award_badge(customer, "community_hero", actor=administrator, reason="Yes.")

    response = client.get(reverse("forum:badges"))

    html = response.content.decode()
    assert response.status_code == 200
    for badge in badges.CATALOGUE.values():
        assert str(badge.name) in html
    assert "Held by 1 member" in html


def test_a_badge_page_lists_its_holders_newest_first(client, administrator):
    older, newer = UserFactory(display_name="Older Holder"), UserFactory(display_name="Newer One")
    badges.award_badge(older, "community_hero", actor=administrator, reason="Yes.")
    badges.award_badge(newer, "community_hero", actor=administrator, reason="Yes.")

    html = client.get(reverse("forum:badge", args=["community_hero"])).content.decode()

    assert html.index("Newer One") < html.index("Older Holder")


def test_a_revoked_award_is_not_listed(client, customer, administrator):
    customer.display_name = "Revoked Person"
    customer.save(update_fields=["display_name"])
    award = badges.award_badge(customer, "community_hero", actor=administrator, reason="Yes.")
    badges.revoke_badge(award, actor=administrator, reason="No.")

    html = client.get(reverse("forum:badge", args=["community_hero"])).content.decode()

    assert "Revoked Person" not in html


def test_an_unknown_badge_is_not_found(client):
    assert client.get(reverse("forum:badge", args=["no_such_badge"])).status_code == 404


def test_a_per_product_award_is_left_out_for_viewers_who_cannot_see_the_product(
    client, client_for, customer, administrator
):
    private = make_category("Aurora Doorbell")
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    badges.award_badge(
        customer, "helpful_in_product", scope=str(private.pk), actor=administrator, reason="Yes."
    )
    url = reverse("forum:badge", args=["helpful_in_product"])

    visitor_page = client.get(url).content.decode()
    visitor_catalogue = client.get(reverse("forum:badges")).content.decode()
    member_page = client_for(UserFactory()).get(url).content.decode()

    assert "Aurora Doorbell" not in visitor_page
    assert customer.public_name not in visitor_page
    assert "Held by 1 member" not in visitor_catalogue
    assert "Aurora Doorbell" in member_page
    assert customer.public_name in member_page


def test_a_per_product_badge_page_filters_by_a_product_the_viewer_sees(
    client, administrator, category
):
    other = make_category("Aurora Doorbell")
    here, there = UserFactory(display_name="Thermo Helper"), UserFactory(display_name="Bell Helper")
    for member, product in ((here, category), (there, other)):
        badges.award_badge(
            member, "helpful_in_product", scope=str(product.pk), actor=administrator, reason="Y"
        )

    url = reverse("forum:badge", args=["helpful_in_product"])
    html = client.get(url, {"product": str(other.pk)}).content.decode()

    assert "Bell Helper" in html
    assert "Thermo Helper" not in html


def _awards(count: int, code: str, scope_for=lambda number: "") -> None:
    members = [UserFactory() for _ in range(count)]
    BadgeAward.objects.bulk_create(
        BadgeAward(member=member, badge=code, scope=scope_for(number))
        for number, member in enumerate(members)
    )


def _query_count(client, url: str) -> int:
    client.get(url)  # warm the caches that fill on first use
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


@pytest.mark.parametrize("viewer", ["anonymous", "customer"])
@pytest.mark.parametrize("code", ["community_hero", "helpful_in_product"])
def test_a_badge_page_costs_the_same_queries_for_few_and_many_holders(
    client, viewer, code, category
):
    products = [category, make_category("Aurora Doorbell"), make_category("Lumen Bulb")]
    per_product = badges.CATALOGUE[code].per_product

    def scope(number: int) -> str:
        return str(products[number % len(products)].pk) if per_product else ""

    if viewer == "customer":
        client.force_login(UserFactory(role=Role.CUSTOMER))
    url = reverse("forum:badge", args=[code])
    _awards(2, code, scope)
    few = _query_count(client, url)
    _awards(40, code, scope)  # more than a page
    many = _query_count(client, url)

    assert few == many


def test_the_catalogue_costs_the_same_queries_for_few_and_many_holders(client, category):
    url = reverse("forum:badges")
    _awards(1, "community_hero")
    few = _query_count(client, url)
    _awards(20, "streak_7")
    _awards(10, "helpful_in_product", lambda number: str(category.pk))
    many = _query_count(client, url)

    assert few == many


# --- Two checks at once, on PostgreSQL ----------------------------------------------------


@pytest.fixture
def race_category(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("two writers at once: run on PostgreSQL (make test-postgres, CI)")
    return make_category()


@pytest.mark.flushes_db
@pytest.mark.django_db(transaction=True)
def test_checks_racing_for_one_member_award_each_badge_once(race_category):
    member = UserFactory()
    thread = make_thread(author=member, category=race_category)
    make_answer(thread, author=member)
    # The asking and answering already ran the check after commit: start from none.
    BadgeAward.objects.all().delete()
    Event.objects.filter(name="reputation.badge_awarded").delete()

    workers_count = 6
    start = threading.Barrier(workers_count)
    results: list[object] = []

    def check() -> None:
        try:
            start.wait(10)
            results.append(badges.check_member(member.pk))
        except Exception as exc:  # the test looks at what each got
            results.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=check) for _ in range(workers_count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)

    assert not any(isinstance(result, Exception) for result in results), results
    assert sorted(award.badge for result in results for award in result) == [
        "first_answer",
        "first_question",
    ]
    assert sorted(BadgeAward.objects.values_list("badge", flat=True)) == [
        "first_answer",
        "first_question",
    ]
    assert Event.objects.filter(name="reputation.badge_awarded").count() == 2


@pytest.mark.flushes_db
@pytest.mark.django_db(transaction=True)
def test_a_check_waiting_on_an_uncommitted_award_does_not_award_it_again(race_category):
    member = UserFactory()
    make_thread(author=member, category=race_category)
    BadgeAward.objects.all().delete()
    first_created, release = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                results["first"] = badges.check_member(member.pk)
                first_created.set()
                release.wait(30)
        finally:
            first_created.set()
            connections.close_all()

    def second() -> None:
        try:
            first_created.wait(30)
            # Reads no award (the first is not committed), tries to make it and waits on
            # the unique index until the first commits; then the constraint refuses it.
            results["second"] = badges.check_member(member.pk)
        except Exception as exc:  # the test looks at what it got
            results["second"] = exc
        finally:
            connections.close_all()

    workers = [threading.Thread(target=first), threading.Thread(target=second)]
    for worker in workers:
        worker.start()
    first_created.wait(30)
    _wait_for_a_lock_wait()
    release.set()
    for worker in workers:
        worker.join(30)

    assert [award.badge for award in results["first"]] == ["first_question"]
    assert results["second"] == []
    assert BadgeAward.objects.filter(member=member).count() == 1


def _wait_for_a_lock_wait(seconds: float = 10) -> None:
    import time

    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the second check never waited for the first one's award")
