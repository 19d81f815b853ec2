from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from moderation import (  # noqa: F401  (each registers itself)
            receivers,
            screeners,
            viewer_bits,
        )

        receivers.connect()
