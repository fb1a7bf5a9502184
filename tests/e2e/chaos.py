"""The chaos scenario (issue 12): several real `sendbot run` replicas on one fresh PostgreSQL
database send a briefing through a fake chat platform, and staff press "Got it", while a seeded
random loop SIGKILLs one replica every few seconds and starts it again.

Shared by tests/e2e/test_chaos.py (a few hundred staff) and tests/bench/chaos.py (2,000 staff):

    with fresh_database() as url:
        result = run_slack_chaos(ChaosPlan(staff=300, seed=12), url, workdir)
    assert result.problems() == []

Nothing of sendbot's is mocked: the replicas are real processes (tests/e2e/process.py), the
database is the PostgreSQL server on 127.0.0.1:5432, and the fakes listen on loopback in this
process. What is counted comes from the fakes (what the platform received) and from the
database (what sendbot recorded), never from sendbot's own reports.
"""

from __future__ import annotations

import contextlib
import json
import queue
import random
import re
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import create_engine, func, insert, text, update
from sqlmodel import select

from bot.services.briefings import plan_briefing
from bot.services.clock import SystemClock
from bot.storage.briefing import Acknowledgement, Briefing
from bot.storage.database import Database, make_engine
from bot.storage.linking import PersonLink
from bot.storage.migrate import upgrade
from bot.storage.outbox import Delivery
from bot.storage.staff import ChatIdentity
from tests.bench.school import bench_school
from tests.conftest import PG_ADMIN_URL, postgres_unavailable
from tests.e2e import teams_launcher
from tests.e2e.process import Running, start
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_limits import WINDOW, SlackLimits
from tests.fakes.slack_workspace import TEAM_ID
from tests.fakes.teams_activities import card_action_activity
from tests.fakes.teams_cards import card_actions
from tests.fakes.teams_connector import FakeTeams
from tests.fakes.teams_identity import FakeIdentity
from tests.fakes.teams_limits import TeamsLimits

SIGNING_SECRET = "chaos-signing-secret"
SENDER_LINE = "this process now sends on {} for every replica"
# The outbox states a delivery does not leave once it is in them.
FINAL = ("sent", "not_reached", "failed", "cancelled")


@dataclass(frozen=True)
class ChaosPlan:
    """What one chaos run does. Every random choice comes from `seed`."""

    staff: int
    seed: int
    replicas: int = 3
    # The workspace's chat.postMessage allowance a minute: the fake's limit, and sendbot's
    # SLACK_MESSAGES_PER_MINUTE unless `setting` says otherwise.
    allowance: int = 600
    # sendbot's SLACK_MESSAGES_PER_MINUTE when it is not the fake's allowance (sendbot then
    # finds the allowance from the fake's 429s); None: the allowance, as a school would set it.
    setting: int | None = None
    # What the fake Teams tenant allows the app a second: Microsoft's documented 50, which
    # sendbot (TEAMS_REQUESTS_PER_SECOND, 30 by default) is not told.
    teams_allowance: int = 50
    # Seconds between kills, and how long a killed replica stays down, drawn uniformly.
    kill_every: tuple[float, float] = (2.0, 5.0)
    down_for: tuple[float, float] = (0.2, 1.5)
    # The loop stops killing after this many kills, or once the outbox has drained.
    most_kills: int = 12
    # Every `sender_every`th kill (the first among them) is of the replica sending, as the
    # sender's death is what tests the leases and the look-before-sending; the others are drawn
    # at random among all the replicas. 0: all are drawn at random.
    sender_every: int = 2
    # Who presses "Got it" once their message arrives, and who presses it twice.
    press_share: float = 0.7
    double_press_share: float = 0.15
    # sendbot's settings that make a takeover happen within the run (the defaults are minutes).
    lease_seconds: float = 4.0
    batch_size: int = 50
    dispatch_interval: float = 0.5
    retry_base_seconds: float = 1.0
    # How long the whole run may take before it gives up waiting (and says what was left).
    deadline_seconds: float = 150.0


