"""Benchmark: one and three real `sendbot run` replicas sharing a platform's allowance, which
sendbot is not told (issue 12).

The replicas run on one fresh PostgreSQL database, as a school or trust would run them, and send
a briefing to everyone through the fake Slack (HTTP mode) or the fake Teams, in real time and
with no kills. The fake Slack workspace allows 200 or 600 posts a minute while
SLACK_MESSAGES_PER_MINUTE stays at its default, 300; the fake Teams tenant allows the app 50
requests a second (Microsoft's documented figure) while TEAMS_REQUESTS_PER_SECOND stays at 30.
The denominator is always the fake's allowance. The staff are sized so that each fan-out takes
about two minutes of the fake's allowance, long enough for the time spent finding it to show.

    python -m tests.bench replicas
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
    run_teams_chaos,
)

SEED = 12
SETTING = 300  # SLACK_MESSAGES_PER_MINUTE's default
SLACK_ALLOWANCES = (200, 600)  # what the fake workspace really allows a minute
TEAMS_ALLOWANCE = 50  # what the fake tenant really allows the app a second
# Minutes of the fake's allowance each Slack fan-out takes; Teams costs two requests a person.
MINUTES = float(os.environ.get("SENDBOT_BENCH_REPLICA_MINUTES", "2"))
REPLICAS = (1, 3)
MET = {True: "yes", False: "NO"}


def _plan(staff: int, replicas: int, **options: int | None) -> ChaosPlan:
    return ChaosPlan(
        staff=staff,
        seed=SEED,
        replicas=replicas,
        most_kills=0,
        press_share=0.0,
        double_press_share=0.0,
        # sendbot's defaults (DISPATCH_BATCH_SIZE, DISPATCH_INTERVAL_SECONDS and
        # DISPATCH_LEASE_SECONDS), as a school runs it.
        batch_size=200,
        dispatch_interval=2.0,
        lease_seconds=120.0,
        deadline_seconds=MINUTES * 60 * 4 + 120,
        **options,  # type: ignore[arg-type]
    )


def slack_run(allowance: int, replicas: int) -> ChaosResult:
    plan = _plan(int(allowance * MINUTES), replicas, allowance=allowance, setting=SETTING)
    with tempfile.TemporaryDirectory() as folder, fresh_database() as url:
        return run_slack_chaos(plan, url, Path(folder))


def teams_run(replicas: int) -> ChaosResult:
    staff = int(TEAMS_ALLOWANCE * 60 * MINUTES / 2)
    plan = _plan(staff, replicas, teams_allowance=TEAMS_ALLOWANCE)
    with tempfile.TemporaryDirectory() as folder, fresh_database() as url:
        return run_teams_chaos(plan, url, Path(folder))


def _row(platform: str, allows: str, r: ChaosResult, per_second: float) -> str:
    # (n - 1) gaps between the first admitted call and the last.
    seconds = r.admitted_seconds
    share = (r.admitted - 1) / seconds / per_second if seconds else 0.0
    calls = sum(r.calls.values())
    refused = sum(r.rate_limited.values())
    refused_share = refused / calls if calls else 0.0
    whole = r.lost == 0 and r.duplicates == 0
    return (
        f"| {platform} | {allows} | {r.plan.replicas} | {share:.3f} ({r.admitted:,} in "
        f"{seconds:.0f} s; drained {r.sending_seconds:.0f} s after the briefing was sent) | "
        f"{MET[share >= 0.9]} | {refused_share:.2%} of {calls:,} | "
        f"{MET[refused_share < 0.02]} | {r.lost} / {r.duplicates} | {MET[whole]} |"
    )


def section() -> str:
    """The replicas section of BENCHMARKS.md."""
    problem = postgres_problem()
    if problem:
        return f"## Replicas sharing the allowance\n\nNot run: {problem}.\n"
    rows = []
    for allowance in SLACK_ALLOWANCES:
        for replicas in REPLICAS:
            r = slack_run(allowance, replicas)
            rows.append(_row("Slack", f"{allowance} a minute", r, allowance / 60))
    for replicas in REPLICAS:
        r = teams_run(replicas)
        rows.append(_row("Teams", f"{TEAMS_ALLOWANCE} a second", r, TEAMS_ALLOWANCE))
    table = "\n".join(rows)
    return f"""## Replicas sharing an allowance they are not told

One or three `sendbot run` processes on one fresh PostgreSQL database send a briefing to
everyone, in real time, with no kills: Slack in HTTP mode against the fake Slack with
SLACK_MESSAGES_PER_MINUTE at its default ({SETTING}) while the fake workspace really allows 200
or 600 posts a minute; Teams against the fake Bot Connector with TEAMS_REQUESTS_PER_SECOND at
its default (30) while the fake tenant allows the app {TEAMS_ALLOWANCE} requests a second
(Microsoft's figure). Staff are sized for about {MINUTES:g} minutes of the fake's allowance
(Teams: two requests a person, opening the conversation and the card), with sendbot's own
dispatch settings at their defaults. Share = the calls the fake's allowance admitted, as the
fake timed them: (calls - 1) / seconds from the first to the last / the fake's allowance; it
includes the time spent finding the allowance and every pause for a 429's Retry-After. A share
above 1 is possible: the fake counts a sliding minute, as Slack does, so a sender that starts
cold has a whole minute's allowance free at once. The replicas elect
one sender per platform through a PostgreSQL advisory lock, so three replicas send as one.
Lost and duplicated are counted from the fake.

| Platform | Fake allows | Replicas | Share of it used | >= 0.9 | Calls that met a 429 | < 2% \
| Lost / duplicated | None |
|---|---|---|---|---|---|---|---|---|
{table}
"""


if __name__ == "__main__":
    print(section())
