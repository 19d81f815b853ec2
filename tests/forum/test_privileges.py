"""Privileges from trust levels, and what the forum does with them.

Every privilege switches on exactly at its level's thresholds and off again below them;
staff hold them all; a refusal names the level and what is still missing. The forum asks
``has_privilege`` for downvotes, links and images, editing others' posts and retagging
(suggested edits: tests/forum/test_suggested_edits.py).
"""

import re
import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.roles import Role
from forum import permissions, rendering, services
from forum.models import Comment, Post, PostRevision, Thread, Visibility, Vote
from moderation import services as moderation_services
from reputation import services as reputation
from reputation.models import Level, Privilege, TrustLevel
from tests.factories import UserFactory, give_privilege, give_trust, make_answer, make_thread

pytestmark = pytest.mark.django_db

LINK_BODY = "The fix is described on https://support.example.com/e42 for every model."
IMAGE_BODY = "Here is a photo of the display: ![display](https://img.example.com/e42.png)"
PLAIN_BODY = "Hold the reset button for ten seconds, then pair it again with the app."


def _rung(privilege: Privilege) -> TrustLevel:
    level = reputation.privilege_levels()[privilege]
    return next(rung for rung in reputation.trust_levels() if rung.level == level)


def _adjust(member, points: int) -> None:
    admin = UserFactory(role=Role.ADMINISTRATOR)
    reputation.adjust(member, points=points, actor=admin, note="tests: threshold")
    member.refresh_from_db()


def _html(response) -> str:
    return response.content.decode()


# --- Every privilege at its thresholds ----------------------------------------------------


@pytest.mark.parametrize("privilege", list(Privilege), ids=str)
def test_every_privilege_is_unlocked_at_some_level(privilege):
    assert privilege in reputation.privilege_levels()


@pytest.mark.parametrize("privilege", list(Privilege), ids=str)
def test_privilege_switches_on_exactly_at_its_reputation_threshold(privilege):
    rung = _rung(privilege)
    member = give_trust(UserFactory(), rung.level)
    assert member.reputation == rung.min_reputation
    assert reputation.has_privilege(member, privilege)
    assert reputation.privilege_refusal(member, privilege) is None

    _adjust(member, -1)

    assert not reputation.has_privilege(member, privilege)

    _adjust(member, 1)

    assert reputation.has_privilege(member, privilege)


@pytest.mark.parametrize("privilege", list(Privilege), ids=str)
def test_refusal_below_the_threshold_names_the_level_and_the_reputation_missing(privilege):
    rung = _rung(privilege)
    member = give_trust(UserFactory(), rung.level)
    _adjust(member, -1)

    refusal = reputation.privilege_refusal(member, privilege)

    assert str(Privilege(privilege).label) in refusal
    assert str(rung.get_level_display()) in refusal
    need = rung.min_reputation
    assert f"1 more reputation (you have {need - 1} of {need})" in refusal


@pytest.mark.parametrize(
    "privilege",
    [p for p in Privilege if p not in ("post_links", "skip_premoderation", "suggest_edits")],
    ids=str,
)
def test_refusal_of_a_new_member_names_everything_missing(privilege):
    rung = _rung(privilege)
    member = UserFactory()

    refusal = reputation.privilege_refusal(member, privilege)

    assert f"{rung.min_reputation} more reputation (you have 0 of {rung.min_reputation})" in (
        refusal
    )
    if rung.min_accepted_answers:
        assert f"{rung.min_accepted_answers} more accepted answers" in refusal
    if rung.min_days_visited:
        assert f"{rung.min_days_visited} more days of visits" in refusal


@pytest.mark.parametrize("privilege", list(Privilege), ids=str)
def test_privilege_switches_off_one_day_of_visits_short(privilege):
    rung = _rung(privilege)
    if not rung.min_days_visited:
        pytest.skip("this privilege's level asks no days of visits")
    member = give_trust(UserFactory(), rung.level)
    type(member).objects.filter(pk=member.pk).update(days_visited=rung.min_days_visited - 1)
    reputation.refresh_trust_levels([member.pk])
    member.refresh_from_db()

    assert not reputation.has_privilege(member, privilege)
    assert "1 more day of visits" in reputation.privilege_refusal(member, privilege)