@dataclass
class ChaosResult:
    """What the fake received, what sendbot recorded, and what the loop did."""

    plan: ChaosPlan
    # Why the run ended early (a `give_up` said so), or "".
    gave_up: str = ""
    kills: int = 0
    sender_kills: int = 0
    seconds: float = 0.0
    # From the briefing being sent until the outbox was first seen drained (0: never).
    sending_seconds: float = 0.0
    # As the fake saw it: the calls its allowance admitted, and seconds from the first to the
    # last (Slack: chat.postMessage; Teams: every Bot Connector call).
    admitted: int = 0
    admitted_seconds: float = 0.0
    drained: bool = False
    # From the fake: chat.postMessage bodies kept, per person and per send key.
    messages: int = 0
    people_reached: int = 0
    duplicates: int = 0
    duplicate_people: list[str] = field(default_factory=list)
    duplicate_keys: int = 0
    lost: int = 0
    # The outbox, by status, at the end; and "lost" claims (ran out before sending) from logs.
    statuses: dict[str, int] = field(default_factory=dict)
    claims_run_out: int = 0
    # Presses: people who meant to press; requests posted (presses again and double presses
    # too); requests answered 200; of those, ones no reply followed (so the person pressed
    # again); presses given up after MOST_TRIES; people told their press was recorded.
    pressers: int = 0
    press_requests: int = 0
    press_answered: int = 0
    press_silent: int = 0
    press_failed: int = 0
    answered_people: int = 0
    # The acknowledgement table: rows, people with two, people told "recorded" who have none,
    # and rows for people who never pressed.
    acknowledged: int = 0
    acknowledged_twice: int = 0
    unrecorded: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    # The fake's answers: 429s it gave per method, and the most posts it admitted in a minute.
    rate_limited: dict[str, int] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    most_posts_in_a_minute: int = 0
    # Teams: why deliveries were recorded not reached (a try that may have gone is not
    # repeated there), and how many of each.
    not_reached_reasons: dict[str, int] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    logs: dict[str, str] = field(default_factory=dict)

    def problems(self) -> list[str]:
        """Every broken promise, in words; [] when the run kept them all."""
        found = []
        if not self.drained:
            found.append(f"the outbox did not drain: {self.statuses}")
        if self.duplicates or self.duplicate_keys:
            found.append(
                f"{self.duplicates} duplicate messages ({self.duplicate_keys} send keys twice),"
                f" to {sorted(self.duplicate_people)[:10]}"
            )
        if self.lost:
            found.append(f"{self.lost} people got no message")
        if self.unrecorded:
            found.append(
                f"{len(self.unrecorded)} people were told their press was recorded, and it"
                " is not:"
                f" {sorted(self.unrecorded)[:10]}"
            )
        if self.unexpected:
            found.append(f"acknowledgements nobody pressed: {sorted(self.unexpected)[:10]}")
        if self.acknowledged_twice:
            found.append(f"{self.acknowledged_twice} people acknowledged twice")
        if self.rate_limited.get("chat.postMessage"):
            found.append(
                f"the fake answered {self.rate_limited['chat.postMessage']} chat.postMessage"
                " calls 429 (the replicas together went over the allowance)"
            )
        if self.most_posts_in_a_minute > self.plan.allowance:
            found.append(
                f"{self.most_posts_in_a_minute} posts admitted within one minute, over the"
                f" allowance of {self.plan.allowance}"
            )
        return found

    def figures(self) -> str:
        """One line for a log or an assertion message."""
        return (
            f"seed {self.plan.seed}: {self.plan.staff} people, {self.kills} kills"
            f" ({self.sender_kills} of the sender), {self.messages} messages to"
            f" {self.people_reached} people, {self.duplicates} duplicates, {self.lost} lost,"
            f" outbox {self.statuses}, {self.claims_run_out} claims ran out;"
            f" presses: {self.pressers} people, {self.press_requests} requests,"
            f" {self.press_answered} answered 200 ({self.press_silent} of them with no reply),"
            f" {self.acknowledged} recorded,"
            f" {len(self.unrecorded)} unrecorded {sorted(self.unrecorded)[:5]};"
            f" 429s {self.rate_limited},"
            f" most posts in a minute {self.most_posts_in_a_minute}/{self.plan.allowance};"
            f" {self.seconds:.0f} s{f'; gave up: {self.gave_up}' if self.gave_up else ''}"
        )


# --- the database ------------------------------------------------------------------------------


