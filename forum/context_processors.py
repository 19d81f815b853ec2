from django.http import HttpRequest

from forum import caching


def cacheable_csrf(request: HttpRequest) -> dict[str, str]:
    """A page rendered for the anonymous cache carries a placeholder, not a visitor's token."""
    if placeholder := caching.csrf_placeholder(request):
        return {"csrf_token": placeholder}
    return {}
