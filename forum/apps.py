from django.apps import AppConfig


class ForumConfig(AppConfig):
    name = "forum"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from wagtail.signals import page_published, page_unpublished

        from forum import events, receivers

        for signal in events.ALL:
            signal.connect(
                receivers.invalidate_cached_pages, dispatch_uid=f"forum-cache-{id(signal)}"
            )
        page_published.connect(receivers.invalidate_cached_lists, dispatch_uid="forum-cache-pub")
        page_unpublished.connect(
            receivers.invalidate_cached_lists, dispatch_uid="forum-cache-unpub"
        )
