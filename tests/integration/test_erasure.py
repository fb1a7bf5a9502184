"""Erasing a pupil leaves no copy of their data: not in their row, not in the register's change
history, not in the alerts the local chat keeps, and on SQLite not in the file's bytes either.

The pupil is brought in as a school would: a register import, the teaching groups, a second
import that puts them on SEN support, and the alerts delivered through the local chat.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.chat.local.adapter import LocalChat
from bot.cli import app
from bot.domain.register import Scope
from bot.services.chat_port import Message
from bot.services.clock import FixedClock
from bot.services.dispatcher import Dispatcher, DispatchPolicy
from bot.services.register.files import import_register_file, import_teaching_file
from bot.storage.database import Database, _sqlite_pragmas
from bot.storage.local_chat import LocalMessage
from bot.storage.register import Pupil, RegisterChange
from bot.storage.school import School
from bot.storage.tables import metadata
from tests import factories
from tests.integration.webapp import sendbot_for

BASE = "https://sendbot.oakhill.example"
# Tuesday 3 November 2026, 10:00 (the conftest clock): a school day, inside the send window.
NOW = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
# Kept until the end of the academic year they left in (the default), so gone by September.
AFTER_KEEP = datetime(2027, 9, 6, 10, 0, tzinfo=UTC)
MIS_ID, UPN, SURNAME, FORENAME = "QX7731", "N801432197731", "Vantongeren", "Zephyrine"
FORM = "9QV"
# Everything about the pupil that must not outlive the erasure, and their initials and form
# as chat showed them.
THEIR_DATA = (MIS_ID, UPN, SURNAME, FORENAME)
AS_CHAT_SHOWED_THEM = ("Z.V.", FORM)
HEADINGS = (
    "Adno,UPN,Legal Surname,Legal Forename,Preferred Surname,Preferred Forename,Year,Reg,"
    "SEN Status,Primary Need,Secondary Need,Start Date"
)
TEACHING = (
    "Class,Teacher Email,Pupil ID,Role\n"
    f"{FORM}/En1,tia.teacher@oakhill.example,{MIS_ID},Teacher\n"
    "8MP/En1,tia.teacher@oakhill.example,QX7732,Teacher\n"
    f"{FORM}/Ma1,olly.other@oakhill.example,{MIS_ID},Teacher\n"
)
runner = CliRunner()


def register(*rows: str) -> bytes:
    return "\n".join((HEADINGS, *rows, "")).encode()


def them(provision: str) -> str:
    need = "SLCN,ASD,01/09/2026" if provision == "K" else ",,"
    return f"{MIS_ID},{UPN},{SURNAME},{FORENAME},,,Year 9,{FORM},{provision},{need}"


def other(provision: str) -> str:
    need = "SPLD,,01/09/2026" if provision == "K" else ",,"
    return f"QX7732,C801432197732,Pennywhistle,Marigold,,,Year 8,8MP,{provision},{need}"


def alerted_about_them(db: Database) -> dict[str, int]:
    """Tia teaches them and another pupil (one alert naming both); Olly teaches only them."""

    def setup(s: Session) -> dict[str, int]:
        school = factories.school(s)
        tia = factories.person(s, school, "Tia Teacher")
        factories.person(s, school, "Olly Other")
        import_teaching_file(s, school, TEACHING.encode(), by=None, now=NOW)
        for rows in ((them("N"), other("N")), (them("K"), other("K"))):
            import_register_file(
                s, school, register(*rows), file_name="register.csv", mapping_data=None,
                by=tia, now=NOW,
            )  # fmt: skip
        return {"school": school.id}  # type: ignore[dict-item]

    ids = db.work(setup)
    local = LocalChat(db, FixedClock(NOW))
    dispatcher = Dispatcher(
        db, {"local": local}, FixedClock(NOW), DispatchPolicy(), "t", base_url=BASE
    )
    assert asyncio.run(dispatcher.drain()).counts == {"sent": 2}
    shown = json.dumps([m.to_dict() for m in mailbox(db).values()])
    assert all(word in shown for word in AS_CHAT_SHOWED_THEM)
    return ids


def mailbox(db: Database) -> dict[str, Message]:
    rows = db.work(lambda s: s.exec(select(LocalMessage)).all())
    return {r.recipient.split(".")[0]: Message.from_dict(r.body) for r in rows}


def every_stored_value(db: Database) -> str:
    """Every row of every table as text: if the pupil's data is anywhere, it is in here."""

    def dump(s: Session) -> str:
        return "\n".join(
            repr(tuple(row)) + json.dumps(list(row), default=str)
            for table in metadata.sorted_tables
            for row in s.execute(table.select()).all()
        )

    return db.work(dump)


