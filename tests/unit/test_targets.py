"""Targets without a database: metric and period words, term dates, and progress rules."""

from __future__ import annotations

from datetime import date

import pytest

from bot.content.targets_csv import read_targets_csv
from bot.domain.calendar import DateRange
from bot.domain.quiz import Area
from bot.domain.targets import (
    Metric,
    Period,
    Status,
    current_term,
    easter_sunday,
    parse_metric,
    parse_period,
    parse_threshold,
    period_choices,
    progress,
)

# Oak Hill's stored terms for 2026-27, with Easter 2027 on 28 March inside Spring 2.
OAK_HILL = (
    DateRange(date(2026, 9, 2), date(2026, 10, 23)),
    DateRange(date(2026, 11, 2), date(2026, 12, 18)),
    DateRange(date(2027, 1, 5), date(2027, 2, 12)),
    DateRange(date(2027, 2, 22), date(2027, 3, 31)),
    DateRange(date(2027, 4, 19), date(2027, 5, 28)),
    DateRange(date(2027, 6, 7), date(2027, 7, 21)),
)


@pytest.mark.parametrize(
    ("written", "metric"),
    [
        ("answered", Metric.ANSWERED_SHARE),
        ("Questions answered %", Metric.ANSWERED_SHARE),
        ("answered_share", Metric.ANSWERED_SHARE),
        ("score", Metric.CORRECT_SHARE),
        ("% answered correctly", Metric.CORRECT_SHARE),
        ("correct_share", Metric.CORRECT_SHARE),
        ("Briefings acknowledged", Metric.BRIEFINGS_ACKNOWLEDGED_SHARE),
        ("briefings_acknowledged_share", Metric.BRIEFINGS_ACKNOWLEDGED_SHARE),
        ("profiles read", Metric.PROFILES_READ_ON_TIME_SHARE),
        ("% Profiles read on time", Metric.PROFILES_READ_ON_TIME_SHARE),
        ("profiles_read_on_time_share", Metric.PROFILES_READ_ON_TIME_SHARE),
    ],
)
def test_metrics_as_line_managers_write_them(written: str, metric: Metric) -> None:
    assert parse_metric(written) is metric


@pytest.mark.parametrize("written", ["attendance", "", "profiles written"])
def test_an_unknown_metric_names_the_field_and_what_is_allowed(written: str) -> None:
    with pytest.raises(ValueError, match=r'^metric: ".*" is not a metric') as caught:
        parse_metric(written)
    assert '"answered"' in str(caught.value) and '"acknowledged"' in str(caught.value)
    assert '"profiles read"' in str(caught.value)


@pytest.mark.parametrize(("written", "value"), [("90", 90), ("90%", 90), (" 1 ", 1), (100, 100)])
def test_thresholds(written: str | int, value: int) -> None:
    assert parse_threshold(written) == value


@pytest.mark.parametrize("written", ["0", "101", "ninety", "-5", "", "85.5"])
def test_a_bad_threshold_says_what_is_allowed(written: str) -> None:
    with pytest.raises(ValueError, match="^threshold: .*from 1 to 100"):
        parse_threshold(written)


