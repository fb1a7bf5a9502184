"""Applies a checked staff file to one school in the caller's transaction: all of it, or nothing."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, select

from bot.content.staff_csv import (
    Problem,
    StaffFile,
    StaffRow,
    describe_circle,
    management_cycles,
)
from bot.domain.errors import FileProblems
from bot.domain.people import (
    Role,
    roles_from_text,
    roles_to_text,
    working_days_to_text,
)
from bot.services.errors import UserError
from bot.services.schools import find_school
from bot.services.staff_codes import give_codes
from bot.services.web_sessions import end_all
from bot.storage.school import School
from bot.storage.staff import ChatIdentity, Staff

log = logging.getLogger(__name__)

# The built-in chat knows people by email, so the local chat page can show their messages.
LOCAL_PLATFORM = "local"


@dataclass(frozen=True)
class StaffImportSummary:
    """What an import changed; `not_in_file` counts active people it left alone."""

    school: str
    added: int
    updated: int
    unchanged: int
    deactivated: int
    not_in_file: int

    def __str__(self) -> str:
        return (
            f"{self.school}: {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.deactivated} deactivated."
        )


class StaffFileProblems(FileProblems):
    """The file cannot be imported; every problem is listed, one line each, and nothing changed."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        super().__init__(sorted(problems, key=lambda p: p.line))


def import_staff(
    session: Session,
    staff_file: StaffFile,
    *,
    school_name: str | None = None,
    deactivate_missing: bool = False,
) -> StaffImportSummary:
    """Add and update the file's people for the school; raises StaffFileProblems if any is wrong."""
    try:
        school = find_school(session, school_name, create=bool(school_name))
    except UserError:
        if staff_file.problems:
            # The file's own problems come first; which school is meant can wait until it is right.
            raise StaffFileProblems(staff_file.problems) from None
        raise
    stored = {
        person.email.lower(): person
        for person in session.exec(select(Staff).where(Staff.school_id == school.id)).all()
    }
    in_file = {row.email for row in staff_file.rows}
    problems = [
        *staff_file.problems,
        *_stored_manager_problems(staff_file, stored, school, deactivate_missing),
        *_cycles_through_stored(staff_file, stored),
    ]
    if problems:
        raise StaffFileProblems(problems)

    before = {email: _snapshot(person) for email, person in stored.items()}
    people = _upsert(session, school, staff_file.rows, stored)
    missing = [p for email, p in stored.items() if email not in in_file and p.active]
    staying = [] if deactivate_missing else missing
    by_id = {person.id: email for email, person in {**stored, **people}.items()}
    managing = {row.line_manager_email for row in staff_file.rows if row.line_manager_email}
    # People left alone keep their managers, so those managers keep the role.
    managing |= {by_id[p.line_manager_id] for p in staying if p.line_manager_id in by_id}
    for row in staff_file.rows:
        person = people[row.email]
        manager = people.get(row.line_manager_email) or stored.get(row.line_manager_email)
        person.line_manager_id = manager.id if manager else None
        extra = {Role.LINE_MANAGER} if row.email in managing else set()
        person.roles = roles_to_text(set(row.roles) | extra)
    for email in managing - in_file:
        # Someone kept from an earlier import gains the role and loses nothing the file omits.
        outside = stored[email]
        outside.roles = roles_to_text(roles_from_text(outside.roles) | {Role.LINE_MANAGER})
    if deactivate_missing:
        for person in missing:
            person.active = False
        # A leaver is signed out of the web pages everywhere at once.
        end_all(session, [p.id for p in missing if p.id is not None])
    if "staff_code" in staff_file.headings:
        # A file with the column sets everyone's code; one without leaves codes as they are.
        give_codes(session, school.id, {row.email: row.staff_code for row in staff_file.rows})  # type: ignore[arg-type]
    _add_local_identities(session, people.values())
    session.flush()

    changed = {email for email, person in stored.items() if _snapshot(person) != before[email]}
    deactivated = len(missing) if deactivate_missing else 0
    kept = in_file & before.keys()
    return StaffImportSummary(
        school=school.name,
        added=len(in_file - kept),
        updated=len(changed) - deactivated,
        unchanged=len(kept - changed),
        deactivated=deactivated,
        not_in_file=len(staying),
    )