@pytest.mark.parametrize("privilege", list(Privilege), ids=str)
def test_privilege_switches_off_one_accepted_answer_short(privilege):
    rung = _rung(privilege)
    if not rung.min_accepted_answers:
        pytest.skip("this privilege's level asks no accepted answers")
    member = give_trust(UserFactory(), rung.level)
    (entry,) = list(
        reputation.standing().filter(member=member, reason="answer.accepted").order_by("pk")[:1]
    )
    # Unaccepting takes back the answer's points too: give them back, so only the count falls.
    reputation.answer_unaccepted(post_id=entry.post_id, actor_id=None)
    _adjust(member, entry.points)
    assert member.reputation >= rung.min_reputation

    assert not reputation.has_privilege(member, privilege)
    assert "1 more accepted answer" in reputation.privilege_refusal(member, privilege)


@pytest.mark.parametrize("privilege", list(Privilege), ids=str)
@pytest.mark.parametrize(
    "role", [Role.BRAND_REPRESENTATIVE, Role.SUPPORT_AGENT, Role.ADMINISTRATOR]
)
def test_staff_hold_every_privilege_at_the_first_level(privilege, role):
    staff = UserFactory(role=role)
    assert staff.trust_level == Level.NEW

    assert reputation.has_privilege(staff, privilege)
    assert reputation.privilege_refusal(staff, privilege) is None


@pytest.mark.parametrize("privilege", list(Privilege), ids=str)
def test_visitors_and_inactive_members_hold_no_privilege(privilege):
    inactive = give_trust(UserFactory(is_active=False), Level.LEADER)

    assert not reputation.has_privilege(AnonymousUser(), privilege)
    assert not reputation.has_privilege(inactive, privilege)


def test_the_forum_asks_the_same_question_as_reputation(customer):
    for privilege in Privilege:
        assert permissions.has_privilege(customer, privilege) == reputation.has_privilege(
            customer, privilege
        )
    give_trust(customer, Level.LEADER)
    assert all(permissions.has_privilege(customer, privilege) for privilege in Privilege)


# --- Downvote ------------------------------------------------------------------------------


def test_voting_down_is_refused_without_the_privilege_and_says_what_is_missing(answer, customer):
    with pytest.raises(PermissionDenied, match=r"To vote answers down you need.*Member"):
        services.cast_vote(answer, voter=customer, value=Vote.DOWN)

    assert not Vote.objects.filter(post=answer).exists()
    answer.refresh_from_db()
    assert answer.score == 0


def test_voting_down_works_with_the_privilege(answer, customer):
    give_privilege(customer, Privilege.DOWNVOTE)

    assert services.cast_vote(answer, voter=customer, value=Vote.DOWN) == -1


def test_voting_up_needs_no_privilege(answer, customer):
    assert services.cast_vote(answer, voter=customer, value=Vote.UP) == 1


def test_taking_back_a_down_vote_is_allowed_after_losing_the_privilege(answer, customer):
    give_privilege(customer, Privilege.DOWNVOTE)
    services.cast_vote(answer, voter=customer, value=Vote.DOWN)
    _adjust(customer, -50)
    assert not reputation.has_privilege(customer, Privilege.DOWNVOTE)

    assert services.cast_vote(answer, voter=customer, value=0) == 0

    assert not Vote.objects.filter(post=answer).exists()


def test_turning_a_down_vote_up_is_allowed_without_the_privilege(answer, customer):
    give_privilege(customer, Privilege.DOWNVOTE)
    services.cast_vote(answer, voter=customer, value=Vote.DOWN)
    _adjust(customer, -50)

    assert services.cast_vote(answer, voter=customer, value=Vote.UP) == 1


def test_vote_down_view_is_refused_with_the_reason(client_for, answer, customer):
    response = client_for(customer).post(
        reverse("forum:vote", kwargs={"post_id": answer.pk}), {"value": "down"}
    )

    assert response.status_code == 403
    assert "To vote answers down you need" in _html(response)
    assert not Vote.objects.exists()


