"""Loading briefing files into the database, on both engines, directly and through the CLI."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from bot.content.briefing_files import read_briefing_folder
from bot.services.briefings import save_briefings
from bot.services.clock import FixedClock
from bot.services.errors import UserError
from bot.services.schools import find_school
from bot.storage.briefing import Briefing
from bot.storage.database import Database, make_engine
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "briefings"
FIXTURES = ROOT / "tests" / "fixtures" / "briefings"
SCHOOL = "Content Load Test School"  # not the demo school, which a demo start may add
runner = CliRunner()


def stored(db: Database) -> dict[str, Briefing]:
    return {b.slug: b for b in db.work(lambda s: s.exec(select(Briefing)).all())}


def test_the_shipped_briefings_load_and_loading_again_changes_nothing(
    db: Database, clock: FixedClock
) -> None:
    drafts, problems = read_briefing_folder(SHIPPED)
    assert problems == []
    school_id = db.work(lambda s: factories.school(s).id)

    first = db.work(lambda s: save_briefings(s, school_id, drafts, clock.now(), source="file"))
    rows = stored(db)
    second = db.work(lambda s: save_briefings(s, school_id, drafts, clock.now(), source="file"))

    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)
    assert sorted(rows) == ["ehc-plans", "graduated-approach", "working-with-parents"]
    for draft in drafts:
        row = rows[draft.slug]
        assert (row.title, row.bullets, row.audience, row.send_on, row.source, row.status) == (
            draft.title,
            list(draft.bullets),
            ["all"],
            draft.send_on,
            "file",
            "scheduled",
        )
    assert {b.slug: b.content_hash for b in stored(db).values()} == {
        slug: row.content_hash for slug, row in rows.items()
    }


def test_changing_a_briefing_already_sent_is_refused_and_nothing_is_stored(
    db: Database, clock: FixedClock
) -> None:
    drafts, _ = read_briefing_folder(SHIPPED)
    school_id = db.work(lambda s: factories.school(s).id)
    db.work(lambda s: save_briefings(s, school_id, drafts, clock.now(), source="file"))

    def mark_sent(session) -> None:
        row = session.exec(select(Briefing).where(Briefing.slug == "graduated-approach")).one()
        row.status = "planned"
        session.add(row)

    db.work(mark_sent)
    edited = [replace(d, title=d.title + " (revised)") for d in drafts]
    edited.append(replace(drafts[0], slug="a-new-briefing"))

    with pytest.raises(UserError, match="graduated-approach") as refused:
        db.work(lambda s: save_briefings(s, school_id, edited, clock.now(), source="file"))

    assert "Nothing was stored" in str(refused.value)
    after = stored(db)
    assert sorted(after) == ["ehc-plans", "graduated-approach", "working-with-parents"]
    assert {row.title for row in after.values()} == {d.title for d in drafts}


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Settings a demo on this computer would have; each test adds its DATABASE_URL."""
    monkeypatch.setenv("DEMO_MODE", "true")
    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.setenv("BRIEFINGS_DIR", str(SHIPPED))
    monkeypatch.setenv("QUIZZES_DIR", str(ROOT / "quizzes"))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return monkeypatch


def test_cli_load_stores_the_folder_once_on_both_engines(
    db: Database, database_url: str, cli_env: pytest.MonkeyPatch
) -> None:
    cli_env.setenv("DATABASE_URL", database_url)
    db.work(lambda s: find_school(s, SCHOOL, create=True))

    first = runner.invoke(app, ["content", "load", str(SHIPPED), "--school", SCHOOL])
    second = runner.invoke(app, ["content", "load", "--school", SCHOOL])  # BRIEFINGS_DIR

    assert first.exit_code == 0, first.output
    assert "3 new, 0 changed, 0 unchanged." in first.output
    assert second.exit_code == 0, second.output
    assert "0 new, 0 changed, 3 unchanged." in second.output
    assert len(stored(db)) == 3


def test_cli_load_of_a_folder_with_one_bad_file_stores_nothing(
    db: Database, database_url: str, cli_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cli_env.setenv("DATABASE_URL", database_url)
    db.work(lambda s: find_school(s, SCHOOL, create=True))
    shutil.copytree(SHIPPED, tmp_path, dirs_exist_ok=True)
    shutil.copy(FIXTURES / "bad-date.md", tmp_path / "bad-date.md")

    result = runner.invoke(app, ["content", "load", str(tmp_path), "--school", SCHOOL])

    assert result.exit_code == 1, result.output
    assert f"Error: {tmp_path / 'bad-date.md'}, line 4: send_on '31/02/2026'" in result.output
    assert "Nothing was stored" in result.output
    assert stored(db) == {}


def test_cli_load_for_an_unknown_school_says_so_without_a_traceback(
    db: Database, database_url: str, cli_env: pytest.MonkeyPatch
) -> None:
    cli_env.setenv("DATABASE_URL", database_url)
    db.work(lambda s: find_school(s, SCHOOL, create=True))

    result = runner.invoke(app, ["content", "load", "--school", "Elm Tree Primary"])

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "There is no school called 'Elm Tree Primary'" in result.output
    assert "Traceback" not in result.output
    assert stored(db) == {}


def test_cli_on_a_new_sqlite_file_upgrades_then_loads(
    cli_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'sendbot.db'}"
    cli_env.setenv("DATABASE_URL", url)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    database = Database(make_engine(url))
    try:
        database.work(lambda s: find_school(s, SCHOOL, create=True))

        result = runner.invoke(app, ["content", "load", "--school", SCHOOL])

        assert result.exit_code == 0, result.output
        assert "3 new, 0 changed, 0 unchanged." in result.output
        assert sorted(stored(database)) == [
            "ehc-plans",
            "graduated-approach",
            "working-with-parents",
        ]
    finally:
        database.dispose()


def test_content_check_briefings_passes_on_the_shipped_folder(
    cli_env: pytest.MonkeyPatch,
) -> None:
    cli_env.chdir(ROOT)
    result = runner.invoke(app, ["content", "check", "briefings"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "3 briefings ready, 0 files with errors: 0 errors, 0 warnings."
    assert re.fullmatch(
        r"\d+ questions ready, 0 files with errors: 0 errors, 0 warnings\.", lines[1]
    )
    assert len(lines) == 2


def test_content_check_lists_errors_then_warnings_and_fails(cli_env: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["content", "check", str(FIXTURES)])

    assert result.exit_code == 1
    lines = result.output.splitlines()
    kinds = [line.split(":", 1)[0] for line in lines[:-2]]
    assert kinds == ["Error"] * 10 + ["Warning"] * 2
    assert f"Error: {FIXTURES / 'non-bullet-line.md'}, line 9: only bullet points" in result.output
    assert lines[-2] == "2 briefings ready, 10 files with errors: 10 errors, 2 warnings."
    assert lines[-1].endswith("0 errors, 0 warnings.")


def test_content_check_of_a_missing_folder_fails_clearly(
    cli_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["content", "check", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert f"Error: {tmp_path / 'nowhere'}: this folder does not exist" in result.output
