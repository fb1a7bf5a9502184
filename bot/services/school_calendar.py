"""Builds the pure calendar rules' inputs from what is stored about a school and its staff."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.domain.calendar import Availability, DateRange, SchoolCalendar, england_bank_holidays
from bot.domain.people import working_days_from_text
from bot.storage.school import Closure, School, Term
from bot.storage.staff import Staff


def calendar_for(session: Session, school: School, now: datetime) -> SchoolCalendar:
    """The school's calendar: its terms, closures and England's bank holidays."""
    terms = session.exec(select(Term).where(Term.school_id == school.id)).all()
    closures = session.exec(select(Closure).where(Closure.school_id == school.id)).all()
    # Bank holidays for every year the terms touch, and for the year ahead of now, since the
    # search for a sending moment can run past the last term loaded.
    years = {t.starts_on.year for t in terms} | {t.ends_on.year for t in terms}
    years |= {now.year, now.year + 1, now.year + 2}
    return SchoolCalendar(
        timezone=ZoneInfo(school.timezone),
        window_start=school.send_window_start,
        window_end=school.send_window_end,
        terms=tuple(DateRange(t.starts_on, t.ends_on) for t in terms),
        closures=tuple(DateRange(c.starts_on, c.ends_on) for c in closures),
        bank_holidays=england_bank_holidays(years),
    )


def availability_of(person: Staff) -> Availability:
    """The days this person can be messaged."""
    return Availability(
        working_days=working_days_from_text(person.working_days),
        paused_until=person.paused_until,
    )
