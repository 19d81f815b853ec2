"""The language switcher in the header turns the site German."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import E2E_DB

pytestmark = [pytest.mark.e2e, E2E_DB]


def test_choosing_deutsch_in_the_switcher_shows_the_navigation_in_german(page):
    page.goto("/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Ask a question")).to_be_visible()

    page.get_by_label("Language").select_option(label="Deutsch")
    with page.expect_navigation():
        page.get_by_role("button", name="Change language").click()

    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator(".main-nav").get_by_role("link", name="Frage stellen")).to_be_visible()
    expect(page.get_by_label("Sprache")).to_have_value("de")
