"""Logging in or signing up keeps where the member was going (``next``)."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from tests.factories import UserFactory, make_thread

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
ASK = "/ask/?product=nimbus-thermostat"


def _href(response, text: str) -> str:
    """The target of the link whose whole text is *text*."""
    found = re.findall(
        r'<a href="([^"]*)"[^>]*>\s*' + re.escape(text) + r"\s*</a>", _page(response)
    )
    assert len(found) == 1, f"{len(found)} links read {text!r}"
    return html.unescape(found[0])


def _next_of(url: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get("next")
    return values[0] if values else None


def _hidden_fields(response) -> dict[str, str]:
    fields = re.findall(r'<input type="hidden" name="([\w-]+)" value="([^"]*)"', _page(response))
    return {name: html.unescape(value) for name, value in fields}


def _page(response) -> str:
    return response.content.decode()


def _verified_member():
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return user


def test_ask_sends_an_anonymous_visitor_to_log_in_keeping_the_product(client, category):
    response = client.get(ASK)

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/accounts/login/"
    assert _next_of(response["Location"]) == ASK


def test_header_links_carry_the_current_page_as_next(client, category):
    page = f"/c/{category.slug}/?sort=newest"

    response = client.get(page)

    assert _next_of(_href(response, "Log in")) == page
    assert _next_of(_href(response, "Sign up")) == page


def test_header_links_on_the_log_in_page_carry_its_next_not_the_page_itself(client):
    response = client.get("/accounts/login/?next=/ask/%3Fproduct%3Dnimbus-thermostat")

    assert _next_of(_href(response, "Log in")) == ASK
    assert _next_of(_href(response, "Sign up")) == ASK


def test_header_links_on_the_log_in_page_without_next_carry_none(client):
    response = client.get("/accounts/login/")

    assert _href(response, "Log in") == "/accounts/login/"
    assert _href(response, "Sign up") == "/accounts/signup/"


def test_header_links_on_the_home_page_need_no_next(client):
    response = client.get("/")

    assert _href(response, "Log in") == "/accounts/login/"
    assert _href(response, "Sign up") == "/accounts/signup/"


def test_answer_form_sign_up_link_carries_the_thread_as_next(client, customer, category):
    thread = make_thread(author=customer, category=category)

    response = client.get(thread.get_absolute_url())

    assert _next_of(_href(response, "sign up")) == thread.get_absolute_url()


def test_log_in_page_sign_up_link_carries_next(client):
    response = client.get("/accounts/login/?next=/ask/%3Fproduct%3Dnimbus-thermostat")

    assert urlsplit(_href(response, "sign up")).path == "/accounts/signup/"
    assert _next_of(_href(response, "sign up")) == ASK


def test_sign_up_page_log_in_link_carries_next(client):
    response = client.get("/accounts/signup/?next=/ask/%3Fproduct%3Dnimbus-thermostat")

    assert urlsplit(_href(response, "log in")).path == "/accounts/login/"
    assert _next_of(_href(response, "log in")) == ASK


def test_logging_in_from_ask_about_a_product_lands_on_the_ask_page(client, category):
    member = _verified_member()
    login_url = client.get(ASK)["Location"]
    fields = _hidden_fields(client.get(login_url))

    response = client.post(login_url, {**fields, "login": member.username, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == ASK
    assert client.get(ASK).status_code == 200


def _sign_up_from_ask(client) -> None:
    """Anonymous: ask about a product, follow the log-in page's link to sign up, sign up."""
    login_page = client.get(client.get(ASK)["Location"])
    signup_url = _href(login_page, "sign up")
    fields = _hidden_fields(client.get(signup_url))
    response = client.post(
        signup_url,
        {
            **fields,
            "username": "newmember",
            "email": "newmember@example.com",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
    )
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/accounts/confirm-email/"
    assert client.get(response["Location"]).status_code == 200


def _confirmation_link() -> str:
    (message,) = mail.outbox
    (link,) = re.findall(r"https?://\S+/accounts/confirm-email/\S+", message.body)
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _confirm(client, link: str):
    page = client.get(link)
    assert page.status_code == 200
    return client.post(urlsplit(link).path, _hidden_fields(page))


def test_signing_up_from_ask_about_a_product_lands_on_the_ask_page_once_confirmed(client, category):
    _sign_up_from_ask(client)

    response = _confirm(client, _confirmation_link())

    assert response.status_code == 302
    assert response["Location"] == ASK
    landed = client.get(response["Location"])
    assert landed.status_code == 200
    assert landed.wsgi_request.user.username == "newmember"


def test_confirming_in_another_browser_still_leads_on_to_the_ask_page(client, category):
    _sign_up_from_ask(client)
    other_browser = Client()

    response = _confirm(other_browser, _confirmation_link())

    # Not logged in there (allauth logs in only the browser that signed up), but on its way.
    assert response.status_code == 302
    assert "_auth_user_id" not in other_browser.session
    assert response["Location"] == ASK


def test_header_links_leave_out_parameter_values_that_are_not_slugs_or_numbers(client):
    junk = "<b>" + "x" * 200

    html = client.get("/c/", {"sort": junk, "show": "open", "page": "1"}).content.decode()

    assert "next=%2Fc%2F%3Fshow%3Dopen%26page%3D1" in html
    assert "xxxx" not in html
