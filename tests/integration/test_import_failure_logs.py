"""An import the database itself refuses: the log and the person get the same incident id, and no
pupil's data from the file reaches any log record, on both engines, by the CLI and the web form.

The database is made to refuse with a unique index on surnames that only the test adds, and a
file with two pupils of the same surname: the reader and the import's own checks let it through,
and the database's error names the values (PostgreSQL's DETAIL quotes the key).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select
from stdnum.gb import upn as upn_check
from typer.testing import CliRunner

from bot.cli import app
from bot.domain.people import Role
from bot.services.clock import FixedClock
from bot.storage.database import Database
from bot.storage.register import Pupil
from tests import factories
from tests.integration.webapp import client_for, sendbot_for, sign_in

HEADER = (
    "Adno,UPN,Legal Surname,Legal Forename,Preferred Surname,Preferred Forename,Year,Reg,"
    "SEN Status,Primary Need,Secondary Need,Start Date"
)


def upn(serial: int) -> str:
    body = f"80143212{serial:04d}"
    return upn_check.calc_check_digit(body) + body


PUPILS = [
    ("007301", upn(301), "Marlowe", "Quentin", "Year 9", "9MA", "K", "SEMH", "", "01/09/2024"),
    ("007302", upn(302), "Marlowe", "Ottoline", "Year 8", "8QW", "K", "HI", "", "02/09/2024"),
]
FILE = "\r\n".join([HEADER, *(",".join([*p[:4], "", "", *p[4:]]) for p in PUPILS)]) + "\r\n"
# What the file says about its pupils that no log record may repeat.
PERSONAL = {value for p in PUPILS for value in (p[0], p[1], p[2], p[3], p[7])}
INCIDENT = re.compile(r"incident ([0-9a-f]{8})")


@pytest.fixture
def surnames_unique(db: Database) -> Iterator[None]:
    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE UNIQUE INDEX test_one_per_surname ON pupil (legal_last)")
    try:
        yield
    finally:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP INDEX test_one_per_surname")


@pytest.fixture
def everything_logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")  # statements and their parameters too
    return caplog


def logged_text(caplog: pytest.LogCaptureFixture) -> str:
    """Every record as a handler could write it: message, arguments, exception and stack."""
    formatter = logging.Formatter()
    parts = [caplog.text]
    for record in caplog.records:
        parts += [record.getMessage(), repr(record.args), record.exc_text or ""]
        if record.exc_info:
            parts.append(formatter.formatException(record.exc_info))
        if record.stack_info:
            parts.append(record.stack_info)
    return "\n".join(parts)


def assert_logged_with_no_pupil_data(caplog: pytest.LogCaptureFixture, shown: str) -> None:
    incident = INCIDENT.search(shown)
    assert incident, shown
    text = logged_text(caplog)
    assert f"incident {incident.group(1)}" in text
    assert "IntegrityError" in text  # the log still says what went wrong
    # Whole values only, and not inside the page's random form token, where a need code such
    # as "HI" turns up by chance.
    shown = re.sub(r'name="csrf_token" value="[^"]*"', "", shown)
    assert sorted(value for value in PERSONAL if _holds(text, value)) == []
    assert sorted(value for value in PERSONAL if _holds(shown, value)) == []


def _holds(text: str, value: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])", text) is not None


def test_the_cli_logs_a_refused_import_by_incident_without_pupil_data(
    cli: Database,
    surnames_unique: None,
    everything_logged: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    cli.work(lambda s: factories.school(s))
    register = tmp_path / "register.csv"
    register.write_text(FILE, encoding="utf-8")
    result = CliRunner().invoke(app, ["import-register", str(register)])
    assert result.exit_code == 1
    assert "Sorry, something went wrong on our side" in result.output
    assert_logged_with_no_pupil_data(everything_logged, result.output)
    assert cli.read(lambda s: s.exec(select(Pupil)).all()) == []


def test_the_upload_form_logs_a_refused_import_by_incident_without_pupil_data(
    db: Database,
    database_url: str,
    clock: FixedClock,
    surnames_unique: None,
    everything_logged: pytest.LogCaptureFixture,
) -> None:
    def setup(session: Session) -> int:
        school = factories.school(session)
        return factories.person(session, school, "Sue Sendco", roles={Role.SENDCO}).id  # type: ignore[return-value]

    sendco = db.work(setup)
    client = client_for(sendbot_for(database_url, clock))
    sign_in(client, sendco)
    page = client.post(
        "/sendco/register/import", files={"register": ("register.csv", FILE.encode(), "text/csv")}
    )
    assert page.status_code == 500
    assert "Sorry, something went wrong on our side" in page.text
    assert "Nothing was imported." in page.text
    assert_logged_with_no_pupil_data(everything_logged, page.text)
    assert db.read(lambda s: s.exec(select(Pupil)).all()) == []
