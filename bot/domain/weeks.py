"""School weeks: the Monday-to-Friday steps a term's progress is shown in, and which of them the
school was closed for (a holiday, an INSET day, a bank holiday), so a quiet week is not read as
a week staff ignored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.calendar import SchoolCalendar

HOLIDAY, PART_CLOSED = "holiday", "inset"


@dataclass(frozen=True)
class SchoolWeek:
    """One week of a period: its Monday, its school days, and why any weekday was closed."""

    monday: date
    school_days: int
    closed: str  # "" (open all week), HOLIDAY (no school day) or PART_CLOSED
    why: str  # "Half term", "INSET day", "Bank holiday"...


def school_weeks(
    calendar: SchoolCalendar, first: date, last: date, reasons: dict[date, str] | None = None
) -> list[SchoolWeek]:
    """The weeks from the one holding `first` to the one holding `last`; `reasons` names closed
    days (a closure's reason, such as "INSET day") where the school gave one."""
    reasons = reasons or {}
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        days = [monday + timedelta(days=n) for n in range(5)]
        days = [d for d in days if first <= d <= last] or days
        open_days = [d for d in days if calendar.is_school_day(d)]
        closed = [d for d in days if d not in open_days]
        if not open_days:
            kind, why = HOLIDAY, _why(closed, calendar, reasons, "Holiday")
        elif closed:
            kind, why = PART_CLOSED, _why(closed, calendar, reasons, "Closed")
        else:
            kind, why = "", ""
        weeks.append(SchoolWeek(monday, len(open_days), kind, why))
        monday += timedelta(days=7)
    return weeks


def _why(closed: list[date], calendar: SchoolCalendar, reasons: dict[date, str], other: str) -> str:
    named = [reasons[d] for d in closed if reasons.get(d)]
    if named:
        return named[0]
    if any(d in calendar.bank_holidays for d in closed) and len(closed) == 1:
        return "Bank holiday"
    if calendar.terms and not any(d in term for d in closed for term in calendar.terms):
        return "Holiday"
    return other
