from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground the domain apps stand on: the event outbox, event tasks, periodic jobs."""

    name = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import jobs  # noqa: F401  (registers the outbox's periodic jobs)
