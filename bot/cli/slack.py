"""`sendbot slack people`: who is matched to a Slack account, and who is not and why."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from typing import Annotated

import typer
from sqlmodel import Session

from bot.bootstrap import Sendbot
from bot.cli.common import SchoolName, in_one_transaction, open_app
from bot.config import load_settings
from bot.services.errors import UserError, apology
from bot.services.linking import LinkReport, link_people
from bot.services.linking_report import PeopleReport, people_report
from bot.services.schools import find_school

PLATFORM = "slack"


def register(app: typer.Typer) -> None:
    """Add the slack command group."""
    slack_app = typer.Typer(help="sendbot on Slack.", no_args_is_help=True)

    @slack_app.command("people")
    def people_command(
        school: SchoolName = None,
        check: Annotated[
            bool, typer.Option("--check", help="Look up everyone not yet matched now, first.")
        ] = False,
    ) -> None:
        """Staff not matched to a Slack account, each with the reason; and how many are."""
        if check:
            for line in link_unmatched(school, required=True):
                typer.echo(line)

        def report(session: Session, _app: Sendbot) -> PeopleReport:
            return people_report(session, find_school(session, school).id, PLATFORM)  # type: ignore[arg-type]

        for line in describe_people(in_one_transaction(report, "listing Slack matches")):
            typer.echo(line)

    app.add_typer(slack_app, name="slack")


def link_unmatched(school: str | None, required: bool = False) -> list[str]:
    """Look up the school's staff who have no Slack account yet (after an import, or --check);
    nothing to say when Slack is not set up, unless it is required."""
    if not (required or load_settings().uses_slack):
        return []  # the built-in chat knows people by email; nothing to match
    sendbot = open_app()
    try:
        directory = sendbot.directory
        if directory is None:
            if required:
                print("Slack is not set up: set SLACK_BOT_TOKEN first.", file=sys.stderr)
                raise typer.Exit(1)
            return []
        school_id = sendbot.db.work(lambda s: find_school(s, school).id)
        report = asyncio.run(
            link_people(
                sendbot.db,
                directory,
                sendbot.clock,
                school_id=school_id,
                unlinked_only=True,
                recheck=timedelta(0),
            )
        )
        return describe_link(report)
    except UserError as exc:
        print(exc, file=sys.stderr)
        raise typer.Exit(1) from None
    except typer.Exit:
        raise
    except Exception:  # noqa: BLE001 - staff get an apology; the log has the details
        print(apology("matching staff to Slack"), file=sys.stderr)
        raise typer.Exit(1) from None
    finally:
        sendbot.db.dispose()


def describe_link(report: LinkReport) -> list[str]:
    """One run of matching as the person at the keyboard reads it."""
    if report.looked_up:
        lines = [f"Slack: {report.matched} of {report.looked_up} matched."]
    elif not report.problem:
        lines = ["Slack: nobody new to look up; everyone was matched or checked just now."]
    else:
        lines = []
    if report.unmatched:
        lines.append(f"Not matched ({len(report.unmatched)}):")
        lines += [f"  {p.name} <{p.email}>: {p.reason}" for p in report.unmatched]
    if report.problem:
        lines.append(
            f"Slack stopped answering: {report.problem}. "
            f"{report.postponed} still to look up; sendbot tries again daily."
        )
    return lines


def describe_people(report: PeopleReport) -> list[str]:
    """The stored state of matching for one school."""
    lines = [
        f"Slack: {report.matched} matched, {len(report.unmatched)} not matched, "
        f"{len(report.unchecked)} not looked up yet."
    ]
    if report.unmatched:
        lines.append("Not matched:")
        lines += [
            f"  {p.name} <{p.email}>: {p.reason}"
            + (f" (checked {p.checked_at:%-d %b %Y})" if p.checked_at else "")
            for p in report.unmatched
        ]
    if report.unchecked:
        lines.append("Not looked up yet: " + ", ".join(report.unchecked))
    return lines
