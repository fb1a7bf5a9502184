"""Reads an SEN register export (CSV or Excel) into checked pupils, or every problem in it.

    read_register(data, *, mapping=None, max_bytes=MAX_BYTES) -> RegisterFile
    read_mapping(data) -> RegisterMapping | list[Problem]   (from register_mapping)

The columns are found from the header: a preset for SIMS, Arbor, Bromcom or a Wonde-style feed
(headings in any order; see register_columns.PRESETS), or the school's mapping file
(register_mapping.py). Nothing is returned as rows if any row has a problem, so that an import
changes all or nothing.

Problem messages go to screens and logs, so they never hold a pupil's data (name, UPN, id, date
or need as written): only the line, the column heading and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidLength, ValidationError
from stdnum.gb import upn as upn_check

from bot.content.register_columns import (
    FIELDS,
    NEEDS_ALLOWED,
    PROVISIONS_ALLOWED,
    YEARS_ALLOWED,
    parse_date,
    parse_need,
    parse_provision,
    parse_year_group,
)
from bot.content.register_header import find_columns
from bot.content.register_mapping import RegisterMapping, read_mapping
from bot.content.register_needs import lists_needs_by_line, one_line_per_pupil
from bot.content.report_layout import below_header
from bot.content.tabular import Problem, Table, cell_text, read_table, width_problems
from bot.domain.local_authorities import LA_NUMBERS
from bot.domain.register import (
    EHC_PLAN,
    NO_SEN,
    ON_REGISTER,
    ONLY_WITH_SEN_SUPPORT,
    SEN_SUPPORT,
    PupilRecord,
)

__all__ = ["MAX_BYTES", "RegisterFile", "RegisterMapping", "read_mapping", "read_register"]

# A 2,000-pupil register is well under 1 MB; anything near this is the wrong export.
MAX_BYTES = 10 * 1024 * 1024
# The widths of the Pupil columns (bot/storage/register.py), so a long cell is named by its line.
LIMITS = {"mis_id": 50, "legal_first": 100, "legal_last": 100, "reg_group": 30}
LIMITS |= {"preferred_first": 100, "preferred_last": 100, "profile_url": 500}


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
        pupil = _check_row(value, extra, found)
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


def _check_row(
    value: dict[str, str], extra: Mapping[str, Mapping[str, str]], found: list[tuple[str, str]]
) -> PupilRecord:
    """One data line as a pupil; (field, reason) for every problem in it is added to `found`."""
    for field in ("mis_id", "legal_first", "legal_last", "year_group"):
        if not value[field]:
            found.append((field, "This is empty; every pupil needs one."))
    for field, limit in LIMITS.items():
        if len(value.get(field, "")) > limit:
            found.append((field, f"This is longer than {limit} characters."))
    upn = check_upn(value.get("upn", ""), found)
    year = ""
    if value["year_group"]:
        year = parse_year_group(value["year_group"], extra.get("year_group")) or ""
        if not year:
            reason = f"This is not a year group. Allowed: {YEARS_ALLOWED}."
            if "/" in value["year_group"]:
                # "Year 12/13" labels a sixth-form or mixed class: it holds pupils of two years.
                reason += (
                    " Two years together name a class, not the pupil's year: export the NC year."
                )
            found.append(("year_group", reason))
    provision = _check_provision(value, extra.get("provision", {}), found)
    needs = extra.get("need", {})
    primary = _check_need("primary_need", value["primary_need"], needs, found)
    secondary = _check_need("secondary_need", value.get("secondary_need", ""), needs, found)
    if provision:
        # A need written but unknown already has its problem; judge the fit on what was written.
        written = (primary or value["primary_need"], secondary or value.get("secondary_need", ""))
        _check_needs_fit(provision, *written, found)
    start = None
    if value.get("provision_start"):
        start = parse_date(value["provision_start"])
        if start is None:
            found.append(
                ("provision_start", "This is not a date. Write it as dd/mm/yyyy or yyyy-mm-dd.")
            )
    elif provision == EHC_PLAN and "provision_start" in value:
        found.append(("provision_start", "A pupil with an EHC plan (E) needs the date it began."))
    url = value.get("profile_url", "")
    if url and not _is_web_link(url):
        found.append(("profile_url", "This must be a web link starting with https:// or http://."))
    return PupilRecord(
        mis_id=value["mis_id"],
        upn=upn,
        legal_first=value["legal_first"],
        legal_last=value["legal_last"],
        preferred_first=value.get("preferred_first", ""),
        preferred_last=value.get("preferred_last", ""),
        year_group=year,
        reg_group=value.get("reg_group", ""),
        provision=provision,
        primary_need=primary,
        secondary_need=secondary,
        provision_start=start,
        profile_url=url,
    )


def check_upn(written: str, found: list[tuple[str, str]], column: str = "upn") -> str:
    """The UPN in capitals without spaces; "" is allowed (not every export carries it). A
    problem is added to `found` under `column`."""
    if not written:
        return ""
    upn = upn_check.compact(written)
    if len(upn) == 13 and upn[-1].isalpha() and upn[1:-1].isdigit():
        found.append(
            (
                column,
                "This is a temporary UPN (it ends in a letter). The register needs the pupil's "
                "permanent UPN; leave the cell blank until the school has it.",
            )
        )
        return upn
    try:
        upn_check.validate(upn)
    except InvalidChecksum:
        reason = "The UPN's check letter (its first character) does not match the rest of it."
    except InvalidLength:
        reason = "A UPN has 13 characters: a letter, then 12 digits."
    except InvalidComponent:
        # stdnum knows only the authorities of January 2011 (bot.domain.local_authorities).
        if int(upn[1:4]) not in LA_NUMBERS:
            reason = "The UPN's local authority number (characters 2 to 4) is not one the DfE uses."
        elif upn_check.calc_check_digit(upn[1:]) != upn[0]:
            reason = "The UPN's check letter (its first character) does not match the rest of it."
        else:
            return upn
    except ValidationError:
        reason = "A UPN is a letter followed by 12 digits."
    else:
        return upn
    found.append((column, f"{reason} Check it in the MIS, or leave the cell blank."))
    return upn


def _check_provision(
    value: dict[str, str], extra: Mapping[str, str], found: list[tuple[str, str]]
) -> str:
    if value["provision"]:
        provision = parse_provision(value["provision"], extra) or ""
        if not provision:
            found.append(
                ("provision", f"This is not an SEN provision. Allowed: {PROVISIONS_ALLOWED}.")
            )
        return provision
    if value["primary_need"] or value.get("secondary_need"):
        found.append(
            (
                "provision",
                "This is empty, but the pupil has a need: write E (EHC plan) or K (SEN "
                "support). A blank provision means no SEN.",
            )
        )
        return ""
    # A whole-roll export (Arbor's, for one) leaves the status blank for a pupil with no SEN.
    return NO_SEN


def _check_need(
    field: str, written: str, extra: Mapping[str, str], found: list[tuple[str, str]]
) -> str:
    if not written:
        return ""
    code = parse_need(written, extra)
    if code is None:
        found.append(
            (
                field,
                f"This is not a census need code. Allowed: {NEEDS_ALLOWED}, or the census "
                "name. Your MIS's own word can be translated in a mapping file, under "
                '"values:" then "need:" (see "A mapping file" in the import guide).',
            )
        )
        return ""
    return code


def _check_needs_fit(
    provision: str, primary: str, secondary: str, found: list[tuple[str, str]]
) -> None:
    if provision in ON_REGISTER and not primary:
        found.append(
            ("primary_need", "A pupil on the register (E or K) needs a primary need code.")
        )
    if provision not in ON_REGISTER:
        for field, code in (("primary_need", primary), ("secondary_need", secondary)):
            if code:
                found.append(
                    (
                        field,
                        "A pupil not on the register (N or M) has no need code; leave it blank.",
                    )
                )
        return
    for field, code in (("primary_need", primary), ("secondary_need", secondary)):
        if code == ONLY_WITH_SEN_SUPPORT and provision != SEN_SUPPORT:
            found.append(
                (
                    field,
                    f"{ONLY_WITH_SEN_SUPPORT} (no specialist assessment) is allowed only "
                    "with K (SEN support).",
                )  # fmt: skip
            )
    if secondary and secondary == primary:
        found.append(("secondary_need", "This is the same as the primary need; leave it blank."))


def _is_web_link(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc) and " " not in url
