"""Time the reputation rebuild over a large ledger (a benchmark, not a test).

    .venv/bin/python tests/bench/bench_reputation.py [--rows 100000] [--members 2000] ...
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
        .venv/bin/python tests/bench/bench_reputation.py

Steps: create a throwaway database with Django's test-database machinery (a SQLite file
in a temporary folder, or on the DATABASE_URL server a database named
``bench_reputation_<name>``, or TEST_DATABASE_NAME) and migrate it; bulk-create the
members and the ledger rows (points by the data migration's rules, spread over 90 days),
store each member's score as their ledger's sum and the matching trust level, then plant
a few differences (stored scores moved by hand). Per repeat it times:

``check``        ``rebuild_scores(fix=False)``: finds the planted differences
``fix``          ``rebuild_scores(fix=True)``: sets them to the ledger's sums
``check again``  ``rebuild_scores(fix=False)`` after the fix: finds none
``levels``       ``recompute_trust_levels()``: what ``rebuild_reputation`` does after fixing

and prints the median and best seconds with rows per second; the differences found are
checked against those planted. Writes the figures as JSON to tests/bench/results/. The
database is dropped on exit. pytest does not collect this file (its name is not
``test_*.py``). See docs/benchmark.md.
"""

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "tests" / "bench" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The test settings: no Redis, tasks run at once, DEBUG off (no query log).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Sum  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from reputation import services  # noqa: E402
from reputation.models import Cause, LedgerEntry, Reason  # noqa: E402
from tests.bench.run_bench import redact  # noqa: E402

# How often each reason occurs in the generated ledger (a vote-heavy community).
REASON_WEIGHTS = {
    Reason.ANSWER_UPVOTED: 55,
    Reason.QUESTION_ME_TOO: 15,
    Reason.ANSWER_DOWNVOTED: 8,
    Reason.DOWNVOTE_GIVEN: 8,
    Reason.ANSWER_ACCEPTED: 7,
    Reason.ACCEPT_GIVEN: 5,
    Reason.SOLUTION_VERIFIED: 1,
    Reason.EDIT_APPROVED: 1,
}
CAUSES = {
    Reason.ANSWER_ACCEPTED: Cause.ANSWER_ACCEPTED,
    Reason.ACCEPT_GIVEN: Cause.ANSWER_ACCEPTED,
    Reason.SOLUTION_VERIFIED: Cause.ANSWER_ACCEPTED,
    Reason.EDIT_APPROVED: Cause.EDIT_APPROVED,
}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="ledger rows (100,000)")
    parser.add_argument("--members", type=int, default=2_000, help="members (2,000)")
    parser.add_argument("--planted", type=int, default=5, help="differences planted (5)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each step (3)")
    parser.add_argument("--batch-size", type=int, default=5000, help="rebuild_scores batch")
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database afterwards (PostgreSQL)"
    )
    return parser.parse_args(argv)


# --- database --------------------------------------------------------------------------------


def create_database() -> tuple[str, Path | None]:
    """A throwaway database, migrated: its description, and its folder when SQLite."""
    settings_dict = connection.settings_dict
    test = settings_dict.setdefault("TEST", {})
    folder = None
    if connection.vendor == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="bench-reputation-"))
        test["NAME"] = str(folder / "bench_reputation.sqlite3")
    elif not os.environ.get("TEST_DATABASE_NAME"):
        test["NAME"] = f"bench_reputation_{settings_dict['NAME']}"
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    where = "a temporary file" if folder else f"database {name}"
    return f"{database_version()} ({where})", folder


def database_version() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
    return connection.vendor


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- data ------------------------------------------------------------------------------------


