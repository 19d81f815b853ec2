"""Moderation on the pages: a suspended or warned member refused on every write path, the
flag page and "My flags", what the thread says about moderators' actions, and the staff
pages in the Wagtail admin (queue, audit log, moderators) with their query counts."""

import csv
import io
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from forum.models import Comment, Post, SuggestedEdit, Thread, Vote
from moderation import services
from moderation.models import AuditEntry, Flag, FlagReason, ReviewItem
from tests.factories import UserFactory, give_trust, make_answer, make_category, make_thread

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    return response.content.decode()


@pytest.fixture
def suspended(other_customer, brand_rep):
    services.suspend_member(
        other_customer,
        moderator=brand_rep,
        reason="Advertising in answers",
        until=timezone.now() + timedelta(days=3),
    )
    return other_customer


def _write_paths(thread, question, answer):
    """Every way a member changes something, as (name, method, url, data, extra headers)."""
    own = answer  # the suspended member wrote this answer
    return [
        (
            "ask",
            reverse("forum:ask"),
            {
                "category": str(thread.category_id),
                "title": "Another question about E42",
                "body": "Same problem as everyone, the display shows E42 at night.",
                "tags": "e42",
                "submission_key": str(uuid.uuid4()),
            },
            {},
        ),
        (
            "answer",
            reverse("forum:answer", kwargs={"pk": thread.pk}),
            {
                "body": "Try moving the router closer to the thermostat.",
                "submission_key": str(uuid.uuid4()),
            },
            {},
        ),
        (
            "comment",
            reverse("forum:comment", kwargs={"post_id": question.pk}),
            {"body": "Which firmware?"},
            {},
        ),
        (
            "comment-htmx",
            reverse("forum:comment", kwargs={"post_id": question.pk}),
            {"body": "Which firmware?"},
            {"HTTP_HX_REQUEST": "true"},
        ),
        ("vote", reverse("forum:vote", kwargs={"post_id": question.pk}), {"value": "up"}, {}),
        (
            "vote-htmx",
            reverse("forum:vote", kwargs={"post_id": question.pk}),
            {"value": "up"},
            {"HTTP_HX_REQUEST": "true"},
        ),
        (
            "edit-own",
            reverse("forum:edit_post", kwargs={"post_id": own.pk}),
            {"body": "An edited answer with more detail about the reset."},
            {},
        ),
        (
            "suggest",
            reverse("forum:edit_post", kwargs={"post_id": question.pk}),
            {
                "body": "A suggested text for the question, longer than before.",
                "title": thread.title,
                "tags": "",
            },
            {},
        ),
        ("delete-own", reverse("forum:delete_post", kwargs={"post_id": own.pk}), {}, {}),
        (
            "flag",
            reverse("moderation:flag", kwargs={"post_id": question.pk}),
            {"reason": str(FlagReason.objects.get(code="rude").pk)},
            {},
        ),
        ("preview", reverse("forum:preview"), {"body": "text"}, {}),
    ]


def _snapshot() -> tuple:
    return (
        Thread.objects.count(),
        Post.objects.count(),
        Comment.objects.count(),
        Vote.objects.count(),
        Flag.objects.count(),
        SuggestedEdit.objects.count(),
        list(Post.objects.order_by("pk").values_list("body_markdown", "state")),
    )


def test_a_suspended_member_is_refused_on_every_write_path_and_told_why(
    client_for, thread, question, other_customer, brand_rep
):
    member = give_trust(other_customer, 2)  # every privilege a path might ask for
    answer = make_answer(thread, author=member)  # their own post, written before
    services.suspend_member(
        member,
        moderator=brand_rep,
        reason="Advertising in answers",
        until=timezone.now() + timedelta(days=3),
    )
    client = client_for(member)
    before = _snapshot()

    for name, url, data, headers in _write_paths(thread, question, answer):
        response = client.post(url, data, follow=True, **headers)
        if name == "preview":
            continue  # a preview changes nothing; reading stays allowed
        page = _html(response)
        assert "suspended until" in page, name
        assert "Advertising in answers" in page, name

    assert _snapshot() == before


