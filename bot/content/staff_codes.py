"""Reads the MIS's staff list for its staff codes: which code ("THA") belongs to which email.

    read_staff_codes(data, *, max_bytes=MAX_BYTES) -> StaffCodesFile

SIMS and Bromcom class lists name staff by a short code, not by email. A school gives sendbot
the MIS's staff list once, beside a class list, and the codes are kept. Any other columns (title,
names, roles) are left alone; a line with no code or no email (a cleaner, a governor) is passed
over. The same code for two people, or two codes for one person, is a problem naming both lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.content.register.export import MAX_BYTES
from bot.content.report_layout import read_report
from bot.content.tabular import (
    EMAIL_SHAPE,
    Problem,
    cell_text,
    width_problems,
)
from bot.content.teaching_file import COLUMNS as TEACHING_COLUMNS
from bot.domain.people import PersonValueError, parse_staff_code

__all__ = ["StaffCodesFile", "read_staff_codes"]

# The same headings a class list may use for these two columns, plus a staff list's own.
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "staff_code": ("Staff code", (*TEACHING_COLUMNS["staff_code"][1], "code", "initials")),
    "email": ("Email", TEACHING_COLUMNS["staff_email"][1]),
}


@dataclass(frozen=True)
class StaffCodesFile:
    """Code (upper case) -> email (lower case), only when there is no problem; and problems."""

    codes: Mapping[str, str]
    problems: tuple[Problem, ...]
    passed_over: int = 0  # lines with no code or no email

    @property
    def ok(self) -> bool:
        """True when the codes can be stored."""
        return not self.problems


def read_staff_codes(data: bytes, *, max_bytes: int = MAX_BYTES) -> StaffCodesFile:
    """Read and check a whole staff list for codes; see the module docstring."""
    accepted = {column: names for column, (_, names) in COLUMNS.items()}
    located = read_report(data, accepted, max_bytes=max_bytes)
    if isinstance(located, Problem):
        return StaffCodesFile({}, (located,))
    table, positions = located.table, located.positions
    missing = [COLUMNS[column][0] for column in COLUMNS if column not in positions]
    if missing:
        found = ", ".join(f'"{cell.strip()}"' for cell in table.header if cell.strip()) or "none"
        reason = (
            "The staff list needs a staff code column and an email column "
            f"(headings found: {found}). Export the staff list from the MIS with both."
        )
        return StaffCodesFile({}, (Problem(table.header_line, " and ".join(missing), reason),))
    shown = {column: table.header[index].strip() for column, index in positions.items()}
    problems = width_problems(table)
    codes: dict[str, tuple[int, str]] = {}  # code -> (line, email)
    emails: dict[str, tuple[int, str]] = {}  # email -> (line, code)
    passed_over = 0
    for line, cells in table.rows:
        written = cell_text(cells, positions["staff_code"])
        email = cell_text(cells, positions["email"]).lower()
        if not written or not email:
            passed_over += 1
            continue
        try:
            code = parse_staff_code(written)
        except PersonValueError as exc:
            problems.append(Problem(line, shown["staff_code"], str(exc)))
            continue
        if not EMAIL_SHAPE.match(email):
            reason = f'"{email}" is not an email address (like jo.smith@school.org.uk).'
            problems.append(Problem(line, shown["email"], reason))
        elif code in codes and codes[code][1] != email:
            reason = f"This code is also on line {codes[code][0]}, for someone else."
            problems.append(Problem(line, shown["staff_code"], reason))
        elif email in emails and emails[email][1] != code:
            reason = f"This person has another code on line {emails[email][0]}; keep one."
            problems.append(Problem(line, shown["email"], reason))
        else:
            codes.setdefault(code, (line, email))
            emails.setdefault(email, (line, code))
    problems.sort(key=lambda p: p.line)
    if problems:
        return StaffCodesFile({}, tuple(problems))
    return StaffCodesFile({code: email for code, (_, email) in codes.items()}, (), passed_over)
