"""The first sheet of an .xlsx workbook as numbered lines of cell values, read by openpyxl in
read-only mode within the extent xlsx_scan found, never the one the sheet declares."""

from __future__ import annotations

import io
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils.exceptions import CellCoordinatesException

from bot.content.table_limits import CANNOT_OPEN, Refused
from bot.content.xlsx_scan import scan_workbook

T = TypeVar("T")
Lines = Iterable[tuple[int, Sequence[object]]]
# What a workbook cut short or damaged raises somewhere inside zipfile, zlib or openpyxl.
DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    KeyError,
    ValueError,
    OSError,
    IndexError,
    EOFError,
    ParseError,
    CellCoordinatesException,
)


def read_first_sheet(data: bytes, take: Callable[[Lines], T]) -> T:
    """What `take` makes of (line number, values) for each line of the first sheet up to the last
    one with a filled cell, each line as wide as the sheet's rightmost filled column. The lines
    are streamed, so `take` can stop early by raising. Raises Refused."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            extents = scan_workbook(archive)
        with warnings.catch_warnings():
            # Workbooks written by MIS exports often lack a default style; that is harmless.
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = book.worksheets[0]
                # The part openpyxl reads must be the part that was scanned; openpyxl keeps its
                # name only here (pinned in requirements.lock, and the tests would fail first).
                extent = extents.get(sheet._worksheet_path)  # type: ignore[union-attr]
                if extent is not None and extent.refused is not None:
                    raise extent.refused
                if extent is None or not extent.last_line:
                    return take(())
                lines = sheet.iter_rows(
                    max_row=extent.last_line, max_col=extent.widest, values_only=True
                )
                return take(enumerate(lines, start=1))
            finally:
                book.close()
    except DAMAGED:
        raise Refused(0, CANNOT_OPEN) from None
