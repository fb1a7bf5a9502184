"""A press is never lost when the database is away for a moment (PostgreSQL: the server refuses
connections for a second, then comes back)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import select

from bot.services.chat_port import Interaction
from bot.services.clock import FixedClock
from bot.services.inbound import Inbound
from bot.storage.briefing import Acknowledgement
from bot.storage.database import Database
from tests.conftest import PG_ADMIN_URL
from tests.integration.briefed import briefed_on_local_chat


@pytest.fixture(params=["postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Only PostgreSQL can be made to refuse connections from outside the process."""
    return request.getfixturevalue(f"{request.param}_url")


def test_a_press_while_the_database_is_away_is_recorded_when_it_returns(
    db: Database, clock: FixedClock
) -> None:
    local, email, briefing_id = briefed_on_local_chat(db, clock)
    name = db.engine.url.database
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")

    def outage(seconds: float) -> None:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            time.sleep(seconds)
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))

    db.engine.dispose()
    away = threading.Thread(target=outage, args=(1.5,))
    away.start()
    time.sleep(0.3)
    inbound = Inbound(db, {"local": local}, clock, retry_delays=(0.5, 0.5, 1.0, 1.0, 2.0))
    outcome = asyncio.run(
        inbound.handle(Interaction("local", email, "briefing.ack", str(briefing_id)))
    )
    away.join()
    admin.dispose()
    assert outcome.notice == "Thanks: recorded that you have read it."
    assert len(db.work(lambda s: s.exec(select(Acknowledgement)).all())) == 1


def test_without_retries_the_person_gets_an_apology_not_a_crash(
    db: Database, clock: FixedClock
) -> None:
    broken = Database(create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none"))
    inbound = Inbound(broken, {}, clock, retry_delays=())
    outcome = asyncio.run(inbound.handle(Interaction("local", "x@y", "briefing.ack", "1")))
    assert outcome.notice.startswith("Sorry, something went wrong on our side (incident ")
