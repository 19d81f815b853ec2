"""Voting swaps the score in place with JavaScript, and is a plain form post without it."""

import pytest
from playwright.sync_api import expect

from forum.models import Vote
from tests.e2e.conftest import E2E_DB
from tests.factories import UserFactory, make_answer, make_thread

pytestmark = [pytest.mark.e2e, E2E_DB]


@pytest.fixture
def answer():
    return make_answer(make_thread())


def test_vote_updates_the_score_in_place_with_javascript(login_context, answer):
    voter = UserFactory()
    page = login_context(voter).new_page()
    page.goto(answer.thread.get_absolute_url())
    url = page.url
    # A full page load would drop this property; an htmx swap keeps the document.
    page.evaluate("window.__sameDocument = true")
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    vote = page.locator(f"#vote-{answer.pk}")
    expect(vote.locator(".score")).to_have_text("0")
    with page.expect_response(lambda response: response.url.endswith(f"/p/{answer.pk}/vote")):
        vote.get_by_role("button", name="Helpful (vote up)").click()

    expect(vote.locator(".score")).to_have_text("1")
    expect(vote.get_by_role("button", name="Helpful (vote up)")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert page.evaluate("window.__sameDocument") is True
    assert page.url == url
    assert navigations == []
    assert Vote.objects.get(post=answer, voter=voter).value == 1


def test_vote_works_as_a_plain_form_post_without_javascript(login_context, answer):
    voter = UserFactory()
    page = login_context(voter, java_script_enabled=False).new_page()
    page.goto(answer.thread.get_absolute_url())

    vote = page.locator(f"#vote-{answer.pk}")
    expect(vote.locator(".score")).to_have_text("0")
    with page.expect_navigation():
        vote.get_by_role("button", name="Helpful (vote up)").click()

    expect(vote.locator(".score")).to_have_text("1")
    expect(vote.get_by_role("button", name="Helpful (vote up)")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert page.url.endswith(answer.get_absolute_url())
    assert Vote.objects.get(post=answer, voter=voter).value == 1
