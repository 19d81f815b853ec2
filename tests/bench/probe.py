"""Django-side helper of the benchmark (not a test): run by ``run_bench.py`` in a subprocess.

It runs in-process, with the same settings and database as the served site, and prints
one JSON document on stdout:

``info``
    the URLs to load (home, busiest product, threads with exactly 20 and 100 answers,
    the trivial view), the dataset size and the database engine and version.
``settings``
    the settings that shape what the server does: cache backend and location, the page
    cache's seconds (and any other ``FORUM_*CACHE*`` setting), the session engine.
``session [USERNAME]``
    logs a seeded ordinary customer in (default ``synth_customer_000``) the way
    ``django.contrib.auth.login`` does: a new session (of ``SESSION_ENGINE``) holding the
    user's id, ``ModelBackend`` and the user's session auth hash, saved; checks that
    Django's own ``get_user`` reads the user back from it, and prints its key with the
    cookie name and the login and logout URLs (the markers of the page header). The
    server must run with the same ``SECRET_KEY``, ``DATABASE_URL`` and ``REDIS_URL``.
``queries URL...``
    per URL, in one process with Django's test client (no network, one request at a
    time): status, bytes, SQL queries per request and the median time per request,
    measured after a warm-up request. ``--as USERNAME`` makes the requests as that
    member (the test client's ``force_login``), else they are anonymous.
``profile URL...``
    per URL, where a request's wall time goes: each middleware (its own code only),
    URL resolving, the view's own Python, template rendering and SQL, measured by
    wrapping those functions (exclusive time, no sampling); plus the slowest and most
    repeated SQL statements. ``--pyinstrument DIR`` also writes a pyinstrument call
    tree per URL when pyinstrument is importable (install it ad hoc, it is not a
    project dependency). ``--as USERNAME`` profiles a member's requests.

Standalone use: ``DATABASE_URL=... .venv/bin/python tests/bench/probe.py info``; the
production settings with the benchmark's environment are filled in when unset.
"""

import argparse
import functools
import json
import os
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench.run_bench import DEFAULT_REDIS_URL, bench_env, redact  # noqa: E402

_defaults = bench_env(
    os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
)
for _key, _value in _defaults.items():
    os.environ.setdefault(_key, _value)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import close_old_connections, connection  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

HOST = "127.0.0.1"
DEFAULT_MEMBER = "synth_customer_000"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
# A benchmark session outlives the run by this much at most (clearsessions removes it).
SESSION_SECONDS = 6 * 3600


def _client(member: str | None = None) -> Client:
    client = Client(SERVER_NAME=HOST, HTTP_HOST=HOST)
    if member:
        client.force_login(_member(member), backend=MODEL_BACKEND)
    return client


