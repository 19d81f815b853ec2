"""Load-test the forum's main pages under gunicorn with wrk (a benchmark, not a test).

    .venv/bin/python tests/bench/run_bench.py [--skip-seed] [--duration 10] ...
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python tests/bench/run_bench.py

Steps: pick the database (DATABASE_URL, else a SQLite file in tests/bench/results/) and
check Redis (--redis-url), migrate, seed (``seed_demo --threads N``), collectstatic, find
the URLs, count their queries in-process; then per page-cache setting (on, then off):
empty the Redis DB, log a seeded customer in (a session cookie), serve with gunicorn
under the production settings, check each URL answers 200 (and the member's pages show
the member's header), warm up and load each URL with ``wrk --latency`` per variant
(anonymous, member), stop gunicorn. Prints a table against the targets and writes it as
JSON to tests/bench/results/<timestamp>.json. gunicorn is stopped on exit, Ctrl-C or
error. See docs/benchmark.md.
"""

import argparse
import contextlib
import json
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import typing
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "tests" / "bench" / "results"
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"

# Context: established Django Q&A forums serve these pages at 13 to 22 req/s on this
# machine under this load.
BASELINE_RPS = (13, 22)
# Targets: a logged-in member gets these pages at these rates (page cache on)...
MEMBER_TARGET_RPS = {"home": 220, "thread-20": 220, "thread-100": 100, "search": 140}
# ...and anonymous visitors (page cache on) get every page within 2x of the trivial view.
ANON_TARGET_VS_TRIVIAL = 0.5
# The Redis DB of the run's cache: emptied before each server starts.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
DEFAULT_MEMBER = "synth_customer_000"  # seed_demo's first ordinary customer
PAGE_CACHE_SECONDS = 300  # FORUM_PAGE_CACHE_SECONDS of the "page cache on" server
# Other processes' CPU share (percent of all CPUs) above which a run's numbers are suspect.
BUSY_WARNING = 10


class BenchError(Exception):
    """A step failed; the message says which and why."""


class Interrupted(BaseException):
    """SIGTERM/SIGHUP: unwind like Ctrl-C so gunicorn is stopped."""


class Variant(typing.NamedTuple):
    """Who requests the pages, and whether the server runs with the page cache."""

    name: str
    member: bool
    page_cache: bool
    label: str
    suffix: str  # of the JSON keys "queries..." and "profile..."


VARIANTS = {
    v.name: v
    for v in (
        Variant("anon", False, True, "anonymous visitor, page cache on", ""),
        Variant(
            "anon-nocache", False, False, "anonymous visitor, page cache off", "_page_cache_off"
        ),
        Variant("member", True, True, "logged-in member, page cache on", "_member"),
        Variant(
            "member-nocache",
            True,
            False,
            "logged-in member, page cache off",
            "_member_page_cache_off",
        ),
    )
}


def uncached(variant: Variant) -> Variant:
    """The same visitor with the page cache off."""
    return VARIANTS[f"{'member' if variant.member else 'anon'}-nocache"]


def bench_env(database_url: str, redis_url: str = DEFAULT_REDIS_URL) -> dict[str, str]:
    """The environment of every Django process of the run: production settings, local HTTP,
    the run's database and Redis (an empty REDIS_URL: none, whatever the shell says)."""
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        "REDIS_URL": redis_url,
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


# --- database --------------------------------------------------------------------------------


def choose_database(args) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url:
        return url
    RESULTS.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{RESULTS / 'bench.sqlite3'}"


def ensure_postgres_database(url: str) -> None:
    """Create the database named in a postgres:// URL when it is missing."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name:
        raise BenchError(f"DATABASE_URL {redact(url)} names no database")
    admin = urlunsplit(parts._replace(path="/postgres", query=""))
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                log(f"creating PostgreSQL database {name!r}")
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        raise BenchError(f"cannot reach PostgreSQL at {redact(admin)}: {exc}") from exc


def vacuum_analyze_postgres(url: str) -> None:
    """Give the planner statistics, as autovacuum would have on a server in steady state.

    Right after a bulk seed the tables have none, and the planner's guesses (24 rows for
    2,000) pick sorts and bitmap scans that no long-running database would use.
    """
    import psycopg

    start = time.monotonic()
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        conn.execute("VACUUM ANALYZE")
    log(f"VACUUM ANALYZE: done in {time.monotonic() - start:.1f}s")


# --- Redis -----------------------------------------------------------------------------------


def _redis(url: str):
    try:
        import redis
    except ImportError as exc:
        raise BenchError(
            "the redis package is missing from the venv: install the project's dependencies, "
            "or pass --redis-url '' to run without Redis"
        ) from exc
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)
    except ValueError as exc:
        raise BenchError(f"--redis-url {redact(url)} is not a Redis URL: {exc}") from exc
    return redis, client


def redis_version(url: str) -> str:
    """The version of the Redis server at *url*; fail clearly when it does not answer."""
    redis, client = _redis(url)
    try:
        return str(client.info("server").get("redis_version", "?"))
    except (redis.RedisError, OSError, ValueError) as exc:
        raise BenchError(
            f"cannot reach Redis at {redact(url)}: {exc} (start it, point --redis-url at "
            "one, or pass --redis-url '' to run without Redis)"
        ) from exc
    finally:
        client.close()


def flush_redis(url: str) -> None:
    """Empty the run's Redis DB, so that a server starts with no cached pages."""
    redis, client = _redis(url)
    try:
        keys = client.dbsize()
        client.flushdb()
    except (redis.RedisError, OSError) as exc:
        raise BenchError(f"cannot empty the Redis DB {redact(url)}: {exc}") from exc
    finally:
        client.close()
    log(f"Redis {redact(url)}: FLUSHDB ({keys} keys dropped)")


