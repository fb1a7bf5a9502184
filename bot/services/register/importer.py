"""Apply a checked register export to a school in one transaction: the pupils, what changed, and
the alerts to the staff who teach the pupils who changed.

The school's first import is its baseline: it records where things stand and alerts nobody (no
change rows are stored for it). Importing the same rows again stores an import with no changes
and alerts nobody; the row is kept so the SENDCO can see when the register was last refreshed.
Errors (and the UserErrors here) name rows and columns and give counts, never pupil data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from bot.domain.errors import FileProblems
from bot.domain.register import (
    ALERTED,
    NEEDS,
    NO_SEN,
    ON_REGISTER,
    PROVISIONS,
    YEAR_GROUPS,
    Change,
    ChangeKind,
    PupilRecord,
    Scope,
    Standing,
    diff_register,
    export_scope,
    share_leaving,
)
from bot.services.errors import UserError
from bot.services.register.alerts import insert_ids, plan_alerts
from bot.services.register.audit import record_event
from bot.services.register.result import RegisterResult
from bot.services.teaching_links import PupilPlace
from bot.storage.register import Pupil, RegisterChange, RegisterImport
from bot.storage.school import School
from bot.storage.staff import Staff

# The fields a PupilRecord carries onto the Pupil row, with the longest value each column holds.
FIELDS = {
    "mis_id": 50,
    "upn": 13,
    "legal_first": 100,
    "legal_last": 100,
    "preferred_first": 100,
    "preferred_last": 100,
    "year_group": 3,
    "reg_group": 30,
    "provision": 1,
    "primary_need": 4,
    "secondary_need": 4,
    "provision_start": None,
    "profile_url": 500,
}
# What is read of each stored pupil to compare with the export.
STORED = [
    Pupil.id,
    *(getattr(Pupil, name) for name in FIELDS),
    Pupil.on_roll,
    Pupil.off_register_on,
]
# Rows per INSERT: well inside SQLite's and PostgreSQL's parameter limits.
CHUNK = 500


@dataclass(frozen=True)
class StoredPlace:
    """Where a pupil the export leaves out is in the school, as the register last held it."""

    mis_id: str
    year_group: str
    reg_group: str


class RegisterProblems(FileProblems):
    """Rows that cannot be stored; every one is listed and nothing changed."""


class PartialExport(UserError):
    """The file would take a large share of the register off it: probably part of the school."""


def import_register(
    session: Session,
    school: School,
    rows: Sequence[PupilRecord],
    *,
    file_name: str,
    file_bytes_sha256: str,
    by: Staff | None,
    now: datetime,
    confirm_partial: bool = False,
    send_now: bool = False,
    platform: str = "local",
    scope: Scope | None = None,
) -> RegisterResult:
    """Store the export, record each change, and plan one alert per person to tell. `scope`
    says which pupils the file lists; by default it is worked out (export_scope).

    Raises RegisterProblems or PartialExport before anything is written; any other failure
    leaves the caller's transaction to roll back, so an import is applied whole or not at all.
    """
    check_rows(rows)
    assert school.id is not None
    # Plain rows, not ORM objects: a whole school's register is read and compared each time.
    stored = {
        row["mis_id"]: dict(row)
        for row in session.execute(
            select(*STORED).where(Pupil.school_id == school.id, col(Pupil.erased_at).is_(None))
        ).mappings()
    }
    before = {
        mis_id: Standing(p["provision"], p["primary_need"], p["on_roll"])
        for mis_id, p in stored.items()
    }
    baseline = (
        session.exec(select(RegisterImport.id).where(RegisterImport.school_id == school.id)).first()
        is None
    )
    reading = scope or export_scope(rows)
    changes = diff_register(before, rows, reading)
    share = share_leaving(before, changes)
    partial = share > school.register_partial_share
    if partial and not confirm_partial:
        raise _partial_export(before, changes, share, school.register_partial_share)
    register_import = RegisterImport(
        school_id=school.id,
        at=now,
        by_staff_id=by.id if by else None,
        file_name=file_name[:200],
        file_sha256=file_bytes_sha256,
        pupils=len(rows),
        changes=0 if baseline else len(changes),
        baseline=baseline,
        confirmed_partial=partial and confirm_partial,
    )
    session.add(register_import)
    session.flush()
    assert register_import.id is not None
    today = now.astimezone(ZoneInfo(school.timezone)).date()
    ids = _apply(session, school.id, stored, rows, today, reading)
    counts: Counter[str] = Counter()
    alerts = reads = not_reached = 0
    if not baseline:
        # Where each changed pupil is: from the file, or, for one it leaves out, as stored.
        places: dict[str, PupilPlace] = {
            mis_id: StoredPlace(mis_id, p["year_group"], p["reg_group"])
            for mis_id, p in stored.items()
        }
        places |= {r.mis_id: r for r in rows}
        change_ids = _record_changes(session, school.id, register_import.id, changes, ids)
        alerted = [
            (change_id, places[change.mis_id])
            for change, change_id in zip(changes, change_ids, strict=True)
            if change.kind in ALERTED
        ]
        counts = Counter(c.kind for c in changes)
        alerts, reads, not_reached = plan_alerts(
            session, school, register_import.id, alerted, now, platform, send_now
        )
    result = RegisterResult(
        import_id=register_import.id,
        pupils=len(rows),
        on_register=sum(1 for r in rows if r.provision in ON_REGISTER),
        baseline=baseline,
        counts={str(kind): n for kind, n in counts.items()},
        alerts=alerts,
        reads=reads,
        not_reached=not_reached,
        confirmed_partial=register_import.confirmed_partial,
        scope=reading.value,
    )
    record_event(
        session,
        school,
        by,
        "register_imported",
        now,
        subject=("register_import", register_import.id),
        detail=(
            f"pupils={result.pupils} changes={result.changes} alerts={result.alerts}"
            f" baseline={baseline} confirmed_partial={result.confirmed_partial}"
            f" scope={reading.value}"
        ),
    )
    return result


def check_rows(rows: Sequence[PupilRecord]) -> None:
    """A last guard behind the file reader: what the database could not hold, or would mix up."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        where = f"Pupil {number:,} in the file"
        if not row.mis_id.strip():
            problems.append(f'{where}, column "MIS id": it is blank.')
        elif row.mis_id in seen:
            problems.append(
                f'{where}, column "MIS id": the same pupil as pupil {seen[row.mis_id]:,}.'
            )
        else:
            seen[row.mis_id] = number
        if row.provision not in PROVISIONS:
            problems.append(f'{where}, column "provision": not one of {", ".join(PROVISIONS)}.')
        if row.year_group not in YEAR_GROUPS:
            problems.append(f'{where}, column "year group": not a year group sendbot knows.')
        for name in ("primary_need", "secondary_need"):
            code = getattr(row, name)
            if code and code not in NEEDS:
                problems.append(f'{where}, column "{name.replace("_", " ")}": not a need code.')
        for name, longest in FIELDS.items():
            value = getattr(row, name)
            if longest is not None and len(value) > longest:
                problems.append(
                    f'{where}, column "{name.replace("_", " ")}": longer than {longest} characters.'
                )
    if problems:
        raise RegisterProblems(problems)


