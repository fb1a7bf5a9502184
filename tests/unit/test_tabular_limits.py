"""Uploaded tables are read within limits counted as they are read, whatever the file claims.

Workbooks here are written by hand with zipfile, since the point is what a real Excel file
would never hold: a sheet that lies about its size, a row of a million empty cells, parts that
unpack into hundreds of megabytes. Memory is measured in a child process (its peak resident
size), so that one test's allocations do not hide another's.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

from bot.content.table_limits import MAX_CELLS, MAX_COLUMNS, MAX_ROWS
from bot.content.tabular import Problem, Table, read_table
from tests.workbooks import MAIN, cell, package, row, workbook

# Generous for a few rows read by a Python with openpyxl loaded (about 30 MB on its own).
BOUND_MB = 150


HEADER = row(cell("Name"), cell("Email"))
PERSON = row(cell("Ada"), cell("ada@school.org"))


def read_in_child(path: Path) -> dict[str, object]:
    """read_table on the file in a fresh Python: what it returned and its peak memory in MB."""
    code = (
        "import json, re, sys\n"
        "from bot.content.tabular import Problem, read_table\n"
        "result = read_table(open(sys.argv[1], 'rb').read())\n"
        # VmHWM, not ru_maxrss: the latter keeps the forking parent's peak across exec.
        "status = open('/proc/self/status').read()\n"
        "peak = int(re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1)) / 1024\n"
        "out = {'peak_mb': peak}\n"
        "if isinstance(result, Problem):\n"
        "    out |= {'line': result.line, 'problem': str(result)}\n"
        "else:\n"
        "    out |= {'header': result.header, 'rows': len(result.rows),\n"
        "            'widest': max(len(cells) for _, cells in result.rows)}\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_a_sheet_declaring_16384_columns_is_read_as_wide_as_its_filled_cells(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Identical rows compress to almost nothing: a few KB that once took gigabytes to read.
    path = tmp_path / "dimension.xlsx"
    path.write_bytes(workbook(HEADER + PERSON * 2_999, dimension="A1:XFD10000"))
    assert path.stat().st_size < 10_000
    read = read_in_child(path)
    assert read["header"] == ["Name", "Email"] and read["rows"] == 2_999
    assert read["widest"] == 2
    assert read["peak_mb"] < BOUND_MB  # type: ignore[operator]


def test_a_row_of_a_million_empty_cells_is_refused_before_it_is_parsed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "empty-cells.xlsx"
    path.write_bytes(workbook(HEADER + PERSON + row("<c/>" * 1_000_000)))
    read = read_in_child(path)
    assert read["line"] == 3
    assert "more rows, cells, text or parts than Excel allows" in read["problem"]  # type: ignore[operator]
    assert read["peak_mb"] < BOUND_MB  # type: ignore[operator]


def test_empty_cells_past_the_last_filled_column_are_neither_kept_nor_counted() -> None:
    # Formatting a range writes empty cells: far past the column limit, and harmless.
    spread = row(cell("Bo"), cell("bo@school.org"), "<c/>" * 5_000)
    table = read_table(workbook(HEADER + spread * 3, dimension="A1:GZZ4"))
    assert isinstance(table, Table)
    assert table.header == ["Name", "Email"] and [len(cells) for _, cells in table.rows] == [2] * 3


def test_a_filled_cell_past_the_column_limit_is_refused_naming_its_line() -> None:
    past = f"{_letters(MAX_COLUMNS + 1)}3"
    problem = read_table(workbook(HEADER + row(cell("Cy"), cell("x", past), number=3)))
    assert isinstance(problem, Problem) and problem.line == 3
    assert f"filled cells in more than {MAX_COLUMNS} columns" in problem.reason
    assert f"sendbot reads up to {MAX_COLUMNS}" in problem.reason


def test_a_csv_line_past_the_column_limit_is_refused_but_empty_cells_there_are_not() -> None:
    wide = ",".join(["x"] * (MAX_COLUMNS + 1))
    problem = read_table(f"Name\r\na\r\n{wide}\r\n".encode())
    assert isinstance(problem, Problem) and problem.line == 3
    assert f"more than {MAX_COLUMNS} columns" in problem.reason
    table = read_table(("Name" + "," * 500 + "\r\na" + "," * 500 + "\r\n").encode(), excel=False)
    assert isinstance(table, Table) and len(table.rows) == 1


def test_more_rows_than_the_limit_in_a_workbook_are_refused_not_cut_short() -> None:
    problem = read_table(workbook(HEADER + PERSON * (MAX_ROWS + 1), dimension="A1:B100002"))
    assert isinstance(problem, Problem) and problem.line == MAX_ROWS + 2
    assert f"more than {MAX_ROWS:,} rows below the header" in problem.reason


def test_a_csv_of_five_million_lines_stops_at_the_row_limit(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "lines.csv"
    path.write_bytes(b"Name\n" + b"a\n" * 5_000_000)
    read = read_in_child(path)
    assert read["line"] == MAX_ROWS + 2
    assert f"more than {MAX_ROWS:,} rows below the header; sendbot reads up to" in read["problem"]  # type: ignore[operator]
    assert read["peak_mb"] < 300  # type: ignore[operator]


def test_a_csv_over_the_cell_limit_is_refused_at_the_line_that_passes_it() -> None:
    line = ",".join(["x"] * MAX_COLUMNS) + "\n"
    problem = read_table(line.encode() * (MAX_CELLS // MAX_COLUMNS + 1), excel=False)
    assert isinstance(problem, Problem) and problem.line == MAX_CELLS // MAX_COLUMNS + 1
    assert f"more than {MAX_CELLS:,} cells; sendbot reads up to {MAX_CELLS:,}" in problem.reason


def test_a_csv_cell_of_five_million_characters_is_refused() -> None:
    problem = read_table(b"Name,Email\n" + b"x" * 5_000_000 + b",a@b.org\n", excel=False)
    assert isinstance(problem, Problem) and problem.line == 2
    assert "holds more than 32,767 characters" in problem.reason


def test_a_workbook_cell_longer_than_excel_allows_is_refused() -> None:
    problem = read_table(workbook(HEADER + row(cell("x" * 40_000), cell("y"))))
    assert isinstance(problem, Problem) and problem.line == 2
    assert "holds more than 32,767 characters" in problem.reason


def test_a_sheet_that_unpacks_past_the_part_limit_is_refused_from_the_zip_directory() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        package(archive)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<worksheet xmlns="{MAIN}">'.encode())
            padding = b" " * 2**20
            for _ in range(257):
                sheet.write(padding)
            sheet.write(f"<sheetData>{HEADER}{PERSON}</sheetData></worksheet>".encode())
    problem = read_table(buffer.getvalue())
    assert isinstance(problem, Problem) and problem.line == 0
    assert "unpacks to 257 MB" in problem.reason and "up to 256 MB" in problem.reason


def test_a_workbook_with_more_different_texts_than_sendbot_reads_is_refused() -> None:
    strings = "".join(f"<si><t>{n}</t></si>" for n in range(200_001))
    sheet = row('<c t="s"><v>0</v></c>')
    problem = read_table(workbook(sheet, strings=strings))
    assert isinstance(problem, Problem)
    assert "more than 200,000 different texts" in problem.reason and "CSV UTF-8" in problem.reason


def test_a_sheet_with_a_document_type_is_refused_before_its_entities_expand() -> None:
    laughs = '<!DOCTYPE worksheet [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;">]>'
    problem = read_table(workbook(HEADER + row(cell("&b;")), head=laughs))
    assert isinstance(problem, Problem) and problem.line == 0
    assert "does not hold its sheets the way Excel writes them" in problem.reason


def _letters(number: int) -> str:
    """Excel's name for a column: 1 -> A, 27 -> AA, 201 -> GS."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
