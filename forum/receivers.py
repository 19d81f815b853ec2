"""The forum's own reactions: drop the cached pages that show what changed.

Quick and idempotent, so they run in-process right after commit (or on the outbox
sweep's retry); a failure is retried by the sweep, never lost.
"""

from core.models import Event
from forum import caching


def drop_cached_pages(event: Event) -> None:
    caching.drop_for_event(event.name, event.payload)


def page_changed(sender, instance, **kwargs) -> None:
    """A Wagtail page was published or unpublished (renamed, described, taken down)."""
    caching.drop_for_page(instance)


def page_moved(sender, instance, **kwargs) -> None:
    caching.drop_for_page(instance)


def restriction_changed(sender, instance, **kwargs) -> None:
    """A page's privacy changed: who may see it and everything under it."""
    caching.drop_for_page(instance.page)