def test_vote_down_via_htmx_is_refused_with_the_reason_fragment(client_for, answer, customer):
    response = client_for(customer).post(
        reverse("forum:vote", kwargs={"post_id": answer.pk}),
        {"value": "down"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 403
    assert "To vote answers down you need" in _html(response)


def _down_button(page: str, answer: Post) -> str:
    widget = re.search(rf'<div class="vote" id="vote-{answer.pk}">.*?</div>', page, re.S)
    return re.search(r"<button[^>]*>▼</button>", widget.group()).group()


def test_thread_page_shows_a_disabled_down_button_that_says_why(client_for, answer, customer):
    page = _html(client_for(customer).get(answer.thread.get_absolute_url()))

    button = _down_button(page, answer)
    assert "disabled" in button
    assert 'aria-describedby="downvote-why"' in button
    # The reason is on the page once, whatever the number of answers.
    assert page.count('id="downvote-why"') == 1
    reason = re.search(r'id="downvote-why">([^<]*)<', page).group(1)
    assert "To vote answers down you need to reach the Member trust level" in reason


def test_thread_page_shows_a_working_down_button_with_the_privilege(client_for, answer, customer):
    give_privilege(customer, Privilege.DOWNVOTE)

    page = _html(client_for(customer).get(answer.thread.get_absolute_url()))

    button = _down_button(page, answer)
    assert "disabled" not in button
    assert 'value="down"' in button


def test_a_down_vote_without_the_privilege_can_still_be_taken_back_on_the_page(
    client_for, answer, customer
):
    give_privilege(customer, Privilege.DOWNVOTE)
    services.cast_vote(answer, voter=customer, value=Vote.DOWN)
    _adjust(customer, -50)

    page = _html(client_for(customer).get(answer.thread.get_absolute_url()))

    button = _down_button(page, answer)
    assert "disabled" not in button
    assert 'value="clear"' in button


# --- Links and images ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Plain words only, nothing to follow.", False),
        ("See https://support.example.com/e42", True),
        ("See www.example.com for details", True),
        ("[the manual](/t/1/manual/)", True),
        ("![photo](https://img.example.com/e42.png)", True),
        ("![photo](/media/e42.png)", True),
        ("`<a href='https://example.com'>`", False),
    ],
)
def test_has_links_finds_whatever_renders_as_a_link_or_image(text, expected):
    assert rendering.has_links(rendering.render_post(text)) is expected


# Links from a member without the privilege hold a new post for review (nothing typed is
# refused or lost); a moderator's approval publishes it (tests/moderation).
@pytest.mark.parametrize("body", [LINK_BODY, IMAGE_BODY])
def test_asking_with_a_link_without_the_privilege_waits_for_review(customer, category, body):
    thread = make_thread(author=customer, category=category, body=body)

    thread.refresh_from_db()
    assert thread.state == Visibility.PENDING
    assert thread.posts.get().state == Visibility.PENDING
    assert not permissions.visible_threads(AnonymousUser(), Thread.objects.all()).exists()


def test_asking_with_a_link_works_with_the_privilege(customer, category):
    give_privilege(customer, Privilege.POST_LINKS)

    thread = make_thread(author=customer, category=category, body=LINK_BODY)

    assert "https://support.example.com/e42" in thread.posts.get().body_html


def test_answering_with_a_link_without_the_privilege_waits_for_review(thread, other_customer):
    answer = make_answer(thread, author=other_customer, body=LINK_BODY)

    thread.refresh_from_db()
    assert answer.state == Visibility.PENDING
    assert thread.answer_count == 0


def test_commenting_with_a_link_without_the_privilege_waits_for_review(question, other_customer):
    comment = services.post_comment(question, author=other_customer, body="See www.example.com now")

    question.refresh_from_db()
    assert comment.state == Visibility.PENDING
    assert question.comment_count == 0


def test_editing_in_a_link_is_refused_without_the_privilege(answer, other_customer):
    with pytest.raises(PermissionDenied, match="post links and images"):
        services.edit_post(answer, editor=other_customer, body=LINK_BODY)

    answer.refresh_from_db()
    assert answer.edit_count == 0


