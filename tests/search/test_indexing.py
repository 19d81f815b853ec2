"""Keeping the index up to date: every change to what a thread shows a visitor reaches
its search document through the outbox (after commit), ``search_rebuild`` starts the index
afresh, ``search_status`` reports on it, and a failing index update is retried until the
thread can be found."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from core import events
from core.models import EventTask
from forum import services
from moderation import services as moderation_services
from moderation.models import ScreeningRule
from search import api, documents, tasks
from search.backends.database import DatabaseBackend
from search.models import SearchDocument
from tests.factories import UserFactory, make_thread

pytestmark = pytest.mark.django_db


def _doc(thread) -> SearchDocument | None:
    return SearchDocument.objects.filter(kind="thread", object_id=thread.pk).first()


def _found(text: str) -> list[int]:
    return [hit.pk for hit in api.search(text).hits]


# --- The forum's changes ---------------------------------------------------------------------


def test_a_question_is_indexed_once_its_transaction_commits(indexed, customer, category):
    with indexed():
        thread = make_thread(author=customer, category=category, title="Doorbell chimes twice")
        assert _doc(thread) is None  # the outbox dispatches after the commit

    assert _doc(thread).title == "Doorbell chimes twice"
    assert _found("doorbell") == [thread.pk]


def test_a_question_is_not_indexed_when_its_transaction_never_commits(customer, category):
    thread = make_thread(author=customer, category=category, title="Doorbell chimes twice")

    assert _doc(thread) is None


def test_posting_an_answer_reindexes_its_thread(corpus):
    thread = corpus.ask("Doorbell chimes twice", "Every time someone rings.")

    corpus.answer(thread, "Turn off the quokkamode in the app.")

    assert _doc(thread).answer_count == 1
    assert _found("quokkamode") == [thread.pk]


def test_editing_the_title_reindexes_its_thread(corpus):
    thread = corpus.ask("Doorbell chimes twice", "Every time someone rings.")

    with corpus.indexed():
        services.edit_post(
            corpus.question_of(thread), editor=corpus.asker, title="Doorbell rings in a loop"
        )

    assert _doc(thread).title == "Doorbell rings in a loop"
    assert _found("loop") == [thread.pk]
    assert _found("chimes") == []


def test_editing_the_question_text_reindexes_its_thread(corpus):
    thread = corpus.ask("Doorbell chimes twice", "Every time someone rings.")

    with corpus.indexed():
        services.edit_post(
            corpus.question_of(thread), editor=corpus.asker, body="Only when the mailman rings."
        )

    assert _found("mailman") == [thread.pk]
    assert _found("someone") == []


def test_editing_an_answer_reindexes_its_thread(corpus):
    thread = corpus.ask("Doorbell chimes twice", "Every time someone rings.")
    answer = corpus.answer(thread, "Turn off the second chime.")

    with corpus.indexed():
        services.edit_post(answer, editor=corpus.helper, body="Swap the quokkachime module.")

    assert _found("quokkachime") == [thread.pk]


def test_accepting_an_answer_marks_the_thread_solved(corpus):
    thread = corpus.ask("Doorbell chimes twice", "Every time someone rings.")
    answer = corpus.answer(thread, "Turn off the second chime.")
    assert _doc(thread).solved is False

    with corpus.indexed():
        services.accept_answer(answer, actor=corpus.asker)

    document = _doc(thread)
    assert document.solved is True
    assert document.accepted == "Turn off the second chime."


def test_taking_the_solution_back_marks_the_thread_unsolved(corpus):
    thread = corpus.ask("Doorbell chimes twice", "Every time someone rings.")
    corpus.answer(thread, "Turn off the second chime.", accept=True)

    with corpus.indexed():
        services.unaccept_answer(thread, actor=corpus.asker)

    document = _doc(thread)
    assert document.solved is False
    assert document.accepted == ""
    assert "Turn off the second chime." in document.answers


def test_a_vote_on_the_question_reindexes_its_thread(corpus):
    thread = corpus.ask("Doorbell chimes twice", "Every time someone rings.")

    with corpus.indexed():
        services.cast_vote(corpus.question_of(thread), voter=UserFactory(), value=1)

    assert _doc(thread).me_too == 1


def test_hiding_the_question_takes_its_thread_out_of_the_index(corpus, brand_rep):
    thread = corpus.ask("Doorbell chimes twice", "Every time someone rings.")

    with corpus.indexed():
        moderation_services.hide_post(corpus.question_of(thread), moderator=brand_rep)

    assert _doc(thread) is None


def test_showing_a_hidden_question_again_puts_its_thread_back(corpus, brand_rep):
    thread = corpus.ask("Doorbell chimes twice", "Every time someone rings.")
    question = corpus.question_of(thread)
    with corpus.indexed():
        moderation_services.hide_post(question, moderator=brand_rep)

    with corpus.indexed():
        moderation_services.unhide_post(question, moderator=brand_rep)

    assert _doc(thread) is not None
    assert _found("doorbell") == [thread.pk]


def test_deleting_the_question_takes_its_thread_out_of_the_index(corpus):
    thread = corpus.ask("Doorbell chimes twice", "Every time someone rings.")

    with corpus.indexed():
        services.delete_post(corpus.question_of(thread), actor=corpus.asker)

    assert _doc(thread) is None
    assert _found("doorbell") == []


def test_a_moderator_restoring_a_deleted_question_puts_its_thread_back(corpus, brand_rep):
    thread = corpus.ask("Doorbell chimes twice", "Every time someone rings.")
    question = corpus.question_of(thread)
    with corpus.indexed():
        moderation_services.delete_post(question, moderator=brand_rep)
    assert _doc(thread) is None

    with corpus.indexed():
        moderation_services.restore_post(question, moderator=brand_rep)

    assert _found("doorbell") == [thread.pk]


def test_approving_a_held_question_indexes_its_thread(corpus, brand_rep):
    ScreeningRule.objects.create(pattern="doorbell")
    thread = corpus.ask("Doorbell chimes twice", "Every time someone rings.")
    assert _doc(thread) is None

    with corpus.indexed():
        moderation_services.approve_post(corpus.question_of(thread), moderator=brand_rep)

    assert _found("doorbell") == [thread.pk]


# --- Moderation's changes to threads ---------------------------------------------------------


def test_moving_a_thread_reindexes_it_in_its_new_product(corpus, second_category, brand_rep):
    thread = corpus.ask("Doorbell chimes twice", "Every time someone rings.")

    with corpus.indexed():
        moderation_services.move_thread(thread, moderator=brand_rep, category=second_category)

    assert _doc(thread).product_id == second_category.pk


def test_closing_as_duplicate_reindexes_both_threads(corpus, brand_rep):
    original = corpus.ask("Doorbell chimes twice", "Every time someone rings.")
    duplicate = corpus.ask("Doorbell rings two times", "It rings twice.", author=UserFactory())
    with corpus.indexed():
        services.cast_vote(corpus.question_of(duplicate), voter=UserFactory(), value=1)
    assert (_doc(original).me_too, _doc(duplicate).me_too) == (0, 1)

    with corpus.indexed():
        moderation_services.close_as_duplicate(duplicate, moderator=brand_rep, original=original)

    # The voter and the duplicate's asker now have the original's problem.
    assert (_doc(original).me_too, _doc(duplicate).me_too) == (2, 0)


def test_merging_reindexes_both_threads(corpus, brand_rep):
    original = corpus.ask("Doorbell chimes twice", "Every time someone rings.")
    source = corpus.ask("Doorbell rings two times", "It rings twice.", author=UserFactory())
    corpus.answer(source, "Swap the quokkachime module.")

    with corpus.indexed():
        moderation_services.merge_threads(source, into=original, moderator=brand_rep)

    assert "quokkachime" in _doc(original).answers
    assert _doc(source).answer_count == 0
    assert _found("quokkachime") == [original.pk]


def test_splitting_reindexes_both_threads(corpus, brand_rep):
    thread = corpus.ask("Doorbell chimes twice", "Every time someone rings.")
    answer = corpus.answer(thread, "Mine does something else: the quokkacam reboots.")

    with corpus.indexed():
        new = moderation_services.split_answers(
            thread, answers=[answer], moderator=brand_rep, title="Doorbell camera reboots"
        )

    assert _doc(new).question == "Mine does something else: the quokkacam reboots."
    assert _doc(thread).answer_count == 0
    assert _found("quokkacam") == [new.pk]


def test_splitting_a_german_thread_keeps_its_language_in_the_index(corpus, brand_rep):
    thread = corpus.ask("Drucker druckt nicht", "Der Drucker bleibt still.", language="de")
    answer = corpus.answer(thread, "Bei mir zeigt der Drucker einen Fehler.")

    with corpus.indexed():
        new = moderation_services.split_answers(
            thread, answers=[answer], moderator=brand_rep, title="Drucker zeigt Fehler"
        )

    assert _doc(new).language == "de"


# --- Rebuilding and status -------------------------------------------------------------------


def test_search_rebuild_indexes_every_public_thread_after_the_rows_are_dropped(corpus, brand_rep):
    kept = corpus.ask("Doorbell chimes twice", "Every time someone rings.")
    other = corpus.ask("Doorbell camera reboots", "At night.")
    hidden = corpus.ask("Doorbell spam", "Buy one.")
    with corpus.indexed():
        moderation_services.hide_post(corpus.question_of(hidden), moderator=brand_rep)
    SearchDocument.objects.all().delete()
    assert _found("doorbell") == []
    out = StringIO()

    call_command("search_rebuild", "--no-progress", stdout=out)

    assert SearchDocument.objects.count() == len(documents.all_thread_ids()) == 2
    assert sorted(_found("doorbell")) == sorted([kept.pk, other.pk])
    assert "database: 2 threads indexed" in out.getvalue()


def test_search_rebuild_drops_what_the_outbox_never_delivered(corpus, customer, category):
    gone = corpus.ask("Doorbell chimes twice", "Every time someone rings.")
    services.delete_post(corpus.question_of(gone), actor=corpus.asker)  # never dispatched
    missing = make_thread(author=customer, category=category, title="Doorbell camera reboots")
    assert _doc(gone) is not None
    assert _doc(missing) is None

    call_command("search_rebuild", "--no-progress", stdout=StringIO())

    assert _doc(gone) is None
    assert _found("doorbell") == [missing.pk]


def _status() -> str:
    out = StringIO()
    call_command("search_status", stdout=out)
    return out.getvalue()


def test_search_status_prints_documents_and_nothing_waiting(corpus):
    corpus.ask("Doorbell chimes twice", "Every time someone rings.")
    corpus.ask("Doorbell camera reboots", "At night.")

    output = _status()

    assert "Public threads: 2" in output
    assert "Searches answered by: database" in output
    assert "[database]" in output
    assert "documents: 2" in output
    assert "index updates: none waiting" in output
    assert "failing: 0" in output


def _fail_once(monkeypatch) -> list[int]:
    """The database backend's next ``index`` raises (a lost connection); later ones work."""
    real = DatabaseBackend.index
    calls: list[int] = []

    def flaky(self, docs):
        calls.append(len(docs))
        if len(calls) == 1:
            raise RuntimeError("search index unreachable")
        return real(self, docs)

    monkeypatch.setattr(DatabaseBackend, "index", flaky)
    return calls