# --- subprocess helpers ----------------------------------------------------------------------


def run_step(name: str, cmd: list[str], env: dict, timeout: float, log_path: Path) -> float:
    """Run *cmd* with its output to *log_path*; raise with the log's tail when it fails."""
    log(f"{name}: {' '.join(cmd[1:]) if cmd[0] == sys.executable else ' '.join(cmd)}")
    start = time.monotonic()
    with log_path.open("ab") as out:
        out.write(f"\n=== {name}: {' '.join(cmd)}\n".encode())
        out.flush()
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            raise BenchError(f"{name} took longer than {timeout:.0f}s (see {log_path})") from None
        except BaseException:
            kill_group(proc)
            raise
    elapsed = time.monotonic() - start
    if code != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-25:])
        raise BenchError(f"{name} failed with exit code {code}:\n{tail}\n(full log: {log_path})")
    log(f"{name}: done in {elapsed:.1f}s")
    return elapsed


def kill_group(proc: subprocess.Popen, grace: float = 10) -> None:
    """Stop *proc* and its children (it was started in its own session): TERM, then KILL."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def probe(
    command: str, urls: list[str], env: dict, timeout: float, *extra: str, label: str = ""
) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", dir=RESULTS, delete=False) as handle:
        output = Path(handle.name)
    try:
        cmd = [sys.executable, str(ROOT / "tests/bench/probe.py"), command, *urls]
        name = f"probe {command}" + (f" ({label})" if label else "")
        run_step(name, [*cmd, "--output", str(output), *extra], env, timeout, LOG)
        return json.loads(output.read_text())
    finally:
        output.unlink(missing_ok=True)


# --- gunicorn --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def fetch(url: str, timeout: float = 30, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """GET *url* without following redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - http://127.0.0.1
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def start_gunicorn(env: dict, workers: int, port: int, log_path: Path) -> subprocess.Popen:
    cmd = [
        str(VENV_BIN / "gunicorn"),
        "config.wsgi:application",
        "-w",
        str(workers),
        "-k",
        "sync",
        "-b",
        f"{HOST}:{port}",
        "--error-logfile",
        str(log_path),
        "--log-level",
        "warning",
    ]
    log(f"starting: {' '.join(cmd[1:])}")
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_until_up(proc: subprocess.Popen, base: str, timeout: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-25:])
            raise BenchError(f"gunicorn exited with code {proc.returncode}:\n{tail}")
        with contextlib.suppress(OSError):
            status, _headers, _body = fetch(f"{base}/healthz", timeout=2)
            if status == 200:
                return
        time.sleep(0.25)
    raise BenchError(f"gunicorn did not answer {base}/healthz within {timeout:.0f}s")


# --- wrk -------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise BenchError("wrk is missing: install it with `sudo apt-get install -y wrk`")
    log("wrk is missing: installing Debian's package")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    if subprocess.run(install, env=env, check=False, timeout=600).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False, timeout=600)
        subprocess.run(install, env=env, check=False, timeout=600)
    found = shutil.which("wrk")
    if not found:
        raise BenchError("could not install wrk: run `apt-get update && apt-get install -y wrk`")
    return found


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_SIZE = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not match:
        raise ValueError(f"unknown wrk duration {text!r}")
    return float(match[1]) * _UNITS_MS[match[2]]


def parse_wrk(output: str) -> dict:
    """The numbers of one ``wrk --latency`` run."""
    result: dict = {"raw": output}
    if match := re.search(r"Requests/sec:\s+([\d.]+)", output):
        result["rps"] = float(match[1])
    else:
        raise BenchError(f"wrk printed no Requests/sec:\n{output}")
    if match := re.search(r"^\s*Latency\s+(\S+)\s+(\S+)\s+(\S+)", output, re.MULTILINE):
        result["latency_avg_ms"] = _ms(match[1])
        result["latency_max_ms"] = _ms(match[3])
    percentiles = {
        int(p): _ms(value)
        for p, value in re.findall(r"^\s*(50|75|90|99)%\s+(\S+)\s*$", output, re.MULTILINE)
    }
    if 50 not in percentiles or 99 not in percentiles:
        raise BenchError(f"wrk printed no latency distribution (run with --latency):\n{output}")
    result["latency_ms"] = {f"p{p}": round(v, 3) for p, v in sorted(percentiles.items())}
    if match := re.search(r"(\d+) requests in ([\d.]+\w+), ([\d.]+)([KMGT]?B) read", output):
        result["requests"] = int(match[1])
        result["elapsed_ms"] = _ms(match[2])
        result["bytes_read"] = int(float(match[3]) * _SIZE[match[4]])
    match = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    result["non_2xx_3xx"] = int(match[1]) if match else 0
    match = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    result["socket_errors"] = (
        dict(zip(("connect", "read", "write", "timeout"), map(int, match.groups()), strict=True))
        if match
        else {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    )
    return result


def wrk_version(wrk: str) -> str:
    completed = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    first = (completed.stdout or completed.stderr).splitlines()[:1]
    return first[0].split(" Copyright")[0].strip() if first else "wrk"


def run_wrk(
    wrk: str, url: str, args, duration: float, latency: bool, headers: dict | None = None
) -> str:
    cmd = [
        wrk,
        "-t",
        str(args.threads),
        "-c",
        str(args.connections),
        "-d",
        f"{duration:g}s",
        "--timeout",
        f"{args.timeout:g}s",
    ]
    if latency:
        cmd.append("--latency")
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    cmd.append(url)
    completed = subprocess.run(
        cmd, capture_output=True, text=True, timeout=duration + args.timeout + 30, check=False
    )
    if completed.returncode != 0:
        raise BenchError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()}")
    return completed.stdout