def postgres_problem() -> str | None:
    """None when the PostgreSQL server answers, else why not."""
    return postgres_unavailable()


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A new, migrated PostgreSQL database of its own (so runs in parallel never meet), dropped
    afterwards; its URL."""
    name = f"sendbot_chaos_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def user_id(staff_id: int) -> str:
    """The chat account of a member of staff in the fakes."""
    return f"U{staff_id:08d}"


def seed_school(
    db: Database, staff: int, platform: str, send: bool = True
) -> list[tuple[int, str]]:
    """`staff` people linked on `platform` (checked today, so nobody is looked up again), and a
    briefing to all of them, which the SENDCO sent now if `send` (else `send_briefing` does);
    the (staff id, email) pairs."""
    now = SystemClock().now()

    def setup(session):  # type: ignore[no-untyped-def]
        briefing, people = bench_school(session, staff, platform, lambda i, _e: user_id(i), now)
        session.execute(
            insert(PersonLink),
            [
                {
                    "staff_id": i,
                    "platform": platform,
                    "status": "linked",
                    "reason": "",
                    "platform_user_id": user_id(i),
                    "checked_at": now,
                }
                for i, _email in people
            ],
        )
        if send:
            # Send now: the run must not depend on today being a school day.
            assert plan_briefing(session, briefing, now, platform, send_now=True) == staff
        else:
            # Not due on any day the run could see, so no replica plans it by itself.
            briefing.send_on = date(2099, 1, 1)
            session.add(briefing)
        return people

    return db.work(setup)


def send_briefing(db: Database, platform: str) -> None:
    """The SENDCO sends the school's one briefing now (see seed_school)."""

    def send(session):  # type: ignore[no-untyped-def]
        [briefing] = session.exec(select(Briefing)).all()
        assert plan_briefing(session, briefing, SystemClock().now(), platform, send_now=True) > 0

    db.work(send)


