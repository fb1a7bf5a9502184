"""Reads a staff list CSV into checked rows, or the list of every problem in it, line by line."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from bot.content.tabular import (
    EMAIL_SHAPE,
    Problem,
    Table,
    locate_columns,
    read_table,
)
from bot.domain.people import (
    JobRole,
    PersonValueError,
    Role,
    parse_job_role,
    parse_roles,
    parse_staff_code,
    parse_working_days,
)

# Canonical column -> (heading shown to staff, accepted headings squeezed to lower-case letters).
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("Name", ("name", "fullname", "staffname", "displayname")),
    "email": ("Email", ("email", "emailaddress", "workemail", "schoolemail")),
    "job_role": ("Job role", ("jobrole", "job", "stafftype", "jobtype")),
    "department": ("Department", ("department", "dept", "team", "faculty")),
    "line_manager_email": (
        "Line manager email",
        ("linemanageremail", "linemanager", "manageremail", "manager", "reportsto"),
    ),
    "roles": ("Roles", ("roles", "role", "sendbotroles", "accessroles")),
    "working_days": (
        "Working days",
        ("workingdays", "daysworked", "workdays", "days", "workingpattern"),
    ),
    # The MIS's code for the person, for class lists that name staff by it (optional).
    "staff_code": (
        "Staff code",
        ("staffcode", "teachercode", "misstaffcode", "staffinitials", "code", "initials"),
    ),
}
T = TypeVar("T")
REQUIRED = ("name", "email", "job_role")
LIMITS = {"name": 200, "email": 320, "department": 100}


@dataclass(frozen=True)
class StaffRow:
    """One checked person from the file; emails are lower case, "" when there is no manager."""

    line: int
    name: str
    email: str
    job_role: JobRole
    department: str
    line_manager_email: str
    roles: frozenset[Role]
    working_days: frozenset[int]
    staff_code: str = ""  # upper case; "" when the file gives none


@dataclass(frozen=True)
class StaffFile:
    """What the file holds: good rows, every problem, and line managers named from outside it."""

    rows: tuple[StaffRow, ...]  # only the lines with no problem
    problems: tuple[Problem, ...]
    # (line, email) for each line manager who is not a person in this file; only the database
    # can tell whether they are already stored for the school.
    outside_managers: tuple[tuple[int, str], ...]
    # Heading as written in the file for each canonical column, for messages staff recognise.
    headings: Mapping[str, str]

    def heading(self, column: str) -> str:
        """The column's heading as the file writes it, or its usual name."""
        return self.headings.get(column) or COLUMNS[column][0]


def read_staff_csv(data: bytes) -> StaffFile:
    """Decode, split and check a whole staff file; every row that is left out has a problem."""
    table = read_table(data, excel=False)
    if isinstance(table, Problem):
        return _failed(table)
    header_line, header = table.header_line, table.header
    positions, problems = _map_headings(header_line, header)
    headings = {column: header[index].strip() for column, index in positions.items()}
    if problems:
        return StaffFile((), tuple(problems), (), headings)
    if not table.rows:
        return _failed(
            Problem(header_line, "", "The file has a header line but no staff below it.")
        )
    return _check_rows(table, positions, headings)


def _failed(problem: Problem) -> StaffFile:
    return StaffFile((), (problem,), (), {})


def _map_headings(line: int, header: list[str]) -> tuple[dict[str, int], list[Problem]]:
    """Where each known column is, and problems with the header line itself."""
    accepted = {column: names for column, (_, names) in COLUMNS.items()}
    positions, repeats = locate_columns(header, accepted)
    problems = [
        Problem(
            line,
            header[index].strip(),
            f'This is the same column as "{header[positions[column]].strip()}"; '
            "keep only one of them.",
        )
        for index, column in repeats
    ]
    found = ", ".join(f'"{cell.strip()}"' for cell in header if cell.strip()) or "none"
    for column in REQUIRED:
        if column not in positions:
            shown = COLUMNS[column][0]
            problems.append(
                Problem(
                    line,
                    shown,
                    f'There is no {shown} column (headings found: {found}). Name it "{shown}".',
                )
            )
    return positions, problems


