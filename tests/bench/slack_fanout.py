"""Benchmark: Slack at scale, against the fake Slack Web API on loopback (tests/fakes).

1. A briefing to 2,000 staff through sendbot's dispatcher and SlackChat, with Slack's limits in
   the fake (300 posts a minute for the workspace, one a second per conversation). Time in the
   fake runs SCALE times faster than the wall clock, and SlackChat is told so (`time_scale`):
   it counts SLACK_MESSAGES_PER_MINUTE (300) per fake minute. Seven minutes of Slack take about
   fourteen seconds.
2. 100 presses a second, signed as Slack signs them, posted to /slack/events of a real
   `sendbot run` process in HTTP mode: how long each takes to be acknowledged.

Every request goes to 127.0.0.1; every loop is bounded in count and in time.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier
from sqlmodel import func, select

from bot.bootstrap import build, prepare_database
from bot.chat.slack.adapter import SlackChat, web_client
from bot.config import Settings
from bot.services.briefings import plan_briefing
from bot.services.clock import FixedClock
from bot.services.dispatcher import Dispatcher, DispatchPolicy
from bot.storage.briefing import Acknowledgement
from bot.storage.outbox import Delivery
from tests.bench.measure import MET, fire, start_server, timings, wait_until
from tests.bench.school import bench_school
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_limits import SlackLimits

STAFF = int(os.environ.get("SENDBOT_BENCH_SLACK_STAFF", "2000"))
SCALE = 30  # one fake minute in two real seconds
ALLOWANCE = 300  # the workspace's chat.postMessage allowance a minute (our default setting)
PRESS_RATE = 100  # a second
PRESS_SECONDS = int(os.environ.get("SENDBOT_BENCH_PRESS_SECONDS", "30"))
SECRET = "bench-signing-secret"


def _options(url: str, slack: Any) -> dict[str, str]:
    """The settings of a Slack-configured sendbot in HTTP mode against the fake."""
    return {
        "database_url": url,
        "chat_platform": "slack",
        "slack_bot_token": slack.token,
        "slack_mode": "http",
        "slack_signing_secret": SECRET,
        "slack_api_base_url": slack.base_url,
    }


def _settings(url: str, slack: Any) -> Settings:
    return Settings(**_options(url, slack), _env_file=None)  # type: ignore[arg-type, call-arg]


def _school(app: Any, slack: Any, count: int) -> None:
    """`count` staff linked to Slack people in the fake, and a briefing planned to go now."""
    now = app.clock.now()

    def setup(session):  # type: ignore[no-untyped-def]
        briefing, people = bench_school(session, count, "slack", lambda i, _e: f"U{i:08d}", now)
        plan_briefing(session, briefing, now, "slack", send_now=True)
        return people

    for staff_id, email in app.db.work(setup):
        slack.add_user(f"U{staff_id:08d}", email)


def fan_out(folder: str) -> dict[str, float]:
    """A briefing to STAFF people through sendbot with Slack's limits, time scaled."""
    limits = SlackLimits(post_per_minute=ALLOWANCE, post_per_second=1.0, post_burst=3)
    clock = FixedClock(datetime(2026, 11, 3, 10, 0, tzinfo=UTC))
    with FakeSlack(limits=limits, time_scale=SCALE) as slack:
        settings = _settings(f"sqlite:///{folder}/fanout.db", slack)
        assert settings.slack_messages_per_minute == ALLOWANCE
        app = build(settings, clock=clock)
        prepare_database(app)
        _school(app, slack, STAFF)
        # sendbot's dispatcher and SlackChat as bootstrap builds them from the settings, but
        # keeping time with the fake: an allowance is counted in a (fake) minute, not in a
        # real one, so scaling SLACK_MESSAGES_PER_MINUTE instead would not be the same test.
        chat = SlackChat(
            web_client(slack.token, slack.base_url),
            settings.slack_messages_per_minute,
            time_scale=SCALE,
        )
        dispatcher = Dispatcher(
            app.db, {"slack": chat}, clock, app.dispatcher.policy, app.dispatcher.worker_id
        )
        started = time.monotonic()
        report = asyncio.run(dispatcher.drain())
        seconds = time.monotonic() - started
        app.db.dispose()
        per_person: dict[str, int] = {}
        for message in slack.messages:
            per_person[message["user"]] = per_person.get(message["user"], 0) + 1
        calls, refused = slack.calls["chat.postMessage"], slack.rate_limited["chat.postMessage"]
    fake_minutes = seconds * SCALE / 60
    return {
        "sent": report.sent,
        "seconds": seconds,
        "fake_minutes": fake_minutes,
        "share": len(per_person) / fake_minutes / ALLOWANCE,
        "calls": calls,
        "refused_share": refused / calls if calls else 0.0,
        "lost": STAFF - len(per_person),
        "duplicates": sum(n - 1 for n in per_person.values()),
    }


def _press_bodies(app: Any, slack: Any) -> list[str]:
    """One signed-to-be form body per person: a press of "Got it" on the message they got."""
    refs = app.db.work(lambda s: s.exec(select(Delivery.staff_id, Delivery.message_ref)).all())
    blocks = {m["ts"]: m["blocks"] for m in slack.messages}
    bodies = []
    for staff_id, ref in refs:
        button = next(e for b in blocks[ref["ts"]] if b["type"] == "actions" for e in b["elements"])
        payload = {
            "type": "block_actions",
            "team": {"id": "T0SENDBOT"},
            "user": {"id": f"U{staff_id:08d}"},
            "container": {"type": "message", "channel_id": ref["channel"], "message_ts": ref["ts"]},
            "channel": {"id": ref["channel"]},
            "actions": [dict(button, action_ts=f"{time.time():.6f}")],
        }
        bodies.append(urlencode({"payload": json.dumps(payload)}))
    return bodies


