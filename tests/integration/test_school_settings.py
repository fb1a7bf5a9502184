"""`sendbot school show|set`: the SENDCO changes quiz days, spacing and focus topics."""

from __future__ import annotations

from datetime import UTC, datetime

from typer.testing import CliRunner

from bot.cli import app
from bot.domain.quiz import Area, QuestionDraft
from bot.services.question_bank import save_questions
from bot.storage.database import Database
from bot.storage.school import School
from tests import factories

runner = CliRunner()


def _school(db: Database) -> None:
    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        draft = QuestionDraft(
            qid="p-1",
            prompt="How often should school meet parents of pupils on SEN support?",
            options=("Once a year", "At least three times a year"),
            correct=frozenset({1}),
            explanation="At least three times a year.",
            area=Area.GENERAL,
            source="SEND Code of Practice 6.65",
            tags=("parents",),
        )
        save_questions(s, school.id, [draft], datetime.now(UTC))

    db.work(setup)


def test_settings_change_and_show(cli: Database) -> None:
    _school(cli)
    result = runner.invoke(
        app,
        [
            "school",
            "set",
            "--quiz-days",
            "Mon Wed Fri",
            "--questions",
            "2",
            "--retention",
            "0.85",
            "--focus",
            "Parents",
            "--hours",
            "08:00-15:30",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Quiz days: Mon, Wed, Fri, 2 questions a round" in result.output
    assert "85% to be remembered" in result.output and "Focus topics: parents" in result.output
    school = cli.work(lambda s: s.exec(factories.select(School)).one())
    assert (school.quiz_days, school.quiz_focus_tags) == ("135", ["parents"])
    assert f"{school.send_window_start:%H:%M}" == "08:00"


def test_every_bad_setting_is_named_and_nothing_changes(cli: Database) -> None:
    _school(cli)
    result = runner.invoke(
        app,
        [
            "school",
            "set",
            "--quiz-days",
            "Funday",
            "--questions",
            "9",
            "--retention",
            "2",
            "--focus",
            "astrology",
            "--hours",
            "late",
            "--remind-after",
            "6",
        ],
    )
    assert result.exit_code == 1
    for words in (
        "quiz days",
        "questions a round must be from 1 to 5",
        "retention",
        "astrology",
        "07:30-16:30",
        "reminder must come before",
    ):
        assert words in result.output, words
    school = cli.work(lambda s: s.exec(factories.select(School)).one())
    assert (school.quiz_days, school.quiz_questions_per_round, school.quiz_focus_tags) == (
        "24",
        3,
        [],
    )
