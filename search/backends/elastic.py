"""The Elasticsearch backend: one index per kind of document, behind an alias.

Each kind (threads, articles) lives in a concrete index ``<prefix>-<kind>s-v<timestamp>``
reached through the alias ``<prefix>-<kind>s``. Writes go through the alias; a rebuild
loads a new concrete index and swaps the alias in one ``update_aliases`` call, so
searches never see an empty or half-built index.

Text is analysed per language: every text field exists plainly (``title``, the
``standard`` analyser, for every document) and once per language (``title_en``,
``title_de``, ...), filled only for documents in that language and stemmed with that
language's analyser. A query searches all of them, so each document is matched by the
stemmer of its own language and the query word is stemmed by each in turn (a German
"Druckers" finds "Drucker", an English "configuring" finds "configured"), without
stemming English text with the German rules. (Multi-fields, ``title.de``, would stem
every document in every language; they cannot be filled per document.)

Same ranking as the database backend (title and tags first, then the question, the
accepted answer and the other answers; solved, verified and voted threads higher), plus
what only Elasticsearch does: typo tolerance (fuzzy matching), a mild preference for
recent activity, and "did you mean" from a term suggester.

Works with Elasticsearch 8 and 9 (the 8.x client asks for version 8 compatibility) and,
with ``compat_headers=False``, with osmem (the in-memory stand-in the tests use), which
refuses the vendored ``application/vnd.elasticsearch+json`` media types. OpenSearch
refuses them too, and the 8.x client in turn refuses any answer without the
``X-Elastic-Product: Elasticsearch`` header, which osmem sends and OpenSearch does not.
"""

from __future__ import annotations

import datetime
import html
import logging
import math
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from elastic_transport import Transport
from elasticsearch import (
    ApiError,
    BadRequestError,
    Elasticsearch,
    NotFoundError,
    TransportError,
    helpers,
)
from elasticsearch_dsl import (
    A,
    Boolean,
    Date,
    Index,
    Integer,
    Keyword,
    Long,
    Mapping,
    Q,
    Search,
    SearchAsYouType,
    Text,
    analyzer,
    token_filter,
)

from search import analysis
from search.backends import BackendUnavailable
from search.backends.base import (
    Document,
    FacetValue,
    Filters,
    Hit,
    Query,
    Results,
    SimilarQuery,
    Sort,
    Status,
    TermGroup,
)

logger = logging.getLogger(__name__)

KINDS = ("thread", "article")
# Field -> weight: the title most, then tags, the question, the accepted answer, answers.
TEXT_FIELDS = {"title": 5.0, "tag_names": 3.0, "question": 2.0, "accepted": 1.5, "answers": 1.0}
BODY_FIELDS = ("question", "accepted", "answers")  # snippets come from these, in order
LANGUAGES = ("en", "de", "it", "ru", "pl")
SOLVED_BOOST = 1.6
VERIFIED_BOOST = 1.4
PRODUCT_BOOST = 1.25  # similar(): the product the question is being asked in
# 1 + VOTES_WEIGHT * log10(1 + votes) is the database's 1 + 0.15 * ln(1 + votes).
VOTES_WEIGHT = 0.15 * math.log(10)
RECENCY_WEIGHT = 0.3  # at most +30% for activity today, fading over about a year
BATCH = 500
SNIPPET_CHARS = 240
EXCERPT_CHARS = 220
TAG_FACET_SIZE = 10
DID_YOU_MEAN_BELOW = 3  # ask the suggester when fewer hits than this
SIMILAR_TITLE_WORDS = 8
SIMILAR_BODY_WORDS = 8
TAG_SEPARATOR = "\x1f"  # tag_labels holds "name<US>slug": the facet's label and value
SOURCE_FIELDS = [
    "kind",
    "pk",
    "title",
    "url",
    "product_id",
    "language",
    "question",
    "accepted",
    "answers",
    "solved",
    "verified",
    "staff_answered",
    "votes",
    "me_too",
    "answer_count",
    "created_at",
]
_COMPAT_MEDIA_TYPE = re.compile(r"application/vnd\.elasticsearch\+([\w-]+);\s*compatible-with=\d+")


