from django.conf import settings
from django.http import HttpRequest

from forum import slots, viewer_bits


def cacheable_csrf(request: HttpRequest) -> dict[str, str]:
    """A page rendered for the shared cache carries a CSRF slot, not a visitor's token."""
    if viewer_bits.is_slotted():
        return {"csrf_token": slots.marker("csrf")}
    return {}


def site(request: HttpRequest) -> dict[str, str]:
    return {"SITE_URL": settings.WAGTAILADMIN_BASE_URL.rstrip("/")}
