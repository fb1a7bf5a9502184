"""Finds the columns of a register export from its header: a preset's headings or a mapping's.

`find_columns(line, header, mapping) -> (preset, positions, problems)`. Messages about a header
that matches nothing never quote it, since it may be a pupil's row in a file with no header.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from bot.content.register.columns import (
    FIELDS,
    MAPPING_PRESET,
    PRESETS,
    REQUIRED,
    preset_headings,
)
from bot.content.register.mapping import RegisterMapping
from bot.content.tabular import Problem, locate_columns, squeeze

# How alike a heading must be to one an MIS writes to be called a near miss (difflib's ratio).
CLOSE = 0.8
MAPPING_ADVICE = (
    "sendbot knows the exports of SIMS, Arbor, Bromcom, ScholarPack and Wonde. If your MIS names "
    "this column differently, give its heading in a mapping file (see docs/register-import.md)."
)


def find_columns(
    line: int, header: list[str], mapping: RegisterMapping | None
) -> tuple[str, dict[str, int], list[Problem]]:
    """The preset whose headings fit best, where each field is, and problems with the header."""
    if mapping is not None:
        candidates = {MAPPING_PRESET: mapping.accepted()}
    else:
        candidates = {name: preset_headings(name) for name in PRESETS}
    fits = []
    for name, accepted in candidates.items():
        positions, repeats = locate_columns(header, accepted)
        missing = [
            field
            for field in REQUIRED
            # Without an MIS id, a preset's export is keyed on the UPN; a mapping file that
            # names the MIS id column means that column.
            if field not in positions
            and not (field == "mis_id" and "upn" in positions and mapping is None)
            # A report with one line per need has a need column instead.
            and not (field == "primary_need" and "need_type" in positions)
        ]
        fits.append((len(missing), -len(positions), name, positions, repeats, missing))
    # Fewest required columns missing, then most columns found; the first preset wins a tie.
    _, _, preset, positions, repeats, missing = min(fits, key=lambda fit: fit[:2])
    problems = [
        Problem(
            line,
            header[index].strip(),
            f'This is the same column as "{header[positions[field]].strip()}"; keep one of them.',
        )
        for index, field in repeats
    ]
    if missing:
        problems.extend(_missing_columns(line, header, preset, positions, missing, mapping))
        preset = preset if positions else ""
    return preset, positions, problems


def _missing_columns(
    line: int,
    header: list[str],
    preset: str,
    positions: dict[str, int],
    missing: list[str],
    mapping: RegisterMapping | None,
) -> list[Problem]:
    one_cell = [cell.strip() for cell in header if cell.strip()]
    separator = _odd_separator(one_cell[0]) if len(one_cell) == 1 else ""
    if separator:
        return [
            Problem(
                line,
                "",
                f'The columns seem to be separated by "{separator}". sendbot reads columns '
                'separated by commas, semicolons or tabs: save the file from Excel as "CSV '
                'UTF-8 (Comma delimited)".',
            )
        ]
    # A header that matches nothing may be a pupil's row (no header at all): never echo it.
    found = (
        " Headings found: " + ", ".join(f'"{cell}"' for cell in one_cell) + "."
        if positions
        else " None of the headings on this line is one sendbot knows; the header must name "
        "the columns."
    )
    problems = []
    for number, field in enumerate(missing):
        if mapping is not None:
            expected = f' (the mapping file names it "{mapping.columns[field]}")'
        elif close := _close_heading(one_cell, field) if positions else None:
            cell, system, heading = close
            expected = (
                f'. The heading "{cell}" is close to {_article(system)} {system} heading'
                f' "{heading}": check its spelling'
            )
        elif positions:
            # Only the system the file's other headings come from: never a guess at another.
            named = " or ".join(f'"{heading}"' for heading in PRESETS[preset][field])
            expected = f" ({_article(preset)} {preset} export calls it {named})"
        else:
            expected = ""
        # What was found, and the way out, once: on the first missing column.
        more = found + ("" if mapping else " " + MAPPING_ADVICE) if number == 0 else ""
        problems.append(
            Problem(line, FIELDS[field], f"There is no {FIELDS[field]} column{expected}.{more}")
        )
    return problems


def _close_heading(cells: list[str], field: str) -> tuple[str, str, str] | None:
    """(the file's heading, the system, its heading) when a heading in the file is a near miss
    for one a system writes for this field, e.g. "Primary Needs" for SIMS's "Primary Need"."""
    best: tuple[float, str, str, str] | None = None
    for system, headings in PRESETS.items():
        for heading in headings.get(field, ()):
            for cell in cells:
                ratio = SequenceMatcher(None, squeeze(cell), squeeze(heading)).ratio()
                if ratio >= CLOSE and (best is None or ratio > best[0]):
                    best = (ratio, cell, system, heading)
    return best[1:] if best else None


def _article(name: str) -> str:
    """ "an Arbor export", "a SIMS export"."""
    return "an" if name[:1].lower() in "aeiou" else "a"


def _odd_separator(cell: str) -> str:
    """The character a one-cell header is split by, if splitting by it shows known headings."""
    known = {name for accepted in map(preset_headings, PRESETS) for v in accepted.values()
             for name in v}  # fmt: skip
    for separator in sorted(set(re.findall(r"[^\w\s]", cell))):
        parts = [squeeze(part) for part in cell.split(separator)]
        if len(parts) >= 3 and sum(part in known for part in parts) >= 2:
            return separator
    return ""
