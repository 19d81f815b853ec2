"""What search engines read about a page beyond its HTML: the meta description and the
QAPage structured data (schema.org) of a thread, with its accepted answer."""

import json

from django.conf import settings

from forum import rendering
from forum.models import Post, Thread

SUGGESTED_ANSWERS = 5
DESCRIPTION_LENGTH = 160

# The characters that could end the <script> element or open a comment inside it.
_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def _site_url() -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def _author(post: Post) -> dict:
    return {
        "@type": "Person",
        "name": post.author.public_name,
        "url": _site_url() + post.author.get_absolute_url(),
    }


def _answer(thread: Thread, post: Post) -> dict:
    return {
        "@type": "Answer",
        "text": rendering.plain_text(post.body_html),
        "dateCreated": post.created_at.isoformat(),
        "upvoteCount": max(post.score, 0),
        "url": f"{_site_url()}{thread.get_absolute_url()}#post-{post.pk}",
        "author": _author(post),
    }


def thread_facts(
    thread: Thread, question_id: int | None, answer_ids: list[int], answer_total: int
) -> dict:
    """The meta description and QAPage JSON-LD of a published thread, from one query.

    *answer_ids* are the visible answers of the first page in their order (accepted first);
    only what an anonymous visitor sees should be passed.
    """
    if question_id is None or not thread.is_published:
        return {}
    accepted_id = thread.accepted_answer_id if thread.accepted_answer_id in answer_ids else None
    suggested_ids = [pk for pk in answer_ids if pk != accepted_id][:SUGGESTED_ANSWERS]
    wanted = [question_id, *suggested_ids] + ([accepted_id] if accepted_id else [])
    posts = {
        post.pk: post
        for post in Post.objects.filter(pk__in=wanted)
        .select_related("author")
        .only("pk", "body_html", "created_at", "score", "author__username", "author__display_name")
    }
    question = posts[question_id]
    entity = {
        "@type": "Question",
        "name": thread.title,
        "text": rendering.plain_text(question.body_html),
        "answerCount": answer_total,
        "upvoteCount": max(question.score, 0),
        "dateCreated": question.created_at.isoformat(),
        "author": _author(question),
    }
    if accepted_id:
        entity["acceptedAnswer"] = _answer(thread, posts[accepted_id])
    if suggested := [_answer(thread, posts[pk]) for pk in suggested_ids if pk in posts]:
        entity["suggestedAnswer"] = suggested
    data = {"@context": "https://schema.org", "@type": "QAPage", "mainEntity": entity}
    return {
        "meta_description": rendering.excerpt(question.body_html, DESCRIPTION_LENGTH),
        "structured_data": json.dumps(data, ensure_ascii=False).translate(_ESCAPES),
    }
