"""Settings shared by every environment. Everything configurable comes from the environment."""

import re
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.settings.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "core",
    "accounts",
    "reputation",
    "forum",
    "moderation",
    "solutions",
    "search",
    "demo",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.microsoft",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "forum.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "reputation.middleware.VisitMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "forum.middleware.SlotMiddleware",
]

# --- Security headers. The site's pages run no inline script or style and load nothing
# from other hosts (images from other sites in posts are shown as links); htmx runs under
# this policy with its inline indicator styles and eval turned off (see base.html). The
# Wagtail admin has inline scripts of its own and keeps Django's defaults.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/", "/django-admin/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *env_list("CSP_EXTRA_IMG_SRC")],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF, *env_list("CSP_EXTRA_FORM_ACTION")],
        "frame-ancestors": [NONE],
    },
}
# Browser features the site never uses, refused for it and for anything it embeds.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "usb",
        "xr-spatial-tracking",
    )
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "forum.context_processors.cacheable_csrf",
                "forum.context_processors.site",
            ],
        },
    },
]

# --- Database: SQLite (WAL) by default, anything dj-database-url understands via DATABASE_URL.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: Redis via REDIS_URL (shared by every process and host). Without it, the
# embedded default keeps the cache in files under .cache/, shared by the web server and
# the worker on one machine; production without Redis turns the page cache off.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env_str("CACHE_DIR", str(BASE_DIR / ".cache")),
            "OPTIONS": {"MAX_ENTRIES": env_int("FILE_CACHE_ENTRIES", 20000)},
        }
    }

# --- Background tasks (django-tasks): the database backend and `manage.py worker` by
# default; at scale "rq" (Redis via REDIS_URL, workers: `manage.py rqworker default`).
TASKS_BACKEND = env_str("TASKS_BACKEND", "database")
if TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
elif TASKS_BACKEND == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL.")
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be database, rq or immediate, not {TASKS_BACKEND!r}"
    )

# --- Outbox and periodic jobs (core): see core/events.py and core/periodic.py.
OUTBOX_RETENTION_DAYS = env_int("OUTBOX_RETENTION_DAYS", 7)
OUTBOX_RETRY_BASE_SECONDS = env_int("OUTBOX_RETRY_BASE_SECONDS", 30)
OUTBOX_RETRY_MAX_SECONDS = env_int("OUTBOX_RETRY_MAX_SECONDS", 3600)
OUTBOX_DISPATCH_GRACE_SECONDS = 60
TASK_LEASE_SECONDS = env_int("TASK_LEASE_SECONDS", 300)

# --- Accounts
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# "mandatory": no log-in before the address is confirmed; "optional" or "none" for local trials.
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# Usernames refused as they are (allauth compares the whole name). Names that contain or
# imitate a protected word are refused by accounts.names, for usernames and display names.
ACCOUNT_USERNAME_BLACKLIST = ["root"]
# Words no customer's name may contain or imitate (staff may use them); the site name
# (SITE_NAME) and the staff role names, in every language, are always added.
PROTECTED_NAME_WORDS = env_list(
    "PROTECTED_NAME_WORDS",
    "admin,administrator,moderator,staff,support,official,brand team,brand representative,"
    "support agent",
)
# The largest avatar accepted, in pixels on either side; it is stored as a 256px square.
AVATAR_MAX_SIDE = env_int("AVATAR_MAX_SIDE", 4096)
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}
# allauth's rate limits, counted in the default cache: shared by every process only with
# REDIS_URL (`check --deploy` warns otherwise, accounts.W001). Limits not named here keep
# allauth's defaults. "n/period/key" counts per login or email address, ".../ip" per client.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    # Wrong passwords: after 5 for one login in 5 minutes it is locked out (and 10 a
    # minute from one client address).
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    # Password-reset mails: at most 3 an hour to one address.
    "reset_password": "20/m/ip,3/h/key",
    "reset_password_from_key": "20/m/ip",
    # Verification mails: one per address every 3 minutes.
    "confirm_email": "1/3m/key",
}
# Behind proxies (load balancer, CDN) the client is the TRUSTED_PROXY_COUNT-th address from
# the right of X-Forwarded-For; 0 uses the connection's address. Per-client rate limits
# need it, or every visitor counts as the proxy.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# ACCOUNT_EMAIL_SUBJECT_PREFIX unset: allauth's mails start "[SITE_NAME] " and name the site
# (SITE_NAME, SITE_URL's host), not the host a request came to (accounts.adapters).
# Every log-in, sign-up and password reset is allauth's. Wagtail's own doors keep their
# URLs (/admin/login/, /_util/login/, WAGTAILADMIN_LOGIN_URL and WAGTAIL_FRONTEND_LOGIN_URL
# unset) and config/urls.py answers them with redirects to allauth (accounts/doors.py):
# pointed at allauth directly, a member logged in but refused would be sent round in a
# loop. Passwords and email addresses change on allauth's pages, not the admin's.
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False


