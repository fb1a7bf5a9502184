"""Reads a spreadsheet a school exported (CSV or Excel .xlsx) into numbered rows of text cells.

Shared by every file a school uploads as a table (staff, targets, the SEN register, teaching
groups), so that the character set, the separator, Excel's quirks and the messages about them are
handled in one place. Each reader then maps headings to its own columns with `locate_columns`.

`read_table(data, ...) -> Table | Problem`: the header and the data rows, or the one problem that
stops the file being read at all.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time

EMAIL_SHAPE = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[a-z]{2,}$")
SAVE_AS_UTF8 = (
    'Please open it in Excel and choose File > Save As > "CSV UTF-8 (Comma delimited)", '
    "then import that file."
)
DELIMITERS = ",;\t"
# A sheet is read whole into memory; a compressed .xlsx can hold far more than its size suggests.
MAX_ROWS = 100_000
XLSX_START = b"PK"  # an .xlsx is a zip archive
OLE_START = b"\xd0\xcf\x11\xe0"  # old .xls, and any password-protected workbook


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: the spreadsheet line (header = 1; 0 = the file as a whole),
    the column heading as the file writes it ("" for the whole line) and why."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        if self.line == 0:
            return self.reason
        where = f"Line {self.line}" + (f', column "{self.column}"' if self.column else "")
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class Table:
    """A file's first non-blank line (the header) and every non-blank line below it, each with
    the line number the spreadsheet shows. Cells are text; Excel dates come as yyyy-mm-dd."""

    header_line: int
    header: list[str]
    rows: list[tuple[int, list[str]]]
    delimiter: str  # "" for an Excel workbook
    is_excel: bool

    @property
    def width(self) -> int:
        """How many cells a whole row has: up to the last heading that is not blank."""
        named = [index for index, cell in enumerate(self.header) if cell.strip()]
        return named[-1] + 1 if named else 0


def read_table(data: bytes, *, excel: bool = True, max_bytes: int | None = None) -> Table | Problem:
    """The file's header and rows, or why it cannot be read. An Excel workbook is told by its
    content (not its name), since uploads and exports often carry the wrong extension."""
    if max_bytes is not None and len(data) > max_bytes:
        return Problem(0, "", _too_big(len(data), max_bytes))
    if excel and data.startswith(XLSX_START):
        lines = _xlsx_lines(data)
        delimiter = ""
    elif excel and data.startswith(OLE_START):
        return Problem(
            0,
            "",
            "This is an older Excel file (.xls) or a workbook with a password, which sendbot "
            'cannot open. Save it in Excel as "Excel Workbook (.xlsx)" without a password, or '
            'as "CSV UTF-8 (Comma delimited)".',
        )
    else:
        text, problem = decode(data)
        if problem:
            return problem
        delimiter = pick_delimiter(text)
        lines = _csv_lines(text, delimiter)
    if isinstance(lines, Problem):
        return lines
    records = [(n, cells) for n, cells in lines if any(cell.strip() for cell in cells)]
    if not records:
        return Problem(1, "", "The file is empty. The first line must name the columns.")
    if len(records) > MAX_ROWS + 1:
        return Problem(0, "", f"The file has more than {MAX_ROWS:,} rows; sendbot reads no more.")
    (header_line, header), *rows = records
    return Table(header_line, header, rows, delimiter, bool(excel and not delimiter))


def decode(data: bytes) -> tuple[str, Problem | None]:
    """The text of a CSV file, or a problem naming the first line that is not UTF-8."""
    try:
        # utf-8-sig drops the byte-order mark Excel puts at the start of "CSV UTF-8" files.
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        reason = "This file is not saved as CSV UTF-8, so some letters in it cannot be read."
        return "", Problem(line, "", f"{reason} {SAVE_AS_UTF8}")


def pick_delimiter(text: str) -> str:
    """The separator the header line uses most: Excel in much of Europe writes semicolons."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max(DELIMITERS, key=first.count) if first else ","


