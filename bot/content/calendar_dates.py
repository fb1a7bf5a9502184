"""What a calendar file holds once read, and the checks across its entries (both formats)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bot.domain.errors import UserError

# The column widths of the Term and Closure tables.
MAX_NAME = 100
MAX_REASON = 200


@dataclass(frozen=True)
class TermDates:
    """One term as written in the file; both days included."""

    name: str
    first: date
    last: date


@dataclass(frozen=True)
class ClosureDates:
    """Days inside a term when the school is closed; both days included."""

    first: date
    last: date
    reason: str


@dataclass(frozen=True)
class CalendarFile:
    """A calendar file that passed every check, with notes worth showing but not fatal."""

    source: str
    terms: tuple[TermDates, ...]
    closures: tuple[ClosureDates, ...]
    warnings: tuple[str, ...] = ()
    # iCalendar events that were neither a term nor a closure (parents' evenings, trips...).
    ignored: int = 0


class CalendarFileError(UserError, ValueError):
    """A calendar file that cannot be loaded; `problems` lists every reason, for school staff."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
        lines = [f"The calendar file {source} was not loaded ({count}):"]
        lines += [f"- {problem}" for problem in problems]
        lines.append("Nothing was changed. See docs/calendar.md for the format.")
        super().__init__("\n".join(lines))


Entry = TermDates | ClosureDates


@dataclass(frozen=True)
class Placed:
    """An entry and where it is in the file, so checks across entries can point at both."""

    where: str
    value: Entry


def text_field(
    value: Any, key: str, limit: int, where: str, problems: list[str], blank_ok: bool = False
) -> str:
    if value is None and blank_ok:
        return ""
    text = "" if isinstance(value, bool) or not isinstance(value, str | int | float) else value
    text = str(text).strip()
    if not text and not blank_ok:
        problems.append(f"{where}: '{key}' must be some text")
    elif len(text) > limit:
        problems.append(f"{where}: '{key}' is {len(text)} characters long; at most {limit}")
    return text


def checked(
    source: str,
    placed: list[Placed],
    problems: list[str],
    warnings: list[str] | None = None,
    ignored: int = 0,
) -> CalendarFile:
    """Checks across entries (overlaps, duplicates), then the value or every problem at once."""
    warnings = list(warnings or [])
    terms = sorted((p for p in placed if isinstance(p.value, TermDates)), key=_first_day)
    closures = sorted((p for p in placed if isinstance(p.value, ClosureDates)), key=_first_day)
    if not terms and not problems:
        name = Path(source).name
        problems.append(f"{name}: there are no terms; a calendar needs at least one term")
    latest: Placed | None = None
    for term in terms:
        if latest is not None and term.value.first <= latest.value.last:
            problems.append(f"{term.where}: it overlaps {latest.where}; terms cannot share a day")
        if latest is None or term.value.last > latest.value.last:
            latest = term
    seen: dict[tuple[date, date], Placed] = {}
    for closure in closures:
        key = (closure.value.first, closure.value.last)
        if key in seen:
            problems.append(f"{closure.where}: the same days as {seen[key].where}; list it once")
            continue
        seen[key] = closure
        if terms and not any(_share_a_day(closure.value, term.value) for term in terms):
            warnings.append(f"{closure.where}: it falls outside every term, so it changes nothing")
    if problems:
        raise CalendarFileError(source, problems)
    return CalendarFile(
        source=source,
        terms=tuple(term.value for term in terms),  # type: ignore[misc]
        closures=tuple(closure.value for closure in seen.values()),  # type: ignore[misc]
        warnings=tuple(warnings),
        ignored=ignored,
    )


def _first_day(placed: Placed) -> date:
    return placed.value.first


def _share_a_day(one: Entry, other: Entry) -> bool:
    return one.first <= other.last and other.first <= one.last
