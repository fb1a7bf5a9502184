"""Reads a teaching-groups export (who teaches or supports which pupil) from CSV or Excel.

    read_teaching(data, *, max_bytes=MAX_BYTES) -> TeachingFile

One line links a member of staff to a pupil through a group, in a role: teacher (the default
when the Role column is absent or blank), support (a teaching assistant), tutor (group is a
registration group) or head_of_year (group is a year group: "7", "Year 7" or "Y7" give "7").
A tutor or head-of-year line may leave the pupil blank to mean the whole group. Lines repeated
in the file are harmless and kept once. Nothing is returned as rows if any line has a problem.
Messages name the line and column, never the pupil's id.

Class lists come as the MIS writes them: title lines and a footer around the header (SIMS), one
line per pupil per class, NULL for an empty cell (Arbor), a Wonde feed flattened to one line per
class, pupil and member of staff (with `is_main_teacher` true or false instead of a role). Staff
are named by email or by the MIS's staff code; pupils by MIS id (admission number) or, in a file
with no such column, by UPN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.content.register.columns import YEARS_ALLOWED, parse_year_group
from bot.content.register.export import MAX_BYTES
from bot.content.register.rows import check_upn
from bot.content.report_layout import read_report
from bot.content.tabular import (
    EMAIL_SHAPE,
    Problem,
    cell_text,
    locate_columns,
    squeeze,
    width_problems,
)
from bot.domain.people import PersonValueError, parse_staff_code

__all__ = ["TeachingFile", "TeachingRole", "TeachingRow", "read_teaching"]


class TeachingRole(StrEnum):
    """How a member of staff is linked to a pupil."""

    TEACHER = "teacher"
    SUPPORT = "support"
    TUTOR = "tutor"
    HEAD_OF_YEAR = "head_of_year"


# Column -> (heading shown to staff, accepted headings squeezed). Arbor calls a class an
# "Academic Unit", Bromcom a "Class Name"; a Wonde feed flattened to columns writes its
# includes as dotted paths (employees.data.email).
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "group": (
        "Group",
        (
            "class",
            "group",
            "teachinggroup",
            "classcode",
            "set",
            "groupcode",
            "classname",
            "academicunit",
        ),
    ),  # fmt: skip
    "staff_email": (
        "Staff email",
        (
            "staffemail",
            "teacheremail",
            "email",
            "emailaddress",
            "staffemailaddress",
            "workemail",
            "employeesdataemail",
        ),
    ),  # fmt: skip
    "staff_code": (
        "Staff code",
        ("staffcode", "teachercode", "employeecode", "staffinitials", "teacherinitials"),
    ),
    "pupil_mis_id": (
        "Pupil ID",
        (
            "pupilid",
            "misid",
            "studentid",
            "adno",
            "admissionnumber",
            "admissionno",
            "pupilmisid",
            "studentsdatamisid",
        ),
    ),  # fmt: skip
    "pupil_upn": ("UPN", ("upn", "uniquepupilnumber", "pupilupn", "studentupn")),
    "role": ("Role", ("role", "staffrole", "linktype")),
    "main_teacher": (
        "Main teacher",
        ("mainteacher", "ismainteacher", "employeesdatametaismainteacher"),
    ),
}
# Wonde names a class by its `name`; in other files "Name" is more often the pupil's, so it
# is the group only when no other heading is.
GROUP_AS_NAME = "name"
# Each need one of its columns: the first is the one named when none is there.
REQUIRED = (("group",), ("staff_email", "staff_code"), ("pupil_mis_id", "pupil_upn"))
YES, NO = ("true", "yes", "y", "1"), ("false", "no", "n", "0")
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
    """One link. The member of staff is staff_email (lower case) or, where the line gives no
    email, staff_code (upper case); the pupil is pupil_mis_id or, in a file without MIS ids,
    pupil_upn; both are "" for a tutor's or head of year's whole group. For a head of year,
    group is the census year group ("7", "R")."""

    line: int
    group: str
    staff_email: str
    pupil_mis_id: str
    role: TeachingRole
    staff_code: str = ""
    pupil_upn: str = ""


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
    accepted = {column: names for column, (_, names) in COLUMNS.items()}
    located = read_report(data, accepted, max_bytes=max_bytes)
    if isinstance(located, Problem):
        return TeachingFile((), (located,), {})
    table, positions, repeats = located.table, located.positions, located.repeats
    if "group" not in positions:
        positions.update(locate_columns(table.header, {"group": (GROUP_AS_NAME,)})[0])
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
    rows: dict[tuple[str, ...], TeachingRow] = {}
    for line, cells in table.rows:
        if line in skip:
            continue
        value = {c: cell_text(cells, p) for c, p in positions.items()}
        found: list[tuple[str, str]] = []
        row = _check_row(line, value, found)
        problems.extend(
            Problem(line, headings.get(column, COLUMNS[column][0]), reason)
            for column, reason in found
        )
        key = (row.group, row.staff_email, row.staff_code, row.pupil_mis_id, row.pupil_upn,
               row.role)  # fmt: skip
        rows.setdefault(key, row)  # the same link twice is the same link
    problems.sort(key=lambda p: p.line)
    return TeachingFile(() if problems else tuple(rows.values()), tuple(problems), headings)


def _missing(line: int, header: list[str], positions: dict[str, int]) -> list[Problem]:
    cells = [cell.strip() for cell in header if cell.strip()]
    found = ", ".join(f'"{cell}"' for cell in cells) if positions else "none sendbot knows"
    problems = []
    for columns in REQUIRED:
        if not any(column in positions for column in columns):
            shown = COLUMNS[columns[0]][0]
            others = " or ".join(f'"{COLUMNS[c][0]}"' for c in columns[1:])
            name = f'Name it "{shown}"' + (f", or give {others}." if others else ".")
            problems.append(
                Problem(
                    line, shown, f"There is no {shown} column (headings found: {found}). {name}"
                )
            )
    return problems


def _check_row(line: int, value: dict[str, str], found: list[tuple[str, str]]) -> TeachingRow:
    role = _role(value, found)
    group = value["group"]
    if not group:
        found.append(("group", "The group is empty."))
    elif role is TeachingRole.HEAD_OF_YEAR:
        year = parse_year_group(group)
        if year is None:
            found.append(("group", f"For a head of year, give the year group: {YEARS_ALLOWED}."))
        group = year or group
    email, code = _staff(value, found)
    pupil = value.get("pupil_mis_id", "")
    upn = "" if pupil else check_upn(value.get("pupil_upn", ""), found, "pupil_upn")
    if not pupil and not upn and role not in WHOLE_GROUP:
        column = "pupil_mis_id" if "pupil_mis_id" in value else "pupil_upn"
        found.append(
            (
                column,
                "The pupil is empty. Only a tutor or head of year line may leave it empty "
                "(meaning the whole group).",
            )
        )
    return TeachingRow(line, group, email, pupil, role or TeachingRole.TEACHER, code, upn)


def _role(value: dict[str, str], found: list[tuple[str, str]]) -> TeachingRole | None:
    """The line's role: the Role cell, else a Wonde-style main-teacher flag (a class's other
    staff support it), else teacher. None, with a problem, when neither can be read."""
    if written := value.get("role", ""):
        role = ROLES.get(squeeze(written))
        if role is None:
            found.append(("role", f"This is not a role sendbot knows. Allowed: {ROLES_ALLOWED}."))
        return role
    main = value.get("main_teacher", "").lower()
    if main in NO:
        return TeachingRole.SUPPORT
    if main and main not in YES:
        found.append(("main_teacher", "Write true for the class's main teacher, or false."))
        return None
    return TeachingRole.TEACHER


def _staff(value: dict[str, str], found: list[tuple[str, str]]) -> tuple[str, str]:
    """(email in lower case, "") when the line gives an email, else ("", staff code)."""
    email, code = value.get("staff_email", "").lower(), value.get("staff_code", "")
    if email:
        if not EMAIL_SHAPE.match(email):
            found.append(
                ("staff_email", f'"{value["staff_email"]}" is not an email address '
                                "(like jo.smith@school.org.uk).")
            )  # fmt: skip
        return email, ""
    if code:
        try:
            return "", parse_staff_code(code)
        except PersonValueError as exc:
            found.append(("staff_code", str(exc)))
            return "", code
    if "staff_email" in value:
        found.append(("staff_email", "The staff email is empty."))
    else:
        found.append(("staff_code", "The staff code is empty."))
    return "", ""