def test_a_suspended_member_still_reads_and_sees_the_notice_on_every_page(
    client_for, thread, suspended
):
    page = _html(client_for(suspended).get(thread.get_absolute_url()))

    assert thread.title in page
    assert "member-notice" in page
    assert "Your account is suspended until" in page


def test_a_warned_member_reads_and_acknowledges_then_posts(
    client_for, thread, other_customer, brand_rep
):
    services.warn_member(other_customer, moderator=brand_rep, message="Please keep it civil.")
    client = client_for(other_customer)
    data = {"body": "Try moving the router closer.", "submission_key": str(uuid.uuid4())}

    refused = _html(
        client.post(reverse("forum:answer", kwargs={"pk": thread.pk}), data, follow=True)
    )
    assert "read and acknowledge" in refused
    assert "Try moving the router closer." in refused  # what was typed is kept
    warning = _html(client.get(reverse("moderation:warning")))
    assert "Please keep it civil." in warning

    client.post(reverse("moderation:warning"), {"next": thread.get_absolute_url()})
    client.post(
        reverse("forum:answer", kwargs={"pk": thread.pk}),
        {**data, "submission_key": str(uuid.uuid4())},
    )

    assert Post.objects.filter(author=other_customer, kind="answer").count() == 1


def test_a_rate_limited_answer_says_so_and_keeps_the_text(settings, client_for, category):
    settings.MODERATION_NEW_MEMBER_RATES = {"answer": "1/h"}
    member = UserFactory()
    first, second = (
        make_thread(category=category, title=f"Question {n} on the E42 code") for n in range(2)
    )
    client = client_for(member)
    client.post(
        reverse("forum:answer", kwargs={"pk": first.pk}),
        {"body": "Reset the router first.", "submission_key": str(uuid.uuid4())},
    )

    response = client.post(
        reverse("forum:answer", kwargs={"pk": second.pk}),
        {"body": "My second answer, kept when refused.", "submission_key": str(uuid.uuid4())},
        follow=True,
    )

    page = _html(response)
    assert "too many answers" in page
    assert "My second answer, kept when refused." in page
    assert Post.objects.filter(author=member, kind="answer").count() == 1


def test_a_rate_limited_question_comes_back_with_every_field(settings, client_for, category):
    settings.MODERATION_NEW_MEMBER_RATES = {"question": "1/h"}
    member = UserFactory()
    client = client_for(member)
    data = {
        "category": str(category.pk),
        "title": "Heating stays on after schedule ends",
        "body": "Every evening the heating keeps running past the schedule's end.",
        "tags": "heating schedule",
    }
    client.post(reverse("forum:ask"), {**data, "submission_key": str(uuid.uuid4())})

    response = client.post(
        reverse("forum:ask"),
        {**data, "title": "A second question, refused", "submission_key": str(uuid.uuid4())},
        follow=True,
    )

    page = _html(response)
    assert "too many questions" in page
    assert 'value="A second question, refused"' in page
    assert "heating schedule" in page
    assert Thread.objects.filter(author=member).count() == 1


# --- Flagging ----------------------------------------------------------------------------


def test_a_member_flags_a_post_and_later_sees_what_became_of_it(
    client_for, answer, customer, brand_rep
):
    client = client_for(customer)
    page = _html(client.get(reverse("moderation:flag", kwargs={"post_id": answer.pk})))
    assert "Spam or advertising" in page

    client.post(
        reverse("moderation:flag", kwargs={"post_id": answer.pk}),
        {"reason": str(FlagReason.objects.get(code="rude").pk), "text": "Insults"},
    )
    services.hide_post(answer, moderator=brand_rep, item=ReviewItem.objects.get())

    mine = _html(client.get(reverse("moderation:my_flags")))
    assert "Rude or abusive" in mine
    assert "A moderator hid the post." in mine
    assert Flag.objects.get().text == "Insults"


def test_a_flag_form_with_a_missing_explanation_keeps_what_was_chosen(client_for, answer, customer):
    reason = FlagReason.objects.get(code="other")

    response = client_for(customer).post(
        reverse("moderation:flag", kwargs={"post_id": answer.pk}), {"reason": str(reason.pk)}
    )

    page = _html(response)
    assert response.status_code == 400
    assert "Please say in a few words what is wrong." in page
    assert f'value="{reason.pk}" id="id_reason_5" checked' in page or "checked" in page
    assert not Flag.objects.exists()


