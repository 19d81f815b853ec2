"""Forum pages and actions over HTTP: success, refusal, validation and list ordering."""

import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from forum import services
from forum.models import Comment, Post, Thread, Vote
from moderation import services as moderation_services
from reputation.models import Privilege
from tests.factories import UserFactory, give_privilege, make_answer, make_category, make_thread

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("account_login")
QUESTION_BODY = "Since the last firmware update the display shows E42 at night."


def _html(response) -> str:
    return response.content.decode()


def _assert_login_redirect(response) -> None:
    assert response.status_code == 302
    assert response.url.startswith(f"{LOGIN_URL}?next=")


def _ask_data(product, **overrides) -> dict:
    data = {
        "category": str(product.pk),
        "title": "Heating stays on after schedule ends",
        "body": "The heating keeps running for an hour after the schedule ends.",
        "tags": "heating schedule",
        "submission_key": str(uuid.uuid4()),
    }
    return {**data, **overrides}


@pytest.fixture
def locked_thread(thread, administrator):
    moderation_services.lock_thread(thread, moderator=administrator)
    thread.refresh_from_db()
    return thread


@pytest.fixture
def comment(question, other_customer):
    return services.post_comment(question, author=other_customer, body="Which firmware version?")


# --- thread page ------------------------------------------------------------------------------


def test_thread_page_shows_question_and_answers(client, thread, answer):
    response = client.get(thread.get_absolute_url())

    assert response.status_code == 200
    html = _html(response)
    assert thread.title in html
    assert QUESTION_BODY in html
    assert answer.body_html in html


def test_thread_page_shows_accepted_answer_first_with_its_mark(client, thread, answer, brand_rep):
    accepted = make_answer(thread, author=brand_rep, body="Firmware 2.1 fixes the E42 error.")
    services.cast_vote(answer, voter=brand_rep, value=Vote.UP)
    services.accept_answer(accepted, actor=thread.author)

    html = _html(client.get(thread.get_absolute_url()))

    assert "Accepted solution" in html
    assert html.index(f'id="post-{accepted.pk}"') < html.index(f'id="post-{answer.pk}"')


def test_thread_page_of_unknown_id_is_not_found(client, thread):
    response = client.get(reverse("forum:thread", kwargs={"pk": thread.pk + 1000, "slug": "x"}))

    assert response.status_code == 404


def test_thread_page_with_wrong_slug_redirects_permanently_to_the_right_url(client, thread):
    response = client.get(reverse("forum:thread", kwargs={"pk": thread.pk, "slug": "old-title"}))

    assert response.status_code == 301
    assert response.url == thread.get_absolute_url()


def test_thread_page_of_deleted_thread_is_not_found(client, thread, question, customer):
    services.delete_post(question, actor=customer)

    response = client.get(thread.get_absolute_url())

    assert response.status_code == 404


def test_thread_page_hides_deleted_answer(client, thread, answer, other_customer):
    services.delete_post(answer, actor=other_customer)

    html = _html(client.get(thread.get_absolute_url()))

    assert f'id="post-{answer.pk}"' not in html


def test_thread_page_shows_moderator_buttons_only_to_moderators(client_for, thread, brand_rep):
    html = _html(client_for(brand_rep).get(thread.get_absolute_url()))

    assert reverse("moderation:lock_thread", kwargs={"pk": thread.pk}) in html


def test_thread_page_hides_moderator_buttons_from_customers(client_for, thread, customer):
    html = _html(client_for(customer).get(thread.get_absolute_url()))

    assert reverse("moderation:lock_thread", kwargs={"pk": thread.pk}) not in html


def _count_queries(client, url: str) -> int:
    client.get(url)  # warm the per-process caches (site root paths, content types)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _add_answers(thread, count: int) -> None:
    for _ in range(count):
        author = UserFactory()
        answer = make_answer(thread, author=author)
        services.post_comment(answer, author=thread.author, body="Thanks, I will try it.")
        services.cast_vote(answer, voter=thread.author, value=Vote.UP)


def test_thread_page_costs_the_same_queries_for_one_and_four_answers(
    client_for, customer, category, brand_rep
):
    client = client_for(brand_rep)
    small = make_thread(author=customer, category=category, tags=("wifi",))
    large = make_thread(author=customer, category=category, tags=("wifi", "display", "e42"))
    _add_answers(small, 1)
    _add_answers(large, 4)

    small_count = _count_queries(client, small.get_absolute_url())
    large_count = _count_queries(client, large.get_absolute_url())

    assert large_count == small_count


# --- ask --------------------------------------------------------------------------------------


def test_ask_page_redirects_anonymous_to_login(client):
    response = client.get(reverse("forum:ask"))

    assert response.status_code == 302
    assert response.url == f"{LOGIN_URL}?next={reverse('forum:ask')}"


def test_ask_post_by_anonymous_creates_nothing(client, category):
    response = client.post(reverse("forum:ask"), _ask_data(category))

    assert response.status_code == 302
    assert not Thread.objects.exists()


def test_ask_page_lists_the_products(client_for, customer, category):
    response = client_for(customer).get(reverse("forum:ask"))

    assert response.status_code == 200
    assert f'<option value="{category.pk}">{category.title}</option>' in _html(response)


def test_ask_page_preselects_the_product_from_the_query(client_for, customer, category):
    response = client_for(customer).get(reverse("forum:ask"), {"product": category.slug})

    assert f'<option value="{category.pk}" selected>' in _html(response)


def test_ask_post_creates_thread_and_redirects_to_it(client_for, customer, category):
    response = client_for(customer).post(reverse("forum:ask"), _ask_data(category))

    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response.url == thread.get_absolute_url()
    assert thread.title == "Heating stays on after schedule ends"
    assert thread.author == customer
    assert thread.category.pk == category.pk
    assert sorted(tag.name for tag in thread.tags.all()) == ["heating", "schedule"]