def _partial_export(
    before: dict[str, Standing], changes: list[Change], share: float, limit: float
) -> PartialExport:
    on = sum(1 for s in before.values() if s.on_roll and s.provision in ON_REGISTER)
    off = sum(1 for c in changes if c.kind in (ChangeKind.REMOVED, ChangeKind.LEFT))
    return PartialExport(
        f"This file would take {off:,} of the {on:,} pupils on the register off it ({share:.0%};"
        f" the school's limit is {limit:.0%}). That usually means an export of only part of the"
        " school, so nothing was stored. If the file is the whole register, import it again"
        ' with --confirm-partial on the command line, or tick "This is the whole register"'
        " on the upload form."
    )


def _apply(
    session: Session,
    school_id: int,
    stored: dict[str, dict[str, Any]],
    rows: Sequence[PupilRecord],
    today: date,
    scope: Scope,
) -> dict[str, int]:
    """Bring the Pupil rows in line with the export; returns every pupil's row id by MIS id."""
    ids = {mis_id: p["id"] for mis_id, p in stored.items()}
    new: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for row in rows:
        values = {name: getattr(row, name) for name in FIELDS}
        old = stored.get(row.mis_id)
        if old is None:
            new.append(values | {"school_id": school_id, "on_roll": True, "off_register_on": None})
            continue
        was_on = old["on_roll"] and old["provision"] in ON_REGISTER
        off = old["off_register_on"]
        if row.provision in ON_REGISTER:
            off = None
        elif was_on:
            off = today  # came off the register today
        elif not old["on_roll"]:
            off = None  # back at the school: a current pupil again
        values |= {"on_roll": True, "off_register_on": off}
        if any(old[name] != value for name, value in values.items()):
            updates.append(values | {"id": old["id"]})
    seen = {row.mis_id for row in rows}
    for mis_id, old in stored.items():
        if mis_id in seen or not old["on_roll"]:
            continue
        kept = {name: old[name] for name in FIELDS} | {"id": old["id"]}
        if scope is Scope.WHOLE_ROLL:
            # Left the school: kept from today for as long as the school keeps former pupils.
            updates.append(kept | {"on_roll": False, "off_register_on": today})
        elif old["provision"] in ON_REGISTER:
            # Not in an SEN register report: still at the school, off the register from today.
            off = {"provision": NO_SEN, "primary_need": "", "secondary_need": ""}
            updates.append(kept | off | {"on_roll": True, "off_register_on": today})
    if updates:
        session.execute(update(Pupil), updates)
    for start in range(0, len(new), CHUNK):
        inserted = session.execute(
            insert(Pupil).returning(Pupil.mis_id, Pupil.id), new[start : start + CHUNK]
        )
        ids.update(dict(inserted.all()))  # (mis_id, id) rows
    return ids


def _record_changes(
    session: Session,
    school_id: int,
    import_id: int,
    changes: list[Change],
    ids: dict[str, int],
) -> list[int]:
    """Store each change; returns their ids in the same order."""
    rows = [
        {
            "school_id": school_id,
            "import_id": import_id,
            "pupil_id": ids[c.mis_id],
            "kind": c.kind.value,
            "old_provision": c.old_provision,
            "new_provision": c.new_provision,
            "old_need": c.old_need,
            "new_need": c.new_need,
        }
        for c in changes
    ]
    return insert_ids(session, RegisterChange, rows)
