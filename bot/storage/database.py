"""The engine, sessions, and a bridge that keeps database calls off the event loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, create_engine

log = logging.getLogger(__name__)
T = TypeVar("T")
# The execution option that marks a connection as reading only (Database.read).
READ_ONLY = "sendbot_read_only"


def make_engine(url: str) -> Engine:
    """An engine for SQLite (a file in WAL mode) or PostgreSQL.

    Statement parameters are kept out of the engine's errors and logs (hide_parameters): they
    are pupils' UPNs, names and needs, and an error's text ends up in the log.
    """
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(
        url, pool_size=10, max_overflow=10, pool_pre_ping=True, hide_parameters=True
    )


def _sqlite_begin(conn: Connection) -> None:
    # pysqlite's own transaction handling defers BEGIN; take it over so that a write transaction
    # starts with BEGIN IMMEDIATE and two writers queue instead of failing. A read begins
    # deferred: in WAL mode it then takes no lock a writer holds, and waits for none.
    reading = conn.get_execution_options().get(READ_ONLY, False)
    conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA secure_delete=ON")  # deleted or replaced data is zeroed, not left
    cursor.close()


class Database:
    """One engine and the sessions made from it; a session is the unit of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Run before the engine goes: something holding a connection of its own (a sender
        # lock) lets go of it, since disposing of the engine closes only idle connections.
        self.before_dispose: list[Callable[[], None]] = []

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on any error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def work(self, fn: Callable[[Session], T]) -> T:
        """Run fn in one transaction and return what it returns."""
        with self.session() as session:
            return fn(session)

    async def run(self, fn: Callable[[Session], T]) -> T:
        """Run fn in one transaction on a worker thread, so the event loop never waits on I/O."""
        return await asyncio.to_thread(self.work, fn)

    def read(self, fn: Callable[[Session], T]) -> T:
        """Run fn in a transaction that only reads, and return what it returns.

        On SQLite it takes no write lock, so pages and /healthz go on while a long import
        writes; on PostgreSQL the transaction is READ ONLY. It is rolled back at the end either
        way, so nothing fn changes is kept; what it returns stays loaded (not expired).
        """
        with self._reading() as connection, Session(bind=connection) as session:
            return fn(session)

    async def read_async(self, fn: Callable[[Session], T]) -> T:
        """Database.read on a worker thread, so the event loop never waits on I/O."""
        return await asyncio.to_thread(self.read, fn)

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            options: dict[str, object] = {READ_ONLY: True}
            if self.is_postgresql:
                options["postgresql_readonly"] = True
            yield connection.execution_options(**options)

    def ping(self) -> bool:
        """True when the database answers; a reader, so a long write does not hold it up."""
        try:
            with self._reading() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - any failure means "not healthy"
            log.warning("database ping failed", exc_info=True)
            return False

    def dispose(self) -> None:
        for release in self.before_dispose:
            release()
        self.engine.dispose()
