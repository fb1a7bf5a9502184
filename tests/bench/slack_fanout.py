"""Benchmark: Slack at scale, against the fake Slack Web API on loopback (tests/fakes).

1. A briefing to 2,000 staff through sendbot's dispatcher and SlackChat, SLACK_MESSAGES_PER_MINUTE
   left at its default (300), against a fake workspace whose real allowance differs from it
   (FAKE_ALLOWANCES posts a minute, and one a second per conversation): sendbot must find the
   allowance from the fake's 429s. Time in the fake runs SCALE times faster than the wall clock,
   and SlackChat is told so (`time_scale`): it counts its allowance per fake minute.
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
from datetime import UTC, datetime, timedelta
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
# One fake minute in six real seconds: the fake's Retry-After is whole real seconds (as Slack's
# is), so a faster clock would turn each pause into a larger share of Slack's minute than it is.
SCALE = 10
SETTING = 300  # SLACK_MESSAGES_PER_MINUTE's default, which the benchmark checks it is
# What the fake workspace really allows a minute, unknown to sendbot: less and more than it.
FAKE_ALLOWANCES = (200, 600)
PRESS_RATE = 100  # a second
PRESS_SECONDS = int(os.environ.get("SENDBOT_BENCH_PRESS_SECONDS", "30"))
SECRET = "bench-signing-secret"
CLOCK = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)


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


class ScaledClock:
    """The dispatcher's time: CLOCK, then SCALE seconds for every real one, so a delivery put
    off for Slack's Retry-After comes back as soon as the fake's time says."""

    def __init__(self) -> None:
        self._start = time.monotonic()

    def now(self) -> datetime:
        return CLOCK + timedelta(seconds=(time.monotonic() - self._start) * SCALE)


async def _drain_until_sent(dispatcher: Dispatcher, expected: int) -> int:
    """Drain again and again, as `sendbot run` does, until `expected` were sent or four times
    as long as the slowest allowance needs has passed."""
    sent = 0
    deadline = time.monotonic() + 4 * 60 * expected / min(FAKE_ALLOWANCES) / SCALE
    while sent < expected and time.monotonic() < deadline:
        sent += (await dispatcher.drain()).sent
        if sent < expected:
            await asyncio.sleep(0.05)
    return sent


def fan_out(folder: str, allowance: int) -> dict[str, float]:
    """A briefing to STAFF people through sendbot, with SLACK_MESSAGES_PER_MINUTE at its
    default and a fake workspace allowing `allowance` posts a minute, time scaled."""
    limits = SlackLimits(post_per_minute=allowance, post_per_second=1.0, post_burst=3)
    clock = FixedClock(CLOCK)
    with FakeSlack(limits=limits, time_scale=SCALE) as slack:
        settings = _settings(f"sqlite:///{folder}/fanout-{allowance}.db", slack)
        assert settings.slack_messages_per_minute == SETTING
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
            app.db, {"slack": chat}, ScaledClock(), app.dispatcher.policy, app.dispatcher.worker_id
        )
        started = time.monotonic()
        sent = asyncio.run(_drain_until_sent(dispatcher, STAFF))
        seconds = time.monotonic() - started
        learnt = chat.workspace.learnt if chat.workspace else None
        app.db.dispose()
        per_person: dict[str, int] = {}
        for message in slack.messages:
            per_person[message["user"]] = per_person.get(message["user"], 0) + 1
        calls, refused = slack.calls["chat.postMessage"], slack.rate_limited["chat.postMessage"]
    fake_minutes = seconds * SCALE / 60
    return {
        "allowance": allowance,
        "sent": sent,
        "seconds": seconds,
        "fake_minutes": fake_minutes,
        "share": len(per_person) / fake_minutes / allowance,
        "learnt": learnt or 0.0,
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
        outs = [fan_out(folder, allowance) for allowance in FAKE_ALLOWANCES]
        press = presses(folder)
    rows = []
    for out in outs:
        whole = out["lost"] == 0 and out["duplicates"] == 0
        rows.append(
            f"| {out['allowance']:.0f} | {out['share']:.3f} ({out['sent']:,.0f} in "
            f"{out['fake_minutes']:.2f} fake min, {out['seconds']:.1f} s real; learnt "
            f"{out['learnt']:.0f}) | {MET[out['share'] >= 0.9]} | {out['refused_share']:.2%} "
            f"of {out['calls']:,.0f} | {MET[out['refused_share'] < 0.02]} | "
            f"{out['lost']:.0f} / {out['duplicates']:.0f} | {MET[whole]} |"
        )
    table = "\n".join(rows)
    return f"""## Slack: a briefing to {STAFF:,} staff, and {PRESS_RATE} presses a second

Against the fake Slack Web API on loopback (tests/fakes/slack_api.py), SQLite, one replica
(several replicas elect one sender through a PostgreSQL lock; that is not measured here). The
fan-out runs sendbot's dispatcher and SlackChat with SLACK_MESSAGES_PER_MINUTE at its default,
{SETTING}, against a fake workspace that really allows {" or ".join(map(str, FAKE_ALLOWANCES))} \
posts a minute (and one a second per conversation), which sendbot is not told: its pacer finds
the allowance from the fake's 429s (bot.chat.pacing.AdaptiveAllowance), starting from the
setting. The fake's clock runs {SCALE} times faster than the wall clock and SlackChat keeps its
time (`time_scale={SCALE}`); the dispatcher drains again and again, as `sendbot run` does, until
everyone has the message. Share = people reached / fake minutes from the start of the fan-out
to its end / the fake's real allowance; it includes the time spent finding the allowance.
"Learnt" is the level the pacer last met a 429 at (posts a minute).

| Fake allows (a minute) | Share of it used | >= 0.9 | Calls that met a 429 | < 2% \
| Lost / duplicated | None |
|---|---|---|---|---|---|---|
{table}

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
