"""The forum's own reactions to its events: drop cached pages that show what changed."""

from forum import caching


def _thread_id(payload: dict) -> int | None:
    if thread := payload.get("thread"):
        return thread.pk
    if post := payload.get("post"):
        return post.thread_id
    if comment := payload.get("comment"):
        return comment.post.thread_id
    return None


def invalidate_cached_pages(sender, **payload) -> None:
    caching.invalidate_thread(_thread_id(payload))


def invalidate_cached_lists(sender, **payload) -> None:
    caching.invalidate_lists()
