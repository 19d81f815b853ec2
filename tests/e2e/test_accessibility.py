"""axe-core finds no serious or critical accessibility problem on the main pages."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.roles import Role
from forum import services
from tests.e2e.conftest import E2E_DB, describe_violations, serious_violations
from tests.factories import UserFactory, make_answer, make_category, make_thread

pytestmark = [pytest.mark.e2e, E2E_DB]


@pytest.fixture
def busy_thread():
    """A solved thread with a staff answer, a customer answer, comments and tags."""
    category = make_category()
    asker, customer = UserFactory(display_name="Ada Asker"), UserFactory()
    agent = UserFactory(role=Role.SUPPORT_AGENT, display_name="Sam from Support")
    thread = make_thread(
        author=asker,
        category=category,
        body="The display shows **E42** at night.\n\n- firmware 2.1\n- `reset` did not help",
        tags=("firmware", "display"),
    )
    question = thread.posts.get(kind="question")
    staff_answer = make_answer(
        thread, author=agent, body="This is fixed in firmware 2.2; update from the app."
    )
    make_answer(thread, author=customer, body="Same here, a power cycle helped for a day.")
    services.post_comment(question, author=customer, body="Which model exactly?")
    services.post_comment(staff_answer, author=asker, body="Thanks, *that* worked!")
    services.cast_vote(staff_answer, voter=customer, value=1)
    services.accept_answer(staff_answer, actor=asker)
    return thread


def assert_no_serious_violations(page) -> None:
    violations = serious_violations(page)
    assert not violations, f"axe on {page.url}:\n{describe_violations(violations)}"


def test_home_page_has_no_serious_accessibility_violations(page, busy_thread):
    page.goto("/")
    expect(page.locator(".thread-row").first).to_be_visible()
    assert_no_serious_violations(page)


def test_category_page_has_no_serious_accessibility_violations(page, busy_thread):
    page.goto(busy_thread.category.url)
    expect(page.locator(".thread-row").first).to_be_visible()
    assert_no_serious_violations(page)


def test_thread_page_has_no_serious_accessibility_violations_for_a_visitor(page, busy_thread):
    page.goto(busy_thread.get_absolute_url())
    expect(page.locator("article.post.is-accepted .badge-staff")).to_be_visible()
    assert_no_serious_violations(page)


def test_thread_page_has_no_serious_accessibility_violations_for_the_asker(
    login_context, busy_thread
):
    page = login_context(busy_thread.author).new_page()
    page.goto(busy_thread.get_absolute_url())
    expect(page.get_by_role("button", name="Unmark solution")).to_be_visible()
    page.locator("details.comment-add summary").first.click()
    assert_no_serious_violations(page)


def test_ask_page_has_no_serious_accessibility_violations(login_context):
    make_category()
    page = login_context(UserFactory()).new_page()
    page.goto(reverse("forum:ask"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask a question")
    assert_no_serious_violations(page)


def test_ask_page_with_errors_has_no_serious_accessibility_violations(login_context):
    make_category()
    page = login_context(UserFactory()).new_page()
    page.goto(reverse("forum:ask"))
    page.get_by_label("Title").fill("short")
    page.get_by_role("button", name="Post your question").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    assert_no_serious_violations(page)


def test_login_page_has_no_serious_accessibility_violations(page):
    page.goto(reverse("account_login"))
    assert_no_serious_violations(page)


def test_login_page_with_errors_has_no_serious_accessibility_violations(page):
    page.goto(reverse("account_login"))
    page.locator("#id_login").fill("nobody")
    page.locator("#id_password").fill("wrong-password")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("not correct")
    assert_no_serious_violations(page)


def test_signup_page_has_no_serious_accessibility_violations(page):
    page.goto(reverse("account_signup"))
    assert_no_serious_violations(page)
