"""The search service: what pages, commands and other apps call.

``search``, ``similar`` and ``suggest`` ask the primary backend (Elasticsearch when
``ELASTICSEARCH_URL`` is set, else the database) and fall back to the database backend
when it cannot answer, saying so (``Results.fell_back``). Every hit passes the viewer's
visibility (``forum.permissions``) before it is returned: the index holds only what a
visitor may see, and this catches what changed since it was indexed.

``index`` / ``remove`` / ``rebuild`` write to every backend; normally they run from the
outbox (``search.receivers`` -> ``search.tasks``) and are retried until done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.utils import timezone

from forum import permissions
from forum.models import Thread
from search import analysis, backends, documents, semantic
from search.backends import BackendUnavailable
from search.backends.base import Filters, Hit, Query, Results, SimilarQuery, Sort
from search.models import SearchDocument, SearchEmbedding, Synonym
from solutions.models import SolutionArticle

logger = logging.getLogger(__name__)

PER_PAGE = 20
MAX_PAGE = 50
OUTAGE_KEY = "search:outage"
SYNONYMS_KEY = "search:synonyms"
NO_FILTERS = Filters()


def search(
    text: str,
    *,
    user=None,
    filters: Filters = NO_FILTERS,
    sort: Sort = Sort.RELEVANCE,
    page: int = 1,
    per_page: int = PER_PAGE,
    language: str | None = None,
) -> Results:
    """Search threads for *text* as *user* may see them: the page of hits (1-based
    *page*), the total, facets, and "did you mean" where the backend can."""
    user = user or AnonymousUser()
    page = min(max(page, 1), MAX_PAGE)
    query = Query(
        text=text,
        groups=analysis.parse(text, synonyms(filters.product_ids)),
        visible_product_ids=_visible_products(user),
        filters=filters,
        sort=sort,
        offset=(page - 1) * per_page,
        limit=per_page,
        language=language or settings.LANGUAGE_CODE,
    )
    if not query.groups:
        return Results(hits=[], total=0, backend=backends.primary().name)
    results, fell_back = _ask(lambda backend: backend.search(query))
    results.hits = _visible(results.hits, user)
    results.fell_back = fell_back
    return results


def similar(
    title: str,
    body: str = "",
    *,
    user=None,
    product_id: int | None = None,
    exclude: Iterable[int] = (),
    k: int = 5,
) -> list[Hit]:
    """Threads that may already answer a question titled *title* (and saying *body*),
    solved and verified ones first, at most *k*."""
    user = user or AnonymousUser()
    query = SimilarQuery(
        title=title,
        body=body,
        visible_product_ids=_visible_products(user),
        product_id=product_id,
        exclude=tuple(exclude),
        k=k,
    )
    if semantic.enabled():
        try:
            return _visible(_semantic_similar(query), user)
        except Exception:  # a broken model install must not break asking
            logger.exception("The semantic stage failed; similar questions are lexical")
    hits, _fell_back = _ask(lambda backend: backend.similar(query))
    return _visible(hits, user)


def _semantic_similar(query: SimilarQuery) -> list[Hit]:
    """Nearest questions by meaning (``search.semantic``) among the documents the
    database index holds in the viewer's products; solved and verified ones a little
    ahead, the asker's product a little ahead."""
    nearest = semantic.nearest(query.title, query.body, k=query.k * 4 + len(query.exclude) + 10)
    wanted = [
        (kind, pk, cosine)
        for kind, pk, cosine in nearest
        if kind == "thread" and pk not in query.exclude  # questions, not articles
    ]
    rows = {
        (row.kind, row.object_id): row
        for row in SearchDocument.objects.filter(
            kind="thread",
            product_id__in=query.visible_product_ids,
            object_id__in=[pk for _kind, pk, _cosine in wanted],
        )
    }
    database = backends.database_backend()
    hits = []
    for kind, pk, cosine in wanted:
        row = rows.get((kind, pk))
        if row is None:
            continue
        score = cosine + 0.05 * row.solved + 0.05 * row.verified
        score += 0.03 if query.product_id and row.product_id == query.product_id else 0
        hits.append(database.hit(row, score))
    hits.sort(key=lambda hit: -hit.score)
    return hits[: query.k]


def suggest(prefix: str, *, user=None, k: int = 8) -> list[Hit]:
    """Type-ahead: thread titles for what is being typed (the last word unfinished)."""
    user = user or AnonymousUser()
    groups = tuple(
        analysis.TermGroup(word) for word in analysis.words(prefix)[: analysis.MAX_QUERY_WORDS]
    )
    if not groups:
        return []
    query = Query(text=prefix, groups=groups, visible_product_ids=_visible_products(user), limit=k)
    hits, _fell_back = _ask(lambda backend: backend.suggest(query))
    return _visible(hits, user)


# --- Writing ----------------------------------------------------------------------------


def index(thread_ids: Iterable[int], *, backend=None) -> tuple[int, int]:
    """Bring *thread_ids* up to date in *backend* (every backend when None): public ones
    (re)indexed, the rest removed. Returns (indexed, removed). Raises when a backend
    cannot be reached, so the outbox tries again later."""
    docs, gone = documents.thread_documents(thread_ids)
    for target in [backend] if backend else backends.all_backends():
        target.index(docs)
        target.remove("thread", gone)
        _embed(target, "thread", docs, gone)
    return len(docs), len(gone)


