"""Reads a school's term dates and closure days from a YAML or iCalendar (.ics) file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from icalendar import Calendar

from bot.domain.errors import UserError

SUFFIXES = (".yaml", ".yml", ".ics")
# The column widths of the Term and Closure tables.
MAX_NAME = 100
MAX_REASON = 200
DATE_HELP = "write dates as 2026-09-03 or 03/09/2026"
# For each YAML list: what an entry is called, the keys it may have, the rule, and an example.
SHAPES = {
    "terms": (
        "term",
        ("name", "start", "end"),
        "a term has a name, a start and an end",
        "{name: Autumn 1, start: 2026-09-03, end: 2026-10-23}",
    ),
    "closures": (
        "closure",
        ("date", "start", "end", "reason"),
        "a closure has a date, or a start and an end, and may have a reason",
        "{date: 2026-09-02, reason: INSET day}",
    ),
}
CLOSURE_WORDS = re.compile(r"\b(inset|closed|closure)\b", re.IGNORECASE)
ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


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
class _Placed:
    """An entry and where it is in the file, so checks across entries can point at both."""

    where: str
    value: Entry


class _Loader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so a bad date is our message rather than a crash."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_calendar_file(path: Path | str) -> CalendarFile:
    """Read and check a .yaml, .yml or .ics calendar file; raises CalendarFileError."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        shown = f"'{path.suffix}'" if path.suffix else "no extension"
        problem = f"{path.name}: a calendar file must end in .yaml, .yml or .ics, not {shown}"
        raise CalendarFileError(str(path), [problem])
    try:
        data = path.read_bytes()
        if path.suffix.lower() == ".ics":
            return parse_ics(data, str(path))
        return parse_yaml(data.decode("utf-8-sig"), str(path))
    except OSError as exc:
        problem = f"{path.name}: the file cannot be read ({exc.strerror or exc})"
        raise CalendarFileError(str(path), [problem]) from exc
    except UnicodeDecodeError as exc:
        problem = f"{path.name}: the file is not plain text (UTF-8); save it as text"
        raise CalendarFileError(str(path), [problem]) from exc


def parse_yaml(text: str, source: str) -> CalendarFile:
    """Check YAML calendar text; `source` names the file in messages."""
    name = Path(source).name
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        why = exc.problem or exc.context
        if exc.context and exc.context_mark and exc.context_mark is not mark:
            why += f", {exc.context} on line {exc.context_mark.line + 1}"
        problem = f"{name}{at}: this is not valid YAML ({why}); check brackets and indentation"
        raise CalendarFileError(source, [problem]) from exc
    except yaml.YAMLError as exc:
        raise CalendarFileError(source, [f"{name}: this is not valid YAML ({exc})"]) from exc
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        problem = f"{name}: the file must hold a 'terms:' list, and may hold a 'closures:' list"
        raise CalendarFileError(source, [problem])
    problems = [
        f"{name}: unknown key '{key}'; the file may hold only 'terms' and 'closures'"
        for key in data
        if key not in SHAPES
    ]
    lines = _entry_lines(node)
    placed: list[_Placed] = []
    for section in SHAPES:
        entries = data.get(section) or []
        if not isinstance(entries, list):
            problems.append(f"{name}: '{section}' must be a list, one '- ' line per entry")
            continue
        for index, entry in enumerate(entries):
            where = f"{name} line {lines[section][index]} ({section[:-1]} {index + 1}"
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                where += f" '{entry['name']}'"
            found = _yaml_entry(section, entry, where + ")", problems)
            if found is not None:
                placed.append(_Placed(where + ")", found))
    return _checked(source, placed, problems)


def _entry_lines(node: yaml.Node) -> dict[str, list[int]]:
    """The line on which each entry of each top-level list starts, counting from 1."""
    return {
        str(key.value): [item.start_mark.line + 1 for item in value.value]
        for key, value in node.value
        if isinstance(value, yaml.SequenceNode)
    }


def _yaml_entry(section: str, entry: Any, where: str, problems: list[str]) -> Entry | None:
    """One term or closure from its YAML mapping, or None with the reasons added to problems."""
    kind, allowed, rule, example = SHAPES[section]
    if not isinstance(entry, dict):
        problems.append(f"{where}: write each {kind} like {example}")
        return None
    before = len(problems)
    problems += [f"{where}: unknown key '{key}'; {rule}" for key in entry if key not in allowed]
    if kind == "term":
        needed: tuple[str, ...] = ("name", "start", "end")
    else:
        needed = ("start", "end") if "start" in entry or "end" in entry else ("date",)
        if "date" in entry and needed != ("date",):
            problems.append(f"{where}: give 'date', or 'start' and 'end', not both")
    problems += [f"{where}: '{key}' is missing; {rule}" for key in needed if key not in entry]
    days = [_date(entry[k], k, where, problems) for k in needed if k in entry and k != "name"]
    if kind == "term":
        label = _text(entry["name"], "name", MAX_NAME, where, problems) if "name" in entry else ""
    else:
        label = _text(entry.get("reason"), "reason", MAX_REASON, where, problems, blank_ok=True)
    # A date that could not be read is None here, and has already added its problem.
    found = [day for day in days if day is not None]
    if len(problems) > before or not found:
        return None
    first, last = found[0], found[-1]
    if last < first:
        problems.append(f"{where}: it ends ({last}) before it starts ({first})")
        return None
    return TermDates(label, first, last) if kind == "term" else ClosureDates(first, last, label)