def _index_task() -> EventTask:
    return EventTask.objects.get(task_path=tasks.index_in_database.module_path)


def test_search_status_prints_a_waiting_update_and_its_failure(corpus, monkeypatch):
    _fail_once(monkeypatch)
    corpus.ask("Doorbell chimes twice", "Every time someone rings.")

    output = _status()

    assert "documents: 0" in output
    assert "index updates: 1 waiting" in output
    assert "failing: 1" in output
    assert "last error: RuntimeError: search index unreachable" in output


def test_a_failing_index_update_is_retried_until_the_thread_is_found(corpus, monkeypatch):
    calls = _fail_once(monkeypatch)
    thread = corpus.ask("Doorbell chimes twice", "Every time someone rings.")
    task = _index_task()
    assert task.status == EventTask.Status.RETRYING
    assert task.attempts == 1
    assert "search index unreachable" in task.last_error
    assert task.next_attempt_at > timezone.now()
    assert _found("doorbell") == []

    events.retry_now(tasks=[task.pk])
    task.refresh_from_db()
    assert task.next_attempt_at <= timezone.now()
    assert events.run_event_task(task.pk) is True

    task.refresh_from_db()
    assert task.status == EventTask.Status.DONE
    assert task.last_error == ""
    assert len(calls) == 2
    assert _found("doorbell") == [thread.pk]
