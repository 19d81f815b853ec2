"""The review queue in a real browser: what an item shows, the filters, claiming, one-click
decisions with a note, and the keyboard shortcuts of ``static/moderation/queue.js``."""

import datetime
import importlib
import re

import pytest
from django.apps import apps
from django.db.models import F
from playwright.sync_api import expect

from accounts.roles import Role
from forum.models import Visibility
from moderation import services
from moderation.models import Flag, FlagReason, ReviewItem, ScreeningRule
from tests.e2e.conftest import E2E_DB
from tests.factories import UserFactory, make_answer, make_category, make_thread

pytestmark = [pytest.mark.e2e, E2E_DB]

QUEUE = "/admin/moderation/queue/"
TIMES = "\N{MULTIPLICATION SIGN}"  # between a flag reason and its count
FOCUSED = re.compile(r"\bis-focused\b")
HELD_WORDS = "free crypto"
HELD_RULE_NOTE = "crypto offers"
HELD_BODY = f"Send your serial number to get {HELD_WORDS} and a new thermostat for nothing."

_moderation_defaults = importlib.import_module(
    "moderation.migrations.0002_defaults_and_permissions"
)


@pytest.fixture(autouse=True)
def flag_reasons():
    """The data migration's flag reasons; serialized rollback restores them, but a flushed
    database has none, so they are made again when missing."""
    if not FlagReason.objects.filter(code="spam").exists():
        _moderation_defaults.create(apps, None)


def reason(code: str) -> FlagReason:
    return FlagReason.objects.get(code=code)


@pytest.fixture
def nimbus():
    return make_category("Nimbus Thermostat")


@pytest.fixture
def aero():
    return make_category("Aero Fan")


@pytest.fixture
def rep():
    return UserFactory(role=Role.BRAND_REPRESENTATIVE, display_name="Rita from Nimbus")


@pytest.fixture
def other_rep():
    return UserFactory(role=Role.BRAND_REPRESENTATIVE, display_name="Otto from Nimbus")


@pytest.fixture
def alice():
    return UserFactory(username="alice")


@pytest.fixture
def bob():
    return UserFactory(username="bob")


def flagged_answer(category, *flags, body="Buy cheap spare parts at my shop, best prices."):
    """An answer in *category* flagged once per ``(flagger, reason code, text)``; its item."""
    answer = make_answer(make_thread(category=category), body=body)
    for flagger, code, text in flags:
        services.flag_post(answer, flagger=flagger, reason=reason(code), text=text)
    return ReviewItem.objects.get(post=answer, status=ReviewItem.Status.OPEN)


def held_answer(category):
    """An answer in *category* that the screening holds for review (a screening rule
    matches it), put in the queue by the ``post_held`` receiver as in production; its item."""
    ScreeningRule.objects.get_or_create(pattern=HELD_WORDS, defaults={"note": HELD_RULE_NOTE})
    answer = make_answer(make_thread(category=category), body=HELD_BODY)
    assert answer.state == Visibility.PENDING
    return ReviewItem.objects.get(post=answer, status=ReviewItem.Status.OPEN)


def age(item: ReviewItem, *, hours: int) -> None:
    """Make *item* have waited *hours* longer (its rank follows, as ``services._rank``)."""
    delta = datetime.timedelta(hours=hours)
    ReviewItem.objects.filter(pk=item.pk).update(
        created_at=F("created_at") - delta, rank=F("rank") + int(delta.total_seconds())
    )


def queue_item(page, item: ReviewItem):
    return page.locator(f"#item-{item.pk}")


def shown_items(page) -> list[int]:
    return [
        int(pk)
        for pk in page.locator(".queue-item").evaluate_all("els => els.map(e => e.dataset.item)")
    ]


# --- What an item shows -------------------------------------------------------------------


