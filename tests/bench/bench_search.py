"""Time search at scale, per backend (a benchmark, not a test).

    .venv/bin/python tests/bench/bench_search.py [--threads 100000] [--queries 300]
        [--backends database,elasticsearch] [--elastic-calls N] [--keep-db PATH] [--profile]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
        .venv/bin/python tests/bench/bench_search.py

Steps: create a throwaway database with Django's test-database machinery (a SQLite file
in a temporary folder, or on the DATABASE_URL server a database named
``bench_search_<name>``, or TEST_DATABASE_NAME) and migrate it; seed it with
``manage.py seed_demo --threads N --force`` (the demo content, then N synthetic threads
with answers, comments and votes from its ``SyntheticSeeder``), timing the synthetic part
on its own. seed_demo ends with ``search.api.rebuild()`` over every backend; the bench
skips that call (it would index the database backend once more before the timed rebuild
below; ``--seed-rebuild`` lets it run and times it apart).

``--keep-db PATH`` keeps the database instead of dropping it, and reuses it when it is
there (seed_demo then only adds the threads missing): a SQLite file, or on the
DATABASE_URL server a database of that name. Search is re-indexed on every run.

Then, per backend (``--backends``; ``elasticsearch`` runs against the osmem stand-in,
started here, or the cluster at the environment's ELASTICSEARCH_URL):

``index``     ``search.api.rebuild(backend=...)`` over every public thread and article:
              documents per second (then ANALYZE on the database backend, untimed)
``search``    ``--queries`` queries of 1 to 3 words drawn (seeded) from the titles' own
              words (stop words skipped, common and rarer words mixed) through
              ``search.api.search(text)``, warm (after ``--warmup`` queries);
              again with the filter status=solved (``solved``) and sorted newest first
              (``newest``): median, p95, p99 and max ms, mean number of results
``similar``   ``--similar`` titles (and question bodies) of existing threads through
              ``search.api.similar(title, body)``
``suggest``   ``--suggest`` prefixes of titles (1 to 3 words, the last one cut short)
              through ``search.api.suggest(prefix)``

``--elastic-calls N`` times only the first N calls of each kind against Elasticsearch
(osmem, a stand-in, takes seconds per search at 100,000 threads; its figures say little
about a real cluster). Everything runs in this process as an anonymous visitor (the
visibility check of every hit included). ``--profile`` runs each step under cProfile
(its timings then read high) and writes the call statistics beside the JSON. Prints a
table against the target (search p95 under 50 ms on PostgreSQL at 100,000 threads) and
writes the figures as JSON to tests/bench/results/search-<timestamp>.json. pytest does
not collect this file (its name is not ``test_*.py``). See docs/benchmark.md and docs/search.md.
"""

import argparse
import contextlib
import cProfile
import io
import json
import logging
import math
import os
import platform
import pstats
import random
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "tests" / "bench" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The test settings: no Redis, tasks run at once, DEBUG off (no query log).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from demo.management.commands import seed_demo  # noqa: E402
from forum import permissions  # noqa: E402
from forum.models import Comment, Post, Thread  # noqa: E402
from search import analysis, backends  # noqa: E402
from search import api as search_api  # noqa: E402
from search.backends.base import Filters, Sort, Status  # noqa: E402
from tests.bench.run_bench import code_version, machine_info, redact  # noqa: E402

TARGET_P95_MS = 50.0
TARGET_THREADS = 100_000
TARGET_VENDOR = "postgresql"
BACKENDS = ("database", "elasticsearch")
SEARCHES = {  # name -> (filters, sort)
    "search": (Filters(), Sort.RELEVANCE),
    "solved": (Filters(status=Status.SOLVED), Sort.RELEVANCE),
    "newest": (Filters(), Sort.NEWEST),
}
COMMON_SHARE = 0.1  # the most frequent tenth of the title vocabulary counts as "common"
CONTRACTED = re.compile(r"\w+(?:['\u2019]\w+)*")  # "won't" as one word
PROGRESS = re.compile(r"^\s*([\d,]+) / ([\d,]+) synthetic threads")