class PlainJsonTransport(Transport):
    """Sends ``application/json`` (and ``x-ndjson``) instead of the compatibility media
    types the 8.x client always asks for: osmem and OpenSearch answer those with 406.

    The client rewrites ``Accept`` and ``Content-Type`` to the compatibility types after
    merging any ``headers=`` given to it, so the rewrite back has to happen below it."""

    def perform_request(self, method: str, target: str, *, headers: Any = None, **kwargs):
        if headers is not None and hasattr(headers, "items"):  # not DEFAULT
            headers = {
                name: _COMPAT_MEDIA_TYPE.sub(r"application/\1", value)
                if isinstance(value, str)
                else value
                for name, value in headers.items()
            }
        return super().perform_request(method, target, headers=headers, **kwargs)


# --- Analysis and mapping ------------------------------------------------------------------


def _analyzers(*, polish_stemmer: bool) -> dict[str, Any]:
    """Language code -> analyser: Elasticsearch's built-in language analysers (osmem
    has its own of the same names). Polish has one only where the analysis-stempel
    plugin is installed; elsewhere Polish text is lower-cased and its stop words dropped,
    unstemmed.

    Built-ins rather than the same analysers spelled out as custom ones: on osmem a
    custom analyser with the possessive_english stemmer, or with any German or Italian
    stemmer or snowball filter, makes every document match every query."""
    polish = (
        "polish"
        if polish_stemmer
        else analyzer(
            "forum_polish",
            tokenizer="standard",
            filter=[
                "lowercase",
                token_filter(
                    "forum_polish_stop", "stop", stopwords=sorted(analysis.STOPWORDS["pl"])
                ),
            ],
        )
    )
    return {"en": "english", "de": "german", "it": "italian", "ru": "russian", "pl": polish}


def _mapping(*, polish_stemmer: bool) -> Mapping:
    analysers = _analyzers(polish_stemmer=polish_stemmer)
    mapping = Mapping()
    mapping.meta("dynamic", False)
    for name, field in (
        ("kind", Keyword()),
        ("pk", Long()),
        ("url", Keyword(index=False)),
        ("product_id", Integer()),
        ("language", Keyword()),
        ("tags", Keyword()),
        ("tag_labels", Keyword()),
        ("versions", Keyword()),
        ("solved", Boolean()),
        ("verified", Boolean()),
        ("staff_answered", Boolean()),
        ("votes", Integer()),
        ("me_too", Integer()),
        ("answer_count", Integer()),
        ("vote_total", Integer()),  # votes + me_too: the "votes" sort
        ("vote_weight", Integer()),  # the same without negatives: the ranking boost
        ("created_at", Date()),
        ("activity_at", Date()),
        ("title_suggest", SearchAsYouType(analyzer="standard")),
    ):
        mapping.field(name, field)
    for name in TEXT_FIELDS:
        mapping.field(name, Text(analyzer="standard"))
        for language, language_analyser in analysers.items():
            mapping.field(f"{name}_{language}", Text(analyzer=language_analyser))
    return mapping


def _fields(names: Iterable[str], weights: dict[str, float]) -> list[str]:
    """Every variant of each of *names* (plain and per language) with its weight."""
    return [
        f"{field}^{weights[name]:g}"
        for name in names
        for field in (name, *(f"{name}_{language}" for language in LANGUAGES))
    ]


ALL_FIELDS = _fields(TEXT_FIELDS, TEXT_FIELDS)
TITLE_FIELDS = _fields(["title"], {"title": 1.0})
SIMILAR_FIELDS = _fields(["title", "question"], {"title": 3.0, "question": 1.0})
SUGGEST_FIELDS = ["title_suggest", "title_suggest._2gram", "title_suggest._3gram"]