def outbox_counts(db: Database) -> dict[str, int]:
    rows = db.work(
        lambda s: s.exec(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
    )
    return dict(rows)


def drained(counts: dict[str, int]) -> bool:
    return bool(counts) and all(status in FINAL for status in counts)


# --- the replicas ------------------------------------------------------------------------------


class Replicas:
    """`sendbot run` processes on one database; kills and restarts them, and knows which one
    sends (the one whose log says it took the sender lock, among those alive)."""

    def __init__(
        self,
        workdir: Path,
        env: dict[str, str],
        platform: str,
        launch: Callable[[Path, dict[str, str]], Running] = start,
    ) -> None:
        self.workdir, self.env, self.platform, self.launch = workdir, env, platform, launch
        self.lock = threading.Lock()
        self.slots: list[Running | None] = []
        self.every: list[Running] = []
        self.stopped = False  # stop_all was called: nothing starts again

    def start(self, count: int) -> None:
        for _ in range(count):
            self.slots.append(None)
            self.restart(len(self.slots) - 1)

    def restart(self, slot: int) -> Running:
        running = self.launch(self.workdir, self.env)
        with self.lock:
            self.every.append(running)
            if not self.stopped:
                self.slots[slot] = running
                return running
        # The run ended while this replica was starting: it must not outlive the run.
        running.stop(signal.SIGKILL)
        return running

    def kill(self, slot: int) -> Running:
        with self.lock:
            running, self.slots[slot] = self.slots[slot], None
        assert running is not None
        running.stop(signal.SIGKILL)
        return running

    def live_slots(self) -> list[int]:
        with self.lock:
            return [slot for slot, r in enumerate(self.slots) if r is not None]

    def live_urls(self) -> list[str]:
        with self.lock:
            return [r.base_url for r in self.slots if r is not None]

    def sender_slot(self) -> int | None:
        line = SENDER_LINE.format(self.platform)
        with self.lock:
            slots = list(enumerate(self.slots))
        for slot, running in slots:
            if running is not None and running.process.poll() is None and line in running.log():
                return slot
        return None

    def stop_all(self) -> list[int]:
        with self.lock:
            self.stopped = True
            alive = [r for r in self.slots if r is not None]
            self.slots = [None] * len(self.slots)
        codes = []
        for running in alive:
            try:
                codes.append(running.stop(signal.SIGINT, timeout=20))
            except Exception:  # noqa: BLE001 - a replica that will not stop is killed
                codes.append(running.stop(signal.SIGKILL))
        return codes

    def logs(self) -> dict[str, str]:
        return {r.log_path.name: r.log() for r in self.every}


class KillLoop(threading.Thread):
    """Every few seconds (seeded), SIGKILL one live replica; it starts again a moment later, in
    the background, so the next kill may come while it is still starting (two down at once)."""

    def __init__(
        self, replicas: Replicas, plan: ChaosPlan, done: Callable[[], bool], events: list[str]
    ) -> None:
        super().__init__(daemon=True, name="chaos-kills")
        self.replicas, self.plan, self.done, self.events = replicas, plan, done, events
        self.random = random.Random(plan.seed)
        self.stopping = threading.Event()
        self.kills = 0
        self.sender_kills = 0
        self.error: BaseException | None = None
        self._restarts: list[threading.Thread] = []
        self.began = time.monotonic()

    def run(self) -> None:
        try:
            self._loop()
        except BaseException as exc:  # noqa: BLE001 - reported by the scenario
            self.error = exc
        finally:
            # Every replica is up again when the loop is over.
            for restart in self._restarts:
                restart.join()

    def _note(self, event: str) -> None:
        self.events.append(f"{time.monotonic() - self.began:6.1f} s: {event}")

    def _loop(self) -> None:
        while self.kills < self.plan.most_kills and not self.stopping.is_set():
            if self.stopping.wait(self.random.uniform(*self.plan.kill_every)) or self.done():
                return
            live = self.replicas.live_slots()
            if not live:
                continue
            sender = self.replicas.sender_slot()
            every = self.plan.sender_every
            aim_at_sender = every > 0 and self.kills % every == 0
            slot = sender if aim_at_sender and sender is not None else self.random.choice(live)
            killed = self.replicas.kill(slot)
            self.kills += 1
            self.sender_kills += slot == sender
            the_sender = " (the sender)" if slot == sender else ""
            self._note(f"killed replica {slot} ({killed.log_path.name}){the_sender}")
            down = self.random.uniform(*self.plan.down_for)
            restart = threading.Thread(target=self._restart, args=(slot, down), daemon=True)
            restart.start()
            self._restarts.append(restart)

    def _restart(self, slot: int, after: float) -> None:
        time.sleep(after)
        try:
            restarted = self.replicas.restart(slot)
        except BaseException as exc:  # noqa: BLE001 - reported by the scenario
            self.error = exc
            return
        self._note(f"replica {slot} is back ({restarted.log_path.name})")


# --- Slack -------------------------------------------------------------------------------------


# What sendbot replies (privately) to a press it has recorded, or had recorded before.
RECORDED_REPLIES = ("Thanks: recorded", "You had already acknowledged")
REPLY_WAIT = 5.0  # seconds a person waits for the reply before pressing again
MOST_TRIES = 40


def press_body(slack: FakeSlack, message: dict[str, Any]) -> str:
    """The form body Slack posts when this message's person presses its button: a
    block_actions payload with a response_url of the fake's, as Slack sends."""
    button = next(
        element
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    )
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": message["user"]},
        "api_app_id": "A0SENDBOT",
        "trigger_id": f"{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex[:10]}",
        "container": {
            "type": "message",
            "channel_id": message["channel"],
            "message_ts": message["ts"],
        },
        "channel": {"id": message["channel"]},
        "message": {"ts": message["ts"], "text": message["text"]},
        "response_url": slack.response_url(message["channel"], message["ts"], message["user"]),
        "actions": [dict(button, action_ts=f"{time.time():.6f}")],
    }
    return urlencode({"payload": json.dumps(payload)})


VERIFIER = SignatureVerifier(SIGNING_SECRET)


def signed(body: str) -> dict[str, str]:
    """Slack's headers for a form body, signed at the moment it is sent."""
    stamp = str(int(time.time()))
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": VERIFIER.generate_signature(timestamp=stamp, body=body),
    }


def replies_to(slack: FakeSlack, person: str) -> list[str]:
    """The private replies sendbot has sent this person, oldest first."""
    return [e["text"] for e in slack.ephemerals if e["user"] == person]


