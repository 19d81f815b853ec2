"""Suggested edits: members below the edit privilege propose, the author or a moderator
reviews; approving applies the edit (the suggester in the history, with the approver) and
credits the suggester's points; rejecting keeps the post as it is."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from core.models import Event
from forum import services
from forum.models import PostRevision, SuggestedEdit
from reputation import services as reputation
from reputation.models import Privilege
from tests.factories import UserFactory, give_privilege, make_answer

pytestmark = pytest.mark.django_db

NEW_BODY = "Hold the reset button for twenty seconds, then pair it again in the app."


@pytest.fixture
def suggester(db):
    member = give_privilege(UserFactory(), Privilege.SUGGEST_EDITS)
    assert not reputation.has_privilege(member, Privilege.EDIT_OTHERS)
    return member


@pytest.fixture
def suggestion(answer, suggester):
    return services.suggest_edit(answer, author=suggester, body=NEW_BODY)


def _html(response) -> str:
    return response.content.decode()


# --- Suggesting ----------------------------------------------------------------------------


def test_suggesting_keeps_the_post_as_it_is_until_reviewed(answer, suggester):
    old_body = answer.body_markdown

    suggestion = services.suggest_edit(answer, author=suggester, body=NEW_BODY)

    answer.refresh_from_db()
    assert answer.body_markdown == old_body
    assert suggestion.status == SuggestedEdit.Status.PENDING
    assert suggestion.base_version == answer.version
    assert Event.objects.filter(name="forum.suggested_edit_created").exists()


def test_suggesting_a_question_keeps_title_and_tags(thread, question, suggester):
    suggestion = services.suggest_edit(
        question,
        author=suggester,
        body=question.body_markdown,
        title="Thermostat shows E42 every night",
        tags=["E42", "night"],
    )

    assert suggestion.title == "Thermostat shows E42 every night"
    assert suggestion.tags == ["e42", "night"]


def test_suggesting_is_refused_without_the_privilege_with_what_is_missing(answer, customer):
    with pytest.raises(PermissionDenied, match=r"To suggest edits to other members.*Basic"):
        services.suggest_edit(answer, author=customer, body=NEW_BODY)

    assert not SuggestedEdit.objects.exists()


def test_suggesting_an_edit_of_ones_own_post_is_refused(answer, other_customer):
    give_privilege(other_customer, Privilege.SUGGEST_EDITS)

    with pytest.raises(PermissionDenied, match="your own post"):
        services.suggest_edit(answer, author=other_customer, body=NEW_BODY)


def test_suggesting_nothing_new_is_refused(answer, suggester):
    with pytest.raises(PermissionDenied, match="changes nothing"):
        services.suggest_edit(answer, author=suggester, body=answer.body_markdown)


def test_a_member_has_one_suggestion_waiting_per_post(answer, suggester, suggestion):
    with pytest.raises(PermissionDenied, match="already have a suggested edit"):
        services.suggest_edit(answer, author=suggester, body=NEW_BODY + " Really.")

    assert SuggestedEdit.objects.count() == 1


def test_the_database_keeps_one_pending_suggestion_per_member_per_post(suggestion):
    with pytest.raises(IntegrityError), transaction.atomic():
        SuggestedEdit.objects.create(
            post=suggestion.post,
            author=suggestion.author,
            body_markdown="Another one",
            base_version=1,
        )


def test_a_new_suggestion_may_follow_a_reviewed_one(answer, suggester, suggestion, other_customer):
    services.reject_suggested_edit(suggestion, reviewer=other_customer)

    services.suggest_edit(answer, author=suggester, body=NEW_BODY + " Really.")

    assert SuggestedEdit.objects.filter(status=SuggestedEdit.Status.PENDING).count() == 1


def test_suggesting_a_link_needs_the_links_privilege(answer, suggester, settings):
    from reputation.models import TrustLevel

    # Move the links privilege a level up, so this suggester lacks it.
    for rung in TrustLevel.objects.all():
        rung.privileges = [p for p in rung.privileges if p != "post_links"]
        if rung.level == 4:
            rung.privileges.append("post_links")
        rung.save()
    reputation.forget_trust_levels()

    with pytest.raises(PermissionDenied, match="post links and images"):
        services.suggest_edit(answer, author=suggester, body=NEW_BODY + " See www.example.com")


def test_edit_page_sends_a_suggestion(client_for, answer, suggester):
    url = reverse("forum:edit_post", kwargs={"post_id": answer.pk})
    client = client_for(suggester)
    assert "Suggest an edit" in _html(client.get(url))

    response = client.post(url, {"body": NEW_BODY})

    assert response.status_code == 302
    assert SuggestedEdit.objects.get().body_markdown == NEW_BODY
    answer.refresh_from_db()
    assert answer.body_markdown != NEW_BODY


# --- Approving ------------------------------------------------------------------------------


def test_approving_applies_the_edit_and_credits_the_suggester(
    answer, suggester, suggestion, other_customer
):
    before = suggester.reputation

    services.approve_suggested_edit(suggestion, reviewer=other_customer)

    answer.refresh_from_db()
    suggester.refresh_from_db()
    suggestion.refresh_from_db()
    assert answer.body_markdown == NEW_BODY
    assert suggestion.status == SuggestedEdit.Status.APPROVED
    assert suggestion.reviewer == other_customer
    assert suggester.reputation == before + reputation.rule_points()["edit.approved"]
    entry = reputation.standing().get(member=suggester, reason="edit.approved")
    assert entry.post_id == answer.pk
    assert entry.actor_id == other_customer.pk


def test_approving_records_the_suggester_and_the_approver_in_the_history(
    answer, suggester, suggestion, other_customer
):
    services.approve_suggested_edit(suggestion, reviewer=other_customer)

    revision = PostRevision.objects.get(post=answer)
    assert revision.editor == suggester
    assert revision.approved_by == other_customer
    suggestion.refresh_from_db()
    assert suggestion.revision == revision
    assert Event.objects.filter(name="forum.suggested_edit_approved").exists()


def test_the_history_page_names_who_approved_a_suggested_edit(
    client, answer, suggester, suggestion, other_customer
):
    services.approve_suggested_edit(suggestion, reviewer=other_customer)

    client.force_login(other_customer)
    page = client.get(reverse("forum:post_history", args=[answer.pk])).content.decode()
    assert "suggested edit approved by" in page
    assert page.count(other_customer.public_name) >= 1
    assert suggester.public_name in page


def test_approving_a_question_applies_title_and_tags(thread, question, suggester, customer):
    suggestion = services.suggest_edit(
        question,
        author=suggester,
        body=question.body_markdown,
        title="Thermostat shows E42 every night",
        tags=["e42"],
    )

    services.approve_suggested_edit(suggestion, reviewer=customer)

    thread.refresh_from_db()
    assert thread.title == "Thermostat shows E42 every night"
    assert list(thread.tags.values_list("name", flat=True)) == ["e42"]


def test_moderators_approve_suggestions_too(answer, suggestion, brand_rep):
    services.approve_suggested_edit(suggestion, reviewer=brand_rep)

    answer.refresh_from_db()
    assert answer.body_markdown == NEW_BODY


def test_other_members_cannot_review(suggestion, customer):
    give_privilege(customer, Privilege.EDIT_OTHERS)  # even one who may edit it themselves

    with pytest.raises(PermissionDenied, match="author and the moderators"):
        services.approve_suggested_edit(suggestion, reviewer=customer)
    with pytest.raises(PermissionDenied, match="author and the moderators"):
        services.reject_suggested_edit(suggestion, reviewer=customer)

    suggestion.refresh_from_db()
    assert suggestion.is_pending


def test_a_suggestion_is_reviewed_once(suggestion, other_customer, brand_rep):
    services.approve_suggested_edit(suggestion, reviewer=other_customer)

    with pytest.raises(PermissionDenied, match="already been reviewed"):
        services.reject_suggested_edit(suggestion, reviewer=brand_rep)


def test_approving_is_refused_as_out_of_date_when_the_post_changed_since(
    answer, suggestion, other_customer
):
    services.edit_post(answer, editor=other_customer, body="Unplug it for a minute instead.")

    with pytest.raises(services.SuggestionOutOfDate):
        services.approve_suggested_edit(suggestion, reviewer=other_customer)

    answer.refresh_from_db()
    assert answer.body_markdown == "Unplug it for a minute instead."
    suggestion.refresh_from_db()
    assert suggestion.is_pending


def test_approving_an_out_of_date_suggestion_works_when_confirmed(
    answer, suggestion, other_customer
):
    services.edit_post(answer, editor=other_customer, body="Unplug it for a minute instead.")

    services.approve_suggested_edit(suggestion, reviewer=other_customer, confirm_out_of_date=True)

    answer.refresh_from_db()
    assert answer.body_markdown == NEW_BODY


def test_a_comment_does_not_make_a_suggestion_out_of_date(answer, suggestion, other_customer):
    services.post_comment(answer, author=other_customer, body="Thanks for looking at this.")

    services.approve_suggested_edit(suggestion, reviewer=other_customer)

    answer.refresh_from_db()
    assert answer.body_markdown == NEW_BODY


# --- Rejecting ------------------------------------------------------------------------------


def test_rejecting_keeps_the_post_and_the_note(answer, suggester, suggestion, other_customer):
    old_body = answer.body_markdown
    before = suggester.reputation

    services.reject_suggested_edit(suggestion, reviewer=other_customer, note="Ten is right.")

    answer.refresh_from_db()
    suggester.refresh_from_db()
    suggestion.refresh_from_db()
    assert answer.body_markdown == old_body
    assert suggestion.status == SuggestedEdit.Status.REJECTED
    assert suggestion.review_note == "Ten is right."
    assert suggestion.reviewed_at is not None
    assert suggester.reputation == before
    assert Event.objects.filter(name="forum.suggested_edit_rejected").exists()


# --- Deleted and hidden posts ---------------------------------------------------------------


def test_suggestions_of_a_hidden_post_cannot_be_approved(answer, suggestion, brand_rep):
    services.hide_post(answer, moderator=brand_rep)

    with pytest.raises(PermissionDenied, match="not published"):
        services.approve_suggested_edit(suggestion, reviewer=brand_rep)


def test_suggestions_of_a_deleted_post_cannot_be_approved(answer, suggestion, other_customer):
    services.delete_post(answer, actor=other_customer)

    with pytest.raises(PermissionDenied, match="deleted"):
        services.approve_suggested_edit(suggestion, reviewer=other_customer)


def test_moderators_see_a_hidden_posts_suggestions_as_not_open(
    client_for, answer, suggestion, brand_rep
):
    services.hide_post(answer, moderator=brand_rep)
    client = client_for(brand_rep)

    listing = _html(client.get(reverse("forum:suggested_edits", kwargs={"post_id": answer.pk})))
    review = _html(client.get(reverse("forum:suggested_edit", args=[suggestion.pk])))

    assert "not open to review" in listing
    assert "Approve" not in review
    assert "suggested edit waiting" not in _html(client.get(answer.thread.get_absolute_url()))


def test_the_author_no_longer_finds_a_deleted_posts_suggestions(
    client_for, answer, suggestion, other_customer
):
    services.delete_post(answer, actor=other_customer)

    response = client_for(other_customer).get(reverse("forum:suggested_edit", args=[suggestion.pk]))

    assert response.status_code == 404


# --- Pages ----------------------------------------------------------------------------------


def test_thread_page_shows_waiting_suggestions_to_the_author_and_moderators(
    client, client_for, answer, suggestion, other_customer, brand_rep, customer
):
    url = answer.thread.get_absolute_url()
    waiting = "1 suggested edit waiting"

    assert waiting in _html(client_for(other_customer).get(url))
    assert waiting in _html(client_for(brand_rep).get(url))
    assert waiting not in _html(client_for(customer).get(url))
    assert waiting not in _html(client_for(suggestion.author).get(url))
    client.logout()
    assert waiting not in _html(client.get(url))


def test_thread_page_costs_the_author_as_many_queries_with_many_suggestions_as_with_one(
    client_for, thread, answer, other_customer, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(other_customer)
    url = thread.get_absolute_url()
    services.suggest_edit(
        answer, author=give_privilege(UserFactory(), Privilege.SUGGEST_EDITS), body=NEW_BODY
    )
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    one = len(captured)
    for n in range(5):
        member = give_privilege(UserFactory(), Privilege.SUGGEST_EDITS)
        services.suggest_edit(answer, author=member, body=f"{NEW_BODY} Version {n}.")
    client.get(url)

    with django_assert_num_queries(one):
        page = _html(client.get(url))
    assert "6 suggested edits waiting" in page


def test_review_page_shows_an_escaped_diff_with_approve_and_reject(
    client_for, answer, suggester, other_customer
):
    suggestion = services.suggest_edit(
        answer, author=suggester, body=answer.body_markdown + "\n<script>alert(1)</script>"
    )

    page = _html(
        client_for(other_customer).get(reverse("forum:suggested_edit", args=[suggestion.pk]))
    )

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert 'class="diff-line diff-added"' in page
    assert "Approve" in page
    assert "Reject" in page


def test_the_suggester_sees_their_suggestion_without_review_buttons(client_for, suggestion):
    page = _html(
        client_for(suggestion.author).get(reverse("forum:suggested_edit", args=[suggestion.pk]))
    )

    assert "Review a suggested edit" in page
    assert "Approve" not in page


def test_other_members_do_not_find_the_review_page(client_for, suggestion, customer):
    response = client_for(customer).get(reverse("forum:suggested_edit", args=[suggestion.pk]))

    assert response.status_code == 404


def test_approve_button_applies_the_edit(client_for, answer, suggestion, other_customer):
    url = reverse("forum:approve_suggested_edit", args=[suggestion.pk])

    response = client_for(other_customer).post(url)

    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.body_markdown == NEW_BODY


def test_approve_button_asks_to_confirm_an_out_of_date_suggestion(
    client_for, answer, suggestion, other_customer
):
    services.edit_post(answer, editor=other_customer, body="Unplug it for a minute instead.")
    client = client_for(other_customer)
    url = reverse("forum:approve_suggested_edit", args=[suggestion.pk])

    refused = client.post(url)
    assert refused.status_code == 409
    assert 'name="confirm"' in _html(refused)
    answer.refresh_from_db()
    assert answer.body_markdown != NEW_BODY

    client.post(url, {"confirm": "yes"})

    answer.refresh_from_db()
    assert answer.body_markdown == NEW_BODY


def test_reject_button_keeps_the_note(client_for, suggestion, other_customer):
    url = reverse("forum:reject_suggested_edit", args=[suggestion.pk])

    client_for(other_customer).post(url, {"note": "The reset takes ten seconds."})

    suggestion.refresh_from_db()
    assert suggestion.status == SuggestedEdit.Status.REJECTED
    assert suggestion.review_note == "The reset takes ten seconds."


def test_reject_button_is_refused_for_other_members(client_for, suggestion, brand_rep, customer):
    give_privilege(customer, Privilege.SUGGEST_EDITS)
    url = reverse("forum:reject_suggested_edit", args=[suggestion.pk])

    response = client_for(customer).post(url)

    assert response.status_code == 404
    suggestion.refresh_from_db()
    assert suggestion.is_pending


def _post_with_suggestions(thread, count: int):
    """A new answer in *thread* by its own author, with *count* suggestions waiting."""
    post = make_answer(thread, author=UserFactory(role=Role.CUSTOMER))
    for n in range(count):
        member = give_privilege(UserFactory(role=Role.CUSTOMER), Privilege.SUGGEST_EDITS)
        services.suggest_edit(post, author=member, body=f"{NEW_BODY} Version {n}.")
    return post


@pytest.mark.parametrize("viewer", ["author", "moderator"])
def test_the_suggestions_list_costs_as_many_queries_with_7_suggestions_as_with_2(
    client_for, thread, brand_rep, viewer
):
    small = _post_with_suggestions(thread, 2)
    big = _post_with_suggestions(thread, 7)

    def cost(post) -> int:
        client = client_for(post.author if viewer == "author" else brand_rep)
        url = reverse("forum:suggested_edits", kwargs={"post_id": post.pk})
        client.get(url)  # warm the caches that fill on first use
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert _html(response).count('class="suggestion-row"') == post.suggested_edits.count()
        return len(queries)

    assert cost(big) == cost(small)