def _social_providers() -> dict[str, dict]:
    """A provider switches on when its client id and secret are in the environment."""
    providers = {}
    for key, name in (("google", "GOOGLE"), ("github", "GITHUB"), ("microsoft", "MICROSOFT")):
        client_id = env_str(f"{name}_CLIENT_ID")
        secret = env_str(f"{name}_CLIENT_SECRET")
        if client_id and secret:
            providers[key] = {"APPS": [{"client_id": client_id, "secret": secret, "key": ""}]}
    if "microsoft" in providers:
        providers["microsoft"]["TENANT"] = env_str("MICROSOFT_TENANT", "common")
    return providers


SOCIALACCOUNT_PROVIDERS = _social_providers()
# Social log-in posts a form to the site, which redirects it to the provider: the
# Content-Security-Policy's form-action must allow the provider's host.
_SOCIAL_LOGIN_HOSTS = {
    "google": "https://accounts.google.com",
    "github": "https://github.com",
    "microsoft": "https://login.microsoftonline.com",
}
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] += [
    _SOCIAL_LOGIN_HOSTS[provider] for provider in SOCIALACCOUNT_PROVIDERS
]

# --- Email: console by default, SMTP when EMAIL_HOST is set.
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Community <community@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- Internationalisation: a European community.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("it", "Italiano"),
    ("pl", "Polski"),
    ("ru", "Русский"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media files
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Wagtail
WAGTAIL_SITE_NAME = env_str("SITE_NAME", "Community")
WAGTAILADMIN_BASE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# --- Forum
FORUM_THREADS_PER_PAGE = env_int("FORUM_THREADS_PER_PAGE", 20)
FORUM_ANSWERS_PER_PAGE = env_int("FORUM_ANSWERS_PER_PAGE", 100)
# How long a refused form's text is kept in the member's session to show it again.
FORUM_DRAFT_SECONDS = env_int("FORUM_DRAFT_SECONDS", 6 * 3600)
# Anonymous visitors get thread and list pages from the cache (0: off). See forum/caching.py.
FORUM_PAGE_CACHE_SECONDS = env_int("FORUM_PAGE_CACHE_SECONDS", 300)
# Each process keeps copies of the pages it serves most, by their versioned keys (never
# stale: the versions are read from the shared cache on every request), up to this size.
FORUM_LOCAL_PAGES_BYTES = env_int("FORUM_LOCAL_PAGES_BYTES", 32 * 1024 * 1024)
# How long a post's rendered block is kept (author names and badges in it show this late).
FORUM_FRAGMENT_SECONDS = env_int("FORUM_FRAGMENT_SECONDS", 3600)
# s-maxage of anonymous pages: how long a proxy or CDN in front may serve them unasked.
FORUM_PROXY_CACHE_SECONDS = env_int("FORUM_PROXY_CACHE_SECONDS", 60)
# Previews (live and the ask page's button) per member, counted in the shared cache
# (core/ratelimit.py): "<count>/<period>", the period s, m, h or d, e.g. 30/m or 5/10s.
FORUM_PREVIEW_RATE = env_str("FORUM_PREVIEW_RATE", "30/m")
# URL prefixes outside i18n_patterns (config/urls.py): their language is not in the URL.
FORUM_UNPREFIXED_PATHS = (
    "/healthz",
    "/sitemap",
    "/robots.txt",
    "/favicon.ico",
    "/admin/",
    "/documents/",
    "/i18n/",
    "/static/",
    "/media/",
)

# --- Reputation (reputation/): see docs/reputation.md.
# Points a member can earn from votes in one day (the site's time zone); accepted
# answers, verified solutions and staff adjustments are exempt. 0: no cap.
REPUTATION_DAILY_VOTE_CAP = env_int("REPUTATION_DAILY_VOTE_CAP", 200)
# Serial voting: this many votes from one member on one member's posts within the window.
REPUTATION_SERIAL_VOTES = env_int("REPUTATION_SERIAL_VOTES", 5)
REPUTATION_SERIAL_WINDOW_HOURS = env_int("REPUTATION_SERIAL_WINDOW_HOURS", 24)
# Voting rings: accounts that each gave this many upvotes to the next within the window.
REPUTATION_RING_VOTES = env_int("REPUTATION_RING_VOTES", 3)
REPUTATION_RING_WINDOW_DAYS = env_int("REPUTATION_RING_WINDOW_DAYS", 30)
# ...and those upvotes were at least this share of all the upvotes each of them gave.
REPUTATION_RING_SHARE_PERCENT = env_int("REPUTATION_RING_SHARE_PERCENT", 50)

# --- Moderation (moderation/): see docs/moderation.md.


def _rates(name: str, default: str) -> dict[str, str]:
    """ "question=5/h,answer=20/h" -> {"question": "5/h", ...}; a kind left out, or given
    as "0", has no limit."""
    rates = {}
    for item in env_list(name, default):
        kind, _, rate = item.partition("=")
        kind, rate = kind.strip(), rate.strip()
        valid_rate = rate == "0" or re.fullmatch(r"\d+/\d*[smhd]", rate)
        if kind not in {"question", "answer", "comment", "flag"} or not valid_rate:
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not kind=count/period, e.g. answer=30/h"
            )
        if rate != "0":
            rates[kind] = rate
    return rates