class Presser:
    """Staff pressing "Got it" on the briefing they got, at whichever replica the load balancer
    picks. A person presses again when they are not told the press was recorded: no answer
    (the replica died under the request) or an answer but no word of it being recorded. Some
    people press twice anyway. Subclasses say how a platform's press is made and answered."""

    def __init__(self, replicas: Replicas, plan: ChaosPlan) -> None:
        self.replicas, self.plan = replicas, plan
        self.random = random.Random(plan.seed * 7919 + 1)
        self.seen: set[str] = set()
        self.pressers: set[str] = set()
        self.answered: Counter[str] = Counter()
        # (person, the replica's address, seconds since `began`, what came back) per press
        # answered 200 that no "recorded" followed: the person pressed again.
        self.silent: list[tuple[str, str, float, str]] = []
        self.requests = 0
        self.ok = 0
        self.failed = 0
        self.todo: queue.Queue[tuple[dict[str, Any], int] | None] = queue.Queue()
        self.pending = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.began = time.monotonic()
        self.threads = [threading.Thread(target=self._watch, daemon=True)] + [
            threading.Thread(target=self._press, daemon=True) for _ in range(8)
        ]

    # --- what a platform says ---

    def arrived(self) -> list[dict[str, Any]]:
        """The messages people have received, each with a "user" key, oldest first."""
        raise NotImplementedError

    def press(self, client: httpx.Client, url: str, message: dict[str, Any]) -> tuple[int, str]:
        """Press the message's button at this replica: the HTTP status and what the person
        was told ("" for nothing)."""
        raise NotImplementedError

    # --- the loop ---

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for _ in self.threads[1:]:
            self.todo.put(None)
        for thread in self.threads:
            if thread.ident is not None:  # started
                thread.join(timeout=15)

    def idle(self) -> bool:
        with self.lock:
            return self.pending == 0

    def _watch(self) -> None:
        """Find messages that have arrived; decide (seeded, in arrival order) who presses."""
        while not self.stopping.is_set():
            for message in self.arrived():
                person = message["user"]
                if person in self.seen:
                    continue
                self.seen.add(person)
                if self.random.random() >= self.plan.press_share:
                    continue
                times = 2 if self.random.random() < self.plan.double_press_share else 1
                with self.lock:
                    self.pressers.add(person)
                    self.pending += times
                for _ in range(times):
                    self.todo.put((message, 0))
            self.stopping.wait(0.3)

    def _press(self) -> None:
        client = httpx.Client(timeout=15)
        while (item := self.todo.get()) is not None:
            message, tries = item
            person = message["user"]
            urls = self.replicas.live_urls()
            url = self.random.choice(urls) if urls else ""
            status, told = 0, ""
            if url:
                try:
                    status, told = self.press(client, url, message)
                except httpx.HTTPError:
                    status, told = 0, ""
            recorded = status == 200 and told.startswith(RECORDED_REPLIES)
            with self.lock:
                self.requests += bool(url)
                self.ok += status == 200
                if status == 200 and not recorded:
                    said = f"the reply {told!r}" if told else "no reply"
                    self.silent.append((person, url, time.monotonic() - self.began, said))
                if recorded:
                    self.answered[person] += 1
                    self.pending -= 1
                elif tries >= MOST_TRIES and url:
                    self.failed += 1
                    self.pending -= 1
            if not recorded and tries < MOST_TRIES and not self.stopping.is_set():
                time.sleep(0.2 if url else 0.5)
                # With every replica down there was nobody to press at: not a try.
                self.todo.put((message, tries + bool(url)))
        client.close()


class SlackPresser(Presser):
    """Slack in HTTP mode: a signed block_actions form posted to /slack/events. Slack shows
    the person sendbot's private reply (sent through the press's response_url) or nothing."""

    def __init__(self, slack: FakeSlack, replicas: Replicas, plan: ChaosPlan) -> None:
        super().__init__(replicas, plan)
        self.slack = slack

    def arrived(self) -> list[dict[str, Any]]:
        return self.slack.messages

    def press(self, client: httpx.Client, url: str, message: dict[str, Any]) -> tuple[int, str]:
        person = message["user"]
        before = len(replies_to(self.slack, person))
        body = press_body(self.slack, message)
        status = client.post(url + "/slack/events", content=body, headers=signed(body)).status_code
        if status != 200:
            return status, ""
        deadline = time.monotonic() + REPLY_WAIT
        while time.monotonic() < deadline and not self.stopping.is_set():
            replies = replies_to(self.slack, person)[before:]
            if replies:
                return status, replies[0]
            time.sleep(0.05)
        return status, ""


