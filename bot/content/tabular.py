"""Reads a spreadsheet a school exported (CSV or Excel .xlsx) into numbered rows of text cells.

Shared by every file a school uploads as a table (staff, targets, the SEN register, teaching
groups), so that the character set, the separator, Excel's quirks and the messages about them are
handled in one place. Each reader then maps headings to its own columns with `locate_columns`.

`read_table(data, ...) -> Table | Problem`: the header and the data rows, or the one problem that
stops the file being read at all.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import islice

from bot.content.table_limits import (
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    Refused,
    cell_too_long,
    too_many_cells,
    too_many_columns,
    too_many_rows,
)

EMAIL_SHAPE = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[a-z]{2,}$")
SAVE_AS_UTF8 = (
    'Please open it in Excel and choose File > Save As > "CSV UTF-8 (Comma delimited)", '
    "then import that file."
)
DELIMITERS = ",;\t"
# Where str.splitlines ends a line, so that the header is found as it always was.
LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
LINE_BREAK = re.compile(f"[{LINE_BREAKS}]")
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
    content (not its name), since uploads and exports often carry the wrong extension. Rows,
    columns and cells are counted as they are read, and reading stops at the first limit
    (bot.content.table_limits) with that as the problem."""
    if max_bytes is not None and len(data) > max_bytes:
        return Problem(0, "", _too_big(len(data), max_bytes))
    if excel and data.startswith(OLE_START):
        return Problem(
            0,
            "",
            "This is an older Excel file (.xls) or a workbook with a password, which sendbot "
            'cannot open. Save it in Excel as "Excel Workbook (.xlsx)" without a password, or '
            'as "CSV UTF-8 (Comma delimited)".',
        )
    is_excel = excel and data.startswith(XLSX_START)
    try:
        if is_excel:
            # openpyxl is imported only here, so that reading a CSV never pays for it.
            from bot.content.xlsx_table import read_first_sheet

            records = read_first_sheet(data, lambda lines: _collect(lines, excel=True))
            delimiter = ""
        else:
            text, problem = decode(data)
            if problem:
                return problem
            delimiter = pick_delimiter(text)
            records = _collect(_csv_lines(text, delimiter), excel=False)
            open_quote = _quote_left_open(text, delimiter)
            if open_quote:
                # Without strict mode csv swallows the rest of the file into one cell; name it.
                return Problem(
                    open_quote,
                    "",
                    "A quotation mark opened on this line is never closed, so the file ends in "
                    "the middle of a cell: it may have been cut short while it was being written. "
                    "Export it again.",
                )
    except Refused as refused:
        return Problem(refused.line, "", refused.reason)
    if not records:
        return Problem(1, "", "The file is empty. The first line must name the columns.")
    (header_line, header), *rows = records
    return Table(header_line, header, rows, delimiter, is_excel)


def decode(data: bytes) -> tuple[str, Problem | None]:
    """The text of a CSV file: UTF-8 (with or without the byte-order mark Excel's "CSV UTF-8"
    puts first), UTF-16 with its mark (Excel's "Unicode Text"), or else Windows-1252, which
    Excel's plain "CSV (Comma delimited)" writes on a Windows computer in the UK (O’Brien, Zoë,
    Siobhán). A problem names the first line that is none of these."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        try:
            return data.decode("cp1252"), None
        except UnicodeDecodeError:
            line = data[: exc.start].count(b"\n") + 1
            reason = "Some letters in this file cannot be read: it is not saved as a CSV file."
            return "", Problem(line, "", f"{reason} {SAVE_AS_UTF8}")


def pick_delimiter(text: str) -> str:
    """The separator the header line uses most: Excel in much of Europe writes semicolons."""
    first = _first_line(text)
    return max(DELIMITERS, key=first.count) if first else ","


def _first_line(text: str) -> str:
    """The first line that is not blank, found without splitting the whole text into lines."""
    found = re.search(r"\S", text)
    if found is None:
        return ""
    start = max(text.rfind(c, 0, found.start()) for c in LINE_BREAKS)
    end = LINE_BREAK.search(text, found.start())
    return text[start + 1 : end.start() if end else len(text)]


def split_csv(text: str) -> list[list[str]]:
    """Every record of a CSV text, blank ones included so that list positions are line numbers."""
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=pick_delimiter(text)))


def cell_text(cells: list[str], index: int) -> str:
    """A cell's text; "NULL" (as Arbor's and SQL exports write an empty cell) or "null" (as a
    JSON feed does) is empty. "Null" is kept: written as a name, it is someone's surname."""
    text = cells[index].strip() if index < len(cells) else ""
    return "" if text in ("NULL", "null") else text


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
        # A sheet keeps no empty cells at a line's end; only a CSV line can be cut short.
        if len(cells) < width and not table.is_excel:
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


def _collect(
    lines: Iterable[tuple[int, Sequence[object]]], *, excel: bool
) -> list[tuple[int, list[str]]]:
    """The lines that are not blank, as text, counted against the limits as they come."""
    records: list[tuple[int, list[str]]] = []
    cells = 0
    for number, values in lines:
        row = _row_text(number, values, excel)
        if not any(cell.strip() for cell in row):
            continue
        if len(records) > MAX_ROWS:  # the header and MAX_ROWS below it are in already
            raise too_many_rows(number)
        cells += len(row)
        if cells > MAX_CELLS:
            raise too_many_cells(number)
        records.append((number, row))
    return records


def _row_text(number: int, values: Sequence[object], excel: bool) -> list[str]:
    if len(values) > MAX_COLUMNS:
        if any(_cell_text(value).strip() for value in islice(values, MAX_COLUMNS, None)):
            raise too_many_columns(number)
        values = values[:MAX_COLUMNS]
    row = [_cell_text(value) for value in values]
    if any(len(cell) > MAX_CELL_CHARS for cell in row):
        raise cell_too_long(number)
    if excel:
        # A sheet's line is as wide as its widest; the empty cells at the end need no room.
        while row and not row[-1]:
            row.pop()
    return row


def _csv_lines(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    number = 0
    try:
        for number, cells in enumerate(
            csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1
        ):
            yield number, cells
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise cell_too_long(
                number + 1, "a quotation mark may open a cell and never close it"
            ) from None
        raise Refused(
            number + 1,
            "This line cannot be read as CSV: the file may be damaged, or not a table. "
            + SAVE_AS_UTF8,
        ) from None


def _quote_left_open(text: str, delimiter: str) -> int:
    """The line whose quotation mark is never closed, or 0."""
    records = 0
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            records += 1
    except csv.Error as exc:
        return records + 1 if "unexpected end of data" in str(exc) else 0
    return 0


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
