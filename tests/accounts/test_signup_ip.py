"""A new account keeps the address it was made from, as allauth's rate limits see it."""

import pytest
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.models import SocialAccount, SocialLogin
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory, override_settings
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

SIGNUP = {
    "username": "newmember",
    "email": "newmember@example.com",
    "password1": "a-Long-passphrase-42",
    "password2": "a-Long-passphrase-42",
}


def test_signup_records_the_connection_address(client):
    response = client.post(reverse("account_signup"), SIGNUP, REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 302
    assert User.objects.get(username="newmember").signup_ip == "203.0.113.7"


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_signup_behind_a_proxy_records_the_address_the_proxy_saw(client):
    response = client.post(
        reverse("account_signup"),
        SIGNUP,
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9",
    )

    assert response.status_code == 302
    # One trusted proxy: the client is the last address it added, not what the client sent.
    assert User.objects.get(username="newmember").signup_ip == "203.0.113.9"


def test_signup_ignores_a_forwarded_address_when_no_proxy_is_trusted(client):
    client.post(
        reverse("account_signup"),
        SIGNUP,
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )

    assert User.objects.get(username="newmember").signup_ip == "203.0.113.7"


def test_social_signup_records_the_connection_address():
    request = RequestFactory().post("/accounts/google/login/callback/", REMOTE_ADDR="203.0.113.8")
    SessionMiddleware(lambda r: None).process_request(request)
    user = User(username="socialmember", email="socialmember@example.com")
    sociallogin = SocialLogin(user=user, account=SocialAccount(provider="google", uid="42"))

    get_social_adapter(request).save_user(request, sociallogin)

    assert User.objects.get(username="socialmember").signup_ip == "203.0.113.8"
