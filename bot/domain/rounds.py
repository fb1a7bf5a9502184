"""When a person has a quiz round: on the school's quiz days, or their next working day after.

A part-time teaching assistant who never works on Tuesday still gets Tuesday's round, on their
next working day; several missed quiz days make one round, never a pile of them.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.domain.calendar import Availability, SchoolCalendar, is_sending_day

LOOK_BACK_DAYS = 60  # longer than any school holiday but the summer, whose quiz days do not count


def is_quiz_day(calendar: SchoolCalendar, quiz_days: frozenset[int], day: date) -> bool:
    """A school day on one of the school's quiz weekdays."""
    return day.isoweekday() in quiz_days and calendar.is_school_day(day)


def has_round_on(
    calendar: SchoolCalendar, person: Availability, quiz_days: frozenset[int], day: date
) -> bool:
    """Does this person get a round on this day?

    Yes when it is one of their sending days and a quiz day has passed since their previous
    sending day (today included).
    """
    if not is_sending_day(calendar, person, day):
        return False
    earlier = day - timedelta(days=1)
    for _ in range(LOOK_BACK_DAYS):
        if is_sending_day(calendar, person, earlier):
            break
        earlier -= timedelta(days=1)
    check = earlier + timedelta(days=1)
    while check <= day:
        if is_quiz_day(calendar, quiz_days, check):
            return True
        check += timedelta(days=1)
    return False


def school_days_since(calendar: SchoolCalendar, start: date, today: date) -> int:
    """How many school days there are after `start`, up to and including `today`."""
    count, day = 0, start + timedelta(days=1)
    while day <= today:
        count += calendar.is_school_day(day)
        day += timedelta(days=1)
    return count
