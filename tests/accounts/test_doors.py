"""Every log-in, password reset and sign-up goes through allauth.

Wagtail's own doors (the admin's log-in and password reset, the private-page log-in)
send the visitor on to allauth's pages, so allauth's rate limits, lock-outs and email
verification apply whichever door someone knocks on.
"""

from urllib.parse import quote, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.core.checks import run_checks
from django.urls import reverse
from wagtail.models import PageViewRestriction

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
LOGIN_DOORS = ["/accounts/login/", "/admin/login/", "/_util/login/"]
OLD_LOGIN_DOORS = ["/admin/login/", "/_util/login/"]
RESET_DOORS = ["/accounts/password/reset/", "/admin/password_reset/"]


def _per_key_limit(action: str) -> int:
    """The explicit per-key amount of an allauth rate limit in the settings."""
    rules = settings.ACCOUNT_RATE_LIMITS[action].split(",")
    (amount,) = [rule.split("/")[0] for rule in rules if rule.endswith("/key")]
    return int(amount)


def _member(*, verified: bool = True):
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
    return user


def _credentials(user, password: str) -> dict:
    # allauth's form names the field "login", Django's and Wagtail's "username".
    return {"login": user.username, "username": user.username, "password": password}


def _is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize(
    ("door", "expected"),
    [
        ("/admin/login/", "/accounts/login/?next=%2Fadmin%2F"),
        ("/admin/login/?next=/admin/pages/", "/accounts/login/?next=%2Fadmin%2Fpages%2F"),
        ("/_util/login/?next=/c/private/", "/accounts/login/?next=%2Fc%2Fprivate%2F"),
        ("/de/_util/login/?next=/de/c/private/", "/de/accounts/login/?next=%2Fde%2Fc%2Fprivate%2F"),
        ("/admin/password_reset/", "/accounts/password/reset/"),
        ("/admin/password_reset/done/", "/accounts/password/reset/"),
        ("/admin/password_reset/confirm/MQ/abc-123/", "/accounts/password/reset/"),
        ("/admin/password_reset/complete/", "/accounts/password/reset/"),
    ],
)
def test_old_door_redirects_to_allauth_keeping_next(client, door, expected):
    response = client.get(door)

    assert response.status_code == 302
    assert response["Location"] == expected


def test_private_page_sends_an_anonymous_visitor_to_allauth_and_back(client, category):
    PageViewRestriction.objects.create(page=category, restriction_type=PageViewRestriction.LOGIN)
    page = f"/c/{category.slug}/"

    response = client.get(page, follow=True)

    assert response.redirect_chain[-1][0] == f"/accounts/login/?next={quote(page, safe='')}"
    assert response.status_code == 200


def test_private_page_password_form_still_opens_the_page(client, category):
    restriction = PageViewRestriction.objects.create(
        page=category, restriction_type=PageViewRestriction.PASSWORD, password="nimbus"
    )
    page = f"/c/{category.slug}/"

    response = client.post(
        reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, category.pk]),
        {"password": "nimbus", "return_url": page},
    )

    assert response.status_code == 302
    assert response["Location"] == page
    assert client.get(page).status_code == 200


@pytest.mark.parametrize("door", OLD_LOGIN_DOORS)
def test_old_door_drops_a_next_that_leaves_the_site(client, door):
    response = client.get(f"{door}?next=https://evil.example/steal")

    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("door", OLD_LOGIN_DOORS)
def test_old_door_does_not_log_in_with_posted_credentials(client, door):
    member = _member()

    response = client.post(door, _credentials(member, PASSWORD))

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/accounts/login/"
    assert not _is_logged_in(client)


def test_old_admin_door_sends_a_logged_in_administrator_on_to_next(client_for, administrator):
    response = client_for(administrator).get("/admin/login/?next=/admin/pages/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/pages/"


def test_old_admin_door_refuses_a_logged_in_member_without_admin_access(client_for, customer):
    client = client_for(customer)

    response = client.get("/admin/", follow=True)

    # Not a loop between the admin and allauth's log-in (which sends members on to next).
    assert response.status_code == 403
    assert len(response.redirect_chain) == 1


@pytest.mark.parametrize("door", LOGIN_DOORS)
def test_wrong_passwords_through_any_door_end_in_the_lock_out(client, door):
    member = _member()
    limit = _per_key_limit("login_failed")

    for _ in range(limit):
        client.post(door, _credentials(member, "wrong-password"), follow=True)
    response = client.post(door, _credentials(member, PASSWORD), follow=True)

    assert not _is_logged_in(client)
    if door == "/accounts/login/":
        assert "Too many failed login attempts" in response.content.decode()


def test_lock_out_counts_one_login_whatever_host_name_is_used(client):
    member = _member()
    limit = _per_key_limit("login_failed")
    hosts = ["localhost", "127.0.0.1"]

    for attempt in range(limit):
        client.post(
            "/accounts/login/",
            _credentials(member, "wrong-password"),
            headers={"host": hosts[attempt % 2]},
        )
    response = client.post(
        "/accounts/login/", _credentials(member, PASSWORD), headers={"host": "127.0.0.1"}
    )

    assert not _is_logged_in(client)
    assert "Too many failed login attempts" in response.content.decode()


def test_lock_out_follows_the_configured_limit(client):
    member = _member()
    limit = _per_key_limit("login_failed")

    for _ in range(limit - 1):
        client.post("/accounts/login/", _credentials(member, "wrong-password"))
    client.post("/accounts/login/", _credentials(member, PASSWORD))

    assert _is_logged_in(client)


@pytest.mark.parametrize("door", LOGIN_DOORS)
def test_unverified_account_cannot_log_in_through_any_door(client, door):
    member = _member(verified=False)

    client.post(door, _credentials(member, PASSWORD), follow=True)

    assert not _is_logged_in(client)


@pytest.mark.parametrize("door", RESET_DOORS)
def test_password_reset_through_any_door_is_rate_limited(client, door):
    member = _member()
    limit = _per_key_limit("reset_password")

    for _ in range(8):
        client.post(door, {"email": member.email}, follow=True)

    sent = [message for message in mail.outbox if message.to == [member.email]]
    assert len(sent) <= limit < 8
    if door == "/accounts/password/reset/":
        assert sent


@pytest.mark.parametrize(
    ("backend", "warned"),
    [
        ("django.core.cache.backends.locmem.LocMemCache", True),
        ("django.core.cache.backends.dummy.DummyCache", True),
        ("django.core.cache.backends.filebased.FileBasedCache", True),
        ("django_redis.cache.RedisCache", False),
        ("django.core.cache.backends.redis.RedisCache", False),
        ("django.core.cache.backends.memcached.PyMemcacheCache", False),
        ("django.core.cache.backends.db.DatabaseCache", False),
    ],
)
def test_rate_limit_check_warns_when_the_cache_is_not_shared(settings, backend, warned):
    from accounts.checks import rate_limit_cache_check

    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "unused"}}

    found = rate_limit_cache_check(None)

    assert bool(found) is warned
    if warned:
        assert found[0].id == "accounts.W001"
        assert "rate limits" in found[0].msg
        assert "lock-outs" in found[0].msg


def test_deploy_check_names_rate_limits_without_a_shared_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    deploy = [m.id for m in run_checks(include_deployment_checks=True)]
    plain = [m.id for m in run_checks()]

    assert "accounts.W001" in deploy
    assert "accounts.W001" not in plain
