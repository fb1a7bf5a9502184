"""Checks an .xlsx workbook before openpyxl parses any of it, so that reading it stays bounded.

openpyxl reads a workbook's styles and shared texts whole, reads every sheet to its end while
loading when the sheet does not declare its size, keeps a whole row in memory, and pads rows to
the size a sheet declares. None of that is bounded by the file's size: a 5 KB workbook can
unpack into gigabytes, declare itself 16,384 columns wide, or hold a row of a million empty cells.
So, before openpyxl opens it:

- the zip's directory: each part's unpacked size (zipfile holds a part to the size declared);
- then every part, streamed once through expat and counted as it goes. What no file Excel writes
  would hold (a row wider than Excel's, a text longer than a cell's, too many elements) refuses
  the workbook at once. sendbot's own limits (rows, columns, cells) are recorded per sheet, since
  a workbook may hold other sheets sendbot never reads, and the reader refuses the first sheet's.

The scan numbers rows and cells as openpyxl does, so the extent it finds is where openpyxl will
put the data.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from functools import cache
from xml.parsers import expat

from openpyxl.utils.cell import column_index_from_string

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

# Unpacked, one part: 100,000 rows of 20 cells of text is about 100 MB of sheet XML.
MAX_PART_BYTES = 256 * 2**20
MAX_UNPACKED_BYTES = 2 * MAX_PART_BYTES
# Elements outside a sheet's rows (styles, names, shared texts): Excel's 64,000 formats fit.
MAX_PART_ELEMENTS = 500_000
# Different texts in the shared table, which openpyxl parses at some 25 µs each: an export from
# a school's MIS has a few thousand; the largest fits several times over.
MAX_SHARED_TEXTS = 200_000
# Elements inside a sheet's rows: a cell is two or three (<c><v>, <c><is><t>).
MAX_ROW_ELEMENTS = 3 * MAX_CELLS + MAX_ROWS
EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384
CHUNK = 1 << 16

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
ROW, VALUE, INLINE, SHARED_TEXT, DIMENSION = (
    f"{MAIN} {tag}" for tag in ("row", "v", "is", "si", "dimension")
)
# A cell's reference as openpyxl accepts it ("B12", "$B$12").
REFERENCE = re.compile(r"\$?([A-Za-z]{1,3})\$?[1-9][0-9]*")
# A dimension openpyxl stops at while loading: cells, not whole columns or rows ("A:C").
SIZE = re.compile(r"\$?[A-Za-z]{1,3}\$?[0-9]+(:\$?[A-Za-z]{1,3}\$?[0-9]+)?")
NOT_EXCEL = (
    "This file does not hold its sheets the way Excel writes them (it has more rows, cells, "
    "text or parts than Excel allows): it may be damaged, or made by another program. Open it "
    'in Excel and save it again, or save it as "CSV UTF-8".'
)


@dataclass(frozen=True)
class SheetExtent:
    """Where a sheet's filled cells are: the last line with one and the rightmost column (both 0
    when there is none), or the first of sendbot's limits the sheet goes past."""

    last_line: int
    widest: int
    refused: Refused | None


class _Enough(Exception):
    """This part need be read no further."""


def scan_workbook(archive: zipfile.ZipFile) -> dict[str, SheetExtent]:
    """Every part that holds rows, with its extent. Raises Refused when the workbook cannot be
    read at all."""
    members = archive.infolist()
    for member in members:
        if member.file_size > MAX_PART_BYTES:
            raise Refused(0, _unpacks_to(member.file_size))
    total = sum(member.file_size for member in members)
    if total > MAX_UNPACKED_BYTES:
        raise Refused(0, _unpacks_to(total))
    extents = {}
    for member in members:
        extent = _scan_part(archive, member)
        if extent is not None:
            extents[member.filename] = extent
    return extents


def _unpacks_to(size: int) -> str:
    return (
        f"This Excel file unpacks to {size / 2**20:,.0f} MB, far more than a school's export "
        f"(sendbot reads up to {MAX_PART_BYTES / 2**20:,.0f} MB in one sheet). Check that it is "
        'the right export, or save it from Excel as "CSV UTF-8".'
    )


