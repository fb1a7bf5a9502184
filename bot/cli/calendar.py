"""`sendbot calendar load|show`: a school's term dates and closure days."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import typer

from bot.cli.common import in_one_transaction
from bot.content.calendar_file import CalendarFileError, load_calendar_file
from bot.services.calendar_import import (
    CalendarImportSummary,
    CalendarOverview,
    calendar_overview,
    replace_calendar,
)
from bot.services.schools import find_school

SCHOOL_HELP = "the school's name; needed when there is more than one school"


def register(app: typer.Typer) -> None:
    """Add the calendar commands."""
    calendar_app = typer.Typer(help="Term dates and closure days.", no_args_is_help=True)

    @calendar_app.command("load")
    def load_command(
        file: Path = typer.Argument(..., help="a .yaml, .yml or .ics file (docs/calendar.md)"),
        school: str | None = typer.Option(None, "--school", help=SCHOOL_HELP),
    ) -> None:
        """Replace a school's terms and closures with those in FILE (safe to run again)."""
        summary = _load(file, school)
        print(_describe(summary))
        for warning in summary.warnings:
            print(f"Warning: {warning}", file=sys.stderr)

    @calendar_app.command("show")
    def show_command(
        school: str | None = typer.Option(None, "--school", help=SCHOOL_HELP),
    ) -> None:
        """List a school's terms, closures and next 10 school days."""
        print(_render(_show(school)))

    app.add_typer(calendar_app, name="calendar")


def _load(file: Path, school: str | None) -> CalendarImportSummary:
    # The file is read and checked before the database is opened: a bad file touches nothing.
    try:
        calendar_file = load_calendar_file(file)
    except CalendarFileError as exc:
        print(str(exc), file=sys.stderr)
        raise typer.Exit(1) from None
    return in_one_transaction(
        lambda s, _app: replace_calendar(s, find_school(s, school, create=True), calendar_file),
        f"loading {file.name}",
    )


def _show(school: str | None) -> CalendarOverview:
    return in_one_transaction(
        lambda s, app: calendar_overview(s, find_school(s, school), app.clock.now()),
        "showing the calendar",
    )


def _describe(summary: CalendarImportSummary) -> str:
    loaded = f"{summary.terms} term(s) and {summary.closures} closure(s) for {summary.school}"
    if summary.unchanged:
        return f"The calendar already held these {loaded}; nothing changed."
    return (
        f"Loaded {loaded}: {summary.added} added, {summary.changed} changed, "
        f"{summary.removed} removed."
    )


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _span(first: date, last: date) -> str:
    return _day(first) if first == last else f"{_day(first)} to {_day(last)}"


def _render(overview: CalendarOverview) -> str:
    lines = [f"Calendar of {overview.school}", "", "Terms:"]
    lines += [f"  {t.name}: {_span(t.first, t.last)}" for t in overview.terms] or [
        "  none loaded (every weekday except bank holidays counts as a school day)"
    ]
    lines += ["", "Closures:"]
    lines += [
        f"  {_span(c.first, c.last)}" + (f": {c.reason}" if c.reason else "")
        for c in overview.closures
    ] or ["  none"]
    lines += ["", f"Next {len(overview.next_school_days)} school days:"]
    lines += [f"  {_day(day)}" for day in overview.next_school_days] or [
        "  none in the year ahead; load next year's term dates"
    ]
    return "\n".join(lines)
