"""Benchmark: the chaos scenario of tests/e2e/test_chaos.py at 2,000 staff (issue 12).

Three real `sendbot run` replicas on one fresh PostgreSQL database send a briefing to every
member of staff through the fake Slack (HTTP mode, 600 posts a minute for the workspace, as
SLACK_MESSAGES_PER_MINUTE says) while staff press "Got it", and a seeded loop SIGKILLs one
replica every two to five seconds (every other kill the sender) and starts it again, until the
outbox has drained or the run's time is up. The figures are counted from the fake (what Slack
received) and the database (what sendbot recorded). Nothing here is a pass or a fail; the test
asserts the promises, this says how far a bigger run kept them.

    python -m tests.bench chaos
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tests.e2e.chaos import (
    ChaosPlan,
    ChaosResult,
    fresh_database,
    postgres_problem,
    run_slack_chaos,
)

STAFF = int(os.environ.get("SENDBOT_BENCH_CHAOS_STAFF", "2000"))
SEED = int(os.environ.get("SENDBOT_CHAOS_SEED", "12"))
ALLOWANCE = 600
SECONDS = float(os.environ.get("SENDBOT_BENCH_CHAOS_SECONDS", "480"))


def plan() -> ChaosPlan:
    return ChaosPlan(
        staff=STAFF,
        seed=SEED,
        allowance=ALLOWANCE,
        batch_size=3,
        most_kills=1000,  # until the outbox has drained, or the time is up
        kill_every=(2.0, 5.0),
        deadline_seconds=SECONDS,
    )


def run() -> ChaosResult:
    with tempfile.TemporaryDirectory() as folder, fresh_database() as url:
        return run_slack_chaos(plan(), url, Path(folder))


def section() -> str:
    """The Chaos section of BENCHMARKS.md."""
    problem = postgres_problem()
    if problem:
        return f"## Chaos: {STAFF:,} staff, three replicas, kills\n\nNot run: {problem}.\n"
    r = run()
    statuses = ", ".join(f"{status} {n:,}" for status, n in sorted(r.statuses.items()))
    refused_posts = r.rate_limited.get("chat.postMessage", 0)
    refused_lookups = r.rate_limited.get("conversations.open", 0) + r.rate_limited.get(
        "conversations.history", 0
    )
    ended = (
        "the outbox drained"
        if r.drained
        else f"the run's {SECONDS:.0f} s were up before the outbox drained"
    )
    return f"""## Chaos: {STAFF:,} staff, three replicas, a SIGKILL every few seconds

Three `sendbot run` processes on one fresh PostgreSQL database, Slack in HTTP mode against the
fake Slack (tests/fakes/slack_api.py, real time: {ALLOWANCE} posts a minute for the workspace and
SLACK_MESSAGES_PER_MINUTE={ALLOWANCE}, Tier 3 look-ups 50 a minute), DISPATCH_BATCH_SIZE=3,
DISPATCH_LEASE_SECONDS=4. A seeded loop (seed {SEED}) SIGKILLs a replica every 2 to 5 s, every
other kill the one sending, and starts it again; about {r.plan.press_share:.0%} of staff press
"Got it" when their message arrives (some twice), at a replica picked at random, and press
again when no reply comes. The run ended when {ended}, after {r.seconds:.0f} s. Counts are the
fake's (messages) and the database's (outbox, acknowledgements). `tests/e2e/test_chaos.py`
asserts the promises at 150 staff, with a test of its own for each way the run once went wrong.

| Figure | Count | Promise kept |
|---|---|---|
| Kills (of the sender) | {r.kills} ({r.sender_kills}) | |
| Messages received / people reached | {r.messages:,} / {r.people_reached:,} of {STAFF:,} | |
| Duplicates (second copies) | {r.duplicates:,} | {"yes" if r.duplicates == 0 else "NO"} |
| Lost (nobody reached by the end) | {r.lost:,} | {"yes" if r.lost == 0 else "NO"} |
| Outbox at the end | {statuses} | |
| Presses: people / requests / answered 200 / 200 with no reply | {r.pressers:,} / \
{r.press_requests:,} / {r.press_answered:,} / {r.press_silent:,} | |
| Presses recorded (told "recorded" but not) | {r.acknowledged:,} ({len(r.unrecorded)}) | \
{"yes" if not r.unrecorded and not r.acknowledged_twice else "NO"} |
| chat.postMessage answered 429 | {refused_posts:,} | {"yes" if refused_posts == 0 else "NO"} |
| Most posts admitted in one minute | {r.most_posts_in_a_minute:,} of {ALLOWANCE} | |
| Look-ups (conversations.open/history) answered 429 | {refused_lookups:,} | |
"""


if __name__ == "__main__":
    print(section())
