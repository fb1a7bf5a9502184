"""The MIS's staff codes ("THA") on sendbot's staff records, for class lists that name staff by
code. A code belongs to one person in a school; giving it to someone takes it from whoever had
it, as when the MIS reuses a leaver's code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session, select

from bot.storage.staff import Staff


@dataclass(frozen=True)
class CodesGiven:
    """How many people got their code, and how many emails named nobody sendbot knows."""

    given: int
    unknown: int


def give_codes(session: Session, school_id: int, codes: Mapping[str, str]) -> CodesGiven:
    """Set the staff code of each person, by lower-case email ("" clears theirs), in the
    caller's transaction."""
    people = {
        person.email.lower(): person
        for person in session.exec(select(Staff).where(Staff.school_id == school_id)).all()
    }
    wanted = {code for code in codes.values() if code}
    # Clear first and flush: swapping two people's codes must not meet the unique constraint
    # half way, which PostgreSQL checks statement by statement.
    for email, person in people.items():
        if person.staff_code and (person.staff_code in wanted or email in codes):
            person.staff_code = None
            session.add(person)
    session.flush()
    given = 0
    for email, code in codes.items():
        person = people.get(email)
        if person is not None and code:
            person.staff_code = code
            session.add(person)
            given += 1
    session.flush()
    return CodesGiven(given, sum(1 for email in codes if email not in people))
