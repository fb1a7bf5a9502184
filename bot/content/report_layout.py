"""Where an export's rows are: below its header, above its footer.

An MIS report saved to Excel or CSV is dressed for printing: a title (often a merged cell), a
"Printed by" or date line and blank lines above the header, and a total ("Total: 87") below the
last row. The header is whichever of the file's first lines names the most columns the reader
knows, and a footer a line at the end whose only words are such a total or a print note. Both
are skipped, not read as rows. Used by the register and the teaching-groups readers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from bot.content.tabular import Problem, Table, locate_columns, read_table

# How far down a title block may go before the header.
LINES_ABOVE_HEADER = 20
# "Total: 87", "Total number of pupils 87", "Count 87", "Printed by Mrs A Smith on 03/11/2026",
# "Page 1 of 2", "Report run 03/11/2026 14:02", "End of report".
FOOTER = re.compile(
    r"^\s*(grand\s+)?(total|count|number of (pupils|students|records)|records|printed|"
    r"page\s+\d|report (run|printed|generated)|end of report)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Located:
    """A report's table from its header down, where each known column is, and (index, column)
    for each heading that repeats a column found earlier in the line."""

    table: Table
    positions: dict[str, int]
    repeats: list[tuple[int, str]]


def read_report(
    data: bytes, accepted: Mapping[str, Iterable[str]], *, max_bytes: int
) -> Located | Problem:
    """Read a file and find its header by the headings `accepted` gives each column (already
    squeezed), or why it cannot be read."""
    read = read_table(data, max_bytes=max_bytes)
    if isinstance(read, Problem):
        return read
    table = below_header(read, lambda _line, cells: len(locate_columns(cells, accepted)[0]))
    return Located(table, *locate_columns(table.header, accepted))


def below_header(table: Table, known: Callable[[int, list[str]], int]) -> Table:
    """The table from its header down, without a footer. `known(line, cells)` counts the
    headings a line names that the reader knows; the first line with the most is the header
    (the first line when none names any, so that its problems are reported as before)."""
    candidates = [(table.header_line, table.header), *table.rows[:LINES_ABOVE_HEADER]]
    counts = [known(line, cells) for line, cells in candidates]
    skipped = counts.index(max(counts))
    line, cells = candidates[skipped]
    rows = table.rows[skipped:]
    footer = 0
    while footer < len(rows) - 1 and _is_footer(rows[-1 - footer][1]):
        footer += 1
    return replace(table, header_line=line, header=cells, rows=rows[: len(rows) - footer])


def _is_footer(cells: list[str]) -> bool:
    filled = [cell.strip() for cell in cells if cell.strip()]
    return 0 < len(filled) <= 2 and bool(FOOTER.match(filled[0]))