# What a member may post per time window (staff are exempt), and the stricter limits of
# members at the lowest trust level (New), which replace those they name.
MODERATION_RATES = _rates("MODERATION_RATES", "question=10/h,answer=30/h,comment=60/h,flag=30/h")
MODERATION_NEW_MEMBER_RATES = _rates(
    "MODERATION_NEW_MEMBER_RATES", "question=3/h,answer=10/h,comment=20/h,flag=10/h"
)
# A moderator's claim on a queue item lapses after this long.
MODERATION_CLAIM_MINUTES = env_int("MODERATION_CLAIM_MINUTES", 30)
# In the queue's order, one point of flag weight counts as this many hours of waiting.
MODERATION_FLAG_WEIGHT_HOURS = env_int("MODERATION_FLAG_WEIGHT_HOURS", 6)
# The spam checks new posts go through (dotted paths; see moderation/spam.py).
MODERATION_SPAM_CHECKERS = env_list(
    "MODERATION_SPAM_CHECKERS", "moderation.spam.heuristic,moderation.spam.akismet"
)
# An Akismet-compatible spam service, asked only when a key is set.
AKISMET_API_KEY = env_str("AKISMET_API_KEY")
AKISMET_URL = env_str("AKISMET_URL", "https://rest.akismet.com")
AKISMET_TIMEOUT = env_int("AKISMET_TIMEOUT", 5)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Wagtail runs its index updates as tasks; a line per task is noise at INFO.
    "loggers": {"django_tasks": {"level": "WARNING"}},
}

# --- Search (search/): see docs/search.md.
# Set to use Elasticsearch 8/9 for searches (the database index is kept too: it answers
# when the cluster cannot). Empty: the database backend (SQLite FTS5 / PostgreSQL).
ELASTICSEARCH_URL = env_str("ELASTICSEARCH_URL")
ELASTICSEARCH_INDEX_PREFIX = env_str("ELASTICSEARCH_INDEX_PREFIX", "forum")
# Send Elasticsearch's compatibility media types; off for servers that refuse them (the
# osmem test stand-in).
ELASTICSEARCH_COMPAT_HEADERS = env_bool("ELASTICSEARCH_COMPAT_HEADERS", default=True)
# Make each index write searchable at once (tests); normally the cluster's refresh.
ELASTICSEARCH_REFRESH = env_bool("ELASTICSEARCH_REFRESH", default=False)
ELASTICSEARCH_TIMEOUT = float(env_str("ELASTICSEARCH_TIMEOUT", "5"))
# The semantic stage of similar questions (needs the "semantic" extra: search/semantic.py).
SEARCH_SEMANTIC = env_bool("SEARCH_SEMANTIC", default=False)
