"""Reads a teaching-groups export (who teaches or supports which pupil) from CSV or Excel.

    read_teaching(data, *, max_bytes=MAX_BYTES) -> TeachingFile

One line links a member of staff to a pupil through a group, in a role: teacher (the default
when the Role column is absent or blank), support (a teaching assistant), tutor (group is a
registration group) or head_of_year (group is a year group: "7", "Year 7" or "Y7" give "7").
A tutor or head-of-year line may leave the pupil blank to mean the whole group. Lines repeated
in the file are harmless and kept once. Nothing is returned as rows if any line has a problem.
Messages name the line and column, never the pupil's id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.content.register_columns import YEARS_ALLOWED, parse_year_group
from bot.content.register_file import MAX_BYTES
from bot.content.report_layout import below_header
from bot.content.tabular import (
    EMAIL_SHAPE,
    Problem,
    locate_columns,
    read_table,
    squeeze,
    width_problems,
)

__all__ = ["TeachingFile", "TeachingRole", "TeachingRow", "read_teaching"]


class TeachingRole(StrEnum):
    """How a member of staff is linked to a pupil."""

    TEACHER = "teacher"
    SUPPORT = "support"
    TUTOR = "tutor"
    HEAD_OF_YEAR = "head_of_year"


# Column -> (heading shown to staff, accepted headings squeezed).
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "group": ("Group", ("class", "group", "teachinggroup", "classcode", "set", "groupcode")),
    "staff_email": (
        "Staff email",
        ("staffemail", "teacheremail", "email", "emailaddress", "staffemailaddress"),
    ),
    "pupil_mis_id": (
        "Pupil ID",
        ("pupilid", "misid", "studentid", "adno", "admissionnumber", "admissionno", "pupilmisid"),
    ),
    "role": ("Role", ("role", "staffrole", "linktype")),
}
REQUIRED = ("group", "staff_email", "pupil_mis_id")
ROLE_WORDS = {
    TeachingRole.TEACHER: ("teacher", "classteacher", "subjectteacher", "mainteacher"),
    TeachingRole.SUPPORT: (
        "support",
        "ta",
        "teachingassistant",
        "lsa",
        "hlta",
        "learningsupportassistant",
    ),
    TeachingRole.TUTOR: ("tutor", "formtutor", "formteacher", "registrationtutor"),
    TeachingRole.HEAD_OF_YEAR: ("headofyear", "hoy", "yearleader", "yearhead", "headofhouse"),
}
ROLES = {word: role for role, words in ROLE_WORDS.items() for word in words}
ROLES_ALLOWED = (
    'teacher (the default), support (a teaching assistant, also "TA"), tutor, head_of_year '
    '(also "Head of year", "HoY")'
)
WHOLE_GROUP = (TeachingRole.TUTOR, TeachingRole.HEAD_OF_YEAR)


@dataclass(frozen=True)
class TeachingRow:
    """One link: staff_email is lower case; pupil_mis_id is "" for a tutor's or head of year's
    whole group; for a head of year, group is the census year group ("7", "R")."""

    line: int
    group: str
    staff_email: str
    pupil_mis_id: str
    role: TeachingRole


@dataclass(frozen=True)
class TeachingFile:
    """Every link (only when there is no problem at all) and every problem."""

    rows: tuple[TeachingRow, ...]
    problems: tuple[Problem, ...]
    headings: Mapping[str, str]  # column -> heading as the file writes it

    @property
    def ok(self) -> bool:
        """True when the file can be imported."""
        return not self.problems


def read_teaching(data: bytes, *, max_bytes: int = MAX_BYTES) -> TeachingFile:
    """Read and check a whole teaching-groups file; see the module docstring."""
    read = read_table(data, max_bytes=max_bytes)
    if isinstance(read, Problem):
        return TeachingFile((), (read,), {})
    accepted = {column: names for column, (_, names) in COLUMNS.items()}
    table = below_header(read, lambda _line, cells: len(locate_columns(cells, accepted)[0]))
    positions, repeats = locate_columns(table.header, accepted)
    headings = {column: table.header[index].strip() for column, index in positions.items()}
    problems = [
        Problem(table.header_line, table.header[index].strip(),
                f'This is the same column as "{headings[column]}"; keep one of them.')
        for index, column in repeats
    ]  # fmt: skip
    problems.extend(_missing(table.header_line, table.header, positions))
    if problems:
        return TeachingFile((), tuple(problems), headings)
    if not table.rows:
        reason = "The file has a header line but no groups below it."
        return TeachingFile((), (Problem(table.header_line, "", reason),), headings)
    problems = width_problems(table)
    skip = {problem.line for problem in problems}
    rows: dict[tuple[str, str, str, str], TeachingRow] = {}
    for line, cells in table.rows:
        if line in skip:
            continue
        value = {c: cells[p].strip() if p < len(cells) else "" for c, p in positions.items()}
        found: list[tuple[str, str]] = []
        row = _check_row(line, value, found)
        problems.extend(
            Problem(line, headings.get(column, COLUMNS[column][0]), reason)
            for column, reason in found
        )
        key = (row.group, row.staff_email, row.pupil_mis_id, row.role)
        rows.setdefault(key, row)  # the same link twice is the same link
    problems.sort(key=lambda p: p.line)
    return TeachingFile(() if problems else tuple(rows.values()), tuple(problems), headings)


def _missing(line: int, header: list[str], positions: dict[str, int]) -> list[Problem]:
    cells = [cell.strip() for cell in header if cell.strip()]
    found = ", ".join(f'"{cell}"' for cell in cells) if positions else "none sendbot knows"
    problems = []
    for column in REQUIRED:
        if column not in positions:
            shown, names = COLUMNS[column]
            problems.append(
                Problem(
                    line,
                    shown,
                    f'There is no {shown} column (headings found: {found}). Name it "{shown}".',
                )
            )
    return problems


def _check_row(line: int, value: dict[str, str], found: list[tuple[str, str]]) -> TeachingRow:
    written_role = value.get("role", "")
    role = ROLES.get(squeeze(written_role)) if written_role else TeachingRole.TEACHER
    if role is None:
        found.append(("role", f"This is not a role sendbot knows. Allowed: {ROLES_ALLOWED}."))
    group = value["group"]
    if not group:
        found.append(("group", "The group is empty."))
    elif role is TeachingRole.HEAD_OF_YEAR:
        year = parse_year_group(group)
        if year is None:
            found.append(("group", f"For a head of year, give the year group: {YEARS_ALLOWED}."))
        group = year or group
    email = value["staff_email"].lower()
    if not email:
        found.append(("staff_email", "The staff email is empty."))
    elif not EMAIL_SHAPE.match(email):
        found.append(
            ("staff_email", f'"{value["staff_email"]}" is not an email address '
                            "(like jo.smith@school.org.uk).")
        )  # fmt: skip
    pupil = value["pupil_mis_id"]
    if not pupil and role not in WHOLE_GROUP:
        found.append(
            (
                "pupil_mis_id",
                "The pupil is empty. Only a tutor or head of year line may leave it empty "
                "(meaning the whole group).",
            )
        )
    return TeachingRow(line, group, email, pupil, role or TeachingRole.TEACHER)