def _member(username: str):
    """The seeded ordinary customer *username*; exit with the reason when there is none."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise SystemExit(
            f"no user {username!r} in the database: seed it (seed_demo) or name another member"
        )
    problems = [
        flag
        for flag in ("is_staff", "is_superuser", "is_staff_member", "is_moderator")
        if getattr(user, flag, False)
    ]
    if not user.is_active:
        problems.append("inactive")
    if problems:
        raise SystemExit(f"{username!r} is not an ordinary customer: {', '.join(problems)}")
    return user


def _get(client: Client, url: str):
    """One request as a server makes it: database connections are closed after it when
    CONN_MAX_AGE says so (the test client alone would keep them open)."""
    close_old_connections()
    try:
        return client.get(url)
    finally:
        close_old_connections()


def _db_version() -> str:
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
    if connection.vendor == "sqlite":
        return f"SQLite {connection.Database.sqlite_version}"
    return connection.vendor


def _public_threads(prefix: str = "") -> Q:
    """Threads anyone may read: ``state`` "published" where threads have a state, else not
    ``is_deleted`` (the model before states)."""
    from forum.models import Thread

    fields = {field.name for field in Thread._meta.get_fields()}
    if "state" in fields:
        return Q(**{f"{prefix}state": "published"})
    return Q(**{f"{prefix}is_deleted": False})


def info() -> dict:
    from accounts.models import User
    from forum.models import CategoryPage, Comment, Post, Thread

    busiest = (
        CategoryPage.objects.live()
        .public()
        .annotate(n=Count("threads", filter=_public_threads("threads__")))
        .order_by("-n", "pk")
        .first()
    )
    problems = []
    category_url = None
    if busiest is None:
        problems.append("no product (CategoryPage) in the database")
    else:
        _site_id, _root, path = busiest.get_url_parts()
        category_url = path

    def thread_url(n: int) -> str | None:
        thread = Thread.objects.filter(_public_threads(), answer_count=n).order_by("pk").first()
        if thread is None:
            problems.append(f"no visible thread with exactly {n} answers")
            return None
        return thread.get_absolute_url()

    def search_url() -> str:
        """/search/ for two words of the first public thread's title (longer than 3
        letters): a query that finds many threads, with facets to count."""
        thread = Thread.objects.filter(_public_threads()).order_by("pk").first()
        title = thread.title if thread else "thermostat"
        words = [word for word in re.findall(r"\w+", title.lower()) if len(word) > 3][:2]
        return "/search/?" + urlencode({"q": " ".join(words) or "thermostat"})

    pages = [
        {"page": "trivial", "url": "/healthz", "note": "plain HttpResponse, same stack"},
        {"page": "home", "url": "/", "note": "Wagtail HomePage"},
        {
            "page": "category",
            "url": category_url,
            "note": f"product with the most threads ({busiest.n if busiest else 0})",
        },
        {"page": "thread-20", "url": thread_url(20), "note": "thread with 20 answers"},
        {"page": "thread-100", "url": thread_url(100), "note": "thread with 100 answers"},
        {"page": "search", "url": search_url(), "note": "search page, two words of a title"},
    ]
    return {
        "pages": pages,
        "problems": problems,
        "dataset": {
            "threads": Thread.objects.count(),
            "answers": Post.objects.filter(kind=Post.Kind.ANSWER).count(),
            "questions": Post.objects.filter(kind=Post.Kind.QUESTION).count(),
            "comments": Comment.objects.count(),
            "users": User.objects.count(),
            "products": CategoryPage.objects.count(),
        },
        "database": {
            "vendor": connection.vendor,
            "engine": settings.DATABASES["default"]["ENGINE"],
            "version": _db_version(),
            "conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"),
        },
        "settings": settings_info(),
    }


def settings_info() -> dict:
    cache = settings.CACHES["default"]
    location = cache.get("LOCATION", "")
    return {
        "module": os.environ.get("DJANGO_SETTINGS_MODULE"),
        "debug": settings.DEBUG,
        "cache": cache["BACKEND"],
        "cache_location": redact(location) if isinstance(location, str) else str(location),
        "threads_per_page": settings.FORUM_THREADS_PER_PAGE,
        "answers_per_page": settings.FORUM_ANSWERS_PER_PAGE,
        "page_cache_seconds": getattr(settings, "FORUM_PAGE_CACHE_SECONDS", None),
        # Every page-cache knob, should there be more than FORUM_PAGE_CACHE_SECONDS.
        "cache_settings": {
            name: getattr(settings, name)
            for name in dir(settings)
            if name.startswith("FORUM_") and "CACHE" in name
        },
        "session_engine": settings.SESSION_ENGINE,
        "session_cookie_name": settings.SESSION_COOKIE_NAME,
    }


def session(username: str) -> dict:
    """A saved session of *username*, as ``django.contrib.auth.login`` leaves it."""
    from importlib import import_module

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user
    from django.http import HttpRequest
    from django.urls import reverse
    from django.utils import translation

    user = _member(username)
    session_store = import_module(settings.SESSION_ENGINE).SessionStore
    store = session_store()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = MODEL_BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.set_expiry(SESSION_SECONDS)
    store.save()
    # Read it back through a fresh store, as the server's SessionMiddleware will.
    request = HttpRequest()
    request.session = session_store(store.session_key)
    if get_user(request).pk != user.pk:
        raise SystemExit(f"the new session of {username!r} does not log {username!r} in")
    with translation.override("en"):
        login_url, logout_url = reverse("account_login"), reverse("account_logout")
    return {
        "username": user.username,
        "user_id": user.pk,
        "roles": sorted(getattr(user, "role_names", ())),
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "session_key": store.session_key,
        "session_engine": settings.SESSION_ENGINE,
        "expires": store.get_expiry_date().isoformat(),
        "login_url": login_url,
        "logout_url": logout_url,
    }


def queries(urls: list[str], repeat: int, member: str | None = None) -> dict:
    client = _client(member)
    results = {}
    for url in urls:
        first = _get(client, url)  # warms per-process caches, as the warm-up does for gunicorn
        with CaptureQueriesContext(connection) as captured:
            response = _get(client, url)
        # Read it now: the next request's request_started signal empties the query log.
        query_count = len(captured.captured_queries)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            _get(client, url)
            times.append((time.perf_counter() - start) * 1000)
        results[url] = {
            "status": response.status_code,
            "first_status": first.status_code,
            "bytes": len(response.content),
            "queries": query_count,
            "median_ms": round(statistics.median(times), 2),
            "min_ms": round(min(times), 2),
        }
    return results


# --- profile: exclusive wall time per part of the request path ------------------------------


class Timeline:
    """Attributes wall time to the innermost active label (a stack of labels)."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.totals: dict[str, float] = defaultdict(float)
        self.mark = 0.0
        self.active = False

    def push(self, label: str) -> None:
        now = time.perf_counter()
        if self.stack:
            self.totals[self.stack[-1]] += now - self.mark
        self.stack.append(label)
        self.mark = now

    def pop(self) -> None:
        now = time.perf_counter()
        self.totals[self.stack.pop()] += now - self.mark
        self.mark = now

    def timed(self, label, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if not self.active:
                return func(*args, **kwargs)
            self.push(label(args) if callable(label) else label)
            try:
                return func(*args, **kwargs)
            finally:
                self.pop()

        return wrapper


# Functions timed on their own (exclusive time), where they exist: (module, attribute, label).
HOOKS = [
    ("django.db.backends.base.base", "BaseDatabaseWrapper.connect", "DB connect (+ init)"),
    ("wagtail.models", "Site.find_for_request", "wagtail: Site.find_for_request"),
    ("wagtail.models", "Page.route", "wagtail: Page.route (page lookup by path)"),
    ("wagtail.models", "Page.get_url_parts", "wagtail: Page.get_url_parts ({{ page.url }})"),
    ("forum.listing", "home_context", "forum.listing: home_context"),
    ("forum.listing", "thread_list", "forum.listing: thread_list"),
    ("forum.views", "_thread_page_context", "forum.views: _thread_page_context"),
    ("django.db.models.query", "prefetch_related_objects", "ORM: prefetch_related_objects"),
    ("accounts.models", "User.get_absolute_url", "URL reversing: get_absolute_url"),
    ("forum.models", "Thread.get_absolute_url", "URL reversing: get_absolute_url"),
    ("forum.models", "Tag.get_absolute_url", "URL reversing: get_absolute_url"),
    ("accounts.models", "User.role_names", "accounts: User.role_names (groups)"),
    *(
        ("forum.permissions", name, "forum.permissions: can_* checks")
        for name in ("can_vote", "can_edit_post", "can_delete_post", "can_post_comment")
    ),
    *(
        ("forum.permissions", name, "forum.permissions: can_* checks")
        for name in ("can_delete_comment", "can_post_answer", "can_accept_answer")
    ),
    ("forum.permissions", "can_moderate_thread", "forum.permissions: can_* checks"),
]


def _hook(timeline: Timeline, module: str, attribute: str, label: str) -> None:
    """Time *module.attribute* (a function, method, static/class method or cached_property)."""
    import importlib
    import inspect

    from django.utils.functional import cached_property

    try:
        owner = importlib.import_module(module)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        raw = inspect.getattr_static(owner, name)
    except (ImportError, AttributeError):
        return
    if isinstance(raw, cached_property | functools.cached_property):
        raw.func = timeline.timed(label, raw.func)
    elif isinstance(raw, staticmethod | classmethod):
        setattr(owner, name, type(raw)(timeline.timed(label, raw.__func__)))
    elif callable(raw):
        setattr(owner, name, timeline.timed(label, raw))


def _instrument(timeline: Timeline, sql_log: list) -> None:
    from django.core.handlers.base import BaseHandler
    from django.template.backends.django import Template as BackendTemplate
    from django.template.base import Template
    from django.utils.module_loading import import_string

    for path in settings.MIDDLEWARE:
        cls = import_string(path)
        cls.__call__ = timeline.timed(f"middleware: {cls.__name__}", cls.__call__)

    original_resolve = BaseHandler.resolve_request

    def resolve_request(self, request):
        timeline.push("url resolving")
        try:
            match = original_resolve(self, request)
        finally:
            timeline.pop()
        name = f"{match.func.__module__}.{getattr(match.func, '__name__', match.func)}"
        match.func = timeline.timed(f"view code ({name})", match.func)
        return match

    BaseHandler.resolve_request = resolve_request
    BackendTemplate.render = timeline.timed(
        "template: context processors and setup", BackendTemplate.render
    )
    Template.render = timeline.timed(lambda args: f"template: {args[0].name}", Template.render)
    for module, attribute, label in HOOKS:
        _hook(timeline, module, attribute, label)

    def sql_wrapper(execute, sql, params, many, context):
        if not timeline.active:
            return execute(sql, params, many, context)
        inside = timeline.stack[-1] if timeline.stack else "?"
        start = time.perf_counter()
        timeline.push("SQL (driver + database)")
        try:
            return execute(sql, params, many, context)
        finally:
            timeline.pop()
            sql_log.append((sql, (time.perf_counter() - start) * 1000, inside))

    connection.execute_wrappers.append(sql_wrapper)


_NUMBERS = re.compile(r"\b\d+\b")
_IN_LIST = re.compile(r"IN \(([^()]*)\)")


def _shape(sql: str) -> str:
    sql = _IN_LIST.sub("IN (...)", sql)
    sql = _NUMBERS.sub("N", sql)
    return sql if len(sql) <= 220 else sql[:217] + "..."


def profile(
    urls: list[str], repeat: int, pyinstrument_dir: str | None, member: str | None = None
) -> dict:
    timeline = Timeline()
    sql_log: list = []
    _instrument(timeline, sql_log)
    client = _client(member)
    results = {}
    for url in urls:
        _get(client, url)
        _get(client, url)  # warm caches (templates, Site root paths, translations)
        timeline.totals.clear()
        sql_log.clear()
        timeline.active = True
        walls = []
        for _ in range(repeat):
            start = time.perf_counter()
            timeline.push("request/response plumbing (handler, test client)")
            _get(client, url)
            timeline.pop()
            walls.append((time.perf_counter() - start) * 1000)
        timeline.active = False
        total = sum(timeline.totals.values())
        parts = sorted(
            (
                {
                    "part": label,
                    "ms_per_request": round(seconds * 1000 / repeat, 2),
                    "share": round(seconds / total, 3) if total else 0,
                }
                for label, seconds in timeline.totals.items()
            ),
            key=lambda row: -row["ms_per_request"],
        )
        by_shape: dict[str, list] = defaultdict(lambda: [0, 0.0, ""])
        for sql, ms, inside in sql_log:
            entry = by_shape[_shape(sql)]
            entry[0] += 1
            entry[1] += ms
            entry[2] = inside
        statements = sorted(
            (
                {
                    "sql": shape,
                    "per_request": round(count / repeat, 2),
                    "ms_per_request": round(ms / repeat, 3),
                    "issued_from": inside,
                }
                for shape, (count, ms, inside) in by_shape.items()
            ),
            key=lambda row: -row["ms_per_request"],
        )
        results[url] = {
            "requests": repeat,
            "wall_ms_median": round(statistics.median(walls), 2),
            "wall_ms_mean": round(statistics.fmean(walls), 2),
            "queries_per_request": round(len(sql_log) / repeat, 2),
            "sql_ms_per_request": round(sum(ms for _, ms, _ in sql_log) / repeat, 2),
            "parts": parts,
            "statements": statements[:15],
        }
        if pyinstrument_dir:
            results[url]["pyinstrument"] = _pyinstrument(
                client, url, repeat, pyinstrument_dir, "member-" if member else ""
            )
    return results


def _pyinstrument(
    client: Client, url: str, repeat: int, out_dir: str, prefix: str = ""
) -> str | None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        return None
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(repeat):
        _get(client, url)
    profiler.stop()
    name = prefix + (re.sub(r"[^A-Za-z0-9]+", "_", url).strip("_") or "home")
    target = Path(out_dir) / f"pyinstrument-{name}.txt"
    target.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    (Path(out_dir) / f"pyinstrument-{name}.html").write_text(profiler.output_html())
    return str(target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["info", "settings", "session", "queries", "profile"])
    parser.add_argument(
        "urls", nargs="*", metavar="ARG", help="URLs (queries, profile) or a username (session)"
    )
    parser.add_argument("--repeat", type=int, default=20, help="requests per URL (default 20)")
    parser.add_argument(
        "--as",
        dest="member",
        metavar="USERNAME",
        help="queries, profile: request as this member (force_login), not anonymously",
    )
    parser.add_argument("--pyinstrument", metavar="DIR", help="also write pyinstrument trees")
    parser.add_argument("--output", metavar="FILE", help="write the JSON here (default stdout)")
    args = parser.parse_args()
    if args.command == "info":
        result = info()
    elif args.command == "settings":
        result = settings_info()
    elif args.command == "session":
        if len(args.urls) > 1:
            parser.error("session takes one username")
        result = session(args.urls[0] if args.urls else DEFAULT_MEMBER)
    elif args.command == "queries":
        result = queries(args.urls, args.repeat, args.member)
    else:
        result = profile(args.urls, args.repeat, args.pyinstrument, args.member)
    text = json.dumps(result, indent=2, default=str) + "\n"
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