def first_duplicate(slack: FakeSlack) -> str:
    """A `give_up` for run_slack_chaos: someone has two copies of the briefing."""
    people = Counter(m["user"] for m in slack.messages)
    twice = sorted(person for person, n in people.items() if n > 1)
    return f"{twice[0]} has {people[twice[0]]} copies" if twice else ""


def most_in_a_window(stamps: list[float], seconds: float = WINDOW) -> int:
    """The most stamps within any `seconds` (a sliding window, as the fake counts)."""
    stamps = sorted(stamps)
    most, first = 0, 0
    for last, stamp in enumerate(stamps):
        while stamps[first] <= stamp - seconds:
            first += 1
        most = max(most, last - first + 1)
    return most


def slack_env(url: str, slack: FakeSlack, plan: ChaosPlan) -> dict[str, str]:
    """A school's settings for Slack in HTTP mode, against the fake, with short leases."""
    return {
        "DATABASE_URL": url,
        "DEMO_MODE": "false",
        "SECRET_KEY": "chaos-" + "k" * 40,
        "LOG_LEVEL": "INFO",
        "CHAT_PLATFORM": "slack",
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_MODE": "http",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_BASE_URL": slack.base_url,
        "SLACK_MESSAGES_PER_MINUTE": str(plan.setting or plan.allowance),
        "DISPATCH_INTERVAL_SECONDS": str(plan.dispatch_interval),
        "DISPATCH_BATCH_SIZE": str(plan.batch_size),
        "DISPATCH_LEASE_SECONDS": str(plan.lease_seconds),
        "DISPATCH_RETRY_BASE_SECONDS": str(plan.retry_base_seconds),
    }


def run_slack_chaos(
    plan: ChaosPlan,
    url: str,
    workdir: Path,
    give_up: Callable[[FakeSlack], str] | None = None,
) -> ChaosResult:
    """The scenario against the fake Slack; `url` is a fresh, migrated PostgreSQL database.
    `give_up` may end the run early: it looks at the fake and says why ("" to carry on), for a
    test that has already seen the promise it checks broken."""
    db = Database(make_engine(url))
    try:
        people = seed_school(db, plan.staff, "slack", send=False)
        limits = SlackLimits(post_per_minute=plan.allowance, post_per_second=1.0, post_burst=3)
        with FakeSlack(limits=limits) as slack:
            for staff_id, email in people:
                slack.add_user(user_id(staff_id), email)
            replicas = Replicas(workdir, slack_env(url, slack, plan), "slack")
            presser = SlackPresser(slack, replicas, plan)
            result = _run(plan, db, people, replicas, presser, give_up and (lambda: give_up(slack)))
            _count_slack(result, slack)
        _count_presses(result, db, presser, {user_id(i): i for i, _email in people})
        return result
    finally:
        db.dispose()


def _run(
    plan: ChaosPlan,
    db: Database,
    people: list[tuple[int, str]],
    replicas: Replicas,
    presser: Presser,
    give_up: Callable[[], str] | None,
) -> ChaosResult:
    """Start the replicas, the presses and the kills; wait for the kills to end, then for the
    outbox to drain and the presses to be answered (or the time to be up, or `give_up`)."""
    result = ChaosResult(plan)
    started = time.monotonic()

    def over() -> bool:
        if give_up is not None and not result.gave_up:
            result.gave_up = give_up()
        return bool(result.gave_up)

    kills = KillLoop(replicas, plan, lambda: over() or drained(outbox_counts(db)), result.events)
    presser.began = kills.began  # one clock for the kills and the presses
    try:
        replicas.start(plan.replicas)
        # Sent once every replica is up, so that the kills begin while it goes out.
        send_briefing(db, replicas.platform)
        sent_at = time.monotonic()
        # Nobody presses (a benchmark of sending alone): no watching the fake's messages either,
        # which would take the fake's process from answering.
        pressing = plan.press_share > 0
        if pressing:
            presser.start()
        kills.start()
        deadline = started + plan.deadline_seconds
        # The loop stops by itself at its last kill or once the outbox has drained.
        while kills.is_alive() and time.monotonic() < deadline and not over():
            kills.join(0.5)
            if not result.sending_seconds and drained(outbox_counts(db)):
                result.sending_seconds = time.monotonic() - sent_at
        kills.stopping.set()
        kills.join(60)
        if kills.error is not None:
            raise kills.error
        # Every replica is up again: wait for the outbox, then for the presses.
        while time.monotonic() < deadline and not over():
            counts = outbox_counts(db)
            if not result.sending_seconds and drained(counts):
                result.sending_seconds = time.monotonic() - sent_at
            if drained(counts) and (
                not pressing or (presser.idle() and len(presser.seen) >= _reached(db))
            ):
                break
            time.sleep(0.25)
        result.drained = drained(outbox_counts(db))
        _wait_for_acks(db, len(presser.answered), deadline)
    finally:
        presser.stop()
        kills.stopping.set()
        codes = replicas.stop_all()
        result.logs = replicas.logs()
        result.events.append(f"replicas stopped with {codes}")
    result.kills, result.sender_kills = kills.kills, kills.sender_kills
    result.statuses = outbox_counts(db)
    result.claims_run_out = sum(
        int(n) for log in result.logs.values() for n in re.findall(r"'lost': (\d+)", log)
    )
    result.seconds = time.monotonic() - started
    return result