@pytest.mark.parametrize(
    ("year", "easter"),
    [(2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)), (2027, date(2027, 3, 28))],
)
def test_easter(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


@pytest.mark.parametrize(
    ("written", "label", "first", "last"),
    [
        ("autumn term 2026", "Autumn term 2026", date(2026, 9, 1), date(2026, 12, 31)),
        ("Spring 2027", "Spring term 2027", date(2027, 1, 1), date(2027, 3, 28)),
        ("SUMMER  TERM 2027", "Summer term 2027", date(2027, 3, 29), date(2027, 8, 31)),
        ("2026-27", "2026-27", date(2026, 9, 1), date(2027, 8, 31)),
        ("academic year 2026/2027", "2026-27", date(2026, 9, 1), date(2027, 8, 31)),
        ("2099\u201300", "2099-00", date(2099, 9, 1), date(2100, 8, 31)),
    ],
)
def test_periods_without_stored_terms_use_the_fixed_windows(
    written: str, label: str, first: date, last: date
) -> None:
    assert parse_period(written) == Period(label, first, last)


@pytest.mark.parametrize(
    ("written", "first", "last"),
    [
        ("autumn term 2026", date(2026, 9, 2), date(2026, 12, 18)),
        # Spring 2 starts before Easter and runs past it: it is still the spring term.
        ("spring term 2027", date(2027, 1, 5), date(2027, 3, 31)),
        ("summer term 2027", date(2027, 4, 19), date(2027, 7, 21)),
        # The academic year is always September to August.
        ("2026-27", date(2026, 9, 1), date(2027, 8, 31)),
        # No stored term for 2027-28 yet: the fixed window.
        ("autumn term 2027", date(2027, 9, 1), date(2027, 12, 31)),
    ],
)
def test_stored_terms_set_where_a_term_starts_and_ends(
    written: str, first: date, last: date
) -> None:
    period = parse_period(written, OAK_HILL)
    assert (period.starts_on, period.ends_on) == (first, last)


@pytest.mark.parametrize(
    "written", ["autumn 26", "2026-28", "2026", "winter term 2026", "spring term 3027", ""]
)
def test_a_period_that_does_not_parse_says_what_is_allowed(written: str) -> None:
    with pytest.raises(ValueError, match=r'^period: ".*" is not a period') as caught:
        parse_period(written)
    assert '"spring term 2027"' in str(caught.value) and '"2026-27"' in str(caught.value)


def test_the_current_term_and_the_choices_offered() -> None:
    assert current_term(date(2026, 11, 25), OAK_HILL).label == "Autumn term 2026"
    assert current_term(date(2027, 3, 28), OAK_HILL).label == "Spring term 2027"
    assert current_term(date(2027, 3, 29)).label == "Summer term 2027"
    labels = [p.label for p in period_choices(date(2026, 11, 25), OAK_HILL)]
    assert labels[:4] == ["2026-27", "Autumn term 2026", "Spring term 2027", "Summer term 2027"]
    assert labels[4:] == ["2025-26", "Autumn term 2025", "Spring term 2026", "Summer term 2026"]


SPRING = Period("Spring term 2027", date(2027, 1, 5), date(2027, 3, 31))


@pytest.mark.parametrize(
    ("numerator", "denominator", "today", "status"),
    [
        (9, 10, date(2027, 2, 1), Status.ON_TRACK),  # exactly 90%
        (8, 10, date(2027, 2, 1), Status.AT_RISK),
        (9, 10, date(2027, 3, 31), Status.ON_TRACK),  # the last day is still running
        (9, 10, date(2027, 4, 1), Status.MET),
        (899, 1000, date(2027, 4, 1), Status.MISSED),  # 89.9% is not 90%
        (0, 0, date(2027, 2, 1), Status.NOT_STARTED),
        (0, 0, date(2027, 4, 1), Status.NOT_STARTED),  # never asked: nothing was missed
        (0, 3, date(2027, 2, 1), Status.AT_RISK),
        (0, 3, date(2027, 4, 1), Status.MISSED),
        (0, 0, date(2026, 12, 1), Status.NOT_STARTED),
    ],
)
def test_progress(numerator: int, denominator: int, today: date, status: Status) -> None:
    assert progress(numerator, denominator, 90, SPRING, today).status is status


def test_progress_percent_is_rounded_down_and_bad_counts_are_refused() -> None:
    assert progress(899, 1000, 90, SPRING, date(2027, 2, 1)).percent == 89
    assert progress(0, 0, 90, SPRING, date(2027, 2, 1)).percent is None
    with pytest.raises(ValueError):
        progress(5, 4, 90, SPRING, date(2027, 2, 1))


def test_a_targets_file_lists_every_bad_line() -> None:
    data = (
        "\ufeffEmail,Metric,Threshold,Period,Area,Topic\n"
        "ann@oakhill.example,answered,90,spring term 2027,,\n"
        "bob@oakhill.example,attendance,90,spring term 2027,,\n"
        "not-an-email,score,150%,winter 2027,,\n"
        "cat@oakhill.example,score,80,2026-27,SEMH,\n"
        "dan@oakhill.example,acknowledged,100,2026-27,,ehcp\n"
    ).encode()
    read = read_targets_csv(data)
    assert [row.line for row in read.rows] == [2, 5]
    assert read.rows[1].area is Area.SEMH and read.rows[1].metric is Metric.CORRECT_SHARE
    assert [(p.line, p.column) for p in read.problems] == [
        (3, "metric"),
        (4, "email"),
        (4, "threshold"),
        (4, "period"),
        (6, "topic"),
    ]
    assert "is not a metric we measure" in str(read.problems[0])


def test_a_targets_file_without_a_needed_column_is_refused_at_the_header() -> None:
    read = read_targets_csv(b"email;metric;period\nann@oakhill.example;answered;2026-27\n")
    assert read.rows == ()
    assert [(p.line, p.column) for p in read.problems] == [(1, "threshold")]
