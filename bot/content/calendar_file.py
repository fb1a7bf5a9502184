"""Reads a school's term dates and closure days from a YAML or iCalendar (.ics) file."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from bot.content.calendar_dates import (
    MAX_NAME,
    MAX_REASON,
    CalendarFile,
    CalendarFileError,
    ClosureDates,
    Entry,
    Placed,
    TermDates,
    checked,
    text_field,
)
from bot.content.calendar_ics import parse_ics

__all__ = [
    "CalendarFile",
    "CalendarFileError",
    "ClosureDates",
    "TermDates",
    "load_calendar_file",
    "parse_date",
    "parse_ics",
    "parse_yaml",
]

SUFFIXES = (".yaml", ".yml", ".ics")
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
ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


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
    placed: list[Placed] = []
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
                placed.append(Placed(where + ")", found))
    return checked(source, placed, problems)


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
        label = (
            text_field(entry["name"], "name", MAX_NAME, where, problems) if "name" in entry else ""
        )
    else:
        label = text_field(
            entry.get("reason"), "reason", MAX_REASON, where, problems, blank_ok=True
        )
    # A date that could not be read is None here, and has already added its problem.
    found = [day for day in days if day is not None]
    if len(problems) > before or not found:
        return None
    first, last = found[0], found[-1]
    if last < first:
        problems.append(f"{where}: it ends ({last}) before it starts ({first})")
        return None
    return TermDates(label, first, last) if kind == "term" else ClosureDates(first, last, label)


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