def _embed(target, kind: str, docs, gone) -> None:
    """With the semantic stage on, keep the embeddings beside the database index."""
    if target is backends.database_backend() and semantic.enabled():
        semantic.store(docs)
        semantic.forget(kind, gone)


def index_articles(article_ids: Iterable[int], *, backend=None) -> tuple[int, int]:
    """The same for curated articles (published and public, or removed)."""
    docs, gone = documents.article_documents(article_ids)
    for target in [backend] if backend else backends.all_backends():
        target.index(docs)
        target.remove("article", gone)
        _embed(target, "article", docs, gone)
    return len(docs), len(gone)


def rebuild(*, backend=None, progress: Callable[[int], None] | None = None) -> int:
    """Index every public thread and article afresh in *backend* (every backend when
    None). Changes made while it ran are indexed again once it is done (a backend that
    builds a new index beside the old one would otherwise miss them)."""
    count = 0
    for target in [backend] if backend else backends.all_backends():
        started = timezone.now()
        total = len(documents.all_thread_ids()) + len(documents.all_article_ids())
        count = target.rebuild(documents.all_documents(), total=total, progress=progress)
        if target is backends.database_backend() and semantic.enabled():
            SearchEmbedding.objects.all().delete()
            for batch in _batches(documents.all_documents(), 256):
                semantic.store(batch)
        thread_ids, article_ids = changed_since(started)
        if thread_ids:
            index(thread_ids, backend=target)
        if article_ids:
            index_articles(article_ids, backend=target)
    return count


def changed_since(when) -> tuple[list[int], list[int]]:
    """Threads and articles whose indexed events happened at or after *when*."""
    from core.models import Event
    from search.receivers import ARTICLE_EVENTS, INDEXED, THREAD_KEYS

    names = [event_type.name for event_type in INDEXED]
    threads: set[int] = set()
    for payload in Event.objects.filter(created_at__gte=when, name__in=names).values_list(
        "payload", flat=True
    ):
        threads.update(payload[key] for key in THREAD_KEYS if payload.get(key))
    articles = {
        payload["article_id"]
        for payload in Event.objects.filter(
            created_at__gte=when, name__in=[event_type.name for event_type in ARTICLE_EVENTS]
        ).values_list("payload", flat=True)
    }
    return sorted(threads), sorted(articles)


# --- Helpers ------------------------------------------------------------------------------


def _batches(items, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _visible_products(user) -> tuple[int, ...]:
    return tuple(sorted(permissions.visible_category_ids(user)))


def _visible(hits: list[Hit], user) -> list[Hit]:
    """The hits *user* may see now: a thread or article hidden, unpublished or moved out
    of the viewer's products since it was indexed is dropped."""
    thread_ids = [hit.pk for hit in hits if hit.kind == "thread"]
    article_ids = [hit.pk for hit in hits if hit.kind == "article"]
    allowed: set[tuple[str, int]] = set()
    if thread_ids:
        allowed.update(
            ("thread", pk)
            for pk in permissions.visible_threads(
                user, Thread.objects.filter(pk__in=thread_ids), include_own_pending=False
            ).values_list("pk", flat=True)
        )
    if article_ids:
        allowed.update(
            ("article", pk)
            for pk in SolutionArticle.objects.live()
            .public()
            .filter(pk__in=article_ids, product_id__in=permissions.visible_category_ids(user))
            .values_list("pk", flat=True)
        )
    return [hit for hit in hits if (hit.kind, hit.pk) in allowed]


def _ask(call):
    """*call* the primary backend; on an outage, the database backend, noted for staff."""
    primary = backends.primary()
    if primary is backends.database_backend():
        return call(primary), False
    try:
        answer = call(primary)
    except BackendUnavailable as exc:
        logger.warning("Search backend %s unavailable, using the database: %s", primary.name, exc)
        if not cache.get(OUTAGE_KEY):
            cache.set(OUTAGE_KEY, timezone.now().isoformat(), 300)
        return call(backends.database_backend()), True
    return answer, False


def outage_since() -> str | None:
    """When the configured backend last failed to answer (within five minutes), else None."""
    return cache.get(OUTAGE_KEY)


def synonyms(product_ids: Iterable[int] = ()) -> dict[str, tuple[str, ...]]:
    """Word -> what may stand for it: the groups for every product, and for
    *product_ids*' own. Cached until a synonym group changes (``forget_synonyms``)."""
    groups = cache.get(SYNONYMS_KEY)
    if groups is None:
        groups = [
            (product_id, [term.strip() for term in terms.split(",") if term.strip()])
            for product_id, terms in Synonym.objects.values_list("product_id", "terms")
        ]
        cache.set(SYNONYMS_KEY, groups, 3600)
    wanted = set(product_ids)
    table: dict[str, list[str]] = {}
    for product_id, terms in groups:
        if product_id is not None and product_id not in wanted:
            continue
        folded = [analysis.normalise(term) for term in terms]
        for term in folded:
            if term and " " not in term:
                table.setdefault(term, [])
                table[term] += [other for other in folded if other and other != term]
    return {word: tuple(dict.fromkeys(alts)) for word, alts in table.items()}


def forget_synonyms() -> None:
    cache.delete(SYNONYMS_KEY)
