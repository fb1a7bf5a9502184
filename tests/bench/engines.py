"""Running one benchmark in a fresh process on each engine: SQLite in a temporary folder and a
throwaway PostgreSQL database (dropped afterwards). The module run must print its figures as one
JSON object on its last line, given the database URL as its last argument."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

PG_ADMIN = os.environ.get(
    "SENDBOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ROOT = Path(__file__).resolve().parents[2]


def on_each_engine(module: str, *args: str) -> dict[str, dict[str, float]]:
    """The figures from `python -m module *args URL`, by engine; PostgreSQL is left out (and
    says why) when no server answers."""
    with tempfile.TemporaryDirectory() as folder:
        results = {"SQLite": _child(module, *args, f"sqlite:///{folder}/bench.db")}
    made = _postgres_database()
    if made:
        try:
            results["PostgreSQL"] = _child(module, *args, made[0])
        finally:
            _drop(made[1])
    return results


def _child(module: str, *args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _postgres_database() -> tuple[str, str] | None:
    from sqlalchemy import create_engine, text

    name = f"sendbot_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:  # noqa: BLE001 - reported, and the SQLite half still runs
        print(f"PostgreSQL not available: {exc}")
        return None
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", name


def _drop(name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
