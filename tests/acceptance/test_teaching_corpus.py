"""The acceptance corpus (tests/corpus/teaching): class lists shaped as SIMS, Arbor, Bromcom and a
flattened Wonde feed produce them. Each good file must import as exported, through the command line
and the upload form, with the number of links its expectations give; a class list that names staff
by a code sendbot has not been given is refused at its line and column, storing nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli import app
from bot.domain.people import Role
from bot.services.clock import FixedClock
from bot.storage.database import Database
from bot.storage.register import TeachingLink
from bot.storage.staff import Staff
from tests import factories
from tests.integration.webapp import client_for, sendbot_for, sign_in

CORPUS = Path(__file__).parents[1] / "corpus" / "teaching"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((CORPUS / "expected.yaml").read_text())
CLASS_LISTS = sorted(name for name, expected in EXPECTED.items() if "imports" in expected)
STAFF_CODES = CORPUS / "sims-staff-list.csv"

# Who works at each file's school: (name, email, MIS staff code as sendbot's own staff list
# gives it, or "" when the school leaves codes to the MIS staff list beside the class list).
STAFF: dict[str, list[tuple[str, str, str]]] = {
    "sims-class-list.csv": [
        ("Tom Hargreaves", "tom.hargreaves@oakhill.example", ""),
        ("Aisha Begum", "aisha.begum@oakhill.example", ""),
        ("Nathan Osei", "nathan.osei@oakhill.example", ""),
        ("Lucy Fenwick", "lucy.fenwick@oakhill.example", ""),
        ("Rhys Llewellyn", "rhys.llewellyn@oakhill.example", ""),
        ("Sinéad O’Neill", "sinead.oneill@oakhill.example", ""),
    ],
    "arbor-class-enrolments.csv": [
        ("Dean Shaw", "d.shaw@marlowepark.example", ""),
        ("Ravinder Kaur", "r.kaur@marlowepark.example", ""),
        ("Paula Lees", "p.lees@marlowepark.example", ""),
    ],
    "bromcom-classes.xlsx": [
        ("Kiran Patel", "k.patel@hollybank.example", "KPA"),
        ("Megan Jones", "m.jones@hollybank.example", "mjo"),
    ],
    "wonde-classes-flattened.csv": [
        ("Kate Ashworth", "k.ashworth@harwoodgate.example", ""),
        ("Ben Morris", "b.morris@harwoodgate.example", ""),
        ("Jack Ormerod", "j.ormerod@harwoodgate.example", ""),
    ],
}


def _school_with_staff(session: Session, name: str, codes: bool) -> int:
    """The school, its SENDCO and the file's teachers; returns the SENDCO's id."""
    school = factories.school(session)
    sendco = factories.person(session, school, "Sue Sendco", roles={Role.SENDCO})
    for person, email, code in STAFF[name]:
        session.add(
            Staff(
                school_id=school.id,  # type: ignore[arg-type]
                name=person,
                email=email,
                job_role="teacher",
                staff_code=code.upper() if codes and code else None,
            )
        )
    return sendco.id  # type: ignore[return-value]


def _links(db: Database) -> list[TeachingLink]:
    return db.work(lambda s: list(s.exec(select(TeachingLink)).all()))


@pytest.mark.parametrize("name", CLASS_LISTS)
def test_each_class_list_through_the_command_line_and_the_upload_form(
    name: str, db: Database, database_url: str, clock: FixedClock, monkeypatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """`sendbot import-teaching FILE` (with the MIS staff list when the class list names staff
    only by code and the school's staff list has no codes), then the same on the web page."""
    expected = EXPECTED[name]
    sendco = db.work(lambda s: _school_with_staff(s, name, codes=True))
    extra = ["--staff-codes", str(STAFF_CODES)] if name.startswith("sims") else []
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    result = CliRunner().invoke(app, ["import-teaching", str(CORPUS / name), *extra])
    assert result.exit_code == 0, result.output
    links = _links(db)
    assert len(links) == expected["links"], result.output
    if "whole_group_links" in expected:
        assert sum(1 for link in links if not link.pupil_mis_id) == expected["whole_group_links"]
    if "pupils" in expected:
        assert len({link.pupil_mis_id for link in links}) == expected["pupils"]
        assert len({link.staff_id for link in links}) == expected["staff"]
        assert len({link.group_name for link in links}) == expected["groups"]
    for written, role in expected.get("roles", {}).items():
        if not written.startswith("is_main_teacher"):
            assert role in {link.role for link in links}, (written, role)
    if name.startswith("wonde"):
        staff = db.work(lambda s: {p.id: p.email for p in s.exec(select(Staff)).all()})
        roles = {(staff[link.staff_id], link.role) for link in links}
        assert ("b.morris@harwoodgate.example", "support") in roles
        assert ("j.ormerod@harwoodgate.example", "teacher") in roles  # mixed case in the file
        assert {link.pupil_mis_id for link in links} == {"4501", "4502", "4503", "4507"}
    if name.startswith("bromcom"):
        assert {link.pupil_mis_id for link in links} >= {"3101"}  # a number cell, not 3101.0

    db.work(lambda s: s.execute(TeachingLink.__table__.delete()))  # type: ignore[attr-defined]
    sendbot = sendbot_for(database_url, clock)
    client = client_for(sendbot)
    sign_in(client, sendco)
    files = {"teaching": (name, (CORPUS / name).read_bytes())}
    if extra:
        files["staff_codes"] = (STAFF_CODES.name, STAFF_CODES.read_bytes())
    page = client.post("/sendco/register/teaching", files=files)
    assert page.status_code == 200 and 'data-outcome="imported"' in page.text, page.text
    assert len(_links(db)) == expected["links"]
    sendbot.db.dispose()


def test_a_class_list_naming_staff_by_codes_sendbot_was_not_given_is_refused(
    db: Database, database_url: str, monkeypatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    name = "bromcom-classes.xlsx"
    refused = EXPECTED[name]["alternative_without_code_mapping"]
    db.work(lambda s: _school_with_staff(s, name, codes=False))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    result = CliRunner().invoke(app, ["import-teaching", str(CORPUS / name)])
    assert result.exit_code == 1
    for error in refused["errors"]:
        assert f'Line {error["line"]}, column "{error["column"]}"' in result.output, result.output
    assert "staff code" in result.output and "KPA" in result.output
    assert _links(db) == []


def test_the_mis_staff_list_gives_codes_that_later_class_lists_use(
    db: Database, database_url: str, monkeypatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """Codes given once with a class list are kept: next half term's list needs no staff list."""
    name = "sims-class-list.csv"
    db.work(lambda s: _school_with_staff(s, name, codes=False))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    runner = CliRunner()
    refused = runner.invoke(app, ["import-teaching", str(CORPUS / name)])
    assert refused.exit_code == 1 and 'column "Staff Code"' in refused.output
    first = runner.invoke(
        app, ["import-teaching", str(CORPUS / name), "--staff-codes", str(STAFF_CODES)]
    )
    assert first.exit_code == 0, first.output
    assert "staff code" in first.output
    codes = db.work(lambda s: {p.email: p.staff_code for p in s.exec(select(Staff)).all()})
    assert codes["sinead.oneill@oakhill.example"] == "SON"
    again = runner.invoke(app, ["import-teaching", str(CORPUS / name)])
    assert again.exit_code == 0, again.output
    assert len(_links(db)) == EXPECTED[name]["links"]
