"""The embedded backend: full-text search in the site's own database.

SQLite keeps the stems in an FTS5 table (``search_fts``, its rowid the document's id)
ranked with BM25; PostgreSQL keeps them in a ``tsvector`` column with a GIN index,
ranked with ``ts_rank``. Both index the stems ``search.analysis`` makes, so both find
the same documents. Title and tags weigh most, then the question, the accepted answer
and the other answers; solved, verified, voted and recent threads rank higher.

What it lacks beside Elasticsearch, on purpose: no typo tolerance and no "did you
mean" (it finds words as written, in any of their stemmed forms); highlighting is done
in Python on the page of hits.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from forum.models import Tag, Thread
from search import analysis
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
from search.models import SearchDocument

# Column weights: title, tags, question, accepted answer, other answers.
SQLITE_WEIGHTS = (10.0, 6.0, 3.0, 2.0, 1.0)
# D (answers), C (accepted answer), B (question and tags), A (title)
POSTGRES_WEIGHTS = "{0.1, 0.25, 0.5, 1.0}"
SNIPPET_CHARS = 240
EXCERPT_CHARS = 220
SIMILAR_TITLE_WORDS = 8
SIMILAR_BODY_WORDS = 8
TAG_FACET_SIZE = 10


def _boost(alias: str = "d") -> str:
    """How much a document's standing multiplies its text relevance: a verified solution
    most, an accepted one, then votes and "I have this problem too" (logarithmic). Same
    formula on both databases. (Recency is Elasticsearch's: a decay needs the clock in
    every row's score, which would defeat SQLite's and PostgreSQL's plans.)"""
    return (
        f"(1.0 + 0.6 * (CASE WHEN {alias}.solved THEN 1 ELSE 0 END)"
        f" + 0.4 * (CASE WHEN {alias}.verified THEN 1 ELSE 0 END)"
        f" + 0.15 * ln(1.0 + (CASE WHEN {alias}.votes > 0 THEN {alias}.votes ELSE 0 END)"
        f" + (CASE WHEN {alias}.me_too > 0 THEN {alias}.me_too ELSE 0 END)))"
    )


class DatabaseBackend:
    name = "database"
    capabilities = {
        "typo_tolerance": False,
        "did_you_mean": False,
        "stemming": True,
        "synonyms": True,
        "facets": True,
        "highlighting": True,
    }

    @property
    def postgres(self) -> bool:
        return connection.vendor == "postgresql"

    # --- Writing -------------------------------------------------------------------------

    def index(self, documents: list[Document]) -> None:
        if not documents:
            return
        with transaction.atomic():
            self._delete({(doc.kind, doc.pk) for doc in documents})
            rows = SearchDocument.objects.bulk_create(
                [
                    SearchDocument(
                        kind=doc.kind,
                        object_id=doc.pk,
                        product_id=doc.product_id,
                        title=doc.title,
                        url=doc.url,
                        language=doc.language,
                        question=doc.question,
                        accepted=doc.accepted,
                        answers=doc.answers,
                        tags=list(doc.tags),
                        tag_names=list(doc.tag_names),
                        versions=list(doc.versions),
                        solved=doc.solved,
                        verified=doc.verified,
                        staff_answered=doc.staff_answered,
                        votes=doc.votes,
                        me_too=doc.me_too,
                        answer_count=doc.answer_count,
                        created_at=doc.created_at,
                        activity_at=doc.activity_at,
                    )
                    for doc in documents
                ]
            )
            self._write_text(rows, documents)

    def remove(self, kind: str, pks: list[int]) -> None:
        if pks:
            with transaction.atomic():
                self._delete({(kind, pk) for pk in pks})

    def rebuild(self, documents: Iterable[Document], *, total=None, progress=None) -> int:
        with transaction.atomic():
            self._clear()
        count, batch = 0, []
        for doc in documents:
            batch.append(doc)
            if len(batch) >= 500:
                self.index(batch)
                count += len(batch)
                if progress:
                    progress(len(batch))
                batch = []
        self.index(batch)
        count += len(batch)
        if progress and batch:
            progress(len(batch))
        return count

    def count(self) -> int:
        return SearchDocument.objects.count()

    def _delete(self, keys: set[tuple[str, int]]) -> None:
        ids = []
        for kind in {kind for kind, _pk in keys}:
            pks = [pk for k, pk in keys if k == kind]
            ids += SearchDocument.objects.filter(kind=kind, object_id__in=pks).values_list(
                "id", flat=True
            )
        if not ids:
            return
        if not self.postgres:
            with connection.cursor() as cursor:
                cursor.executemany("DELETE FROM search_fts WHERE rowid = %s", [(i,) for i in ids])
        SearchDocument.objects.filter(id__in=ids).delete()

    def _clear(self) -> None:
        if not self.postgres:
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM search_fts")
        SearchDocument.objects.all().delete()

    def _write_text(self, rows: list[SearchDocument], documents: list[Document]) -> None:
        values = []
        for row, doc in zip(rows, documents, strict=True):
            language = doc.language
            tags = " ".join([*doc.tag_names, *doc.tags])
            values.append(
                (
                    row.pk,
                    analysis.stems(doc.title, language),
                    analysis.stems(tags, language),
                    analysis.stems(doc.question, language),
                    analysis.stems(doc.accepted, language),
                    analysis.stems(doc.answers, language),
                )
            )
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.executemany(
                    "UPDATE search_searchdocument SET vector ="
                    " setweight(to_tsvector('simple', %s), 'A')"
                    " || setweight(to_tsvector('simple', %s), 'B')"
                    " || setweight(to_tsvector('simple', %s), 'B')"
                    " || setweight(to_tsvector('simple', %s), 'C')"
                    " || setweight(to_tsvector('simple', %s), 'D') WHERE id = %s",
                    [(*value[1:], value[0]) for value in values],
                )
            else:
                cursor.executemany(
                    "INSERT INTO search_fts (rowid, title, tags, question, accepted, answers)"
                    " VALUES (%s, %s, %s, %s, %s, %s)",
                    values,
                )

    # --- Query text ------------------------------------------------------------------------

    def _match(
        self,
        groups: Iterable[TermGroup],
        *,
        any_group: bool = False,
        prefix: bool = False,
        title_only: bool = False,
    ) -> str:
        """The query in the database's full-text syntax, or "" when nothing can match.

        Each group matches any stemmed form of its word or any of its synonyms (a
        phrase stays a phrase), or with *prefix* any word starting with it (type-ahead);
        groups are all required, or any with *any_group*.
        Words are ``\\w+`` only, so quoting them is enough."""
        groups = list(groups)
        parts = []
        for group in groups:
            options = []
            for phrase in group.words:
                phrase_words = analysis.words(phrase)
                if not phrase_words:
                    continue
                if len(phrase_words) == 1:
                    options += [
                        self._term(form, prefix, title_only)
                        for form in self._forms(phrase_words[0], prefix)
                    ]
                else:
                    options.append(self._phrase(phrase_words))
            options = list(dict.fromkeys(options))
            if options:
                parts.append("(" + (" OR " if not self.postgres else " | ").join(options) + ")")
        if not parts:
            return ""
        joiner = (
            (" OR " if any_group else " AND ")
            if not self.postgres
            else (" | " if any_group else " & ")
        )
        text = joiner.join(parts)
        if title_only and not self.postgres:
            text = "title : (" + text + ")"
        return text

    @staticmethod
    def _forms(word: str, prefix: bool) -> tuple[str, ...]:
        forms = analysis.query_forms(word)
        if prefix:  # an unfinished word: its letters, and its stem when shorter
            return tuple(dict.fromkeys([word, *[f for f in forms if len(f) < len(word)]]))
        return forms

    def _term(self, form: str, prefix: bool, title_only: bool = False) -> str:
        if self.postgres:  # weight A is the title's alone
            suffix = (":*" if prefix else ":") + "A" if title_only else (":*" if prefix else "")
            return f"'{form}'{suffix}"
        return f'"{form}"' + ("*" if prefix else "")

    def _phrase(self, phrase_words: list[str]) -> str:
        forms = [analysis.stem(word, "en") for word in phrase_words]
        if self.postgres:
            return "(" + " <-> ".join(f"'{form}'" for form in forms) + ")"
        return '"' + " ".join(forms) + '"'

    # --- Reading -----------------------------------------------------------------------------

    def _where(self, match: str, query_products, filters: Filters):
        """FROM and WHERE of a search, with its parameters."""
        params: list = []
        if self.postgres:
            source = "search_searchdocument d CROSS JOIN to_tsquery('simple', %s) q"
            params.append(match)
            where = ["d.vector @@ q"]
        else:
            source = "search_fts JOIN search_searchdocument d ON d.id = search_fts.rowid"
            where = ["search_fts MATCH %s"]
            params.append(match)
        products = list(query_products)
        if filters.product_ids:
            products = [p for p in products if p in set(filters.product_ids)]
        if not products:
            where.append("1 = 0")
        else:
            where.append(f"d.product_id IN ({', '.join(['%s'] * len(products))})")
            params += products
        if filters.status == Status.SOLVED:
            where.append("d.solved = %s")
            params.append(True)
        elif filters.status == Status.OPEN:
            where.append("d.solved = %s")
            params.append(False)
        if filters.staff_answered is not None:
            where.append("d.staff_answered = %s")
            params.append(filters.staff_answered)
        if filters.language:
            where.append("d.language = %s")
            params.append(filters.language)
        through = Thread.tags.through._meta.db_table
        tag_table = Tag._meta.db_table
        for slug in filters.tags:
            where.append(
                f"d.kind = 'thread' AND d.object_id IN (SELECT tt.thread_id FROM {through} tt"
                f" JOIN {tag_table} t ON t.id = tt.tag_id WHERE t.slug = %s)"
            )
            params.append(slug)
        return source, " AND ".join(where), params

    def _relevance(self) -> str:
        if self.postgres:
            return f"ts_rank('{POSTGRES_WEIGHTS}', d.vector, q, 1)"
        weights = ", ".join(str(w) for w in SQLITE_WEIGHTS)
        return f"(-bm25(search_fts, {weights}))"

    def _order(self, sort: Sort) -> str:
        if sort == Sort.NEWEST:
            return "d.created_at DESC, d.id DESC"
        if sort == Sort.VOTES:
            return "(d.votes + d.me_too) DESC, score DESC, d.id DESC"
        return "score DESC, d.id DESC"

    def _rows(
        self, source, where, params, *, order, limit, offset, extra_boost="", boost_params=()
    ):
        score = f"{self._relevance()} * {_boost()}{extra_boost}"
        sql = (
            f"SELECT d.id, {score} AS score FROM {source} WHERE {where}"
            f" ORDER BY {order} LIMIT %s OFFSET %s"
        )
        # The score's own parameters come first in the statement, then FROM's and WHERE's.
        with connection.cursor() as cursor:
            cursor.execute(sql, [*boost_params, *params, limit, offset])
            ranked = cursor.fetchall()
        rows = SearchDocument.objects.in_bulk([pk for pk, _score in ranked])
        return [(rows[pk], score) for pk, score in ranked if pk in rows]

    def search(self, query: Query) -> Results:
        results = self._search(query, any_group=False)
        if results.total == 0 and len(query.groups) > 1:
            results = self._search(query, any_group=True)
            results.partial = results.total > 0
        return results

    def _search(self, query: Query, *, any_group: bool) -> Results:
        match = self._match(query.groups, any_group=any_group)
        if not match:
            return Results(hits=[], total=0, backend=self.name)
        source, where, params = self._where(match, query.visible_product_ids, query.filters)
        rows = self._rows(
            source,
            where,
            params,
            order=self._order(query.sort),
            limit=query.limit,
            offset=query.offset,
        )
        facets, total = self._facets(source, where, params, query)
        hits = [self.hit(row, score, query.groups) for row, score in rows]
        return Results(hits=hits, total=total, facets=facets, backend=self.name)

    def _facets(self, source, where, params, query: Query):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.product_id, d.solved, d.staff_answered, d.language, COUNT(*)"
                f" FROM {source} WHERE {where}"
                f" GROUP BY d.product_id, d.solved, d.staff_answered, d.language",
                params,
            )
            groups = cursor.fetchall()
            through = Thread.tags.through._meta.db_table
            tag_table = Tag._meta.db_table
            cursor.execute(
                f"SELECT t.slug, t.name, COUNT(*) FROM {source}"
                f" JOIN {through} tt ON tt.thread_id = d.object_id AND d.kind = 'thread'"
                f" JOIN {tag_table} t ON t.id = tt.tag_id WHERE {where}"
                f" GROUP BY t.slug, t.name ORDER BY COUNT(*) DESC, t.name LIMIT %s",
                [*params, TAG_FACET_SIZE],
            )
            tags = cursor.fetchall()
        total = sum(row[4] for row in groups)
        counts: dict[str, dict] = {"product": {}, "status": {}, "staff": {}, "language": {}}
        for product_id, solved, staff, language, n in groups:
            for facet, value in (
                ("product", str(product_id)),
                ("status", Status.SOLVED.value if solved else Status.OPEN.value),
                ("staff", "yes" if staff else "no"),
                ("language", language),
            ):
                counts[facet][value] = counts[facet].get(value, 0) + n
        facets = {
            facet: [
                FacetValue(value=value, label=value, count=n)
                for value, n in sorted(values.items(), key=lambda item: (-item[1], item[0]))
            ]
            for facet, values in counts.items()
        }
        facets["tag"] = [FacetValue(value=slug, label=name, count=n) for slug, name, n in tags]
        return facets, total

    def hit(self, row: SearchDocument, score: float, groups=()) -> Hit:
        """A stored document as a hit (also for the semantic stage, ``search.api``)."""
        return Hit(
            kind=row.kind,
            pk=row.object_id,
            title=row.title,
            url=row.url,
            product_id=row.product_id,
            title_html=analysis.highlight(row.title, groups),
            snippet_html=analysis.snippet(
                [row.question, row.accepted, row.answers], groups, SNIPPET_CHARS
            ),
            solved=row.solved,
            verified=row.verified,
            staff_answered=row.staff_answered,
            language=row.language,
            votes=row.votes,
            me_too=row.me_too,
            answer_count=row.answer_count,
            created_at=row.created_at,
            accepted_excerpt=_excerpt(row.accepted),
            score=float(score or 0),
        )

    def similar(self, query: SimilarQuery) -> list[Hit]:
        chosen = analysis.significant_words(query.title, SIMILAR_TITLE_WORDS)
        for word in analysis.significant_words(query.body, SIMILAR_BODY_WORDS):
            if word not in chosen:
                chosen.append(word)
        groups = tuple(TermGroup(word) for word in chosen)
        match = self._match(groups, any_group=True)
        if not match:
            return []
        source, where, params = self._where(match, query.visible_product_ids, Filters())
        where += " AND d.kind = 'thread'"  # questions are offered, not articles
        if query.exclude:
            marks = ", ".join(["%s"] * len(query.exclude))
            where += f" AND NOT (d.kind = 'thread' AND d.object_id IN ({marks}))"
            params = [*params, *query.exclude]
        boost, boost_params = "", ()
        if query.product_id:
            boost, boost_params = (
                " * (CASE WHEN d.product_id = %s THEN 1.25 ELSE 1.0 END)",
                (query.product_id,),
            )
        rows = self._rows(
            source,
            where,
            params,
            order="score DESC, d.id DESC",
            limit=query.k,
            offset=0,
            extra_boost=boost,
            boost_params=boost_params,
        )
        return [self.hit(row, score, groups) for row, score in rows]

    def suggest(self, query: Query) -> list[Hit]:
        match = self._match(query.groups, prefix=True, title_only=True)
        if not match:
            return []
        source, where, params = self._where(match, query.visible_product_ids, query.filters)
        rows = self._rows(
            source, where, params, order="score DESC, d.id DESC", limit=query.limit, offset=0
        )
        return [self.hit(row, score, query.groups) for row, score in rows]


def _excerpt(text: str) -> str:
    if len(text) <= EXCERPT_CHARS:
        return text
    cut = text.rfind(" ", 0, EXCERPT_CHARS)
    return text[: cut if cut > EXCERPT_CHARS // 2 else EXCERPT_CHARS] + " …"
