"""What every search backend answers, and the shapes it answers in.

``search.api`` picks a backend (``search.backends.get``) and applies the visibility rule
to what comes back; a backend only finds documents. Documents hold what an anonymous
visitor may read of a thread (``search.documents``): the published question and
answers of a published thread. A backend never decides who may see what; it is told
which products the viewer may see (``Query.product_ids``) and ``search.api`` checks the
page of hits against ``forum.permissions.visible_threads`` before anyone sees it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from django.utils.safestring import SafeString


class Sort(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    VOTES = "votes"


class Status(StrEnum):
    SOLVED = "solved"
    OPEN = "open"


FACETS = ("product", "tag", "status", "staff", "language")


@dataclass(frozen=True)
class Filters:
    """Narrowing chosen by the searcher. Empty means no narrowing."""

    product_ids: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()  # tag slugs; a document must carry all of them
    status: str = ""  # Status value or ""
    staff_answered: bool | None = None
    language: str = ""


@dataclass(frozen=True)
class TermGroup:
    """One word of the query and what may stand for it: its synonyms (each a word or a
    phrase of words). A document matches the group when it holds any of them."""

    word: str
    alternatives: tuple[str, ...] = ()

    @property
    def words(self) -> tuple[str, ...]:
        return (self.word, *self.alternatives)


@dataclass(frozen=True)
class Query:
    """A search as a backend receives it.

    ``text`` is what was typed; ``groups`` is the same text cut into words with the
    synonyms staff set (``search.analysis.parse``), so that backends expand synonyms at
    query time alike. ``visible_product_ids`` is every product the viewer may see:
    nothing outside it may be counted or returned.
    """

    text: str
    groups: tuple[TermGroup, ...]
    visible_product_ids: tuple[int, ...]
    filters: Filters = Filters()
    sort: Sort = Sort.RELEVANCE
    offset: int = 0
    limit: int = 20
    language: str = "en"  # the searcher's language, for stemming the query


@dataclass(frozen=True)
class SimilarQuery:
    """ "Has this been asked before?": the title (and body) of a question being written."""

    title: str
    body: str
    visible_product_ids: tuple[int, ...]
    product_id: int | None = None  # prefer, not require, this product
    exclude: tuple[int, ...] = ()  # thread ids not to offer (the thread itself)
    k: int = 5
    language: str = "en"


@dataclass
class Hit:
    kind: str  # "thread" or "article"
    pk: int  # the thread's or the article page's id
    title: str
    url: str
    product_id: int
    # Highlighted text: plain text escaped, matches wrapped in <mark>.
    title_html: SafeString
    snippet_html: SafeString
    solved: bool = False
    verified: bool = False
    staff_answered: bool = False
    language: str = "en"
    votes: int = 0
    me_too: int = 0
    answer_count: int = 0
    created_at: datetime.datetime | None = None
    accepted_excerpt: str = ""  # first lines of the accepted answer, plain text
    score: float = 0.0


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class Results:
    hits: list[Hit]
    total: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    did_you_mean: str = ""
    backend: str = ""
    # True when the configured backend failed and the database answered instead.
    fell_back: bool = False
    # True when no document held every word and the hits hold only some of them.
    partial: bool = False


@dataclass
class Document:
    """One searchable item as both backends store it (``search.documents`` builds it)."""

    kind: str
    pk: int
    title: str
    url: str
    product_id: int
    language: str
    question: str = ""
    accepted: str = ""
    answers: str = ""
    tags: tuple[str, ...] = ()  # slugs
    tag_names: tuple[str, ...] = ()
    solved: bool = False
    verified: bool = False
    staff_answered: bool = False
    votes: int = 0
    me_too: int = 0
    answer_count: int = 0
    created_at: datetime.datetime | None = None
    activity_at: datetime.datetime | None = None
    versions: tuple[str, ...] = ()  # product versions a solution applies to


class Backend(Protocol):
    name: str
    # What it can do, for the page and the docs: {"typo_tolerance": bool, ...}
    capabilities: dict[str, bool]

    def search(self, query: Query) -> Results: ...

    def similar(self, query: SimilarQuery) -> list[Hit]: ...

    def suggest(self, query: Query) -> list[Hit]:
        """Type-ahead: titles whose words start with the query's words (the last one
        may be unfinished), best first, at most ``query.limit``."""
        ...

    def index(self, documents: list[Document]) -> None: ...

    def remove(self, kind: str, pks: list[int]) -> None: ...

    def rebuild(self, documents, *, total: int | None = None, progress=None) -> int:
        """Replace the whole index with *documents* (an iterable); returns how many."""
        ...

    def count(self) -> int: ...