def assert_no_copy_left(db: Database, database_url: str) -> None:
    everything = every_stored_value(db)
    assert [word for word in THEIR_DATA if word in everything] == []

    def erased(s: Session) -> tuple[Pupil, list[RegisterChange]]:
        pupil = s.exec(select(Pupil).where(Pupil.erased_at != None)).one()  # noqa: E711
        return pupil, list(
            s.exec(select(RegisterChange).where(RegisterChange.pupil_id == pupil.id))
        )

    pupil, changes = db.work(erased)
    assert (pupil.year_group, pupil.reg_group, pupil.primary_need, pupil.secondary_need) == (
        ("", "", "", "")
    )
    # Never counted as on the register again, whatever they were.
    assert pupil.provision == "N"
    assert changes and all((c.old_need, c.new_need) == ("", "") for c in changes)

    messages = mailbox(db)
    shown = json.dumps([m.to_dict() for m in messages.values()])
    assert [word for word in AS_CHAT_SHOWED_THEM if word in shown] == []
    # Olly's alert was about them alone; Tia's keeps the other pupil, and that pupil's button.
    assert "A pupil's record was removed" in " ".join(messages["olly"].bullets)
    assert messages["olly"].buttons == ()
    assert messages["tia"].bullets[0] == "A pupil's record was removed"
    assert messages["tia"].bullets[1].startswith("M.P., Year 8, 8MP")
    assert [b.label for b in messages["tia"].buttons] == ["I've read M.P.'s profile"]

    if database_url.startswith("sqlite:///"):
        assert bytes_left(Path(database_url.removeprefix("sqlite:///"))) == []


def bytes_left(path: Path) -> list[tuple[str, str, str]]:
    """(file, word, encoding) for each of the pupil's data still in the database's files.
    SQLite stores text as UTF-8 unless the file was made UTF-16, so look for both."""
    found = []
    for file in (path, path.with_name(path.name + "-wal")):
        data = file.read_bytes() if file.exists() else b""
        for word in THEIR_DATA:
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                if word.encode(encoding) in data:
                    found.append((file.name, word, encoding))
    return found


def test_erasing_a_pupil_from_the_command_line_leaves_no_copy_of_their_data(
    cli: Database, database_url: str
) -> None:
    alerted_about_them(cli)
    result = runner.invoke(app, ["privacy", "erase-pupil", MIS_ID])
    assert result.exit_code == 0, result.output
    assert not [word for word in THEIR_DATA if word in result.output]
    assert_no_copy_left(cli, database_url)


def test_the_daily_retention_job_leaves_no_copy_of_a_former_pupils_data(
    db: Database, database_url: str
) -> None:
    ids = alerted_about_them(db)

    def they_leave(s: Session) -> None:
        school = s.get(School, ids["school"])
        assert school is not None
        import_register_file(
            s, school, register(other("K")), file_name="register.csv", mapping_data=None,
            by=None, now=NOW, confirm_partial=True, scope=Scope.WHOLE_ROLL,
        )  # fmt: skip

    db.work(they_leave)
    sendbot = sendbot_for(database_url, FixedClock(AFTER_KEEP))
    try:
        assert asyncio.run(sendbot.ticker.erase_former_pupils()) == 1
    finally:
        sendbot.db.dispose()
    assert_no_copy_left(db, database_url)


def test_every_sqlite_connection_zeroes_what_it_deletes() -> None:
    # Many builds of SQLite default to it, not all (python.org's and Homebrew's among them).
    connection = sqlite3.connect(":memory:")
    connection.execute("PRAGMA secure_delete=OFF")
    _sqlite_pragmas(connection, None)
    assert connection.execute("PRAGMA secure_delete").fetchone() == (1,)
    connection.close()
