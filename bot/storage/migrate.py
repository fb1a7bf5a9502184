"""Runs Alembic from inside the package, so `sendbot db upgrade` works from any folder."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to this engine (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to date; safe to run on every start."""
    with _alembic_warnings_only():
        command.upgrade(alembic_config(engine), revision)


@contextmanager
def _alembic_warnings_only() -> Iterator[None]:
    # Every command runs the migrations, and Alembic's INFO lines ("Context impl SQLiteImpl",
    # "Will assume non-transactional DDL") would open the output of each; its warnings stay.
    alembic_log = logging.getLogger("alembic")
    before = alembic_log.level
    alembic_log.setLevel(max(before, logging.WARNING))
    try:
        yield
    finally:
        alembic_log.setLevel(before)
