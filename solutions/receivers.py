"""The library's reactions to the forum's events (an accepted answer added, changed or
taken back) and to Wagtail publishing its articles. One line each."""

from core.models import Event
from forum import events as forum_events
from moderation import events as moderation_events
from solutions import services

# Events after which a thread's accepted answer may have changed.
SOLUTION_EVENTS = (
    forum_events.answer_accepted,
    forum_events.answer_unaccepted,
    forum_events.post_hidden,
    forum_events.post_restored,
    forum_events.post_deleted,
    moderation_events.threads_merged,
)


def sync(event: Event) -> None:
    services.sync_solution(event.payload["thread_id"], actor_id=event.payload.get("actor_id"))


def article_published(sender, instance, **kwargs) -> None:
    services.article_publication_changed(instance.specific, published=True)


def article_unpublished(sender, instance, **kwargs) -> None:
    services.article_publication_changed(instance.specific, published=False)


def connect() -> None:
    from wagtail.signals import page_published, page_unpublished

    from solutions.models import SolutionArticle

    for event_type in SOLUTION_EVENTS:
        event_type.connect(sync)
    page_published.connect(
        article_published, sender=SolutionArticle, dispatch_uid="solutions-article-published"
    )
    page_unpublished.connect(
        article_unpublished, sender=SolutionArticle, dispatch_uid="solutions-article-unpublished"
    )
