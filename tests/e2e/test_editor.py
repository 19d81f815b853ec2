"""The editors in a real browser: the live preview, refused posts, and the site's pages
running under their Content-Security-Policy without a single violation."""

import pytest
from playwright.sync_api import expect

from forum.models import Post
from tests.e2e.conftest import E2E_DB
from tests.factories import UserFactory, make_answer, make_thread

pytestmark = [pytest.mark.e2e, E2E_DB]


@pytest.fixture
def thread():
    return make_thread()


def _violations(page) -> list[str]:
    seen = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text)
            if "Content Security Policy" in message.text or message.type == "error"
            else None
        ),
    )
    return seen


def test_live_preview_follows_text_pasted_without_a_key(login_context, thread):
    page = login_context(UserFactory()).new_page()
    page.goto(thread.get_absolute_url())
    preview = page.locator("#answer-form .preview-output")

    # fill() sets the value and fires "input" only, as a paste with the mouse does.
    with page.expect_response(lambda response: "/preview/" in response.url):
        page.get_by_role("textbox", name="Your answer").fill("Hold **reset** for ten seconds.")

    expect(preview.locator("strong")).to_have_text("reset")


def test_edit_page_shows_the_preview_of_the_text_at_once(login_context, thread):
    answer = make_answer(thread, body="Hold the **reset** button for ten seconds.")
    page = login_context(answer.author).new_page()

    page.goto(f"/p/{answer.pk}/edit/")

    expect(page.locator(".preview-output strong")).to_have_text("reset")


def test_refused_answer_keeps_its_text_through_a_reload_and_a_change_of_language(
    login_context, thread
):
    page = login_context(UserFactory()).new_page()
    page.goto(thread.get_absolute_url())
    page.get_by_role("textbox", name="Your answer").fill("Reset **it**.")

    page.get_by_role("button", name="Post your answer").click()

    expect(page.get_by_text("The answer is too short")).to_be_visible()
    expect(page.get_by_role("textbox", name="Your answer")).to_have_value("Reset **it**.")
    expect(page.locator("#answer-form .preview-output strong")).to_have_text("it")
    page.reload()
    expect(page.get_by_role("textbox", name="Your answer")).to_have_value("Reset **it**.")
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Deutsch").click()
    expect(page.get_by_text("Die Antwort ist zu kurz")).to_be_visible()
    expect(page.locator("#answer-form textarea")).to_have_value("Reset **it**.")
    assert not Post.objects.answers().exists()


def test_pages_run_under_the_content_security_policy_without_violations(login_context, thread):
    answer = make_answer(thread)
    page = login_context(answer.author).new_page()
    problems = _violations(page)

    for url in ("/", "/c/", thread.get_absolute_url(), "/ask/", f"/p/{answer.pk}/edit/"):
        response = page.goto(url)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")

    # htmx still works under the policy: the live preview answers.
    with page.expect_response(lambda response: "/preview/" in response.url):
        page.get_by_label("Text").fill("Still **works**.")
    expect(page.locator(".preview-output strong")).to_have_text("works")
    assert problems == []


def test_preview_button_leaves_the_live_preview_working_and_no_error_banner(login_context, thread):
    page = login_context(UserFactory()).new_page()
    page.goto("/ask/")
    page.get_by_label("Describe the problem").fill("Shows **E42** at night, every night.")

    page.get_by_role("button", name="Preview", exact=True).click()

    expect(page.locator(".preview-output strong")).to_have_text("E42")
    expect(page.locator(".message-error")).to_have_count(0)
    with page.expect_response(lambda response: "/preview/" in response.url):
        page.get_by_label("Describe the problem").fill("Now **E43** instead.")
    expect(page.locator(".preview-output strong")).to_have_text("E43")
