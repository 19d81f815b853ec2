"""Anti-gaming: serial voting, voting rings and shared sign-up addresses found in the
ledger, and staff reversing or dismissing them (in the services and the Wagtail admin)."""

import datetime
import threading

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, connections
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from core.models import Event
from forum import services
from forum.models import Post
from reputation import gaming
from reputation import services as reputation
from reputation.models import Cause, GamingCase, LedgerEntry
from tests.factories import UserFactory, make_answer, make_category, make_thread

pytestmark = pytest.mark.django_db

LIST_URL = reverse("reputation_gaming_cases")


@pytest.fixture(autouse=True)
def _thresholds(settings):
    settings.REPUTATION_SERIAL_VOTES = 3
    settings.REPUTATION_SERIAL_WINDOW_HOURS = 24
    settings.REPUTATION_RING_VOTES = 2
    settings.REPUTATION_RING_WINDOW_DAYS = 30


def answers_by(member: User, count: int) -> list:
    """*count* answers by *member*, each in its own thread."""
    return [make_answer(make_thread(), author=member) for _ in range(count)]


def upvote_all(voter: User, posts) -> None:
    for post in posts:
        services.cast_vote(post, voter=voter, value=1)


def upvote(voter: User, member: User, count: int) -> None:
    upvote_all(voter, answers_by(member, count))


def ledger_sum(user: User) -> int:
    return LedgerEntry.objects.filter(member=user).aggregate(total=Sum("points"))["total"] or 0


def assert_consistent(*users: User) -> None:
    for user in users:
        user.refresh_from_db(fields=["reputation"])
        assert user.reputation == ledger_sum(user), user.username
    assert reputation.rebuild_scores(fix=False) == []


def members_of(case: GamingCase) -> set[int]:
    return set(case.members.values_list("pk", flat=True))


@pytest.fixture
def voter(db):
    return UserFactory()


@pytest.fixture
def author(db):
    return UserFactory()


@pytest.fixture
def serial_case(voter, author):
    upvote(voter, author, 3)
    (case,) = gaming.detect_serial_voting()
    return case


# --- Serial voting.


def test_serial_voting_is_detected_at_the_threshold(voter, author):
    posts = answers_by(author, 3)
    upvote_all(voter, posts)

    (case,) = gaming.detect_serial_voting()

    assert case.kind == GamingCase.Kind.SERIAL_VOTING
    assert case.status == GamingCase.Status.OPEN
    assert members_of(case) == {voter.pk, author.pk}
    votes = case.evidence["votes"]
    assert sorted(vote["post"] for vote in votes) == sorted(post.pk for post in posts)
    assert sorted(vote["thread"] for vote in votes) == sorted(post.thread_id for post in posts)
    entries = LedgerEntry.objects.filter(actor=voter, member=author)
    assert sorted(vote["entry"] for vote in votes) == sorted(entries.values_list("pk", flat=True))
    assert all(vote["points"] == 10 and vote["at"] for vote in votes)
    assert case.points_involved == 30
    assert voter.username in case.summary
    assert author.username in case.summary


def test_serial_voting_below_the_threshold_opens_no_case(voter, author):
    upvote(voter, author, 2)

    assert gaming.detect_serial_voting() == []
    assert not GamingCase.objects.exists()


def test_votes_spread_wider_than_the_window_are_not_serial_voting(voter, author):
    upvote(voter, author, 3)
    first = LedgerEntry.objects.filter(actor=voter).order_by("pk").first()
    LedgerEntry.objects.filter(pk=first.pk).update(
        created_at=first.created_at - datetime.timedelta(hours=25)
    )

    assert gaming.detect_serial_voting() == []


def test_votes_on_several_members_are_not_serial_voting(voter):
    for _ in range(3):
        upvote(voter, UserFactory(), 1)

    assert gaming.detect_serial_voting() == []


def test_reversing_serial_voting_takes_back_its_points_with_ledger_entries(
    serial_case, voter, author, brand_rep
):
    assert User.objects.get(pk=author.pk).reputation == 30

    assert gaming.reverse_case(serial_case, actor=brand_rep, note="Same person, two accounts.")

    reversals = LedgerEntry.objects.filter(cause=Cause.GAMING_REVERSED)
    assert reversals.count() == 3
    assert set(reversals.values_list("case_id", flat=True)) == {serial_case.pk}
    assert set(reversals.values_list("actor_id", flat=True)) == {brand_rep.pk}
    assert set(reversals.values_list("reverses_id", flat=True)) == set(
        gaming.case_entry_ids(serial_case)
    )
    author.refresh_from_db()
    assert author.reputation == 0
    assert_consistent(voter, author, brand_rep)


