"""Reads a team's targets from CSV into checked rows, or every problem in it, line by line."""

from __future__ import annotations

from dataclasses import dataclass

from bot.content.tabular import EMAIL_SHAPE, Problem, locate_columns, read_table
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
    table = read_table(data, excel=False)
    if isinstance(table, Problem):
        return _failed(table)
    positions, problems = _map_headings(table.header_line, table.header)
    if problems:
        return TargetFile((), tuple(problems))
    if not table.rows:
        return _failed(Problem(table.header_line, "", "The file has a header line but no targets."))
    rows: list[TargetRow] = []
    for line, cells in table.rows:
        value = {c: cells[p].strip() if p < len(cells) else "" for c, p in positions.items()}
        row, found = _check_row(line, value)
        problems.extend(found)
        if row is not None:
            rows.append(row)
    return TargetFile(tuple(rows), tuple(problems))


def _failed(problem: Problem) -> TargetFile:
    return TargetFile((), (problem,))


def _map_headings(line: int, header: list[str]) -> tuple[dict[str, int], list[Problem]]:
    # Heading and column names are the same here; an underscore or space makes no difference.
    positions, repeats = locate_columns(header, {c: (c.replace("_", ""),) for c in COLUMNS})
    problems = [
        Problem(line, header[index].strip(), "This column appears twice; keep one.")
        for index, _ in repeats
    ]
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
