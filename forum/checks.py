"""System checks: production needs a shared cache for its pages (rate limits: accounts.checks)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

SHARED_BACKENDS = (
    "django_redis.",
    "django.core.cache.backends.redis.",
    "django.core.cache.backends.memcached.",
)


@register(Tags.caches, deploy=True)
def shared_cache_check(app_configs, **kwargs):
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.startswith(SHARED_BACKENDS):
        return []
    return [
        Warning(
            "No shared cache: the page cache is off (for rate limits and log-in lock-outs "
            "see accounts.W001).",
            hint="Set REDIS_URL so every web process and host shares one cache.",
            id="forum.W001",
        )
    ]