def test_a_reversed_case_records_who_when_and_why(serial_case, brand_rep):
    gaming.reverse_case(serial_case, actor=brand_rep, note="Same person, two accounts.")

    serial_case.refresh_from_db()
    assert serial_case.status == GamingCase.Status.REVERSED
    assert serial_case.decided_by == brand_rep
    assert serial_case.decided_at is not None
    assert serial_case.decision_note == "Same person, two accounts."
    event = Event.objects.get(name="reputation.case_decided")
    assert event.payload == {
        "case_id": serial_case.pk,
        "status": "reversed",
        "actor_id": brand_rep.pk,
    }


def test_reversed_votes_open_no_new_case(serial_case, brand_rep):
    gaming.reverse_case(serial_case, actor=brand_rep, note="")

    assert gaming.detect() == []
    assert GamingCase.objects.count() == 1


def test_dismissing_a_case_leaves_its_points_alone(serial_case, voter, author, brand_rep):
    assert gaming.dismiss_case(serial_case, actor=brand_rep, note="They work together.")

    author.refresh_from_db()
    assert author.reputation == 30
    assert not LedgerEntry.objects.filter(cause=Cause.GAMING_REVERSED).exists()
    serial_case.refresh_from_db()
    assert serial_case.status == GamingCase.Status.DISMISSED
    assert serial_case.decided_by == brand_rep
    assert serial_case.decision_note == "They work together."
    assert_consistent(voter, author)


def test_dismissed_votes_open_no_new_case(serial_case, brand_rep):
    gaming.dismiss_case(serial_case, actor=brand_rep, note="")

    assert gaming.detect_serial_voting() == []
    assert GamingCase.objects.count() == 1


def test_votes_of_a_case_dismissed_long_after_it_was_opened_open_no_new_case(
    serial_case, brand_rep
):
    # Opened three days ago and kept open (taking in new votes) until now.
    GamingCase.objects.filter(pk=serial_case.pk).update(
        detected_at=serial_case.detected_at - datetime.timedelta(days=3)
    )
    gaming.dismiss_case(serial_case, actor=brand_rep, note="")

    assert gaming.detect_serial_voting() == []


def test_detection_run_twice_opens_no_second_case(voter, author):
    upvote(voter, author, 3)

    first = gaming.detect()
    second = gaming.detect()

    assert len(first) == 1
    assert second == []
    assert GamingCase.objects.count() == 1


def test_new_votes_of_the_same_run_join_the_open_case(serial_case, voter, author):
    upvote(voter, author, 1)

    assert gaming.detect_serial_voting() == []

    serial_case.refresh_from_db()
    assert len(serial_case.evidence["votes"]) == 4
    assert serial_case.points_involved == 40


def test_reversing_is_idempotent(serial_case, voter, author, brand_rep, administrator):
    assert gaming.reverse_case(serial_case, actor=brand_rep, note="first")

    assert not gaming.reverse_case(serial_case, actor=administrator, note="second")
    assert not gaming.dismiss_case(serial_case, actor=administrator, note="third")

    serial_case.refresh_from_db()
    assert serial_case.status == GamingCase.Status.REVERSED
    assert serial_case.decided_by == brand_rep
    assert serial_case.decision_note == "first"
    assert LedgerEntry.objects.filter(cause=Cause.GAMING_REVERSED).count() == 3
    assert Event.objects.filter(name="reputation.case_decided").count() == 1
    assert_consistent(voter, author)


def test_dismissing_is_idempotent(serial_case, brand_rep, administrator):
    assert gaming.dismiss_case(serial_case, actor=brand_rep, note="first")

    assert not gaming.dismiss_case(serial_case, actor=administrator, note="second")
    assert not gaming.reverse_case(serial_case, actor=administrator, note="third")

    serial_case.refresh_from_db()
    assert serial_case.status == GamingCase.Status.DISMISSED
    assert serial_case.decision_note == "first"
    assert not LedgerEntry.objects.filter(cause=Cause.GAMING_REVERSED).exists()