def test_ask_post_twice_with_same_submission_key_creates_one_thread(client_for, customer, category):
    client = client_for(customer)
    data = _ask_data(category)

    first = client.post(reverse("forum:ask"), data)
    second = client.post(reverse("forum:ask"), data)

    assert Thread.objects.count() == 1
    assert first.url == second.url == Thread.objects.get().get_absolute_url()


def test_ask_post_with_empty_fields_says_what_is_missing(client_for, customer, category):
    response = client_for(customer).post(
        reverse("forum:ask"),
        _ask_data(category, category="", title="", body="", tags=""),
        follow=True,
    )

    assert response.status_code == 200
    html = _html(response)
    assert "Please choose the product your question is about." in html
    assert "Please write a title." in html
    assert "Please describe the problem." in html
    assert not Thread.objects.exists()


def test_ask_post_with_empty_body_keeps_the_typed_title_and_tags(client_for, customer, category):
    response = client_for(customer).post(
        reverse("forum:ask"), _ask_data(category, body="", tags="heating night-mode"), follow=True
    )

    html = _html(response)
    assert "Please describe the problem." in html
    assert 'value="Heating stays on after schedule ends"' in html
    assert 'value="heating night-mode"' in html
    assert f'<option value="{category.pk}" selected>' in html


def test_ask_post_with_too_long_title_keeps_the_typed_values(client_for, customer, category):
    title = "Heating " + "very " * 30 + "long"
    body = "The heating keeps running for an hour after the schedule ends."

    response = client_for(customer).post(
        reverse("forum:ask"), _ask_data(category, title=title, body=body), follow=True
    )

    assert response.status_code == 200
    html = _html(response)
    assert f"The title is too long: keep it to 150 characters (it has {len(title)})." in html
    assert f'value="{title}"' in html
    assert body in html
    assert not Thread.objects.exists()


def test_ask_post_with_too_short_title_says_so(client_for, customer, category):
    response = client_for(customer).post(
        reverse("forum:ask"), _ask_data(category, title="Help"), follow=True
    )

    html = _html(response)
    assert "The title is too short: write at least 10 characters (it has 4)." in html
    assert 'value="Help"' in html


def test_ask_post_with_too_long_body_keeps_the_typed_values(client_for, customer, category):
    body = "E42 " * 5001

    response = client_for(customer).post(
        reverse("forum:ask"), _ask_data(category, body=body), follow=True
    )

    assert response.status_code == 200
    html = _html(response)
    assert "The description is too long: keep it to 20000 characters" in html
    assert body.strip() in html
    assert 'value="Heating stays on after schedule ends"' in html
    assert not Thread.objects.exists()


def test_ask_post_with_unknown_product_keeps_the_typed_values(client_for, customer, category):
    data = _ask_data(category, category=str(category.pk + 999))

    response = client_for(customer).post(reverse("forum:ask"), data, follow=True)

    assert response.status_code == 200
    html = _html(response)
    assert "Please choose one of the products in the list." in html
    assert 'value="Heating stays on after schedule ends"' in html
    assert data["body"] in html
    assert not Thread.objects.exists()


def test_ask_post_with_six_tags_keeps_the_typed_values(client_for, customer, category):
    tags = "heating schedule night wifi display e42"

    response = client_for(customer).post(
        reverse("forum:ask"), _ask_data(category, tags=tags), follow=True
    )

    assert response.status_code == 200
    html = _html(response)
    assert "Use at most 5 tags (you gave 6)." in html
    assert f'value="{tags}"' in html
    assert 'value="Heating stays on after schedule ends"' in html
    assert not Thread.objects.exists()


def test_ask_post_with_bad_tag_characters_keeps_the_typed_values(client_for, customer, category):
    response = client_for(customer).post(
        reverse("forum:ask"), _ask_data(category, tags="heating wi/fi"), follow=True
    )

    assert response.status_code == 200
    html = _html(response)
    assert "The tag “wi/fi” may use only letters, digits and - . + #." in html
    assert 'value="heating wi/fi"' in html
    assert not Thread.objects.exists()


def test_ask_preview_renders_the_body_without_posting(client_for, customer, category):
    data = _ask_data(category, body="Shows **E42** at night <script>alert(1)</script>")

    client = client_for(customer)
    response = client.post(reverse("forum:ask"), {**data, "preview": "1"})
    page = client.get(response.url)

    assert response.url == reverse("forum:ask")
    assert page.status_code == 200
    html = _html(page)
    assert "<strong>E42</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert not Thread.objects.exists()


def test_ask_preview_keeps_the_live_preview_and_shows_no_form_errors(
    client_for, customer, category
):
    # A preview before the title is written is not a mistake to be told off for.
    data = _ask_data(category, title="", body="Shows **E42** at night, every single night.")
    client = client_for(customer)

    client.post(reverse("forum:ask"), {**data, "preview": "1"})
    html = _html(client.get(reverse("forum:ask")))
    german = _html(client.get(f"/de{reverse('forum:ask')}"))

    assert "<strong>E42</strong>" in html
    assert "message-error" not in html
    assert "Please write a title." not in html
    assert 'hx-post="/preview/"' in html, "the live preview still follows the typing"
    assert "Shows **E42** at night, every single night.</textarea>" in german


def test_a_posted_question_forgets_its_draft(client_for, customer, category):
    client = client_for(customer)
    client.post(reverse("forum:ask"), _ask_data(category, title="Help"))
    client.post(reverse("forum:ask"), _ask_data(category))

    html = _html(client.get(reverse("forum:ask")))

    assert Thread.objects.count() == 1
    assert 'value="Help"' not in html


# --- answer -----------------------------------------------------------------------------------


def test_answer_post_creates_answer_and_redirects_to_it(client_for, thread, other_customer):
    response = client_for(other_customer).post(
        reverse("forum:answer", kwargs={"pk": thread.pk}),
        {"body": "Hold the reset button for ten seconds.", "submission_key": str(uuid.uuid4())},
    )

    answer = Post.objects.answers().get()
    thread.refresh_from_db()
    assert response.status_code == 302
    assert response.url == answer.get_absolute_url()
    assert answer.author == other_customer
    assert thread.answer_count == 1


