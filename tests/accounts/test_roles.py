"""Roles are groups: created by a migration, given at sign-up, read by the User properties."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import services
from accounts.models import User
from accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_migration_created_the_four_role_groups():
    names = set(Group.objects.values_list("name", flat=True))

    assert {"Customers", "Brand representatives", "Support agents", "Administrators"} <= names


def test_role_values_are_the_group_names():
    assert {role.value for role in Role} == {
        "Customers",
        "Brand representatives",
        "Support agents",
        "Administrators",
    }


def test_signup_puts_the_new_member_in_customers(client):
    response = client.post(
        reverse("account_signup"),
        {
            "username": "newmember",
            "email": "newmember@example.com",
            "password1": "a-Long-passphrase-42",
            "password2": "a-Long-passphrase-42",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(username="newmember")
    assert list(user.groups.values_list("name", flat=True)) == ["Customers"]


def test_assign_default_role_is_idempotent():
    user = UserFactory()

    services.assign_default_role(user)
    services.assign_default_role(user)

    assert list(user.groups.values_list("name", flat=True)) == ["Customers"]


def test_set_roles_replaces_roles_and_keeps_other_groups():
    user = UserFactory(role=Role.CUSTOMER)
    newsletter = Group.objects.create(name="Newsletter editors")
    user.groups.add(newsletter)

    services.set_roles(user, roles=[Role.SUPPORT_AGENT])

    user = User.objects.get(pk=user.pk)
    assert set(user.groups.values_list("name", flat=True)) == {
        "Support agents",
        "Newsletter editors",
    }
    assert user.is_staff_member


@pytest.mark.parametrize(
    ("role", "is_staff_member", "is_moderator", "badge"),
    [
        (Role.CUSTOMER, False, False, ""),
        (Role.BRAND_REPRESENTATIVE, True, True, "Brand representative"),
        (Role.SUPPORT_AGENT, True, False, "Support agent"),
        (Role.ADMINISTRATOR, True, True, "Administrator"),
    ],
)
def test_role_decides_staff_member_moderator_and_badge(role, is_staff_member, is_moderator, badge):
    user = User.objects.get(pk=UserFactory(role=role).pk)

    assert (user.is_staff_member, user.is_moderator, user.staff_badge) == (
        is_staff_member,
        is_moderator,
        badge,
    )


def test_badge_shows_the_highest_of_several_roles():
    user = UserFactory(role=Role.SUPPORT_AGENT)
    user.groups.add(Group.objects.get(name=Role.ADMINISTRATOR.value))

    user = User.objects.get(pk=user.pk)
    assert user.staff_badge == "Administrator"


def test_superuser_without_a_role_counts_as_administrator():
    user = UserFactory(is_superuser=True)
    user.groups.clear()

    user = User.objects.get(pk=user.pk)
    assert (user.is_staff_member, user.is_moderator, user.staff_badge) == (
        True,
        True,
        "Administrator",
    )


@pytest.mark.parametrize(
    ("username", "display_name", "initials"),
    [("ana", "Ana María Lopez", "AM"), ("jane_doe", "", "JD"), ("x", "", "X")],
)
def test_initials_come_from_the_public_name(username, display_name, initials):
    assert User(username=username, display_name=display_name).initials == initials
