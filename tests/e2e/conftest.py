"""Real-browser fixtures: one headless Chromium per session, a fresh context per test.

The live server runs in a thread of this process, so the locmem ``mail.outbox`` and
the test database are shared with it. Transactional tests flush every table when
they end, which also removes the rows the data migrations made (the Wagtail root,
the home page and /c/ index, the default Site, the role groups); the e2e modules
therefore use ``serialized_rollback=True`` (see ``E2E_DB``), which reloads them
before each test.

Serialized rollback has one catch: a plain transactional test's flush re-runs
``post_migrate``, which re-creates the content types, and the next restore then
fails on their unique constraint. ``tests/conftest.py`` orders the tests so that the
serialized ones run ahead of the other transactional ones, whatever the random order.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

# Playwright's sync API runs an event loop in the test thread; Django would refuse
# ORM calls made from it. The calls are synchronous in fact, so allow them.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password

# Every e2e module: the marker, and a live-server database that keeps the migrations' rows.
E2E_DB = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="session")
def playwright_instance():
    if not Path(CHROMIUM).exists():
        # A failure, not a skip: CI must never pass without having run the browser tests.
        pytest.fail(
            f"no Chromium at {CHROMIUM}: `make browser` installs Debian's chromium "
            "(make test does it for you)"
        )
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Django keeps connections in a thread-critical asgiref Local, which switches to
    # context-variable storage once an event loop runs in the thread, as Playwright's
    # does from here on. Without this, the tests would get fresh connection objects:
    # not the one the live server shares, and without the serialized database contents
    # (set on the old object) that serialized_rollback restores from.
    wrappers = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        for alias, wrapper in wrappers.items():
            connections[alias] = wrapper
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser, live_server) -> Iterator[Callable]:
    """``new_context(**options)``: a browser context on the live server, closed after the test."""
    contexts = []

    def make(**options):
        context = browser.new_context(base_url=live_server.url, locale="en-GB", **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture
def login_context(new_context, live_server) -> Callable:
    """``login_context(user, **options)``: a context already logged in as *user*.

    Uses the test client to make a real session and hands its cookie to the browser,
    so tests that are not about logging in skip the form.
    """

    def make(user, **options):
        client = Client()
        client.force_login(user)
        context = new_context(**options)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        return context

    return make


@pytest.fixture
def verified_user(db):
    """A customer whose address allauth counts as confirmed, so the login form lets them in."""

    def make(**kwargs):
        from allauth.account.models import EmailAddress

        from tests.factories import UserFactory

        user = UserFactory(**kwargs)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        return user

    return make


def serious_violations(page) -> list[dict]:
    """axe-core's violations of impact serious or critical on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        violation
        for violation in results.response["violations"]
        if violation.get("impact") in {"serious", "critical"}
    ]


def describe_violations(violations: list[dict]) -> str:
    """One block per violation: rule id, impact, help text, and the failing nodes' selectors."""
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:10]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {node['target']} {summary[:300]}")
    return "\n".join(lines)
