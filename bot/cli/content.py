"""`sendbot content check` and `sendbot content load`: briefing files, checked then stored."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from bot.cli.common import configure_logging, in_one_transaction
from bot.config import load_settings
from bot.content.briefing_files import read_briefing_folder
from bot.content.problems import FileProblem, has_errors, in_reading_order
from bot.domain.briefing import BriefingDraft
from bot.services.briefings import SaveSummary, save_briefings
from bot.services.schools import find_school

Folder = Annotated[
    Path | None,
    typer.Argument(
        help="The folder of briefing files (default: the BRIEFINGS_DIR setting).",
        show_default=False,
    ),
]
SchoolName = Annotated[
    str | None,
    typer.Option("--school", help="The school's name; needed only when there are several."),
]


def register(app: typer.Typer) -> None:
    """Add the content commands."""
    content_app = typer.Typer(
        help="Check and load the SENDCO's briefing files.", no_args_is_help=True
    )

    @content_app.command("check")
    def check_command(folder: Folder = None) -> None:
        """Check every briefing file and list what to put right; stores nothing."""
        # Checking needs no database, so it can run anywhere, e.g. on a pull request.
        settings = load_settings()
        configure_logging(settings.log_level)
        drafts, problems = read_briefing_folder(folder or Path(settings.briefings_dir))
        _print_problems(problems)
        typer.echo(_summary(drafts, problems))
        if has_errors(problems):
            raise typer.Exit(1)

    @content_app.command("load")
    def load_command(folder: Folder = None, school: SchoolName = None) -> None:
        """Check the briefing files, then store them for the school: all of them or none."""
        drafts, problems = read_briefing_folder(folder or Path(load_settings().briefings_dir))
        _print_problems(problems)
        if has_errors(problems):
            typer.echo(_summary(drafts, problems))
            typer.echo("Nothing was stored: put the errors right and load again.")
            raise typer.Exit(1)
        saved = in_one_transaction(
            lambda session, app: _store(session, school, drafts, app.clock.now()),
            "loading briefings",
        )
        typer.echo(f"{saved.created} new, {saved.updated} changed, {saved.unchanged} unchanged.")

    app.add_typer(content_app, name="content")


def _store(
    session: Session, school: str | None, drafts: list[BriefingDraft], now: datetime
) -> SaveSummary:
    row = find_school(session, school)
    assert row.id is not None
    return save_briefings(session, row.id, drafts, now, source="file")


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