def _source(doc: Document) -> dict[str, Any]:
    tag_labels = [
        f"{doc.tag_names[i] if i < len(doc.tag_names) else slug}{TAG_SEPARATOR}{slug}"
        for i, slug in enumerate(doc.tags)
    ]
    # Without activity the creation counts, so that a missing date does not mean "now".
    active = doc.activity_at or doc.created_at
    body: dict[str, Any] = {
        "kind": doc.kind,
        "pk": doc.pk,
        "title": doc.title,
        "url": doc.url,
        "product_id": doc.product_id,
        "language": doc.language,
        "question": doc.question,
        "accepted": doc.accepted,
        "answers": doc.answers,
        "tags": list(doc.tags),
        "tag_names": list(doc.tag_names),
        "tag_labels": tag_labels,
        "versions": list(doc.versions),
        "solved": doc.solved,
        "verified": doc.verified,
        "staff_answered": doc.staff_answered,
        "votes": doc.votes,
        "me_too": doc.me_too,
        "answer_count": doc.answer_count,
        "vote_total": doc.votes + doc.me_too,
        "vote_weight": max(doc.votes, 0) + max(doc.me_too, 0),
        "created_at": doc.created_at.isoformat() if doc.created_at else None,
        "activity_at": active.isoformat() if active else None,
        "title_suggest": doc.title,
    }
    if doc.language in LANGUAGES:
        for name in TEXT_FIELDS:
            body[f"{name}_{doc.language}"] = body[name]
    return body


# --- The backend ----------------------------------------------------------------------------


