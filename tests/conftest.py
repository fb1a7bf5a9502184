"""Fixtures shared by every test: databases on both engines, a clock, and a migrated schema.

Every storage test runs on SQLite and on PostgreSQL. PostgreSQL is the server on
127.0.0.1:5432 (user postgres, trust auth); each run makes a throwaway database and drops it.
With CI=true a missing server fails the run; elsewhere those tests skip and say why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from bot.services.clock import FixedClock
from bot.storage.database import Database, make_engine
from bot.storage.migrate import upgrade
from bot.storage.tables import metadata

PG_ADMIN_URL = os.environ.get(
    "SENDBOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def postgres_unavailable() -> str | None:
    """None when the server answers, else why not."""
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means no server to test against
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test run."""
    problem = postgres_unavailable()
    if problem:
        message = f"PostgreSQL is not reachable at 127.0.0.1:5432 ({problem})"
        if IN_CI:
            pytest.fail(f"{message}; CI must run the PostgreSQL half of the suite", pytrace=False)
        pytest.skip(f"{message}; start it to run the PostgreSQL half of the suite")
    name = f"sendbot_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'sendbot.db'}"


_migrated: dict[str, Engine] = {}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The URL of a migrated, empty database; the test runs once per engine."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A Database on a migrated schema, emptied after the test."""
    engine = _migrated.get(database_url)
    if engine is None:
        engine = make_engine(database_url)
        upgrade(engine)
        _migrated[database_url] = engine
    database = Database(engine)
    try:
        yield database
    finally:
        empty(engine)


def empty(engine: Engine) -> None:
    """Delete every row, children first, so the next test starts clean."""
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def clock() -> FixedClock:
    """Tuesday 3 November 2026, 10:00 in London (GMT): a school day in term."""
    return FixedClock(datetime(2026, 11, 3, 10, 0, tzinfo=UTC))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    for engine in _migrated.values():
        engine.dispose()


@pytest.fixture
def cli(db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Database:  # type: ignore[no-untyped-def]
    """Point the `sendbot` command (run through typer's CliRunner) at the test database."""
    monkeypatch.chdir(tmp_path)  # away from any .env file
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DEMO_MODE", "true")
    monkeypatch.setenv("HOST", "127.0.0.1")
    return db
