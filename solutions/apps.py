from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SolutionsConfig(AppConfig):
    name = "solutions"
    verbose_name = _("Solution library")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from solutions import jobs, receivers, viewer_bits  # noqa: F401  (register themselves)

        receivers.connect()
