from django.apps import AppConfig


class ForumConfig(AppConfig):
    name = "forum"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save
        from wagtail.models import PageViewRestriction
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from forum import (  # noqa: F401  (checks registers itself)
            badges,
            checks,
            events,
            receivers,
            viewer_bits,
        )

        for event_type in events.ALL:
            event_type.connect(receivers.drop_cached_pages)
        page_published.connect(receivers.page_changed, dispatch_uid="forum-page-published")
        page_unpublished.connect(receivers.page_changed, dispatch_uid="forum-page-unpublished")
        post_page_move.connect(receivers.page_moved, dispatch_uid="forum-page-moved")
        for signal in (post_save, post_delete):
            signal.connect(
                receivers.restriction_changed,
                sender=PageViewRestriction,
                dispatch_uid=f"forum-restriction-{signal}",
            )
