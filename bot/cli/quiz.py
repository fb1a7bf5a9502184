"""`sendbot quiz import|export|check`: the question bank in and out of files."""

from __future__ import annotations

import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from bot.cli.common import SchoolName, configure_logging, in_one_transaction
from bot.config import load_settings
from bot.content.problems import FileProblem, has_errors, in_reading_order
from bot.content.quiz.common import Defaults
from bot.content.quiz.files import WRITERS, read_quiz_file, read_quiz_folder
from bot.domain.quiz import QuestionDraft
from bot.services.question_bank import BankSummary, bank_drafts, save_questions
from bot.services.schools import find_school


class ReadFormat(StrEnum):
    """The formats an import can read."""

    AUTO = "auto"
    NATIVE = "native"
    CSV = "csv"
    GIFT = "gift"
    AIKEN = "aiken"


class WriteFormat(StrEnum):
    """The formats an export can write."""

    CSV = "csv"
    GIFT = "gift"
    NATIVE = "native"


FormatOption = Annotated[
    ReadFormat,
    typer.Option("--format", help="The file's format; auto goes by the name (.quiz .csv .gift)."),
]
AreaDefault = Annotated[
    str, typer.Option("--area", help="Area of need for questions whose file gives none.")
]
SourceDefault = Annotated[
    str, typer.Option("--source", help="Source for questions whose file gives none.")
]
ExplanationDefault = Annotated[
    str,
    typer.Option("--explanation", help="Explanation for questions whose file gives none."),
]


def register(app: typer.Typer) -> None:
    """Add the quiz commands."""
    quiz_app = typer.Typer(help="Import, export and check the question bank.", no_args_is_help=True)

    @quiz_app.command("import")
    def import_command(
        file: Annotated[Path, typer.Argument(help="A question file: .quiz, .csv, .gift, .aiken")],
        fmt: FormatOption = ReadFormat.AUTO,
        school: SchoolName = None,
        area: AreaDefault = "",
        source: SourceDefault = "",
        explanation: ExplanationDefault = "",
    ) -> None:
        """Check a question file, then add its questions to the bank: all of them or none."""
        defaults = Defaults(area=area, source=source, explanation=explanation)
        drafts, problems = read_quiz_file(file, fmt.value, defaults)
        _print_problems(problems)
        if has_errors(problems):
            typer.echo(f"{_errors(problems)}. Nothing was stored: put them right and import again.")
            raise typer.Exit(1)
        summary = in_one_transaction(
            lambda session, app: _store(session, school, drafts, app.clock.now()),
            "importing questions",
        )
        typer.echo(_said(summary))

    @quiz_app.command("export")
    def export_command(
        fmt: Annotated[WriteFormat, typer.Option("--format", help="csv, gift or native.")],
        output: Annotated[
            Path | None, typer.Option("--output", help="The file to write (default: the screen).")
        ] = None,
        school: SchoolName = None,
    ) -> None:
        """Write the school's question bank in a format that imports back unchanged."""
        drafts = in_one_transaction(
            lambda session, app: bank_drafts(session, _school_id(session, school)),
            "exporting questions",
        )
        if not drafts:
            typer.echo("The question bank is empty; import questions first.", err=True)
            raise typer.Exit(1)
        text = WRITERS[fmt.value](drafts)
        if output is None:
            sys.stdout.write(text)
            return
        # Excel reads a CSV as UTF-8 only when it starts with a byte-order mark.
        encoding = "utf-8-sig" if fmt is WriteFormat.CSV else "utf-8"
        output.write_text(text, encoding=encoding, newline="")
        typer.echo(f"{len(drafts)} questions written to {output}.", err=True)

    @quiz_app.command("check")
    def check_command(
        path: Annotated[
            Path | None,
            typer.Argument(
                help="A question file, or a folder of .quiz files (default: QUIZZES_DIR).",
                show_default=False,
            ),
        ] = None,
        fmt: FormatOption = ReadFormat.AUTO,
        area: AreaDefault = "",
        source: SourceDefault = "",
        explanation: ExplanationDefault = "",
    ) -> None:
        """Check question files and list what to put right; needs no database."""
        settings = load_settings()
        configure_logging(settings.log_level)
        target = path or Path(settings.quizzes_dir)
        defaults = Defaults(area=area, source=source, explanation=explanation)
        if target.is_dir():
            drafts, problems = read_quiz_folder(target, defaults)
        else:
            drafts, problems = read_quiz_file(target, fmt.value, defaults)
        _print_problems(problems)
        typer.echo(quiz_summary(drafts, problems))
        if has_errors(problems):
            raise typer.Exit(1)

    app.add_typer(quiz_app, name="quiz")


def _school_id(session: Session, school: str | None) -> int:
    row = find_school(session, school)
    assert row.id is not None
    return row.id


def _store(
    session: Session, school: str | None, drafts: list[QuestionDraft], now: datetime
) -> BankSummary:
    return save_questions(session, _school_id(session, school), drafts, now)


def _said(summary: BankSummary) -> str:
    if summary.created == summary.reworded == summary.retagged == 0:
        return f"Nothing changed: all {summary.unchanged} questions are in the bank as they are."
    return str(summary)


def _print_problems(problems: list[FileProblem]) -> None:
    for problem in in_reading_order(problems):
        typer.echo(f"{'Error' if problem.is_error else 'Warning'}: {problem}")


def _errors(problems: list[FileProblem]) -> str:
    count = sum(p.is_error for p in problems)
    return "1 error" if count == 1 else f"{count} errors"


def quiz_summary(drafts: list[QuestionDraft], problems: list[FileProblem]) -> str:
    """One line: how many questions are ready and how many problems stand in the way."""
    errors = [p for p in problems if p.is_error]
    files = len({p.file for p in errors})
    warnings = len(problems) - len(errors)
    return (
        f"{len(drafts)} question{'' if len(drafts) == 1 else 's'} ready, "
        f"{files} file{'' if files == 1 else 's'} with errors: {_errors(problems)}, "
        f"{warnings} warning{'' if warnings == 1 else 's'}."
    )
