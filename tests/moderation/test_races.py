"""Two moderators (or flaggers) at once on PostgreSQL, with real threads: the first keeps
its transaction open until the second waits for its lock (``tests/forum/test_races.py``'s
``race``), so the interleaving happens every time."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied

from accounts.roles import Role
from moderation import services
from moderation.models import Flag, FlagReason, ReviewItem
from tests.factories import UserFactory, make_answer, make_thread
from tests.forum.test_races import _copy, _postgresql_only, race  # noqa: F401 (fixture)

pytestmark = [pytest.mark.flushes_db, pytest.mark.django_db(transaction=True)]

_defaults = importlib.import_module("moderation.migrations.0002_defaults_and_permissions")


@pytest.fixture
def reasons(db):
    """The flag reasons of the data migration (a flushed database has none)."""
    if not FlagReason.objects.exists():
        _defaults.create(apps, None)
    return {reason.code: reason for reason in FlagReason.objects.all()}


@pytest.fixture
def answer(category):
    return make_answer(make_thread(category=category))


def test_two_moderators_claiming_at_once_leave_one_holder(answer, reasons):
    services.flag_post(answer, flagger=UserFactory(), reason=reasons["rude"])
    item = ReviewItem.objects.get()
    anna, ben = (UserFactory(role=Role.BRAND_REPRESENTATIVE) for _ in range(2))

    first, second = race(
        lambda: services.claim_item(_copy(item), moderator=anna),
        lambda: services.claim_item(_copy(item), moderator=ben),
    )

    item.refresh_from_db()
    assert first is True
    assert isinstance(second, PermissionDenied)
    assert item.claimed_by == anna


def test_two_first_flags_at_once_open_one_item_with_both(answer, reasons):
    one, two = UserFactory(), UserFactory()

    first, second = race(
        lambda: services.flag_post(_copy(answer), flagger=one, reason=reasons["rude"]),
        lambda: services.flag_post(_copy(answer), flagger=two, reason=reasons["spam"]),
    )

    item = ReviewItem.objects.get()
    assert isinstance(first, Flag)
    assert isinstance(second, Flag)
    expected = services.flag_weight(one, reasons["rude"]) + services.flag_weight(
        two, reasons["spam"]
    )
    assert (item.flag_count, item.flag_weight) == (2, expected)
    assert set(item.flags.values_list("flagger", flat=True)) == {one.pk, two.pk}


def test_two_moderators_deciding_one_item_at_once_decide_it_once(answer, reasons):
    services.flag_post(answer, flagger=UserFactory(), reason=reasons["rude"])
    item = ReviewItem.objects.get()
    anna, ben = (UserFactory(role=Role.BRAND_REPRESENTATIVE) for _ in range(2))

    first, second = race(
        lambda: services.hide_post(_copy(answer), moderator=anna, item=_copy(item)),
        lambda: services.dismiss_item(_copy(item), moderator=ben),
    )

    item.refresh_from_db()
    answer.refresh_from_db()
    assert first is True
    assert second is False  # the item was decided meanwhile: nothing more happens
    assert (item.resolution, item.resolved_by, answer.state) == ("hidden", anna, "hidden")
