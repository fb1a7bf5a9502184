"""How much of an uploaded table sendbot reads, and what it says when a file goes past that.

The limits are counted while the file is read, never taken from what the file says about itself,
so that a small file which unpacks or expands into something huge is stopped early and cheaply.
"""

from __future__ import annotations

# A big secondary's SEN register is about 2,000 pupils; a teaching-groups export about 60,000.
MAX_ROWS = 100_000
MAX_COLUMNS = 200
# Every cell up to the last filled one on each line counts, blank ones between included.
MAX_CELLS = 2_000_000
# Excel's own limit for one cell: a longer one is not a real export.
MAX_CELL_CHARS = 32_767

CANNOT_OPEN = (
    "This Excel file cannot be opened: it may have been cut short while it was being "
    'written, or be damaged. Export it again, or save it from Excel as "CSV UTF-8".'
)
LESS = "Check that it is the right export, or delete the rows or columns sendbot does not need."


class Refused(Exception):
    """Reading stopped: the file goes past a limit or is not what it claims to be. `line` is the
    spreadsheet line where reading stopped (0 for the file as a whole)."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def too_many_rows(line: int) -> Refused:
    return Refused(
        line,
        f"This file has more than {MAX_ROWS:,} rows below the header; sendbot reads up to "
        f"{MAX_ROWS:,}. {LESS}",
    )


def too_many_columns(line: int) -> Refused:
    return Refused(
        line,
        f"This line has filled cells in more than {MAX_COLUMNS} columns; sendbot reads up to "
        f"{MAX_COLUMNS}. {LESS}",
    )


def too_many_cells(line: int, formatted: bool = False) -> Refused:
    counted = " (empty cells with formatting count too)" if formatted else ""
    return Refused(
        line,
        f"This file has more than {MAX_CELLS:,} cells{counted}; sendbot reads up to "
        f"{MAX_CELLS:,}. {LESS}",
    )


def cell_too_long(line: int, hint: str = "the file may be damaged, or not a table") -> Refused:
    where = "on this line" if line else "in this file"
    return Refused(
        line,
        f"A cell {where} holds more than {MAX_CELL_CHARS:,} characters, more than Excel allows "
        f"in one cell: {hint}. Export it again.",
    )
