"""Retention: former register pupils are kept only as long as the school says, then erased.

Erasing blanks a pupil's identifying fields and replaces the MIS id with a placeholder; the row
and its changes stay, so counts in reports still add up.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlmodel import Session, col, or_, select

from bot.domain.register import ON_REGISTER
from bot.services.errors import UserError
from bot.services.register_audit import record_event
from bot.storage.register import Pupil, TeachingLink
from bot.storage.school import School
from bot.storage.staff import Staff


def keep_until(off_register_on: date, keep_days: int) -> date:
    """The last day a former register pupil is kept: `keep_days` on, or with 0 the end of the
    academic year (31 August) in which they came off the register or left."""
    if keep_days > 0:
        return date.fromordinal(off_register_on.toordinal() + keep_days)
    year = off_register_on.year + 1 if off_register_on.month >= 9 else off_register_on.year
    return date(year, 8, 31)


def erase_due(session: Session, now: datetime) -> int:
    """Erase every former register pupil whose keep time has passed; returns how many."""
    erased = 0
    for school in session.exec(select(School)).all():
        today = now.astimezone(ZoneInfo(school.timezone)).date()
        candidates = session.exec(
            select(Pupil).where(
                Pupil.school_id == school.id,
                col(Pupil.erased_at).is_(None),
                col(Pupil.off_register_on).is_not(None),
                or_(Pupil.on_roll == False, col(Pupil.provision).not_in(ON_REGISTER)),  # noqa: E712
            )
        ).all()
        due = [
            p
            for p in candidates
            if keep_until(p.off_register_on, school.register_keep_days) < today  # type: ignore[arg-type]
        ]
        for pupil in due:
            _erase(session, pupil, now, drop_links=not pupil.on_roll)
        if due:
            detail = f"erased={len(due)}"
            record_event(session, school, None, "pupils_erased", now, detail=detail, via="daily")
        erased += len(due)
    return erased


def erase_pupil(
    session: Session, school: School, mis_id: str, by: Staff | None, now: datetime
) -> Pupil:
    """Erase one pupil's identifying fields at once (a request under UK GDPR, say)."""
    pupil = session.exec(
        select(Pupil).where(
            Pupil.school_id == school.id,
            Pupil.mis_id == mis_id.strip(),
            col(Pupil.erased_at).is_(None),
        )
    ).first()
    if pupil is None:
        raise UserError(
            f"{school.name} has no pupil with that MIS id who is not already erased; check the id"
            " in the MIS. Nothing was changed."
        )
    _erase(session, pupil, now, drop_links=True)
    record_event(session, school, by, "pupil_erased", now, subject=("pupil", pupil.id))
    return pupil


def _erase(session: Session, pupil: Pupil, now: datetime, *, drop_links: bool) -> None:
    if drop_links:
        session.execute(
            delete(TeachingLink).where(
                col(TeachingLink.school_id) == pupil.school_id,
                col(TeachingLink.pupil_mis_id) == pupil.mis_id,
            )
        )
    pupil.mis_id = f"erased-{pupil.id}"
    pupil.upn = ""
    pupil.legal_first = pupil.legal_last = ""
    pupil.preferred_first = pupil.preferred_last = ""
    pupil.reg_group = ""
    pupil.provision_start = None
    pupil.profile_url = ""
    pupil.erased_at = now
    session.add(pupil)
