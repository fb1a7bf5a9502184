"""Writes the audit log: who did or saw what (never pupil data beyond an id)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.storage.audit import AuditEvent
from bot.storage.staff import Staff


def record(
    session: Session,
    actor: Staff,
    action: str,
    now: datetime,
    subject: tuple[str, object] | None = None,
    detail: str = "",
) -> None:
    """Add one event to the audit log in the caller's transaction."""
    subject_type, subject_id = subject if subject else ("", "")
    session.add(
        AuditEvent(
            at=now,
            school_id=actor.school_id,
            actor_staff_id=actor.id,
            action=action,
            subject_type=subject_type,
            subject_id=str(subject_id),
            detail=detail,
        )
    )


def sign_in_as(session: Session, staff_id: int, now: datetime, how: str) -> int | None:
    """Record that an active person signed in and return their id; None if there is nobody."""
    person = session.get(Staff, staff_id)
    if person is None or not person.active:
        return None
    record(session, person, "signed_in", now, detail=how)
    return person.id