def test_the_thread_page_offers_members_a_flag_link_and_not_on_their_own_posts(
    client_for, thread, question, answer, customer
):
    page = _html(client_for(customer).get(thread.get_absolute_url()))

    assert reverse("moderation:flag", kwargs={"post_id": answer.pk}) in page
    assert reverse("moderation:flag", kwargs={"post_id": question.pk}) not in page


def test_anonymous_visitors_are_asked_to_log_in_to_flag(client, answer):
    response = client.get(reverse("moderation:flag", kwargs={"post_id": answer.pk}))

    assert response.status_code == 302
    assert "/accounts/login/" in response.url


# --- What the thread says -------------------------------------------------------------------


def test_a_closed_duplicate_says_who_closed_it_why_and_links_the_original(
    client, category, brand_rep
):
    User.objects.filter(pk=brand_rep.pk).update(display_name="Anna")
    brand_rep.refresh_from_db()
    original = make_thread(category=category, title="E42 on the display every night")
    duplicate = make_thread(category=category, title="Thermostat shows E42 at night")
    services.close_as_duplicate(
        duplicate, moderator=brand_rep, original=original, reason="Same E42"
    )

    dup_page = _html(client.get(duplicate.get_absolute_url()))
    org_page = _html(client.get(original.get_absolute_url()))

    assert "Closed by Anna (Brand representative) as a duplicate of" in dup_page
    assert original.get_absolute_url() in dup_page
    assert "Same E42" in dup_page
    assert duplicate.get_absolute_url() in org_page


def test_a_locked_thread_says_who_locked_it_and_why(client, thread, brand_rep):
    services.lock_thread(thread, moderator=brand_rep, reason="Fixed in firmware 5.2.1")

    page = _html(client.get(thread.get_absolute_url()))

    assert f"Locked by {brand_rep.public_name} (Brand representative)." in page
    assert "Fixed in firmware 5.2.1" in page


def test_moderator_thread_actions_work_from_the_site(client_for, thread, brand_rep):
    client = client_for(brand_rep)

    client.post(reverse("moderation:lock_thread", kwargs={"pk": thread.pk}), {"reason": "Done"})

    thread.refresh_from_db()
    assert (thread.is_locked, thread.lock_reason) == (True, "Done")
    assert AuditEntry.objects.get().action == "moderation.thread.locked"


def test_a_product_scoped_representative_cannot_act_on_another_product(
    client_for, thread, brand_rep, administrator
):
    other = make_category("Aero Vacuum")
    services.set_moderated_products(brand_rep, administrator=administrator, category_ids=[other.pk])
    brand_rep.refresh_from_db()

    response = client_for(brand_rep).post(
        reverse("moderation:lock_thread", kwargs={"pk": thread.pk}), {"reason": "x"}
    )

    thread.refresh_from_db()
    assert response.status_code == 403
    assert "moderate other products" in _html(response)
    assert not thread.is_locked


# --- The staff pages ---------------------------------------------------------------------------


def _queue_items(count: int, category) -> None:
    flagger_pool = [UserFactory() for _ in range(3)]
    reasons = list(FlagReason.objects.all())
    for n in range(count):
        thread = make_thread(category=category, title=f"Queue thread number {n} about E42")
        answer = make_answer(thread)
        services.flag_post(answer, flagger=flagger_pool[n % 3], reason=reasons[n % 3])
        if n % 2:
            services.flag_post(answer, flagger=flagger_pool[(n + 1) % 3], reason=reasons[0])


def _count_queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_queue_costs_as_many_queries_with_200_items_as_with_10(client_for, category, brand_rep):
    client = client_for(brand_rep)
    url = reverse("moderation_queue:index")
    _queue_items(10, category)
    small = _count_queries(client, url)

    _queue_items(190, category)
    big = _count_queries(client, url)

    assert big == small
    page = _html(client.get(url))
    assert page.count('class="queue-item') == 50  # one page of the 200


