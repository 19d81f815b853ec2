"""Each post's block of HTML, kept per post version so a change re-renders only that post.

A block depends on the post (its text, its comments, its state), whether it is the
accepted answer, the language and the audience (moderators also see hidden comments),
never on the viewer: the viewer's bits are slots (``forum.slots``). ``Post.version`` is
bumped by every service that changes what the block shows, so a key never serves old
text; names and badges of authors show within ``FORUM_FRAGMENT_SECONDS``.
"""

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from forum import caching, permissions
from forum.models import Comment, Post, Thread


def _key(post: Post, thread: Thread, audience: str) -> str:
    accepted = int(post.pk == thread.accepted_answer_id)
    by_other = int(accepted and thread.accepted_by_id not in (None, thread.author_id))
    return (
        f"forum:post:{caching.FORMAT}:{post.pk}:{post.version}:{post.state}:{get_language()}:"
        f"{audience}:{accepted}{by_other}"
    )


def post_blocks(posts: list[Post], thread: Thread, viewer) -> list[SafeString]:
    """The blocks of *posts* (loaded with few fields) as *viewer* sees them.

    Cached blocks cost one cache call for all; the missing ones are loaded in full
    (authors, roles, visible comments) in a fixed number of queries and rendered.
    """
    audience = permissions.audience(viewer)
    # Blocks are shared by visitors and by moderators; a member's own view (their pending
    # comments in it) is rendered for them alone, neither read from nor kept in the cache.
    shared = settings.FORUM_PAGE_CACHE_SECONDS > 0 and audience in ("anonymous", "moderator")
    keys = {post.pk: _key(post, thread, audience) for post in posts}
    found = cache.get_many(list(keys.values())) if shared else {}
    missing = [post.pk for post in posts if keys[post.pk] not in found]
    if missing:
        comments = permissions.visible_comments(viewer, Comment.objects.all())
        full = (
            Post.objects.filter(pk__in=missing)
            .select_related("author")
            .prefetch_related(
                "author__groups",
                Prefetch(
                    "comments",
                    queryset=comments.select_related("author").prefetch_related("author__groups"),
                    to_attr="visible_comments",
                ),
            )
        )
        rendered = {}
        for post in full:
            post.thread = thread
            post.is_accepted = post.pk == thread.accepted_answer_id
            html = render_to_string("forum/includes/_post.html", {"post": post, "thread": thread})
            rendered[keys[post.pk]] = html
        if shared:
            cache.set_many(rendered, settings.FORUM_FRAGMENT_SECONDS)
        found.update(rendered)
    # A post deleted between the two queries has no block: it is left out.
    return [mark_safe(found[keys[p.pk]]) for p in posts if keys[p.pk] in found]  # noqa: S308
