"""Test settings: fast hashing, in-memory email, static files without a manifest."""

from config.settings.base import *

DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Off by default so tests see every change at once; tests of the cache turn it on.
FORUM_PAGE_CACHE_SECONDS = 0
# Tasks run at once, in the test's own thread; tests of durability switch backends.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Two test runs at once on one PostgreSQL server need different test databases.
if env_str("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME")}
# No rate limits unless a test sets them: factories post many times in a row.
MODERATION_RATES = {}
MODERATION_NEW_MEMBER_RATES = {}
AKISMET_API_KEY = ""
# No spam checks unless a test turns them on: factories post the same text many times.
MODERATION_SPAM_CHECKERS = []

# Search: Elasticsearch only where a test switches it on (tests/search/ run it against the
# osmem stand-in, or a real cluster at ELASTICSEARCH_URL); writes searchable at once.
ELASTICSEARCH_URL = ""
ELASTICSEARCH_REFRESH = True