# --- Teams -------------------------------------------------------------------------------------


class TeamsPresser(Presser):
    """Teams: an adaptiveCard/action invoke with a token the fake sign-in signed, posted to
    /api/messages; the answer is the replacement card, which says whether it was recorded."""

    def __init__(
        self,
        teams: FakeTeams,
        identity: FakeIdentity,
        people: list[str],
        replicas: Replicas,
        plan: ChaosPlan,
    ) -> None:
        super().__init__(replicas, plan)
        self.teams, self.people = teams, people
        self.token = identity.inbound_token(teams.service_url)  # Teams' tokens last an hour

    def arrived(self) -> list[dict[str, Any]]:
        return [
            card | {"user": person}
            for person in self.people
            for card in self.teams.messages_to(person)[:1]
        ]

    def press(self, client: httpx.Client, url: str, message: dict[str, Any]) -> tuple[int, str]:
        [action] = [a for a in card_actions(message) if a.get("type") == "Action.Execute"]
        activity = card_action_activity(
            self.teams, message["user"], action["verb"], action["data"], message["id"]
        )
        answer = client.post(
            url + "/api/messages",
            json=activity,
            headers={"Authorization": f"Bearer {self.token}"},
        )
        if answer.status_code != 200:
            return answer.status_code, ""
        card = json.dumps(answer.json().get("value"))
        told = [reply for reply in RECORDED_REPLIES if reply in card]
        return 200, told[0] if told else card[:200]


def teams_env(
    url: str, identity: FakeIdentity, teams: FakeTeams, plan: ChaosPlan
) -> dict[str, str]:
    """A school's settings for Teams against the fakes, with short leases."""
    return {
        "DATABASE_URL": url,
        "DEMO_MODE": "false",
        "SECRET_KEY": "chaos-" + "k" * 40,
        "LOG_LEVEL": "INFO",
        "CHAT_PLATFORM": "teams",
        "TEAMS_CLIENT_ID": identity.client_id,
        "TEAMS_CLIENT_SECRET": identity.client_secret,
        "TEAMS_TENANT_ID": identity.tenant_id,
        "TEAMS_AUTHORITY": identity.base_url,
        "TEAMS_GRAPH_URL": teams.graph_url,
        "DISPATCH_INTERVAL_SECONDS": str(plan.dispatch_interval),
        "DISPATCH_BATCH_SIZE": str(plan.batch_size),
        "DISPATCH_LEASE_SECONDS": str(plan.lease_seconds),
        "DISPATCH_RETRY_BASE_SECONDS": str(plan.retry_base_seconds),
    }


