"""Loading a calendar file into a school, on both engines, and through `sendbot calendar`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli import app
from bot.content.calendar_file import CalendarFileError, load_calendar_file
from bot.domain.calendar import SchoolCalendar
from bot.services.calendar_import import (
    CalendarImportSummary,
    CalendarOverview,
    calendar_overview,
    replace_calendar,
)
from bot.services.school_calendar import calendar_for
from bot.services.schools import find_school
from bot.storage.database import Database, make_engine
from bot.storage.school import Closure, School, Term

ROOT = Path(__file__).parent.parent.parent
DEMO = ROOT / "demo" / "calendar.yaml"
FIXTURES = ROOT / "tests" / "fixtures" / "calendar"
SCHOOL = "Elm Tree Primary"
runner = CliRunner()

Rows = tuple[list[tuple[object, ...]], list[tuple[object, ...]]]


def rows(session: Session, name: str = SCHOOL) -> Rows:
    """Every term and closure row of the school, ids included, in date order."""
    school = find_school(session, name)
    terms = session.exec(select(Term).where(Term.school_id == school.id)).all()
    closures = session.exec(select(Closure).where(Closure.school_id == school.id)).all()
    return (
        sorted(((t.id, t.name, t.starts_on, t.ends_on) for t in terms), key=lambda t: t[2]),
        sorted(((c.id, c.starts_on, c.ends_on, c.reason) for c in closures), key=lambda c: c[1:3]),
    )


def load(db: Database, path: Path, name: str = SCHOOL) -> CalendarImportSummary:
    calendar_file = load_calendar_file(path)
    return db.work(lambda s: replace_calendar(s, find_school(s, name, create=True), calendar_file))


def test_load_then_reload_leaves_the_same_rows(db: Database) -> None:
    first = load(db, DEMO)
    before = db.work(rows)
    again = load(db, DEMO)

    assert (first.terms, first.closures, first.added, first.removed) == (6, 3, 9, 0)
    assert not first.unchanged and again.unchanged
    assert db.work(rows) == before
    terms, closures = before
    assert [(name, first_day) for _, name, first_day, _ in terms][:2] == [
        ("Autumn 1", date(2026, 9, 1)),
        ("Autumn 2", date(2026, 11, 2)),
    ]
    assert (date(2027, 1, 4), date(2027, 1, 4), "INSET day") in [c[1:] for c in closures]


def test_a_new_file_replaces_the_calendar_and_keeps_rows_that_match(db: Database) -> None:
    load(db, DEMO)
    autumn_2 = next(t for t in db.work(rows)[0] if t[1] == "Autumn 2")

    summary = load(db, FIXTURES / "good.yaml")

    terms, closures = db.work(rows)
    assert (summary.added, summary.changed, summary.removed) == (4, 0, 8)
    assert [t[1:] for t in terms] == [
        ("Autumn 1", date(2026, 9, 3), date(2026, 10, 23)),
        ("Autumn 2", date(2026, 11, 2), date(2026, 12, 18)),
    ]
    assert autumn_2 in terms  # same id: the row that already matched was left alone
    assert [c[1:] for c in closures] == [
        (date(2026, 9, 4), date(2026, 9, 4), "INSET day"),
        (date(2026, 10, 28), date(2026, 10, 28), "Boiler repair"),
        (date(2026, 11, 5), date(2026, 11, 6), "Strike"),
    ]
    assert summary.warnings and "outside every term" in summary.warnings[0]


def test_a_renamed_term_and_a_new_reason_are_changes(db: Database, tmp_path: Path) -> None:
    load(db, FIXTURES / "good.yaml")
    text = (FIXTURES / "good.yaml").read_text().replace("Autumn 1", "Autumn A")
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(text.replace("reason: Strike", "reason: Strike action"))

    summary = load(db, renamed)

    assert (summary.added, summary.changed, summary.removed) == (0, 2, 0)
    terms, closures = db.work(rows)
    assert terms[0][1] == "Autumn A" and "Strike action" in [c[3] for c in closures]


def test_a_broken_file_changes_nothing(db: Database) -> None:
    load(db, DEMO)
    before = db.work(rows)

    for broken in ("broken.yaml", "syntax.yaml", "broken.ics"):
        with pytest.raises(CalendarFileError):
            load(db, FIXTURES / broken)

    assert db.work(rows) == before


def test_the_replacement_is_all_or_nothing(db: Database) -> None:
    load(db, DEMO)
    before = db.work(rows)
    good = load_calendar_file(FIXTURES / "good.yaml")

    def replace_then_fail(session: Session) -> None:
        replace_calendar(session, find_school(session, SCHOOL), good)
        raise RuntimeError("the power went off")

    with pytest.raises(RuntimeError):
        db.work(replace_then_fail)
    assert db.work(rows) == before


def test_each_school_keeps_its_own_calendar(db: Database) -> None:
    load(db, DEMO, "Oak Hill Academy")
    oak = db.work(lambda s: rows(s, "Oak Hill Academy"))

    load(db, FIXTURES / "good.ics", SCHOOL)
    load(db, FIXTURES / "good.yaml", SCHOOL)

    assert db.work(lambda s: rows(s, "Oak Hill Academy")) == oak
    assert len(db.work(rows)[0]) == 2


def test_the_loaded_calendar_drives_the_school_day_rules(db: Database) -> None:
    load(db, DEMO)
    now = datetime(2026, 12, 14, 10, tzinfo=UTC)

    def look(session: Session) -> tuple[SchoolCalendar, CalendarOverview]:
        school = find_school(session, SCHOOL)
        return calendar_for(session, school, now), calendar_overview(session, school, now)

    calendar, overview = db.work(look)

    assert not calendar.is_school_day(date(2027, 1, 4))  # INSET
    assert not calendar.is_school_day(date(2026, 10, 27))  # half term
    assert calendar.is_school_day(date(2027, 1, 5))
    assert overview.next_school_days == (
        *(date(2026, 12, day) for day in range(14, 19)),
        *(date(2027, 1, day) for day in (5, 6, 7, 8, 11)),
    )
    assert [t.name for t in overview.terms][-1] == "Summer 2"


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """A temporary SQLite file that the command line is pointed at."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DEMO_MODE", "true")
    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    database = Database(make_engine(url))
    yield database
    database.dispose()


