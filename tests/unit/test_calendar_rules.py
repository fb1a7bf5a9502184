"""The pure calendar rules: school days, sending windows, clock changes, half terms and people."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.domain.calendar import (
    Availability,
    DateRange,
    SchoolCalendar,
    england_bank_holidays,
    is_sending_day,
    may_message,
    next_sending_moment,
)

LONDON = ZoneInfo("Europe/London")
EVERYONE = Availability()
# 2026-27, split at the half terms, as a typical school in England publishes it.
TERMS = (
    DateRange(date(2026, 9, 1), date(2026, 10, 23)),
    DateRange(date(2026, 11, 2), date(2026, 12, 18)),
    DateRange(date(2027, 1, 4), date(2027, 2, 12)),
    DateRange(date(2027, 2, 22), date(2027, 3, 25)),
    DateRange(date(2027, 4, 12), date(2027, 5, 28)),
    DateRange(date(2027, 6, 7), date(2027, 7, 21)),
)
INSET = (
    DateRange(date(2026, 9, 1), date(2026, 9, 2)),
    DateRange(date(2027, 1, 4), date(2027, 1, 4)),
)


def school(terms: tuple[DateRange, ...] = TERMS, closures=INSET) -> SchoolCalendar:
    return SchoolCalendar(
        timezone=LONDON,
        window_start=time(7, 30),
        window_end=time(16, 30),
        terms=terms,
        closures=closures,
        bank_holidays=england_bank_holidays([2026, 2027, 2028]),
    )


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def london(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LONDON)


def test_the_bank_holidays_are_englands() -> None:
    days = england_bank_holidays([2027])
    assert date(2027, 5, 3) in days and date(2027, 3, 26) in days and date(2027, 3, 29) in days
    # St Andrew's Day is Scotland's, not England's.
    assert date(2027, 11, 30) not in days


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # Before the autumn change the 07:30 London window opens at 06:30 UTC ...
        (utc(2026, 10, 22, 5, 0), utc(2026, 10, 22, 6, 30)),
        # ... and straight after half term (GMT again) at 07:30 UTC.
        (utc(2026, 10, 23, 15, 30), utc(2026, 11, 2, 7, 30)),
        # The last school day before the spring change: GMT, 07:30 UTC ...
        (utc(2027, 3, 25, 5, 0), utc(2027, 3, 25, 7, 30)),
        # ... and after the Easter holiday (BST) at 06:30 UTC.
        (utc(2027, 3, 25, 16, 30), utc(2027, 4, 12, 6, 30)),
    ],
)
def test_the_window_follows_london_time_across_both_clock_changes(
    after: datetime, expected: datetime
) -> None:
    assert next_sending_moment(school(), EVERYONE, after) == expected


def test_without_terms_the_first_days_after_each_clock_change_move_the_utc_hour() -> None:
    calendar = school(terms=(), closures=())
    # BST ends on Sunday 25 October 2026: Friday opens at 06:30 UTC, Monday at 07:30 UTC.
    assert next_sending_moment(calendar, EVERYONE, utc(2026, 10, 23, 0)) == utc(2026, 10, 23, 6, 30)
    assert next_sending_moment(calendar, EVERYONE, utc(2026, 10, 23, 18)) == utc(
        2026, 10, 26, 7, 30
    )
    # BST starts on Sunday 28 March 2027; Good Friday and Easter Monday are bank holidays.
    assert next_sending_moment(calendar, EVERYONE, utc(2027, 3, 25, 18)) == utc(2027, 3, 30, 6, 30)


def test_may_message_reads_the_window_in_london_time() -> None:
    calendar = school(terms=(), closures=())
    # 06:45 UTC is 07:45 in BST (open) but 06:45 in GMT (not yet open).
    assert may_message(calendar, EVERYONE, utc(2026, 10, 23, 6, 45))
    assert not may_message(calendar, EVERYONE, utc(2026, 10, 26, 6, 45))
    # 15:45 UTC is 16:45 in BST (closed) but 15:45 in GMT (still open).
    assert not may_message(calendar, EVERYONE, utc(2027, 3, 31, 15, 45))
    assert may_message(calendar, EVERYONE, utc(2027, 3, 24, 15, 45))


def test_the_window_opens_at_its_start_and_is_shut_at_its_end() -> None:
    calendar = school()
    assert not may_message(calendar, EVERYONE, london(2026, 11, 4, 7, 29, 59))
    assert may_message(calendar, EVERYONE, london(2026, 11, 4, 7, 30))
    assert may_message(calendar, EVERYONE, london(2026, 11, 4, 16, 29, 59))
    assert not may_message(calendar, EVERYONE, london(2026, 11, 4, 16, 30))


def test_inside_the_window_the_moment_itself_is_returned_in_utc() -> None:
    moment = london(2026, 11, 4, 10, 15)
    found = next_sending_moment(school(), EVERYONE, moment)
    assert found == utc(2026, 11, 4, 10, 15) and found.tzinfo is UTC


def test_no_message_in_half_term() -> None:
    calendar = school()
    for day in range(26, 31):
        assert not may_message(calendar, EVERYONE, london(2026, 10, day, 10))
    assert next_sending_moment(calendar, EVERYONE, london(2027, 2, 15, 9)) == utc(
        2027, 2, 22, 7, 30
    )


def test_a_bank_holiday_monday_in_term_is_skipped() -> None:
    calendar = school()
    assert not may_message(calendar, EVERYONE, london(2027, 5, 3, 10))
    # From Friday afternoon, past the early May bank holiday, to Tuesday 07:30 BST.
    assert next_sending_moment(calendar, EVERYONE, london(2027, 4, 30, 17)) == utc(
        2027, 5, 4, 6, 30
    )


def test_the_spring_bank_holiday_falls_in_half_term_anyway() -> None:
    assert next_sending_moment(school(), EVERYONE, london(2027, 5, 28, 17)) == utc(
        2027, 6, 7, 6, 30
    )


def test_an_inset_day_is_closed_and_the_term_starts_the_day_after() -> None:
    calendar = school()
    assert not may_message(calendar, EVERYONE, london(2027, 1, 4, 10))
    assert next_sending_moment(calendar, EVERYONE, london(2027, 1, 4, 8)) == utc(2027, 1, 5, 7, 30)
    # Both INSET days at the start of September: the first message goes on Thursday 3rd.
    assert next_sending_moment(calendar, EVERYONE, utc(2026, 8, 20)) == utc(2026, 9, 3, 6, 30)


def test_a_part_time_worker_is_messaged_only_on_their_days() -> None:
    wed_thu = Availability(working_days=frozenset({3, 4}))
    calendar = school()
    assert not may_message(calendar, wed_thu, london(2026, 11, 3, 10))  # Tuesday
    assert may_message(calendar, wed_thu, london(2026, 11, 4, 10))  # Wednesday
    assert next_sending_moment(calendar, wed_thu, london(2026, 11, 2, 10)) == utc(
        2026, 11, 4, 7, 30
    )
    # From Thursday after the window, past Friday and the weekend, to the next Wednesday.
    assert next_sending_moment(calendar, wed_thu, london(2026, 11, 5, 17)) == utc(
        2026, 11, 11, 7, 30
    )


def test_a_pause_holds_through_its_last_day() -> None:
    paused = Availability(paused_until=date(2026, 11, 11))
    calendar = school()
    assert not may_message(calendar, paused, london(2026, 11, 11, 10))
    assert may_message(calendar, paused, london(2026, 11, 12, 10))
    assert next_sending_moment(calendar, paused, london(2026, 11, 9, 10)) == utc(
        2026, 11, 12, 7, 30
    )
    assert not is_sending_day(calendar, paused, date(2026, 11, 11))


def test_friday_after_the_window_closes_rolls_to_monday_morning() -> None:
    calendar = school()
    assert next_sending_moment(calendar, EVERYONE, london(2026, 11, 6, 16, 30)) == utc(
        2026, 11, 9, 7, 30
    )
    # One minute earlier the window is still open.
    assert next_sending_moment(calendar, EVERYONE, london(2026, 11, 6, 16, 29)) == utc(
        2026, 11, 6, 16, 29
    )


def test_the_last_day_of_a_term_rolls_to_the_next_term() -> None:
    calendar = school()
    # Autumn ends Friday 18 December; 4 January is INSET, so Tuesday 5 January.
    assert next_sending_moment(calendar, EVERYONE, london(2026, 12, 18, 17)) == utc(
        2027, 1, 5, 7, 30
    )
    # Without that INSET day, Monday 4 January.
    no_inset = school(closures=())
    assert next_sending_moment(no_inset, EVERYONE, london(2026, 12, 18, 17)) == utc(
        2027, 1, 4, 7, 30
    )


def test_with_no_term_dates_every_weekday_but_bank_holidays_counts() -> None:
    calendar = school(terms=(), closures=())
    assert may_message(calendar, EVERYONE, london(2026, 8, 12, 10))  # a summer Wednesday
    assert not may_message(calendar, EVERYONE, london(2026, 8, 15, 10))  # a Saturday
    assert not may_message(calendar, EVERYONE, london(2026, 8, 31, 10))  # summer bank holiday
    # Christmas Day is a Friday and Boxing Day's substitute is Monday 28th.
    assert next_sending_moment(calendar, EVERYONE, london(2026, 12, 24, 17)) == utc(
        2026, 12, 29, 7, 30
    )


def test_a_closure_still_counts_when_no_terms_are_loaded() -> None:
    calendar = school(terms=(), closures=(DateRange(date(2026, 11, 4), date(2026, 11, 4)),))
    assert not may_message(calendar, EVERYONE, london(2026, 11, 4, 10))
    assert may_message(calendar, EVERYONE, london(2026, 11, 5, 10))


def test_a_person_with_no_working_days_is_never_messaged() -> None:
    nobody = Availability(working_days=frozenset())
    assert next_sending_moment(school(), nobody, london(2026, 11, 4, 10)) is None
    assert not may_message(school(), nobody, london(2026, 11, 4, 10))


def test_after_the_last_term_loaded_there_is_no_moment() -> None:
    assert next_sending_moment(school(), EVERYONE, london(2027, 7, 21, 17)) is None


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_sending_moment(school(), EVERYONE, datetime(2026, 11, 4, 10))
    with pytest.raises(ValueError, match="aware"):
        may_message(school(), EVERYONE, datetime(2026, 11, 4, 10))


def test_weekends_are_not_school_days_even_in_term() -> None:
    calendar = school()
    assert calendar.is_school_day(date(2026, 11, 6))
    assert not calendar.is_school_day(date(2026, 11, 7))
    assert not calendar.is_school_day(date(2026, 11, 8))


def test_impossible_ranges_and_windows_are_refused() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        DateRange(date(2026, 11, 5), date(2026, 11, 4))
    with pytest.raises(ValueError, match="window"):
        SchoolCalendar(timezone=LONDON, window_start=time(16, 30), window_end=time(7, 30))
