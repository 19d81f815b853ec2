"""The whole support journey in a real browser: sign up, confirm, ask, get answered, accept."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from forum.models import Thread
from tests.e2e.conftest import E2E_DB, PASSWORD
from tests.factories import make_category

pytestmark = [pytest.mark.e2e, E2E_DB]

TITLE = "Thermostat loses Wi-Fi every night at 3am"
BODY = "Since the last update the thermostat drops off the network every night around 3am."
ANSWER = "Turn off the router's band steering; the thermostat only speaks 2.4 GHz."


def _confirmation_link(message) -> str:
    match = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body)
    assert match, f"no confirmation link in the mail:\n{message.body}"
    return match.group(0)


def test_visitor_signs_up_asks_gets_an_answer_and_accepts_it(new_context, verified_user, settings):
    # As in production: logged-out visitors get cached pages, which the accept must refresh.
    settings.FORUM_PAGE_CACHE_SECONDS = 300
    category = make_category()
    mail.outbox.clear()

    # A visitor arrives and signs up.
    asker = new_context().new_page()
    asker.goto("/")
    expect(asker.get_by_role("heading", level=1)).to_have_text("Community")
    asker.get_by_role("navigation", name="Main").get_by_role("link", name="Sign up").click()
    expect(asker).to_have_url(re.compile(r"/accounts/signup/$"))
    asker.locator("#id_username").fill("nightowl")
    asker.locator("#id_email").fill("nightowl@example.com")
    asker.locator("#id_password1").fill("a-long-Passphrase-42")
    asker.locator("#id_password2").fill("a-long-Passphrase-42")
    asker.locator("main form button[type=submit]").click()
    expect(asker).to_have_url(re.compile(r"/accounts/confirm-email/$"))

    # The verification mail arrives; its link asks for one more click to confirm.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nightowl@example.com"]
    asker.goto(_confirmation_link(mail.outbox[0]))
    asker.get_by_role("button", name="Confirm").click()

    # Confirming logs the new member in (ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION).
    nav = asker.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("button", name="Log out")).to_be_visible()

    # They ask a question.
    nav.get_by_role("link", name="Ask a question").click()
    expect(asker).to_have_url(re.compile(r"/ask/$"))
    asker.get_by_label("Product").select_option(label=category.title)
    asker.get_by_label("Title").fill(TITLE)
    asker.get_by_label("Describe the problem").fill(BODY)
    asker.get_by_label("Tags").fill("wifi firmware")
    asker.get_by_role("button", name="Post your question").click()
    expect(asker.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(asker.locator(".thread-state .mark-open")).to_have_text("Open")
    expect(asker.locator(".thread-state .tag")).to_have_text(["firmware", "wifi"])
    thread = Thread.objects.get(title=TITLE)
    assert thread.author.username == "nightowl"
    thread_url = asker.url

    # A logged-out visitor sees it open (and the page cache now holds these pages).
    visitor = new_context().new_page()
    visitor.goto(category.url)
    expect(visitor.locator(".thread-row", has_text=TITLE)).to_be_visible()
    expect(visitor.locator(".thread-row", has_text=TITLE).locator(".mark-solved")).to_have_count(0)
    visitor.goto("/")
    expect(visitor.locator(".thread-row", has_text=TITLE).first).to_be_visible()

    # Another member logs in through the form and answers, in a browser of their own.
    helper_user = verified_user(username="gridguru")
    helper = new_context().new_page()
    helper.goto(f"/accounts/login/?next={thread.get_absolute_url()}")
    helper.locator("#id_login").fill("gridguru")
    helper.locator("#id_password").fill(PASSWORD)
    helper.locator("main form button[type=submit]").click()
    expect(helper).to_have_url(thread_url)
    helper.get_by_role("textbox", name="Your answer").fill(ANSWER)
    helper.get_by_role("button", name="Post your answer").click()
    answer_article = helper.locator("article.post", has_text=ANSWER)
    expect(answer_article).to_be_visible()
    expect(answer_article.locator(".post-by")).to_contain_text(helper_user.username)

    # The asker sees the answer and marks it as the solution (htmx swaps #answers).
    asker.reload()
    answer_article = asker.locator("article.post", has_text=ANSWER)
    answer_article.get_by_role("button", name="Mark as solution").click()
    expect(asker.locator("article.post.is-accepted")).to_contain_text("Accepted solution")
    expect(asker.locator("article.post.is-accepted")).to_contain_text(ANSWER)
    thread.refresh_from_db()
    assert thread.accepted_answer.author == helper_user

    # The visitor comes back: the thread is marked solved in the product list and on the home page.
    visitor.goto(category.url)
    row = visitor.locator(".thread-row", has_text=TITLE)
    expect(row.locator(".mark-solved")).to_have_text("Solved")
    visitor.goto("/")
    latest = visitor.get_by_role("region", name="Latest threads")
    row = latest.locator(".thread-row", has_text=TITLE)
    expect(row.locator(".mark-solved")).to_have_text("Solved")
    row.get_by_role("link", name=TITLE).click()
    expect(visitor.locator(".thread-state .mark-solved")).to_have_text("Solved")
    expect(visitor.locator("article.post.is-accepted")).to_contain_text(ANSWER)


def test_accepting_an_answer_works_without_javascript(login_context, verified_user):
    from tests.factories import make_answer, make_thread

    asker, helper = verified_user(), verified_user()
    thread = make_thread(author=asker, category=make_category())
    make_answer(thread, author=helper, body=ANSWER)

    page = login_context(asker, java_script_enabled=False).new_page()
    page.goto(thread.get_absolute_url())
    page.locator("article.post", has_text=ANSWER).get_by_role(
        "button", name="Mark as solution"
    ).click()
    expect(page.locator(".messages")).to_contain_text("Marked as the solution.")
    expect(page.locator("article.post.is-accepted")).to_contain_text(ANSWER)
    thread.refresh_from_db()
    assert thread.accepted_answer is not None
