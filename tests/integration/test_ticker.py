"""The scheduler: a failing job is logged and the scheduler keeps ticking; due briefings go out."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot.services.clock import FixedClock, SystemClock
from bot.storage.database import Database
from bot.storage.local_chat import LocalMessage
from tests import factories
from tests.integration.webapp import sendbot_for


def test_a_failing_job_is_logged_and_never_stops_the_scheduler(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    sendbot = sendbot_for(db.engine.url.render_as_string(hide_password=False), SystemClock())
    ticker = sendbot.ticker
    calls = {"broken": 0, "healthy": 0}

    async def broken() -> None:
        calls["broken"] += 1
        raise RuntimeError("the database went away")

    async def healthy() -> None:
        calls["healthy"] += 1

    async def scenario() -> None:
        ticker.scheduler.add_job(ticker.guarded("broken", broken), "interval", seconds=0.05)
        ticker.scheduler.add_job(ticker.guarded("healthy", healthy), "interval", seconds=0.05)
        ticker.scheduler.start()
        await asyncio.sleep(0.5)
        assert ticker.running
        ticker.shutdown()

    with caplog.at_level(logging.ERROR):
        asyncio.run(scenario())
    assert calls["broken"] >= 3 and calls["healthy"] >= 3
    assert "broken" in ticker.health.last_error and "broken" not in ticker.health.last_ok
    assert "healthy" in ticker.health.last_ok
    incidents = [r for r in caplog.records if "while running the broken job" in r.getMessage()]
    assert len(incidents) == calls["broken"] and incidents[0].exc_info is not None
    sendbot.db.dispose()


def test_the_ticker_plans_a_due_briefing_and_the_dispatcher_sends_it(db: Database) -> None:
    clock = FixedClock(datetime(2026, 11, 3, 10, 0, tzinfo=UTC))

    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        for name in ("Fay One", "Gus Two"):
            factories.person(s, school, name)
        factories.briefing(s, school, clock.now(), send_on=date(2026, 11, 3))

    db.work(setup)
    sendbot = sendbot_for(
        db.engine.url.render_as_string(hide_password=False),
        clock,
        scheduler_tick_seconds=60,
        dispatch_interval_seconds=60,
    )

    async def scenario() -> int:
        sendbot.ticker.start()
        for _ in range(100):
            await asyncio.sleep(0.05)
            count = await sendbot.db.run(lambda s: len(s.exec(select(LocalMessage)).all()))
            if count == 2:
                break
        sendbot.ticker.shutdown()
        return count

    # Both jobs run at once on start; planning wakes the dispatcher rather than waiting 60 s.
    assert asyncio.run(scenario()) == 2
    sendbot.db.dispose()
