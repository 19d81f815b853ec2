from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo community ``make run`` loads: above every product app, imported by none."""

    name = "demo"
    default_auto_field = "django.db.models.BigAutoField"
