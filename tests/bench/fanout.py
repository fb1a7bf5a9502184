"""Benchmark: plan and dispatch one briefing to 5,000 staff through the local chat.

Each engine runs in its own child process (so peak memory is that run's alone), three times;
the median is reported. `make bench` runs it with the others (tests/bench/__main__.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime

from tests.bench.engines import on_each_engine
from tests.bench.memory import peak_rss_mb

STAFF = int(os.environ.get("SENDBOT_BENCH_STAFF", "5000"))
RUNS = int(os.environ.get("SENDBOT_BENCH_RUNS", "3"))


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


def section() -> str:
    """The fan-out section of BENCHMARKS.md."""
    results: dict[str, list[dict[str, float]]] = {"SQLite": [], "PostgreSQL": []}
    for _ in range(RUNS):
        for engine, figures in on_each_engine("tests.bench.fanout").items():
            results[engine].append(figures)
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
    print(json.dumps(one_run(sys.argv[-1])))
