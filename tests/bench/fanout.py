"""Benchmark: plan and dispatch one briefing to 5,000 staff through the local chat.

Each engine runs in its own child process (so peak memory is that run's alone), three times;
the median is reported. `make bench` runs it with the others (tests/bench/__main__.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from tests.bench.memory import peak_rss_mb

STAFF = int(os.environ.get("SENDBOT_BENCH_STAFF", "5000"))
RUNS = int(os.environ.get("SENDBOT_BENCH_RUNS", "3"))
PG_ADMIN = os.environ.get(
    "SENDBOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ROOT = Path(__file__).resolve().parents[2]


def one_run(url: str) -> dict[str, float]:
    """In a fresh process: set up STAFF people, then time planning and dispatching."""

    from bot.bootstrap import build, prepare_database
    from bot.config import Settings
    from bot.services.briefings import plan_briefing
    from bot.services.clock import FixedClock
    from bot.storage.briefing import Briefing
    from tests.bench.school import bench_school

    clock = FixedClock(datetime(2026, 11, 3, 10, 0, tzinfo=UTC))
    app = build(Settings(database_url=url, _env_file=None), clock=clock)  # type: ignore[call-arg]
    prepare_database(app)

    def setup(session):  # type: ignore[no-untyped-def]
        briefing, _people = bench_school(session, STAFF, "local", lambda _i, e: e, clock.now())
        return briefing.id

    briefing_id = app.db.work(setup)
    started = time.perf_counter()
    planned = app.db.work(
        lambda s: plan_briefing(s, s.get(Briefing, briefing_id), clock.now(), "local")
    )
    planned_at = time.perf_counter()
    report = asyncio.run(app.dispatcher.drain())
    finished = time.perf_counter()
    assert planned == STAFF and report.sent == STAFF, (planned, report.counts)
    app.db.dispose()
    return {
        "plan_seconds": planned_at - started,
        "dispatch_seconds": finished - planned_at,
        "deliveries_per_second": STAFF / (finished - started),
        "peak_rss_mb": peak_rss_mb(),
    }


def _postgres_database() -> tuple[str, str] | None:
    from sqlalchemy import create_engine, text

    name = f"sendbot_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:  # noqa: BLE001 - reported, and the SQLite half still runs
        print(f"PostgreSQL not available: {exc}")
        return None
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", name


def _drop(name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _child(url: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "tests.bench.fanout", "--one", url],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def section() -> str:
    """The fan-out section of BENCHMARKS.md."""
    results: dict[str, list[dict[str, float]]] = {"SQLite": [], "PostgreSQL": []}
    with tempfile.TemporaryDirectory() as folder:
        for run in range(RUNS):
            results["SQLite"].append(_child(f"sqlite:///{folder}/bench{run}.db"))
            made = _postgres_database()
            if made:
                try:
                    results["PostgreSQL"].append(_child(made[0]))
                finally:
                    _drop(made[1])
    rows = []
    for engine, runs in results.items():
        if not runs:
            rows.append(f"| {engine} | not run (server unavailable) | | | |")
            continue
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        verdict = (
            "yes" if med["deliveries_per_second"] >= 500 and med["peak_rss_mb"] < 200 else "NO"
        )
        rows.append(
            f"| {engine} | {med['deliveries_per_second']:,.0f} | {med['plan_seconds']:.2f} | "
            f"{med['dispatch_seconds']:.2f} | {med['peak_rss_mb']:.0f} | {verdict} |"
        )
    return "\n".join(
        [
            f"## Fan-out: one briefing to {STAFF:,} staff through the local chat",
            "",
            "Planning (audience, each person's next sending moment, outbox rows) and dispatching",
            "(claim, render, send, record) end to end, each engine in a fresh process, "
            f"{RUNS} runs, medians. Goal: at least 500 deliveries a second and under 200 MB peak",
            "memory (resident set of the whole process).",
            "",
            "| Engine | Deliveries/s | Plan (s) | Dispatch (s) | Peak memory (MB) | Goal met |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
        ]
    )


if __name__ == "__main__":
    print(json.dumps(one_run(sys.argv[2])))