def test_answer_post_twice_with_same_submission_key_creates_one_answer(
    client_for, thread, other_customer
):
    client = client_for(other_customer)
    data = {"body": "Hold the reset button for ten seconds.", "submission_key": str(uuid.uuid4())}

    client.post(reverse("forum:answer", kwargs={"pk": thread.pk}), data)
    client.post(reverse("forum:answer", kwargs={"pk": thread.pk}), data)

    thread.refresh_from_db()
    assert Post.objects.answers().count() == 1
    assert thread.answer_count == 1


def test_answer_post_by_anonymous_redirects_to_login(client, thread):
    response = client.post(
        reverse("forum:answer", kwargs={"pk": thread.pk}),
        {"body": "Hold the reset button for ten seconds."},
    )

    _assert_login_redirect(response)
    assert not Post.objects.answers().exists()


def test_answer_on_locked_thread_says_why_and_keeps_the_typed_answer(
    client_for, locked_thread, other_customer
):
    typed = "Hold the reset button for ten seconds, then pair it again."
    client = client_for(other_customer)

    response = client.post(
        reverse("forum:answer", kwargs={"pk": locked_thread.pk}),
        {"body": typed, "submission_key": str(uuid.uuid4())},
    )

    assert response.status_code == 302
    assert response.url == f"{locked_thread.get_absolute_url()}#answer-form"
    html = _html(client.get(response.url))
    assert "This thread is locked: it no longer takes new answers." in html
    assert typed in html
    assert not Post.objects.answers().exists()


def test_refused_answer_lands_on_the_thread_with_the_reason_and_the_typed_text(
    client_for, thread, other_customer
):
    client = client_for(other_customer)

    response = client.post(reverse("forum:answer", kwargs={"pk": thread.pk}), {"body": "Reset it."})

    assert response.status_code == 302
    assert response.url == f"{thread.get_absolute_url()}#answer-form"
    page = client.get(response.url)
    assert page.status_code == 200
    html = _html(page)
    assert "The answer is too short: write at least 20 characters (it has 9)." in html
    assert "Reset it.</textarea>" in html
    assert not Post.objects.answers().exists()


def test_refused_answer_survives_a_reload_and_a_switch_of_language(
    client_for, thread, other_customer
):
    client = client_for(other_customer)
    client.post(reverse("forum:answer", kwargs={"pk": thread.pk}), {"body": "Reset it."})

    reloaded = _html(client.get(thread.get_absolute_url()))
    german = _html(client.get(f"/de{thread.get_absolute_url()}"))

    assert "Reset it.</textarea>" in reloaded
    assert "Reset it.</textarea>" in german
    assert "Die Antwort ist zu kurz" in german


def test_a_posted_answer_forgets_its_refused_draft(client_for, thread, other_customer):
    client = client_for(other_customer)
    client.post(reverse("forum:answer", kwargs={"pk": thread.pk}), {"body": "Reset it."})
    client.post(
        reverse("forum:answer", kwargs={"pk": thread.pk}),
        {"body": "Hold the reset button for ten seconds.", "submission_key": str(uuid.uuid4())},
    )

    html = _html(client.get(thread.get_absolute_url()))

    assert "Reset it.</textarea>" not in html
    assert Post.objects.answers().count() == 1


def test_another_member_never_sees_a_refused_draft(client_for, thread, other_customer, customer):
    client_for(other_customer).post(
        reverse("forum:answer", kwargs={"pk": thread.pk}), {"body": "Reset it."}
    )

    html = _html(client_for(customer).get(thread.get_absolute_url()))

    assert "Reset it." not in html


def test_answer_on_unknown_thread_is_not_found(client_for, thread, other_customer):
    response = client_for(other_customer).post(
        reverse("forum:answer", kwargs={"pk": thread.pk + 1000}),
        {"body": "Hold the reset button for ten seconds."},
    )

    assert response.status_code == 404


# --- comment ----------------------------------------------------------------------------------


def test_comment_post_creates_comment_and_redirects_to_the_post(
    client_for, question, other_customer
):
    response = client_for(other_customer).post(
        reverse("forum:comment", kwargs={"post_id": question.pk}), {"body": "Which model?"}
    )

    question.refresh_from_db()
    assert response.status_code == 302
    assert response.url == question.get_absolute_url()
    assert Comment.objects.get().body_markdown == "Which model?"
    assert question.comment_count == 1


def test_comment_post_by_anonymous_redirects_to_login(client, question):
    response = client.post(
        reverse("forum:comment", kwargs={"post_id": question.pk}), {"body": "Which model?"}
    )

    _assert_login_redirect(response)
    assert not Comment.objects.exists()


def test_comment_on_locked_thread_is_refused_with_the_reason(
    client_for, locked_thread, other_customer
):
    question = locked_thread.posts.get(kind=Post.Kind.QUESTION)

    response = client_for(other_customer).post(
        reverse("forum:comment", kwargs={"post_id": question.pk}), {"body": "Which model?"}
    )

    assert response.status_code == 403
    assert "This thread is locked" in _html(response)
    assert not Comment.objects.exists()