def test_editing_around_a_link_already_there_is_allowed(answer, other_customer, brand_rep):
    services.edit_post(answer, editor=brand_rep, body=LINK_BODY)

    services.edit_post(answer, editor=other_customer, body=LINK_BODY + " Fixed a typo.")

    answer.refresh_from_db()
    assert answer.body_markdown.endswith("Fixed a typo.")


def test_ask_page_says_a_question_with_a_link_waits_for_review(client_for, customer, category):
    client = client_for(customer)
    data = {
        "category": str(category.pk),
        "title": "Heating stays on after schedule ends",
        "body": LINK_BODY,
        "tags": "heating",
        "submission_key": str(uuid.uuid4()),
    }

    response = client.post(reverse("forum:ask"), data, follow=True)

    page = _html(response)
    assert "waiting for review" in page
    assert "support.example.com/e42" in page  # the author sees their own question
    assert Thread.objects.get().state == Visibility.PENDING


def test_answer_form_says_an_answer_with_a_link_waits_for_review(
    client_for, thread, other_customer
):
    client = client_for(other_customer)
    data = {"body": LINK_BODY, "submission_key": str(uuid.uuid4())}

    response = client.post(reverse("forum:answer", kwargs={"pk": thread.pk}), data, follow=True)

    page = _html(response)
    assert "waiting for review" in page
    assert "support.example.com/e42" in page
    assert Post.objects.answers().get().state == Visibility.PENDING


def test_comment_form_says_a_comment_with_a_link_waits_for_review(
    client_for, question, other_customer
):
    client = client_for(other_customer)
    url = reverse("forum:comment", kwargs={"post_id": question.pk})

    response = client.post(url, {"body": "See www.example.com now"}, follow=True)

    page = _html(response)
    assert "waiting for review" in page
    assert Comment.objects.get().state == Visibility.PENDING


def test_edit_page_keeps_the_text_and_says_why_a_link_is_refused(
    client_for, answer, other_customer
):
    client = client_for(other_customer)
    url = reverse("forum:edit_post", kwargs={"post_id": answer.pk})

    response = client.post(url, {"body": LINK_BODY}, follow=True)

    page = _html(response)
    assert "To post links and images you need" in page
    assert "support.example.com/e42" in page
    answer.refresh_from_db()
    assert answer.edit_count == 0


def test_preview_still_renders_links_for_members_without_the_privilege(client_for, customer):
    response = client_for(customer).post(reverse("forum:preview"), {"body": LINK_BODY})

    assert response.status_code == 200
    assert 'href="https://support.example.com/e42"' in _html(response)


# --- Editing other members' posts -------------------------------------------------------------


def test_member_without_the_privilege_cannot_edit_others_posts(answer, customer):
    with pytest.raises(PermissionDenied, match=r"To edit other members' posts you need.*Regular"):
        services.edit_post(answer, editor=customer, body=PLAIN_BODY)


def test_member_with_edit_others_edits_title_body_and_tags(thread, question, other_customer):
    give_privilege(other_customer, Privilege.EDIT_OTHERS)

    services.edit_post(
        question,
        editor=other_customer,
        title="Thermostat shows E42 after the 2.1 update",
        body="Since firmware 2.1 the display shows E42 every night at 2 am.",
        tags=["e42", "firmware"],
    )

    thread.refresh_from_db()
    assert thread.title == "Thermostat shows E42 after the 2.1 update"
    assert sorted(thread.tags.values_list("name", flat=True)) == ["e42", "firmware"]
    assert PostRevision.objects.get(post=question).editor == other_customer


def test_member_with_edit_others_cannot_edit_in_a_locked_thread(
    thread, answer, customer, brand_rep
):
    give_privilege(customer, Privilege.EDIT_OTHERS)
    moderation_services.lock_thread(thread, moderator=brand_rep)

    with pytest.raises(PermissionDenied, match="locked"):
        services.edit_post(answer, editor=customer, body=PLAIN_BODY)
    services.edit_post(answer, editor=brand_rep, body=PLAIN_BODY)  # moderators still can


def test_support_agents_edit_others_posts_as_staff(answer, support_agent):
    services.edit_post(answer, editor=support_agent, body=PLAIN_BODY)

    answer.refresh_from_db()
    assert answer.body_markdown == PLAIN_BODY


