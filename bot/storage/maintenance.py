"""Upkeep of the database's own files."""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)


def forget_erased_bytes(engine: Engine) -> bool:
    """After an erasure has committed, leave no old copy of the erased data in SQLite's files.

    Every connection runs with secure_delete, so the erasure zeroed what it replaced in the
    pages it wrote; but those pages sit in the write-ahead log until a checkpoint copies them
    into the database file, and the log keeps the earlier versions of the same pages. A TRUNCATE
    checkpoint does both: it copies, then empties the log. False if a reader still needed the
    log; the next checkpoint finishes the job. PostgreSQL keeps old row versions until VACUUM,
    which is the school's routine to run (docs/privacy.md): nothing to do here.
    """
    if engine.dialect.name != "sqlite":
        return True
    # Outside any transaction: a checkpoint cannot run inside one.
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        busy, _pages, _copied = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        connection.close()
    if busy:
        log.warning(
            "the write-ahead log is still in use; erased data leaves it at the next checkpoint"
        )
    return not busy