def test_queue_shows_flagged_and_pending_items_with_score_reasons_and_flags(
    login_context, rep, nimbus, alice, bob
):
    flagged = flagged_answer(nimbus, (alice, "spam", "Sells fake parts"), (bob, "rude", ""))
    pending = held_answer(nimbus)
    page = login_context(rep).new_page()

    page.goto(QUEUE)

    # Two flags of weight 2 (a customer's flag plus the reasons' extra weight) outrank
    # a fresh pending post.
    assert shown_items(page) == [flagged.pk, pending.pk]
    flagged_row, pending_row = queue_item(page, flagged), queue_item(page, pending)
    expect(flagged_row.locator(".queue-score")).to_have_text("4.0")
    expect(flagged_row.locator(".queue-kind")).to_have_text("Flagged")
    expect(flagged_row).to_contain_text(
        f"Flags: Rude or abusive {TIMES}1, Spam or advertising {TIMES}1"
        " — alice (“Sells fake parts”), bob"
    )
    expect(flagged_row).to_contain_text("Buy cheap spare parts at my shop")
    expect(pending_row.locator(".queue-score")).to_have_text("0.0")
    expect(pending_row.locator(".queue-kind")).to_have_text("Waiting for approval")
    expect(pending_row).to_contain_text(
        f"Why it is here: matches the screening rule “{HELD_RULE_NOTE}”"
    )
    expect(pending_row).to_contain_text("answer · waiting for review")
    expect(pending_row).not_to_contain_text("Flags:")
    flagged.refresh_from_db()
    assert (flagged.flag_count, flagged.flag_weight) == (2, 4)


# --- Filters --------------------------------------------------------------------------------


@pytest.fixture
def mixed_queue(nimbus, aero, alice, bob):
    """Three open items: an old spam flag by alice in Nimbus, a fresh rude flag by bob in
    Aero, and a fresh held post in Nimbus."""
    old_spam = flagged_answer(nimbus, (alice, "spam", ""))
    age(old_spam, hours=48)
    rude = flagged_answer(aero, (bob, "rude", ""), body="Read the manual, it is not hard.")
    held = held_answer(nimbus)
    return {"old_spam": old_spam, "rude": rude, "held": held}


def _choose_reason(page):
    page.get_by_label("Flag reason").select_option(label="Spam or advertising")


def _choose_product(page):
    page.get_by_label("Product").select_option(label="Nimbus Thermostat")


def _choose_age(page):
    page.get_by_label("Waiting").select_option(label="Over a day")


def _type_flagger(page):
    page.get_by_label("Flagged by").fill("bob")


@pytest.mark.parametrize(
    ("choose", "expected"),
    [
        pytest.param(_choose_reason, ["old_spam"], id="flag-reason"),
        pytest.param(_choose_product, ["old_spam", "held"], id="product"),
        pytest.param(_choose_age, ["old_spam"], id="age"),
        pytest.param(_type_flagger, ["rude"], id="flagger"),
    ],
)
def test_queue_filter_keeps_only_the_matching_items(
    login_context, rep, mixed_queue, choose, expected
):
    page = login_context(rep).new_page()
    page.goto(QUEUE)
    expect(page.locator(".queue-item")).to_have_count(3)

    choose(page)
    with page.expect_navigation():
        page.locator("form.queue-filters").get_by_role("button", name="Filter").click()

    expect(page.locator(".queue-item")).to_have_count(len(expected))
    assert shown_items(page) == [mixed_queue[name].pk for name in expected]
    # Nothing was decided by looking.
    assert ReviewItem.objects.filter(status=ReviewItem.Status.OPEN).count() == 3


# --- Claiming -------------------------------------------------------------------------------


