"""How much of each school week's quiz a group of people answered, week by week over a period,
with the weeks the school was closed marked from its calendar."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, func, select

from bot.domain.targets import Period
from bot.domain.weeks import SchoolWeek, school_weeks
from bot.services.progress import Tally, day_bounds
from bot.services.school_calendar import calendar_for
from bot.storage.quiz import QuizItem, QuizRound
from bot.storage.school import Closure, School


@dataclass(frozen=True)
class WeekFigures:
    """One school week and the quiz questions put to the group in it."""

    week: SchoolWeek
    tally: Tally

    @property
    def percent(self) -> float | None:
        """Answered of asked; None for a week in which nothing was asked."""
        return None if not self.tally.asked else 100 * self.tally.answered / self.tally.asked


def weekly_completion(
    session: Session, school: School, staff_ids: Sequence[int], period: Period, now: datetime
) -> list[WeekFigures]:
    """Each week of the period (up to today), with what the group was asked and answered; one
    grouped query, whatever the size of the group."""
    calendar = calendar_for(session, school, now)
    today = now.astimezone(calendar.timezone).date()
    last = min(period.ends_on, max(today, period.starts_on))
    start, end = day_bounds(period, school.timezone)
    counts: dict[date, Tally] = defaultdict(Tally)
    for (_everyone, monday), tally in _tallies(session, staff_ids, start, end, False).items():
        counts[monday] = tally
    weeks = school_weeks(
        calendar_for(session, school, now),
        period.starts_on,
        last,
        _closure_reasons(session, school),
    )
    return [WeekFigures(week, counts.get(week.monday, Tally())) for week in weeks]


def weekly_tallies(
    session: Session, staff_ids: Sequence[int], start: datetime, end: datetime
) -> dict[tuple[int, date], Tally]:
    """(person, Monday of the quiz day's week) -> the questions sent to them between start and
    end and how many they answered; one grouped query, whatever the number of people."""
    return _tallies(session, staff_ids, start, end, True)


def _tallies(
    session: Session, staff_ids: Sequence[int], start: datetime, end: datetime, apart: bool
) -> dict[tuple[int, date], Tally]:
    """Week by week, each person's apart (`apart`) or everyone's together under person 0, so
    a whole school's year is not read a row per person per quiz day."""
    tallies: dict[tuple[int, date], Tally] = defaultdict(Tally)
    if not staff_ids:
        return tallies
    person = [QuizItem.staff_id] if apart else []
    rows = session.execute(
        select(*person, QuizRound.held_on, QuizItem.status, func.count())
        .join(QuizRound, col(QuizRound.id) == col(QuizItem.round_id))
        .where(col(QuizItem.staff_id).in_(list(staff_ids)))
        .where(col(QuizItem.sent_at) >= start, col(QuizItem.sent_at) < end)
        .group_by(*person, QuizRound.held_on, QuizItem.status)
    ).all()
    for row in rows:
        staff_id, (held_on, status, count) = (row[0] if apart else 0), row[-3:]
        tallies[(staff_id, held_on - timedelta(days=held_on.weekday()))].add(status, None, count)
    return tallies


def _closure_reasons(session: Session, school: School) -> dict[date, str]:
    reasons = {}
    for closure in session.exec(select(Closure).where(Closure.school_id == school.id)).all():
        day = closure.starts_on
        while day <= closure.ends_on:
            reasons[day] = closure.reason
            day += timedelta(days=1)
    return reasons