def test_edit_link_shows_for_members_with_the_privilege(client_for, answer, customer):
    give_privilege(customer, Privilege.EDIT_OTHERS)
    edit_url = reverse("forum:edit_post", kwargs={"post_id": answer.pk})

    page = _html(client_for(customer).get(answer.thread.get_absolute_url()))

    assert f'<a href="{edit_url}">Edit</a>' in page


# --- Retag only ----------------------------------------------------------------------------


@pytest.fixture
def retagger(other_customer):
    give_privilege(other_customer, Privilege.RETAG)
    assert not reputation.has_privilege(other_customer, Privilege.EDIT_OTHERS)
    return other_customer


def test_retagger_changes_the_tags_of_someone_elses_question(thread, question, retagger):
    services.edit_post(question, editor=retagger, tags=["e42", "night"])

    thread.refresh_from_db()
    assert sorted(thread.tags.values_list("name", flat=True)) == ["e42", "night"]


@pytest.mark.parametrize(
    "change",
    [
        {"title": "A different title for this question"},
        {"body": "A different description of the problem, entirely."},
    ],
)
def test_retagger_cannot_change_title_or_text(thread, question, retagger, change):
    with pytest.raises(PermissionDenied, match="only the tags of this question"):
        services.edit_post(question, editor=retagger, tags=["e42"], **change)

    thread.refresh_from_db()
    assert not thread.tags.exists()
    assert question.revisions.count() == 0


def test_retagger_cannot_edit_an_answer(answer, retagger, customer):
    other_answer = make_answer(answer.thread, author=customer, body=PLAIN_BODY)

    with pytest.raises(PermissionDenied, match="edit other members' posts"):
        services.edit_post(
            other_answer, editor=retagger, body="Something else to say here, really."
        )


def test_edit_page_shows_only_the_tags_field_to_a_retagger(client_for, question, retagger):
    url = reverse("forum:edit_post", kwargs={"post_id": question.pk})

    page = _html(client_for(retagger).get(url))

    assert 'name="tags"' in page
    assert 'name="title"' not in page
    assert 'name="body"' not in page


def test_edit_page_saves_a_retaggers_tags(client_for, thread, question, retagger):
    url = reverse("forum:edit_post", kwargs={"post_id": question.pk})

    response = client_for(retagger).post(url, {"tags": "e42 night", "title": "Sneaky new title"})

    assert response.status_code == 302
    thread.refresh_from_db()
    assert sorted(thread.tags.values_list("name", flat=True)) == ["e42", "night"]
    assert thread.title != "Sneaky new title"


def test_edit_tags_link_shows_for_a_retagger(client_for, question, retagger):
    page = _html(client_for(retagger).get(question.thread.get_absolute_url()))

    edit_url = reverse("forum:edit_post", kwargs={"post_id": question.pk})
    assert f'<a href="{edit_url}">Edit tags</a>' in page


def test_new_member_sees_no_edit_link_on_others_posts(client_for, answer, customer):
    page = _html(client_for(customer).get(answer.thread.get_absolute_url()))

    assert reverse("forum:edit_post", kwargs={"post_id": answer.pk}) not in page


def test_new_member_is_refused_the_edit_page_with_what_is_missing(client_for, answer, customer):
    url = reverse("forum:edit_post", kwargs={"post_id": answer.pk})

    response = client_for(customer).get(url)

    assert response.status_code == 403
    assert "To suggest edits to other members" in _html(response)


def test_edit_others_does_not_reach_the_staffs_official_answers(
    thread, customer, brand_rep, client_for
):
    official = make_answer(thread, author=brand_rep, body="Official: update to firmware 2.2.")
    give_privilege(customer, Privilege.EDIT_OTHERS)

    with pytest.raises(PermissionDenied, match="staff can be changed only by their author"):
        services.edit_post(official, editor=customer, body="Official: just buy a new one.")
    assert permissions.edit_mode(customer, official) == "suggest"
    page = client_for(customer).get(thread.get_absolute_url()).content.decode()
    assert f'href="{reverse("forum:edit_post", args=[official.pk])}">Suggest an edit' in page
    official.refresh_from_db()
    assert official.body_markdown == "Official: update to firmware 2.2."
