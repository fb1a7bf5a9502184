"""`sendbot import-staff FILE.csv`: load or refresh a school's staff list from a spreadsheet."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from bot.cli.common import open_app
from bot.content.staff_csv import read_staff_csv
from bot.services.errors import UserError, apology
from bot.services.staff_import import StaffImportSummary, import_staff


def register(app: typer.Typer) -> None:
    """Add the import-staff command."""

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
        staff_file = read_staff_csv(file.read_bytes())
        sendbot = open_app()
        try:
            summary = sendbot.db.work(
                lambda session: import_staff(
                    session,
                    staff_file,
                    school_name=school,
                    deactivate_missing=deactivate_missing,
                )
            )
        except UserError as exc:
            print(exc, file=sys.stderr)
            raise typer.Exit(1) from None
        except Exception:  # noqa: BLE001 - staff get an apology; the log has the details
            print(apology(f"importing {file.name}"), file=sys.stderr)
            raise typer.Exit(1) from None
        finally:
            sendbot.db.dispose()
        print(describe(summary))


def describe(summary: StaffImportSummary) -> str:
    """The summary as the person at the keyboard reads it."""
    lines = [str(summary)]
    if summary.not_in_file:
        lines.append(
            f"{summary.not_in_file} stored staff are not in this file and were left as they are;"
            " run again with --deactivate-missing to mark them as left."
        )
    return "\n".join(lines)
