"""Reads a team's targets from CSV into checked rows, or every problem in it, line by line."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from bot.content.staff_csv import EMAIL_SHAPE, SAVE_AS_UTF8, Problem
from bot.domain.quiz import Area, parse_area
from bot.domain.targets import Metric, parse_metric, parse_period, parse_threshold

COLUMNS = ("email", "metric", "threshold", "period", "area", "topic")
REQUIRED = ("email", "metric", "threshold", "period")
TOPIC_MAX = 60


@dataclass(frozen=True)
class TargetRow:
    """One checked line; the period is checked for shape here and given dates by the school."""

    line: int
    email: str  # lower case
    metric: Metric
    threshold: int
    period: str
    area: Area | None
    topic: str | None


@dataclass(frozen=True)
class TargetFile:
    """The good rows and every problem; a file with any problem is imported not at all."""

    rows: tuple[TargetRow, ...]
    problems: tuple[Problem, ...]


def read_targets_csv(data: bytes) -> TargetFile:
    """Decode, split and check a whole targets file (header line first, as in the template)."""
    try:
        # utf-8-sig drops the byte-order mark Excel writes at the start of "CSV UTF-8" files.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return _failed(Problem(line, "", f"This file is not saved as CSV UTF-8. {SAVE_AS_UTF8}"))
    first = next((line for line in text.splitlines() if line.strip()), "")
    # Excel in much of Europe writes semicolons; the header line shows which.
    delimiter = max(",;\t", key=first.count) if first else ","
    records = [
        (n, cells)
        for n, cells in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 1)
        if any(cell.strip() for cell in cells)
    ]
    if not records:
        return _failed(Problem(1, "", "The file is empty. The first line must name the columns."))
    header_line, header = records[0]
    positions, problems = _map_headings(header_line, header)
    if problems:
        return TargetFile((), tuple(problems))
    if len(records) == 1:
        return _failed(Problem(header_line, "", "The file has a header line but no targets."))
    rows: list[TargetRow] = []
    for line, cells in records[1:]:
        value = {c: cells[p].strip() if p < len(cells) else "" for c, p in positions.items()}
        row, found = _check_row(line, value)
        problems.extend(found)
        if row is not None:
            rows.append(row)
    return TargetFile(tuple(rows), tuple(problems))


def _failed(problem: Problem) -> TargetFile:
    return TargetFile((), (problem,))


def _map_headings(line: int, header: list[str]) -> tuple[dict[str, int], list[Problem]]:
    positions: dict[str, int] = {}
    problems: list[Problem] = []
    for index, cell in enumerate(header):
        key = re.sub(r"[^a-z]", "", cell.lower())
        if key not in COLUMNS:
            continue
        if key in positions:
            problems.append(Problem(line, cell.strip(), "This column appears twice; keep one."))
        else:
            positions[key] = index
    for column in REQUIRED:
        if column not in positions:
            problems.append(
                Problem(
                    line,
                    column,
                    f'There is no "{column}" column. The columns are: {", ".join(COLUMNS)} '
                    "(area and topic may be left out).",
                )
            )
    return positions, problems


def _check_row(line: int, value: dict[str, str]) -> tuple[TargetRow | None, list[Problem]]:
    """One data line: the row if it is good, and every problem with it."""
    problems: list[Problem] = []

    def attempt(column: str, parse):  # type: ignore[no-untyped-def]
        try:
            return parse(value.get(column, ""))
        except ValueError as exc:
            # The domain's message starts with the field name; the column says that already.
            problems.append(Problem(line, column, str(exc).removeprefix(f"{column}: ")))
            return None

    email = value["email"].lower()
    if not EMAIL_SHAPE.match(email):
        shown = value["email"] or "(empty)"
        problems.append(Problem(line, "email", f'"{shown}" is not an email address.'))
    metric = attempt("metric", parse_metric)
    threshold = attempt("threshold", parse_threshold)
    attempt("period", parse_period)
    area = attempt("area", parse_area) if value.get("area") else None
    topic = value.get("topic") or None
    if topic and len(topic) > TOPIC_MAX:
        problems.append(Problem(line, "topic", f"The topic is longer than {TOPIC_MAX} characters."))
    if metric is Metric.BRIEFINGS_ACKNOWLEDGED_SHARE and (area or topic):
        problems.append(
            Problem(
                line,
                "area" if area else "topic",
                "Briefings have no area or topic; leave it empty.",
            )
        )
    if problems:
        return None, problems
    row = TargetRow(line, email, metric, threshold, value["period"], area, topic)
    return row, []
