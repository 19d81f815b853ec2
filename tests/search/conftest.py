"""Fixtures of the search tests: changes made inside ``indexed()`` reach the index (the
outbox dispatches after commit, and the test settings run its tasks at once), and a small
corpus builder that asks, answers and accepts through ``forum.services``."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from forum import services
from forum.models import CategoryPage, Post, Thread
from tests.factories import UserFactory, make_category


@pytest.fixture
def indexed(django_capture_on_commit_callbacks):
    """``with indexed(): ...`` runs what the block's commits dispatch when it ends: the
    search receivers queue the reindexing and the immediate task backend runs it."""

    def block():
        return django_capture_on_commit_callbacks(execute=True)

    return block


class Corpus:
    """Threads written the way members write them, each change indexed as it is made."""

    def __init__(self, indexed, category: CategoryPage) -> None:
        self.indexed = indexed
        self.category = category
        self.asker = UserFactory(role=Role.CUSTOMER)
        self.helper = UserFactory(role=Role.CUSTOMER)

    def ask(
        self,
        title: str,
        body: str = "Nothing else to say about it.",
        *,
        category: CategoryPage | None = None,
        tags: tuple[str, ...] = (),
        language: str | None = None,
        author=None,
    ) -> Thread:
        with self.indexed():
            return services.ask_question(
                author=author or self.asker,
                category=category or self.category,
                title=title,
                body=body,
                tags=tags,
                language=language,
            )

    def answer(self, thread: Thread, body: str, *, author=None, accept: bool = False) -> Post:
        with self.indexed():
            answer = services.post_answer(thread, author=author or self.helper, body=body)
            if accept:
                services.accept_answer(answer, actor=thread.author)
        return answer

    def question_of(self, thread: Thread) -> Post:
        return thread.posts.get(kind=Post.Kind.QUESTION)


@pytest.fixture
def corpus(indexed, category) -> Corpus:
    return Corpus(indexed, category)


@pytest.fixture
def second_category(db) -> CategoryPage:
    return make_category("Aurora Smart Lock")
