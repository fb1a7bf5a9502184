"""Audit events of register work, which may be done from the command line with no one signed in."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.services import audit
from bot.storage.audit import AuditEvent
from bot.storage.school import School
from bot.storage.staff import Staff


def record_event(
    session: Session,
    school: School,
    by: Staff | None,
    action: str,
    now: datetime,
    subject: tuple[str, object] | None = None,
    detail: str = "",
    via: str = "command line",
) -> None:
    """One audit event: by the signed-in person, or with no person `via` the command line or
    a scheduled job.

    The detail holds counts and ids only, never a pupil's name, UPN or need."""
    if by is not None:
        audit.record(session, by, action, now, subject=subject, detail=detail)
        return
    subject_type, subject_id = subject if subject else ("", "")
    session.add(
        AuditEvent(
            at=now,
            school_id=school.id,
            actor_staff_id=None,
            action=action,
            subject_type=subject_type,
            subject_id=str(subject_id),
            detail=f"{detail} ({via})".strip(),
        )
    )
