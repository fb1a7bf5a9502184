"""Reads an SEN register export (CSV or Excel) into checked pupils, or every problem in it.

    read_register(data, *, mapping=None, max_bytes=MAX_BYTES) -> RegisterFile
    read_mapping(data) -> RegisterMapping | list[Problem]   (from bot.content.register.mapping)

The columns are found from the header: a preset for SIMS, Arbor, Bromcom or a Wonde-style feed
(headings in any order; see columns.PRESETS), or the school's mapping file
(mapping.py). Nothing is returned as rows if any row has a problem, so that an import
changes all or nothing.

Problem messages go to screens and logs, so they never hold a pupil's data (name, UPN, id, date
or need as written): only the line, the column heading and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from stdnum.gb import upn as upn_check

from bot.content.register.columns import (
    FIELDS,
)
from bot.content.register.header import find_columns
from bot.content.register.mapping import RegisterMapping, read_mapping
from bot.content.register.needs import lists_needs_by_line, one_line_per_pupil
from bot.content.register.rows import check_row
from bot.content.report_layout import below_header
from bot.content.tabular import Problem, Table, cell_text, read_table, width_problems
from bot.domain.register import (
    PupilRecord,
)

__all__ = ["MAX_BYTES", "RegisterFile", "RegisterMapping", "read_mapping", "read_register"]

# A 2,000-pupil register is well under 1 MB; anything near this is the wrong export.
MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class RegisterFile:
    """What the export holds: every pupil (only when there is no problem at all), every problem,
    and which preset's headings were found ("SIMS", "Arbor", "Bromcom", "Wonde", "sendbot",
    "mapping file", or "" when the header could not be read)."""

    rows: tuple[PupilRecord, ...]
    problems: tuple[Problem, ...]
    preset: str
    headings: Mapping[str, str]  # field -> heading as the file writes it
    merged: int = 0  # pupils listed once per need, whose lines became one

    @property
    def ok(self) -> bool:
        """True when the file can be imported."""
        return not self.problems

    @property
    def by_upn(self) -> bool:
        """True when the file has no MIS id column, so pupils are told apart by their UPN."""
        return "mis_id" not in self.headings and "upn" in self.headings


def read_register(
    data: bytes, *, mapping: RegisterMapping | None = None, max_bytes: int = MAX_BYTES
) -> RegisterFile:
    """Read and check a whole register export; see the module docstring."""
    if len(data) > max_bytes:
        # Refused before decoding: a huge upload must not cost memory or time.
        return _failed(
            Problem(
                0,
                "",
                f"The file is {len(data) / 1_000_000:.1f} MB; sendbot reads registers of up to "
                f"{max_bytes / 1_000_000:.0f} MB, and a register of 2,000 pupils is well under "
                "1 MB. Check that this is the SEN register export, not a whole-school export.",
            )
        )
    read = read_table(data)
    if isinstance(read, Problem):
        return _failed(read)
    table = below_header(read, lambda line, cells: len(find_columns(line, cells, mapping)[1]))
    preset, positions, problems = find_columns(table.header_line, table.header, mapping)
    merged, need_heading = 0, ""
    if not problems and lists_needs_by_line(positions):
        need_heading = table.header[positions["need_type"]].strip()
        per_pupil = one_line_per_pupil(table, positions)
        table, merged = per_pupil.table, per_pupil.merged
        preset, positions, problems = find_columns(table.header_line, table.header, mapping)
        problems = [*per_pupil.problems, *problems]
    headings = {name: table.header[index].strip() for name, index in positions.items()}
    if need_heading:
        # A need's problem names the file's own need column, not the one made from it.
        headings |= {"primary_need": need_heading, "secondary_need": need_heading}
    if problems:
        return RegisterFile((), tuple(problems), preset, headings)
    if not table.rows:
        return RegisterFile(
            (),
            (Problem(table.header_line, "", "The file has a header line but no pupils below it."),),
            preset,
            headings,
        )
    problems = width_problems(table)
    rows = _check_rows(table, positions, headings, mapping, problems)
    problems.sort(key=lambda p: p.line)
    return RegisterFile(() if problems else tuple(rows), tuple(problems), preset, headings, merged)


# A file with no MIS id column tells pupils apart by their UPN; a pupil with none has no key.
BY_UPN_BLANK = "(no UPN)"
NO_KEY = (
    "This file has no admission number (MIS id) column, so sendbot tells pupils apart by their "
    "UPN, and this pupil has none. Add their UPN in the MIS, or include the admission number "
    "in the export."
)


def _failed(problem: Problem) -> RegisterFile:
    return RegisterFile((), (problem,), "", {})


def _check_rows(
    table: Table,
    positions: dict[str, int],
    headings: dict[str, str],
    mapping: RegisterMapping | None,
    problems: list[Problem],
) -> list[PupilRecord]:
    extra = mapping.values if mapping else {}
    by_upn = "mis_id" not in positions
    short = {problem.line for problem in problems}
    rows: list[PupilRecord] = []
    line_of_id: dict[str, int] = {}
    line_of_upn: dict[str, int] = {}
    for line, cells in table.rows:
        if line in short:
            continue  # a line cut short would only add a problem for every missing cell
        value = {f: cell_text(cells, p) for f, p in positions.items()}
        found: list[tuple[str, str]] = []
        if by_upn:
            value["mis_id"] = (
                upn_check.compact(value["upn"]).upper() if value["upn"] else BY_UPN_BLANK
            )
        pupil = check_row(value, extra, found)
        if by_upn and pupil.mis_id == BY_UPN_BLANK:
            found.append(("upn", NO_KEY))
        keys = (("mis_id", line_of_id, "MIS id"), ("upn", line_of_upn, "UPN"))
        for key, seen, what in keys[1:] if by_upn else keys:
            written = pupil.mis_id if key == "mis_id" else pupil.upn
            if written and written in seen:
                found.append((key, f"The same {what} is on line {seen[written]} and line {line}; "
                                   "list each pupil once."))  # fmt: skip
            elif written:
                seen[written] = line
        problems.extend(
            Problem(line, headings.get(field, FIELDS[field]), reason) for field, reason in found
        )
        rows.append(pupil)
    return rows
