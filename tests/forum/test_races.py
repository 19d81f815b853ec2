"""Two people acting on the same thread at once, on PostgreSQL with real threads.

Each test runs two actions in two threads, each with its own database connection, on
objects both loaded before either acted (as two requests would have). The first action
keeps its transaction open until the second is waiting for one of its row locks (or has
finished), then commits: the interleaving that corrupted counters and solutions happens
every time, not by luck. Afterwards the test checks what is stored.

SQLite takes one writer at a time (``transaction_mode`` IMMEDIATE), so the second could
not even start its transaction while the first holds it open: these tests need
PostgreSQL. The same stale-object cases run on both databases, one after the other, in
``test_services.py``.
"""

import threading
import time
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections, transaction

from accounts.roles import Role
from forum import rendering, services
from forum.models import (
    Comment,
    Post,
    PostRevision,
    Tag,
    Visibility,
    Vote,
)
from reputation.models import Privilege
from tests.factories import UserFactory, give_privilege, make_answer, make_thread

pytestmark = [pytest.mark.flushes_db, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 30


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("two writers at once: run on PostgreSQL (make test-postgres, CI)")


@pytest.fixture
def asker(db):
    return UserFactory(role=Role.CUSTOMER)


@pytest.fixture
def helper(db):
    return UserFactory(role=Role.CUSTOMER)


@pytest.fixture
def thread(asker, category):
    return make_thread(author=asker, category=category)


@pytest.fixture
def answer(thread, helper):
    return make_answer(thread, author=helper)


def _copy(obj):
    """The object as a request loaded it, before anything below happened."""
    return type(obj).objects.get(pk=obj.pk)


def _someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def _outcome(action: Callable[[], object]) -> object:
    try:
        return action()
    except Exception as exc:  # the test looks at what each side got
        return exc


def race_holding(
    first: Callable[[Callable[[], None]], object], second: Callable[[], object]
) -> tuple[object, object]:
    """Run ``first(hold)`` in one thread and *second* in another, started when *first* calls
    ``hold()``; ``hold`` returns once *second* waits for a lock or is done. Returns each
    one's result or exception."""
    results: dict[str, object] = {}
    acted, release, second_done = threading.Event(), threading.Event(), threading.Event()

    def hold() -> None:
        acted.set()
        if not release.wait(WAIT_SECONDS):
            raise TimeoutError("the test never let the first action go on")

    def run_first() -> None:
        try:
            results["first"] = _outcome(lambda: first(hold))
        finally:
            acted.set()
            connections.close_all()

    def run_second() -> None:
        try:
            acted.wait(WAIT_SECONDS)
            results["second"] = _outcome(second)
        finally:
            second_done.set()
            connections.close_all()

    workers = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for worker in workers:
        worker.start()
    try:
        assert acted.wait(WAIT_SECONDS), "the first action never ran"
        deadline = time.monotonic() + WAIT_SECONDS
        while not second_done.is_set() and not _someone_waits_for_a_lock():
            assert time.monotonic() < deadline, "the second action neither waited nor finished"
            time.sleep(0.01)
    finally:
        release.set()
        for worker in workers:
            worker.join(WAIT_SECONDS)
    assert not any(worker.is_alive() for worker in workers), "a worker is stuck"
    return results["first"], results["second"]


def race(first: Callable[[], object], second: Callable[[], object]) -> tuple[object, object]:
    """*first* in a transaction kept open until *second* waits for one of its locks or is
    done (see ``race_holding``)."""

    def first_then_hold(hold: Callable[[], None]) -> object:
        with transaction.atomic():
            result = first()
            hold()
            return result

    return race_holding(first_then_hold, second)


# --- deleting the same thing twice ----------------------------------------------------------


def test_same_answer_deleted_twice_at_once_lowers_answer_count_once(thread, answer, helper):
    make_answer(thread)  # a second answer, still there afterwards
    one, two = _copy(answer), _copy(answer)

    first, second = race(
        lambda: services.delete_post(one, actor=helper),
        lambda: services.delete_post(two, actor=helper),
    )

    thread.refresh_from_db()
    assert thread.answer_count == 1
    assert first is None
    assert isinstance(second, PermissionDenied)


def test_same_comment_deleted_twice_at_once_lowers_comment_count_once(answer, asker):
    services.post_comment(answer, author=asker, body="Which firmware version is it?")
    comment = services.post_comment(answer, author=asker, body="And which model, please?")
    one, two = _copy(comment), _copy(comment)

    first, second = race(
        lambda: services.delete_comment(one, actor=asker),
        lambda: services.delete_comment(two, actor=asker),
    )

    answer.refresh_from_db()
    assert answer.comment_count == 1
    assert first is None
    assert isinstance(second, PermissionDenied)


# --- the solution ---------------------------------------------------------------------------


def test_answer_deleted_while_its_asker_accepts_it_never_becomes_the_solution(
    thread, answer, asker, helper
):
    to_delete, to_accept = _copy(answer), _copy(answer)

    first, second = race(
        lambda: services.delete_post(to_delete, actor=helper),
        lambda: services.accept_answer(to_accept, actor=asker),
    )

    thread.refresh_from_db()
    assert thread.accepted_answer_id is None
    assert first is None
    assert isinstance(second, PermissionDenied)


def test_answer_accepted_while_its_author_deletes_it_stays_as_the_solution(
    thread, answer, asker, helper
):
    to_accept, to_delete = _copy(answer), _copy(answer)

    first, second = race(
        lambda: services.accept_answer(to_accept, actor=asker),
        lambda: services.delete_post(to_delete, actor=helper),
    )

    thread.refresh_from_db()
    answer.refresh_from_db()
    assert first is True
    assert isinstance(second, PermissionDenied)
    assert thread.accepted_answer_id == answer.pk
    assert answer.is_published
    assert thread.answer_count == 1


@pytest.mark.parametrize("accept_first", [True, False], ids=["accept-first", "unaccept-first"])
def test_accept_and_unaccept_at_once_leave_a_whole_solution_or_none(
    thread, answer, asker, accept_first
):
    other = make_answer(thread)
    services.accept_answer(other, actor=asker)
    to_accept, to_unaccept = _copy(answer), _copy(thread)

    def accept():
        return services.accept_answer(to_accept, actor=asker)

    def unaccept():
        return services.unaccept_answer(to_unaccept, actor=asker)

    first, second = race(accept, unaccept) if accept_first else race(unaccept, accept)

    thread.refresh_from_db()
    assert (first, second) == (True, True)
    solution = (thread.accepted_answer_id, thread.accepted_at, thread.accepted_by_id)
    if accept_first:
        assert solution == (None, None, None)
    else:
        assert thread.accepted_answer_id == answer.pk
        assert thread.accepted_at is not None
        assert thread.accepted_by_id == asker.pk


# --- votes ----------------------------------------------------------------------------------


def test_two_vote_toggles_at_once_leave_one_vote_and_its_score(answer, asker, reputation_defaults):
    give_privilege(asker, Privilege.DOWNVOTE)
    one, two = _copy(answer), _copy(answer)

    first, second = race(
        lambda: services.cast_vote(one, voter=asker, value=Vote.UP),
        lambda: services.cast_vote(two, voter=asker, value=Vote.DOWN),
    )

    answer.refresh_from_db()
    assert (first, second) == (1, -1)
    assert list(Vote.objects.filter(post=answer).values_list("value", flat=True)) == [Vote.DOWN]
    assert answer.score == -1


def test_vote_on_an_answer_deleted_at_the_same_time_is_refused(answer, asker, helper):
    to_delete, to_vote = _copy(answer), _copy(answer)

    first, second = race(
        lambda: services.delete_post(to_delete, actor=helper),
        lambda: services.cast_vote(to_vote, voter=asker, value=Vote.UP),
    )

    answer.refresh_from_db()
    assert first is None
    assert isinstance(second, PermissionDenied)
    assert answer.score == 0
    assert not Vote.objects.filter(post=answer).exists()


# --- comments and edits on a post being deleted ---------------------------------------------


def test_comment_on_an_answer_deleted_at_the_same_time_is_refused(answer, asker, helper):
    to_delete, to_comment = _copy(answer), _copy(answer)

    first, second = race(
        lambda: services.delete_post(to_delete, actor=helper),
        lambda: services.post_comment(to_comment, author=asker, body="Did that work for you?"),
    )

    answer.refresh_from_db()
    assert first is None
    assert isinstance(second, PermissionDenied)
    assert answer.comment_count == 0
    assert not Comment.objects.filter(post=answer).exists()


def test_edit_of_an_answer_deleted_at_the_same_time_is_refused(answer, helper):
    to_delete, to_edit = _copy(answer), _copy(answer)

    first, second = race(
        lambda: services.delete_post(to_delete, actor=helper),
        lambda: services.edit_post(to_edit, editor=helper, body="Hold reset for twenty seconds."),
    )

    answer.refresh_from_db()
    assert first is None
    assert isinstance(second, PermissionDenied)
    assert answer.edit_count == 0
    assert not PostRevision.objects.filter(post=answer).exists()


def test_two_edits_at_once_keep_each_text_in_the_history(answer, helper, category):
    original = answer.body_markdown
    one, two = _copy(answer), _copy(answer)
    moderator = UserFactory(role=Role.BRAND_REPRESENTATIVE)

    race(
        lambda: services.edit_post(one, editor=helper, body="Hold reset for twenty seconds."),
        lambda: services.edit_post(two, editor=moderator, body="Hold reset for thirty seconds."),
    )

    answer.refresh_from_db()
    history = list(PostRevision.objects.filter(post=answer).values_list("body_markdown", flat=True))
    assert history == [original, "Hold reset for twenty seconds."]
    assert answer.body_markdown == "Hold reset for thirty seconds."
    assert answer.edit_count == 2


# --- the asker's question -------------------------------------------------------------------


def test_question_deleted_while_an_answer_arrives_leaves_no_answer_in_a_deleted_thread(
    thread, asker, helper
):
    question = thread.posts.get(kind=Post.Kind.QUESTION)
    to_answer = _copy(thread)

    first, second = race(
        lambda: services.delete_post(question, actor=asker),
        lambda: services.post_answer(to_answer, author=helper, body="Hold the reset button."),
    )

    thread.refresh_from_db()
    assert first is None
    assert isinstance(second, PermissionDenied)
    assert thread.state == Visibility.DELETED
    assert thread.answer_count == 0
    assert not Post.objects.filter(thread=thread, kind=Post.Kind.ANSWER).exists()


def test_question_with_a_comment_arriving_meanwhile_is_not_deleted(thread, asker, helper):
    question = thread.posts.get(kind=Post.Kind.QUESTION)
    to_comment, to_delete = _copy(question), _copy(question)

    first, second = race(
        lambda: services.post_comment(to_comment, author=helper, body="Which model is it?"),
        lambda: services.delete_post(to_delete, actor=asker),
    )

    thread.refresh_from_db()
    assert thread.state == Visibility.PUBLISHED
    assert isinstance(first, Comment)
    assert isinstance(second, PermissionDenied)
    assert thread.others_comment_count == 1


# --- new tags ---------------------------------------------------------------------------------


def _ask_with_tags(author, category, *tags):
    return services.ask_question(
        author=author,
        category=category,
        title="Which SDK version supports the thermostat?",
        body="I want to read the temperature from my own program.",
        tags=tags,
    )


def test_same_new_tag_typed_by_two_askers_at_once_is_one_tag(asker, helper, category):
    first, second = race(
        lambda: _ask_with_tags(asker, category, "c#"),
        lambda: _ask_with_tags(helper, category, "C#"),
    )

    assert Tag.objects.get().name == "c#"
    assert first.tags.get() == second.tags.get()


def test_two_new_tags_wanting_one_slug_at_once_get_two_slugs(asker, helper, category):
    first, second = race(
        lambda: _ask_with_tags(asker, category, "c-sharp"),
        lambda: _ask_with_tags(helper, category, "c#"),
    )

    assert dict(Tag.objects.values_list("name", "slug")) == {
        "c-sharp": "c-sharp",
        "c#": "c-sharp-2",
    }
    assert first.tags.get().name == "c-sharp"
    assert second.tags.get().name == "c#"


# --- re-rendering every post while someone edits one ----------------------------------------


def test_rerender_while_an_answer_is_edited_keeps_the_edit(answer, helper, monkeypatch):
    real_render = rendering.render_post
    new_body = "Hold reset for **twenty** seconds."

    def rerender(hold):
        me = threading.current_thread()

        def render_and_hold(text):
            if threading.current_thread() is me and not calls:
                calls.append(text)
                hold()  # the batch is read: the edit comes now
            return real_render(text)

        calls: list[str] = []
        monkeypatch.setattr(rendering, "render_post", render_and_hold)
        return services.rerender_content()

    to_edit = _copy(answer)
    first, second = race_holding(
        rerender, lambda: services.edit_post(to_edit, editor=helper, body=new_body)
    )

    answer.refresh_from_db()
    assert answer.body_markdown == new_body
    assert answer.body_html == real_render(new_body)
    assert not isinstance(first, Exception)
    assert not isinstance(second, Exception)
