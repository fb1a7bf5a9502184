"""Reading term dates and closures from an iCalendar (.ics) file (docs/calendar.md)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from icalendar import Calendar

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

CLOSURE_WORDS = re.compile(r"\b(inset|closed|closure)\b", re.IGNORECASE)


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
    placed: list[Placed] = []
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
            placed.append(Placed(where, found))
    warnings = []
    if ignored:
        examples = ", ".join(f"'{summary}'" for summary in ignored[:3])
        warnings.append(
            f"{name}: {len(ignored)} event(s) are neither terms nor closures and were "
            f"left out (e.g. {examples})"
        )
    return checked(source, placed, problems, warnings, len(ignored))


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
    label = text_field(label, "SUMMARY", limit, where, problems, blank_ok=True)
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
