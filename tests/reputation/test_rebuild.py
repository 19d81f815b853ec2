"""``manage.py rebuild_reputation``: the stored scores against the ledger's sums."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line

from accounts.models import User
from accounts.roles import Role
from reputation import services
from reputation.models import Level
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(administrator):
    """Two members whose stored scores equal their ledgers (40 and 5 points)."""
    alice = UserFactory(username="alice", role=Role.CUSTOMER)
    bob = UserFactory(username="bob", role=Role.CUSTOMER)
    services.adjust(alice, points=40, actor=administrator, note="help")
    services.adjust(bob, points=5, actor=administrator, note="help")
    return alice, bob


def plant_difference(member, reputation: int) -> None:
    User.objects.filter(pk=member.pk).update(reputation=reputation)


def run(*args) -> str:
    out = StringIO()
    call_command("rebuild_reputation", *args, stdout=out)
    return out.getvalue()


def test_check_reports_no_difference_when_scores_equal_the_ledger(members):
    output = run("--check")
    checked = User.objects.count()
    assert f"Checked {checked} members in " in output
    assert "every stored reputation equals its ledger sum" in output


def test_check_finds_a_planted_difference_and_fails(members):
    alice, _ = members
    plant_difference(alice, 1000)
    with pytest.raises(CommandError) as raised:
        run("--check")
    assert raised.value.returncode == 1
    assert "1 differ from their ledger sum (not fixed)" in str(raised.value)
    alice.refresh_from_db()
    assert alice.reputation == 1000


def test_check_prints_each_difference(members):
    alice, bob = members
    plant_difference(alice, 1000)
    plant_difference(bob, -3)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("rebuild_reputation", "--check", stdout=out)
    lines = out.getvalue().splitlines()
    assert "alice: stored 1000, ledger sum 40" in lines
    assert "bob: stored -3, ledger sum 5" in lines


def test_check_exits_with_status_1_from_the_command_line(members, capsys):
    plant_difference(members[0], 1000)
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "rebuild_reputation", "--check"])
    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert "alice: stored 1000, ledger sum 40" in captured.out
    assert "differ from their ledger sum" in captured.err


def test_rebuild_fixes_a_planted_difference(members):
    alice, bob = members
    plant_difference(alice, 1000)
    output = run()
    assert "alice: stored 1000, ledger sum 40" in output
    assert "1 differed from their ledger sum, now fixed" in output
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert (alice.reputation, bob.reputation) == (40, 5)
    assert "every stored reputation equals its ledger sum" in run("--check")


def test_rebuild_works_out_trust_levels_again(members):
    alice, _ = members
    User.objects.filter(pk=alice.pk).update(reputation=0, trust_level=Level.NEW)
    output = run()
    alice.refresh_from_db()
    assert (alice.reputation, alice.trust_level) == (40, Level.BASIC)
    assert "Trust levels worked out again" in output


def test_rebuild_moves_levels_that_drifted_without_a_score_difference(members):
    alice, _ = members
    User.objects.filter(pk=alice.pk).update(trust_level=Level.LEADER)
    output = run()
    alice.refresh_from_db()
    assert alice.trust_level == Level.BASIC
    assert "Trust levels worked out again: 1 moved." in output


def test_check_changes_no_trust_level(members):
    alice, _ = members
    User.objects.filter(pk=alice.pk).update(trust_level=Level.LEADER)
    run("--check")
    alice.refresh_from_db()
    assert alice.trust_level == Level.LEADER
