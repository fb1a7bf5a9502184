"""A person says they have read a pupil's profile: from the alert's button or the pupil page.

The first press counts; later presses, presses by anyone else, on an erased pupil or with a
damaged value get a polite notice and change nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.domain.calendar import SchoolCalendar
from bot.domain.register import initials
from bot.domain.rounds import school_days_since
from bot.services.chat_port import Message, Outcome
from bot.services.errors import UserError
from bot.services.pupil_access import visible_pupils
from bot.services.register.messages import AlertPupil, alert_message
from bot.storage.register import ProfileAlert, ProfileRead, Pupil, RegisterChange
from bot.storage.school import School
from bot.storage.staff import Staff

DAMAGED = "That button is damaged (it names no pupil's profile); nothing was recorded."
NOT_YOURS = "This alert was not sent to you, so your press was not recorded."
ERASED = (
    "This pupil's details have been removed under the school's retention policy, so there is "
    "nothing to read; nothing was recorded."
)


def alert_pupils(session: Session, alert_ids: Iterable[int]) -> dict[int, list[AlertPupil]]:
    """Each alert's pupils (one per change), in the order the changes were stored."""
    rows = session.exec(
        select(ProfileRead, RegisterChange, Pupil)
        .join(RegisterChange, col(RegisterChange.id) == ProfileRead.change_id)
        .join(Pupil, col(Pupil.id) == RegisterChange.pupil_id)
        .where(col(ProfileRead.alert_id).in_(list(alert_ids)))
        .order_by(col(RegisterChange.id))
    ).all()
    found: dict[int, list[AlertPupil]] = defaultdict(list)
    for read, change, pupil in rows:
        found[read.alert_id].append(
            AlertPupil(
                read_id=read.id,  # type: ignore[arg-type]
                pupil_id=pupil.id,  # type: ignore[arg-type]
                initials=initials(
                    pupil.preferred_first or pupil.legal_first,
                    pupil.preferred_last or pupil.legal_last,
                ),
                year_group=pupil.year_group,
                reg_group=pupil.reg_group,
                kind=change.kind,
                new_provision=change.new_provision,
                new_need=change.new_need,
                read=read.read_at is not None,
                erased=pupil.erased_at is not None,
            )
        )
    return found


def render_alerts(
    session: Session, alert_ids: set[int], reminder: bool
) -> dict[int, Message | None]:
    """The alerts (or reminders) as they should go out now; None for one with nothing left to
    read, or whose person has left."""
    rows = session.exec(
        select(ProfileAlert, School.register_chat_detail, Staff)
        .join(School, col(School.id) == ProfileAlert.school_id)
        .join(Staff, col(Staff.id) == ProfileAlert.staff_id)
        .where(col(ProfileAlert.id).in_(alert_ids))
    ).all()
    pupils = alert_pupils(session, alert_ids)
    rendered: dict[int, Message | None] = {}
    for alert, detail, person in rows:
        # Only the pupils the person teaches or supports as the teaching groups stand when it
        # goes out: one they no longer teach is not named to them in chat.
        these = _still_theirs(session, person, pupils.get(alert.id, []))  # type: ignore[arg-type]
        waiting = any(not p.read and not p.erased for p in these)
        rendered[alert.id] = (  # type: ignore[index]
            alert_message(alert.id, these, detail, reminder)  # type: ignore[arg-type]
            if person.active and waiting
            else None
        )
    return rendered


def _still_theirs(session: Session, person: Staff, pupils: list[AlertPupil]) -> list[AlertPupil]:
    """The pupils of an alert the person may still see (an erased pupil keeps their line)."""
    rows = session.exec(select(Pupil).where(col(Pupil.id).in_([p.pupil_id for p in pupils]))).all()
    open_to_them = visible_pupils(session, person, rows)
    return [p for p in pupils if p.erased or p.pupil_id in open_to_them]


def read_from_chat(session: Session, person: Staff, value: str, now: datetime) -> Outcome:
    """The "I've read the profile" button: record it once, and update the card."""
    if not value.isdigit():
        raise UserError(DAMAGED)
    query = select(ProfileRead).where(ProfileRead.id == int(value))
    if session.get_bind().dialect.name == "postgresql":
        # Two presses at once (a double click, a platform's retry) count once.
        query = query.with_for_update()
    read = session.exec(query).first()
    if read is None or read.staff_id != person.id:
        return Outcome(notice=NOT_YOURS)
    change = session.get(RegisterChange, read.change_id)
    pupil = session.get(Pupil, change.pupil_id) if change else None
    if pupil is None or pupil.erased_at is not None:
        return Outcome(updated=_card(session, read.alert_id), notice=ERASED)
    if read.read_at is not None:
        return Outcome(
            updated=_card(session, read.alert_id),
            notice="You had already said you read this profile; nothing changed.",
        )
    read.read_at, read.read_via = now, "chat"
    session.add(read)
    session.flush()
    return Outcome(
        updated=_card(session, read.alert_id),
        notice="Thanks: recorded that you have read the profile.",
    )


def read_on_web(session: Session, viewer: Staff, pupil_id: int, now: datetime) -> int:
    """Mark the viewer's unread reads of this pupil's changes as read on the web; how many."""
    pupil = session.get(Pupil, pupil_id)
    if pupil is None or pupil.school_id != viewer.school_id or pupil.erased_at is not None:
        return 0
    reads = session.exec(
        select(ProfileRead)
        .join(RegisterChange, col(RegisterChange.id) == ProfileRead.change_id)
        .where(
            RegisterChange.pupil_id == pupil_id,
            ProfileRead.staff_id == viewer.id,
            col(ProfileRead.read_at).is_(None),
        )
    ).all()
    for read in reads:
        read.read_at, read.read_via = now, "web"
        session.add(read)
    return len(reads)


def unread_count(session: Session, alert_id: int) -> int:
    """How many of an alert's reads are still waiting (erased pupils aside)."""
    return session.exec(
        select(func.count())
        .select_from(ProfileRead)
        .join(RegisterChange, col(RegisterChange.id) == ProfileRead.change_id)
        .join(Pupil, col(Pupil.id) == RegisterChange.pupil_id)
        .where(
            ProfileRead.alert_id == alert_id,
            col(ProfileRead.read_at).is_(None),
            col(Pupil.erased_at).is_(None),
        )
    ).one()


def on_time(
    calendar: SchoolCalendar, sent_at: datetime, read_at: datetime, within_days: int
) -> bool:
    """Read within `within_days` school days of the alert being sent (a read the same day, or
    before the message arrived, is on time)."""
    sent_on = sent_at.astimezone(calendar.timezone).date()
    read_on = read_at.astimezone(calendar.timezone).date()
    return school_days_since(calendar, sent_on, read_on) <= within_days


def overdue(calendar: SchoolCalendar, sent_at: datetime, now: datetime, within_days: int) -> bool:
    """An unread profile whose school days to read it on time have all gone by."""
    sent_on = sent_at.astimezone(calendar.timezone).date()
    today = now.astimezone(calendar.timezone).date()
    return school_days_since(calendar, sent_on, today) > within_days


def _card(session: Session, alert_id: int) -> Message | None:
    """The alert's card as it stands now (the read pupils ticked, their buttons gone)."""
    alert = session.get(ProfileAlert, alert_id)
    school = session.get(School, alert.school_id) if alert else None
    if alert is None or school is None:
        return None
    pupils = alert_pupils(session, [alert_id]).get(alert_id, [])
    return alert_message(alert_id, pupils, school.register_chat_detail)