def test_claimed_item_shows_who_works_it_and_offers_others_no_decision(
    login_context, rep, other_rep, nimbus, alice
):
    item = flagged_answer(nimbus, (alice, "spam", ""))
    page = login_context(rep).new_page()
    page.goto(QUEUE)

    with page.expect_navigation():
        queue_item(page, item).get_by_role("button", name="Claim").click()

    expect(page.get_by_text("You are working on this item.")).to_be_visible()
    mine = queue_item(page, item)
    expect(mine.locator(".status-tag.claimed")).to_have_text("You are working on it")
    expect(mine.get_by_role("button", name="Give back")).to_be_visible()
    expect(mine.get_by_role("button", name="Hide")).to_be_visible()
    item.refresh_from_db()
    assert item.claimed_by == rep
    assert item.claimed_at is not None
    assert item.is_open

    other = login_context(other_rep).new_page()
    other.goto(QUEUE)
    theirs = queue_item(other, item)
    expect(theirs.locator(".status-tag.claimed")).to_have_text("Rita from Nimbus is working on it")
    expect(theirs.get_by_role("button")).to_have_count(0)
    expect(theirs.get_by_role("textbox")).to_have_count(0)


# --- One-click decisions ----------------------------------------------------------------------


def test_approving_a_held_post_publishes_it_for_visitors(
    login_context, page, rep, nimbus, settings
):
    # As in production: visitors get cached pages, which the decision must refresh.
    settings.FORUM_PAGE_CACHE_SECONDS = 300
    item = held_answer(nimbus)
    post = item.post
    page.goto(post.thread.get_absolute_url())
    expect(page.locator(f"#post-{post.pk}")).to_have_count(0)
    moderator = login_context(rep).new_page()
    moderator.goto(QUEUE)

    row = queue_item(moderator, item)
    row.get_by_label("Note (optional)").fill("Checked: a real giveaway by the shop.")
    with moderator.expect_navigation():
        row.get_by_role("button", name="Approve").click()

    expect(moderator.get_by_text("Approved.")).to_be_visible()
    expect(queue_item(moderator, item)).to_have_count(0)
    post.refresh_from_db()
    item.refresh_from_db()
    assert post.state == Visibility.PUBLISHED
    assert item.status == ReviewItem.Status.RESOLVED
    assert item.resolution == services.Decision.APPROVED
    assert item.resolved_by == rep
    assert item.note == "Checked: a real giveaway by the shop."
    page.reload()
    expect(page.locator(f"#post-{post.pk}")).to_contain_text(HELD_WORDS)


def test_hiding_a_flagged_post_hides_it_from_visitors_and_upholds_the_flags(
    login_context, page, rep, nimbus, alice, bob, settings
):
    settings.FORUM_PAGE_CACHE_SECONDS = 300
    item = flagged_answer(nimbus, (alice, "spam", ""), (bob, "spam", ""))
    post = item.post
    page.goto(post.thread.get_absolute_url())
    expect(page.locator(f"#post-{post.pk}")).to_be_visible()
    moderator = login_context(rep).new_page()
    moderator.goto(QUEUE)

    row = queue_item(moderator, item)
    row.get_by_label("Note (optional)").fill("Advertising.")
    with moderator.expect_navigation():
        row.get_by_role("button", name="Hide").click()

    expect(moderator.get_by_text("Hidden.", exact=True)).to_be_visible()
    expect(queue_item(moderator, item)).to_have_count(0)
    post.refresh_from_db()
    item.refresh_from_db()
    assert post.state == Visibility.HIDDEN
    assert item.status == ReviewItem.Status.RESOLVED
    assert item.resolution == services.Decision.HIDDEN
    assert item.resolved_by == rep
    assert item.note == "Advertising."
    assert set(Flag.objects.filter(item=item).values_list("status", flat=True)) == {
        Flag.Status.UPHELD
    }
    page.reload()
    expect(page.locator(f"#post-{post.pk}")).to_have_count(0)


