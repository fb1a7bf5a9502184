"""Performance-management targets: metrics, periods as staff write them, and progress.

Periods. An academic year runs from 1 September to 31 August and is written "2026-27". Its
three terms are named by season and the calendar year they fall in, so "autumn term 2026",
"spring term 2027" and "summer term 2027" are the terms of 2026-27. Without stored term dates a
term covers a fixed window of that year:

- autumn: 1 September to 31 December;
- spring: 1 January to Easter Sunday;
- summer: Easter Monday to 31 August.

Where the school has stored terms, each stored term belongs to the window its first day falls
in (a term that runs over Easter belongs to spring, since it started there), and the period runs
from the first day of the first such term to the last day of the last one; a window with no
stored term keeps its fixed dates. A school should therefore load a whole year's terms before
setting targets on them: a year with only "Spring 1" loaded gives a spring term that ends with
Spring 1. An academic year is always 1 September to 31 August, because questions and briefings
are only sent on school days anyway.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bot.domain.calendar import DateRange


class Metric(StrEnum):
    """What a target measures, each a share of something recorded."""

    ANSWERED_SHARE = "answered_share"  # questions asked that were answered
    CORRECT_SHARE = "correct_share"  # questions answered that were answered correctly
    BRIEFINGS_ACKNOWLEDGED_SHARE = "briefings_acknowledged_share"  # briefings received, read
    # register alerts' profiles read within the school's days of the alert being sent
    PROFILES_READ_ON_TIME_SHARE = "profiles_read_on_time_share"


METRIC_LABELS = {
    Metric.ANSWERED_SHARE: "questions answered",
    Metric.CORRECT_SHARE: "answered correctly",
    Metric.BRIEFINGS_ACKNOWLEDGED_SHARE: "briefings acknowledged",
    Metric.PROFILES_READ_ON_TIME_SHARE: "profiles read on time",
}
# Metrics measured over everything a person received: an area of need or a topic means nothing.
METRICS_WITHOUT_AREA = frozenset(
    {Metric.BRIEFINGS_ACKNOWLEDGED_SHARE, Metric.PROFILES_READ_ON_TIME_SHARE}
)
# What "0 of 0" means for a metric, where it is not plain "not started".
NOTHING_YET = {Metric.PROFILES_READ_ON_TIME_SHARE: "no alerts yet"}
METRICS_ALLOWED = (
    '"answered" (share of questions asked that were answered), "correct" (share of answered '
    'questions answered correctly), "acknowledged" (share of briefings received that were '
    'acknowledged) or "profiles read" (share of pupils\' profiles from register alerts read '
    "on time)"
)
_METRIC_WORDS: dict[str, Metric] = {
    **dict.fromkeys(
        ("answered", "questions answered", "answer", "completion", "completed", "answered share"),
        Metric.ANSWERED_SHARE,
    ),
    **dict.fromkeys(
        ("correct", "answered correctly", "score", "questions correct", "correct share"),
        Metric.CORRECT_SHARE,
    ),
    **dict.fromkeys(
        (
            "acknowledged",
            "briefings acknowledged",
            "briefings",
            "briefings read",
            "briefings acknowledged share",
        ),
        Metric.BRIEFINGS_ACKNOWLEDGED_SHARE,
    ),
    **dict.fromkeys(
        (
            "profiles read",
            "profiles read on time",
            "profiles",
            "profile read",
            "profiles read on time share",
            "read on time",
            "register alerts read",
        ),
        Metric.PROFILES_READ_ON_TIME_SHARE,
    ),
}


def parse_metric(text: str) -> Metric:
    """A metric as a line manager writes it ("answered", "score", "briefings acknowledged")."""
    words = re.sub(r"[_\-]", " ", text.lower().replace("%", " "))
    # "percentage of questions answered" and "% answered" mean the same as "answered".
    words = " ".join(w for w in words.split() if w not in ("of", "the", "percent", "percentage"))
    metric = _METRIC_WORDS.get(words)
    if metric is None:
        shown = text.strip() or "(empty)"
        raise ValueError(
            f'metric: "{shown}" is not a metric we measure. Allowed: {METRICS_ALLOWED}.'
        )
    return metric


def parse_threshold(text: str | int) -> int:
    """A whole percentage from 1 to 100, written "90" or "90%"."""
    cleaned = str(text).strip().removesuffix("%").strip()
    if not cleaned.isdigit() or not 1 <= int(cleaned) <= 100:
        shown = str(text).strip() or "(empty)"
        raise ValueError(
            f'threshold: "{shown}" is not a percentage we can use. Allowed: a whole number '
            'from 1 to 100, e.g. "90" or "90%".'
        )
    return int(cleaned)


class Season(StrEnum):
    """The three terms of the English school year."""

    AUTUMN = "autumn"
    SPRING = "spring"
    SUMMER = "summer"


@dataclass(frozen=True)
class Period:
    """A named stretch of days a target is measured over, both ends included."""

    label: str  # "Spring term 2027" or "2026-27"
    starts_on: date
    ends_on: date

    def describe(self) -> str:
        """The label with its dates, so nobody has to guess where a term starts and ends."""
        return f"{self.label} ({self.starts_on:%-d %b %Y} to {self.ends_on:%-d %b %Y})"


PERIODS_ALLOWED = (
    'a term as "autumn term 2026", "spring term 2027" or "summer term 2027" (the year the term '
    'falls in), or an academic year as "2026-27" (1 September to 31 August)'
)
_TERM = re.compile(r"^(autumn|spring|summer)(?: term)? (\d{4})$")
_YEAR = re.compile(r"^(?:academic year )?(\d{4}) ?[-/] ?(\d{2}|\d{4})(?: academic year)?$")


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous algorithm, as in Meeus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


def season_window(season: Season, year: int) -> DateRange:
    """The fixed dates of a term when the school has stored none for it."""
    if season is Season.AUTUMN:
        return DateRange(date(year, 9, 1), date(year, 12, 31))
    easter = easter_sunday(year)
    if season is Season.SPRING:
        return DateRange(date(year, 1, 1), easter)
    return DateRange(easter + timedelta(days=1), date(year, 8, 31))


def term_period(season: Season, year: int, stored: Iterable[DateRange] = ()) -> Period:
    """A term, from the school's stored terms that start in its window, else the window."""
    window = season_window(season, year)
    inside = [term for term in stored if term.first in window]
    label = f"{season.value.title()} term {year}"
    if not inside:
        return Period(label, window.first, window.last)
    return Period(label, min(t.first for t in inside), max(t.last for t in inside))


