"""Settings of the real server processes that tests/integration starts: the test settings
(fast hashing, immediate tasks, no static manifest) with Redis shared between them."""

import os

from config.settings.test import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }
}
FORUM_PAGE_CACHE_SECONDS = 300
ACCOUNT_EMAIL_VERIFICATION = "none"
