"""Importing a staff list on both engines, and `sendbot import-staff` end to end on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli import app as cli_app
from bot.content.staff_csv import StaffFile, read_staff_csv
from bot.domain.people import Role, roles_from_text
from bot.services.errors import UserError
from bot.services.staff_import import StaffFileProblems, StaffImportSummary, import_staff
from bot.storage.database import Database, make_engine
from bot.storage.school import School
from bot.storage.staff import ChatIdentity, Staff
from tests import factories

ROOT = Path(__file__).parents[2]
CORPUS = ROOT / "tests" / "fixtures" / "staff"
DEMO = ROOT / "demo" / "staff.csv"
HEADER = "Name,Email,Job role,Department,Line manager email,Roles,Working days\n"
OAK = "Oak Hill Academy"


def csv(*lines: str) -> StaffFile:
    return read_staff_csv((HEADER + "\n".join(lines) + "\n").encode())


def run(db: Database, staff_file: StaffFile, **options: object) -> StaffImportSummary:
    options.setdefault("school_name", OAK)
    return db.work(lambda s: import_staff(s, staff_file, **options))  # type: ignore[arg-type]


def counts(session: Session) -> tuple[int, int, int]:
    return (
        session.exec(select(func.count()).select_from(School)).one(),
        session.exec(select(func.count()).select_from(Staff)).one(),
        session.exec(select(func.count()).select_from(ChatIdentity)).one(),
    )


def people(session: Session) -> dict[str, Staff]:
    return {person.email: person for person in session.exec(select(Staff)).all()}


def test_the_demo_school_is_imported_with_managers_roles_days_and_chat_accounts(
    db: Database,
) -> None:
    summary = run(db, read_staff_csv(DEMO.read_bytes()))
    assert (summary.added, summary.updated, summary.unchanged, summary.deactivated) == (40, 0, 0, 0)

    def check(s: Session) -> None:
        staff = people(s)
        by_id = {person.id: person for person in staff.values()}
        sendco = staff["sendco@oakhill.example"]
        assert roles_from_text(sendco.roles) >= {Role.SENDCO, Role.LINE_MANAGER}
        tas = [p for p in staff.values() if p.line_manager_id == sendco.id]
        assert len(tas) == 8 and {p.job_role for p in tas} == {"teaching_assistant"}
        assert staff["karen.lister@oakhill.example"].working_days == "123"
        assert staff["paul.ainsworth@oakhill.example"].working_days == "24"
        deputy = by_id[sendco.line_manager_id]
        assert deputy.job_role == "senior_leader"
        assert by_id[deputy.line_manager_id].name == "Helen Ashworth"
        # The file does not call the heads of department line managers; managing makes them so.
        heads = {by_id[p.line_manager_id].email for p in staff.values() if p.department == "Maths"}
        assert heads == {"david.okafor@oakhill.example", "martin.kowalski@oakhill.example"}
        lms = [p for p in staff.values() if Role.LINE_MANAGER in roles_from_text(p.roles)]
        assert len(lms) == 8  # head, deputy, 4 heads of department, SENDCO, office manager
        assert roles_from_text(staff["gareth.evans@oakhill.example"].roles) == {
            Role.STAFF,
            Role.ADMIN,
        }
        accounts = s.exec(select(ChatIdentity).where(ChatIdentity.platform == "local")).all()
        assert {(a.staff_id, a.platform_user_id) for a in accounts} == {
            (p.id, p.email) for p in staff.values()
        }

    db.work(check)


def test_importing_the_same_file_again_changes_nothing(db: Database) -> None:
    demo = read_staff_csv(DEMO.read_bytes())
    run(db, demo)
    before = db.work(lambda s: {e: p.model_dump() for e, p in people(s).items()})
    again = run(db, demo)
    assert (again.added, again.updated, again.unchanged, again.deactivated) == (0, 0, 40, 0)
    assert db.work(lambda s: {e: p.model_dump() for e, p in people(s).items()}) == before
    assert db.work(counts) == (1, 40, 40)


def test_a_reimport_updates_people_by_email_and_adds_new_ones(db: Database) -> None:
    run(
        db,
        csv(
            "Ann Archer,ann@oakhill.example,Teacher,English,,,",
            "Ben Booth,ben@oakhill.example,TA,SEND,,,",
        ),
    )
    summary = run(
        db,
        csv(
            "Ann Archer,ANN@oakhill.example,Teacher,English,,,",
            "Ben Booth,ben@oakhill.example,TA,SEND,ann@oakhill.example,,Mon-Wed",
            "Cat Cole,cat@oakhill.example,Senior leader,Leadership,,,",
        ),
    )
    assert (summary.added, summary.updated, summary.unchanged) == (1, 2, 0)

    def check(s: Session) -> None:
        staff = people(s)
        assert staff["ben@oakhill.example"].line_manager_id == staff["ann@oakhill.example"].id
        assert staff["ben@oakhill.example"].working_days == "123"
        assert staff["ann@oakhill.example"].roles == "staff line_manager"
        assert counts(s) == (1, 3, 3)

    db.work(check)


def test_people_missing_from_the_file_are_deactivated_only_when_asked(db: Database) -> None:
    run(
        db,
        csv("Ann Archer,ann@oakhill.example,Teacher,,,,", "Ben Booth,ben@oakhill.example,TA,,,,"),
    )
    only_ann = csv("Ann Archer,ann@oakhill.example,Teacher,,,,")
    kept = run(db, only_ann)
    assert (kept.unchanged, kept.deactivated, kept.not_in_file) == (1, 0, 1)
    assert db.work(lambda s: people(s)["ben@oakhill.example"].active) is True

    gone = run(db, only_ann, deactivate_missing=True)
    assert (gone.unchanged, gone.updated, gone.deactivated, gone.not_in_file) == (1, 0, 1, 0)
    assert db.work(lambda s: people(s)["ben@oakhill.example"].active) is False
    assert run(db, only_ann, deactivate_missing=True).deactivated == 0

    back = run(db, csv("Ben Booth,ben@oakhill.example,TA,,,,"))
    assert (back.added, back.updated) == (0, 1)
    assert db.work(lambda s: people(s)["ben@oakhill.example"].active) is True


def test_a_line_manager_already_stored_is_accepted_and_becomes_a_line_manager(
    db: Database,
) -> None:
    run(db, csv("Sam Sendco,sendco@oakhill.example,Teacher,SEND,,SENDCO,"))
    summary = run(db, csv("Tia Assistant,tia@oakhill.example,TA,SEND,sendco@oakhill.example,,T T"))
    assert (summary.added, summary.updated, summary.not_in_file) == (1, 1, 1)

    def check(s: Session) -> None:
        staff = people(s)
        sendco = staff["sendco@oakhill.example"]
        assert staff["tia@oakhill.example"].line_manager_id == sendco.id
        assert roles_from_text(sendco.roles) == {Role.STAFF, Role.SENDCO, Role.LINE_MANAGER}
        assert staff["tia@oakhill.example"].working_days == "24"

    db.work(check)


def test_a_manager_kept_from_before_keeps_the_role_while_their_team_stays(db: Database) -> None:
    run(
        db,
        csv(
            "Ann Archer,ann@oakhill.example,Teacher,,,,",
            "Ben Booth,ben@oakhill.example,TA,,ann@oakhill.example,,",
        ),
    )
    summary = run(db, csv("Ann Archer,ann@oakhill.example,Teacher,,,,"))
    assert summary.unchanged == 1
    assert db.work(lambda s: people(s)["ann@oakhill.example"].roles) == "staff line_manager"


def test_problems_only_the_database_can_see_are_listed_and_nothing_is_stored(
    db: Database,
) -> None:
    run(
        db,
        csv(
            "Ann Archer,ann@oakhill.example,Teacher,,,,",
            "Ben Booth,ben@oakhill.example,TA,,ann@oakhill.example,,",
            "Cat Cole,cat@oakhill.example,TA,,,,",
        ),
    )
    db.work(lambda s: setattr(people(s)["cat@oakhill.example"], "active", False))
    before = db.work(counts)
    with pytest.raises(StaffFileProblems) as raised:
        run(
            db,
            csv(
                "Ann Archer,ann@oakhill.example,Teacher,,ben@oakhill.example,,",  # circle via Ben
                "Dan Dale,dan@oakhill.example,Wizard,,,,",  # a file problem, listed alongside
                "Dev Dale,dev@oakhill.example,TA,,nobody@oakhill.example,,",
                "Eve Eden,eve@oakhill.example,TA,,cat@oakhill.example,,",  # Cat has left
            ),
        )
    assert [(p.line, p.column) for p in raised.value.problems] == [
        (2, "Line manager email"),
        (3, "Job role"),
        (4, "Line manager email"),
        (5, "Line manager email"),
    ]
    text = str(raised.value)
    assert text.startswith("Nothing was imported: 4 problems")
    assert "round in a circle (ann@oakhill.example → ben@oakhill.example → ann" in text
    assert "nobody@oakhill.example is not in this file" in text
    assert "cat@oakhill.example has left" in text
    assert db.work(counts) == before


def test_deactivating_a_manager_named_in_the_file_is_refused(db: Database) -> None:
    run(db, csv("Ann Archer,ann@oakhill.example,Teacher,,,,"))
    with pytest.raises(StaffFileProblems, match="--deactivate-missing would mark them as left"):
        run(
            db,
            csv("Ben Booth,ben@oakhill.example,TA,,ann@oakhill.example,,"),
            deactivate_missing=True,
        )
    assert db.work(counts) == (1, 1, 1)


def test_a_new_named_school_is_not_created_when_the_file_is_refused(db: Database) -> None:
    with pytest.raises(StaffFileProblems):
        run(db, read_staff_csv((CORPUS / "unknown_job_role.csv").read_bytes()), school_name="New")
    assert db.work(counts) == (0, 0, 0)


def test_without_a_school_name_the_only_school_is_used_or_the_person_is_asked(
    db: Database,
) -> None:
    one = csv("Ann Archer,ann@oakhill.example,Teacher,,,,")
    with pytest.raises(UserError, match="--school"):
        run(db, one, school_name=None)
    db.work(lambda s: factories.school(s, "Elm Primary", with_terms=False) and None)
    assert run(db, one, school_name=None).school == "Elm Primary"


def test_existing_chat_accounts_are_kept_and_a_trust_colleague_keeps_theirs(
    db: Database,
) -> None:
    def setup(s: Session) -> None:
        oak = factories.school(s, OAK, with_terms=False)
        factories.person(s, oak, "Ann Archer", platform="local")  # ann.archer@oakhill.example
        elm = factories.school(s, "Elm Primary", with_terms=False)
        factories.person(s, elm, "Ben Booth", platform="local")

    db.work(setup)
    summary = run(
        db,
        csv(
            "Ann Archer,ann.archer@oakhill.example,Teacher,Science,,,",
            "Ben Booth,ben.booth@oakhill.example,Teacher,Science,,,",
        ),
    )
    assert (summary.added, summary.unchanged) == (1, 1)

    def check(s: Session) -> None:
        owners = {
            a.platform_user_id: s.get(Staff, a.staff_id).school_id
            for a in s.exec(select(ChatIdentity)).all()
        }
        elm = s.exec(select(School.id).where(School.name == "Elm Primary")).one()
        assert len(owners) == 2 and owners["ben.booth@oakhill.example"] == elm

    db.work(check)


# The command line, on a throwaway SQLite file, exactly as the school's IT person runs it.


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[CliRunner, Database]]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.chdir(tmp_path)  # no .env from the working copy
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DEMO_MODE", "true")
    runner = CliRunner()
    assert runner.invoke(cli_app, ["db", "upgrade"]).exit_code == 0
    database = Database(make_engine(url))
    yield runner, database
    database.dispose()


def test_the_command_imports_a_good_file(cli: tuple[CliRunner, Database]) -> None:
    runner, database = cli
    result = runner.invoke(cli_app, ["import-staff", str(DEMO), "--school", OAK])
    assert result.exit_code == 0, result.output
    assert f"{OAK}: 40 added, 0 updated, 0 unchanged, 0 deactivated." in result.stdout
    school_id = database.work(lambda s: s.exec(select(School.id).where(School.name == OAK)).one())
    stored = database.work(
        lambda s: s.exec(select(func.count()).where(Staff.school_id == school_id)).one()
    )
    assert stored == 40

    again = runner.invoke(cli_app, ["import-staff", str(DEMO), "--school", OAK])
    assert again.exit_code == 0 and "0 added, 0 updated, 40 unchanged" in again.stdout


def test_the_command_lists_every_bad_line_and_stores_nothing(
    cli: tuple[CliRunner, Database],
) -> None:
    runner, database = cli
    before = database.work(counts)
    result = runner.invoke(
        cli_app, ["import-staff", str(CORPUS / "many_problems.csv"), "--school", OAK]
    )
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    for line, column in [(4, "Email"), (5, "Job role"), (6, "Line manager email"),
                         (7, "Line manager email"), (8, "Working days")]:  # fmt: skip
        assert f'Line {line}, column "{column}"' in result.stderr
    assert "Line 2" not in result.stderr and "Line 3" not in result.stderr
    assert database.work(counts) == before


def test_a_staff_list_saved_by_excel_on_windows_imports_with_its_accents(
    cli: tuple[CliRunner, Database],
) -> None:
    runner, database = cli
    result = runner.invoke(
        cli_app, ["import-staff", str(CORPUS / "windows_1252.csv"), "--school", "Oak Hill"]
    )
    assert result.exit_code == 0, result.output
    names = database.work(lambda s: {p.name for p in s.exec(select(Staff)).all()})
    assert "Zoë Brönte" in names


def test_staff_codes_are_kept_and_two_people_may_swap_them(db: Database) -> None:
    """The MIS reuses codes: a file may give Ann's old code to Ben and Ben's to Ann at once,
    which must not trip the one-code-one-person rule half way through (PostgreSQL checks it
    statement by statement)."""
    header = "Name,Email,Job role,Staff code\n"

    def staff(*lines: str) -> StaffFile:
        return read_staff_csv((header + "\n".join(lines) + "\n").encode())

    run(
        db,
        staff("Ann Archer,ann@oakhill.example,Teacher,aar", "Ben Booth,ben@oakhill.example,TA,BBO"),
    )
    swapped = run(
        db,
        staff("Ann Archer,ann@oakhill.example,Teacher,BBO", "Ben Booth,ben@oakhill.example,TA,AAR"),
    )
    assert swapped.updated == 2
    codes = db.work(lambda s: {e: p.staff_code for e, p in people(s).items()})
    assert codes == {"ann@oakhill.example": "BBO", "ben@oakhill.example": "AAR"}
    # A file without the column leaves the codes alone.
    run(db, csv("Ann Archer,ann@oakhill.example,Teacher,English,,,"))
    assert db.work(lambda s: people(s)["ann@oakhill.example"].staff_code) == "BBO"


def test_a_staff_code_twice_in_the_file_or_not_a_code_is_refused(db: Database) -> None:
    staff_file = read_staff_csv(
        b"Name,Email,Job role,Staff code\n"
        b"Ann Archer,ann@oakhill.example,Teacher,AAR\n"
        b"Ben Booth,ben@oakhill.example,TA,aar\n"
        b"Cat Cole,cat@oakhill.example,TA,Mrs Cole\n"
    )
    assert [(p.line, p.column) for p in staff_file.problems] == [
        (3, "Staff code"),
        (4, "Staff code"),
    ]
    assert "also on line 2" in staff_file.problems[0].reason
    with pytest.raises(StaffFileProblems):
        run(db, staff_file)
    assert db.work(counts) == (0, 0, 0)
