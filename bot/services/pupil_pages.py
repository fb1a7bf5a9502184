"""The signed-in pupil page and an alert's list of pupils: who may see them, what they show.

Only staff linked to the pupil (alerted about them, or linked by the teaching groups: teacher,
support, tutor of their registration group, head of their year) and the school's SENDCO or an
admin may look. Every look, and every refusal, goes to the audit log with the pupil's id only.
The UPN is never read out of the database here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from bot.domain.register import NEEDS, PROVISIONS, ChangeKind
from bot.services import audit
from bot.services.profile_reads import alert_pupils
from bot.services.register_messages import AlertPupil, what_changed, year_label
from bot.services.summaries import is_sendco
from bot.storage.register import (
    ProfileAlert,
    ProfileRead,
    Pupil,
    RegisterChange,
    RegisterImport,
    TeachingLink,
)
from bot.storage.staff import Staff

REFUSED = "This pupil's page is only for staff who teach or support the pupil, and the SENDCO."
ALERT_REFUSED = "This list is only for the person the alert was sent to, and the SENDCO."


@dataclass(frozen=True)
class Refused:
    """The viewer may not see this page; the refusal is audited in the same transaction, so
    it is returned, not raised. `reason` is written for staff."""

    reason: str


@dataclass(frozen=True)
class ChangeSeen:
    """One change on the register for the pupil, when it was imported, and its words."""

    on: datetime
    words: str


@dataclass(frozen=True)
class PupilView:
    """What the pupil page shows; `erased` pages show nothing else."""

    pupil_id: int
    erased: bool
    name: str = ""
    legal_name: str = ""
    year: str = ""
    reg_group: str = ""
    provision: str = ""
    provision_start: date | None = None
    primary_need: str = ""
    secondary_need: str = ""
    profile_url: str = ""
    changes: list[ChangeSeen] = field(default_factory=list)
    # The viewer's own reads of this pupil's changes: waiting (a button) or when they read.
    unread: int = 0
    read_at: datetime | None = None


def may_view_pupil(session: Session, viewer: Staff, pupil: Pupil) -> bool:
    """The SENDCO or an admin of the pupil's school, or staff linked to the pupil."""
    if viewer.school_id != pupil.school_id or not viewer.active:
        return False
    if is_sendco(viewer):
        return True
    alerted = session.exec(
        select(ProfileRead.id)
        .join(RegisterChange, col(RegisterChange.id) == ProfileRead.change_id)
        .where(ProfileRead.staff_id == viewer.id, RegisterChange.pupil_id == pupil.id)
    ).first()
    if alerted is not None:
        return True
    year = pupil.year_group
    groups = {year, f"Year {year}", f"Y{year}", f"year {year}"} if year else set()
    linked = session.exec(
        select(TeachingLink.id).where(
            TeachingLink.school_id == pupil.school_id,
            TeachingLink.staff_id == viewer.id,
            or_(
                and_(TeachingLink.pupil_mis_id == pupil.mis_id, TeachingLink.pupil_mis_id != ""),
                and_(
                    TeachingLink.role == "tutor",
                    TeachingLink.pupil_mis_id == "",
                    TeachingLink.group_name == pupil.reg_group,
                    TeachingLink.group_name != "",
                ),
                and_(
                    TeachingLink.role == "head_of_year",
                    TeachingLink.pupil_mis_id == "",
                    col(TeachingLink.group_name).in_(groups),
                ),
            ),
        )
    ).first()
    return linked is not None