def test_the_command_line_loads_and_shows_a_calendar(cli_database: Database) -> None:
    loaded = runner.invoke(app, ["calendar", "load", str(DEMO), "--school", SCHOOL])
    again = runner.invoke(app, ["calendar", "load", str(DEMO), "--school", SCHOOL])
    shown = runner.invoke(app, ["calendar", "show", "--school", SCHOOL])

    assert loaded.exit_code == 0, loaded.output
    assert f"Loaded 6 term(s) and 3 closure(s) for {SCHOOL}: 9 added" in loaded.stdout
    assert again.exit_code == 0 and "nothing changed" in again.stdout
    assert shown.exit_code == 0, shown.output
    assert "Autumn 1: Tue 1 Sep 2026 to Fri 23 Oct 2026" in shown.stdout
    assert "Tue 1 Sep 2026 to Wed 2 Sep 2026: INSET days" in shown.stdout
    assert "Next 10 school days:" in shown.stdout
    terms = cli_database.work(lambda s: s.exec(select(Term)).all())
    assert len(terms) == 6


def test_the_command_line_refuses_a_broken_file_plainly(cli_database: Database) -> None:
    runner.invoke(app, ["calendar", "load", str(DEMO), "--school", SCHOOL])
    before = cli_database.work(rows)

    result = runner.invoke(app, ["calendar", "load", str(FIXTURES / "broken.yaml")])

    assert result.exit_code == 1
    assert "broken.yaml line 5 (term 3 'Spring 1'): it ends" in result.stderr
    assert "(10 problems)" in result.stderr and "Traceback" not in result.output
    assert cli_database.work(rows) == before


def test_the_command_line_names_the_schools_when_it_cannot_tell(cli_database: Database) -> None:
    runner.invoke(app, ["calendar", "load", str(DEMO), "--school", SCHOOL])

    result = runner.invoke(app, ["calendar", "show", "--school", "Ash Grove"])

    assert result.exit_code == 1
    assert f"There is no school called 'Ash Grove'. Schools: {SCHOOL}" in result.stderr
    assert cli_database.work(lambda s: len(s.exec(select(School)).all())) == 1
