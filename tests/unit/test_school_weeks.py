"""School weeks as the progress pages show them: a holiday week, a week with an INSET day or a
bank holiday, and a week open throughout."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo

from bot.domain.calendar import DateRange, SchoolCalendar, england_bank_holidays
from bot.domain.weeks import HOLIDAY, PART_CLOSED, school_weeks

CALENDAR = SchoolCalendar(
    timezone=ZoneInfo("Europe/London"),
    window_start=time(7, 30),
    window_end=time(16, 30),
    terms=(DateRange(date(2027, 4, 12), date(2027, 5, 28)),),
    closures=(DateRange(date(2027, 4, 12), date(2027, 4, 12)),),
    bank_holidays=england_bank_holidays([2027]),
)


def test_each_week_says_whether_and_why_the_school_was_closed() -> None:
    weeks = school_weeks(
        CALENDAR, date(2027, 4, 5), date(2027, 5, 7), {date(2027, 4, 12): "INSET day"}
    )
    found = [(w.monday, w.school_days, w.closed, w.why) for w in weeks]
    assert found == [
        (date(2027, 4, 5), 0, HOLIDAY, "Holiday"),  # the Easter holiday
        (date(2027, 4, 12), 4, PART_CLOSED, "INSET day"),
        (date(2027, 4, 19), 5, "", ""),
        (date(2027, 4, 26), 5, "", ""),
        (date(2027, 5, 3), 4, PART_CLOSED, "Bank holiday"),  # the early May bank holiday
    ]


def test_a_period_starting_midweek_counts_only_its_own_days() -> None:
    (week,) = school_weeks(CALENDAR, date(2027, 4, 21), date(2027, 4, 23))
    assert week.monday == date(2027, 4, 19) and week.school_days == 3 and week.closed == ""
