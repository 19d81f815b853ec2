"""One vocabulary on every account page and mail: "Log in", "Log out", "Sign up", and
the site's name (not the host it was reached on) in the mails."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIGN_WORDS = re.compile(r"sign[ -]?in|sign[ -]?out|signup|sign up|signed", re.IGNORECASE)
HOST = "127.0.0.1:8010"


def _text(response) -> str:
    """The page's visible words: its title and main content, without the tags."""
    page = response.content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.DOTALL).group(1)
    main = re.search(r"<main.*?</main>", page, re.DOTALL).group(0)
    return " ".join(re.sub(r"<[^>]+>", " ", f"{title} {main}").split())


def _verified_member():
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return user


def test_log_in_page_says_log_in(client):
    text = _text(client.get("/accounts/login/"))

    assert text.startswith("Log in")
    assert "Sign In" not in text
    assert "Username or email" in text
    assert "Login:" not in text
    assert "Remember Me" not in text


def test_log_in_page_says_log_in_on_its_button(client):
    page = client.get("/accounts/login/").content.decode()

    assert re.search(r'<button[^>]*type="submit"[^>]*>\s*Log in\s*</button>', page)


def test_sign_up_page_says_sign_up_and_log_in(client):
    text = _text(client.get("/accounts/signup/"))

    assert text.startswith("Sign up")
    assert "log in" in text
    assert "Signup" not in text
    assert "Sign Up" not in text
    assert "sign in" not in text


def test_log_out_page_says_log_out(client_for, customer):
    text = _text(client_for(customer).get("/accounts/logout/"))

    assert text.startswith("Log out")
    assert "log out?" in text
    assert not SIGN_WORDS.search(text)


def test_logging_in_says_logged_in(client):
    member = _verified_member()

    response = client.post(
        "/accounts/login/",
        {"login": member.username, "password": "correct-horse-battery"},
        follow=True,
    )

    text = response.content.decode()
    assert f"logged in as {member.username}" in text
    assert not SIGN_WORDS.search(text)


def test_logging_out_says_logged_out(client_for, customer):
    response = client_for(customer).post("/accounts/logout/", follow=True)

    text = response.content.decode()
    assert "You have logged out." in text
    assert "signed out" not in text


def _without_links(body: str) -> str:
    return re.sub(r"https?://\S+", "", body)


def test_verification_mail_names_the_site_not_the_host(client, settings):
    settings.WAGTAIL_SITE_NAME = "Nimbus Community"
    settings.WAGTAILADMIN_BASE_URL = "https://community.example.com"

    client.post(
        "/accounts/signup/",
        {
            "username": "newmember",
            "email": "newmember@example.com",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
        headers={"host": HOST},
    )

    (message,) = mail.outbox
    assert message.subject.startswith("[Nimbus Community] ")
    assert "Hello from Nimbus Community!" in message.body
    assert "community.example.com" in message.body
    assert "127.0.0.1" not in _without_links(message.body)
    assert "127.0.0.1" not in message.subject


def test_password_reset_mail_names_the_site_not_the_host(client, settings):
    settings.WAGTAIL_SITE_NAME = "Nimbus Community"
    settings.WAGTAILADMIN_BASE_URL = "https://community.example.com"
    member = _verified_member()

    client.post("/accounts/password/reset/", {"email": member.email}, headers={"host": HOST})

    (message,) = mail.outbox
    assert message.subject.startswith("[Nimbus Community] ")
    assert "Hello from Nimbus Community!" in message.body
    assert "127.0.0.1" not in _without_links(message.body)
