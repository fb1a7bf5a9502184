"""Excel workbooks written by hand with zipfile, for files a real Excel would never write: a
sheet that lies about its size, a row of a million empty cells, parts that unpack into hundreds
of megabytes."""

from __future__ import annotations

import io
import zipfile

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PACKAGE = "http://schemas.openxmlformats.org/package/2006"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def workbook(sheet_data: str, *, dimension: str = "", strings: str = "", head: str = "") -> bytes:
    """An .xlsx of one sheet whose <sheetData> holds `sheet_data`, as an exporter might write."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        package(archive, with_strings=bool(strings))
        sized = f'<dimension ref="{dimension}"/>' if dimension else ""
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f'{head}<worksheet xmlns="{MAIN}">{sized}<sheetData>{sheet_data}</sheetData>'
            "</worksheet>",
        )
        if strings:
            archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">{strings}</sst>')
    return buffer.getvalue()


def package(archive: zipfile.ZipFile, *, with_strings: bool = False) -> None:
    strings = (
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHEET_TYPE}.sharedStrings+xml"/>'
        if with_strings
        else ""
    )
    archive.writestr(
        "[Content_Types].xml",
        f'<Types xmlns="{PACKAGE}/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{SHEET_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SHEET_TYPE}.worksheet+xml"/>'
        f"{strings}</Types>",
    )
    archive.writestr(
        "_rels/.rels",
        f'<Relationships xmlns="{PACKAGE}/relationships"><Relationship Id="rId1" '
        f'Type="{OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    )
    archive.writestr(
        "xl/workbook.xml",
        f'<workbook xmlns="{MAIN}" xmlns:r="{OFFICE}"><sheets>'
        '<sheet name="Export" sheetId="1" r:id="rId1"/></sheets></workbook>',
    )
    archive.writestr(
        "xl/_rels/workbook.xml.rels",
        f'<Relationships xmlns="{PACKAGE}/relationships"><Relationship Id="rId1" '
        f'Type="{OFFICE}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
    )


def cell(text: str, reference: str = "") -> str:
    where = f' r="{reference}"' if reference else ""
    return f'<c{where} t="inlineStr"><is><t>{text}</t></is></c>'


def row(*cells: str, number: int | None = None) -> str:
    where = f' r="{number}"' if number else ""
    return f"<row{where}>{''.join(cells)}</row>"
