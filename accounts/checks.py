"""System checks: allauth's rate limits and lock-outs need a cache every process shares."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

# Backends whose entries every web process on every host sees.
SHARED_BACKENDS = (
    "django_redis.",
    "django.core.cache.backends.redis.",
    "django.core.cache.backends.memcached.",
    "django.core.cache.backends.db.",
)


@register(Tags.caches, Tags.security, deploy=True)
def rate_limit_cache_check(app_configs, **kwargs):
    """allauth counts log-ins, failed passwords, sign-ups and reset mails in the default
    cache: a per-process (or per-host) cache lets each worker allow the full amount."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.startswith(SHARED_BACKENDS):
        return []
    return [
        Warning(
            f"The default cache ({backend}) is not shared by every process and host: "
            "allauth's rate limits and log-in lock-outs count per process, so each worker "
            "allows the full number of wrong passwords and password-reset mails.",
            hint="Set REDIS_URL so every web process and host shares one cache.",
            id="accounts.W001",
        )
    ]
