from django.http import HttpRequest

from forum import caching


def cacheable_csrf(request: HttpRequest) -> dict[str, str]:
    """A page rendered for the anonymous cache carries a placeholder, not a visitor's token."""
    if caching.wants_csrf_placeholder(request):
        return {"csrf_token": caching.CSRF_PLACEHOLDER}
    return {}