def test_reversing_leaves_votes_already_taken_back_alone(serial_case, voter, author, brand_rep):
    first_post = serial_case.evidence["votes"][0]["post"]
    services.cast_vote(Post.objects.get(pk=first_post), voter=voter, value=0)

    gaming.reverse_case(serial_case, actor=brand_rep, note="")

    assert LedgerEntry.objects.filter(cause=Cause.GAMING_REVERSED).count() == 2
    author.refresh_from_db()
    assert author.reputation == 0
    assert_consistent(voter, author)


# --- Voting rings.


def test_a_ring_of_two_accounts_is_detected():
    first, second = UserFactory(), UserFactory()
    upvote(first, second, 2)
    upvote(second, first, 2)

    (case,) = gaming.detect_voting_rings()

    assert case.kind == GamingCase.Kind.VOTING_RING
    assert members_of(case) == {first.pk, second.pk}
    assert len(case.evidence["votes"]) == 4
    assert case.points_involved == 40


def test_a_ring_of_three_accounts_is_detected():
    first, second, third = UserFactory(), UserFactory(), UserFactory()
    upvote(first, second, 2)
    upvote(second, third, 2)
    upvote(third, first, 2)

    (case,) = gaming.detect_voting_rings()

    assert members_of(case) == {first.pk, second.pk, third.pk}
    assert {(vote["voter"], vote["member"]) for vote in case.evidence["votes"]} == {
        (first.pk, second.pk),
        (second.pk, third.pk),
        (third.pk, first.pk),
    }


def test_one_way_votes_are_not_a_ring():
    first, second, third = UserFactory(), UserFactory(), UserFactory()
    upvote(first, second, 2)
    upvote(second, third, 2)
    upvote(first, third, 2)

    assert gaming.detect_voting_rings() == []


def test_a_return_vote_below_the_threshold_is_not_a_ring():
    first, second = UserFactory(), UserFactory()
    upvote(first, second, 2)
    upvote(second, first, 1)

    assert gaming.detect_voting_rings() == []


def test_a_reversed_ring_takes_back_every_upvote_in_it(brand_rep):
    first, second = UserFactory(), UserFactory()
    upvote(first, second, 2)
    upvote(second, first, 2)
    (case,) = gaming.detect_voting_rings()

    gaming.reverse_case(case, actor=brand_rep, note="")

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.reputation, second.reputation) == (0, 0)
    assert gaming.detect_voting_rings() == []
    assert_consistent(first, second)


# --- Accounts sharing a sign-up address.


def test_accounts_sharing_a_signup_ip_that_voted_for_each_other_are_flagged():
    main = UserFactory(signup_ip="203.0.113.5")
    sock = UserFactory(signup_ip="203.0.113.5")
    bystander = UserFactory(signup_ip="203.0.113.5")
    upvote(sock, main, 1)

    (case,) = gaming.detect_shared_signup_ips()

    assert case.kind == GamingCase.Kind.SHARED_SIGNUP_IP
    assert members_of(case) == {main.pk, sock.pk}
    assert case.evidence["ip"] == "203.0.113.5"
    assert case.evidence["accounts_sharing"] == 3
    assert case.evidence["other_accounts"] == [bystander.pk]
    assert [(vote["voter"], vote["member"]) for vote in case.evidence["votes"]] == [
        (sock.pk, main.pk)
    ]
    assert case.evidence["signed_up"] == {
        str(user.pk): user.date_joined.isoformat() for user in (main, sock, bystander)
    }


def test_a_shared_signup_ip_alone_is_not_flagged():
    colleague = UserFactory(signup_ip="203.0.113.5")
    UserFactory(signup_ip="203.0.113.5")
    upvote(colleague, UserFactory(signup_ip="198.51.100.9"), 1)

    assert gaming.detect_shared_signup_ips() == []


def test_reversing_a_shared_ip_case_whose_votes_were_taken_back_records_the_decision(
    brand_rep,
):
    main = UserFactory(signup_ip="203.0.113.5")
    sock = UserFactory(signup_ip="203.0.113.5")
    (answer,) = answers_by(main, 1)
    services.cast_vote(answer, voter=sock, value=1)
    (case,) = gaming.detect_shared_signup_ips()
    services.cast_vote(answer, voter=sock, value=0)

    assert gaming.reverse_case(case, actor=brand_rep, note="Second account.")

    case.refresh_from_db()
    assert case.status == GamingCase.Status.REVERSED
    assert case.decision_note == "Second account."
    assert not LedgerEntry.objects.filter(cause=Cause.GAMING_REVERSED).exists()
    assert_consistent(main, sock)


