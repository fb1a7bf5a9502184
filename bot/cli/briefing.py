"""`sendbot briefing list|send|withdraw`: the SENDCO's briefings from the command line."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlmodel import Session

from bot.bootstrap import Sendbot
from bot.cli.common import SchoolName, in_one_transaction
from bot.services.briefings import briefing_report, find_briefing, plan_briefing, withdraw_briefing
from bot.services.schools import find_school

Slug = Annotated[str, typer.Argument(help="The briefing's name: its file name without .md.")]


def register(app: typer.Typer) -> None:
    """Add the briefing commands."""
    briefing_app = typer.Typer(help="List, send and withdraw briefings.", no_args_is_help=True)

    @briefing_app.command("list")
    def list_command(school: SchoolName = None) -> None:
        """Every briefing with how many have it, have read it, and were not reached."""

        def report(session: Session, _app: Sendbot) -> list[str]:
            rows = briefing_report(session, find_school(session, school).id)  # type: ignore[arg-type]
            return [
                f"{r.briefing.slug:<32} {r.briefing.status:<10} from {r.briefing.send_on}  "
                f"sent {r.sent}, read {len(r.acknowledged)}, to send {len(r.queued)}, "
                f"not reached {len(r.not_reached)}"
                for r in rows
            ]

        for line in in_one_transaction(report, "listing briefings") or ["No briefings yet."]:
            typer.echo(line)

    @briefing_app.command("send")
    def send_command(
        slug: Slug,
        now: Annotated[
            bool, typer.Option("--now", help="Send at once, even outside school hours.")
        ] = False,
        school: SchoolName = None,
    ) -> None:
        """Plan a briefing for its audience: at each person's next sending moment, or now."""

        def send(session: Session, app: Sendbot) -> int:
            briefing = find_briefing(session, find_school(session, school).id, slug)  # type: ignore[arg-type]
            return plan_briefing(session, briefing, app.clock.now(), app.platform, send_now=now)

        planned = in_one_transaction(send, f"sending {slug}")
        when = "now" if now else "at each person's next sending moment"
        typer.echo(f"{planned} new deliveries planned, {when}. A running sendbot sends them.")

    @briefing_app.command("withdraw")
    def withdraw_command(slug: Slug, school: SchoolName = None) -> None:
        """Stop a briefing: nobody else gets it, and presses on it are answered politely."""

        def withdraw(session: Session, _app: Sendbot) -> int:
            briefing = find_briefing(session, find_school(session, school).id, slug)  # type: ignore[arg-type]
            return withdraw_briefing(session, briefing.id)  # type: ignore[arg-type]

        cancelled = in_one_transaction(withdraw, f"withdrawing {slug}")
        typer.echo(f"Withdrawn; {cancelled} unsent copies were cancelled.")

    app.add_typer(briefing_app, name="briefing")
