"""While a question is written on /ask/, threads that may already answer it appear (solved
ones with their accepted answer's first lines); opening one counts as a deflection. Without
JavaScript the same suggestions come as a step before posting, and nothing typed is lost."""

import re

import pytest
from playwright.sync_api import expect

from forum import services
from forum.models import Thread
from search.models import AskAttempt
from tests.e2e.conftest import E2E_DB
from tests.factories import UserFactory, make_answer, make_category, make_thread

pytestmark = [pytest.mark.e2e, E2E_DB]

TITLE = "Printer goes offline after the router update"
BODY = "Since the router firmware update my printer drops off the network every evening."


@pytest.fixture
def solved():
    category = make_category()
    thread = make_thread(
        category=category,
        title="Printer offline since the router firmware update",
        body="After updating the router the printer shows offline in the app.",
    )
    answer = make_answer(thread, body="Turn off band steering on the router, then re-pair it.")
    services.accept_answer(answer, actor=thread.author)
    return thread


def _fill(page, category_title: str) -> None:
    page.get_by_label("Product").select_option(label=category_title)
    page.get_by_label("Title").fill(TITLE)


def test_similar_threads_appear_as_the_title_is_typed_and_opening_one_is_a_deflection(
    login_context, solved
):
    page = login_context(UserFactory()).new_page()
    page.goto("/ask/")
    _fill(page, solved.category.title)

    panel = page.locator(".similar-panel")
    expect(panel).to_contain_text("These threads may already answer your question")
    suggestion = panel.locator(".similar-item", has_text=solved.title)
    expect(suggestion).to_contain_text("Solved")
    expect(suggestion).to_contain_text("Turn off band steering")

    suggestion.get_by_role("link", name=solved.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(solved.title)
    attempt = AskAttempt.objects.get()
    assert attempt.chosen_thread_id == solved.pk
    assert attempt.posted_thread_id is None
    assert not Thread.objects.filter(title=TITLE).exists()


def test_after_seeing_suggestions_the_question_posts_in_one_step(login_context, solved):
    page = login_context(UserFactory()).new_page()
    page.goto("/ask/")
    _fill(page, solved.category.title)
    expect(page.locator(".similar-panel .similar-item")).to_have_count(1)
    page.get_by_label("Describe the problem").fill(BODY)
    page.get_by_role("button", name="Post your question").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    attempt = AskAttempt.objects.get()
    assert attempt.posted_thread_id == Thread.objects.get(title=TITLE).pk


def test_without_javascript_suggestions_come_as_a_step_before_posting(login_context, solved):
    page = login_context(UserFactory(), java_script_enabled=False).new_page()
    page.goto("/ask/")
    _fill(page, solved.category.title)
    page.get_by_label("Describe the problem").fill(BODY)
    page.get_by_role("button", name="Post your question").click()

    expect(page).to_have_url(re.compile(r"/ask/$"))
    step = page.locator(".ask-step")
    expect(step).to_contain_text("Before you post")
    expect(step.locator(".similar-item", has_text=solved.title)).to_contain_text(
        "Turn off band steering"
    )
    expect(page.get_by_label("Title")).to_have_value(TITLE)
    expect(page.get_by_label("Describe the problem")).to_have_value(BODY)
    assert not Thread.objects.filter(title=TITLE).exists()

    page.get_by_role("button", name="Post your question").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert AskAttempt.objects.get().posted_thread_id == Thread.objects.get(title=TITLE).pk
