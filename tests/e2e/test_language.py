"""The language links in the header turn the page German; links then stay German."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import E2E_DB

pytestmark = [pytest.mark.e2e, E2E_DB]


def test_choosing_deutsch_shows_this_page_in_german_and_keeps_to_it(page):
    page.goto("/c/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Ask a question")).to_be_visible()

    with page.expect_navigation():
        page.get_by_role("navigation", name="Language").get_by_role("link", name="Deutsch").click()

    assert page.url.endswith("/de/c/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    german_nav = page.get_by_role("navigation", name="Hauptmenü")
    expect(german_nav.get_by_role("link", name="Frage stellen")).to_be_visible()
    with page.expect_navigation():
        german_nav.get_by_role("link", name="Startseite").click()
    assert page.url.endswith("/de/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