def academic_year(first_year: int) -> Period:
    """The academic year starting in September of `first_year`, labelled like "2026-27"."""
    label = f"{first_year}-{(first_year + 1) % 100:02d}"
    return Period(label, date(first_year, 9, 1), date(first_year + 1, 8, 31))


def parse_period(text: str, stored: Iterable[DateRange] = ()) -> Period:
    """A period as a line manager writes it; raises ValueError naming what is allowed."""
    words = " ".join(text.lower().replace("\u2013", "-").replace("\u2014", "-").split())
    term = _TERM.match(words)
    if term and _plausible(int(term.group(2))):
        return term_period(Season(term.group(1)), int(term.group(2)), stored)
    year = _YEAR.match(words)
    if year and _plausible(int(year.group(1))):
        first, second = int(year.group(1)), year.group(2)
        expected = f"{(first + 1) % 100:02d}" if len(second) == 2 else str(first + 1)
        if second == expected:
            return academic_year(first)
    shown = text.strip() or "(empty)"
    raise ValueError(f'period: "{shown}" is not a period we can read. Allowed: {PERIODS_ALLOWED}.')


def _plausible(year: int) -> bool:
    # A typo such as "202" or "3026" should be refused, not become a target nobody can meet.
    return 2000 <= year <= 2100


def academic_year_of(day: date) -> int:
    """The first calendar year of the academic year a day falls in (2026 for 2026-27)."""
    return day.year if day.month >= 9 else day.year - 1


def season_of(day: date) -> Season:
    """The term a day falls in by the fixed windows (holidays belong to the term before)."""
    if day.month >= 9:
        return Season.AUTUMN
    return Season.SPRING if day <= easter_sunday(day.year) else Season.SUMMER


def current_term(today: date, stored: Iterable[DateRange] = ()) -> Period:
    """The term today falls in, with the school's stored dates where it has them."""
    return term_period(season_of(today), today.year, stored)


def period_choices(today: date, stored: Iterable[DateRange] = ()) -> list[Period]:
    """This academic year and the one before, each followed by its terms: for a chooser."""
    stored = tuple(stored)
    choices = []
    for first in (academic_year_of(today), academic_year_of(today) - 1):
        choices.append(academic_year(first))
        choices.append(term_period(Season.AUTUMN, first, stored))
        choices.append(term_period(Season.SPRING, first + 1, stored))
        choices.append(term_period(Season.SUMMER, first + 1, stored))
    return choices


class Status(StrEnum):
    """Where a target stands."""

    NOT_STARTED = "not started"
    ON_TRACK = "on track"
    AT_RISK = "at risk"
    MET = "met"
    MISSED = "missed"


@dataclass(frozen=True)
class Progress:
    """A target's measure so far: numerator of denominator, and what that means."""

    numerator: int
    denominator: int
    status: Status

    @property
    def percent(self) -> int | None:
        """The share as a whole percentage (rounded down, so 89.9% never shows as 90%)."""
        return None if not self.denominator else self.numerator * 100 // self.denominator


def progress(
    numerator: int, denominator: int, threshold: int, period: Period, today: date
) -> Progress:
    """Judge counts against a threshold for a period as it stands today.

    Nothing to measure (nothing asked, answered or received in the period, or the period not
    begun) is "not started", even once the period is over: a person who was never asked has not
    missed anything. Otherwise the share is compared exactly, without rounding.
    """
    if not 0 <= numerator <= denominator:
        raise ValueError(
            f"progress needs 0 <= numerator <= denominator, not {numerator}/{denominator}"
        )
    if denominator == 0 or today < period.starts_on:
        return Progress(numerator, denominator, Status.NOT_STARTED)
    reached = numerator * 100 >= threshold * denominator
    if today > period.ends_on:
        return Progress(numerator, denominator, Status.MET if reached else Status.MISSED)
    return Progress(numerator, denominator, Status.ON_TRACK if reached else Status.AT_RISK)