def build(rows: int, members: int, planted: int, rng: random.Random) -> dict:
    """Members, ledger rows and stored scores equal to the sums; *planted* differences."""
    now = timezone.now()
    users = User.objects.bulk_create(
        [
            User(username=f"bench_member_{n:05d}", email=f"bench{n}@example.com", password="!")
            for n in range(members)
        ],
        batch_size=1000,
    )
    ids = [user.pk for user in users]
    rules = services.rule_points()
    reasons = list(REASON_WEIGHTS)
    weights = list(REASON_WEIGHTS.values())
    sums = dict.fromkeys(ids, 0)
    accepted = dict.fromkeys(ids, 0)
    batch: list[LedgerEntry] = []
    for n in range(rows):
        member_id = rng.choice(ids)
        reason = rng.choices(reasons, weights)[0]
        points = rules[reason]
        sums[member_id] += points
        accepted[member_id] += reason == Reason.ANSWER_ACCEPTED
        post_id = rng.randrange(1, rows // 4 + 2)
        batch.append(
            LedgerEntry(
                member_id=member_id,
                points=points,
                rule_points=points,
                reason=reason,
                cause=CAUSES.get(reason, Cause.VOTE_CAST),
                actor_id=rng.choice(ids),
                post_id=post_id,
                thread_id=post_id // 5 + 1,
                product_id=post_id % 12 + 1,
                created_at=now - timedelta(seconds=rng.randrange(90 * 24 * 3600)),
            )
        )
        if len(batch) == 5000 or n == rows - 1:
            LedgerEntry.objects.bulk_create(batch)
            batch = []
    for user in users:
        user.reputation = sums[user.pk]
        user.trust_level = services.level_for(sums[user.pk], accepted[user.pk], 0)
    User.objects.bulk_update(users, ["reputation", "trust_level"], batch_size=1000)
    planted_ids = rng.sample(ids, min(planted, len(ids)))
    analyze()
    return {"sums": sums, "planted": planted_ids}


def plant(planted_ids: list[int], sums: dict[int, int]) -> None:
    """Move each planted member's stored score away from their ledger's sum."""
    for offset, member_id in enumerate(planted_ids, start=1):
        User.objects.filter(pk=member_id).update(reputation=sums[member_id] + 17 * offset)


# --- timing ----------------------------------------------------------------------------------


def timed(step, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = step(*args, **kwargs)
    return time.perf_counter() - started, result


def run(args) -> dict:
    rng = random.Random(args.seed)
    log(f"building {args.members:,} members and {args.rows:,} ledger rows")
    built_in, data = timed(build, args.rows, args.members, args.planted, rng)
    log(f"built in {built_in:.1f} s")
    total_rows = LedgerEntry.objects.count()
    total_members = User.objects.count()
    ledger_total = LedgerEntry.objects.aggregate(total=Sum("points"))["total"]
    assert ledger_total == sum(data["sums"].values()), "the ledger was not written in full"
    planted = set(data["planted"])
    seconds: dict[str, list[float]] = {"check": [], "fix": [], "check again": [], "levels": []}
    found: dict[str, int] = {}
    for attempt in range(1, args.repeat + 1):
        plant(data["planted"], data["sums"])
        spent, differences = timed(services.rebuild_scores, fix=False, batch_size=args.batch_size)
        assert {d.member_id for d in differences} == planted, "check missed a planted difference"
        seconds["check"].append(spent)
        found["check"] = len(differences)
        spent, differences = timed(services.rebuild_scores, fix=True, batch_size=args.batch_size)
        assert {d.member_id for d in differences} == planted, "fix missed a planted difference"
        seconds["fix"].append(spent)
        found["fix"] = len(differences)
        spent, differences = timed(services.rebuild_scores, fix=False, batch_size=args.batch_size)
        assert not differences, "differences remain after the fix"
        seconds["check again"].append(spent)
        found["check again"] = 0
        spent, moved = timed(services.recompute_trust_levels)
        seconds["levels"].append(spent)
        found["levels"] = moved
        log(
            f"run {attempt}/{args.repeat}: check {seconds['check'][-1]:.3f} s, fix "
            f"{seconds['fix'][-1]:.3f} s, check again {seconds['check again'][-1]:.3f} s, "
            f"levels {seconds['levels'][-1]:.3f} s"
        )
    return {
        "rows": total_rows,
        "members": total_members,
        "planted": len(planted),
        "build_seconds": round(built_in, 2),
        "steps": {
            step: {
                "median_seconds": round(statistics.median(values), 4),
                "best_seconds": round(min(values), 4),
                "rows_per_second": round(total_rows / statistics.median(values)),
                "found": found[step],
            }
            for step, values in seconds.items()
        },
    }


def render(report: dict) -> str:
    header = (
        f"{'step':<12}  {'rows':>8}  {'members':>7}  {'found':>5}  {'median s':>8}  "
        f"{'best s':>7}  {'rows/s':>10}"
    )
    lines = [header, "-" * len(header)]
    for step, figures in report["steps"].items():
        lines.append(
            f"{step:<12}  {report['rows']:>8,}  {report['members']:>7,}  "
            f"{figures['found']:>5}  {figures['median_seconds']:>8.3f}  "
            f"{figures['best_seconds']:>7.3f}  {figures['rows_per_second']:>10,}"
        )
    lines.append("")
    lines.append(
        "found: differences found (check, check again) or fixed (fix); members whose "
        "trust level moved (levels). rows/s: ledger rows over the median seconds."
    )
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    log(f"server: {redact(url) if url else 'SQLite (default)'}; creating a throwaway database")
    old_name = connection.settings_dict["NAME"]
    described, folder = create_database()
    log(f"migrated: {described}")
    try:
        report = run(args)
    finally:
        if folder or not args.keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
    report.update(
        database=described,
        python=platform.python_version(),
        machine=f"{platform.machine()}, {os.cpu_count()} CPUs",
        batch_size=args.batch_size,
        repeat=args.repeat,
        at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    print()
    print(f"Reputation rebuild, {described}, batch {args.batch_size}, {args.repeat} runs")
    print(render(report))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"reputation-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(report, indent=2))
    log(f"figures written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
