"""`sendbot target set|list|import|delete`: performance-management targets from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from bot.bootstrap import Sendbot
from bot.cli.common import check_then_apply, in_one_transaction
from bot.content.targets_csv import TargetFile, read_targets_csv
from bot.domain.targets import METRICS_ALLOWED, PERIODS_ALLOWED
from bot.services.progress import school_today, target_progress
from bot.services.schools import find_school
from bot.services.targets import (
    check_wanted,
    delete_target,
    describe,
    find_person,
    import_targets,
    list_targets,
    set_target,
)
from bot.storage.school import School

By = Annotated[
    str,
    typer.Option(
        "--by", help="Email of the person setting it: the line manager, the SENDCO or an admin."
    ),
]


def register(app: typer.Typer) -> None:
    """Add the target commands."""
    target_app = typer.Typer(
        help="Set, list, import and delete performance-management targets.", no_args_is_help=True
    )

    @target_app.command("set")
    def set_command(
        email: Annotated[str, typer.Argument(help="Email of the person the target is for.")],
        metric: Annotated[str, typer.Option("--metric", help=METRICS_ALLOWED)],
        threshold: Annotated[str, typer.Option("--threshold", help="A percentage, 1 to 100.")],
        period: Annotated[str, typer.Option("--period", help=PERIODS_ALLOWED)],
        by: By,
        area: Annotated[
            str | None, typer.Option("--area", help="Only questions about this area of need.")
        ] = None,
        topic: Annotated[
            str | None, typer.Option("--topic", help="Only questions with this topic tag.")
        ] = None,
    ) -> None:
        """Set a target, or change the threshold of the same target set before."""

        def work(session: Session, app: Sendbot) -> str:
            actor = find_person(session, by)
            person = find_person(session, email, actor.school_id)
            wanted = check_wanted(session, actor.school_id, metric, threshold, period, area, topic)
            target, new = set_target(session, actor, person, wanted, app.clock.now())
            verb = "Set" if new else "Updated"
            return f"{verb} target {target.id} for {person.name}: {describe(target)}."

        typer.echo(in_one_transaction(work, "setting a target"))

    @target_app.command("list")
    def list_command(
        email: Annotated[
            str | None, typer.Argument(help="Only this person's targets.", show_default=False)
        ] = None,
        school: Annotated[
            str | None, typer.Option("--school", help="Needed only if there are several.")
        ] = None,
    ) -> None:
        """Targets with where each stands today, measured from what was recorded."""

        def work(session: Session, app: Sendbot) -> list[str]:
            if email:
                person = find_person(session, email)
                rows = list_targets(session, person.school_id, [person])
            else:
                found = find_school(session, school)
                rows = list_targets(session, found.id)  # type: ignore[arg-type]
            if not rows:
                return []
            school_row = session.get(School, rows[0][0].school_id)
            today = school_today(session, school_row.id, app.clock.now())  # type: ignore[union-attr,arg-type]
            statuses = target_progress(
                session,
                [t for _, t in rows],
                school_row.timezone,
                today,  # type: ignore[union-attr]
            )
            lines = []
            for person, target in rows:
                status = statuses[target.id]  # type: ignore[index]
                lines.append(
                    f"{target.id:>5}  {person.name} <{person.email}>: {describe(target)}: "
                    f"{status.status} ({status.numerator} of {status.denominator})"
                )
            return lines

        for line in in_one_transaction(work, "listing targets") or ["No targets yet."]:
            typer.echo(line)

    @target_app.command("import")
    def import_command(
        file: Annotated[
            Path,
            typer.Argument(
                exists=True,
                dir_okay=False,
                readable=True,
                help="CSV UTF-8 with columns email, metric, threshold, period, area, topic.",
            ),
        ],
        by: By,
    ) -> None:
        """Set a whole team's targets from a spreadsheet; a file with any bad line sets none."""

        def apply(session: Session, app: Sendbot, target_file: TargetFile) -> tuple[int, int]:
            actor = find_person(session, by)
            return import_targets(session, actor, target_file, app.clock.now())

        added, updated = check_then_apply(
            lambda: read_targets_csv(file.read_bytes()), apply, f"importing {file.name}"
        )
        typer.echo(f"{added} targets added, {updated} updated.")

    @target_app.command("delete")
    def delete_command(
        target_id: Annotated[int, typer.Argument(help="The number `sendbot target list` shows.")],
        by: By,
    ) -> None:
        """Delete a target."""

        def work(session: Session, _app: Sendbot) -> str:
            return delete_target(session, find_person(session, by), target_id)

        typer.echo(in_one_transaction(work, "deleting a target"))

    app.add_typer(target_app, name="target")