# Quiet: a line per request to the cluster, a line per Wagtail page seed_demo makes.
for _name in ("elastic_transport", "elasticsearch", "wagtail"):
    logging.getLogger(_name).setLevel(logging.WARNING)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=100_000, help="synthetic threads (100,000)")
    parser.add_argument("--queries", type=int, default=300, help="timed searches per kind (300)")
    parser.add_argument("--similar", type=int, default=100, help="timed similar() calls (100)")
    parser.add_argument("--suggest", type=int, default=100, help="timed suggest() calls (100)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed calls of each kind (10)")
    parser.add_argument(
        "--backends",
        default=",".join(BACKENDS),
        help="comma-separated: database, elasticsearch (both)",
    )
    parser.add_argument(
        "--elastic-calls",
        type=int,
        metavar="N",
        help="time at most N calls of each kind against Elasticsearch (the first N of the "
        "same draw); osmem takes seconds per search at 100,000 threads",
    )
    parser.add_argument(
        "--keep-db",
        metavar="PATH",
        help="keep the seeded database and reuse it next time: a SQLite file, or a database "
        "name on the DATABASE_URL server",
    )
    parser.add_argument(
        "--seed-rebuild",
        action="store_true",
        help="let seed_demo's own search rebuild run (timed apart) instead of skipping it",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile each step (timings then read high)"
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed of the queries")
    args = parser.parse_args(argv)
    args.backends = [name.strip() for name in args.backends.split(",") if name.strip()]
    unknown = set(args.backends) - set(BACKENDS)
    if unknown or not args.backends:
        parser.error(f"--backends: choose among {', '.join(BACKENDS)}")
    return args


# --- database --------------------------------------------------------------------------------


def create_database(keep: str | None) -> tuple[str, Path | None, bool]:
    """A throwaway (or kept) database, migrated: its description, its temporary folder
    when SQLite and not kept, and whether it was there already."""
    settings_dict = connection.settings_dict
    test = settings_dict.setdefault("TEST", {})
    folder = None
    existed = False
    if connection.vendor == "sqlite":
        if keep:
            path = Path(keep).resolve()
            path.parent.mkdir(parents=True, exist_ok=True)
            existed = path.exists()
            test["NAME"] = str(path)
        else:
            folder = Path(tempfile.mkdtemp(prefix="bench-search-"))
            test["NAME"] = str(folder / "bench_search.sqlite3")
    elif keep:
        test["NAME"] = keep
        existed = _postgres_database_exists(keep)
    elif not os.environ.get("TEST_DATABASE_NAME"):
        test["NAME"] = f"bench_search_{settings_dict['NAME']}"
    name = connection.creation.create_test_db(
        verbosity=0, autoclobber=True, serialize=False, keepdb=bool(keep)
    )
    if folder:
        where = "a temporary file"
    elif connection.vendor == "sqlite":
        where = f"{'reused' if existed else 'kept'} file {name}"
    else:
        where = f"{'reused ' if existed else ''}database {name}"
    return f"{database_version()} ({where})", folder, existed


def _postgres_database_exists(name: str) -> bool:
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def database_version() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
    return connection.vendor


def analyze() -> float:
    """Planner statistics for the freshly written index, as autovacuum would leave them
    on a server in steady state (and on PostgreSQL the dead rows of the index's
    insert-then-update cleaned up). Returns its seconds."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE search_searchdocument")
        else:
            cursor.execute("ANALYZE")
    return time.perf_counter() - started


# --- seeding ---------------------------------------------------------------------------------


class SeedOutput(io.TextIOBase):
    """seed_demo's output: its summary lines, and its progress every tenth of the way."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.quiet = False
        self.shown = -1

    def write(self, text: str) -> int:
        for line in text.splitlines():
            self.lines.append(line)
            if line.startswith("Demo accounts"):
                self.quiet = True  # the account table: not this bench's business
            if self.quiet or not line.strip():
                continue
            progress = PROGRESS.match(line)
            if progress:
                done, wanted = (int(value.replace(",", "")) for value in progress.groups())
                step = max(1, wanted // 10)
                if done // step == self.shown and done != wanted:
                    continue
                self.shown = done // step
            log(f"  seed_demo: {line.strip()}")
        return len(text)


def seed(threads: int, *, keep_rebuild: bool) -> dict:
    """``seed_demo --threads N --force``, with its synthetic part and its closing search
    rebuild timed apart (the rebuild skipped unless *keep_rebuild*)."""
    figures: dict = {"synthetic_seconds": 0.0, "seed_demo_rebuild": "skipped"}
    run = seed_demo.SyntheticSeeder.run
    rebuild = search_api.rebuild

    def timed_run(seeder, wanted):
        started = time.perf_counter()
        try:
            return run(seeder, wanted)
        finally:
            figures["synthetic_seconds"] = round(time.perf_counter() - started, 2)

    def seed_demo_rebuild(*args, **kwargs):
        if not keep_rebuild:
            return 0
        started = time.perf_counter()
        try:
            return rebuild(*args, **kwargs)
        finally:
            figures["seed_demo_rebuild"] = round(time.perf_counter() - started, 2)

    output = SeedOutput()
    started = time.perf_counter()
    with (
        mock.patch.object(seed_demo.SyntheticSeeder, "run", timed_run),
        mock.patch.object(search_api, "rebuild", seed_demo_rebuild),
    ):
        call_command("seed_demo", threads=threads, force=True, stdout=output)
    figures["seconds"] = round(time.perf_counter() - started, 2)
    figures["added"] = next(
        (
            line.split("adding ", 1)[1].rstrip(".")
            for line in output.lines
            if line.startswith("Synthetic threads:") and "adding" in line
        ),
        "0",
    )
    return figures


def dataset() -> dict:
    visitor = AnonymousUser()
    threads = permissions.visible_threads(visitor, Thread.objects.all(), include_own_pending=False)
    return {
        "threads": threads.count(),
        "solved": threads.filter(accepted_answer__isnull=False).count(),
        "answers": permissions.visible_posts(visitor, Post.objects.answers()).count(),
        "comments": permissions.visible_comments(visitor, Comment.objects.all()).count(),
    }


# --- what is asked ---------------------------------------------------------------------------


def _eligible(title: str) -> list[str]:
    """A title's words worth searching for: no stop words, digits or very short words,
    and no piece of a contraction ("won" and "t" of "won't", which nobody types alone)."""
    found = [
        word
        for word in CONTRACTED.findall(analysis.fold(title))
        if "'" not in word and "\u2019" not in word
    ]
    chosen = [w for w in found if len(w) > 2 and not w.isdigit() and not analysis.is_stopword(w)]
    return list(dict.fromkeys(w[: analysis.MAX_WORD_LENGTH] for w in chosen))


def workload(args, rng: random.Random) -> dict:
    """The searches, similar() questions and suggest() prefixes of the run, drawn once
    from the public threads so that every backend gets the same ones."""
    visible = permissions.visible_threads(
        AnonymousUser(), Thread.objects.all(), include_own_pending=False
    )
    titles = list(visible.order_by("pk").values_list("pk", "title"))
    if not titles:
        raise SystemExit("no public threads to draw queries from")
    frequency: Counter[str] = Counter()
    words_of: dict[int, list[str]] = {}
    for pk, title in titles:
        words_of[pk] = _eligible(title)
        frequency.update(words_of[pk])
    ranked = [word for word, _n in frequency.most_common()]
    common = set(ranked[: max(10, round(len(ranked) * COMMON_SHARE))])
    rare = [word for word in ranked if word not in common]
    common_list = [word for word in ranked if word in common]

    def query() -> str:
        pk, _title = rng.choice(titles)
        own = words_of[pk]
        wanted = rng.randint(1, 3)
        chosen: list[str] = []
        for _slot in range(wanted):
            want_common = rng.random() < 0.5
            pool = [w for w in own if (w in common) == want_common and w not in chosen]
            if not pool:  # the title has none of that kind left: any word of the corpus
                pool = [
                    w for w in (common_list if want_common or not rare else rare) if w not in chosen
                ]
            chosen.append(rng.choice(pool))
        return " ".join(chosen)

    def prefix() -> str:
        """The start of a title as typed: 1 to 3 words, the last one unfinished."""
        _pk, title = rng.choice(titles)
        typed = title.split()[: rng.randint(1, 3)]
        last = typed[-1].rstrip(",.:;!?")
        cut = rng.randint(min(2, len(last)), len(last))
        return " ".join([*typed[:-1], last[:cut]])

    asked = rng.sample(titles, min(args.similar + args.warmup, len(titles)))
    bodies = dict(
        Post.objects.filter(
            thread_id__in=[pk for pk, _title in asked], kind=Post.Kind.QUESTION
        ).values_list("thread_id", "body_markdown")
    )
    questions = [(pk, title, bodies.get(pk, "")) for pk, title in asked]
    return {
        "warmup_queries": [query() for _ in range(args.warmup)],
        "queries": [query() for _ in range(args.queries)],
        "warmup_similar": questions[: args.warmup],
        "similar": questions[args.warmup :],
        "warmup_prefixes": [prefix() for _ in range(args.warmup)],
        "prefixes": [prefix() for _ in range(args.suggest)],
        "vocabulary": {
            "titles": len(titles),
            "distinct_words": len(ranked),
            "common_words": len(common),
            "most_common": frequency.most_common(15),
            "rarest": sorted(frequency.items(), key=lambda item: (item[1], item[0]))[:10],
        },
    }


# --- timing ----------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def latency(ms: list[float], cpu_ms: float) -> dict:
    return {
        "calls": len(ms),
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
        "process_cpu_ms": round(cpu_ms, 2),
    }


class Fallbacks(logging.Handler):
    """Counts search.api's "backend unavailable, using the database" warnings."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "unavailable" in record.getMessage():
            self.count += 1


class Profiler:
    """With --profile, runs each step under cProfile and writes its statistics."""

    def __init__(self, enabled: bool, stem: str) -> None:
        self.enabled = enabled
        self.stem = stem
        self.files: list[str] = []

    @contextlib.contextmanager
    def step(self, label: str):
        if not self.enabled:
            yield
            return
        profile = cProfile.Profile()
        profile.enable()
        try:
            yield
        finally:
            profile.disable()
            out = io.StringIO()
            stats = pstats.Stats(profile, stream=out).strip_dirs()
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(30)
            path = RESULTS / f"{self.stem}-{label}.prof.txt"
            RESULTS.mkdir(parents=True, exist_ok=True)
            path.write_text(out.getvalue())
            self.files.append(str(path.relative_to(ROOT)))


def timed_calls(items, call: Callable) -> tuple[list[float], list, float]:
    """Wall ms of each call, the answers, and this process's mean CPU ms per call (the
    Python side, and SQLite's; not a database server's or the cluster's)."""
    ms, answers = [], []
    cpu = time.process_time()
    for item in items:
        started = time.perf_counter()
        answer = call(item)
        ms.append((time.perf_counter() - started) * 1000)
        answers.append(answer)
    return ms, answers, (time.process_time() - cpu) * 1000 / max(1, len(ms))


def statements(call: Callable) -> int:
    """SQL statements one call makes (the query log is on only inside this)."""
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def slowest(items: list[str], ms: list[float], n: int = 5) -> list[list]:
    return [
        [item, round(value, 1)]
        for value, item in sorted(zip(ms, items, strict=True), reverse=True)[:n]
    ]


def bench_backend(name: str, backend, work: dict, profiler: Profiler) -> dict:
    """Index everything into *backend*, then time searches, similar() and suggest() with
    it as the primary backend."""
    figures: dict = {"backend": name}
    handler = Fallbacks()
    logging.getLogger("search.api").addHandler(handler)
    try:
        log(f"{name}: rebuilding the index")
        with profiler.step(f"{name}-index"):
            started, cpu = time.perf_counter(), time.process_time()
            indexed = search_api.rebuild(backend=backend)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        figures["index"] = {
            "documents": indexed,
            "seconds": round(seconds, 2),
            "process_cpu_seconds": round(cpu, 2),
            "documents_per_second": round(indexed / seconds, 1) if seconds else None,
            "count_in_backend": backend.count(),
        }
        log(
            f"{name}: indexed {indexed:,} documents in {seconds:.1f} s ({indexed / seconds:,.0f}/s)"
        )
        if name == "database":
            figures["index"]["analyze_seconds"] = round(analyze(), 2)
        primary = backends.primary().name
        if primary != name:
            raise SystemExit(f"the primary backend is {primary}, not {name}")

        # Warm-up: connections, caches (synonyms, visible products), the cluster's.
        for text in work["warmup_queries"]:
            for filters, sort in SEARCHES.values():
                search_api.search(text, filters=filters, sort=sort)
        for _pk, title, body in work["warmup_similar"]:
            search_api.similar(title, body)
        for text in work["warmup_prefixes"]:
            search_api.suggest(text)
        sample = work["queries"][0]
        figures["sql_statements_per_call"] = {
            "search": statements(lambda: search_api.search(sample)),
            "similar": statements(lambda: search_api.similar(*work["similar"][0][1:])),
            "suggest": statements(lambda: search_api.suggest(work["prefixes"][0])),
        }

        for kind, (filters, sort) in SEARCHES.items():
            with profiler.step(f"{name}-{kind}"):
                ms, answers, cpu = timed_calls(
                    work["queries"],
                    lambda text, filters=filters, sort=sort: search_api.search(
                        text, filters=filters, sort=sort
                    ),
                )
            figures[kind] = {
                **latency(ms, cpu),
                "mean_results": round(statistics.fmean(a.total for a in answers), 1),
                "mean_hits_on_page": round(statistics.fmean(len(a.hits) for a in answers), 1),
                "no_results": sum(a.total == 0 for a in answers),
                "partial": sum(a.partial for a in answers),
                "fell_back": sum(a.fell_back for a in answers),
                "answered_by": dict(Counter(a.backend for a in answers)),
                "slowest": slowest(work["queries"], ms),
            }
            log(
                f"{name}: {kind:<7} p50 {figures[kind]['p50_ms']:.1f} ms, p95 "
                f"{figures[kind]['p95_ms']:.1f} ms, max {figures[kind]['max_ms']:.1f} ms, "
                f"{figures[kind]['mean_results']:,.0f} results on average"
            )

        with profiler.step(f"{name}-similar"):
            ms, answers, cpu = timed_calls(
                work["similar"], lambda question: search_api.similar(question[1], question[2])
            )
        found_itself = [
            next((rank for rank, hit in enumerate(hits, 1) if hit.pk == pk), None)
            for (pk, _title, _body), hits in zip(work["similar"], answers, strict=True)
        ]
        figures["similar"] = {
            **latency(ms, cpu),
            "mean_results": round(statistics.fmean(len(hits) for hits in answers), 2),
            "itself_first": sum(rank == 1 for rank in found_itself),
            "itself_in_results": sum(rank is not None for rank in found_itself),
            "slowest": slowest([q[1] for q in work["similar"]], ms),
        }
        log(
            f"{name}: similar p50 {figures['similar']['p50_ms']:.1f} ms, p95 "
            f"{figures['similar']['p95_ms']:.1f} ms"
        )

        with profiler.step(f"{name}-suggest"):
            ms, answers, cpu = timed_calls(work["prefixes"], search_api.suggest)
        figures["suggest"] = {
            **latency(ms, cpu),
            "mean_results": round(statistics.fmean(len(hits) for hits in answers), 2),
            "no_results": sum(not hits for hits in answers),
            "slowest": slowest(work["prefixes"], ms),
        }
        log(
            f"{name}: suggest p50 {figures['suggest']['p50_ms']:.1f} ms, p95 "
            f"{figures['suggest']['p95_ms']:.1f} ms"
        )
    finally:
        logging.getLogger("search.api").removeHandler(handler)
    figures["fallback_warnings"] = handler.count
    return figures


@contextlib.contextmanager
def elasticsearch():
    """Settings pointing search at a cluster: osmem, started here, unless the environment
    names one (ELASTICSEARCH_URL, with ELASTICSEARCH_COMPAT_HEADERS as the tests read it).
    Yields the backend and a description; its indices are deleted afterwards."""
    url = os.environ.get("ELASTICSEARCH_URL", "")
    with contextlib.ExitStack() as stack:
        if url:
            compat = os.environ.get("ELASTICSEARCH_COMPAT_HEADERS", "1").lower() not in {
                "0",
                "false",
            }
            described = f"cluster at {redact(url)}"
        else:
            from osmem_server import OsmemServer

            log("starting osmem (the in-memory Elasticsearch stand-in)")
            server = stack.enter_context(OsmemServer.start(japanese=False))
            url, compat = server.url, False
            described = f"osmem {server.version or ''} (in memory, started by the bench)".replace(
                "  ", " "
            )
        prefix = f"bench-{uuid.uuid4().hex[:10]}"
        stack.enter_context(
            override_settings(
                ELASTICSEARCH_URL=url,
                ELASTICSEARCH_COMPAT_HEADERS=compat,
                ELASTICSEARCH_REFRESH=False,
                ELASTICSEARCH_INDEX_PREFIX=prefix,
                ELASTICSEARCH_TIMEOUT=60,
            )
        )
        backend = backends.elasticsearch_backend()
        with contextlib.suppress(Exception):
            version = backend.client.info()["version"]
            described += f", reports version {version.get('number')}"
        try:
            yield backend, described
        finally:
            with contextlib.suppress(Exception):
                names = list(backend.client.indices.get(index=f"{prefix}-*"))
                if names:
                    backend.client.indices.delete(index=names)


def capped(work: dict, calls: int | None) -> dict:
    """*work* with at most *calls* timed calls of each kind (the warm-up unchanged)."""
    if not calls:
        return work
    return {
        **work,
        "queries": work["queries"][:calls],
        "similar": work["similar"][:calls],
        "prefixes": work["prefixes"][:calls],
    }


def run(args, report: dict, save: Callable[[], None]) -> None:
    """Seed, draw the workload, and bench each backend into *report*, saving it (as
    unfinished) after each step, so that an interrupted run leaves its figures."""
    log(f"seeding: seed_demo --threads {args.threads:,} --force")
    report["seed"] = seed(args.threads, keep_rebuild=args.seed_rebuild)
    report["dataset"] = counts = dataset()
    log(
        f"seeded in {report['seed']['seconds']:.1f} s (synthetic threads "
        f"{report['seed']['synthetic_seconds']:.1f} s): {counts['threads']:,} public threads, "
        f"{counts['answers']:,} answers, {counts['comments']:,} comments"
    )
    work = workload(args, random.Random(args.seed))
    report["workload"] = {
        "queries": work["queries"],
        "prefixes": work["prefixes"],
        "similar_titles": [title for _pk, title, _body in work["similar"]],
        "vocabulary": work["vocabulary"],
    }
    log(
        f"drew {len(work['queries'])} queries, {len(work['similar'])} similar questions and "
        f"{len(work['prefixes'])} prefixes from {work['vocabulary']['distinct_words']:,} "
        "distinct title words"
    )
    save()
    profiler = Profiler(args.profile, report["stem"])
    for name in args.backends:
        if name == "database":
            with override_settings(ELASTICSEARCH_URL=""):
                figures = bench_backend(name, backends.database_backend(), work, profiler)
            figures["server"] = "the site's own database"
        else:
            with elasticsearch() as (backend, described):
                figures = bench_backend(name, backend, capped(work, args.elastic_calls), profiler)
            figures["server"] = described
        report["results"].append(figures)
        report["profiles"] = profiler.files
        save()


# --- output ----------------------------------------------------------------------------------


def verdict(report: dict, figures: dict) -> str:
    if report["vendor"] != TARGET_VENDOR or report["dataset"]["threads"] < TARGET_THREADS:
        return "-"
    return "PASS" if figures["search"]["p95_ms"] < TARGET_P95_MS else "MISS"


def render(report: dict) -> str:
    columns = [
        ("backend", 13, "<"),
        ("database", 10, "<"),
        ("threads", 8, ">"),
        ("docs", 8, ">"),
        ("index s", 8, ">"),
        ("docs/s", 7, ">"),
        ("p50", 6, ">"),
        ("p95", 6, ">"),
        ("p99", 6, ">"),
        ("max", 7, ">"),
        ("results", 7, ">"),
        ("solved p95", 10, ">"),
        ("newest p95", 10, ">"),
        ("sim p50", 7, ">"),
        ("sim p95", 7, ">"),
        ("sugg p50", 8, ">"),
        ("sugg p95", 8, ">"),
        ("target", 6, "<"),
    ]
    header = "  ".join(f"{title:{align}{width}}" for title, width, align in columns)
    lines = [header, "-" * len(header)]
    for figures in report["results"]:
        values = [
            figures["backend"],
            report["vendor"],
            f"{report['dataset']['threads']:,}",
            f"{figures['index']['documents']:,}",
            f"{figures['index']['seconds']:.1f}",
            f"{figures['index']['documents_per_second']:,.0f}",
            f"{figures['search']['p50_ms']:.1f}",
            f"{figures['search']['p95_ms']:.1f}",
            f"{figures['search']['p99_ms']:.1f}",
            f"{figures['search']['max_ms']:.1f}",
            f"{figures['search']['mean_results']:,.0f}",
            f"{figures['solved']['p95_ms']:.1f}",
            f"{figures['newest']['p95_ms']:.1f}",
            f"{figures['similar']['p50_ms']:.1f}",
            f"{figures['similar']['p95_ms']:.1f}",
            f"{figures['suggest']['p50_ms']:.1f}",
            f"{figures['suggest']['p95_ms']:.1f}",
            verdict(report, figures),
        ]
        lines.append(
            "  ".join(
                f"{value:{align}{width}}"
                for value, (_title, width, align) in zip(values, columns, strict=True)
            )
        )
    lines += ["", "per kind of call (ms):"]
    detail = (
        f"  {'backend':<13}  {'call':<8}  {'calls':>5}  {'p50':>7}  {'p95':>7}  {'p99':>7}  "
        f"{'max':>7}  {'mean':>7}  {'CPU':>6}  {'results':>8}  {'none':>4}  {'SQL':>3}  notes"
    )
    lines += [detail, "  " + "-" * (len(detail) - 2)]
    for figures in report["results"]:
        for kind in (*SEARCHES, "similar", "suggest"):
            row = figures[kind]
            if kind in SEARCHES:
                notes = f"{row['partial']} partial (OR), {row['fell_back']} fell back"
                sql = figures["sql_statements_per_call"]["search"]
            elif kind == "similar":
                notes = (
                    f"the thread itself first {row['itself_first']}/{row['calls']}, "
                    f"in the results {row['itself_in_results']}/{row['calls']}"
                )
                sql = figures["sql_statements_per_call"]["similar"]
            else:
                notes = ""
                sql = figures["sql_statements_per_call"]["suggest"]
            lines.append(
                f"  {figures['backend']:<13}  {kind:<8}  {row['calls']:>5}  {row['p50_ms']:>7.1f}  "
                f"{row['p95_ms']:>7.1f}  {row['p99_ms']:>7.1f}  {row['max_ms']:>7.1f}  "
                f"{row['mean_ms']:>7.1f}  {row['process_cpu_ms']:>6.1f}  "
                f"{row['mean_results']:>8,.1f}  "
                f"{row.get('no_results', 0):>4}  {sql:>3}  {notes}"
            )
    lines += [
        "",
        "p50/p95/p99/max: search.api.search(text) latency in ms, warm, as an anonymous "
        "visitor (visibility check included); results: mean total matches; solved: "
        "filter status=solved; newest: sorted newest first; sim: similar(title, body); "
        "sugg: suggest(prefix); CPU: this process's CPU ms per call (Python and SQLite, not "
        "a database server or the cluster); none: calls with no result; SQL: statements "
        "per call.",
        f"target: search p95 under {TARGET_P95_MS:.0f} ms on PostgreSQL at "
        f"{TARGET_THREADS:,} threads ('-': this run is not that setting).",
    ]
    for figures in report["results"]:
        if figures["fallback_warnings"] or any(figures[k]["fell_back"] for k in SEARCHES):
            lines.append(
                f"WARNING: {figures['backend']} fell back to the database "
                f"{figures['fallback_warnings']} times: its figures are not its own."
            )
    return "\n".join(lines)


class Interrupted(BaseException):
    """SIGTERM or SIGHUP: stop, drop the database, stop osmem, keep what was measured.
    Not an Exception: the cluster's client would take it for a failed request."""


def on_signal(signum, _frame):
    raise Interrupted(signal.Signals(signum).name)


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    url = os.environ.get("DATABASE_URL", "")
    log(f"server: {redact(url) if url else 'SQLite (default)'}; creating the database")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"search-{stamp}.json"
    report: dict = {
        "benchmark": "search",
        "stem": f"search-{stamp}",
        "finished": False,
        "database_url": redact(url) if url else "",
        "threads_requested": args.threads,
        "code": code_version(),
        "machine": machine_info(),
        "python": platform.python_version(),
        "args": {
            "threads": args.threads,
            "queries": args.queries,
            "similar": args.similar,
            "suggest": args.suggest,
            "warmup": args.warmup,
            "backends": args.backends,
            "elastic_calls": args.elastic_calls,
            "seed": args.seed,
            "profile": args.profile,
            "keep_db": args.keep_db,
            "seed_rebuild": args.seed_rebuild,
        },
        "results": [],
    }

    def save() -> None:
        report["load_average_now"] = [round(x, 2) for x in os.getloadavg()]
        RESULTS.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2, default=str))

    old_name = connection.settings_dict["NAME"]
    started = time.perf_counter()
    described, folder, existed = create_database(args.keep_db)
    report.update(database=described, database_reused=existed, vendor=connection.vendor)
    log(f"migrated: {described}")
    try:
        run(args, report, save)
    except (Interrupted, KeyboardInterrupt) as exc:
        report["interrupted"] = str(exc) or type(exc).__name__
        save()
        log(f"interrupted ({report['interrupted']}); what was measured is in {out}")
        return 130
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=bool(args.keep_db))
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
    report.update(
        finished=True,
        target={
            "search_p95_ms_below": TARGET_P95_MS,
            "vendor": TARGET_VENDOR,
            "threads": TARGET_THREADS,
            "verdicts": {f["backend"]: verdict(report, f) for f in report["results"]},
        },
        total_seconds=round(time.perf_counter() - started, 1),
        at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    save()
    print()
    print(
        f"Search, {described}, {report['dataset']['threads']:,} public threads "
        f"({report['dataset']['answers']:,} answers, {report['dataset']['comments']:,} "
        f"comments), seeded in {report['seed']['seconds']:.0f} s"
        + (" (reused)" if existed else "")
        + f"; {args.queries} queries, seed {args.seed}"
        + (" (PROFILED: timings read high)" if args.profile else "")
    )
    for figures in report["results"]:
        print(f"  {figures['backend']}: {figures['server']}")
    print(render(report))
    log(f"figures written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
