"""Kill a real sendbot in the middle of a fan-out, start it again: nobody twice, nobody left out."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select

from bot.services.briefings import plan_briefing
from bot.services.clock import SystemClock
from bot.storage.database import Database
from bot.storage.local_chat import LocalMessage
from bot.storage.outbox import Delivery
from tests import factories
from tests.e2e.process import start

STAFF = 120


def _counts(db: Database) -> tuple[int, int, int]:
    """(local messages stored, deliveries marked sent, distinct people with a message)."""

    def read(s):  # type: ignore[no-untyped-def]
        stored = s.exec(select(func.count()).select_from(LocalMessage)).one()
        sent = s.exec(
            select(func.count()).select_from(Delivery).where(Delivery.status == "sent")
        ).one()
        people = s.exec(select(func.count(func.distinct(LocalMessage.recipient)))).one()
        return stored, sent, people

    return db.work(read)


def test_killing_sendbot_mid_fan_out_sends_nobody_twice_and_leaves_nobody_out(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    now = SystemClock().now()

    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s, with_terms=False)
        for n in range(STAFF):
            factories.person(s, school, f"Person {n:03d}")
        briefing = factories.briefing(s, school, now, send_on=now.date())
        # Send now: the test must not depend on today being a school day.
        return plan_briefing(s, briefing, now, "local", send_now=True)

    assert db.work(setup) == STAFF
    env = {
        "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
        "DEMO_MODE": "false",
        "SECRET_KEY": "e2e-" + "k" * 40,
        "LOCAL_SEND_RATE_PER_SECOND": "40",
        "DISPATCH_BATCH_SIZE": "10",
        "DISPATCH_INTERVAL_SECONDS": "0.2",
        "DISPATCH_LEASE_SECONDS": "1",
    }
    first = start(tmp_path, env)
    deadline = time.monotonic() + 60
    while _counts(db)[0] < STAFF // 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    first.stop(signal.SIGKILL)
    stored, sent, _people = _counts(db)
    assert STAFF // 4 <= stored < STAFF, f"the kill did not land mid fan-out ({stored} stored)"
    assert sent <= stored

    second = start(tmp_path, env)
    deadline = time.monotonic() + 90
    while _counts(db)[1] < STAFF and time.monotonic() < deadline:
        time.sleep(0.2)
    second.stop()

    stored, sent, people = _counts(db)
    assert (stored, sent, people) == (STAFF, STAFF, STAFF), second.log()
    per_person = db.work(
        lambda s: s.exec(
            select(LocalMessage.recipient, func.count()).group_by(LocalMessage.recipient)
        ).all()
    )
    assert {count for _recipient, count in per_person} == {1}
