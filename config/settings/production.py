"""Production: everything secret or host-specific comes from the environment."""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *
from config.settings.env import env_bool, env_int, env_str

if DEBUG:
    SECRET_KEY = SECRET_KEY or "debug-only-insecure-key"
elif not SECRET_KEY:
    raise ImproperlyConfigured(
        "Set SECRET_KEY in the environment (it is required when DEBUG is off)."
    )

ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

if not REDIS_URL:
    # No shared cache: one process cannot tell another that a page changed, so content is
    # never cached (the page cache is off) and rate limits count per process; `check
    # --deploy` says so (forum.checks). Set REDIS_URL in production.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    FORUM_PAGE_CACHE_SECONDS = 0