# --- report ----------------------------------------------------------------------------------


# --- CPU accounting: who used the CPUs while a URL was loaded -----------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _machine_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _process_jiffies(server_pid: int | None, database: str) -> tuple[dict, dict]:
    """CPU jiffies used so far by each process of gunicorn (master, workers) and by each
    PostgreSQL backend of *database*, as {pid: jiffies} maps.

    A PostgreSQL backend shows "postgres: [cluster:] <user> <database> <client> ..." as its
    command line. Processes that end between two readings lose their last jiffies.
    """
    parents, used, backends = {}, {}, set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int(stat.parent.name)
            rest = stat.read_text().rsplit(")", 1)[1].split()
            parents[pid], used[pid] = int(rest[1]), int(rest[11]) + int(rest[12])
            if database:
                words = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").split()
                if words[:1] == [b"postgres:"] and database.encode() in words[1:4]:
                    backends.add(pid)
    tree, changed = ({server_pid} if server_pid else set()), True
    while changed:
        grown = tree | {pid for pid, parent in parents.items() if parent in tree}
        changed, tree = grown != tree, grown
    return (
        {pid: used[pid] for pid in tree if pid in used},
        {pid: used[pid] for pid in backends},
    )


def _delta(before: dict, after: dict) -> int:
    """Jiffies used between two readings; a process new since *before* counts from 0."""
    return sum(max(jiffies - before.get(pid, 0), 0) for pid, jiffies in after.items())


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CpuMeter:
    """Shares of all CPUs used by gunicorn, the database server, wrk and everything else."""

    def __init__(self, server_pid: int | None, database: str = "") -> None:
        self.server_pid, self.database = server_pid, database
        self.busy, self.total = _machine_jiffies()
        self.server, self.db = _process_jiffies(server_pid, database)
        self.children = _children_cpu_seconds()

    def shares(self) -> dict[str, float]:
        busy, total = _machine_jiffies()
        capacity = max(total - self.total, 1)
        server, db = _process_jiffies(self.server_pid, self.database)
        server, db = _delta(self.server, server), _delta(self.db, db)
        client = (_children_cpu_seconds() - self.children) * CLOCK_TICKS
        other = max(busy - self.busy - server - db - client, 0)
        self.seconds = {"gunicorn": server / CLOCK_TICKS, "db": db / CLOCK_TICKS}
        return {
            "gunicorn": round(100 * server / capacity, 1),
            "db": round(100 * db / capacity, 1),
            "wrk": round(100 * client / capacity, 1),
            "other": round(100 * other / capacity, 1),
            "idle": round(100 * (capacity - (busy - self.busy)) / capacity, 1),
        }


def background_load(seconds: float = 2.0) -> float:
    """Percent of all CPUs busy over *seconds* while the benchmark itself does nothing."""
    meter = CpuMeter(None)
    time.sleep(seconds)
    shares = meter.shares()
    return round(shares["other"] + shares["wrk"], 1)


def wait_quiet(seconds: float) -> float:
    """Wait up to *seconds* for other processes to leave the CPUs; return their last share."""
    busy = background_load()
    deadline = time.monotonic() + seconds
    while busy > BUSY_WARNING and time.monotonic() < deadline:
        log(f"CPU {busy}% busy with other processes: waiting for a quiet machine")
        time.sleep(3)
        busy = background_load()
    return busy


def measure(
    wrk: str, url: str, args, server_pid: int, pg_database: str, headers: dict | None = None
) -> dict:
    """Warm up, then one measured wrk run on *url*, with the CPU accounting."""
    if args.warmup > 0:
        run_wrk(wrk, url, args, args.warmup, latency=False, headers=headers)
    meter = CpuMeter(server_pid, pg_database)
    measured = parse_wrk(run_wrk(wrk, url, args, args.duration, latency=True, headers=headers))
    measured["cpu_percent"] = meter.shares()
    measured["cpu_ms_per_request"] = {
        name: round(1000 * seconds / max(measured.get("requests", 0), 1), 2)
        for name, seconds in meter.seconds.items()
    }
    return measured