class ElasticsearchBackend:
    name = "elasticsearch"
    capabilities = {
        "typo_tolerance": True,
        "did_you_mean": True,
        "stemming": True,
        "synonyms": True,
        "facets": True,
        "highlighting": True,
    }

    def __init__(
        self,
        *,
        url: str,
        index_prefix: str = "forum",
        compat_headers: bool | None = None,
        refresh: bool | str | None = None,
        timeout: float | None = None,
        client: Elasticsearch | None = None,
    ) -> None:
        """*compat_headers* (``ELASTICSEARCH_COMPAT_HEADERS``, default True): send the
        Elasticsearch compatibility media types; False for OpenSearch and osmem.
        *refresh* (``ELASTICSEARCH_REFRESH``, default False): make each write searchable
        before it returns (True refreshes at once, "wait_for" waits for the next
        refresh). *timeout* (``ELASTICSEARCH_TIMEOUT``, default 5 s) per request."""
        if compat_headers is None:
            compat_headers = getattr(settings, "ELASTICSEARCH_COMPAT_HEADERS", True)
        if refresh is None:
            refresh = getattr(settings, "ELASTICSEARCH_REFRESH", False)
        if timeout is None:
            timeout = getattr(settings, "ELASTICSEARCH_TIMEOUT", 5.0)
        self.url = url
        self.index_prefix = index_prefix
        self.refresh: bool | str = "wait_for" if refresh == "wait_for" else bool(refresh)
        self.client = client or Elasticsearch(
            url,
            request_timeout=timeout,
            max_retries=1,
            retry_on_timeout=False,
            **({} if compat_headers else {"transport_class": PlainJsonTransport}),
        )
        self._ready: set[str] = set()  # kinds whose alias is known to exist
        self._polish_stemmer: bool | None = None  # unknown until an index is created
        self._spelling = True  # False once the cluster has refused a suggester

    # --- Names and indices -------------------------------------------------------------

    def alias(self, kind: str) -> str:
        return f"{self.index_prefix}-{kind}s"

    @property
    def aliases(self) -> list[str]:
        return [self.alias(kind) for kind in KINDS]

    def _search(self) -> Search:
        return Search(using=self.client, index=self.aliases).params(ignore_unavailable=True)

    def _create_index(self, name: str, *, alias: str | None = None, loading=False) -> None:
        """Create the concrete index *name* (and point *alias* at it in the same call).

        The Polish analyser comes from a plugin: without it the creation fails, and the
        second attempt analyses Polish without stemming (remembered for later indices)."""
        attempts = [True, False] if self._polish_stemmer is None else [self._polish_stemmer]
        for position, polish_stemmer in enumerate(attempts):
            index = Index(name, using=self.client)
            index.settings(
                number_of_shards=1,  # a forum fits in one; scores stay comparable
                **({"refresh_interval": "-1"} if loading else {}),
            )
            index.mapping(_mapping(polish_stemmer=polish_stemmer))
            if alias:
                index.aliases(**{alias: {}})
            try:
                index.create()
            except BadRequestError as exc:
                if exc.error == "resource_already_exists_exception":
                    return
                if position + 1 < len(attempts):
                    logger.info("No Polish stemmer on %s, analysing without: %s", self.url, exc)
                    continue
                raise
            self._polish_stemmer = polish_stemmer
            return

    def _ensure(self, kind: str) -> None:
        """Make sure *kind*'s alias exists: the first write before any rebuild creates
        ``<alias>-v0`` with the alias (two writers racing create the same index)."""
        if kind in self._ready:
            return
        alias = self.alias(kind)
        if not self.client.indices.exists_alias(name=alias):
            self._create_index(f"{alias}-v0", alias=alias)
        self._ready.add(kind)

    @contextmanager
    def _unavailable(self) -> Iterator[None]:
        """Turn an outage (no connection, a timeout, a 5xx or 429 answer) into
        BackendUnavailable, so that searches fall back and index updates are retried."""
        try:
            yield
        except TransportError as exc:  # connection refused or reset, timeouts, TLS
            raise BackendUnavailable(f"{self.url}: {exc}") from exc
        except ApiError as exc:
            if exc.status_code >= 500 or exc.status_code == 429:
                raise BackendUnavailable(f"{self.url}: {exc}") from exc
            raise
        except helpers.BulkIndexError as exc:
            self._ready.clear()  # an alias may have gone: check again next time
            statuses = [item.get(op, {}).get("status", 500) for item in exc.errors for op in item]
            if any(status >= 500 or status == 429 for status in statuses):
                raise BackendUnavailable(f"{self.url}: {exc}") from exc
            raise

    # --- Writing -------------------------------------------------------------------------

    def index(self, documents: list[Document]) -> None:
        if not documents:
            return
        try:
            self._index(documents)
        except helpers.BulkIndexError as exc:
            if not _alias_missing(exc):
                raise
            # The cluster lost the index since this process last checked (restored from
            # nothing, deleted by hand): make it again and write once more.
            self._index(documents)

    def _index(self, documents: list[Document]) -> None:
        with self._unavailable():
            for kind in {doc.kind for doc in documents}:
                self._ensure(kind)
            helpers.bulk(
                self.client,
                (
                    {
                        "_op_type": "index",
                        "_index": self.alias(doc.kind),
                        "_id": str(doc.pk),
                        "_source": _source(doc),
                    }
                    for doc in documents
                ),
                chunk_size=BATCH,
                refresh=self.refresh,
                require_alias=True,
            )

    def remove(self, kind: str, pks: list[int]) -> None:
        if not pks:
            return
        with self._unavailable():
            self._ensure(kind)
            helpers.bulk(
                self.client,
                ({"_op_type": "delete", "_index": self.alias(kind), "_id": str(pk)} for pk in pks),
                chunk_size=BATCH,
                refresh=self.refresh,
                ignore_status=(404,),
            )

    def rebuild(
        self,
        documents: Iterable[Document],
        *,
        total: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Load *documents* into new concrete indices, then point the aliases at them
        and drop the old ones: searches go on against the old indices until the swap.
        Writes that reach the old indices during the load are lost with them; the
        outbox's later updates, and the next rebuild, bring them back."""
        stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
        fresh: dict[str, str] = {}
        count = 0
        with self._unavailable():
            try:
                for kind in KINDS:
                    fresh[kind] = f"{self.alias(kind)}-v{stamp}"
                    self._create_index(fresh[kind], loading=True)
                loader = self.client.options(request_timeout=120)
                for batch in _batches(documents, BATCH):
                    for kind in {doc.kind for doc in batch} - fresh.keys():
                        fresh[kind] = f"{self.alias(kind)}-v{stamp}"
                        self._create_index(fresh[kind], loading=True)
                    helpers.bulk(
                        loader,
                        (
                            {
                                "_op_type": "index",
                                "_index": fresh[doc.kind],
                                "_id": str(doc.pk),
                                "_source": _source(doc),
                            }
                            for doc in batch
                        ),
                        chunk_size=BATCH,
                    )
                    count += len(batch)
                    if progress:
                        progress(len(batch))
                names = list(fresh.values())
                self.client.indices.put_settings(
                    index=names, settings={"index": {"refresh_interval": None}}
                )
                self.client.indices.refresh(index=names)
                old = self._swap(fresh)
            except BaseException:
                self._drop(list(fresh.values()))
                raise
            self._drop(old)
            self._ready.update(fresh)
        return count

    def _drop(self, names: list[str]) -> None:
        """Delete the concrete indices *names*, as well as can be (a failed rebuild's
        leftovers, or the indices a swap left behind)."""
        if not names:
            return
        try:
            self.client.indices.delete(index=names, ignore_unavailable=True)
        except (ApiError, TransportError) as exc:
            logger.warning("Could not delete the indices %s: %s", names, exc)

    def _swap(self, fresh: dict[str, str]) -> list[str]:
        """Point each alias at its fresh index in one atomic change; returns the indices
        the aliases left."""
        actions: list[dict[str, Any]] = []
        old: list[str] = []
        for kind, name in fresh.items():
            alias = self.alias(kind)
            try:
                current = list(self.client.indices.get_alias(name=alias))
            except NotFoundError:
                current = []
                if self.client.indices.exists(index=alias):  # auto-created by a stray write
                    actions.append({"remove_index": {"index": alias}})
            actions += [{"remove": {"index": index, "alias": alias}} for index in current]
            actions.append({"add": {"index": name, "alias": alias}})
            old += current
        self.client.indices.update_aliases(actions=actions)
        return old

    def count(self) -> int:
        with self._unavailable():
            return int(self.client.count(index=self.aliases, ignore_unavailable=True)["count"])

    # --- Searching -------------------------------------------------------------------------

    def search(self, query: Query) -> Results:
        results = self._find(query, any_group=False)
        if results.total == 0 and len(query.groups) > 1:
            results = self._find(query, any_group=True)
            results.partial = results.total > 0
        if results.total < DID_YOU_MEAN_BELOW:
            results.did_you_mean = self._did_you_mean(query, results.total)
        return results

    def _find(self, query: Query, *, any_group: bool) -> Results:
        text = _text_query(query.groups, any_group=any_group)
        if text is None:
            return Results(hits=[], total=0, backend=self.name)
        search = (
            self._search()
            .query(
                _ranked(
                    Q(
                        "bool",
                        must=[text],
                        filter=_filters(query.visible_product_ids, query.filters),
                    )
                )
            )
            .source(SOURCE_FIELDS)
            .extra(track_total_hits=True, track_scores=True)
            .sort(*_sort(query.sort))
            .highlight_options(
                pre_tags=["<mark>"], post_tags=["</mark>"], encoder="html", order="score"
            )
            .highlight(*_variants("title"), number_of_fragments=0)
            .highlight(
                *(field for name in BODY_FIELDS for field in _variants(name)),
                fragment_size=SNIPPET_CHARS,
                number_of_fragments=1,
            )
        )
        search.aggs.bucket("product", A("terms", field="product_id", size=200))
        search.aggs.bucket(
            "tag",
            A(
                "terms",
                field="tag_labels",
                size=TAG_FACET_SIZE,
                order=[{"_count": "desc"}, {"_key": "asc"}],
            ),
        )
        search.aggs.bucket("status", A("terms", field="solved", size=2))
        search.aggs.bucket("staff", A("terms", field="staff_answered", size=2))
        search.aggs.bucket("language", A("terms", field="language", size=50))
        search = search[query.offset : query.offset + query.limit]
        with self._unavailable():
            response = search.execute().to_dict()
        hits = [
            self._hit(
                hit["_source"], hit.get("_score"), query.groups, highlight=hit.get("highlight")
            )
            for hit in response["hits"]["hits"]
        ]
        return Results(
            hits=hits,
            total=int(response["hits"]["total"]["value"]),
            facets=_facets(response.get("aggregations", {})),
            backend=self.name,
        )

    def _did_you_mean(self, query: Query, total: int) -> str:
        """The query with each word no title holds replaced by the nearest title word (not
        merely another form of it), when that finds something and at least as much as
        the query did; "" otherwise."""
        typed = analysis.words(query.text)
        if not typed or not self._spelling:
            return ""
        search = (
            self._search()
            .extra(size=0)
            .suggest(
                "words",
                " ".join(typed),
                term={
                    "field": "title",
                    "suggest_mode": "missing",
                    "min_word_length": 3,
                    "prefix_length": 1,
                },
            )
        )
        try:
            with self._unavailable():
                response = search.execute().to_dict()
        except BadRequestError as exc:  # a cluster without suggesters
            logger.info("No term suggester on %s: %s", self.url, exc)
            self._spelling = False
            return ""
        entries = response.get("suggest", {}).get("words", [])
        corrected = [_correction(entry) for entry in entries]
        if not any(corrected):
            return ""
        proposal = " ".join(
            word or entry["text"] for word, entry in zip(corrected, entries, strict=True)
        )
        # A word missing from every title may still be in the bodies: propose only what
        # finds as much.
        text = _text_query(analysis.parse(proposal), any_group=False)
        if text is None:
            return ""
        matched = Q("bool", must=[text], filter=_filters(query.visible_product_ids, query.filters))
        with self._unavailable():
            found = self.client.count(
                index=self.aliases, query=matched.to_dict(), ignore_unavailable=True
            )["count"]
        return proposal if found and found >= total else ""

    def similar(self, query: SimilarQuery) -> list[Hit]:
        title_words = analysis.significant_words(query.title, SIMILAR_TITLE_WORDS)
        body_words = [
            word
            for word in analysis.significant_words(query.body, SIMILAR_BODY_WORDS)
            if word not in title_words
        ]
        if not title_words and not body_words:
            return []
        clauses = [
            *(
                Q("multi_match", query=word, fields=SIMILAR_FIELDS, boost=2.0)
                for word in title_words
            ),
            *(Q("multi_match", query=word, fields=SIMILAR_FIELDS) for word in body_words),
        ]
        must_not = []
        if query.exclude:
            must_not.append(
                Q("bool", filter=[Q("term", kind="thread"), Q("terms", pk=list(query.exclude))])
            )
        matched = Q(
            "bool",
            should=clauses,
            minimum_should_match=1,
            # Questions are offered, not articles (their pages are the ask page's links).
            filter=[*_filters(query.visible_product_ids, Filters()), Q("term", kind="thread")],
            must_not=must_not,
        )
        search = (
            self._search()
            .query(_ranked(matched, product_id=query.product_id))
            .source(SOURCE_FIELDS)
            .sort({"_score": {"order": "desc"}}, {"pk": {"order": "desc"}})
        )[: query.k]
        with self._unavailable():
            response = search.execute().to_dict()
        groups = tuple(TermGroup(word) for word in [*title_words, *body_words])
        return [
            self._hit(hit["_source"], hit.get("_score"), groups) for hit in response["hits"]["hits"]
        ]

    def suggest(self, query: Query) -> list[Hit]:
        """Titles holding every word typed, the last one as a prefix (or as a whole,
        stemmed word); titles with the words in the order typed first."""
        words = [word for group in query.groups for word in analysis.words(group.word)]
        if not words:
            return []
        *complete, unfinished = words
        must = [Q("multi_match", query=word, fields=TITLE_FIELDS) for word in complete]
        must.append(
            Q(
                "bool",
                should=[
                    Q("match_bool_prefix", title_suggest=unfinished),
                    Q("multi_match", query=unfinished, fields=TITLE_FIELDS),
                ],
                minimum_should_match=1,
            )
        )
        in_order = Q(
            "multi_match", query=" ".join(words), type="bool_prefix", fields=SUGGEST_FIELDS
        )
        search = (
            self._search()
            .query(
                _ranked(
                    Q(
                        "bool",
                        must=must,
                        should=[in_order],
                        filter=_filters(query.visible_product_ids, query.filters),
                    )
                )
            )
            .source(SOURCE_FIELDS)
            .sort({"_score": {"order": "desc"}}, {"pk": {"order": "desc"}})
        )[: query.limit]
        with self._unavailable():
            response = search.execute().to_dict()
        return [
            self._hit(hit["_source"], hit.get("_score"), query.groups)
            for hit in response["hits"]["hits"]
        ]

    def _hit(
        self,
        source: dict[str, Any],
        score: float | None,
        groups: tuple[TermGroup, ...],
        *,
        highlight: dict[str, list[str]] | None = None,
    ) -> Hit:
        highlight = highlight or {}
        language = source.get("language") or ""
        title = source.get("title") or ""
        texts = [source.get(name) or "" for name in BODY_FIELDS]
        title_html = _highlighted(highlight, "title", language, title)
        snippet_html = None
        for name, text in zip(BODY_FIELDS, texts, strict=True):
            snippet_html = _highlighted(highlight, name, language, text)
            if snippet_html is not None:
                break
        return Hit(
            kind=source["kind"],
            pk=int(source["pk"]),
            title=title,
            url=source.get("url") or "",
            product_id=int(source["product_id"]),
            title_html=title_html if title_html is not None else analysis.highlight(title, groups),
            snippet_html=snippet_html
            if snippet_html is not None
            else analysis.snippet(texts, groups, SNIPPET_CHARS),
            solved=bool(source.get("solved")),
            verified=bool(source.get("verified")),
            staff_answered=bool(source.get("staff_answered")),
            language=language or "en",
            votes=int(source.get("votes") or 0),
            me_too=int(source.get("me_too") or 0),
            answer_count=int(source.get("answer_count") or 0),
            created_at=_datetime(source.get("created_at")),
            accepted_excerpt=_excerpt(source.get("accepted") or ""),
            score=float(score or 0.0),
        )


# --- Query parts -----------------------------------------------------------------------------


def _group_query(group: TermGroup) -> Q | None:
    """A group matches when any field holds its word or one of its synonyms (a word up
    to a typo or two away, a phrase as written)."""
    options = []
    for phrase in group.words:
        phrase_words = analysis.words(phrase)
        if len(phrase_words) == 1:
            options.append(
                Q(
                    "multi_match",
                    query=phrase_words[0],
                    fields=ALL_FIELDS,
                    fuzziness="AUTO",
                    prefix_length=1,
                    tie_breaker=0.3,
                )
            )
        elif phrase_words:
            options.append(
                Q("multi_match", query=" ".join(phrase_words), fields=ALL_FIELDS, type="phrase")
            )
    if not options:
        return None
    return options[0] if len(options) == 1 else Q("bool", should=options, minimum_should_match=1)


def _text_query(groups: Iterable[TermGroup], *, any_group: bool) -> Q | None:
    parts = [part for part in (_group_query(group) for group in groups) if part is not None]
    if not parts:
        return None
    if any_group:
        return Q("bool", should=parts, minimum_should_match=1)
    return Q("bool", must=parts)


def _filters(visible_product_ids: Iterable[int], filters: Filters) -> list[Q]:
    """What the searcher narrowed to, and always the products the viewer may see (none
    visible: nothing matches)."""
    products = list(visible_product_ids)
    if filters.product_ids:
        chosen = set(filters.product_ids)
        products = [product for product in products if product in chosen]
    parts = [Q("terms", product_id=products)]
    if filters.status == Status.SOLVED:
        parts.append(Q("term", solved=True))
    elif filters.status == Status.OPEN:
        parts.append(Q("term", solved=False))
    if filters.staff_answered is not None:
        parts.append(Q("term", staff_answered=filters.staff_answered))
    if filters.language:
        parts.append(Q("term", language=filters.language))
    parts += [Q("term", tags=slug) for slug in filters.tags]
    return parts


def _ranked(query: Q, *, product_id: int | None = None) -> Q:
    """*query*'s text relevance times the document's standing: the database's
    1 + 0.15 ln(1 + votes) (plus up to 30% for recent activity), times 1.6 when solved,
    1.4 when verified (and 1.25 in the preferred product)."""
    standing = Q(
        "function_score",
        query=query,
        functions=[
            {"weight": 1.0},
            {
                "field_value_factor": {"field": "vote_weight", "modifier": "log1p", "missing": 0},
                "weight": VOTES_WEIGHT,
            },
            {
                "gauss": {
                    "activity_at": {"origin": "now", "offset": "7d", "scale": "180d", "decay": 0.5}
                },
                "weight": RECENCY_WEIGHT,
            },
        ],
        score_mode="sum",
        boost_mode="multiply",
    )
    functions: list[dict[str, Any]] = [
        {"filter": {"term": {"solved": True}}, "weight": SOLVED_BOOST},
        {"filter": {"term": {"verified": True}}, "weight": VERIFIED_BOOST},
    ]
    if product_id:
        functions.append({"filter": {"term": {"product_id": product_id}}, "weight": PRODUCT_BOOST})
    return Q(
        "function_score",
        query=standing,
        functions=functions,
        score_mode="multiply",
        boost_mode="multiply",
    )


def _sort(sort: Sort) -> list[dict[str, Any]]:
    if sort == Sort.NEWEST:
        return [{"created_at": {"order": "desc", "missing": "_last"}}, {"pk": {"order": "desc"}}]
    if sort == Sort.VOTES:
        return [
            {"vote_total": {"order": "desc"}},
            {"_score": {"order": "desc"}},
            {"pk": {"order": "desc"}},
        ]
    return [{"_score": {"order": "desc"}}, {"pk": {"order": "desc"}}]


def _variants(name: str) -> list[str]:
    return [name, *(f"{name}_{language}" for language in LANGUAGES)]


def _facets(aggregations: dict[str, Any]) -> dict[str, list[FacetValue]]:
    """The database backend's facets: the same keys, values and order."""

    def buckets(name: str) -> list[dict[str, Any]]:
        return aggregations.get(name, {}).get("buckets", [])

    def flag(bucket: dict[str, Any]) -> bool:
        return bucket["key"] in (1, True, "true") or bucket.get("key_as_string") == "true"

    counts: dict[str, dict[str, int]] = {"product": {}, "status": {}, "staff": {}, "language": {}}
    for bucket in buckets("product"):
        counts["product"][str(bucket["key"])] = bucket["doc_count"]
    for bucket in buckets("status"):
        value = Status.SOLVED.value if flag(bucket) else Status.OPEN.value
        counts["status"][value] = counts["status"].get(value, 0) + bucket["doc_count"]
    for bucket in buckets("staff"):
        value = "yes" if flag(bucket) else "no"
        counts["staff"][value] = counts["staff"].get(value, 0) + bucket["doc_count"]
    for bucket in buckets("language"):
        counts["language"][str(bucket["key"])] = bucket["doc_count"]
    facets = {
        facet: [
            FacetValue(value=value, label=value, count=n)
            for value, n in sorted(values.items(), key=lambda item: (-item[1], item[0]))
        ]
        for facet, values in counts.items()
    }
    facets["tag"] = []
    for bucket in buckets("tag"):
        label, _separator, slug = str(bucket["key"]).rpartition(TAG_SEPARATOR)
        facets["tag"].append(FacetValue(value=slug, label=label or slug, count=bucket["doc_count"]))
    return facets


def _correction(entry: dict[str, Any]) -> str:
    """The suggester's best option for a typed word that is not just another form of it
    (stemming and typo tolerance find those already), or ""."""
    typed = set(analysis.query_forms(entry["text"]))
    for option in entry.get("options", []):
        if not typed & set(analysis.query_forms(option["text"])):
            return option["text"]
    return ""


# --- Results -----------------------------------------------------------------------------------

_MARK = re.compile(r"(</?mark>)")


def _highlighted(
    highlight: dict[str, list[str]], name: str, language: str, text: str
) -> SafeString | None:
    """The cluster's highlighted fragment of field *name* (the document's language's
    variant first), escaped again piece by piece, with "…" where it cuts *text*; None
    when the cluster highlighted nothing there."""
    fragments = highlight.get(f"{name}_{language}") or highlight.get(name)
    if not fragments:
        return None
    out, plain = [], []
    for piece in _MARK.split(fragments[0]):
        if piece in ("<mark>", "</mark>"):
            out.append(piece)
        else:
            raw = html.unescape(piece)
            plain.append(raw)
            out.append(html.escape(raw))
    fragment = "".join(plain).strip()
    prefix = "" if text.lstrip().startswith(fragment) else "… "
    suffix = "" if text.rstrip().endswith(fragment) else " …"
    # Every piece between the marks is escaped above.
    return mark_safe(prefix + "".join(out).strip() + suffix)  # noqa: S308


def _datetime(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    return datetime.datetime.fromisoformat(value)


def _excerpt(text: str) -> str:
    if len(text) <= EXCERPT_CHARS:
        return text
    cut = text.rfind(" ", 0, EXCERPT_CHARS)
    return text[: cut if cut > EXCERPT_CHARS // 2 else EXCERPT_CHARS] + " …"


def _alias_missing(exc: helpers.BulkIndexError) -> bool:
    """Did a bulk write fail only because its alias (the index behind it) is gone?"""
    errors = [item.get(op, {}) for item in exc.errors for op in item]
    return bool(errors) and all(
        error.get("status") == 404 or "index_not_found" in str(error.get("error", ""))
        for error in errors
    )


def _batches(documents: Iterable[Document], size: int) -> Iterator[list[Document]]:
    batch: list[Document] = []
    for doc in documents:
        batch.append(doc)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
