"""Pausing a person (leave, long-term absence): no messages until the day after the pause."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from bot.domain.errors import UserError
from bot.storage.school import School
from bot.storage.staff import Staff


def find_person(session: Session, school: School, email: str) -> Staff:
    """The member of staff with this email at this school."""
    person = session.exec(
        select(Staff).where(Staff.school_id == school.id, Staff.email == email.strip().lower())
    ).first()
    if person is None:
        raise UserError(f"Nobody at {school.name} has the email address {email}.")
    return person


def pause(session: Session, school: School, email: str, until: date, today: date) -> Staff:
    """Pause a person's messages up to and including `until`."""
    if until < today:
        raise UserError(f"The pause must end today or later, not on {until:%d/%m/%Y}.")
    person = find_person(session, school, email)
    person.paused_until = until
    session.add(person)
    return person


def resume(session: Session, school: School, email: str) -> Staff:
    """End a person's pause at once."""
    person = find_person(session, school, email)
    person.paused_until = None
    session.add(person)
    return person