def run_teams_chaos(plan: ChaosPlan, url: str, workdir: Path) -> ChaosResult:
    """The scenario against the fake Teams (sign-in and Bot Connector, the fakes' own limits);
    `url` is a fresh, migrated PostgreSQL database. Everyone has the app and sendbot knows
    them from Teams (service URL and Teams id) but has no conversation with them yet."""
    db = Database(make_engine(url))
    try:
        people = seed_school(db, plan.staff, "teams", send=False)
        limits = TeamsLimits(per_app_per_second=plan.teams_allowance)
        with FakeIdentity() as identity, FakeTeams(identity, limits=limits) as teams:
            for staff_id, email in people:
                teams.add_user(user_id(staff_id), f"Person {staff_id}", email, installed=True)
            known = {
                staff_id: {
                    "service_url": teams.service_url,
                    "teams_user_id": teams.user(user_id(staff_id)).teams_id,
                }
                for staff_id, _email in people
            }

            def link(session):  # type: ignore[no-untyped-def]
                for staff_id, extra in known.items():
                    session.execute(
                        update(ChatIdentity)
                        .where(ChatIdentity.staff_id == staff_id)  # type: ignore[arg-type]
                        .values(extra=extra)
                    )

            db.work(link)
            replicas = Replicas(
                workdir,
                teams_env(url, identity, teams, plan),
                "teams",
                launch=lambda folder, env: teams_launcher.start(folder, env, identity),
            )
            aad = [user_id(i) for i, _email in people]
            presser = TeamsPresser(teams, identity, aad, replicas, plan)
            result = _run(plan, db, people, replicas, presser, None)
            cards = [person for person in aad for _card in teams.messages_to(person)]
            _count_messages(result, cards)
            result.rate_limited = dict(teams.rate_limited)
            result.calls = dict(teams.calls)
            result.admitted, result.admitted_seconds = teams.admitted_span
        _count_presses(result, db, presser, {user_id(i): i for i, _email in people})
        result.not_reached_reasons = dict(
            Counter(
                db.work(
                    lambda s: s.exec(
                        select(Delivery.last_error).where(Delivery.status == "not_reached")
                    ).all()
                )
            )
        )
        return result
    finally:
        db.dispose()


def _reached(db: Database) -> int:
    """Deliveries recorded as sent: people the presser should have seen a message for."""
    return outbox_counts(db).get("sent", 0)


def _wait_for_acks(db: Database, expected: int, deadline: float) -> None:
    """Presses are recorded just after they are answered: give the last ones a moment."""
    settle = min(deadline, time.monotonic() + 20)
    while time.monotonic() < settle:
        if db.work(lambda s: s.exec(select(func.count(Acknowledgement.id))).one()) >= expected:
            break
        time.sleep(0.2)
    time.sleep(1.0)  # anything recorded late (or twice) has had its chance


def _count_slack(result: ChaosResult, slack: FakeSlack) -> None:
    messages = slack.messages
    per_key = Counter(
        ((m.get("metadata") or {}).get("event_payload") or {}).get("send_key") for m in messages
    )
    _count_messages(result, [m["user"] for m in messages])
    result.duplicate_keys = sum(n - 1 for n in per_key.values())
    result.most_posts_in_a_minute = most_in_a_window([float(m["ts"]) for m in messages])
    result.rate_limited = dict(slack.rate_limited)
    result.calls = dict(slack.calls)
    result.admitted, result.admitted_seconds = slack.admitted_span


def _count_messages(result: ChaosResult, recipients: list[str]) -> None:
    """What the fake received: one entry per message, naming its person."""
    per_person = Counter(recipients)
    result.messages = len(recipients)
    result.people_reached = len(per_person)
    result.duplicates = sum(n - 1 for n in per_person.values())
    result.duplicate_people = [user for user, n in per_person.items() if n > 1]
    result.lost = result.plan.staff - len(per_person)


def _count_presses(
    result: ChaosResult, db: Database, presser: Presser, staff_of: dict[str, int]
) -> None:
    result.pressers = len(presser.pressers)
    result.press_requests = presser.requests
    result.press_answered = presser.ok
    result.press_silent = len(presser.silent)
    result.press_failed = presser.failed
    result.answered_people = len(presser.answered)
    acks = db.work(lambda s: s.exec(select(Acknowledgement.staff_id)).all())
    per_staff = Counter(acks)
    result.acknowledged = len(acks)
    result.acknowledged_twice = sum(1 for n in per_staff.values() if n > 1)
    result.unrecorded = [u for u in presser.answered if staff_of[u] not in per_staff]
    for person, url, at, said in presser.silent:
        port = url.rsplit(":", 1)[-1]
        recorded = "recorded later" if staff_of[person] in per_staff else "never recorded"
        result.events.append(
            f"{at:6.1f} s: {person}'s press answered 200 by sendbot-{port}.log, then {said};"
            f" pressed again ({recorded})"
        )
    pressed_ids = {staff_of[u] for u in presser.pressers}
    result.unexpected = [str(i) for i in per_staff if i not in pressed_ids]
