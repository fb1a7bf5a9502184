"""Reading goes on while a long write holds the database: Database.read, ping and /healthz.

On SQLite every write transaction begins IMMEDIATE (writers queue for the one write lock); a
reader must not join that queue, or one long import would stop every page and the health check.
Each read runs on its own thread while another thread holds a write transaction open, and must
finish while the write is still held.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlmodel import Session, select

from bot.services.clock import FixedClock
from bot.storage.database import Database
from bot.storage.school import School
from tests import factories
from tests.integration.webapp import client_for, sendbot_for, sign_in

# Far longer than any read here takes, far shorter than SQLite's 30 s wait for a lock.
PATIENCE = 10


@contextmanager
def write_held(db: Database) -> Iterator[None]:
    """A write transaction that has written a row and stays open until the block ends."""
    holding, release = threading.Event(), threading.Event()

    def write(session: Session) -> None:
        factories.school(session, name="Written meanwhile")
        session.flush()
        holding.set()
        release.wait(60)

    writer = threading.Thread(target=db.work, args=(write,), daemon=True)
    writer.start()
    assert holding.wait(PATIENCE), "the write transaction never began"
    try:
        yield
    finally:
        release.set()
        writer.join(PATIENCE)


def finishes_while_held(db: Database, read: Callable[[], object]) -> object:
    """What `read` returned, run on another thread while a write is held; fails if it waits."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(read())
        except Exception as exc:  # noqa: BLE001 - handed to the test's thread below
            outcome.append(exc)

    with write_held(db):
        reader = threading.Thread(target=run, daemon=True)
        reader.start()
        reader.join(PATIENCE)
        finished = not reader.is_alive()
    reader.join(60)  # a reader that waited is let finish before the next test
    assert finished, "the read waited for the write to end"
    if isinstance(outcome[0], Exception):
        raise outcome[0]
    return outcome[0]


def test_database_read_sees_the_last_commit_while_a_write_is_held(db: Database) -> None:
    db.work(lambda s: factories.school(s, name="Committed before"))
    names = finishes_while_held(
        db, lambda: db.read(lambda s: sorted(school.name for school in s.exec(select(School))))
    )
    assert names == ["Committed before"]


def test_ping_answers_while_a_write_is_held(db: Database) -> None:
    assert finishes_while_held(db, db.ping) is True


def test_healthz_answers_while_a_write_is_held(
    db: Database, database_url: str, clock: FixedClock
) -> None:
    client = client_for(sendbot_for(database_url, clock))
    response = finishes_while_held(db, lambda: client.get("/healthz"))
    assert response.json()["database"] == "ok"  # type: ignore[attr-defined]


def test_a_read_keeps_nothing_it_changes(db: Database) -> None:
    def change(session: Session) -> None:
        factories.school(session, name="Never kept")
        session.flush()

    try:
        db.read(change)
    except Exception:  # noqa: BLE001 - PostgreSQL refuses the write outright; either will do
        pass
    assert db.read(lambda s: s.exec(select(School)).all()) == []


def test_a_signed_in_page_answers_while_a_write_is_held(
    db: Database, database_url: str, clock: FixedClock
) -> None:
    """The session, the person and their own page are all read without the write lock."""

    def setup(session: Session) -> int:
        school = factories.school(session)
        return factories.person(session, school, "Tess Teacher").id  # type: ignore[return-value]

    teacher = db.work(setup)
    client = client_for(sendbot_for(database_url, clock))
    sign_in(client, teacher)
    assert client.get("/me").status_code == 200
    response = finishes_while_held(db, lambda: client.get("/me"))
    assert response.status_code == 200 and "Tess Teacher" in response.text  # type: ignore[attr-defined]