def _scan_part(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> SheetExtent | None:
    scan = _PartScan()
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.CharacterDataHandler = scan.text
    parser.StartDoctypeDeclHandler = _no_doctype
    with archive.open(member) as source:
        try:
            while chunk := source.read(CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError:
            pass  # not XML (a picture), or broken: openpyxl's parser is expat too and stops here
        except _Enough:
            pass
    return scan.extent()


def _no_doctype(*_args: object) -> None:
    # Excel never writes one, and a DTD's entities can expand a few bytes into gigabytes.
    raise Refused(0, NOT_EXCEL)


class _PartScan:
    """Counts one part as expat streams it (see the module docstring)."""

    def __init__(self) -> None:
        self.depth = 0
        self.elements = 0  # outside rows
        self.row_elements = 0
        self.texts = 0
        self.run = 0  # characters since the last tag
        self.sized = False  # declares its dimension, so openpyxl will not read it whole to load
        self.rows = 0
        self.line = 0  # openpyxl's row counter
        self.row_depth = 0  # depth of the open row, 0 when none
        self.column = 0  # openpyxl's column counter
        self.row_cells = 0
        self.cells = 0
        self.cell_filled = False
        self.row_filled = False
        self.filled_lines = 0
        self.last_line = 0
        self.widest = 0
        self.refused: Refused | None = None

    def extent(self) -> SheetExtent | None:
        if not self.rows:
            return None
        return SheetExtent(self.last_line, self.widest, self.refused)

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.depth += 1
        self.run = 0
        if self.row_depth:
            self.row_elements += 1
            if self.row_elements > MAX_ROW_ELEMENTS:
                raise Refused(0, NOT_EXCEL)
            if self.depth == self.row_depth + 1:
                self._cell(attributes)
            elif self.depth == self.row_depth + 2 and name in (VALUE, INLINE):
                self.cell_filled = True
            elif name == ROW:
                raise Refused(0, NOT_EXCEL)  # a row inside a row
            return
        self.elements += 1
        if self.elements > MAX_PART_ELEMENTS:
            raise Refused(0, NOT_EXCEL)
        if name == ROW:
            self._row(attributes)
        elif name == DIMENSION and not self.rows:
            self.sized = SIZE.fullmatch(attributes.get("ref", "")) is not None
        elif name == SHARED_TEXT:
            self.texts += 1
            if self.texts > MAX_SHARED_TEXTS:
                raise Refused(
                    0,
                    f"This workbook holds more than {MAX_SHARED_TEXTS:,} different texts; sendbot"
                    f' reads up to {MAX_SHARED_TEXTS:,}. Save it from Excel as "CSV UTF-8" and '
                    "import that instead.",
                )

    def end(self, _name: str) -> None:
        self.run = 0
        if self.row_depth and self.depth == self.row_depth + 1:
            self._end_cell()
        elif self.depth == self.row_depth:
            self._end_row()
        self.depth -= 1

    def text(self, data: str) -> None:
        self.run += len(data)
        if self.run > MAX_CELL_CHARS:
            raise cell_too_long(self.line if self.row_depth else 0)

    def _row(self, attributes: dict[str, str]) -> None:
        self.rows += 1
        number = attributes.get("r")
        try:
            self.line = _whole(number) if number is not None else self.line + 1
        except ValueError:
            raise Refused(0, NOT_EXCEL) from None
        if self.rows > EXCEL_ROWS or not 0 < self.line <= EXCEL_ROWS:
            raise Refused(0, NOT_EXCEL)
        self.row_depth = self.depth
        self.column = self.row_cells = 0
        self.row_filled = False

    def _cell(self, attributes: dict[str, str]) -> None:
        self.cells += 1
        self.row_cells += 1
        if self.cells > MAX_CELLS:
            self._over(too_many_cells(self.line, formatted=True))
        reference = attributes.get("r")
        if reference:
            letters = REFERENCE.fullmatch(reference)
            if letters is None:
                raise Refused(self.line, NOT_EXCEL)
            self.column = _column(letters.group(1))
        else:
            self.column += 1
        if self.row_cells > EXCEL_COLUMNS or self.column > EXCEL_COLUMNS:
            raise Refused(self.line, NOT_EXCEL)
        self.cell_filled = False

    def _end_cell(self) -> None:
        if not self.cell_filled:
            return
        if self.column > MAX_COLUMNS:
            self._over(too_many_columns(self.line))
        self.widest = max(self.widest, self.column)
        self.row_filled = True

    def _end_row(self) -> None:
        self.row_depth = 0
        if not self.row_filled:
            return
        self.filled_lines += 1
        if self.filled_lines > MAX_ROWS + 1:  # the header and MAX_ROWS below it
            self._over(too_many_rows(self.line))
        self.last_line = max(self.last_line, self.line)

    def _over(self, refused: Refused) -> None:
        """Past one of sendbot's limits: recorded, and the part read on only if openpyxl will
        read it whole while loading, so that the whole of it has been counted."""
        if self.refused is None:
            self.refused = refused
        if self.sized:
            raise _Enough


def _whole(number: str) -> int:
    """A row number as openpyxl reads it: "7" or "7.0"."""
    try:
        return int(number)
    except ValueError:
        value = float(number)
        if not value.is_integer():
            raise ValueError(number) from None
        return int(value)


@cache
def _column(letters: str) -> int:
    return column_index_from_string(letters)