def test_the_queue_filters_by_flag_reason_and_flagger(client_for, category, answer, brand_rep):
    spammer_flagger, rude_flagger = UserFactory(username="f_spam"), UserFactory(username="f_rude")
    other = make_answer(make_thread(category=category, title="Another E42 question here"))
    services.flag_post(answer, flagger=spammer_flagger, reason=FlagReason.objects.get(code="spam"))
    services.flag_post(other, flagger=rude_flagger, reason=FlagReason.objects.get(code="rude"))
    client = client_for(brand_rep)
    url = reverse("moderation_queue:index")

    by_reason = _html(client.get(url, {"reason": "spam"}))
    by_flagger = _html(client.get(url, {"flagger": "f_rude"}))

    assert by_reason.count('class="queue-item') == 1
    assert "f_spam" in by_reason
    assert by_flagger.count('class="queue-item') == 1
    assert "f_rude" in by_flagger


def test_an_item_older_than_its_products_target_stands_out(client_for, answer, customer, brand_rep):
    from moderation.models import ProductQueueTarget

    ProductQueueTarget.objects.create(category=answer.thread.category, hours=2)
    services.flag_post(answer, flagger=customer, reason=FlagReason.objects.get(code="rude"))
    ReviewItem.objects.update(created_at=timezone.now() - timedelta(hours=3))

    page = _html(client_for(brand_rep).get(reverse("moderation_queue:index")))

    assert "is-overdue" in page
    assert "Over the 2 h target" in page


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.SUPPORT_AGENT])
def test_the_staff_pages_refuse_non_moderators(client_for, role):
    client = client_for(UserFactory(role=role))
    for name in ("moderation_queue:index", "moderation_audit:index", "moderation_moderators:index"):
        response = client.get(reverse(name))
        assert response.status_code in (302, 403), name


def test_a_queue_decision_by_a_customer_is_refused(client_for, answer, customer, other_customer):
    services.flag_post(answer, flagger=customer, reason=FlagReason.objects.get(code="rude"))
    item = ReviewItem.objects.get()

    client_for(other_customer).post(reverse("moderation_queue:decide", args=[item.pk, "hide"]))

    answer.refresh_from_db()
    assert answer.state == "published"


def test_the_queue_decides_in_one_click_with_a_note(client_for, answer, customer, brand_rep):
    services.flag_post(answer, flagger=customer, reason=FlagReason.objects.get(code="rude"))
    item = ReviewItem.objects.get()

    client_for(brand_rep).post(
        reverse("moderation_queue:decide", args=[item.pk, "hide"]), {"note": "Insults"}
    )

    answer.refresh_from_db()
    item.refresh_from_db()
    assert answer.state == "hidden"
    assert (item.resolution, item.note) == ("hidden", "Insults")
    assert AuditEntry.objects.get().reason == "Insults"


def test_the_audit_log_lists_filters_and_exports_csv(client_for, thread, brand_rep, administrator):
    services.lock_thread(thread, moderator=brand_rep, reason="=cmd|' /C calc'!A0")
    services.pin_thread(thread, moderator=administrator)
    client = client_for(administrator)
    url = reverse("moderation_audit:index")

    page = _html(client.get(url, {"action": "moderation.thread.locked"}))
    response = client.get(url, {"actor": brand_rep.username, "format": "csv"})

    assert "moderation.thread.locked" in page
    assert "moderation.thread.pinned" not in page
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["when", "action", "by"]
    assert [row[1] for row in rows[1:]] == ["moderation.thread.locked"]
    assert rows[1][9].startswith("'=")  # a formula is quoted as text


def test_the_audit_log_costs_as_many_queries_for_120_entries_as_for_5(
    client_for, thread, brand_rep
):
    client = client_for(brand_rep)
    url = reverse("moderation_audit:index")
    for _ in range(3):
        services.lock_thread(thread, moderator=brand_rep)
        services.unlock_thread(thread, moderator=brand_rep)
    small = _count_queries(client, url)
    for _ in range(60):
        services.pin_thread(thread, moderator=brand_rep)
        services.unpin_thread(thread, moderator=brand_rep)

    assert _count_queries(client, url) == small


def test_an_administrator_limits_a_representative_to_some_products(
    client_for, category, brand_rep, administrator
):
    other = make_category("Aero Vacuum")

    client_for(administrator).post(
        reverse("moderation_moderators:index"),
        {
            "member": brand_rep.pk,
            f"m{brand_rep.pk}-products": [str(other.pk)],
            f"m{brand_rep.pk}-reason": "Vacuum team",
        },
    )

    brand_rep.refresh_from_db()
    assert brand_rep.moderated_product_ids == [other.pk]
    assert not brand_rep.moderates(category.pk)
    assert AuditEntry.objects.get().reason == "Vacuum team"


