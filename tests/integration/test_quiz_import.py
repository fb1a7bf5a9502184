"""Importing and exporting the question bank, on both engines, directly and through the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from bot.content.quiz.files import read_quiz_folder
from bot.services.clock import FixedClock
from bot.services.question_bank import bank_drafts, save_questions
from bot.storage.briefing import Briefing
from bot.storage.database import Database
from bot.storage.quiz import Question
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "quizzes"
FIXTURES = ROOT / "tests" / "fixtures" / "quizzes"
runner = CliRunner()


def questions(db: Database) -> dict[str, Question]:
    return {q.qid: q for q in db.work(lambda s: s.exec(select(Question)).all())}


def test_the_starter_bank_stores_once_and_reads_back_as_written(
    db: Database, clock: FixedClock
) -> None:
    drafts, problems = read_quiz_folder(SHIPPED)
    assert problems == []
    school_id = db.work(lambda s: factories.school(s).id)

    first = db.work(lambda s: save_questions(s, school_id, drafts, clock.now()))
    second = db.work(lambda s: save_questions(s, school_id, drafts, clock.now()))

    assert (first.created, second.created, second.unchanged) == (len(drafts), 0, len(drafts))
    assert db.work(lambda s: bank_drafts(s, school_id)) == sorted(drafts, key=lambda d: d.qid)


def _school(db: Database) -> None:
    db.work(lambda s: factories.school(s))


def test_cli_import_then_again_then_reworded(cli: Database, tmp_path: Path) -> None:
    _school(cli)
    bank = tmp_path / "bank.quiz"
    shutil.copy(FIXTURES / "good.quiz", bank)

    first = runner.invoke(app, ["quiz", "import", str(bank)])
    again = runner.invoke(app, ["quiz", "import", str(bank)])
    bank.write_text(bank.read_text().replace("Which codes are", "Which need codes are"))
    reworded = runner.invoke(app, ["quiz", "import", str(bank)])

    assert first.exit_code == 0, first.output
    assert "2 new, 0 reworded" in first.output
    assert again.exit_code == 0, again.output
    assert "Nothing changed: all 2 questions are in the bank as they are." in again.output
    assert "0 new, 1 reworded (new version), 0 with new details, 1 unchanged." in reworded.output
    stored = questions(cli)
    assert {qid: q.version for qid, q in stored.items()} == {
        "cop-graduated-cycle": 1,
        "sensory-codes": 2,
    }
    assert stored["sensory-codes"].prompt == "Which need codes are sensory and/or physical?"
    assert stored["sensory-codes"].correct == [0, 2] and stored["sensory-codes"].multi


@pytest.mark.parametrize("name", ["bad.quiz", "bad.csv", "bad.gift"])
def test_cli_import_of_a_file_with_bad_questions_stores_nothing(cli: Database, name: str) -> None:
    _school(cli)
    result = runner.invoke(app, ["quiz", "import", str(FIXTURES / name)])

    assert result.exit_code == 1
    assert f"Error: {FIXTURES / name}, line " in result.output
    assert "Nothing was stored" in result.output
    assert questions(cli) == {}


def test_one_bad_question_among_good_ones_stores_nothing(cli: Database, tmp_path: Path) -> None:
    _school(cli)
    bank = tmp_path / "bank.quiz"
    bank.write_text((FIXTURES / "good.quiz").read_text().replace("area: general", "area: maths"))

    result = runner.invoke(app, ["quiz", "import", str(bank)])

    assert result.exit_code == 1
    assert f"Error: {bank}, line 3: question 'cop-graduated-cycle': 'maths'" in result.output
    assert "1 error. Nothing was stored" in result.output
    assert questions(cli) == {}


def test_cli_aiken_import_needs_defaults_for_what_aiken_cannot_hold(cli: Database) -> None:
    _school(cli)
    path = str(FIXTURES / "good.aiken")
    refused = runner.invoke(app, ["quiz", "import", path])
    defaults = ["--area", "general", "--source", "CoP 6.44", "--explanation", "Assess first."]
    taken = runner.invoke(app, ["quiz", "import", path, *defaults])

    assert refused.exit_code == 1 and "give --source" in refused.output
    assert taken.exit_code == 0, taken.output
    assert questions(cli)["good-1"].source == "CoP 6.44"


@pytest.mark.parametrize(("fmt", "suffix"), [("csv", "csv"), ("gift", "gift"), ("native", "quiz")])
def test_export_then_import_changes_nothing(
    cli: Database, tmp_path: Path, fmt: str, suffix: str
) -> None:
    _school(cli)
    assert (
        runner.invoke(
            app,
            [
                "content",
                "load",
                "--quizzes",
                str(SHIPPED),
                "--school",
                "Oak Hill Academy",
                str(ROOT / "briefings"),
            ],
        ).exit_code
        == 0
    )
    before = {qid: (q.version, q.content_hash, q.updated_at) for qid, q in questions(cli).items()}
    out = tmp_path / f"export.{suffix}"

    exported = runner.invoke(app, ["quiz", "export", "--format", fmt, "--output", str(out)])
    again = runner.invoke(app, ["quiz", "import", str(out)])

    assert exported.exit_code == 0, exported.output
    assert again.exit_code == 0, again.output
    assert f"Nothing changed: all {len(before)} questions" in again.output
    after = {qid: (q.version, q.content_hash, q.updated_at) for qid, q in questions(cli).items()}
    assert after == before
    if fmt == "csv":
        assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # so Excel reads it as UTF-8


def test_export_of_an_empty_bank_says_so(cli: Database) -> None:
    _school(cli)
    result = runner.invoke(app, ["quiz", "export", "--format", "gift"])
    assert result.exit_code == 1
    assert "The question bank is empty" in result.output


def test_quiz_check_needs_no_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'never-made.db'}")
    monkeypatch.setenv("QUIZZES_DIR", str(SHIPPED))

    good = runner.invoke(app, ["quiz", "check"])
    bad = runner.invoke(app, ["quiz", "check", str(FIXTURES / "bad.gift")])

    assert good.exit_code == 0, good.output
    assert good.output.endswith("questions ready, 0 files with errors: 0 errors, 0 warnings.\n")
    assert bad.exit_code == 1
    assert (
        bad.output.splitlines()[-1]
        == "0 questions ready, 1 file with errors: 6 errors, 0 warnings."
    )
    assert not (tmp_path / "never-made.db").exists()


def test_content_load_takes_briefings_and_questions_all_or_nothing(
    cli: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _school(cli)
    monkeypatch.setenv("BRIEFINGS_DIR", str(ROOT / "briefings"))
    broken = tmp_path / "quizzes"
    broken.mkdir()
    shutil.copy(FIXTURES / "bad.quiz", broken / "bad.quiz")
    monkeypatch.setenv("QUIZZES_DIR", str(broken))

    refused = runner.invoke(app, ["content", "load"])

    assert refused.exit_code == 1
    assert f"Error: {broken / 'bad.quiz'}, line 5:" in refused.output
    assert "Nothing was stored" in refused.output
    assert questions(cli) == {}
    assert cli.work(lambda s: s.exec(select(Briefing)).all()) == []

    monkeypatch.setenv("QUIZZES_DIR", str(SHIPPED))
    checked = runner.invoke(app, ["content", "check"])
    loaded = runner.invoke(app, ["content", "load"])

    assert checked.exit_code == 0, checked.output
    assert loaded.exit_code == 0, loaded.output
    count = len(read_quiz_folder(SHIPPED)[0])
    assert f"Questions: {count} new, 0 reworded" in loaded.output
    assert len(questions(cli)) == count
    assert cli.work(lambda s: s.exec(select(Briefing)).all()) != []