VERIFIER = SignatureVerifier(SECRET)


def _signed(body: str) -> dict[str, str]:
    """Slack's headers for a form body: signed with the timestamp of the moment it is sent."""
    stamp = str(int(time.time()))
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": VERIFIER.generate_signature(timestamp=stamp, body=body),
    }


def presses(folder: str) -> dict[str, float]:
    """PRESS_RATE presses a second for PRESS_SECONDS to a real `sendbot run` in HTTP mode."""
    count = PRESS_RATE * PRESS_SECONDS
    url = f"sqlite:///{folder}/presses.db"
    clock = FixedClock(datetime(2026, 11, 3, 10, 0, tzinfo=UTC))
    # No limits here: every press costs its full work (a write, chat.update, chat.postEphemeral).
    with FakeSlack(limits=SlackLimits.unlimited()) as slack:
        app = build(_settings(url, slack), clock=clock)
        prepare_database(app)
        _school(app, slack, count)
        # Setting up is not what is measured: send the briefing as fast as the fake takes it.
        fast = SlackChat(web_client(slack.token, slack.base_url), 10**7, max_in_flight=32)
        setup = Dispatcher(app.db, {"slack": fast}, clock, DispatchPolicy(batch_size=1000), "set")
        assert asyncio.run(setup.drain()).sent == count
        bodies = _press_bodies(app, slack)
        settings = {key.upper(): value for key, value in _options(url, slack).items()} | {
            "DEMO_MODE": "false",
            "SECRET_KEY": "bench-secret-key-of-at-least-32-characters",
            "LOG_LEVEL": "ERROR",
        }
        server = start_server(
            folder, [str(Path(sys.executable).parent / "sendbot"), "run"], settings
        )
        try:
            latencies, failures, lateness = asyncio.run(
                fire(server.base_url + "/slack/events", bodies, _signed, PRESS_RATE)
            )
            acks = wait_until(
                lambda: app.db.work(lambda s: s.exec(select(func.count(Acknowledgement.id))).one()),
                count,
            )
            replies = len(slack.ephemerals)
        finally:
            server.stop()
        app.db.dispose()
    return {
        "presses": count,
        **timings(latencies),
        "failures": failures,
        "lateness_ms": lateness * 1000,
        "recorded": acks,
        "replies": replies,
    }


def section() -> str:
    """The Slack section of BENCHMARKS.md."""
    with tempfile.TemporaryDirectory() as folder:
        out = fan_out(folder)
        press = presses(folder)
    whole = out["lost"] == 0 and out["duplicates"] == 0
    return f"""## Slack: a briefing to {STAFF:,} staff, and {PRESS_RATE} presses a second

Against the fake Slack Web API on loopback (tests/fakes/slack_api.py), SQLite. The fan-out runs
sendbot's dispatcher and SlackChat with SLACK_MESSAGES_PER_MINUTE at {ALLOWANCE}, and the fake's
limits at {ALLOWANCE} posts a minute for the workspace and one a second per conversation; the
fake's clock runs {SCALE} times faster than the wall clock and SlackChat keeps its time
(`time_scale={SCALE}`). Rate = people reached / fake minutes from the start of the drain to its
end / the allowance. SlackChat sends at most 97% of the allowance in any minute: 0.97 is the most.

| Fan-out | Figure | Goal | Met |
|---|---|---|---|
| Rate as a share of the allowance | {out["share"]:.3f} ({out["sent"]:,.0f} in \
{out["fake_minutes"]:.2f} fake min, {out["seconds"]:.1f} s real) | >= 0.95 | \
{MET[out["share"] >= 0.95]} |
| Calls that met a 429 | {out["refused_share"]:.2%} of {out["calls"]:,.0f} | < 1% | \
{MET[out["refused_share"] < 0.01]} |
| Lost / duplicate messages | {out["lost"]:.0f} / {out["duplicates"]:.0f} | none | {MET[whole]} |

Presses: {press["presses"]:,.0f} signed block_actions ({PRESS_RATE} a second for {PRESS_SECONDS} s,
each a different person's first "Got it") posted to /slack/events of a real `sendbot run` process
in HTTP mode (SQLite), the fake without limits so that every press does its full work (the write,
chat.update, chat.postEphemeral). Time from sending the request to reading the answer, measured
in the process that also serves the fake Slack; the sender was at most
{press["lateness_ms"]:.0f} ms behind its schedule.

| Presses | Median (ms) | p99 (ms) | Max (ms) | Failed | Recorded | Replies | p99 < 300 ms |
|---|---|---|---|---|---|---|---|
| {press["presses"]:,.0f} | {press["median_ms"]:.1f} | {press["p99_ms"]:.1f} | \
{press["max_ms"]:.0f} | {press["failures"]:.0f} | {press["recorded"]:,.0f} | \
{press["replies"]:,.0f} | {MET[press["p99_ms"] < 300 and press["failures"] == 0]} |
"""


if __name__ == "__main__":
    print(section())
