"""The weekly digest's rules about time: which week it belongs to, on which day a person gets
it, which school weeks it compares, and who counts as not having answered.

A digest belongs to a school week (Monday to Friday). A person gets it on the first day of that
week that is one of their sending days (a school day they work, not paused): a week with none
(a holiday, or a part-timer whose only days are closed) has no digest. It compares the two most
recent weeks before it that had any school day, so a half term in between is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from bot.domain.calendar import Availability, SchoolCalendar, is_sending_day
from bot.domain.weeks import SchoolWeek, school_weeks

# Far enough back to cross the summer holiday (about six and a half weeks).
LOOK_BACK_WEEKS = 10


def week_of(day: date) -> date:
    """The Monday of the week a day falls in."""
    return day - timedelta(days=day.weekday())


def first_sending_day(calendar: SchoolCalendar, person: Availability, monday: date) -> date | None:
    """The first day of the school week starting `monday` on which this person may be sent
    messages, or None when they have none that week (a holiday, leave, or no working day open)."""
    for offset in range(5):
        day = monday + timedelta(days=offset)
        if is_sending_day(calendar, person, day):
            return day
    return None


def is_digest_day(
    calendar: SchoolCalendar, person: Availability, today: date, planned_this_week: bool
) -> bool:
    """Whether this person's digest for this week is to be planned today: it is one of their
    sending days and the week's digest is not planned yet. On their first sending day of the
    week that is the first; a later day only when the first was missed (sendbot was stopped,
    or they were appointed mid-week). Never in another week: a missed week is not caught up."""
    return not planned_this_week and is_sending_day(calendar, person, today)


def weeks_compared(
    calendar: SchoolCalendar, monday: date
) -> tuple[SchoolWeek | None, SchoolWeek | None]:
    """(last week, the week before): the two latest weeks before the week of `monday` that had
    at least one school day, looking back LOOK_BACK_WEEKS; None where there is none."""
    first = monday - timedelta(weeks=LOOK_BACK_WEEKS)
    weeks = school_weeks(calendar, first, monday - timedelta(days=3))
    open_weeks = [w for w in weeks if w.school_days and w.monday < monday]
    last = open_weeks[-1] if open_weeks else None
    before = open_weeks[-2] if len(open_weeks) > 1 else None
    return last, before


def silent_since(items: Iterable[tuple[datetime | None, datetime | None]], since: datetime) -> bool:
    """Given one person's questions as (sent at, answered at): True when they were sent at least
    one question since `since` and have answered none since then. Someone sent nothing has
    nothing to answer, so is never silent (a part-timer with no quiz day, someone paused)."""
    asked = answered = False
    for sent_at, answered_at in items:
        asked = asked or (sent_at is not None and sent_at >= since)
        answered = answered or (answered_at is not None and answered_at >= since)
    return asked and not answered
