"""The one replica that sends on a chat platform, so that replicas share its allowance.

Slack counts its allowance per workspace and Teams per tenant, whichever process sends. With
several `sendbot run` replicas on one PostgreSQL, the replica holding a session-level advisory
lock is the platform's sender; the others serve pages and presses and send nothing there. The
lock lives on a connection of its own, so it goes the moment its process dies (PostgreSQL
drops the connection), and another replica takes it at its next dispatch. SQLite serves one
process, which is always the sender.
"""

from __future__ import annotations

import logging
import zlib

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from bot.storage.database import Database

log = logging.getLogger(__name__)


class SenderLock:
    """Whether this process is the sender for one platform."""

    def __init__(self, db: Database, platform: str) -> None:
        self.engine = db.engine
        self.platform = platform
        db.before_dispose.append(self.release)
        # Advisory lock keys are 64-bit numbers; the name's CRC keeps them apart from others.
        self.key = zlib.crc32(f"sendbot sender {platform}".encode())
        self._connection: Connection | None = None
        # How many times this process has taken the lock: a new term means another replica
        # may have been sending until a moment ago.
        self.terms = 0

    def held(self) -> bool:
        """True when this process holds the lock (taking it if it is free)."""
        if self.engine.dialect.name != "postgresql":
            return True
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT 1"))
                return True
            except DBAPIError:
                log.warning("lost the connection holding the %s sender lock", self.platform)
                connection, self._connection = self._connection, None
                connection.invalidate()
                connection.close()
        connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
            ).scalar()
        except DBAPIError:
            connection.close()
            raise
        if not taken:
            connection.close()
            return False
        log.info("this process now sends on %s for every replica", self.platform)
        self._connection = connection
        self.terms += 1
        return True

    def release(self) -> None:
        """Give the lock up. The connection goes back to the pool, which keeps its session
        open, so the lock is let go of explicitly; a connection that fails is thrown away,
        which lets go of it too."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        except DBAPIError:
            connection.invalidate()
        finally:
            connection.close()