def test_comment_on_locked_thread_via_htmx_returns_the_reason_fragment(
    client_for, locked_thread, other_customer
):
    question = locked_thread.posts.get(kind=Post.Kind.QUESTION)

    response = client_for(other_customer).post(
        reverse("forum:comment", kwargs={"post_id": question.pk}),
        {"body": "Which model?"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 403
    html = _html(response)
    assert "This thread is locked" in html
    assert "<html" not in html


def test_comment_too_short_says_so_and_keeps_the_text(client_for, question, other_customer):
    client = client_for(other_customer)
    response = client.post(reverse("forum:comment", kwargs={"post_id": question.pk}), {"body": "?"})

    assert response.status_code == 302
    assert response.url == reverse("forum:comment", kwargs={"post_id": question.pk})
    html = _html(client.get(response.url))
    assert "The comment is too short" in html
    assert ">\n?</textarea>" in html
    german = _html(client.get(f"/de{response.url}"))
    assert ">\n?</textarea>" in german


def test_edit_page_is_prefilled_for_the_author(client_for, thread, question, customer):
    response = client_for(customer).get(reverse("forum:edit_post", kwargs={"post_id": question.pk}))

    assert response.status_code == 200
    html = _html(response)
    assert f'value="{thread.title}"' in html
    assert QUESTION_BODY in html


def test_edit_post_saves_the_change_and_redirects(client_for, thread, question, customer):
    response = client_for(customer).post(
        reverse("forum:edit_post", kwargs={"post_id": question.pk}),
        {
            "title": "E42 after the March update",
            "body": "It now shows E43 too, at night.",
            "tags": "e42",
        },
    )

    thread.refresh_from_db()
    question.refresh_from_db()
    assert response.status_code == 302
    assert response.url == question.get_absolute_url()
    assert thread.title == "E42 after the March update"
    assert question.body_markdown == "It now shows E43 too, at night."
    assert [tag.name for tag in thread.tags.all()] == ["e42"]
    assert question.revisions.get().body_markdown == QUESTION_BODY


def test_edit_post_by_brand_rep_goes_to_the_audited_moderator_edit(client_for, answer, brand_rep):
    client = client_for(brand_rep)
    response = client.get(reverse("forum:edit_post", kwargs={"post_id": answer.pk}))
    assert response.status_code == 302
    assert response.url == reverse("moderation:edit_post", kwargs={"post_id": answer.pk})

    response = client.post(
        response.url,
        {"body": "Hold reset for twenty seconds, then pair it again.", "reason": "Clearer steps"},
    )

    answer.refresh_from_db()
    assert response.status_code == 302
    assert answer.body_markdown == "Hold reset for twenty seconds, then pair it again."
    assert answer.revisions.get().reason == "Clearer steps"


def test_edit_post_by_other_customer_is_refused_with_the_reason(client_for, answer, customer):
    response = client_for(customer).post(
        reverse("forum:edit_post", kwargs={"post_id": answer.pk}),
        {"body": "Something else entirely, replacing the answer."},
    )

    answer.refresh_from_db()
    assert response.status_code == 403
    assert "To suggest edits to other members&#x27; posts you need" in _html(response)
    assert answer.edit_count == 0


def test_edit_page_redirects_anonymous_to_login(client, answer):
    response = client.get(reverse("forum:edit_post", kwargs={"post_id": answer.pk}))

    _assert_login_redirect(response)


def test_edit_post_with_too_short_text_keeps_the_typed_values(client_for, question, customer):
    client = client_for(customer)
    edit_url = reverse("forum:edit_post", kwargs={"post_id": question.pk})
    response = client.post(
        edit_url, {"title": "E42 after the March update", "body": "Too short", "tags": "e42"}
    )

    question.refresh_from_db()
    assert response.status_code == 302
    assert response.url == edit_url
    html = _html(client.get(edit_url))
    assert "The text is too short" in html
    assert 'value="E42 after the March update"' in html
    assert ">\nToo short</textarea>" in html
    assert question.edit_count == 0
    german = _html(client.get(f"/de{edit_url}"))
    assert 'value="E42 after the March update"' in german
    assert ">\nToo short</textarea>" in german


def test_thread_page_links_an_edited_post_to_its_history_for_its_author(
    client_for, answer, other_customer
):
    services.edit_post(answer, editor=other_customer, body="Hold reset for twenty seconds.")
    history_url = reverse("forum:post_history", kwargs={"post_id": answer.pk})

    html = _html(client_for(other_customer).get(answer.get_absolute_url()))

    assert f'<a href="{history_url}">edited</a>' in html


def test_thread_page_shows_no_history_link_for_an_unedited_post(client, answer):
    history_url = reverse("forum:post_history", kwargs={"post_id": answer.pk})

    html = _html(client.get(answer.get_absolute_url()))

    assert history_url not in html


def test_post_history_shows_its_author_the_old_text_and_the_current_one(
    client_for, answer, brand_rep, other_customer
):
    old_body = answer.body_markdown
    services.edit_post(answer, editor=brand_rep, body="Hold reset for twenty seconds.")

    response = client_for(other_customer).get(
        reverse("forum:post_history", kwargs={"post_id": answer.pk})
    )

    assert response.status_code == 200
    html = _html(response)
    assert f'<pre class="revision-source">{old_body}</pre>' in html
    assert "<p>Hold reset for twenty seconds.</p>" in html
    assert brand_rep.public_name in html


def test_post_history_of_deleted_post_is_not_found(client, answer, other_customer):
    services.delete_post(answer, actor=other_customer)

    response = client.get(reverse("forum:post_history", kwargs={"post_id": answer.pk}))

    assert response.status_code == 404


# --- delete -----------------------------------------------------------------------------------


def test_delete_page_asks_for_confirmation(client_for, answer, other_customer):
    response = client_for(other_customer).get(
        reverse("forum:delete_post", kwargs={"post_id": answer.pk})
    )

    answer.refresh_from_db()
    assert response.status_code == 200
    assert "Delete your answer?" in _html(response)
    assert not answer.is_deleted


def test_delete_answer_post_deletes_and_redirects_to_the_thread(
    client_for, thread, answer, other_customer
):
    response = client_for(other_customer).post(
        reverse("forum:delete_post", kwargs={"post_id": answer.pk})
    )

    answer.refresh_from_db()
    thread.refresh_from_db()
    assert response.status_code == 302
    assert response.url == thread.get_absolute_url()
    assert answer.is_deleted
    assert thread.answer_count == 0


def test_delete_question_post_deletes_the_thread_and_redirects_home(
    client_for, thread, question, customer
):
    client = client_for(customer)

    response = client.post(reverse("forum:delete_post", kwargs={"post_id": question.pk}))

    thread.refresh_from_db()
    assert response.status_code == 302
    assert response.url == "/"
    assert thread.is_deleted
    assert client.get(thread.get_absolute_url()).status_code == 404


def test_delete_post_by_other_user_is_refused_with_the_reason(client_for, answer, customer):
    response = client_for(customer).post(
        reverse("forum:delete_post", kwargs={"post_id": answer.pk})
    )

    answer.refresh_from_db()
    assert response.status_code == 403
    assert "You can only delete your own posts." in _html(response)
    assert not answer.is_deleted


def test_delete_question_with_answers_is_refused_with_the_reason(
    client_for, thread, question, answer, customer
):
    response = client_for(customer).post(
        reverse("forum:delete_post", kwargs={"post_id": question.pk})
    )

    thread.refresh_from_db()
    assert response.status_code == 403
    assert "This question has answers, so it can no longer be deleted." in _html(response)
    assert not thread.is_deleted


def test_delete_post_by_anonymous_redirects_to_login(client, answer):
    response = client.post(reverse("forum:delete_post", kwargs={"post_id": answer.pk}))

    answer.refresh_from_db()
    _assert_login_redirect(response)
    assert not answer.is_deleted


def test_delete_comment_post_deletes_and_redirects_to_the_post(
    client_for, question, comment, other_customer
):
    response = client_for(other_customer).post(
        reverse("forum:delete_comment", kwargs={"comment_id": comment.pk})
    )

    comment.refresh_from_db()
    question.refresh_from_db()
    assert response.status_code == 302
    assert response.url == question.get_absolute_url()
    assert comment.is_deleted
    assert question.comment_count == 0


def test_delete_comment_by_other_customer_is_refused_with_the_reason(client_for, comment, customer):
    response = client_for(customer).post(
        reverse("forum:delete_comment", kwargs={"comment_id": comment.pk})
    )

    comment.refresh_from_db()
    assert response.status_code == 403
    assert "You can only delete your own comments." in _html(response)
    assert not comment.is_deleted


def test_delete_comment_by_anonymous_redirects_to_login(client, comment):
    response = client.post(reverse("forum:delete_comment", kwargs={"comment_id": comment.pk}))

    comment.refresh_from_db()
    _assert_login_redirect(response)
    assert not comment.is_deleted


# --- vote -------------------------------------------------------------------------------------


def test_vote_plain_post_records_the_vote_and_redirects_to_the_post(client_for, answer, customer):
    response = client_for(customer).post(
        reverse("forum:vote", kwargs={"post_id": answer.pk}), {"value": "up"}
    )

    answer.refresh_from_db()
    assert response.status_code == 302
    assert response.url == answer.get_absolute_url()
    assert answer.score == 1


def test_vote_via_htmx_returns_the_vote_fragment_with_the_new_score(
    client_for, answer, customer, brand_rep
):
    services.cast_vote(answer, voter=brand_rep, value=Vote.UP)

    response = client_for(customer).post(
        reverse("forum:vote", kwargs={"post_id": answer.pk}),
        {"value": "up"},
        HTTP_HX_REQUEST="true",
    )

    answer.refresh_from_db()
    assert response.status_code == 200
    html = _html(response)
    assert html.startswith(f'<div class="vote" id="vote-{answer.pk}">')
    assert '<span class="score" aria-live="polite" aria-label="score">2</span>' in html
    assert 'aria-pressed="true"' in html
    assert answer.score == 2


def test_vote_down_via_htmx_shows_the_lowered_score(client_for, answer, customer):
    give_privilege(customer, Privilege.DOWNVOTE)
    response = client_for(customer).post(
        reverse("forum:vote", kwargs={"post_id": answer.pk}),
        {"value": "down"},
        HTTP_HX_REQUEST="true",
    )

    answer.refresh_from_db()
    assert '<span class="score" aria-live="polite" aria-label="score">-1</span>' in _html(response)
    assert answer.score == -1


def test_vote_clear_takes_the_vote_back(client_for, answer, customer):
    services.cast_vote(answer, voter=customer, value=Vote.UP)

    client_for(customer).post(
        reverse("forum:vote", kwargs={"post_id": answer.pk}), {"value": "clear"}
    )

    answer.refresh_from_db()
    assert answer.score == 0
    assert not Vote.objects.exists()


def test_me_too_vote_on_question_via_htmx_shows_the_new_count(
    client_for, thread, question, other_customer
):
    response = client_for(other_customer).post(
        reverse("forum:vote", kwargs={"post_id": question.pk}),
        {"value": "up"},
        HTTP_HX_REQUEST="true",
    )

    thread.refresh_from_db()
    assert "1 person has this problem" in _html(response)
    assert thread.vote_count == 1


def test_vote_down_on_question_is_refused_with_the_reason(client_for, question, other_customer):
    response = client_for(other_customer).post(
        reverse("forum:vote", kwargs={"post_id": question.pk}), {"value": "down"}
    )

    question.refresh_from_db()
    assert response.status_code == 403
    assert "Questions take only “I have this problem too” votes." in _html(response)
    assert question.score == 0


def test_vote_by_anonymous_redirects_to_login(client, answer):
    response = client.post(reverse("forum:vote", kwargs={"post_id": answer.pk}), {"value": "up"})

    answer.refresh_from_db()
    assert response.status_code == 302
    # The anchor travels inside next (encoded), so log-in lands on the answer itself.
    path, anchor = answer.get_absolute_url().split("#")
    assert response.url == f"{LOGIN_URL}?next={path}%23{anchor}"
    assert answer.score == 0


def test_vote_by_anonymous_via_htmx_says_to_log_in(client, answer):
    response = client.post(
        reverse("forum:vote", kwargs={"post_id": answer.pk}),
        {"value": "up"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 403
    assert "Please log in first." in _html(response)


def test_vote_on_own_post_is_refused_with_the_reason(client_for, answer, other_customer):
    response = client_for(other_customer).post(
        reverse("forum:vote", kwargs={"post_id": answer.pk}), {"value": "up"}
    )

    answer.refresh_from_db()
    assert response.status_code == 403
    assert "You cannot vote on your own post." in _html(response)
    assert answer.score == 0


def test_vote_with_unknown_value_is_a_bad_request(client_for, answer, customer):
    response = client_for(customer).post(
        reverse("forum:vote", kwargs={"post_id": answer.pk}), {"value": "sideways"}
    )

    assert response.status_code == 400
    assert not Vote.objects.exists()


# --- accept -----------------------------------------------------------------------------------


def test_accept_post_by_asker_marks_the_solution_and_redirects(
    client_for, thread, answer, customer
):
    response = client_for(customer).post(reverse("forum:accept", kwargs={"post_id": answer.pk}))

    thread.refresh_from_db()
    assert response.status_code == 302
    assert response.url == answer.get_absolute_url()
    assert thread.accepted_answer == answer


def test_accept_post_by_other_customer_is_refused_with_the_reason(
    client_for, thread, answer, other_customer
):
    response = client_for(other_customer).post(
        reverse("forum:accept", kwargs={"post_id": answer.pk})
    )

    thread.refresh_from_db()
    assert response.status_code == 403
    assert "Only the person who asked" in _html(response)
    assert thread.accepted_answer is None


def test_accept_post_by_support_agent_via_htmx_returns_the_reason_fragment(
    client_for, thread, answer, support_agent
):
    response = client_for(support_agent).post(
        reverse("forum:accept", kwargs={"post_id": answer.pk}), HTTP_HX_REQUEST="true"
    )

    thread.refresh_from_db()
    assert response.status_code == 403
    assert "Only the person who asked" in _html(response)
    assert "<html" not in _html(response)
    assert thread.accepted_answer is None


def test_accept_post_on_the_question_is_refused(client_for, thread, question, customer):
    response = client_for(customer).post(reverse("forum:accept", kwargs={"post_id": question.pk}))

    thread.refresh_from_db()
    assert response.status_code == 403
    assert "Only an answer can be marked as the solution." in _html(response)
    assert thread.accepted_answer is None


def test_accept_post_by_anonymous_redirects_to_login(client, thread, answer):
    response = client.post(reverse("forum:accept", kwargs={"post_id": answer.pk}))

    thread.refresh_from_db()
    _assert_login_redirect(response)
    assert thread.accepted_answer is None


def test_unaccept_post_by_asker_clears_the_solution(client_for, thread, answer, customer):
    services.accept_answer(answer, actor=customer)

    response = client_for(customer).post(reverse("forum:unaccept", kwargs={"pk": thread.pk}))

    thread.refresh_from_db()
    assert response.status_code == 302
    assert response.url == thread.get_absolute_url()
    assert thread.accepted_answer is None


def test_unaccept_post_by_other_customer_is_refused_with_the_reason(
    client_for, thread, answer, customer, other_customer
):
    services.accept_answer(answer, actor=customer)

    response = client_for(other_customer).post(reverse("forum:unaccept", kwargs={"pk": thread.pk}))

    thread.refresh_from_db()
    assert response.status_code == 403
    assert "Only the person who asked" in _html(response)
    assert thread.accepted_answer == answer


# --- moderation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "field", "start"),
    [
        ("lock", "is_locked", False),
        ("unlock", "is_locked", True),
        ("pin", "is_pinned", False),
        ("unpin", "is_pinned", True),
    ],
)
def test_moderation_post_by_brand_rep_changes_the_thread(
    client_for, thread, brand_rep, action, field, start
):
    Thread.objects.filter(pk=thread.pk).update(**{field: start})

    response = client_for(brand_rep).post(
        reverse(f"moderation:{action}_thread", kwargs={"pk": thread.pk})
    )

    thread.refresh_from_db()
    assert response.status_code == 302
    assert response.url == thread.get_absolute_url()
    assert getattr(thread, field) is (not start)


@pytest.mark.parametrize("role", ["customer", "support_agent"])
def test_lock_post_by_non_moderator_is_refused_with_the_reason(request, client_for, thread, role):
    response = client_for(request.getfixturevalue(role)).post(
        reverse("moderation:lock_thread", kwargs={"pk": thread.pk})
    )

    thread.refresh_from_db()
    assert response.status_code == 403
    assert "Only brand representatives and administrators can do this." in _html(response)
    assert not thread.is_locked


def test_lock_post_by_anonymous_redirects_to_login(client, thread):
    response = client.post(reverse("moderation:lock_thread", kwargs={"pk": thread.pk}))

    thread.refresh_from_db()
    _assert_login_redirect(response)
    assert not thread.is_locked


# --- lists ------------------------------------------------------------------------------------

ROW_TITLE = re.compile(r'<h3 class="thread-title">.*?<a href="[^"]*">(.*?)</a>', re.S)


def _titles(html: str) -> list[str]:
    return ROW_TITLE.findall(html)


def _row(html: str, title: str) -> str:
    rows = [row for row in html.split('<li class="thread-row')[1:] if f">{title}</a>" in row]
    assert len(rows) == 1, f"{title!r} is listed {len(rows)} times"
    return rows[0]


def _set_times(thread: Thread, *, created_days_ago: float, active_hours_ago: float) -> None:
    now = timezone.now()
    Thread.objects.filter(pk=thread.pk).update(
        created_at=now - timedelta(days=created_days_ago),
        last_activity_at=now - timedelta(hours=active_hours_ago),
    )


def _me_too(thread: Thread, votes: int) -> None:
    question = thread.posts.get(kind=Post.Kind.QUESTION)
    for _ in range(votes):
        services.cast_vote(question, voter=UserFactory(), value=Vote.UP)


@pytest.fixture(params=["category", "tag"])
def list_url(request, category):
    """The URL of a thread list that holds every thread made with ``_listed``."""
    return f"/c/{category.slug}/" if request.param == "category" else "/tags/wifi/"


def _listed(title: str, *, author, category) -> Thread:
    return make_thread(author=author, category=category, title=title, tags=("wifi",))


@pytest.fixture
def sortable(customer, category):
    """Alpha: old, active lately, 1 vote. Bravo: middle, idle, 2 votes. Charlie: new, 0 votes."""
    alpha = _listed("Alpha drops Wi-Fi", author=customer, category=category)
    bravo = _listed("Bravo drops Wi-Fi", author=customer, category=category)
    charlie = _listed("Charlie drops Wi-Fi", author=customer, category=category)
    _me_too(alpha, 1)
    _me_too(bravo, 2)
    _set_times(alpha, created_days_ago=3, active_hours_ago=1)
    _set_times(bravo, created_days_ago=2, active_hours_ago=48)
    _set_times(charlie, created_days_ago=1, active_hours_ago=24)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("activity", ["Alpha drops Wi-Fi", "Charlie drops Wi-Fi", "Bravo drops Wi-Fi"]),
        ("newest", ["Charlie drops Wi-Fi", "Bravo drops Wi-Fi", "Alpha drops Wi-Fi"]),
        ("votes", ["Bravo drops Wi-Fi", "Alpha drops Wi-Fi", "Charlie drops Wi-Fi"]),
    ],
)
def test_thread_list_sorts_by_the_chosen_order(client, list_url, sortable, sort, expected):
    response = client.get(list_url, {"sort": sort})

    assert response.status_code == 200
    assert _titles(_html(response)) == expected


def test_thread_list_sorts_by_activity_by_default(client, list_url, sortable):
    html = _html(client.get(list_url))

    assert _titles(html) == ["Alpha drops Wi-Fi", "Charlie drops Wi-Fi", "Bravo drops Wi-Fi"]


def test_thread_list_falls_back_to_activity_for_an_unknown_sort(client, list_url, sortable):
    response = client.get(list_url, {"sort": "random", "show": "nonsense"})

    assert response.status_code == 200
    assert _titles(_html(response)) == [
        "Alpha drops Wi-Fi",
        "Charlie drops Wi-Fi",
        "Bravo drops Wi-Fi",
    ]


@pytest.fixture
def filterable(customer, other_customer, category):
    """Solved (active 1h ago), Answered but open (2h), Unanswered (3h)."""
    solved = _listed("Solved: Wi-Fi drops", author=customer, category=category)
    answered = _listed("Answered: Wi-Fi drops", author=customer, category=category)
    unanswered = _listed("Unanswered: Wi-Fi drops", author=customer, category=category)
    services.accept_answer(make_answer(solved, author=other_customer), actor=customer)
    make_answer(answered, author=other_customer)
    _set_times(solved, created_days_ago=3, active_hours_ago=1)
    _set_times(answered, created_days_ago=2, active_hours_ago=2)
    _set_times(unanswered, created_days_ago=1, active_hours_ago=3)


@pytest.mark.parametrize(
    ("show", "expected"),
    [
        ("all", ["Solved: Wi-Fi drops", "Answered: Wi-Fi drops", "Unanswered: Wi-Fi drops"]),
        ("unanswered", ["Unanswered: Wi-Fi drops"]),
        ("open", ["Answered: Wi-Fi drops", "Unanswered: Wi-Fi drops"]),
        ("solved", ["Solved: Wi-Fi drops"]),
    ],
)
def test_thread_list_shows_the_chosen_threads(client, list_url, filterable, show, expected):
    response = client.get(list_url, {"show": show})

    assert response.status_code == 200
    assert _titles(_html(response)) == expected


def test_thread_list_combines_filter_and_sort(client, list_url, filterable):
    html = _html(client.get(list_url, {"show": "open", "sort": "newest"}))

    assert _titles(html) == ["Unanswered: Wi-Fi drops", "Answered: Wi-Fi drops"]


def test_thread_list_marks_solved_threads(client, list_url, filterable):
    html = _html(client.get(list_url))

    assert 'class="mark mark-solved">Solved<' in _row(html, "Solved: Wi-Fi drops")
    assert "mark-solved" not in _row(html, "Answered: Wi-Fi drops")


def test_thread_list_marks_staff_answered_threads(
    client, list_url, customer, category, support_agent
):
    staff = _listed("Staff answered this one", author=customer, category=category)
    _listed("Nobody answered this one", author=customer, category=category)
    make_answer(staff, author=support_agent)

    html = _html(client.get(list_url))

    assert "Staff answered" in _row(html, "Staff answered this one")
    assert "Staff answered" not in _row(html, "Nobody answered this one")


def test_thread_list_hides_deleted_threads(client, list_url, customer, category):
    gone = _listed("Deleted question here", author=customer, category=category)
    _listed("Remaining question here", author=customer, category=category)
    services.delete_post(gone.posts.get(), actor=customer)

    html = _html(client.get(list_url))

    assert _titles(html) == ["Remaining question here"]


def test_thread_list_pages_by_the_configured_size(client, list_url, sortable, settings):
    settings.FORUM_THREADS_PER_PAGE = 2

    first = _html(client.get(list_url))
    second = _html(client.get(list_url, {"page": 2}))

    assert _titles(first) == ["Alpha drops Wi-Fi", "Charlie drops Wi-Fi"]
    assert "Page 1 of 2" in first
    assert _titles(second) == ["Bravo drops Wi-Fi"]
    assert "Page 2 of 2" in second


def test_thread_list_page_links_keep_the_sort(client, list_url, sortable, settings):
    settings.FORUM_THREADS_PER_PAGE = 2

    html = _html(client.get(list_url, {"sort": "newest"}))

    assert 'href="?sort=newest&amp;page=2"' in html
    assert _titles(html) == ["Charlie drops Wi-Fi", "Bravo drops Wi-Fi"]


def test_category_page_lists_pinned_threads_first(client, category, sortable, brand_rep):
    moderation_services.pin_thread(
        Thread.objects.get(title="Bravo drops Wi-Fi"), moderator=brand_rep
    )

    html = _html(client.get(f"/c/{category.slug}/"))

    assert _titles(html) == ["Bravo drops Wi-Fi", "Alpha drops Wi-Fi", "Charlie drops Wi-Fi"]
    assert "mark-pinned" in _row(html, "Bravo drops Wi-Fi")


def test_tag_page_sorts_pinned_threads_with_the_others(client, sortable, brand_rep):
    moderation_services.pin_thread(
        Thread.objects.get(title="Bravo drops Wi-Fi"), moderator=brand_rep
    )

    html = _html(client.get("/tags/wifi/"))

    assert _titles(html) == ["Alpha drops Wi-Fi", "Charlie drops Wi-Fi", "Bravo drops Wi-Fi"]


def test_category_page_lists_only_its_own_threads(client, customer, category):
    from tests.factories import make_category

    other = make_category("Aero Vacuum")
    make_thread(author=customer, category=category, title="Thermostat question here")
    make_thread(author=customer, category=other, title="Vacuum question here")

    html = _html(client.get(f"/c/{category.slug}/"))

    assert _titles(html) == ["Thermostat question here"]


def test_category_page_of_unpublished_product_is_not_found(client, thread, category):
    category.unpublish()

    response = client.get(f"/c/{category.slug}/")

    assert response.status_code == 404


def test_tag_page_lists_only_tagged_threads(client, customer, category):
    make_thread(author=customer, category=category, title="Tagged question here", tags=("wifi",))
    make_thread(author=customer, category=category, title="Untagged question here")

    html = _html(client.get("/tags/wifi/"))

    assert _titles(html) == ["Tagged question here"]


def test_tag_page_of_unknown_tag_is_not_found(client):
    response = client.get("/tags/no-such-tag/")

    assert response.status_code == 404


def test_home_page_lists_latest_and_unanswered_threads(client, filterable):
    html = _html(client.get("/"))

    latest, unanswered = html.split('id="unanswered-heading"')
    assert _titles(latest) == [
        "Solved: Wi-Fi drops",
        "Answered: Wi-Fi drops",
        "Unanswered: Wi-Fi drops",
    ]
    assert _titles(unanswered) == ["Unanswered: Wi-Fi drops"]


def test_home_page_hides_deleted_threads(client, thread, question, customer):
    services.delete_post(question, actor=customer)

    html = _html(client.get("/"))

    assert thread.title not in html


def _make_listed_threads(count: int, *, category, support_agent) -> None:
    for number in range(count):
        thread = make_thread(
            author=UserFactory(),
            category=category,
            title=f"Listed question number {number}",
            tags=("wifi", f"topic{number}"),
        )
        make_answer(thread, author=support_agent)


@pytest.mark.parametrize("url", ["/", "/c/nimbus-thermostat/", "/tags/wifi/"])
def test_thread_list_costs_the_same_queries_for_one_and_four_threads(
    client, category, support_agent, url
):
    _make_listed_threads(1, category=category, support_agent=support_agent)
    small_count = _count_queries(client, url)

    _make_listed_threads(3, category=category, support_agent=support_agent)
    large_count = _count_queries(client, url)

    assert large_count == small_count


def test_lists_count_people_with_the_problem_in_the_words_of_the_thread_page(
    client, thread, other_customer
):
    services.cast_vote(thread.posts.get(kind="question"), voter=other_customer, value=1)

    listing = client.get(thread.category.url).content.decode()
    page = client.get(thread.get_absolute_url()).content.decode()

    assert "<strong>1</strong> person has this problem" in listing
    assert "1 person has this problem" in page
    assert " vote<" not in listing
    assert "Most people affected" in listing


def test_a_refused_text_is_kept_in_the_session_only_up_to_a_bound(
    client_for, thread, other_customer
):
    client = client_for(other_customer)
    huge = "x" * 1_000_000

    client.post(
        reverse("forum:answer", kwargs={"pk": thread.pk}),
        {"body": [huge, huge, huge], "submission_key": str(uuid.uuid4())},
    )

    stored = client.session["forum:drafts"][f"answer:{thread.pk}"]["data"]["body"]
    assert len(stored) == 1
    assert len(stored[0]) == 40_000
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "The answer is too long: keep it to 20000 characters (it has 40000)." in html


def test_comment_refused_on_a_locked_thread_keeps_the_typed_text(
    client_for, locked_thread, other_customer
):
    question = locked_thread.posts.get(kind=Post.Kind.QUESTION)

    response = client_for(other_customer).post(
        reverse("forum:comment", kwargs={"post_id": question.pk}),
        {"body": "Which firmware version do you run?"},
    )

    assert response.status_code == 403
    html = _html(response)
    assert "This thread is locked" in html
    assert "Which firmware version do you run?</textarea>" in html


def test_edit_refused_on_a_locked_thread_keeps_the_typed_text(client_for, locked_thread, customer):
    question = locked_thread.posts.get(kind=Post.Kind.QUESTION)

    response = client_for(customer).post(
        reverse("forum:edit_post", kwargs={"post_id": question.pk}),
        {"title": locked_thread.title, "body": "The display shows E42 every night now."},
    )

    assert response.status_code == 403
    assert "The display shows E42 every night now.</textarea>" in _html(response)


def test_answer_refused_by_the_service_in_a_race_keeps_the_typed_text(
    client_for, locked_thread, other_customer
):
    # However the thread came to be locked, the service's refusal keeps the draft.
    client = client_for(other_customer)
    typed = "Hold the reset button for ten seconds, then pair it again."

    response = client.post(
        reverse("forum:answer", kwargs={"pk": locked_thread.pk}),
        {"body": typed, "submission_key": str(uuid.uuid4())},
    )

    assert response.status_code == 302
    assert typed in _html(client.get(response.url))
    assert not Post.objects.answers().exists()


def test_ask_about_another_product_keeps_the_draft_text_and_takes_the_new_product(
    client_for, customer, category
):
    other = make_category("Nimbus Doorbell")
    client = client_for(customer)
    client.post(reverse("forum:ask"), {**_ask_data(category, title="Help"), "preview": "1"})

    response = client.get(reverse("forum:ask"), {"product": other.slug})

    form = response.context["form"]
    assert str(form["category"].value()) == str(other.pk)
    assert _ask_data(category)["body"] in _html(response)
