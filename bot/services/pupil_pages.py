"""The signed-in pupil page and an alert's list of pupils: who may see them, what they show.

Only staff the teaching groups link to the pupil today, the school's SENDCO and its admins may
look (bot.services.pupil_access). Every look, and every refusal, goes to the audit log with the
pupils' ids only. To anyone but the SENDCO, a page closed to them and a pupil who does not exist
get the very same answer, so that ids cannot be tried to learn which pupils there are. The UPN
is never read out of the database here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from bot.domain.register import NEEDS, PROVISIONS, ChangeKind
from bot.services import audit
from bot.services.profile_reads import alert_pupils, read_on_web
from bot.services.pupil_access import closed_words, may_view_pupil, visible_pupils, whom_to_ask
from bot.services.register.messages import AlertPupil, what_changed, year_label
from bot.services.summaries import is_sendco
from bot.storage.register import (
    ProfileAlert,
    ProfileRead,
    Pupil,
    RegisterChange,
    RegisterImport,
)
from bot.storage.staff import Staff

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


def view_pupil(
    session: Session, viewer: Staff, pupil_id: int, now: datetime
) -> PupilView | Refused | None:
    """The pupil page for this viewer, audited. Refused for anyone but the SENDCO whether the
    page is closed to them or there is no such pupil; None (not found) for the SENDCO."""
    pupil = _open_to(session, viewer, pupil_id)
    if pupil is None:
        found = session.get(Pupil, pupil_id)
        missing = found is None or found.school_id != viewer.school_id
        detail = "no such pupil at the school" if missing else ""
        subject = ("pupil", pupil_id)
        audit.record(session, viewer, "pupil_view_refused", now, subject=subject, detail=detail)
        return None if is_sendco(viewer) else Refused(closed_words(session, viewer))
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


def read_if_open(session: Session, viewer: Staff, pupil_id: int, now: datetime) -> int:
    """The web's "I've read the profile": only for a pupil whose page is open to the viewer,
    since nobody can have read a profile they may not open. How many reads it marked."""
    if _open_to(session, viewer, pupil_id) is None:
        return 0
    return read_on_web(session, viewer, pupil_id, now)


def _open_to(session: Session, viewer: Staff, pupil_id: int) -> Pupil | None:
    pupil = session.get(Pupil, pupil_id)
    return pupil if pupil is not None and may_view_pupil(session, viewer, pupil) else None


@dataclass(frozen=True)
class AlertLine:
    """One pupil's change in an alert's list. A pupil the viewer no longer teaches is `closed`:
    the line shows neither who they are nor what changed."""

    pupil: AlertPupil
    name: str
    words: str
    closed: bool = False


@dataclass(frozen=True)
class AlertView:
    """An alert's pupils with names, for its recipient (or the SENDCO) to read and mark."""

    alert_id: int
    recipient_id: int
    recipient: str
    sent_at: datetime | None
    pupils: list[AlertLine]
    # Whom to ask about pupils the recipient no longer teaches ("the SENDCO, Sue Sendco,").
    whom: str = ""

    @property
    def shown(self) -> list[int]:
        """The ids of the pupils the list shows (closed lines show none)."""
        return [line.pupil.pupil_id for line in self.pupils if not line.closed]


def view_alert(
    session: Session, viewer: Staff, alert_id: int, now: datetime
) -> AlertView | Refused | None:
    """An alert's list of pupils, audited with the ids it shows. Refused for anyone but the
    SENDCO whether the alert is someone else's or there is none; None for the SENDCO."""
    alert = session.get(ProfileAlert, alert_id)
    allowed = alert is not None and (
        alert.staff_id == viewer.id or (is_sendco(viewer) and viewer.school_id == alert.school_id)
    )
    if alert is None or not allowed:
        detail = (
            "" if alert is not None and alert.school_id == viewer.school_id else "no such alert"
        )
        subject = ("alert", alert_id)
        audit.record(session, viewer, "alert_view_refused", now, subject=subject, detail=detail)
        return None if is_sendco(viewer) else Refused(ALERT_REFUSED)
    pupils = alert_pupils(session, [alert_id]).get(alert_id, [])
    rows = {
        p.id: p
        for p in session.exec(
            select(Pupil).where(col(Pupil.id).in_({a.pupil_id for a in pupils}))
        ).all()
    }
    visible = visible_pupils(session, viewer, list(rows.values()))
    lines = []
    for a in pupils:
        if not (a.erased or a.pupil_id in visible):
            lines.append(AlertLine(a, "", "", closed=True))
            continue
        name = "" if a.erased else full_name(rows[a.pupil_id])
        lines.append(AlertLine(a, name, what_changed(a.kind, a.new_provision)))
    recipient = session.get(Staff, alert.staff_id)
    view = AlertView(
        alert_id=alert_id,
        recipient_id=alert.staff_id,
        recipient=recipient.name if recipient else "",
        sent_at=alert.sent_at,
        pupils=lines,
        whom=whom_to_ask(session, alert.school_id) if any(x.closed for x in lines) else "",
    )
    audit.record_pupils(
        session, viewer, "alert_viewed", now, view.shown, subject=("alert", alert_id)
    )
    return view


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
