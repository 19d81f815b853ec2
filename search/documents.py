"""Threads as search documents: their published text, as plain text.

Only published threads in live products are documents (``forum.permissions
.indexable_threads``: private products too, so their members find them), with their
published question and answers. Everything else is removed from the index: it never
holds hidden, pending or deleted text. Every query is narrowed to the viewer's products
and ``search.api`` checks each page of hits against the viewer's own visibility (which
also covers what changed since it was indexed).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.conf import settings

from forum import permissions, rendering
from forum.models import CategoryPage, Post, Thread
from search.backends.base import Document
from solutions.models import Solution, SolutionArticle

ANSWERS_MAX_CHARS = 30_000
BATCH = 500


def thread_documents(thread_ids: Iterable[int]) -> tuple[list[Document], list[int]]:
    """The documents of *thread_ids* that are public, and the ids that are not (to remove)."""
    ids = sorted(set(thread_ids))
    threads = list(
        permissions.indexable_threads(Thread.objects.filter(pk__in=ids))
        .select_related("accepted_answer")
        .prefetch_related("tags")
    )
    found = {thread.pk for thread in threads}
    texts: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    scores: dict[int, int] = {}
    posts = permissions.indexable_posts(Post.objects.filter(thread_id__in=found))
    for thread_id, pk, kind, body_html, score in posts.order_by("-score", "pk").values_list(
        "thread_id", "pk", "kind", "body_html", "score"
    ):
        text = rendering.plain_text(body_html)
        texts[thread_id][kind].append(text)
        texts[thread_id][f"pk:{pk}"].append(text)
        if kind == Post.Kind.ANSWER:  # the best answer's votes (the question's are me_too)
            scores[thread_id] = max(scores.get(thread_id, 0), score)
    solutions = {
        thread_id: (tier, versions)
        for thread_id, tier, versions in Solution.objects.filter(thread_id__in=found).values_list(
            "thread_id", "tier", "versions"
        )
    }
    documents = []
    for thread in threads:
        tier, versions = solutions.get(thread.pk, ("", ""))
        text = texts[thread.pk]
        accepted = ""
        if thread.accepted_answer_id and text.get(f"pk:{thread.accepted_answer_id}"):
            accepted = text[f"pk:{thread.accepted_answer_id}"][0]
        answers = [a for a in text.get(Post.Kind.ANSWER, []) if a != accepted]
        tags = sorted(thread.tags.all(), key=lambda tag: tag.name)
        documents.append(
            Document(
                kind="thread",
                pk=thread.pk,
                title=thread.title,
                url=thread.get_absolute_url(),
                product_id=thread.category_id,
                language=thread.language,
                question=(text.get(Post.Kind.QUESTION) or [""])[0],
                accepted=accepted,
                answers="\n\n".join(answers)[:ANSWERS_MAX_CHARS],
                tags=tuple(tag.slug for tag in tags),
                tag_names=tuple(tag.name for tag in tags),
                solved=bool(accepted),
                verified=bool(accepted) and tier == Solution.Tier.VERIFIED,
                versions=tuple(v.strip() for v in versions.split(",") if v.strip()),
                staff_answered=thread.staff_answered_at is not None,
                votes=scores.get(thread.pk, 0),
                me_too=thread.vote_count,
                answer_count=thread.answer_count,
                created_at=thread.created_at,
                activity_at=thread.last_activity_at,
            )
        )
    return documents, [pk for pk in ids if pk not in found]


def all_thread_ids() -> list[int]:
    """Every thread the index may hold: what a rebuild indexes."""
    indexable = permissions.indexable_threads(Thread.objects.all())
    return list(indexable.order_by("pk").values_list("pk", flat=True))


def _public_articles():
    """Published articles a visitor may read (Wagtail privacy), in live products (private
    ones too: queries are narrowed to the viewer's products)."""
    return (
        SolutionArticle.objects.live()
        .public()
        .filter(product_id__in=CategoryPage.objects.live().values("pk"))
    )


def article_documents(article_ids: Iterable[int]) -> tuple[list[Document], list[int]]:
    """The documents of the curated articles *article_ids* that are public, and the rest."""
    ids = sorted(set(article_ids))
    articles = list(_public_articles().filter(pk__in=ids))
    found = {article.pk for article in articles}
    documents = [
        Document(
            kind="article",
            pk=article.pk,
            title=article.title,
            url=article.url or "",
            product_id=article.product_id,
            language=settings.LANGUAGE_CODE,
            question=rendering.plain_text(str(article.problem)),
            accepted=rendering.plain_text(str(article.solution)),
            solved=True,
            verified=True,
            versions=tuple(v.strip() for v in article.versions.split(",") if v.strip()),
            created_at=article.first_published_at,
            activity_at=article.last_published_at,
        )
        for article in articles
    ]
    return documents, [pk for pk in ids if pk not in found]


def all_article_ids() -> list[int]:
    return list(_public_articles().order_by("pk").values_list("pk", flat=True))


def all_documents(batch: int = BATCH) -> Iterator[Document]:
    """Every public thread and article: what a rebuild indexes."""
    ids = all_thread_ids()
    for start in range(0, len(ids), batch):
        yield from thread_documents(ids[start : start + batch])[0]
    yield from article_documents(all_article_ids())[0]
