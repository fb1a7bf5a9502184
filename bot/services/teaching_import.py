"""Replace a school's teaching links from its MIS class lists, in the caller's transaction.

Staff are found by email or by the MIS staff code kept on their record (codes from the MIS staff
list given beside the file are kept first); pupils by MIS id or, in a file without one, by UPN.
Any line naming someone sendbot cannot find stores nothing, and says which line and column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from bot.domain.errors import FileProblems
from bot.services.register.audit import record_event
from bot.services.staff_codes import CodesGiven, give_codes
from bot.services.teaching_links import CHUNK, CLASS_ROLES, ROLES
from bot.storage.register import Pupil, TeachingLink
from bot.storage.school import School
from bot.storage.staff import Staff


class TeachingRow(Protocol):
    """One line of a teaching-groups file, as bot.content.teaching_file reads it."""

    line: int
    group: str
    staff_email: str
    pupil_mis_id: str
    role: str
    staff_code: str
    pupil_upn: str


# The columns' usual headings, for messages when the caller does not give the file's own.
HEADINGS = {
    "staff_email": "Staff email",
    "staff_code": "Staff code",
    "pupil_mis_id": "Pupil ID",
    "pupil_upn": "UPN",
    "role": "Role",
}


@dataclass(frozen=True)
class TeachingResult:
    """What a teaching-groups import stored: counts only."""

    links: int
    staff: int
    pupils: int
    groups: int
    by_code: int = 0  # staff found by their MIS staff code, not their email
    by_upn: bool = False  # pupils named by UPN (the file has no MIS id column)
    codes: CodesGiven | None = None  # from the MIS staff list given beside the file

    def __str__(self) -> str:
        said = [
            f"{self.links:,} teaching links for {self.staff:,} staff: {self.pupils:,} pupils"
            f" by name, {self.groups:,} tutor and year groups."
        ]
        if self.codes is not None:
            said.append(
                f"Staff codes from the staff list: {self.codes.given:,} kept for next time"
                + (
                    f"; {self.codes.unknown:,} people on it are not in sendbot's staff list."
                    if self.codes.unknown
                    else "."
                )
            )
        if self.by_code:
            said.append(f"{self.by_code:,} staff were found by their staff code.")
        if self.by_upn:
            said.append("Pupils were matched by their UPN, as the file has no MIS id column.")
        return " ".join(said)


class TeachingProblems(FileProblems):
    """Rows that cannot be stored; every one is listed and nothing changed."""


def import_teaching(
    session: Session,
    school: School,
    rows: Iterable[TeachingRow],
    by: Staff | None,
    now: datetime,
    *,
    headings: Mapping[str, str] | None = None,
    codes: Mapping[str, str] | None = None,
) -> TeachingResult:
    """Replace the school's teaching links with the file's; any unknown person stores nothing.

    `codes` (staff code -> email, from the MIS staff list) are kept on the staff records first,
    so this file and later ones can name staff by code; `headings` are the file's own."""
    rows = list(rows)
    shown = {**HEADINGS, **(headings or {})}
    given = give_codes(session, school.id, {e: c for c, e in codes.items()}) if codes else None  # type: ignore[arg-type]
    active = session.exec(
        select(Staff).where(Staff.school_id == school.id, Staff.active == True)  # noqa: E712
    ).all()
    by_email = {person.email.strip().lower(): person.id for person in active}
    by_code = {person.staff_code: person.id for person in active if person.staff_code}
    upns = _mis_ids_for_upns(session, school.id, {row.pupil_upn for row in rows} - {""})
    problems: list[str] = []
    links: set[tuple[int, str, str, str]] = set()
    found_by_code: set[int] = set()
    for row in rows:
        role = row.role.strip().lower()
        staff_id = _staff_id(row, by_email, by_code, school.name, shown, problems)
        if staff_id is None:
            continue
        if not row.staff_email:
            found_by_code.add(staff_id)
        if role not in ROLES:
            problems.append(
                f'Line {row.line}, column "{shown["role"]}": "{row.role}" is not one of'
                f" {', '.join(ROLES)}."
            )
            continue
        mis_id = row.pupil_mis_id.strip() or upns.get(row.pupil_upn, row.pupil_upn)
        group = row.group.strip()
        if not mis_id and (role in CLASS_ROLES or not group):
            problems.append(
                f'Line {row.line}, column "{shown["pupil_mis_id"]}": a {role} link needs the'
                " pupil's MIS id"
                + ("." if role in CLASS_ROLES else ", or a group for a whole form or year.")
            )
            continue
        # A pupil-level tutor link keeps its group for the record; a group link has no pupil.
        links.add((staff_id, role, group, mis_id))
    if problems:
        raise TeachingProblems(problems)
    session.execute(delete(TeachingLink).where(col(TeachingLink.school_id) == school.id))
    ordered = sorted(links, key=lambda link: (link[0], link[1], link[2], link[3]))
    for start in range(0, len(ordered), CHUNK):
        session.execute(
            insert(TeachingLink),
            [
                {
                    "school_id": school.id,
                    "staff_id": staff_id,
                    "role": role,
                    "group_name": group,
                    "pupil_mis_id": mis_id,
                }
                for staff_id, role, group, mis_id in ordered[start : start + CHUNK]
            ],
        )
    result = TeachingResult(
        links=len(links),
        staff=len({link[0] for link in links}),
        pupils=len({link[3] for link in links if link[3]}),
        groups=len({(link[1], link[2]) for link in links if not link[3]}),
        by_code=len(found_by_code),
        by_upn=any(row.pupil_upn for row in rows),
        codes=given,
    )
    record_event(
        session,
        school,
        by,
        "teaching_links_imported",
        now,
        detail=f"links={result.links} staff={result.staff}",
    )
    return result


def _staff_id(
    row: TeachingRow,
    by_email: Mapping[str, int | None],
    by_code: Mapping[str, int | None],
    school: str,
    shown: Mapping[str, str],
    problems: list[str],
) -> int | None:
    """The line's member of staff, by email or else by staff code; None with a problem added."""
    email = row.staff_email.strip().lower()
    if email or not row.staff_code:
        if (staff_id := by_email.get(email)) is None:
            problems.append(
                f'Line {row.line}, column "{shown["staff_email"]}": nobody active at {school} has'
                f" the address {row.staff_email.strip() or '(blank)'}; import the staff list"
                " first, or correct the address."
            )
        return staff_id
    if (staff_id := by_code.get(row.staff_code.strip().upper())) is None:
        problems.append(
            f'Line {row.line}, column "{shown["staff_code"]}": nobody active at {school} has the'
            f" staff code {row.staff_code}. Give the MIS staff list (with staff codes and"
            " emails) beside this file, or add a Staff code column to sendbot's staff list."
        )
    return staff_id


def _mis_ids_for_upns(session: Session, school_id: int, upns: set[str]) -> dict[str, str]:
    """The stored pupils' MIS ids by UPN. A UPN with no stored pupil is left out: a register
    keyed on UPNs stores the UPN as the MIS id, so the UPN itself is the key then."""
    ordered = sorted(upns)
    found: dict[str, str] = {}
    for start in range(0, len(ordered), CHUNK):
        query = select(Pupil.upn, Pupil.mis_id).where(
            Pupil.school_id == school_id, col(Pupil.upn).in_(ordered[start : start + CHUNK])
        )
        found.update(dict(session.exec(query).all()))
    return found
