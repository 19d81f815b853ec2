"""Search's reactions to the forum's and moderation's events: each change to what a
thread shows a visitor (its text, answers, solution, votes, visibility, product) queues
that thread's reindexing in every backend, through the outbox so that nothing is lost
while a backend is down."""

from django.db.models.signals import post_delete, post_save

from core.events import enqueue_task
from core.models import Event
from forum import events as forum_events
from moderation import events as moderation_events
from search import api, backends, tasks
from search.models import Synonym
from solutions import events as solutions_events

# Payload keys that name a thread whose document may have changed.
THREAD_KEYS = ("thread_id", "original_id", "merged_id", "from_thread_id")

INDEXED = (
    forum_events.question_asked,
    forum_events.answer_posted,
    forum_events.post_edited,
    forum_events.post_deleted,
    forum_events.vote_changed,
    forum_events.answer_accepted,
    forum_events.answer_unaccepted,
    forum_events.post_hidden,
    forum_events.post_restored,
    moderation_events.post_approved,
    moderation_events.post_rejected,
    moderation_events.post_deleted,
    moderation_events.post_undeleted,
    moderation_events.thread_moved,
    moderation_events.thread_closed,
    moderation_events.thread_reopened,
    moderation_events.threads_merged,
    moderation_events.answers_split,
    # the library: a solution verified (ranks higher), its versions or review date set
    solutions_events.solution_verified,
    solutions_events.solution_changed,
)
ARTICLE_EVENTS = (solutions_events.article_published, solutions_events.article_unpublished)


def reindex(event: Event) -> None:
    """Queue the event's threads for reindexing in each backend."""
    thread_ids = sorted({event.payload[key] for key in THREAD_KEYS if event.payload.get(key)})
    if not thread_ids:
        return
    enqueue_task(event, tasks.index_in_database, thread_ids=thread_ids)
    if backends.elasticsearch_backend() is not None:
        enqueue_task(event, tasks.index_in_elasticsearch, thread_ids=thread_ids)


def reindex_article(event: Event) -> None:
    """Queue a curated article's (re)indexing or removal in each backend."""
    article_ids = [event.payload["article_id"]]
    enqueue_task(event, tasks.index_articles_in_database, article_ids=article_ids)
    if backends.elasticsearch_backend() is not None:
        enqueue_task(event, tasks.index_articles_in_elasticsearch, article_ids=article_ids)


def synonyms_changed(**kwargs) -> None:
    api.forget_synonyms()


def connect() -> None:
    for event_type in INDEXED:
        event_type.connect(reindex)
    for event_type in ARTICLE_EVENTS:
        event_type.connect(reindex_article)
    for signal in (post_save, post_delete):
        signal.connect(synonyms_changed, sender=Synonym, dispatch_uid=f"search-synonyms-{signal}")
