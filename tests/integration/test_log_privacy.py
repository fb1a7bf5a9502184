"""Whatever logs a database error, anywhere in sendbot or its libraries, the values the database
quotes back (PostgreSQL's "Key (legal_last)=(Marlowe)") never reach the log."""

from __future__ import annotations

import io
import logging

import pytest
from sqlalchemy import text

from bot.cli.common import configure_logging
from bot.storage.database import Database

SURNAME = "Marlowe"


@pytest.fixture
def logged() -> io.StringIO:
    """What the root logger's handler writes, configured as `sendbot` configures it."""
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = []
    configure_logging("INFO")
    stream = io.StringIO()
    root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
    yield stream
    root.handlers = saved


def test_a_database_error_logged_anywhere_keeps_its_values_out(
    db: Database, logged: io.StringIO
) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE secret_names (surname VARCHAR(50) UNIQUE)"))
    try:
        try:
            with db.engine.begin() as conn:
                for _twice in range(2):  # as sendbot's code does: values bound, never written in
                    conn.execute(text("INSERT INTO secret_names VALUES (:name)"), {"name": SURNAME})
        except Exception as exc:  # noqa: BLE001 - logged the way any job or library would
            try:
                raise RuntimeError("a job failed") from exc
            except RuntimeError:
                logging.getLogger("apscheduler.executors").exception("Job raised an exception")
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE secret_names"))
    written = logged.getvalue()
    assert "Job raised an exception: IntegrityError" in written
    assert "secret_names" in written  # what was refused is named, by table
    assert SURNAME not in written
