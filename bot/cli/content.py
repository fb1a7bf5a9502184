"""`sendbot content check` and `sendbot content load`: briefings and questions, checked, stored."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from bot.cli.common import SchoolName, configure_logging, in_one_transaction
from bot.cli.quiz import quiz_summary
from bot.config import load_settings
from bot.content.briefing_files import read_briefing_folder
from bot.content.problems import FileProblem, has_errors, in_reading_order
from bot.content.quiz.files import read_quiz_folder
from bot.domain.briefing import BriefingDraft
from bot.domain.quiz import QuestionDraft
from bot.services.briefings import FILE, KeptEdit, SaveSummary, save_briefings
from bot.services.question_bank import BankSummary, save_questions
from bot.services.schools import find_school

Folder = Annotated[
    Path | None,
    typer.Argument(
        help="The folder of briefing files (default: the BRIEFINGS_DIR setting).",
        show_default=False,
    ),
]
ReplaceWebEdits = Annotated[
    bool,
    typer.Option(
        "--replace-web-edits",
        help=(
            "Let the files replace briefings last edited on the web pages or written in chat "
            "(by default those are kept, and named)."
        ),
    ),
]
QuizFolder = Annotated[
    Path | None,
    typer.Option(
        "--quizzes",
        help="The folder of question files (default: the QUIZZES_DIR setting).",
        show_default=False,
    ),
]


def register(app: typer.Typer) -> None:
    """Add the content commands."""
    content_app = typer.Typer(
        help="Check and load the SENDCO's briefing files and question bank.", no_args_is_help=True
    )

    @content_app.command("check")
    def check_command(folder: Folder = None, quizzes: QuizFolder = None) -> None:
        """Check every briefing and question file and list what to put right; stores nothing."""
        # Checking needs no database, so it can run anywhere, e.g. on a pull request.
        settings = load_settings()
        configure_logging(settings.log_level)
        drafts, problems = read_briefing_folder(folder or Path(settings.briefings_dir))
        questions, quiz_problems = read_quiz_folder(quizzes or Path(settings.quizzes_dir))
        _print_problems(problems + quiz_problems)
        typer.echo(_summary(drafts, problems))
        typer.echo(quiz_summary(questions, quiz_problems))
        if has_errors(problems + quiz_problems):
            raise typer.Exit(1)

    @content_app.command("load")
    def load_command(
        folder: Folder = None,
        school: SchoolName = None,
        quizzes: QuizFolder = None,
        replace_web_edits: ReplaceWebEdits = False,
    ) -> None:
        """Check the briefing and question files, then store them: all of them or none."""
        settings = load_settings()
        drafts, problems = read_briefing_folder(folder or Path(settings.briefings_dir))
        questions, quiz_problems = read_quiz_folder(quizzes or Path(settings.quizzes_dir))
        _print_problems(problems + quiz_problems)
        if has_errors(problems + quiz_problems):
            typer.echo(_summary(drafts, problems))
            typer.echo(quiz_summary(questions, quiz_problems))
            typer.echo("Nothing was stored: put the errors right and load again.")
            raise typer.Exit(1)
        saved, bank = in_one_transaction(
            lambda session, app: _store(
                session, school, drafts, questions, app.clock.now(), replace_web_edits
            ),
            "loading briefings and questions",
        )
        for kept in saved.kept:
            typer.echo(kept_message(kept))
        typer.echo(
            f"{saved.created} new, {saved.updated} changed, {saved.unchanged} unchanged"
            + (f", {len(saved.kept)} kept as written {_where(saved.kept)}." if saved.kept else ".")
        )
        typer.echo(f"Questions: {bank}")

    app.add_typer(content_app, name="content")


def _store(
    session: Session,
    school: str | None,
    drafts: list[BriefingDraft],
    questions: list[QuestionDraft],
    now: datetime,
    replace_web_edits: bool = False,
) -> tuple[SaveSummary, BankSummary]:
    # One transaction for both, so a refused question also leaves the briefings unstored.
    row = find_school(session, school)
    assert row.id is not None
    saved = save_briefings(
        session, row.id, drafts, now, source=FILE, replace_web_edits=replace_web_edits
    )
    return saved, save_questions(session, row.id, questions, now)


def kept_message(kept: KeptEdit) -> str:
    """Why a briefing's file was not loaded, and how to make the file win."""
    return (
        f"Kept: '{kept.slug}' ({kept.title}) was last edited {kept.written}, so its file "
        f"{kept.slug}.md was not loaded over it. To make the file win, run "
        "`sendbot content load --replace-web-edits`; or make the change on the web page "
        "(/sendco/briefings)."
    )


def _where(kept: list[KeptEdit]) -> str:
    places = list(dict.fromkeys(k.written for k in kept))
    return " or ".join(places)


def _print_problems(problems: list[FileProblem]) -> None:
    for problem in in_reading_order(problems):
        typer.echo(f"{'Error' if problem.is_error else 'Warning'}: {problem}")


def _summary(drafts: list[BriefingDraft], problems: list[FileProblem]) -> str:
    """One line: how many briefings are ready and how many problems stand in the way."""
    errors = [p for p in problems if p.is_error]
    broken = len({p.file for p in errors})
    return (
        f"{_count(len(drafts), 'briefing')} ready, {_count(broken, 'file')} with errors: "
        f"{_count(len(errors), 'error')}, {_count(len(problems) - len(errors), 'warning')}."
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