# --- The periodic job.


def test_the_periodic_job_runs_detection(voter, author):
    from core import periodic

    upvote(voter, author, 3)

    outcomes = periodic.run_due_jobs(only=["reputation.detect_gaming"])

    assert outcomes == {"reputation.detect_gaming": True}
    assert GamingCase.objects.filter(kind=GamingCase.Kind.SERIAL_VOTING).count() == 1
    assert periodic.JOBS["reputation.detect_gaming"].every == datetime.timedelta(minutes=15)


# --- The Wagtail admin pages.


def in_admin(user: User) -> User:
    """*user* with Wagtail admin access (the roles' migrations do not grant it to brand
    representatives or support agents yet), so the tests reach this module's own checks."""
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    return User.objects.get(pk=user.pk)


@pytest.fixture
def rep(brand_rep):
    return in_admin(brand_rep)


@pytest.fixture
def agent(support_agent):
    return in_admin(support_agent)


def case_url(case: GamingCase) -> str:
    return reverse("reputation_gaming_case", args=[case.pk])


def decide_url(case: GamingCase) -> str:
    return reverse("reputation_gaming_case_decide", args=[case.pk])


def test_the_admin_pages_refuse_a_customer(client_for, customer, serial_case):
    client = client_for(customer)

    assert client.get(LIST_URL).status_code in (302, 403)
    assert client.get(case_url(serial_case)).status_code in (302, 403)
    response = client.post(decide_url(serial_case), {"decision": "reverse", "note": ""})

    assert response.status_code in (302, 403)
    serial_case.refresh_from_db()
    assert serial_case.status == GamingCase.Status.OPEN


def test_the_admin_pages_refuse_staff_without_the_permission(client_for, agent, serial_case):
    client = client_for(agent)
    home = reverse("wagtailadmin_home")

    # Wagtail answers a refusal inside its admin with a redirect to the dashboard.
    assert client.get(home).status_code == 200
    assert client.get(LIST_URL)["Location"] == home
    assert client.get(case_url(serial_case))["Location"] == home
    response = client.post(decide_url(serial_case), {"decision": "dismiss", "note": ""})

    assert response["Location"] == home
    serial_case.refresh_from_db()
    assert serial_case.status == GamingCase.Status.OPEN


def test_a_brand_rep_sees_the_open_cases_first(client_for, rep, serial_case):
    older_open = GamingCase.objects.create(
        kind=GamingCase.Kind.VOTING_RING, key="ring:older", summary="An older open ring."
    )
    GamingCase.objects.filter(pk=older_open.pk).update(
        detected_at=serial_case.detected_at - datetime.timedelta(days=2)
    )
    decided = GamingCase.objects.create(
        kind=GamingCase.Kind.VOTING_RING, key="ring:decided", summary="A newer dismissed ring."
    )
    gaming.dismiss_case(decided, actor=rep, note="")

    html = client_for(rep).get(LIST_URL).content.decode()

    positions = [
        html.index(serial_case.summary),
        html.index("An older open ring."),
        html.index("A newer dismissed ring."),
    ]
    assert positions == sorted(positions)


def test_the_case_list_filters_by_kind_and_status(client_for, rep, serial_case):
    GamingCase.objects.create(
        kind=GamingCase.Kind.VOTING_RING, key="ring:other", summary="A ring of two."
    )
    client = client_for(rep)

    by_kind = client.get(LIST_URL, {"kind": "voting_ring"}).content.decode()
    by_status = client.get(LIST_URL, {"status": "dismissed"}).content.decode()

    assert "A ring of two." in by_kind
    assert serial_case.summary not in by_kind
    assert "A ring of two." not in by_status
    assert serial_case.summary not in by_status


def test_a_brand_rep_sees_a_case_with_its_evidence(client_for, rep, voter, author):
    voter.signup_ip = "203.0.113.77"
    voter.save(update_fields=["signup_ip"])
    upvote(voter, author, 3)
    (case,) = gaming.detect_serial_voting()

    response = client_for(rep).get(case_url(case))

    assert response.status_code == 200
    html = response.content.decode()
    assert voter.get_absolute_url() in html
    assert author.get_absolute_url() in html
    assert "203.0.113.77" in html
    for vote in case.evidence["votes"]:
        assert f"#post-{vote['post']}" in html
        assert f"#{vote['entry']}" in html
    assert 'value="reverse"' in html
    assert 'value="dismiss"' in html


