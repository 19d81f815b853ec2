"""A post's edit history: only its author and the moderators see earlier versions, and a
moderator can remove the text of one for good (a password pasted by mistake)."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from core.models import Event
from forum import events, services
from forum.models import PostRevision

pytestmark = pytest.mark.django_db

SECRET = "my router password is hunter2-please-ignore"


@pytest.fixture
def edited(answer, other_customer):
    """An answer whose author pasted a password and edited it out."""
    services.edit_post(answer, editor=other_customer, body=f"Log in to the router. {SECRET}")
    services.edit_post(answer, editor=other_customer, body="Log in to the router, then reboot.")
    return answer


@pytest.fixture
def leaky(edited):
    """The earlier version that holds the password."""
    return edited.revisions.get(body_markdown__contains=SECRET)


def _history(client, post):
    return client.get(reverse("forum:post_history", kwargs={"post_id": post.pk}))


def _redact(client, revision, reason="A password"):
    url = reverse("moderation:redact_revision", kwargs={"revision_id": revision.pk})
    return client.post(url, {"reason": reason})


# --- who sees earlier versions ----------------------------------------------------------------


def test_history_is_not_found_for_anonymous_visitors(client, edited):
    response = _history(client, edited)

    assert response.status_code == 404
    assert SECRET not in response.content.decode()


@pytest.mark.parametrize("role", ["customer", "support_agent"])
def test_history_is_not_found_for_other_members(request, client_for, edited, role):
    response = _history(client_for(request.getfixturevalue(role)), edited)

    assert response.status_code == 404
    assert SECRET not in response.content.decode()


def test_history_shows_the_author_their_earlier_versions(client_for, edited, other_customer):
    response = _history(client_for(other_customer), edited)

    assert response.status_code == 200
    assert SECRET in response.content.decode()


@pytest.mark.parametrize("role", ["brand_rep", "administrator"])
def test_history_shows_moderators_the_earlier_versions(request, client_for, edited, role):
    response = _history(client_for(request.getfixturevalue(role)), edited)

    assert response.status_code == 200
    assert SECRET in response.content.decode()


def test_thread_page_tells_visitors_a_post_was_edited_without_a_history_link(client, edited):
    html = client.get(edited.get_absolute_url()).content.decode()

    assert '<span class="edited-mark">edited</span>' in html
    assert reverse("forum:post_history", kwargs={"post_id": edited.pk}) not in html


def test_thread_page_links_the_author_to_the_history(client_for, edited, other_customer):
    html = client_for(other_customer).get(edited.get_absolute_url()).content.decode()

    history_url = reverse("forum:post_history", kwargs={"post_id": edited.pk})
    assert f'<a href="{history_url}">edited</a>' in html


def test_history_offers_moderators_a_remove_button_and_the_author_none(
    client, edited, leaky, other_customer, brand_rep
):
    action = reverse("moderation:redact_revision", kwargs={"revision_id": leaky.pk})
    client.force_login(other_customer)
    assert action not in _history(client, edited).content.decode()
    client.force_login(brand_rep)
    assert action in _history(client, edited).content.decode()


# --- removing the text of an earlier version --------------------------------------------------


def test_redaction_removes_the_text_from_the_history_page_and_the_database(
    client_for, edited, leaky, other_customer, brand_rep
):
    response = _redact(client_for(brand_rep), leaky)

    assert response.status_code == 302
    leaky.refresh_from_db()
    assert SECRET not in leaky.body_markdown
    assert not PostRevision.objects.filter(body_markdown__contains=SECRET).exists()
    html = _history(client_for(other_customer), edited).content.decode()
    assert SECRET not in html
    assert "The text of this version was removed" in html


def test_redaction_keeps_who_removed_it_when_and_why(client_for, leaky, brand_rep):
    _redact(client_for(brand_rep), leaky, reason="  A   password,\n pasted by mistake ")

    leaky.refresh_from_db()
    assert leaky.redacted_by == brand_rep
    assert leaky.redacted_at is not None
    assert leaky.redaction_reason == "A password, pasted by mistake"


def test_redaction_leaves_the_other_versions_and_the_current_text(edited, leaky, brand_rep):
    services.redact_revision(leaky, moderator=brand_rep, reason="A password")

    edited.refresh_from_db()
    assert edited.body_markdown == "Log in to the router, then reboot."
    others = edited.revisions.exclude(pk=leaky.pk)
    assert [r.body_markdown for r in others] == [
        "Hold the reset button for ten seconds, then pair it again."
    ]


def test_redaction_by_the_author_is_refused(client_for, leaky, other_customer):
    response = _redact(client_for(other_customer), leaky)

    assert response.status_code == 403
    leaky.refresh_from_db()
    assert SECRET in leaky.body_markdown


@pytest.mark.parametrize("role", ["customer", "support_agent"])
def test_redaction_by_another_member_is_not_found(request, client_for, leaky, role):
    response = _redact(client_for(request.getfixturevalue(role)), leaky)

    assert response.status_code == 404
    leaky.refresh_from_db()
    assert SECRET in leaky.body_markdown


def test_redaction_by_an_anonymous_visitor_asks_to_log_in(client, leaky):
    response = _redact(client, leaky)

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    leaky.refresh_from_db()
    assert SECRET in leaky.body_markdown


def test_redact_revision_is_refused_for_the_author(leaky, other_customer):
    with pytest.raises(PermissionDenied, match="Only brand representatives"):
        services.redact_revision(leaky, moderator=other_customer, reason="")

    leaky.refresh_from_db()
    assert not leaky.is_redacted


def test_redact_revision_twice_returns_false_and_keeps_the_first_record(
    leaky, brand_rep, administrator
):
    assert services.redact_revision(leaky, moderator=brand_rep, reason="A password") is True

    assert services.redact_revision(leaky, moderator=administrator, reason="Again") is False

    leaky.refresh_from_db()
    assert (leaky.redacted_by, leaky.redaction_reason) == (brand_rep, "A password")


def test_redact_revision_is_audited_by_an_event_of_ids(
    django_capture_on_commit_callbacks, edited, leaky, brand_rep
):
    with django_capture_on_commit_callbacks(execute=True):
        services.redact_revision(leaky, moderator=brand_rep, reason="A password")

    event = Event.objects.get(name=events.revision_redacted.name)
    assert event.payload == {
        "thread_id": edited.thread_id,
        "post_id": edited.pk,
        "revision_id": leaky.pk,
        "actor_id": brand_rep.pk,
    }
    assert json.loads(json.dumps(event.payload)) == event.payload
    assert SECRET not in json.dumps(event.payload)