def _check_rows(table: Table, positions: dict[str, int], headings: dict[str, str]) -> StaffFile:
    def heading(column: str) -> str:
        return headings.get(column) or COLUMNS[column][0]

    problems: list[Problem] = []
    rows: list[StaffRow] = []
    first_line_of: dict[str, int] = {}
    code_lines: dict[str, int] = {}  # staff code -> first line
    managers: list[tuple[int, str, str]] = []  # (line, person's email, manager's email)
    named: list[tuple[int, str]] = []  # (line, manager's email) on every line that names one
    for line, cells in table.rows:
        value = {c: cells[p].strip() if p < len(cells) else "" for c, p in positions.items()}
        row, found = _check_row(line, value, first_line_of, code_lines)
        problems.extend(Problem(line, heading(column), reason) for column, reason in found)
        if row is not None:
            rows.append(row)
        manager, email = value.get("line_manager_email", "").lower(), value["email"].lower()
        if manager and manager != email and EMAIL_SHAPE.match(manager):
            named.append((line, manager))
            # Only a person whose own email is good and first in the file can be followed upwards.
            if first_line_of.get(email) == line:
                managers.append((line, email, manager))
    outside = tuple((line, m) for line, m in named if m not in first_line_of)
    problems.extend(_cycle_problems(managers, heading("line_manager_email")))
    problems.sort(key=lambda p: p.line)
    bad_lines = {problem.line for problem in problems}
    good = tuple(row for row in rows if row.line not in bad_lines)
    return StaffFile(good, tuple(problems), outside, headings)


def _check_row(
    line: int, value: dict[str, str], first_line_of: dict[str, int], code_lines: dict[str, int]
) -> tuple[StaffRow | None, list[tuple[str, str]]]:
    """One data line: the row if it is good, and (column, reason) for each problem in it."""
    found: list[tuple[str, str]] = []
    for column, limit in LIMITS.items():
        if len(value.get(column, "")) > limit:
            found.append((column, f"This is longer than {limit} characters; please shorten it."))
    if not value["name"]:
        found.append(("name", "The name is empty."))
    email = value["email"].lower()
    if not email:
        found.append(("email", "The email address is empty."))
    elif not EMAIL_SHAPE.match(email):
        found.append(
            ("email", f'"{value["email"]}" is not an email address (like jo.smith@school.org.uk).')
        )
    elif email in first_line_of:
        found.append(
            ("email", f"{email} is also on line {first_line_of[email]}; list each person once.")
        )
    else:
        first_line_of[email] = line
    job_role = _attempt(parse_job_role, value, "job_role", found)
    roles = _attempt(parse_roles, value, "roles", found)
    working_days = _attempt(parse_working_days, value, "working_days", found)
    code = _attempt(parse_staff_code, value, "staff_code", found)
    if code and code in code_lines:
        reason = f"{code} is also on line {code_lines[code]}; each code is one person's."
        found.append(("staff_code", reason))
    elif code:
        code_lines[code] = line
    manager = value.get("line_manager_email", "").lower()
    if manager and not EMAIL_SHAPE.match(manager):
        found.append(
            (
                "line_manager_email",
                f'"{manager}" is not an email address; give the line '
                "manager's email, or leave it empty.",
            )
        )
    elif manager and manager == email:
        found.append(
            (
                "line_manager_email",
                "A person cannot be their own line manager; leave it empty if they have none.",
            )
        )
    if found or job_role is None or roles is None or working_days is None or code is None:
        return None, found
    department = value.get("department", "")
    return StaffRow(
        line, value["name"], email, job_role, department, manager, roles, working_days, code
    ), []


def _attempt(
    parse: Callable[[str], T], value: dict[str, str], column: str, found: list[tuple[str, str]]
) -> T | None:
    """The parsed cell, or None with the reason added to `found`."""
    try:
        return parse(value.get(column, ""))
    except PersonValueError as exc:
        found.append((column, str(exc)))
        return None


def _cycle_problems(managers: list[tuple[int, str, str]], column: str) -> list[Problem]:
    line_of = {email: line for line, email, _ in managers}
    problems = []
    for cycle in management_cycles({email: m for _, email, m in managers}):
        for email in cycle:
            problems.append(
                Problem(
                    line_of[email],
                    column,
                    f"Line managers go round in a circle ({describe_circle(cycle, email)}); "
                    "someone in it must be managed by a person outside it, or by nobody.",
                )
            )
    return problems


def describe_circle(cycle: list[str], start: str) -> str:
    """A circle of managers read from `start`: "a → b → a"."""
    at = cycle.index(start)
    return " → ".join([*cycle[at:], *cycle[:at], start])


def management_cycles(managers: Mapping[str, str]) -> list[list[str]]:
    """Every circle of line management in a person -> manager map, each listed once."""
    cycles: list[list[str]] = []
    done: set[str] = set()
    for start in managers:
        path: list[str] = []
        seen: dict[str, int] = {}
        person: str | None = start
        while person is not None and person not in done and person not in seen:
            seen[person] = len(path)
            path.append(person)
            person = managers.get(person)
        if person is not None and person in seen:
            cycles.append(path[seen[person] :])
        done.update(path)
    return cycles
