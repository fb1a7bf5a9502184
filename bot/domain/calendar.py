"""The school calendar: when a member of staff may be sent a message.

All rules take the moment in question as an argument; nothing here reads the clock. Moments are
aware datetimes; school days and windows are in the school's own time zone, so the answers hold
across the spring and autumn clock changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

# How far ahead to look for a sending moment before saying there is none (a summer holiday plus
# a long pause fits easily).
SEARCH_HORIZON_DAYS = 400


@dataclass(frozen=True)
class DateRange:
    """Consecutive days, both ends included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(
                f"a date range cannot end ({self.last}) before it starts ({self.first})"
            )

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last


@dataclass(frozen=True)
class SchoolCalendar:
    """When a school is open, and the hours in which it messages staff."""

    timezone: ZoneInfo
    window_start: time
    window_end: time
    terms: tuple[DateRange, ...] = ()
    closures: tuple[DateRange, ...] = ()
    bank_holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.window_end <= self.window_start:
            raise ValueError("the sending window must end after it starts")

    def is_school_day(self, day: date) -> bool:
        """A weekday inside a term that is neither a closure nor a bank holiday.

        A school that has loaded no term dates yet is treated as open on every weekday, so that
        a new install works before its calendar is set up.
        """
        if day.isoweekday() > 5 or day in self.bank_holidays:
            return False
        if self.terms and not any(day in term for term in self.terms):
            return False
        return not any(day in closure for closure in self.closures)

    def window_on(self, day: date) -> tuple[datetime, datetime]:
        """The day's sending window as aware datetimes in the school's time zone."""
        return (
            datetime.combine(day, self.window_start, tzinfo=self.timezone),
            datetime.combine(day, self.window_end, tzinfo=self.timezone),
        )


@dataclass(frozen=True)
class Availability:
    """The days one person can be messaged: their working days, and a pause if they have one."""

    working_days: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    # The last day of a pause (leave, long-term absence); messages resume the day after.
    paused_until: date | None = None

    def works_on(self, day: date) -> bool:
        if self.paused_until is not None and day <= self.paused_until:
            return False
        return day.isoweekday() in self.working_days


def is_sending_day(calendar: SchoolCalendar, person: Availability, day: date) -> bool:
    """A school day on which this person works and is not paused."""
    return calendar.is_school_day(day) and person.works_on(day)


def may_message(calendar: SchoolCalendar, person: Availability, moment: datetime) -> bool:
    """May this person be sent a message at this moment?"""
    if moment.tzinfo is None:
        # astimezone() would read a naive moment in the server's own time zone.
        raise ValueError("may_message needs an aware datetime")
    local = moment.astimezone(calendar.timezone)
    if not is_sending_day(calendar, person, local.date()):
        return False
    start, end = calendar.window_on(local.date())
    return start <= local < end


def next_sending_moment(
    calendar: SchoolCalendar, person: Availability, after: datetime
) -> datetime | None:
    """The first moment at or after `after` when this person may be messaged, in UTC.

    None when there is none within SEARCH_HORIZON_DAYS (no term dates ahead, or a person who
    works no days).
    """
    if after.tzinfo is None:
        raise ValueError("next_sending_moment needs an aware datetime")
    if may_message(calendar, person, after):
        return after.astimezone(UTC)
    local = after.astimezone(calendar.timezone)
    day = local.date()
    for _ in range(SEARCH_HORIZON_DAYS):
        if is_sending_day(calendar, person, day):
            start, _end = calendar.window_on(day)
            if start >= local:
                return start.astimezone(UTC)
        day += timedelta(days=1)
    return None


def england_bank_holidays(years: Iterable[int]) -> frozenset[date]:
    """Bank holidays in England for the given years, from the `holidays` package."""
    return _bank_holidays(tuple(sorted(set(years))))


@lru_cache(maxsize=64)
def _bank_holidays(years: tuple[int, ...]) -> frozenset[date]:
    # Every planning tick asks for each school's calendar; the answer for a year never changes.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=list(years)).keys())
