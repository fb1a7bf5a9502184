"""`sendbot import-register`, `sendbot import-teaching` and `sendbot privacy erase-pupil`.

What these print holds counts, line numbers and column headings only, never a pupil's data.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.bootstrap import Sendbot
from bot.cli.common import SchoolName, check_then_apply, in_one_transaction
from bot.domain.register import Scope
from bot.services.register.files import (
    MAX_BYTES,
    CheckedRegister,
    CheckedTeaching,
    apply_register_file,
    apply_teaching_file,
    check_register_file,
    check_teaching_file,
    too_large,
)
from bot.services.register.retention import erase_pupil
from bot.services.schools import find_school
from bot.storage.maintenance import forget_erased_bytes


def register(app: typer.Typer) -> None:
    """Add the register commands and the privacy group."""

    @app.command("import-register")
    def import_register_command(
        file: Annotated[
            Path,
            typer.Argument(
                exists=True,
                dir_okay=False,
                readable=True,
                help="The SEN register exported from the MIS (CSV or Excel .xlsx).",
            ),
        ],
        mapping: Annotated[
            Path | None,
            typer.Option(
                "--mapping",
                exists=True,
                dir_okay=False,
                readable=True,
                help="The school's mapping file, for an MIS sendbot has no preset for.",
            ),
        ] = None,
        confirm_partial: Annotated[
            bool,
            typer.Option(
                "--confirm-partial",
                help="Import even though it takes many pupils off the register at once.",
            ),
        ] = False,
        now: Annotated[
            bool,
            typer.Option("--now", help="Send the alerts at once, even outside school hours."),
        ] = False,
        scope: Annotated[
            Scope | None,
            typer.Option(
                "--scope",
                help="Which pupils the file lists: sen-only (an SEN register report: pupils left"
                " out come off the register) or whole-roll (pupils left out have left the"
                " school). Worked out from the file when not given.",
                case_sensitive=False,
            ),
        ] = None,
        school: SchoolName = None,
    ) -> None:
        """Import the SEN register; every line is checked first, and a bad file changes nothing.

        Staff who teach a pupil whose place on the register changed are told at their next
        sending moment. The school's first import only sets where things stand."""

        data = _read(file)
        mapping_data = _read(mapping, "mapping file") if mapping else None

        def check() -> CheckedRegister:
            return check_register_file(data, mapping_data)

        def apply(session: Session, app: Sendbot, checked: CheckedRegister) -> str:
            return str(
                apply_register_file(
                    session,
                    find_school(session, school),
                    checked,
                    file_name=file.name,
                    by=None,
                    now=app.clock.now(),
                    confirm_partial=confirm_partial,
                    platform=app.platform,
                    send_now=now,
                    scope=scope,
                )
            )

        typer.echo(check_then_apply(check, apply, "importing the register"))

    @app.command("import-teaching")
    def import_teaching_command(
        file: Annotated[
            Path,
            typer.Argument(
                exists=True,
                dir_okay=False,
                readable=True,
                help="Teaching groups or a class list from the MIS: group, staff email or staff"
                " code, pupil id (or UPN), role.",
            ),
        ],
        staff_codes: Annotated[
            Path | None,
            typer.Option(
                "--staff-codes",
                exists=True,
                dir_okay=False,
                readable=True,
                help="The MIS staff list (staff code and email), for a class list that names"
                " staff by code. The codes are kept, so later class lists need it only for"
                " new staff.",
            ),
        ] = None,
        school: SchoolName = None,
    ) -> None:
        """Replace who teaches whom; a file with any bad line changes nothing."""

        def apply(session: Session, app: Sendbot, checked: CheckedTeaching) -> str:
            return str(
                apply_teaching_file(
                    session, find_school(session, school), checked, by=None, now=app.clock.now()
                )
            )

        data = _read(file)
        codes_data = _read(staff_codes, "staff list") if staff_codes else None
        typer.echo(
            check_then_apply(
                lambda: check_teaching_file(data, codes_data), apply, "importing teaching groups"
            )
        )

    privacy_app = typer.Typer(help="Pupil data and its erasure.", no_args_is_help=True)

    @privacy_app.command("erase-pupil")
    def erase_pupil_command(
        mis_id: Annotated[str, typer.Argument(help="The pupil's id in the MIS.")],
        school: SchoolName = None,
    ) -> None:
        """Erase every copy of one pupil's data now; counts in reports stay."""
        engines: list[Engine] = []

        def work(session: Session, app: Sendbot) -> int:
            engines.append(app.db.engine)
            pupil = erase_pupil(
                session, find_school(session, school), mis_id, None, app.clock.now()
            )
            return pupil.id  # type: ignore[return-value]

        erased = in_one_transaction(work, "erasing a pupil")
        # Only once the erasure has committed can the old copies in the database files go.
        forget_erased_bytes(engines[0])
        engines[0].dispose()
        typer.echo(
            f"Erased: pupil record {erased} keeps no name, UPN, MIS id, year, form, needs or"
            " profile link, and their alerts in the local chat no longer show them."
        )

    app.add_typer(privacy_app, name="privacy")


def _read(path: Path, what: str = "file") -> bytes:
    """The file's bytes; one over the size limit is refused before it is read."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        print(too_large(size, what), file=sys.stderr)
        raise typer.Exit(1)
    with path.open("rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:  # it grew while we looked
        print(too_large(len(data), what), file=sys.stderr)
        raise typer.Exit(1)
    return data
