"""The right alerts from real exports: a school imports its SIMS whole-roll export, its SIMS
class list (staff by code, with the SIMS staff list beside it), and next half term's export, in
which one pupil has joined the SEN register. Exactly that pupil's two teachers are alerted."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli import app
from bot.domain.people import Role
from bot.storage.database import Database
from bot.storage.register import ProfileAlert, RegisterChange
from bot.storage.staff import ChatIdentity, Staff
from tests import factories

CORPUS = Path(__file__).parents[1] / "corpus"
ROLL = CORPUS / "register" / "sims-whole-roll.csv"
KEIRA_BEFORE = (
    "002410,J801432119111,Kershaw,Keira,,,30/08/2014,7,7HA,N - No Special Educational Need,,,"
)
KEIRA_AFTER = (
    "002410,J801432119111,Kershaw,Keira,,,30/08/2014,7,7HA,K - SEN Support,SLCN,,02/12/2026"
)
TEACHERS = {  # Keira's classes in the class list: 7A/En1 (THA) and 7A/Ma1 (ABE)
    "tom.hargreaves@oakhill.example": "Tom Hargreaves",
    "aisha.begum@oakhill.example": "Aisha Begum",
}
OTHERS = {
    "nathan.osei@oakhill.example": "Nathan Osei",
    "lucy.fenwick@oakhill.example": "Lucy Fenwick",
    "rhys.llewellyn@oakhill.example": "Rhys Llewellyn",
    "sinead.oneill@oakhill.example": "Sinéad O’Neill",
}


def _school(session: Session) -> None:
    school = factories.school(session)
    factories.person(session, school, "Sue Sendco", roles={Role.SENDCO})
    for email, name in (TEACHERS | OTHERS).items():
        person = Staff(school_id=school.id, name=name, email=email, job_role="teacher")  # type: ignore[arg-type]
        session.add(person)
        session.flush()
        session.add(ChatIdentity(staff_id=person.id, platform="local", platform_user_id=email))  # type: ignore[arg-type]


def test_a_pupil_joining_the_register_alerts_exactly_their_teachers(
    db: Database, database_url: str, monkeypatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    db.work(_school)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    runner = CliRunner()
    first = runner.invoke(app, ["import-register", str(ROLL)])
    assert first.exit_code == 0 and "Nobody was alerted" in first.output, first.output
    teaching = runner.invoke(
        app,
        [
            "import-teaching",
            str(CORPUS / "teaching" / "sims-class-list.csv"),
            "--staff-codes",
            str(CORPUS / "teaching" / "sims-staff-list.csv"),
        ],
    )
    assert teaching.exit_code == 0, teaching.output
    text = ROLL.read_bytes().decode("cp1252")
    assert KEIRA_BEFORE in text
    later = tmp_path / "sims-whole-roll-spring.csv"
    later.write_bytes(text.replace(KEIRA_BEFORE, KEIRA_AFTER).encode("cp1252"))
    second = runner.invoke(app, ["import-register", str(later)])
    assert second.exit_code == 0, second.output
    assert "1 change: 1 added; 2 alerts planned" in second.output, second.output

    def told(session: Session) -> tuple[set[str], list[str]]:
        alerts = session.exec(select(ProfileAlert)).all()
        staff = {p.id: p.email for p in session.exec(select(Staff)).all()}
        changes = session.exec(select(RegisterChange)).all()
        return {staff[a.staff_id] for a in alerts}, [c.kind for c in changes]

    people, kinds = db.work(told)
    assert people == set(TEACHERS)
    assert kinds == ["added"]