def test_moderation_is_a_permission_not_a_group_name(thread, brand_rep):
    from django.contrib.auth.models import Group

    Group.objects.filter(name=Role.BRAND_REPRESENTATIVE.value).update(name="Brand team")
    renamed = User.objects.get(pk=brand_rep.pk)

    assert renamed.is_moderator
    services.lock_thread(thread, moderator=renamed)
    thread.refresh_from_db()
    assert thread.is_locked


def test_a_moderator_merges_and_splits_from_the_thread_page(client_for, category, brand_rep):
    original = make_thread(category=category, title="E42 on the display every night")
    duplicate = make_thread(category=category, title="Thermostat shows E42 at night")
    answer = make_answer(duplicate)
    other = make_answer(original, body="My thermostat reboots every hour instead, since Monday.")
    client = client_for(brand_rep)
    page = _html(client.get(reverse("moderation:thread", kwargs={"pk": duplicate.pk})))
    assert "Merge into another thread" in page

    client.post(
        reverse("moderation:merge_thread", kwargs={"pk": duplicate.pk}),
        {"into": f"http://testserver{original.get_absolute_url()}", "reason": "Same"},
    )
    response = client.post(
        reverse("moderation:split_thread", kwargs={"pk": original.pk}),
        {"title": "Thermostat reboots every hour", "answers": [str(other.pk)]},
    )

    answer.refresh_from_db()
    other.refresh_from_db()
    assert answer.thread_id == original.pk
    assert other.kind == "question"
    assert response.status_code == 302
    assert response.url == other.thread.get_absolute_url()


def test_a_merge_into_an_unknown_thread_says_so_and_keeps_the_form(client_for, thread, brand_rep):
    response = client_for(brand_rep).post(
        reverse("moderation:merge_thread", kwargs={"pk": thread.pk}),
        {"into": "/t/999999/nothing/", "reason": "Same problem"},
    )

    assert response.status_code == 400
    page = _html(response)
    assert "No thread has that address" in page
    assert 'value="Same problem"' in page
    thread.refresh_from_db()
    assert thread.duplicate_of is None


def test_the_moderators_pages_for_a_post_a_member_and_a_canned_answer_render(
    client_for, thread, answer, customer, brand_rep
):
    from moderation.models import CannedReply

    reply = CannedReply.objects.create(title="Ask", body="Hi {asker}, which {product} model?")
    services.flag_post(answer, flagger=customer, reason=FlagReason.objects.get(code="rude"))
    client = client_for(brand_rep)

    post_page = _html(client.get(reverse("moderation:post", kwargs={"post_id": answer.pk})))
    member_page = _html(
        client.get(reverse("moderation:member", kwargs={"username": answer.author.username}))
    )
    canned = _html(
        client.get(
            reverse("moderation:canned_answer", kwargs={"pk": thread.pk, "reply_id": reply.pk})
        )
    )

    assert "Rude or abusive" in post_page
    assert "Mark as spammer" in member_page
    assert f"Hi {thread.author.public_name}, which {thread.category.title} model?" in canned


def test_a_customer_cannot_open_the_moderators_pages(client_for, answer, other_customer):
    client = client_for(other_customer)

    responses = [
        client.get(reverse("moderation:post", kwargs={"post_id": answer.pk})),
        client.get(reverse("moderation:thread", kwargs={"pk": answer.thread_id})),
        client.get(reverse("moderation:member", kwargs={"username": answer.author.username})),
    ]

    assert [response.status_code for response in responses] == [403, 403, 403]


def test_a_pending_answer_shows_to_its_author_marked_and_to_nobody_else(
    client_for, client, thread, other_customer, customer, settings
):
    settings.FORUM_PAGE_CACHE_SECONDS = 300  # the shared page cache, as in production
    pending = make_answer(
        thread, author=other_customer, body="See https://support.example.com/e42 for the fix."
    )
    assert pending.state == "pending"

    anonymous = _html(client.get(thread.get_absolute_url()))
    asker = _html(client_for(customer).get(thread.get_absolute_url()))
    author = _html(client_for(other_customer).get(thread.get_absolute_url()))

    assert f'id="post-{pending.pk}"' not in anonymous
    assert f'id="post-{pending.pk}"' not in asker
    assert f'id="post-{pending.pk}"' in author
    assert "Waiting for review: only you and the moderators can see this." in author


