"""Where a register export's pupils are: below its header, above its footer.

An MIS report saved to Excel or CSV is dressed for printing: a title (often a merged cell), a
"Printed by" or date line and blank lines above the header, and a total ("Total: 87") below the
last pupil. sendbot takes the header to be whichever of the file's first lines names the most
columns it knows, and a footer to be a line at the end whose only words are such a total or a
print note. Both are skipped, not read as pupils.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.content.register_header import find_columns
from bot.content.register_mapping import RegisterMapping
from bot.content.tabular import Table

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
class Layout:
    """The table from its real header down, without its footer, and what was skipped."""

    table: Table
    title_lines: int
    footer_lines: int


def locate_pupils(table: Table, mapping: RegisterMapping | None) -> Layout:
    """The header is the early line with the most headings sendbot knows (the first of equals;
    the first line when none has any), so that a header missing a column is still the line its
    problems name. A footer is left out."""
    candidates = [(table.header_line, table.header), *table.rows[:LINES_ABOVE_HEADER]]
    known = [len(find_columns(line, cells, mapping)[1]) for line, cells in candidates]
    skipped = known.index(max(known))
    line, cells = candidates[skipped]
    rows = table.rows[skipped:]
    footer = 0
    while rows and _is_footer(rows[-1 - footer][1]) and footer < len(rows) - 1:
        footer += 1
    if footer:
        rows = rows[:-footer]
    return Layout(replace(table, header_line=line, header=cells, rows=rows), skipped, footer)


def _is_footer(cells: list[str]) -> bool:
    filled = [cell.strip() for cell in cells if cell.strip()]
    return 0 < len(filled) <= 2 and bool(FOOTER.match(filled[0]))
