from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReputationConfig(AppConfig):
    name = "reputation"
    verbose_name = _("Reputation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete, post_save

        from reputation import events, jobs, receivers  # noqa: F401  (jobs register)
        from reputation.models import TrustLevel

        events.badges_due.connect(receivers.check_badges)
        events.levels_changed.connect(receivers.recompute_levels)
        for signal in (post_save, post_delete):
            signal.connect(
                receivers.trust_levels_edited,
                sender=TrustLevel,
                dispatch_uid=f"reputation-levels-{signal}",
            )
        user_logged_in.connect(receivers.logged_in, dispatch_uid="reputation-visit-on-login")