def test_a_moderator_restores_a_removed_post_from_its_moderation_page(
    client_for, thread, answer, brand_rep
):
    services.delete_post(answer, moderator=brand_rep, reason="Looked like spam")
    client = client_for(brand_rep)

    page = _html(client.get(reverse("moderation:post", kwargs={"post_id": answer.pk})))
    client.post(reverse("moderation:restore_post", kwargs={"post_id": answer.pk}))

    answer.refresh_from_db()
    assert "Restore" in page
    assert answer.state == "published"


def test_a_post_decision_on_an_account_item_is_refused_with_words_not_an_error(
    client_for, other_customer, brand_rep
):
    item = services.watch_member(other_customer, moderator=brand_rep, reason="New and noisy")

    response = client_for(brand_rep).post(
        reverse("moderation_queue:decide", args=[item.pk, "hide"]), follow=True
    )

    item.refresh_from_db()
    assert response.status_code == 200
    assert "can be let go, warned or suspended" in _html(response)
    assert item.is_open


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example", "https://evil.example/"])
def test_acknowledging_a_warning_never_leaves_the_site(
    client_for, other_customer, brand_rep, target
):
    services.warn_member(other_customer, moderator=brand_rep, message="Please keep it civil.")

    response = client_for(other_customer).post(reverse("moderation:warning"), {"next": target})

    assert response.status_code == 302
    assert response.url == "/"


def test_editing_from_the_queue_settles_the_item_and_upholds_its_flags(
    client_for, answer, customer, brand_rep
):
    flag = services.flag_post(answer, flagger=customer, reason=FlagReason.objects.get(code="rude"))
    item = ReviewItem.objects.get()
    url = reverse("moderation:edit_post", kwargs={"post_id": answer.pk}) + f"?item={item.pk}"

    client_for(brand_rep).post(
        url, {"body": "Hold the reset button for ten seconds.", "reason": "Removed an insult"}
    )

    item.refresh_from_db()
    flag.refresh_from_db()
    assert (item.resolution, flag.status) == ("edited", "upheld")


def test_my_flags_costs_as_many_queries_with_30_flags_as_with_3(client_for, category, customer):
    client = client_for(customer)
    reason = FlagReason.objects.get(code="rude")

    def flag(count: int) -> None:
        for n in range(count):
            thread = make_thread(category=category, title=f"Flagged thread {n} {count}")
            services.flag_post(make_answer(thread), flagger=customer, reason=reason)

    flag(3)
    client.get(reverse("moderation:my_flags"))  # the day's visit is counted once, here
    small = _count_queries(client, reverse("moderation:my_flags"))
    flag(27)

    assert _count_queries(client, reverse("moderation:my_flags")) == small


ADMIN_LISTS = [
    "moderation_flag_reasons",
    "moderation_canned_replies",
    "moderation_screening_rules",
    "moderation_blocked_domains",
    "moderation_queue_targets",
    "moderation_settings",
]


@pytest.mark.parametrize("name", ADMIN_LISTS)
def test_an_administrator_opens_every_moderation_list(client_for, administrator, name):
    response = client_for(administrator).get(reverse(f"{name}:index"))

    assert response.status_code == 200


def test_a_representative_writes_canned_replies_but_not_flag_reasons(client_for, brand_rep):
    from moderation.models import CannedReply

    client = client_for(brand_rep)

    client.post(
        reverse("moderation_canned_replies:add"),
        {"title": "Ask for the model", "body": "Hi {asker}, which model?", "is_active": "on"},
    )
    response = client.post(
        reverse("moderation_flag_reasons:add"),
        {"label": "Made up", "code": "made-up", "sort_order": "1", "extra_weight": "0"},
    )

    assert CannedReply.objects.filter(title="Ask for the model").exists()
    assert response.status_code in (302, 403)
    assert not FlagReason.objects.filter(code="made-up").exists()
