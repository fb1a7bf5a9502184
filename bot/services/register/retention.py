"""Retention: former register pupils are kept only as long as the school says, then erased.

Erasing blanks every copy of a pupil's data sendbot holds: their identifying fields, year,
form and needs (the MIS id becomes a placeholder), the needs in their register changes, and
their part of the alerts the local chat keeps. The row and its changes stay, so counts in
reports still add up; the provision becomes "no SEN" so the row is never counted as on the
register. The caller commits, then runs bot.storage.maintenance.forget_erased_bytes.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, update
from sqlmodel import Session, col, or_, select

from bot.domain.register import NO_SEN, ON_REGISTER
from bot.services.erased_alerts import forget_pupil_in_alerts
from bot.services.errors import UserError
from bot.services.register.audit import record_event
from bot.storage.register import Pupil, RegisterChange, TeachingLink
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
    pupil.year_group = pupil.reg_group = ""
    pupil.provision = NO_SEN
    pupil.primary_need = pupil.secondary_need = ""
    pupil.provision_start = None
    pupil.profile_url = ""
    pupil.erased_at = now
    session.add(pupil)
    # The provisions stay: reports count changes by them, and alone they name nobody.
    session.execute(
        update(RegisterChange)
        .where(col(RegisterChange.pupil_id) == pupil.id)
        .values(old_need="", new_need="")
    )
    forget_pupil_in_alerts(session, pupil.id)  # type: ignore[arg-type]