def _text(
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


def parse_date(value: Any) -> date:
    """A date from YAML: a date, or text as YYYY-MM-DD or dd/mm/yyyy; ValueError says why not."""
    if isinstance(value, datetime):
        raise ValueError(f"'{value}' has a time; {DATE_HELP}")
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if match := ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := UK_DATE.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    else:
        raise ValueError(f"'{text}' is not a date; {DATE_HELP}")
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"'{text}' is not a real day ({exc})") from exc


def _date(value: Any, key: str, where: str, problems: list[str]) -> date | None:
    try:
        return parse_date(value)
    except ValueError as exc:
        problems.append(f"{where}: '{key}': {exc}")
        return None


def parse_ics(data: bytes, source: str) -> CalendarFile:
    """Check iCalendar data: all-day events that are terms or closures (docs/calendar.md)."""
    name = Path(source).name
    try:
        calendar = Calendar.from_ical(data)
    except ValueError as exc:
        problem = f"{name}: this is not an iCalendar file that can be read ({exc})"
        raise CalendarFileError(source, [problem]) from exc
    text = data.decode("utf-8", "replace").splitlines()
    # icalendar keeps no line numbers; the n-th BEGIN:VEVENT line is where the n-th event starts.
    starts = [n + 1 for n, line in enumerate(text) if line.strip().upper() == "BEGIN:VEVENT"]
    problems: list[str] = []
    placed: list[_Placed] = []
    ignored: list[str] = []
    for index, event in enumerate(calendar.walk("VEVENT")):
        summary = str(event.get("SUMMARY", "")).strip()
        line = f" line {starts[index]}" if index < len(starts) else ""
        where = f"{name}{line} (event '{summary}')"
        kind = _ics_kind(event, summary)
        if kind == "both":
            problems.append(f"{where}: it has both categories TERM and CLOSURE; choose one")
        elif kind is None:
            ignored.append(summary)
        elif (found := _ics_entry(event, kind, summary, where, problems)) is not None:
            placed.append(_Placed(where, found))
    warnings = []
    if ignored:
        examples = ", ".join(f"'{summary}'" for summary in ignored[:3])
        warnings.append(
            f"{name}: {len(ignored)} event(s) are neither terms nor closures and were "
            f"left out (e.g. {examples})"
        )
    return _checked(source, placed, problems, warnings, len(ignored))


def _ics_kind(event: Any, summary: str) -> str | None:
    """'term', 'closure', 'both' or None (left out): CATEGORIES first, then the SUMMARY."""
    found = event.get("CATEGORIES")
    groups = found if isinstance(found, list) else [found] if found is not None else []
    categories = {str(cat).strip().upper() for group in groups for cat in group.cats}
    if {"TERM", "CLOSURE"} <= categories:
        return "both"
    if "TERM" in categories or summary.lower().startswith("term:"):
        return "term"
    if "CLOSURE" in categories or CLOSURE_WORDS.search(summary):
        return "closure"
    return None


def _ics_entry(
    event: Any, kind: str, summary: str, where: str, problems: list[str]
) -> Entry | None:
    """One term or closure from an all-day event, or None with the reasons added to problems."""
    before = len(problems)
    if "RRULE" in event:
        problems.append(f"{where}: repeating events are not allowed; give each its own event")
    first = last = _ics_day(event, "DTSTART", where, problems)
    if "DTEND" in event:
        end = _ics_day(event, "DTEND", where, problems)
        # DTEND is the day after the last day (RFC 5545), so an event must end after it starts.
        if first is not None and end is not None and end <= first:
            problems.append(f"{where}: it ends (DTEND {end}) on or before it starts ({first})")
        last = end - timedelta(days=1) if end is not None else None
    elif "DURATION" in event and first is not None:
        length = event.decoded("DURATION")
        if not isinstance(length, timedelta) or length.days < 1 or length.seconds:
            problems.append(f"{where}: its DURATION must be a whole number of days")
        else:
            last = first + length - timedelta(days=1)
    label = summary[5:].strip() if summary.lower().startswith("term:") else summary
    if kind == "term" and not label:
        problems.append(f"{where}: the term has no name; write its SUMMARY as 'Term: Autumn 1'")
    limit = MAX_NAME if kind == "term" else MAX_REASON
    label = _text(label, "SUMMARY", limit, where, problems, blank_ok=True)
    if len(problems) > before or first is None or last is None:
        return None
    return TermDates(label, first, last) if kind == "term" else ClosureDates(first, last, label)


def _ics_day(event: Any, key: str, where: str, problems: list[str]) -> date | None:
    if key not in event:
        problems.append(f"{where}: it has no {key}; every term and closure needs a start day")
        return None
    value = event.decoded(key)
    if isinstance(value, datetime):
        problems.append(f"{where}: its {key} has a time; make it an all-day event")
        return None
    if not isinstance(value, date):
        problems.append(f"{where}: its {key} '{value}' is not a date such as 20260903")
        return None
    return value


def _checked(
    source: str,
    placed: list[_Placed],
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
    latest: _Placed | None = None
    for term in terms:
        if latest is not None and term.value.first <= latest.value.last:
            problems.append(f"{term.where}: it overlaps {latest.where}; terms cannot share a day")
        if latest is None or term.value.last > latest.value.last:
            latest = term
    seen: dict[tuple[date, date], _Placed] = {}
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


def _first_day(placed: _Placed) -> date:
    return placed.value.first


def _share_a_day(one: Entry, other: Entry) -> bool:
    return one.first <= other.last and other.first <= one.last