def _snapshot(person: Staff) -> tuple[object, ...]:
    return (
        person.name,
        person.job_role,
        person.department,
        person.line_manager_id,
        person.roles,
        person.working_days,
        person.active,
        person.staff_code,
    )


def _upsert(
    session: Session, school: School, rows: Iterable[StaffRow], stored: dict[str, Staff]
) -> dict[str, Staff]:
    """Every person in the file as a stored record, new ones flushed so they have an id."""
    people: dict[str, Staff] = {}
    for row in rows:
        person = stored.get(row.email) or Staff(
            school_id=school.id,  # type: ignore[arg-type]
            name=row.name,
            email=row.email,
            job_role=row.job_role.value,
        )
        person.name = row.name
        person.job_role = row.job_role.value
        person.department = row.department
        person.working_days = working_days_to_text(row.working_days)
        person.active = True
        session.add(person)
        people[row.email] = person
    session.flush()
    return people


def _stored_manager_problems(
    staff_file: StaffFile, stored: dict[str, Staff], school: School, deactivate_missing: bool
) -> list[Problem]:
    """Line managers named from outside the file must be stored, active, and stay so."""
    column = staff_file.heading("line_manager_email")
    problems = []
    for line, email in staff_file.outside_managers:
        manager = stored.get(email)
        if manager is None:
            reason = (
                f"{email} is not in this file and is not on the staff list of {school.name}; "
                "add them to the file, or correct the email."
            )
        elif not manager.active:
            reason = f"{email} has left {school.name} (marked inactive); add them to the file."
        elif deactivate_missing:
            reason = (
                f"{email} is not in this file, so --deactivate-missing would mark them as left; "
                "add them to the file."
            )
        else:
            continue
        problems.append(Problem(line, column, reason))
    return problems


def _cycles_through_stored(staff_file: StaffFile, stored: dict[str, Staff]) -> list[Problem]:
    """Circles that only close through people already stored (the file's own were found)."""
    by_id = {person.id: email for email, person in stored.items()}
    managers = {
        email: by_id[person.line_manager_id]
        for email, person in stored.items()
        if person.line_manager_id in by_id
    }
    line_of = {}
    for row in staff_file.rows:
        line_of[row.email] = row.line
        managers.pop(row.email, None)
        if row.line_manager_email:
            managers[row.email] = row.line_manager_email
    column = staff_file.heading("line_manager_email")
    problems = []
    for cycle in management_cycles(managers):
        if all(email in line_of for email in cycle):
            continue
        problems.extend(
            Problem(
                line_of[email],
                column,
                f"With the staff already stored, line managers would go round in a circle "
                f"({describe_circle(cycle, email)}); change who manages whom to break it.",
            )
            for email in cycle
            if email in line_of
        )
    return problems


def _add_local_identities(session: Session, people: Iterable[Staff]) -> None:
    """A local chat account for each person who has none, named by their email."""
    people = list(people)
    ids = [person.id for person in people]
    have = set(
        session.exec(
            select(ChatIdentity.staff_id).where(
                ChatIdentity.platform == LOCAL_PLATFORM,
                ChatIdentity.staff_id.in_(ids),  # type: ignore[union-attr]
            )
        ).all()
    )
    emails = [person.email for person in people if person.id not in have]
    taken = set(
        session.exec(
            select(ChatIdentity.platform_user_id).where(
                ChatIdentity.platform == LOCAL_PLATFORM,
                ChatIdentity.platform_user_id.in_(emails),  # type: ignore[attr-defined]
            )
        ).all()
    )
    for person in people:
        if person.id in have:
            continue
        if person.email in taken:
            # The same email at another school of the trust already owns the local account.
            log.warning("local chat account %s belongs to someone else; not added", person.email)
            continue
        session.add(
            ChatIdentity(
                staff_id=person.id,  # type: ignore[arg-type]
                platform=LOCAL_PLATFORM,
                platform_user_id=person.email,
            )
        )