def test_dismissing_flags_leaves_the_post_up(login_context, page, rep, nimbus, alice):
    item = flagged_answer(nimbus, (alice, "rude", ""), body="Read the manual, it is on page four.")
    post = item.post
    moderator = login_context(rep).new_page()
    moderator.goto(QUEUE)

    row = queue_item(moderator, item)
    row.get_by_label("Note (optional)").fill("Blunt, not rude.")
    with moderator.expect_navigation():
        row.get_by_role("button", name="Dismiss flags").click()

    expect(moderator.get_by_text("Flags dismissed: the post stays as it is.")).to_be_visible()
    expect(queue_item(moderator, item)).to_have_count(0)
    post.refresh_from_db()
    item.refresh_from_db()
    assert post.state == Visibility.PUBLISHED
    assert item.status == ReviewItem.Status.RESOLVED
    assert item.resolution == services.Decision.DISMISSED
    assert item.note == "Blunt, not rude."
    flag = Flag.objects.get(item=item)
    assert (flag.status, flag.outcome) == (Flag.Status.DISMISSED, services.Decision.DISMISSED)
    page.goto(post.thread.get_absolute_url())
    expect(page.locator(f"#post-{post.pk}")).to_contain_text("Read the manual")


# --- Keyboard shortcuts -------------------------------------------------------------------------


def test_j_focuses_the_first_item_then_the_next(login_context, rep, nimbus, alice):
    first = flagged_answer(nimbus, (alice, "spam", ""))
    second = held_answer(nimbus)
    page = login_context(rep).new_page()
    page.goto(QUEUE)

    page.keyboard.press("j")

    expect(queue_item(page, first)).to_be_focused()
    expect(queue_item(page, first)).to_have_class(FOCUSED)
    page.keyboard.press("j")
    expect(queue_item(page, second)).to_be_focused()
    expect(queue_item(page, first)).not_to_have_class(FOCUSED)


def test_c_claims_the_focused_item(login_context, rep, nimbus, alice):
    item = flagged_answer(nimbus, (alice, "spam", ""))
    page = login_context(rep).new_page()
    page.goto(QUEUE)

    page.keyboard.press("j")
    with page.expect_navigation():
        page.keyboard.press("c")

    expect(queue_item(page, item).locator(".status-tag.claimed")).to_have_text(
        "You are working on it"
    )
    item.refresh_from_db()
    assert item.claimed_by == rep
    assert item.is_open


def test_letters_typed_in_a_note_are_not_shortcuts(login_context, rep, nimbus, alice):
    item = flagged_answer(nimbus, (alice, "spam", ""))
    page = login_context(rep).new_page()
    page.goto(QUEUE)
    page.keyboard.press("j")

    note = queue_item(page, item).get_by_label("Note (optional)")
    note.press_sequentially("jack")

    expect(note).to_have_value("jack")
    assert page.url.endswith(QUEUE)
    item.refresh_from_db()
    assert item.claimed_by is None


def test_enter_in_the_note_of_a_claimed_item_submits_nothing(login_context, rep, nimbus, alice):
    # Enter once pressed the form's first button, "Give back": the claim and the note were lost.
    item = flagged_answer(nimbus, (alice, "spam", ""))
    page = login_context(rep).new_page()
    page.goto(QUEUE)
    with page.expect_navigation():
        queue_item(page, item).get_by_role("button", name="Claim").click()
    row = queue_item(page, item)
    expect(row.get_by_role("button", name="Give back")).to_be_visible()
    item.refresh_from_db()
    claimed_by, claimed_at = item.claimed_by, item.claimed_at
    assert claimed_by == rep
    # From here on, record every form submission (fired while Enter is handled) and POST.
    page.evaluate(
        """() => {
            window.submitted = [];
            document.addEventListener("submit", (event) => window.submitted.push(
                event.submitter ? event.submitter.formAction : event.target.action), true);
        }"""
    )
    posts = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))

    note = row.get_by_label("Note (optional)")
    note.fill("Checking the shop link first.")
    note.press("Enter")

    assert page.evaluate("window.submitted") == []
    expect(note).to_have_value("Checking the shop link first.")
    expect(note).to_be_focused()
    expect(row.locator(".status-tag.claimed")).to_have_text("You are working on it")
    expect(page.get_by_text("The item is back in the queue.")).to_have_count(0)
    expect(page.get_by_text("You are working on this item.")).to_have_count(1)
    assert page.url.endswith(QUEUE)
    assert posts == []
    item.refresh_from_db()
    assert (item.claimed_by, item.claimed_at) == (claimed_by, claimed_at)
    assert item.is_open
