"""Who teaches whom: replace a school's teaching links from its MIS, and find a pupil's staff.

A pupil's staff are those who teach or support them; a pupil with neither falls back to their
tutor (a link to the pupil, or to their registration group), then to their head of year (a link
to their year group). Only active staff count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from bot.services.errors import UserError
from bot.services.register_audit import record_event
from bot.services.staff_codes import CodesGiven, give_codes
from bot.storage.register import Pupil, TeachingLink
from bot.storage.school import School
from bot.storage.staff import Staff

ROLES = ("teacher", "support", "tutor", "head_of_year")
CLASS_ROLES = ("teacher", "support")
# Ids per IN (...) list: well inside SQLite's and PostgreSQL's parameter limits.
CHUNK = 500


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


class PupilPlace(Protocol):
    """What finding a pupil's staff needs: a Pupil row or a PupilRecord will do."""

    mis_id: str
    year_group: str
    reg_group: str


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


class TeachingProblems(UserError):
    """Rows that cannot be stored; every one is listed and nothing changed."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        heading = f"Nothing was imported: {count} problem{'s' if count != 1 else ''} to put right."
        super().__init__("\n".join([heading, *(f"  {p}" for p in self.problems)]))


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


def staff_for_pupil(session: Session, school_id: int, pupil: PupilPlace) -> list[tuple[Staff, str]]:
    """The active staff to tell about this pupil, each with how they are linked."""
    return staff_for_pupils(session, school_id, [pupil]).get(pupil.mis_id, [])


def staff_for_pupils(
    session: Session, school_id: int, pupils: Sequence[PupilPlace]
) -> dict[str, list[tuple[Staff, str]]]:
    """`staff_for_pupil` for many pupils at once, by MIS id, in a handful of queries.

    Teachers and support staff first; a pupil with none gets their tutor (their own, else their
    form's); one with no tutor either gets their head of year. "How" is the link's role.
    """
    if not pupils:
        return {}
    by_pupil, group_links = pupil_links(session, school_id, pupils)
    staff_ids = {sid for links in (*by_pupil.values(), *group_links.values()) for sid, _ in links}
    staff = _active_staff(session, school_id, staff_ids)
    found: dict[str, list[tuple[Staff, str]]] = {}
    for pupil in pupils:
        own = by_pupil.get(pupil.mis_id, [])
        # A link naming the pupil is more particular than one naming their form or year.
        tiers = (
            [link for link in own if link[1] in CLASS_ROLES],
            [link for link in own if link[1] == "tutor"],
            [link for link in group_links.get(pupil.reg_group, []) if link[1] == "tutor"],
            [link for link in own if link[1] == "head_of_year"],
            [link for link in group_links.get(pupil.year_group, []) if link[1] == "head_of_year"],
        )
        for tier in tiers:
            chosen: dict[int, tuple[Staff, str]] = {}
            for staff_id, role in tier:
                if staff_id in staff and staff_id not in chosen:
                    chosen[staff_id] = (staff[staff_id], role)
            if chosen:
                found[pupil.mis_id] = sorted(chosen.values(), key=lambda pair: pair[0].name)
                break
    return found


def pupil_links(
    session: Session, school_id: int, pupils: Sequence[PupilPlace]
) -> tuple[dict[str, list[tuple[int, str]]], dict[str, list[tuple[int, str]]]]:
    """Every teaching link that reaches these pupils, as (staff id, role): those naming a pupil,
    by MIS id; and tutors' and heads of year's links to a whole form or year, by group name."""
    by_pupil = _links(
        session,
        school_id,
        col(TeachingLink.pupil_mis_id),
        sorted({p.mis_id for p in pupils}),
    )
    by_group = _links(
        session,
        school_id,
        col(TeachingLink.group_name),
        sorted(({p.reg_group for p in pupils} | {p.year_group for p in pupils}) - {""}),
        group_level=True,
    )
    return by_pupil, by_group


def _links(
    session: Session, school_id: int, column, keys: list[str], group_level: bool = False
) -> dict[str, list[tuple[int, str]]]:  # type: ignore[no-untyped-def]
    """(staff id, role) of the school's links whose `column` is one of `keys`, by that key."""
    found: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for start in range(0, len(keys), CHUNK):
        query = select(column, TeachingLink.staff_id, TeachingLink.role).where(
            TeachingLink.school_id == school_id, column.in_(keys[start : start + CHUNK])
        )
        if group_level:
            query = query.where(
                TeachingLink.pupil_mis_id == "",
                col(TeachingLink.role).in_(("tutor", "head_of_year")),
            )
        for key, staff_id, role in session.exec(query).all():
            found[key].append((staff_id, role))
    return found


def _active_staff(session: Session, school_id: int, ids: set[int]) -> dict[int, Staff]:
    ordered = sorted(ids)
    staff: dict[int, Staff] = {}
    for start in range(0, len(ordered), CHUNK):
        for person in session.exec(
            select(Staff).where(
                Staff.school_id == school_id,
                Staff.active == True,  # noqa: E712
                col(Staff.id).in_(ordered[start : start + CHUNK]),
            )
        ).all():
            staff[person.id] = person  # type: ignore[index]
    return staff