def split_csv(text: str) -> list[list[str]]:
    """Every record of a CSV text, blank ones included so that list positions are line numbers."""
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=pick_delimiter(text)))


def squeeze(heading: str) -> str:
    """A heading reduced to lower-case letters and digits: "Legal Surname " -> "legalsurname"."""
    return re.sub(r"[^a-z0-9]", "", heading.lower())


def locate_columns(
    header: list[str], accepted: Mapping[str, Iterable[str]]
) -> tuple[dict[str, int], list[tuple[int, str]]]:
    """Where each column is, from the headings each may have (already squeezed), and (index,
    column) for every heading that names a column found earlier in the line."""
    lookup = {name: column for column, names in accepted.items() for name in names}
    positions: dict[str, int] = {}
    repeats: list[tuple[int, str]] = []
    for index, cell in enumerate(header):
        column = lookup.get(squeeze(cell))
        if column is None:
            continue  # other columns in an MIS export are fine to leave in
        if column in positions:
            repeats.append((index, column))
        else:
            positions[column] = index
    return positions, repeats


def width_problems(table: Table) -> list[Problem]:
    """Lines with fewer cells than the header (a file cut short, or a line using another
    separator) or with filled cells beyond the last heading (a separator inside a value)."""
    width = table.width
    problems = []
    for line, cells in table.rows:
        if len(cells) < width:
            other = next(
                (d for d in DELIMITERS if d != table.delimiter and d in "".join(cells)), ""
            )
            if table.delimiter and other and len(cells) == 1:
                reason = (
                    f"The cells on this line are separated by {_name(other)}, but the header's "
                    f"by {_name(table.delimiter)}. Save the whole file again from the MIS or Excel."
                )
            else:
                reason = (
                    f"This line has {len(cells)} cells but the header has {width}: the file may "
                    "have been cut short while it was being written. Export it again."
                )
            problems.append(Problem(line, "", reason))
        elif any(cell.strip() for cell in cells[width:]):
            problems.append(
                Problem(
                    line,
                    "",
                    f"This line has more cells than there are headings ({width}). A value may "
                    f"contain {_name(table.delimiter or ',')} without quotes around it.",
                )
            )
    return problems


def _csv_lines(text: str, delimiter: str) -> list[tuple[int, list[str]]] | Problem:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines = list(enumerate(reader, start=1))
    if _quote_left_open(text, delimiter):
        # Without strict mode csv swallows the rest of the file into one cell; name the line.
        return Problem(
            len(lines),
            "",
            "A quotation mark opened on this line is never closed, so the file ends in the middle "
            "of a cell: it may have been cut short while it was being written. Export it again.",
        )
    return lines


def _quote_left_open(text: str, delimiter: str) -> bool:
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _xlsx_lines(data: bytes) -> list[tuple[int, list[str]]] | Problem:
    # openpyxl is imported here so that reading a CSV never pays for it.
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # Workbooks written by MIS exports often lack a default style; that is harmless.
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = book.worksheets[0]
                lines = []
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                    if number > MAX_ROWS + 1:
                        break
                    lines.append((number, [_cell_text(value) for value in values]))
            finally:
                book.close()
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, EOFError):
        return Problem(
            0,
            "",
            "This Excel file cannot be opened: it may have been cut short while it was being "
            'written, or be damaged. Export it again, or save it from Excel as "CSV UTF-8".',
        )
    return lines


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        # A date cell comes as midnight on that day; the time is Excel's, not the school's.
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel holds every number as a float: 7.0 is year 7
    return str(value)


def _too_big(size: int, limit: int) -> str:
    return (
        f"The file is {size / 1_000_000:.1f} MB, more than the {limit / 1_000_000:.0f} MB "
        "sendbot reads for it. Check that it is the right export."
    )


def _name(delimiter: str) -> str:
    return {",": "commas", ";": "semicolons", "\t": "tabs"}.get(delimiter, f'"{delimiter}"')
