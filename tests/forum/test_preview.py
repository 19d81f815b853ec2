"""Previews (the live one under the editors and the ask page's button): members only, rate
limited per member, and no longer than the post they preview."""

import uuid

import pytest
from django.urls import reverse

from forum.models import BODY_MAX_LENGTH, Thread
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PREVIEW_URL = reverse("forum:preview")
TOO_LONG = "**E42** " + "x" * (BODY_MAX_LENGTH - 7)
LENGTH_MESSAGE = (
    f"The text is too long: keep it to {BODY_MAX_LENGTH} characters (it has {len(TOO_LONG)})."
)
DESCRIPTION_LENGTH_MESSAGE = (
    f"The description is too long: keep it to {BODY_MAX_LENGTH} characters "
    f"(it has {len(TOO_LONG)})."
)
WAIT = "Too many previews in a short time. Please wait"


def _html(response) -> str:
    return response.content.decode()


def _ask_preview(client, category, body: str):
    data = {
        "category": str(category.pk),
        "title": "Heating stays on after schedule ends",
        "body": body,
        "tags": "heating",
        "submission_key": str(uuid.uuid4()),
        "preview": "1",
    }
    # The button comes back to the ask page (a page to reload), which shows the preview.
    response = client.post(reverse("forum:ask"), data)
    assert response.status_code == 302
    assert response.url == reverse("forum:ask")
    return client.get(response.url)


# --- the live preview ------------------------------------------------------------------------


def test_preview_renders_sanitised_markdown_for_a_member(client_for, customer):
    body = "**E42** at [night](https://example.com) <script>alert(1)</script><img src=x onerror=y>"

    response = client_for(customer).post(PREVIEW_URL, {"body": body}, headers={"HX-Request": "1"})

    assert response.status_code == 200
    html = _html(response)
    assert "<strong>E42</strong>" in html
    assert '<a href="https://example.com" rel="nofollow ugc">night</a>' in html
    assert "<script" not in html
    assert "onerror" not in html


def test_preview_is_refused_to_anonymous_visitors(client):
    response = client.post(PREVIEW_URL, {"body": "**E42**"}, headers={"HX-Request": "1"})

    assert response.status_code == 403
    html = _html(response)
    assert "Log in to see a preview of your text." in html
    assert "<strong>" not in html


def test_preview_refuses_get(client_for, customer):
    response = client_for(customer).get(PREVIEW_URL)

    assert response.status_code == 405


def test_preview_of_text_longer_than_a_post_is_refused_with_the_limit(client_for, customer):
    response = client_for(customer).post(PREVIEW_URL, {"body": TOO_LONG})

    assert response.status_code == 400
    html = _html(response)
    assert LENGTH_MESSAGE in html
    assert "<strong>" not in html, "refused text is not rendered"


def test_preview_is_refused_with_429_beyond_the_members_rate(client_for, customer, settings):
    settings.FORUM_PREVIEW_RATE = "3/m"
    client = client_for(customer)
    statuses = [client.post(PREVIEW_URL, {"body": "**E42**"}).status_code for _ in range(3)]

    response = client.post(PREVIEW_URL, {"body": "**E42**"})

    assert statuses == [200, 200, 200]
    assert response.status_code == 429
    assert WAIT in _html(response)
    assert "<strong>" not in _html(response)
    assert 1 <= int(response["Retry-After"]) <= 60


def test_preview_rate_is_counted_per_member(client, customer, settings):
    settings.FORUM_PREVIEW_RATE = "1/m"
    client.force_login(customer)
    client.post(PREVIEW_URL, {"body": "first"})
    limited = client.post(PREVIEW_URL, {"body": "second"})
    client.force_login(UserFactory())

    response = client.post(PREVIEW_URL, {"body": "**E42**"})

    assert limited.status_code == 429
    assert response.status_code == 200
    assert "<strong>E42</strong>" in _html(response)


# --- the ask page's preview button -----------------------------------------------------------


def test_ask_preview_of_text_longer_than_a_post_is_refused_and_keeps_the_text(
    client_for, customer, category
):
    response = _ask_preview(client_for(customer), category, TOO_LONG)

    html = _html(response)
    assert LENGTH_MESSAGE in html
    assert TOO_LONG in html, "the typed text is back in the form"
    assert "<strong>E42</strong>" not in html
    assert not Thread.objects.exists()


def test_ask_preview_is_refused_with_429_beyond_the_members_rate(
    client_for, customer, category, settings
):
    settings.FORUM_PREVIEW_RATE = "1/m"
    client = client_for(customer)
    first = _ask_preview(client, category, "Shows **E42** at night, every night.")

    response = _ask_preview(client, category, "Shows **E42** at night, every night.")

    assert first.status_code == 200
    assert response.status_code == 429
    html = _html(response)
    assert WAIT in html
    assert "Shows **E42** at night, every night." in html, "the typed text is kept"
    assert "<strong>E42</strong>" not in html


def test_live_and_ask_previews_share_the_members_rate(client_for, customer, category, settings):
    settings.FORUM_PREVIEW_RATE = "1/m"
    client = client_for(customer)
    client.post(PREVIEW_URL, {"body": "first"})

    response = _ask_preview(client, category, "Shows **E42** at night, every night.")

    assert response.status_code == 429