def measure_page(
    wrk: str, url: str, args, server_pid: int, pg_database: str, headers: dict, name: str
) -> dict:
    """Measure *url*, again (up to --retry-busy times) while other processes disturb it."""
    attempts = []
    while True:
        log(f"{name}: warm-up {args.warmup:g}s, then {args.duration:g}s on {url}")
        measured = measure(wrk, url, args, server_pid, pg_database, headers)
        attempts.append(measured)
        log(f"{name}: {summary(measured)}")
        if measured["cpu_percent"]["other"] <= BUSY_WARNING or len(attempts) > args.retry_busy:
            break
        log(f"{name}: other processes used the CPUs: measuring again")
        wait_quiet(args.wait_quiet)
    best = min(attempts, key=lambda m: m["cpu_percent"]["other"])
    best["attempts"] = len(attempts)
    # Failed requests count even in the attempts that were set aside.
    best["errors_in_other_attempts"] = sum(
        m["non_2xx_3xx"] + sum(m["socket_errors"].values()) for m in attempts if m is not best
    )
    return best


# --- the member's session --------------------------------------------------------------------


def member_headers(member: dict) -> dict:
    return {"Cookie": f"{member['cookie_name']}={member['session_key']}"}


def header_shows(body: bytes, member: dict) -> str:
    """Whose header a page shows: "member" (its log-out form, no log-in link), "anonymous"
    (the log-in link, no log-out form) or "unclear"."""
    text = body.decode(errors="replace")
    logout = f'action="{member["logout_url"]}"' in text and "Log out" in text
    login = f'href="{member["login_url"]}' in text  # with or without ?next=
    if logout and not login:
        return "member"
    if login and not logout:
        return "anonymous"
    return "unclear"


def check_pages(base: str, pages: list[dict], variant: Variant, member: dict | None) -> dict:
    """Each URL must answer the variant's visitor 200 itself (no redirect, no error), and a
    member's pages must show the member's header (else wrk would load an anonymous page).
    Returns the response sizes by page."""
    headers = member_headers(member) if variant.member else {}
    sizes = {}
    for page in pages:
        status, response_headers, body = fetch(base + page["url"], headers=headers)
        if status != 200:
            where = response_headers.get("Location", "")
            raise BenchError(
                f"{variant.name}: {page['page']} {page['url']} answered {status} {where}, "
                "not 200: a redirect or an error would make the numbers meaningless"
            )
        if variant.member and page["page"] != "trivial":
            shows = header_shows(body, member)
            if shows != "member":
                raise BenchError(
                    f"{variant.name}: {page['url']} with the session cookie of "
                    f"{member['username']} shows an {shows} header (expected the log-out "
                    f"form to {member['logout_url']}, "
                    f'"Log out", and no "Log in" link to {member["login_url"]}): the '
                    "session does not log the member in on the server (SECRET_KEY, database "
                    "or session backend differ?), or the page ignores it"
                )
        sizes[page["page"]] = len(body)
    return sizes


def check_member_session(base: str, member: dict) -> None:
    """The member's cookie logs in at "/", and an anonymous request does not: the header's
    markers tell the two apart."""
    _status, _headers, body = fetch(f"{base}/")
    if header_shows(body, member) != "anonymous":
        raise BenchError(
            f'/ without a cookie does not show the anonymous header ("Log in" link to '
            f"{member['login_url']}, no log-out form to {member['logout_url']}): the "
            "benchmark cannot tell a member's page from an anonymous one"
        )
    status, _headers, body = fetch(f"{base}/", headers=member_headers(member))
    shows = header_shows(body, member) if status == 200 else f"status {status}"
    if shows != "member":
        raise BenchError(
            f"the session cookie of {member['username']} does not log in: / shows {shows}, "
            f'not the member\'s header ("Log out" form, no "Log in" link)'
        )
    log(f'member session of {member["username"]}: / shows "Log out", not "Log in"')


def summary(measured: dict) -> str:
    errors = measured["non_2xx_3xx"] + sum(measured["socket_errors"].values())
    return (
        f"{measured['rps']:.1f} req/s, p50 {measured['latency_ms']['p50']:.1f} ms, "
        f"p99 {measured['latency_ms']['p99']:.1f} ms"
        + (f", {errors} ERRORS" if errors else "")
        + ", CPU {gunicorn}% gunicorn, {db}% db, {wrk}% wrk, {other}% other, {idle}% idle".format(
            **measured["cpu_percent"]
        )
    )


def code_version() -> str:
    """The commit the site runs (read-only git calls), "+changes" when tracked files differ."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        changes = subprocess.run(
            ["git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("+changes" if changes else "")


def machine_info() -> dict:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def target_of(variant: str, page: str) -> dict | None:
    """The target a row is judged by, if any."""
    # The targets are for pages as the site serves them (page cache on); the cache-off rows
    # show what a miss costs (a page's first view after a change).
    if variant == "member" and page in MEMBER_TARGET_RPS:
        rps = MEMBER_TARGET_RPS[page]
        return {"kind": "rps", "min": rps, "text": f">={rps}/s"}
    if variant == "anon" and page != "trivial":
        return {
            "kind": "vs_trivial",
            "min": ANON_TARGET_VS_TRIVIAL,
            "text": f">={ANON_TARGET_VS_TRIVIAL:.2f}x",
        }
    return None


def evaluate(results: list[dict]) -> None:
    """Add the ratio to the trivial view of the same variant (same server, same cookie) and
    the verdict against the row's target to each row."""
    trivial = {r["variant"]: r["rps"] for r in results if r["page"] == "trivial"}
    for row in results:
        row["errors"] = (
            row["non_2xx_3xx"]
            + sum(row["socket_errors"].values())
            + row.get("errors_in_other_attempts", 0)
        )
        trivial_rps = trivial.get(row["variant"])
        ratio = row["rps"] / trivial_rps if trivial_rps else None
        row["vs_trivial"] = round(ratio, 3) if ratio is not None else None
        row["target"] = target_of(row["variant"], row["page"])
        row["verdict"] = None
        if row["target"]:
            value = row["rps"] if row["target"]["kind"] == "rps" else ratio
            if value is not None:
                row["verdict"] = "PASS" if value >= row["target"]["min"] else "MISS"


