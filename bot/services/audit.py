"""Writes the audit log: who did or saw what (never pupil data beyond an id)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session

from bot.storage.audit import AuditEvent
from bot.storage.staff import Staff

DETAIL_MAX: int = AuditEvent.__table__.columns["detail"].type.length  # type: ignore[attr-defined]
# Filters must leave at least this much of a detail for pupil ids.
MIN_ROOM = 100


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


def record_pupils(
    session: Session,
    actor: Staff,
    action: str,
    now: datetime,
    pupil_ids: Iterable[int],
    filters: str = "",
    subject: tuple[str, object] | None = None,
) -> int:
    """Record that `actor` was shown these pupils, naming every one by id; how many events.

    A detail holds DETAIL_MAX characters, so a long list is split over several events, each
    with the filters used and its part ("part=2/3"), so no id is ever cut off."""
    ids = sorted(set(pupil_ids))
    prefix = f"{filters} " if filters else ""
    # Room for the widest part marker, so the count of parts need not be known in advance.
    room = DETAIL_MAX - len(prefix) - len("part=99999/99999 pupils=")
    if room < MIN_ROOM:
        raise ValueError(f"the filters leave no room for pupil ids: {filters[:60]}")
    parts: list[list[str]] = [[]]
    used = 0
    for pupil_id in map(str, ids):
        cost = len(pupil_id) + (1 if parts[-1] else 0)
        if parts[-1] and used + cost > room:
            parts.append([])
            used, cost = 0, len(pupil_id)
        parts[-1].append(pupil_id)
        used += cost
    for number, part in enumerate(parts, start=1):
        marker = f"part={number}/{len(parts)} " if len(parts) > 1 else ""
        listed = ",".join(part) or "none"
        record(session, actor, action, now, subject, detail=f"{prefix}{marker}pupils={listed}")
    return len(parts)


def sign_in_as(session: Session, staff_id: int, now: datetime, how: str) -> int | None:
    """Record that an active person signed in and return their id; None if there is nobody."""
    person = session.get(Staff, staff_id)
    if person is None or not person.active:
        return None
    record(session, person, "signed_in", now, detail=how)
    return person.id