def test_a_brand_rep_reverses_a_case_with_a_note(client_for, rep, serial_case, author):
    response = client_for(rep).post(
        decide_url(serial_case), {"decision": "reverse", "note": "Sock puppet."}
    )

    assert response.status_code == 302
    serial_case.refresh_from_db()
    assert serial_case.status == GamingCase.Status.REVERSED
    assert serial_case.decided_by == rep
    assert serial_case.decision_note == "Sock puppet."
    author.refresh_from_db()
    assert author.reputation == 0


def test_a_brand_rep_dismisses_a_case(client_for, rep, serial_case, author):
    client_for(rep).post(decide_url(serial_case), {"decision": "dismiss", "note": "Fine."})

    serial_case.refresh_from_db()
    assert serial_case.status == GamingCase.Status.DISMISSED
    author.refresh_from_db()
    assert author.reputation == 30


def test_a_decided_case_shows_no_decision_buttons(client_for, rep, serial_case):
    gaming.dismiss_case(serial_case, actor=rep, note="They are colleagues.")

    html = client_for(rep).get(case_url(serial_case)).content.decode()

    assert 'value="reverse"' not in html
    assert "They are colleagues." in html


def test_the_menu_shows_gaming_cases_only_to_those_who_may_decide(client_for, rep, agent):
    assert LIST_URL in client_for(rep).get("/admin/").content.decode()
    assert LIST_URL not in client_for(agent).get("/admin/").content.decode()


def _open_cases(count: int, voter_pool: list[User]) -> None:
    first = GamingCase.objects.count()
    for number in range(first, first + count):
        case = GamingCase.objects.create(
            kind=GamingCase.Kind.VOTING_RING, key=f"ring:test-{number}", summary=f"Ring {number}"
        )
        case.members.add(*voter_pool)


def test_the_case_list_costs_the_same_queries_for_few_and_many_cases(
    client_for, rep, django_assert_num_queries
):
    pool = [UserFactory(), UserFactory()]
    client = client_for(rep)
    _open_cases(2, pool)
    client.get(LIST_URL)

    with CaptureQueriesContext(connection) as few:
        client.get(LIST_URL)
    _open_cases(20, [*pool, UserFactory()])
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(LIST_URL)
    assert response.content.decode().count("Ring ") >= 22


def test_a_case_page_costs_the_same_queries_for_few_and_many_votes(
    client_for, rep, django_assert_num_queries
):
    client = client_for(rep)
    small_voter, small_author = UserFactory(), UserFactory()
    upvote(small_voter, small_author, 3)
    big_voter, big_author = UserFactory(), UserFactory()
    upvote(big_voter, big_author, 12)
    small, big = sorted(gaming.detect_serial_voting(), key=lambda case: case.points_involved)
    client.get(case_url(small))

    with CaptureQueriesContext(connection) as few:
        client.get(case_url(small))
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(case_url(big))
    assert response.content.decode().count("#post-") == 12


# --- Two staff deciding one case at once (PostgreSQL, real row locks).


@pytest.fixture
def flushed_category(reputation_defaults):
    return make_category()


@pytest.mark.flushes_db
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second", ["reverse", "dismiss"])
def test_two_staff_deciding_one_case_at_once_decide_it_once(flushed_category, second):
    if connection.vendor != "postgresql":
        pytest.skip("two writers at once: run on PostgreSQL (make test-postgres, CI)")
    voter, author = UserFactory(), UserFactory()
    upvote(voter, author, 3)
    (case,) = gaming.detect_serial_voting()
    staff = [UserFactory(), UserFactory()]
    decisions = [
        lambda: gaming.reverse_case(GamingCase.objects.get(pk=case.pk), actor=staff[0], note="a"),
        lambda: getattr(gaming, f"{second}_case")(
            GamingCase.objects.get(pk=case.pk), actor=staff[1], note="b"
        ),
    ]
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def run(decision) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes.append(decision())
        except BaseException as exc:
            outcomes.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(decision,)) for decision in decisions]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)

    assert sorted(outcomes, key=repr) == [False, True]
    case.refresh_from_db()
    reversals = LedgerEntry.objects.filter(cause=Cause.GAMING_REVERSED).count()
    assert reversals == (3 if case.status == GamingCase.Status.REVERSED else 0)
    assert Event.objects.filter(name="reputation.case_decided").count() == 1
    assert_consistent(voter, author)