def render_table(report: dict) -> str:
    rows = [
        (
            "variant",
            "page",
            "URL",
            "req/s",
            "median ms",
            "p99 ms",
            "vs trivial",
            "target",
            "result",
            "errors",
            "queries",
            "1-req ms",
            "render ms",
            "render q",
            "KiB",
            "CPU ms/req",
            "CPU% srv/db/wrk/other",
        )
    ]
    for r in report["results"]:
        variant = VARIANTS[r["variant"]]
        q = report.get(f"queries{variant.suffix}", {}).get(r["url"], {})
        u = report.get(f"queries{uncached(variant).suffix}", {}).get(r["url"], {})
        rows.append(
            (
                r["variant"],
                r["page"],
                r["url"] if len(r["url"]) <= 40 else r["url"][:37] + "...",
                f"{r['rps']:.1f}",
                f"{r['latency_ms']['p50']:.1f}",
                f"{r['latency_ms']['p99']:.1f}",
                f"{r['vs_trivial']:.2f}x" if r["vs_trivial"] is not None else "-",
                r["target"]["text"] if r["target"] else "-",
                r["verdict"] or "-",
                str(r.get("errors", 0)),
                str(q.get("queries", "-")),
                f"{q['median_ms']:.1f}" if q else "-",
                f"{u['median_ms']:.1f}" if u else "-",
                str(u.get("queries", "-")),
                f"{r['response_bytes'] / 1024:.1f}",
                f"{sum(r['cpu_ms_per_request'].values()):.1f}",
                "{gunicorn:.0f}/{db:.0f}/{wrk:.0f}/{other:.0f}".format(**r["cpu_percent"]),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    numeric = {3, 4, 5, 6, 9, 10, 11, 12, 13, 14, 15, 16}
    lines = []
    for n, row in enumerate(rows):
        if n > 1 and row[0] != rows[n - 1][0]:
            lines.append("")  # a blank line between variants
        cells = [
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_targets(report: dict) -> str:
    judged = [r for r in report["results"] if r["verdict"]]
    if not judged:
        return "targets: none of the measured rows has one"
    missed = [r for r in judged if r["verdict"] == "MISS"]
    lines = [f"targets: {len(judged) - len(missed)} of {len(judged)} met"]
    for r in missed:
        got = (
            f"{r['rps']:.1f} req/s"
            if r["target"]["kind"] == "rps"
            else f"{r['vs_trivial']:.2f}x trivial ({r['rps']:.1f} req/s)"
        )
        lines.append(
            f"  MISS  {r['variant']:<14}  {r['page']:<10}  {got}, target {r['target']['text']}"
        )
    return "\n".join(lines)


def page_cache(settings: dict) -> str:
    seconds = settings.get("page_cache_seconds")
    if seconds is None:
        return "n/a"
    text = f"on ({seconds} s)" if seconds > 0 else "OFF"
    others = {
        name: value
        for name, value in settings.get("cache_settings", {}).items()
        if name != "FORUM_PAGE_CACHE_SECONDS"
    }
    if others:
        text += " [" + ", ".join(f"{name}={value}" for name, value in others.items()) + "]"
    return text


def cache_backend(settings: dict) -> str:
    text = settings["cache"].rsplit(".", 1)[-1]
    if settings.get("cache_location"):
        text += f" {settings['cache_location']}"
    return text


def render_header(report: dict) -> str:
    d, db, m, w, g = (
        report["dataset"],
        report["database"],
        report["machine"],
        report["wrk"],
        report["gunicorn"],
    )
    redis = report["redis"]
    lines = [
        f"dataset   {d['threads']:,} threads, {d['answers']:,} answers, "
        f"{d['comments']:,} comments, {d['users']:,} users, {d['products']} products",
        f"database  {db['version']} ({db['engine']}, CONN_MAX_AGE={db['conn_max_age']}) "
        f"{db['url']}",
        f"code      {report['code']} (when the first gunicorn started)",
        f"server    gunicorn {g['worker_class']} x{g['workers']} workers, "
        f"{report['settings']['module']}, DEBUG={report['settings']['debug']}, "
        f"cache backend {cache_backend(report['settings'])}"
        + (
            f" (Redis {redis['version']}, its DB emptied before each server)"
            if redis
            else " (no Redis: --redis-url '')"
        ),
    ]
    for n, group in enumerate(report["servers"], 1):
        lines.append(
            f"          server {n}: page cache {page_cache(group['settings'])} for "
            f"{', '.join(group['variants'])}"
        )
    member = report.get("member")
    if member:
        lines.append(
            f"member    {member['username']} ({', '.join(member['roles']) or 'no role'}), "
            f"cookie {member['cookie_name']} of {member['session_engine']}; "
            'header checked on every page ("Log out", no "Log in")'
        )
    targets = ", ".join(f"{page} >= {rps}" for page, rps in MEMBER_TARGET_RPS.items())
    lines += [
        f"load      wrk {w['threads']} threads, {w['connections']} connections, "
        f"{w['duration_s']:g}s per URL after {w['warmup_s']:g}s warm-up, "
        f"timeout {w['timeout_s']:g}s, {w['version']}",
        f"machine   {m['cpu_count']} CPUs ({m['cpus_usable']} usable), {m['cpu_model']}; "
        f"load avg before {m['load_average_before']}, "
        f"{m['cpu_busy_before_percent']}% CPU busy before start; wrk shares these CPUs",
        f"targets   member (page cache on): {targets} req/s; anonymous (page cache "
        f"on): >= {ANON_TARGET_VS_TRIVIAL:g}x the trivial view (within 2x)",
        f"context   established Django Q&A forums serve these pages at {BASELINE_RPS[0]} to "
        f"{BASELINE_RPS[1]} req/s on this machine",
    ]
    return "\n".join(lines)


def render_profile(profile: dict) -> str:
    lines = []
    for url, data in profile.items():
        lines.append(
            f"\n{url}: {data['wall_ms_median']:.1f} ms median in-process "
            f"({data['queries_per_request']:g} queries, {data['sql_ms_per_request']:.1f} ms SQL)"
        )
        lines.extend(
            f"    {part['ms_per_request']:8.2f} ms  {part['share'] * 100:5.1f}%  {part['part']}"
            for part in data["parts"]
            if part["ms_per_request"] >= 0.05
        )
        lines.append("    top SQL by time (per request: count, ms, issued from):")
        lines.extend(
            f"    {s['per_request']:6g}x {s['ms_per_request']:7.2f} ms  [{s['issued_from']}]  "
            f"{s['sql'][:140]}"
            for s in data["statements"][:6]
        )
        if data.get("pyinstrument"):
            lines.append(f"    pyinstrument tree: {data['pyinstrument']}")
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------------

LOG = RESULTS / "bench.log"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Load-test the forum's main pages under gunicorn with wrk.",
        epilog="See docs/benchmark.md.",
    )
    parser.add_argument("--skip-seed", action="store_true", help="reuse an already seeded DB")
    parser.add_argument(
        "--seed-threads", type=int, default=10_000, help="seed_demo --threads (default 10000)"
    )
    parser.add_argument("--seed-timeout", type=float, default=3600, help="seconds (3600)")
    parser.add_argument("--duration", type=float, default=10, help="seconds per URL (10)")
    parser.add_argument("--warmup", type=float, default=2, help="warm-up seconds per URL (2)")
    parser.add_argument("--connections", type=int, default=8, help="wrk -c (8)")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t (2)")
    parser.add_argument("--timeout", type=float, default=10, help="wrk --timeout seconds (10)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn -w (2)")
    parser.add_argument("--port", type=int, default=0, help="gunicorn port (default: a free one)")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="S",
        help=f"wait up to S seconds for other processes to use < {BUSY_WARNING}%% CPU (0)",
    )
    parser.add_argument(
        "--retry-busy",
        type=int,
        default=0,
        metavar="N",
        help=f"measure a URL again (up to N times, after --wait-quiet) when other processes "
        f"used > {BUSY_WARNING}%% of the CPUs meanwhile; the quietest attempt counts (0)",
    )
    parser.add_argument(
        "--pages",
        help="comma-separated subset of trivial,home,category,thread-20,thread-100,search "
        "(trivial is always loaded: the ratios need it)",
    )
    parser.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help=f"comma-separated subset of {','.join(VARIANTS)} (default: all): anonymous "
        "or logged-in member, page cache on or off (FORUM_PAGE_CACHE_SECONDS=0)",
    )
    parser.add_argument(
        "--member",
        default=DEFAULT_MEMBER,
        metavar="USERNAME",
        help=f"the seeded ordinary customer of the member variants ({DEFAULT_MEMBER})",
    )
    parser.add_argument(
        "--redis-url",
        default=DEFAULT_REDIS_URL,
        metavar="URL",
        help=f"REDIS_URL of every Django process; this DB is EMPTIED (FLUSHDB) before each "
        f"server starts ({DEFAULT_REDIS_URL}); '' runs without Redis",
    )
    parser.add_argument(
        "--no-queries", action="store_true", help="skip the in-process query count per page"
    )
    parser.add_argument(
        "--no-page-cache",
        action="store_true",
        help="only the page-cache-off form of each --variants entry (anon -> anon-nocache, "
        "member -> member-nocache)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="after the load, break down where a request's time goes (in-process), per variant",
    )
    parser.add_argument(
        "--pyinstrument",
        action="store_true",
        help="with --profile: also write pyinstrument trees to tests/bench/results/ "
        "(needs pyinstrument in the venv)",
    )
    args = parser.parse_args(argv)
    if args.threads > args.connections:
        parser.error("--threads must not exceed --connections (wrk needs a connection each)")
    names = {name.strip() for name in args.variants.split(",") if name.strip()}
    if unknown := names - set(VARIANTS):
        parser.error(f"unknown --variants {sorted(unknown)}: choose from {', '.join(VARIANTS)}")
    if not names:
        parser.error("--variants names none")
    chosen = [VARIANTS[name] for name in names]
    if args.no_page_cache:
        chosen = [uncached(v) for v in chosen]
    args.variants = [v for v in VARIANTS.values() if v in chosen]  # in the canonical order
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    database_url = choose_database(args)
    env = {**os.environ, **bench_env(database_url, args.redis_url)}
    # One server per page-cache setting: on (as production serves with Redis), then off
    # (what rendering a page costs: every miss).
    server_env = {
        True: {**env, "FORUM_PAGE_CACHE_SECONDS": str(PAGE_CACHE_SECONDS)},
        False: {**env, "FORUM_PAGE_CACHE_SECONDS": "0"},
    }
    groups = [
        (page_cache, [v for v in args.variants if v.page_cache == page_cache])
        for page_cache in (True, False)
    ]
    groups = [(page_cache, variants) for page_cache, variants in groups if variants]
    gunicorn_log = RESULTS / f"gunicorn-{stamp}.log"
    server = None

    def on_signal(signum, _frame):
        raise Interrupted(signal.Signals(signum).name)

    # Ctrl-C stops the run even when started with SIGINT ignored (`cmd &` in a script).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    started = time.monotonic()
    try:
        wrk = ensure_wrk()
        log(f"database: {redact(database_url)}; step logs: {LOG}")
        redis = None
        if args.redis_url:
            redis = {"url": redact(args.redis_url), "version": redis_version(args.redis_url)}
            log(f"Redis {redis['version']} at {redis['url']} (emptied before each server)")
        else:
            log("no Redis (--redis-url ''): the production settings may turn the page cache off")
        pg_database = ""
        if database_url.startswith(("postgres://", "postgresql://")):
            ensure_postgres_database(database_url)
            pg_database = urlsplit(database_url).path.lstrip("/")
        manage = [sys.executable, str(ROOT / "manage.py")]
        run_step("migrate", [*manage, "migrate", "--noinput"], env, 900, LOG)
        seed_seconds = None
        if not args.skip_seed:
            seed_seconds = run_step(
                "seed_demo",
                [*manage, "seed_demo", "--force", "--threads", str(args.seed_threads)],
                env,
                args.seed_timeout,
                LOG,
            )
        if pg_database:
            vacuum_analyze_postgres(database_url)
        run_step("collectstatic", [*manage, "collectstatic", "--noinput"], env, 600, LOG)

        site = probe("info", [], env, 300)
        if site["problems"]:
            raise BenchError(
                "the database lacks what the benchmark loads: "
                + "; ".join(site["problems"])
                + ("" if not args.skip_seed else " (drop --skip-seed to seed it)")
            )
        pages = site["pages"]
        if args.pages:
            wanted = {"trivial", *(p.strip() for p in args.pages.split(","))}
            unknown = wanted - {p["page"] for p in pages}
            if unknown:
                raise BenchError(f"unknown --pages {sorted(unknown)}")
            pages = [p for p in pages if p["page"] in wanted]
        urls = [p["url"] for p in pages]
        as_member = ["--as", args.member]
        counts: dict[str, dict] = {}
        if not args.no_queries:
            # Each variant's own path, and its visitor's with the page cache off (rendering).
            for variant in VARIANTS.values():
                if any(variant in (v, uncached(v)) for v in args.variants):
                    counts[variant.name] = probe(
                        "queries",
                        urls,
                        server_env[variant.page_cache],
                        600,
                        *(as_member if variant.member else []),
                        label=variant.label,
                    )

        busy_before = wait_quiet(args.wait_quiet)
        log(f"CPU busy before the run (other processes): {busy_before}%")
        if busy_before > BUSY_WARNING:
            log(f"WARNING: the machine is busy ({busy_before}% CPU): numbers will be low")
        code = code_version()
        results, servers, member = [], [], None
        for page_cache, variants in groups:
            group_env = server_env[page_cache]
            names = ", ".join(v.name for v in variants)
            log(f"server with the page cache {'on' if page_cache else 'off'}: {names}")
            if args.redis_url:
                flush_redis(args.redis_url)
            group_settings = probe("settings", [], group_env, 120)
            if page_cache and not group_settings.get("page_cache_seconds"):
                log(
                    "WARNING: the settings turn the page cache off although "
                    f"FORUM_PAGE_CACHE_SECONDS={PAGE_CACHE_SECONDS} (no REDIS_URL?)"
                )
            if any(v.member for v in variants):
                # After the flush, so that a session kept in the cache survives it.
                member = probe("session", [args.member], group_env, 120)
            port = args.port or free_port()
            base = f"http://{HOST}:{port}"
            server = start_gunicorn(group_env, args.workers, port, gunicorn_log)
            wait_until_up(server, base, 60, gunicorn_log)
            log(f"gunicorn answers {base}/healthz (pid {server.pid})")
            if member and any(v.member for v in variants):
                check_member_session(base, member)
            sizes = {v.name: check_pages(base, pages, v, member) for v in variants}

            for variant in variants:
                headers = member_headers(member) if variant.member else {}
                for page in pages:
                    name = f"{variant.name} {page['page']}"
                    best = measure_page(
                        wrk, base + page["url"], args, server.pid, pg_database, headers, name
                    )
                    if variant.member:
                        # A session lost under load would have measured anonymous pages.
                        status, _headers, body = fetch(base + "/", headers=headers)
                        if status != 200 or header_shows(body, member) != "member":
                            raise BenchError(
                                f"after {name}, the session of {member['username']} no "
                                "longer logs in: its figures measured anonymous pages"
                            )
                    results.append(
                        {
                            **page,
                            "variant": variant.name,
                            "member": variant.member,
                            "page_cache": variant.page_cache,
                            "response_bytes": sizes[variant.name][page["page"]],
                            **best,
                        }
                    )
            if server.poll() is not None:
                raise BenchError(f"gunicorn died during the run (exit {server.returncode})")
            kill_group(server)
            server = None
            servers.append(
                {
                    "page_cache": page_cache,
                    "variants": [v.name for v in variants],
                    "bind": base,
                    "settings": group_settings,
                }
            )

        evaluate(results)
        report = {
            "timestamp": stamp,
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "code": code,
            "database": {**site["database"], "url": redact(database_url)},
            "dataset": site["dataset"],
            "settings": site["settings"],
            "redis": redis,
            "variants": [v.name for v in args.variants],
            "servers": servers,
            # The session key stays out of the report.
            "member": (
                {
                    k: member[k]
                    for k in ("username", "user_id", "roles", "cookie_name", "session_engine")
                }
                if member
                else None
            ),
            "seed_seconds": seed_seconds,
            "machine": {**machine_info(), "cpu_busy_before_percent": busy_before},
            "gunicorn": {
                "workers": args.workers,
                "worker_class": "sync",
                "bind": servers[0]["bind"],
            },
            "wrk": {
                "threads": args.threads,
                "connections": args.connections,
                "duration_s": args.duration,
                "warmup_s": args.warmup,
                "timeout_s": args.timeout,
                "version": wrk_version(wrk),
            },
            "targets": {
                "member_rps": MEMBER_TARGET_RPS,
                "anonymous_page_cache_on_vs_trivial": ANON_TARGET_VS_TRIVIAL,
                "baseline_rps_of_established_forums": BASELINE_RPS,
            },
            **{f"queries{VARIANTS[name].suffix}": data for name, data in counts.items()},
            "results": [{k: v for k, v in r.items() if k != "raw"} for r in results],
            "wrk_output": {f"{r['variant']} {r['page']}": r["raw"] for r in results},
        }
        if args.profile:
            for variant in args.variants:
                profile_urls = [p["url"] for p in pages if p["page"] != "trivial"]
                extra = ["--repeat", "30" if variant.page_cache else "20"]
                if variant.page_cache:
                    profile_urls.append("/healthz")
                    if args.pyinstrument:
                        extra += ["--pyinstrument", str(RESULTS)]
                if variant.member:
                    extra += as_member
                report[f"profile{variant.suffix}"] = probe(
                    "profile",
                    profile_urls,
                    server_env[variant.page_cache],
                    900,
                    *extra,
                    label=variant.label,
                )

        errors = sum(r["errors"] for r in report["results"])
        report["errors"] = errors
        out = RESULTS / f"{stamp}.json"
        out.write_text(json.dumps(report, indent=2) + "\n")

        print()
        print(render_header(report))
        print()
        print(render_table(report))
        print()
        print(render_targets(report))
        for variant in args.variants:
            if f"profile{variant.suffix}" in report:
                print(
                    f"\nwhere a request's time goes, {variant.label} (in-process, one at a time):"
                )
                print(render_profile(report[f"profile{variant.suffix}"]))
        print()
        cache_off = [
            ", ".join(s["variants"])
            for s in servers
            if s["page_cache"] and not s["settings"].get("page_cache_seconds")
        ]
        if cache_off:
            print(
                f"WARNING: the settings turned the page cache off for {'; '.join(cache_off)} "
                "(production needs REDIS_URL for it): those rows measured the rendering."
            )
        busy = [
            f"{r['variant']} {r['page']}"
            for r in report["results"]
            if r["cpu_percent"]["other"] > BUSY_WARNING
        ]
        if busy or busy_before > BUSY_WARNING:
            print(
                f"WARNING: other processes used more than {BUSY_WARNING}% of the CPUs "
                f"({', '.join(busy) or 'before the start'}): those figures understate the "
                "site; rerun on a quiet machine."
            )
        if errors:
            bar = "!" * 78
            print(f"{bar}\n!!! THIS RUN HAD {errors} FAILED REQUESTS (non-2xx/3xx or socket")
            print("!!! errors): its numbers are NOT valid. See wrk_output in the JSON and")
            print(f"!!! {gunicorn_log}\n{bar}")
        log(f"results written to {out} ({time.monotonic() - started:.0f}s in all)")
        return 1 if errors else 0
    except BenchError as exc:
        print(f"\nBENCHMARK FAILED: {exc}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, Interrupted) as exc:
        print(f"\nbenchmark interrupted ({str(exc) or 'Ctrl-C'})", file=sys.stderr)
        return 130
    finally:
        if server is not None:
            log("stopping gunicorn")
            kill_group(server)


if __name__ == "__main__":
    sys.exit(main())
