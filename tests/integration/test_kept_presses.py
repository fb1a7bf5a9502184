"""A press is kept in the database before the platform is told it arrived, so a replica that
dies before recording it loses nothing: another replica records it once its claim lapses."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select

from bot.services.chat_port import Interaction, MessageRef
from bot.services.clock import FixedClock
from bot.services.inbound import Inbound, as_json, from_json
from bot.storage.briefing import Acknowledgement
from bot.storage.database import Database, make_engine
from bot.storage.kept_presses import CLAIM, KeptPress
from bot.storage.migrate import upgrade
from tests.integration.briefed import briefed_on_local_chat


@pytest.fixture(params=["postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Presses are kept where replicas run: on PostgreSQL (see Inbound.keep)."""
    return request.getfixturevalue(f"{request.param}_url")


def test_on_sqlite_a_press_is_not_kept_but_recorded_as_before(tmp_path: Path) -> None:
    db = Database(make_engine(f"sqlite:///{tmp_path / 'one-process.db'}"))
    clock = FixedClock(datetime(2026, 11, 3, 10, 0, tzinfo=UTC))
    try:
        upgrade(db.engine)
        inbound, press = _briefed(db, clock)
        assert asyncio.run(inbound.keep(press)) is None
        assert asyncio.run(inbound.handle(press)).notice.startswith("Thanks: recorded")
        assert (_count(db, KeptPress), _count(db, Acknowledgement)) == (0, 1)
    finally:
        db.dispose()


def _briefed(db: Database, clock: FixedClock) -> tuple[Inbound, Interaction]:
    """One person sent one briefing on the local chat; their "Got it" press."""
    local, email, briefing_id = briefed_on_local_chat(db, clock)
    inbound = Inbound(db, {"local": local}, clock, retry_delays=())
    return inbound, Interaction("local", email, "briefing.ack", str(briefing_id))


def _count(db: Database, table: type) -> int:
    return db.work(lambda s: s.exec(select(func.count()).select_from(table)).one())


def test_a_press_kept_by_a_replica_that_died_is_recorded_once_its_claim_lapses(
    db: Database, clock: FixedClock
) -> None:
    inbound, press = _briefed(db, clock)
    pressed_at = clock.now()
    asyncio.run(inbound.keep(press))
    # The replica that kept it answered the platform, then died: nothing recorded.
    assert (_count(db, KeptPress), _count(db, Acknowledgement)) == (1, 0)
    # Within its claim the press is left to that replica.
    clock.moment += CLAIM - timedelta(seconds=1)
    assert asyncio.run(inbound.record_kept()) == 0
    clock.moment += timedelta(seconds=2)
    assert asyncio.run(inbound.record_kept()) == 1
    [ack] = db.work(lambda s: s.exec(select(Acknowledgement)).all())
    # Recorded at the moment of the press, not of the recovery.
    assert ack.acknowledged_at == pressed_at
    assert _count(db, KeptPress) == 0
    clock.moment += CLAIM * 2
    assert asyncio.run(inbound.record_kept()) == 0
    assert _count(db, Acknowledgement) == 1


def test_a_press_recorded_by_its_replica_is_no_longer_kept(db: Database, clock: FixedClock) -> None:
    inbound, press = _briefed(db, clock)
    kept = asyncio.run(inbound.keep(press))
    outcome = asyncio.run(inbound.handle(press, kept=kept))
    assert outcome.notice == "Thanks: recorded that you have read it."
    assert (_count(db, KeptPress), _count(db, Acknowledgement)) == (0, 1)
    clock.moment += CLAIM * 2
    assert asyncio.run(inbound.record_kept()) == 0


def test_a_kept_press_that_can_never_be_recorded_is_not_tried_again(
    db: Database, clock: FixedClock
) -> None:
    inbound, press = _briefed(db, clock)
    damaged = Interaction(press.platform, press.user_id, press.action_id, "not-a-briefing")
    kept = asyncio.run(inbound.keep(damaged))
    outcome = asyncio.run(inbound.handle(damaged, kept=kept))
    assert "damaged" in outcome.notice
    assert _count(db, KeptPress) == 0


def test_a_kept_press_reads_back_as_it_was_pressed() -> None:
    press = Interaction(
        "slack", "U0PAT", "quiz.answer", "12:2", MessageRef("slack", {"channel": "D1", "ts": "1.2"})
    )
    assert from_json(as_json(press)) == press
    bare = Interaction("teams", "29:x", "briefing.ack", "3")
    assert from_json(as_json(bare)) == bare