def view_pupil(
    session: Session, viewer: Staff, pupil_id: int, now: datetime
) -> PupilView | Refused | None:
    """The pupil page for this viewer, audited; None if there is no such pupil."""
    pupil = session.get(Pupil, pupil_id)
    if pupil is None:
        return None
    if not may_view_pupil(session, viewer, pupil):
        audit.record(session, viewer, "pupil_view_refused", now, subject=("pupil", pupil_id))
        return Refused(REFUSED)
    audit.record(session, viewer, "pupil_viewed", now, subject=("pupil", pupil_id))
    if pupil.erased_at is not None:
        return PupilView(pupil_id, erased=True)
    preferred = " ".join(
        p
        for p in (
            pupil.preferred_first or pupil.legal_first,
            pupil.preferred_last or pupil.legal_last,
        )
        if p
    )
    legal = " ".join(p for p in (pupil.legal_first, pupil.legal_last) if p)
    changes = session.exec(
        select(RegisterChange, RegisterImport.at)
        .join(RegisterImport, col(RegisterImport.id) == RegisterChange.import_id)
        .where(RegisterChange.pupil_id == pupil_id)
        .order_by(col(RegisterImport.at).desc(), col(RegisterChange.id).desc())
    ).all()
    reads = session.exec(
        select(ProfileRead.read_at)
        .join(RegisterChange, col(RegisterChange.id) == ProfileRead.change_id)
        .where(ProfileRead.staff_id == viewer.id, RegisterChange.pupil_id == pupil_id)
    ).all()
    done = [r for r in reads if r is not None]
    return PupilView(
        pupil_id=pupil_id,
        erased=False,
        name=preferred,
        legal_name=legal if legal != preferred else "",
        year=year_label(pupil.year_group),
        reg_group=pupil.reg_group,
        provision=PROVISIONS.get(pupil.provision, pupil.provision),
        provision_start=pupil.provision_start,
        primary_need=need_name(pupil.primary_need),
        secondary_need=need_name(pupil.secondary_need),
        profile_url=safe_url(pupil.profile_url),
        changes=[ChangeSeen(at, change_words(c)) for c, at in changes],
        unread=len(reads) - len(done),
        read_at=max(done) if done else None,
    )


@dataclass(frozen=True)
class AlertView:
    """An alert's pupils with names, for its recipient (or the SENDCO) to read and mark."""

    alert_id: int
    recipient_id: int
    recipient: str
    sent_at: datetime | None
    # Each pupil with their name and the change in words ("" for an erased pupil's name).
    pupils: list[tuple[AlertPupil, str, str]]


def view_alert(
    session: Session, viewer: Staff, alert_id: int, now: datetime
) -> AlertView | Refused | None:
    """An alert's list of pupils, audited; None if there is no such alert."""
    alert = session.get(ProfileAlert, alert_id)
    if alert is None:
        return None
    allowed = alert.staff_id == viewer.id or (
        is_sendco(viewer) and viewer.school_id == alert.school_id
    )
    if not allowed:
        audit.record(session, viewer, "alert_view_refused", now, subject=("alert", alert_id))
        return Refused(ALERT_REFUSED)
    audit.record(session, viewer, "alert_viewed", now, subject=("alert", alert_id))
    pupils = alert_pupils(session, [alert_id]).get(alert_id, [])
    names = {
        p.id: p
        for p in session.exec(
            select(Pupil).where(col(Pupil.id).in_({a.pupil_id for a in pupils}))
        ).all()
    }
    recipient = session.get(Staff, alert.staff_id)
    return AlertView(
        alert_id=alert_id,
        recipient_id=alert.staff_id,
        recipient=recipient.name if recipient else "",
        sent_at=alert.sent_at,
        pupils=[
            (
                a,
                "" if a.erased else full_name(names[a.pupil_id]),
                what_changed(a.kind, a.new_provision),
            )
            for a in pupils
        ],
    )


def full_name(pupil: Pupil) -> str:
    """The name the pupil goes by."""
    first = pupil.preferred_first or pupil.legal_first
    last = pupil.preferred_last or pupil.legal_last
    return " ".join(p for p in (first, last) if p)


def need_name(code: str) -> str:
    return NEEDS.get(code, (code, ""))[0] if code else ""


def change_words(change: RegisterChange) -> str:
    """A change in words for a signed-in page, naming the need where there is one."""
    words = what_changed(change.kind, change.new_provision)
    words = words[:1].upper() + words[1:]
    if change.kind == ChangeKind.NEED_CHANGED and change.new_need:
        before = f" (was {need_name(change.old_need)})" if change.old_need else ""
        return f"{words}: {need_name(change.new_need)}{before}"
    return words


def safe_url(url: str) -> str:
    """The profile link only if it is a web address: never a javascript: or data: link."""
    return url if url.lower().startswith(("https://", "http://")) else ""
