"""Whether each claimed delivery may go out now, checked at the moment of sending.

A delivery is planned for its person's next sending moment, but downtime, a backlog, a retry or
a pause can bring it to the dispatcher later, outside the school's sending hours, on a closed day
or on a day the person does not work. Then it waits for their next moment instead of waking
them at the weekend.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from bot.domain.calendar import SchoolCalendar, may_message, next_sending_moment
from bot.services.school_calendar import availability_of, calendar_for
from bot.storage.outbox import Delivery
from bot.storage.school import School
from bot.storage.staff import Staff


def not_now(
    session: Session, rows: Sequence[Delivery], now: datetime
) -> dict[int, datetime | None]:
    """For each row whose person may not be messaged now: their next sending moment (None when
    there is none within the search horizon). Rows that may go now, and those the SENDCO sent
    now whatever the hour, are left out."""
    rows = [row for row in rows if not row.any_hour]
    if not rows:
        return {}
    people = {
        person.id: person
        for person in session.exec(
            select(Staff).where(col(Staff.id).in_({row.staff_id for row in rows}))
        ).all()
    }
    calendars: dict[int, SchoolCalendar] = {}
    for school in session.exec(
        select(School).where(col(School.id).in_({row.school_id for row in rows}))
    ).all():
        calendars[school.id] = calendar_for(session, school, now)  # type: ignore[index]
    waiting: dict[int, datetime | None] = {}
    for row in rows:
        person = people.get(row.staff_id)
        if person is None:
            continue  # the dispatcher cancels a delivery to someone who is gone
        calendar, available = calendars[row.school_id], availability_of(person)
        if not may_message(calendar, available, now):
            waiting[row.id] = next_sending_moment(calendar, available, now)  # type: ignore[index]
    return waiting
