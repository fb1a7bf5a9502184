"""One reminder, a few school days after a register alert, to someone who has not read it all."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, exists, select

from bot.domain.calendar import next_sending_moment
from bot.domain.rounds import school_days_since
from bot.services.outbox import PlannedDelivery, plan
from bot.services.register.kinds import ALERT_REMINDER
from bot.services.school_calendar import availability_of, calendar_for
from bot.storage.outbox import Delivery
from bot.storage.register import ProfileAlert, ProfileRead, Pupil, RegisterChange
from bot.storage.school import School
from bot.storage.staff import Staff


def plan_register_reminders(session: Session, now: datetime, platform: str) -> int:
    """Plan a reminder for each alert sent at least the school's reminder days ago (in school
    days, so a weekend or holiday does not count) that still has a profile unread. The outbox's
    unique key makes it one reminder per alert, ever. Returns how many were planned."""
    unread = exists().where(
        ProfileRead.alert_id == ProfileAlert.id,
        col(ProfileRead.read_at).is_(None),
        RegisterChange.id == ProfileRead.change_id,
        Pupil.id == RegisterChange.pupil_id,
        col(Pupil.erased_at).is_(None),
    )
    planned_already = exists().where(
        Delivery.kind == ALERT_REMINDER, Delivery.subject_id == ProfileAlert.id
    )
    planned = 0
    for school in session.exec(select(School)).all():
        rows = session.exec(
            select(ProfileAlert, Staff)
            .join(Staff, col(Staff.id) == ProfileAlert.staff_id)
            .where(
                ProfileAlert.school_id == school.id,
                col(ProfileAlert.sent_at).is_not(None),
                col(ProfileAlert.reminded_at).is_(None),
                Staff.active == True,  # noqa: E712
                unread,
                ~planned_already,
            )
        ).all()
        if not rows:
            continue
        calendar = calendar_for(session, school, now)
        today = now.astimezone(ZoneInfo(school.timezone)).date()
        reminders = []
        for alert, person in rows:
            sent_on = alert.sent_at.astimezone(calendar.timezone).date()  # type: ignore[union-attr]
            if school_days_since(calendar, sent_on, today) < school.register_reminder_after_days:
                continue
            moment = next_sending_moment(calendar, availability_of(person), now)
            reminders.append(
                PlannedDelivery.at_moment(
                    school.id,  # type: ignore[arg-type]
                    person.id,  # type: ignore[arg-type]
                    ALERT_REMINDER,
                    alert.id,  # type: ignore[arg-type]
                    platform,
                    moment,
                    now,
                )
            )
        planned += plan(session, reminders)
    return planned
