"""`sendbot import-staff FILE.csv`: load or refresh a school's staff list from a spreadsheet."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

import typer

from bot.cli.common import check_then_apply, in_one_transaction
from bot.cli.slack import link_unmatched
from bot.content.staff_csv import read_staff_csv
from bot.services.pauses import find_person, pause, resume
from bot.services.schools import find_school
from bot.services.staff_import import StaffImportSummary, import_staff
from bot.services.web_sign_in import sign_out_everywhere


def register(app: typer.Typer) -> None:
    """Add the import-staff command and the staff group."""
    register_pauses(app)

    @app.command("import-staff")
    def import_staff_command(
        file: Path = typer.Argument(
            ...,
            exists=True,
            dir_okay=False,
            readable=True,
            help="The staff list saved from Excel as CSV UTF-8 (see docs/staff-import.md).",
        ),
        school: str | None = typer.Option(
            None, "--school", help="The school's name; added if new. Needed if there are several."
        ),
        deactivate_missing: bool = typer.Option(
            False,
            "--deactivate-missing",
            help="Mark stored staff who are not in the file as left (they get no more messages).",
        ),
    ) -> None:
        """Import the staff list; all rows are checked first, and a bad file changes nothing."""
        summary = check_then_apply(
            lambda: read_staff_csv(file.read_bytes()),
            lambda session, _app, staff_file: import_staff(
                session, staff_file, school_name=school, deactivate_missing=deactivate_missing
            ),
            f"importing {file.name}",
        )
        print(describe(summary))
        # When Slack is set up, match the newcomers (and anyone still unmatched) at once.
        for line in link_unmatched(summary.school):
            print(line)


def register_pauses(app: typer.Typer) -> None:
    """Add `sendbot staff pause` and `sendbot staff resume`."""
    staff_app = typer.Typer(help="Look after individual members of staff.", no_args_is_help=True)

    @staff_app.command("pause")
    def pause_command(
        email: str = typer.Argument(..., help="Their email address."),
        until: str = typer.Option(
            ..., "--until", help="The last day of the pause, as dd/mm/yyyy or yyyy-mm-dd."
        ),
        school: str | None = typer.Option(None, "--school", help="Needed if there are several."),
    ) -> None:
        """Pause someone's messages (leave, long-term absence) up to and including a day."""
        last_day = _parse_day(until)
        person = in_one_transaction(
            lambda s, app: pause(
                s, find_school(s, school), email, last_day, app.clock.now().date()
            ),
            "pausing a person",
        )
        print(f"{person.name} gets no messages until after {last_day:%a %-d %b %Y}.")

    @staff_app.command("resume")
    def resume_command(
        email: str = typer.Argument(..., help="Their email address."),
        school: str | None = typer.Option(None, "--school", help="Needed if there are several."),
    ) -> None:
        """End someone's pause at once."""
        person = in_one_transaction(
            lambda s, _app: resume(s, find_school(s, school), email), "resuming a person"
        )
        print(f"{person.name} gets messages again from their next sending moment.")

    @staff_app.command("sign-out-everywhere")
    def sign_out_everywhere_command(
        email: str = typer.Argument(..., help="Their email address."),
        school: str | None = typer.Option(None, "--school", help="Needed if there are several."),
    ) -> None:
        """End every web sign-in of a person (a lost phone, a shared computer)."""

        def work(session, app):  # type: ignore[no-untyped-def]
            person = find_person(session, find_school(session, school), email)
            return person.name, sign_out_everywhere(session, person, app.clock.now())

        name, ended = in_one_transaction(work, "signing a person out")
        print(f"Signed {name} out of the web pages everywhere ({ended} sign-ins ended).")

    app.add_typer(staff_app, name="staff")


def _parse_day(text: str) -> date:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    print(f"'{text}' is not a date: write it as dd/mm/yyyy, e.g. 04/01/2027.", file=sys.stderr)
    raise typer.Exit(1)


def describe(summary: StaffImportSummary) -> str:
    """The summary as the person at the keyboard reads it."""
    lines = [str(summary)]
    if summary.not_in_file:
        lines.append(
            f"{summary.not_in_file} stored staff are not in this file and were left as they are;"
            " run again with --deactivate-missing to mark them as left."
        )
    return "\n".join(lines)
