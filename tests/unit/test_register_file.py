"""The SEN register reader: every MIS preset, mapping files, Excel, and each broken export."""

from __future__ import annotations

import csv
import importlib.util
import io
import re
import time
from datetime import date, datetime
from pathlib import Path

import pytest
from stdnum.gb import upn as upn_check

from bot.content.register.columns import (
    parse_date,
    parse_need,
    parse_provision,
    parse_year_group,
)
from bot.content.register.export import RegisterFile, RegisterMapping, read_mapping, read_register
from bot.content.tabular import Problem

CORPUS = Path(__file__).parents[1] / "fixtures" / "register"
SIMS_HEADER = (
    "Adno,UPN,Legal Surname,Legal Forename,Preferred Surname,Preferred Forename,Year,Reg,"
    "SEN Status,Primary Need,Secondary Need,Start Date"
)
# Columns that hold who a pupil is or when something happened to them: never in a message.
PERSONAL = re.compile(r"adno|upn|surname|forename|start|id$|name|passport|url|since|known", re.I)


def read(name: str, mapping: RegisterMapping | None = None) -> RegisterFile:
    return read_register((CORPUS / name).read_bytes(), mapping=mapping)


def where(register: RegisterFile) -> list[tuple[int, str]]:
    return [(p.line, p.column) for p in register.problems]


def upn(serial: int, temporary: bool = False) -> str:
    body = f"80143212{serial:04d}" if not temporary else f"801432124{serial:02d}A"
    return upn_check.calc_check_digit(body) + body


def sims(*rows: str) -> RegisterFile:
    """A SIMS export with these data lines under the usual header."""
    return read_register("\r\n".join([SIMS_HEADER, *rows]).encode())


def pupil_row(**changes: str) -> str:
    """One good SIMS line (a pupil on SEN support), with some cells changed."""
    cells = {
        "adno": "001301", "upn": upn(301), "last": "Marlowe", "first": "Quentin",
        "pref_last": "", "pref_first": "", "year": "Year 9", "reg": "9MA", "sen": "K",
        "need": "MLD", "need2": "", "start": "01/09/2024",
    } | changes  # fmt: skip
    return ",".join(cells.values())


def personal_values(path: Path) -> set[str]:
    """Every cell from the personal columns of a corpus file's data lines."""
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig") if not path.name.startswith("windows") else raw.decode("cp1252")
    delimiter = max(",;|", key=text.partition("\n")[0].count)
    header, *rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)) or [[]]
    personal = [i for i, heading in enumerate(header) if PERSONAL.search(heading)]
    return {row[i].strip() for row in rows for i in personal if i < len(row) and row[i].strip()}


def assert_no_pupil_data(register: RegisterFile, values: set[str]) -> None:
    for problem in register.problems:
        shown = str(problem)
        leaked = [value for value in values if value in shown]
        assert not leaked, f"{shown!r} shows pupil data {leaked}"


# -- Valid exports ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "preset", "count"),
    [
        ("sims_bom_valid.csv", "SIMS", 6),
        ("header_reordered_valid.csv", "SIMS", 6),
        ("arbor_valid.csv", "Arbor", 4),
        ("bromcom_valid.csv", "Bromcom", 3),
        ("wonde_valid.csv", "Wonde", 3),
        ("sims.xlsx", "SIMS", 3),
    ],
)
def test_each_preset_is_recognised_from_its_headings(name: str, preset: str, count: int) -> None:
    register = read(name)
    assert register.problems == ()
    assert register.preset == preset and len(register.rows) == count


def test_a_sims_export_with_the_excel_bom_and_uk_dates_is_read_cell_by_cell() -> None:
    poppy, idris, maisie, toby, zoe, kemi = read("sims_bom_valid.csv").rows
    assert poppy.mis_id == "001201" and poppy.upn == upn(4001) and poppy.legal_last == "Fernsby"
    assert (poppy.year_group, poppy.reg_group, poppy.provision) == ("7", "7FE", "K")
    assert poppy.primary_need == "SPLD" and poppy.provision_start == date(2023, 9, 12)
    assert idris.first_name == "Izzy" and idris.legal_first == "Idris"
    assert (idris.provision, idris.primary_need, idris.secondary_need) == ("E", "ASD", "SLCN")
    assert idris.provision_start == date(2022, 2, 3)  # written 3/2/2022: day first
    assert maisie.provision == "N" and maisie.primary_need == "" and maisie.provision_start is None
    assert toby.upn == "" and toby.provision == "M" and toby.preferred_first == "Toby"
    assert zoe.legal_first == "Zoë" and zoe.primary_need == "NSA"
    assert kemi.provision_start == date(2021, 6, 15)  # ISO in the same column is fine


def test_a_header_in_another_order_gives_the_same_pupils() -> None:
    assert read("header_reordered_valid.csv").rows == read("sims_bom_valid.csv").rows


def test_arbor_words_and_names_of_needs_are_translated() -> None:
    billie, osian, rosalind, jun = read("arbor_valid.csv").rows
    assert (billie.provision, billie.primary_need, billie.first_name) == ("K", "SLCN", "Billie")
    assert billie.profile_url == "https://arbor.example/passports/a3301"
    assert (osian.provision, osian.year_group) == ("E", "R")
    assert rosalind.provision == "N" and rosalind.year_group == "4"
    assert jun.upn == "" and jun.provision_start == date(2022, 3, 7)


def test_bromcom_semicolons_and_codes_with_their_meaning_are_read() -> None:
    noor, ellis, tilly = read("bromcom_valid.csv").rows
    assert (noor.provision, noor.year_group, noor.provision_start) == ("K", "8", date(2024, 1, 8))
    assert (ellis.provision, ellis.primary_need, ellis.year_group) == ("E", "HI", "12")
    assert tilly.last_name == "Fairweather-Lee" and tilly.provision == "N"


def test_a_wonde_feed_gives_iso_timestamps_and_census_codes() -> None:
    hamish, saoirse, yusuf = read("wonde_valid.csv").rows
    assert hamish.provision_start == date(2023, 9, 4)
    assert saoirse.first_name == "Sorcha" and saoirse.secondary_need == "VI"
    assert yusuf.year_group == "N2"


def test_an_excel_workbook_is_read_from_its_first_sheet_with_dates_and_numbers() -> None:
    poppy, idris, maisie = read("sims.xlsx").rows
    assert poppy.mis_id == "1201" and poppy.year_group == "7"
    assert poppy.provision_start == date(2023, 9, 12)
    assert idris.year_group == "7" and idris.provision == "E"  # 7.0 in the cell
    assert maisie.upn == "" and maisie.year_group == "8"


def make_xlsx():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("make_xlsx", CORPUS / "make_xlsx.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_excel_workbook_is_told_by_its_content_and_checked_like_a_csv() -> None:
    builder = make_xlsx()
    rows = [*builder.ROWS, [1204, "A801432124004", "Ashdown-Pryce", "Tobiah", None, None,
                            "Year 9", "9AP", "E", "MLD", None, None]]  # fmt: skip
    register = read_register(builder.register_workbook(rows))
    assert register.rows == () and where(register) == [(5, "UPN"), (5, "Start Date")]


def test_an_excel_workbook_cut_short_is_refused_plainly() -> None:
    whole = (CORPUS / "sims.xlsx").read_bytes()
    register = read_register(whole[: len(whole) // 2])
    assert where(register) == [(0, "")]
    assert "cannot be opened" in str(register.problems[0])


def test_an_old_xls_workbook_is_refused_with_what_to_save_instead() -> None:
    register = read_register(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    assert "Excel Workbook (.xlsx)" in str(register.problems[0])


def test_a_mapping_file_names_the_headings_and_translates_the_schools_words() -> None:
    mapping = read_mapping((CORPUS / "custom-mapping.yml").read_bytes())
    assert isinstance(mapping, RegisterMapping)
    register = read("custom_mapping.csv", mapping)
    assert register.problems == () and register.preset == "mapping file"
    bea, caspian, delphine = register.rows
    assert (bea.provision, bea.year_group, bea.primary_need) == ("E", "2", "SPLD")
    assert bea.first_name == "Bea" and bea.profile_url == "https://sp.example/p77"
    assert (caspian.provision, caspian.secondary_need) == ("K", "SLCN")
    assert (delphine.provision, delphine.year_group) == ("M", "R")


def test_without_the_mapping_file_a_custom_export_is_refused_with_the_advice() -> None:
    register = read("custom_mapping.csv")
    assert register.rows == () and register.problems
    assert all(p.line == 1 for p in register.problems)
    # What was found and the way out are said once, not with every missing column.
    assert [("mapping file" in p.reason) for p in register.problems][0]
    assert sum("mapping file" in p.reason for p in register.problems) == 1
    assert sum("Headings found" in p.reason for p in register.problems) <= 1


def test_a_mapping_file_whose_headings_are_not_in_the_export_names_them() -> None:
    mapping = read_mapping((CORPUS / "custom-mapping.yml").read_bytes())
    assert isinstance(mapping, RegisterMapping)
    register = read("sims_bom_valid.csv", mapping)
    assert (1, "MIS id") in where(register)
    assert any('the mapping file names it "Pupil No"' in str(p) for p in register.problems)


@pytest.mark.parametrize(
    ("text", "line", "column", "reason"),
    [
        ("columns:\n  mis_id: Adno\n", 1, "columns", "Legal first name"),
        ("columns:\n  mis_id: Adno\n  shoe_size: Shoe\n", 3, "shoe_size", "not a field"),
        ("columns: [Adno, UPN]\n", 1, "columns", "name: value"),
        ("colums:\n  mis_id: Adno\n", 1, "colums", '"columns" and "values"'),
        ("columns:\n  mis_id: Adno\nvalues:\n  provision:\n    Plan: X\n", 5, "Plan", "E (EHC"),
        ("columns:\n  mis_id: Adno\nvalues:\n  year_group:\n    F7: 17\n", 5, "F7", "1 to 14"),
        ("columns:\n  mis_id: [Adno\n", 3, "", "not valid YAML"),
        ("- just a list\n", 0, "", '"columns:"'),
    ],
)
def test_a_broken_mapping_file_names_its_line(
    text: str, line: int, column: str, reason: str
) -> None:
    problems = read_mapping(text.encode())
    assert isinstance(problems, list)
    assert (problems[0].line, problems[0].column) == (line, column)
    assert any(reason in p.reason for p in problems)


# -- Values ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("E", "E"), ("e", "E"), ("EHCP", "E"), ("EHC Plan", "E"), ("E - EHC Plan", "E"),
        ("K", "K"), ("SEN Support", "K"), ("sen support ", "K"), ("K: SEN support", "K"),
        ("N", "N"), ("No SEN", "N"), ("M", "M"), ("Monitoring", "M"),
        ("Statement", None), ("S", None), ("", None),
    ],
)  # fmt: skip
def test_provision_is_read_from_codes_and_common_words(written: str, code: str | None) -> None:
    assert parse_provision(written, {}) == code


def test_a_mapping_translation_comes_before_the_common_words() -> None:
    assert parse_provision("Support", {"support": "M"}) == "M"
    assert parse_need("Dyslexia", {"dyslexia": "SPLD"}) == "SPLD"


@pytest.mark.parametrize(
    ("written", "year"),
    [
        ("7", "7"), ("07", "7"), ("Y7", "7"), ("Year 7", "7"), ("Yr 11", "11"),
        ("NC Year 10", "10"),
        ("Reception", "R"), ("R", "R"), ("YR", "R"), ("Year R", "R"), ("N1", "N1"),
        ("Nursery 2", "N2"), ("14", "14"),
        ("15", None), ("0", None), ("Year", None), ("Sixth form", None), ("", None),
    ],
)  # fmt: skip
def test_year_groups_are_read_as_schools_write_them(written: str, year: str | None) -> None:
    assert parse_year_group(written) == year


@pytest.mark.parametrize(
    ("written", "code"),
    [("ASD", "ASD"), ("asd", "ASD"), ("ASC", "ASD"), ("SpLD", "SPLD"), ("Down syndrome", "DS"),
     ("Moderate learning difficulty", "MLD"), ("dyslexia", None), ("ADHD", None)],
)  # fmt: skip
def test_need_codes_are_read_from_codes_and_their_census_names(
    written: str, code: str | None
) -> None:
    assert parse_need(written, {}) == code


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("12/09/2023", date(2023, 9, 12)), ("3/2/2022", date(2022, 2, 3)),
        ("03.02.2022", date(2022, 2, 3)), ("2022-02-03", date(2022, 2, 3)),
        ("2022-02-03T00:00:00Z", date(2022, 2, 3)), (" 2022-02-03 ", date(2022, 2, 3)),
        ("31/02/2024", None), ("2024/09/01", None), ("12/09/23", None), ("Sept 2023", None),
        ("13/13/2023", None),
    ],
)  # fmt: skip
def test_dates_are_day_first_or_iso(written: str, day: date | None) -> None:
    assert parse_date(written) == day


# -- Broken exports --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected", "reason"),
    [
        ("wrong_delimiter.csv", [(1, "")], 'separated by "\\|".*CSV UTF-8'),
        ("missing_columns.csv", [(1, "Year group"), (1, "Primary need")],
         'no Year group column.*"Year".*Headings found: "Adno".*mapping file'),
        ("bad_upn.csv", [(3, "UPN"), (5, "UPN")], "check letter"),
        ("temporary_upn.csv", [(3, "UPN")], "temporary UPN.*permanent UPN.*blank"),
        ("duplicate_rows.csv", [(5, "Adno"), (5, "UPN")], "on line 2 and line 5"),
        ("ehcp_no_date.csv", [(4, "Start Date")], "EHC plan .* needs the date"),
        ("empty.csv", [(1, "")], "The file is empty"),
        ("header_only.csv", [(1, "")], "no pupils below it"),
        ("half_written.csv", [(4, "")], "3 cells but the header has 12.*cut short"),
        ("half_written_quote.csv", [(4, "")], "never closed.*cut short"),
        ("many_problems.csv",
         [(3, "Year"), (3, "SEN Status"), (4, "Legal Surname"), (4, "Primary Need"),
          (5, "Primary Need"), (5, "Start Date"), (6, "Primary Need"), (7, "Primary Need")],
         "Allowed: N1, N2, R"),
    ],
)  # fmt: skip
def test_each_broken_export_names_its_lines_and_columns_and_no_pupil(
    name: str, expected: list[tuple[int, str]], reason: str
) -> None:
    register = read(name)
    assert where(register) == expected
    assert any(re.search(reason, str(p)) for p in register.problems), register.problems
    assert register.rows == ()  # nothing is stored from a file with any problem
    assert_no_pupil_data(register, personal_values(CORPUS / name))


def test_the_privacy_check_itself_catches_a_name() -> None:
    leaky = RegisterFile((), (Problem(3, "UPN", "Thornwick's UPN is wrong"),), "", {})
    with pytest.raises(AssertionError, match="Thornwick"):
        assert_no_pupil_data(leaky, personal_values(CORPUS / "bad_upn.csv"))


def test_many_problems_give_the_rule_for_each_line() -> None:
    reasons = {(p.line, p.column): p.reason for p in read("many_problems.csv").problems}
    assert "Allowed: E (EHC plan" in reasons[(3, "SEN Status")]
    assert "empty" in reasons[(4, "Legal Surname")]
    assert "not on the register (N or M)" in reasons[(4, "Primary Need")]
    assert "only with K" in reasons[(5, "Primary Need")]
    assert "dd/mm/yyyy" in reasons[(5, "Start Date")]
    assert "needs a primary need" in reasons[(6, "Primary Need")]
    assert "Allowed: SPLD, MLD" in reasons[(7, "Primary Need")]


def test_a_50_mb_file_is_refused_before_it_is_read() -> None:
    line = pupil_row().encode() + b"\r\n"
    data = SIMS_HEADER.encode() + b"\r\n" + line * (50_000_000 // len(line))
    started = time.perf_counter()
    register = read_register(data)
    assert time.perf_counter() - started < 0.5
    assert where(register) == [(0, "")]
    assert re.search(r"The file is 50\.0 MB.*up to 10 MB", str(register.problems[0]))
    assert read_register(data[:2_000], max_bytes=1_000).problems[0].line == 0


def test_a_first_line_that_is_a_pupil_is_never_echoed() -> None:
    row = pupil_row()
    register = read_register(f"{row}\r\n{pupil_row(adno='001302', upn='')}\r\n".encode())
    assert register.rows == () and {p.line for p in register.problems} == {1}
    assert "None of the headings on this line" in register.problems[0].reason
    assert_no_pupil_data(register, {cell for cell in row.split(",") if len(cell) > 2})


def test_a_line_with_another_separator_or_an_unquoted_comma_is_named() -> None:
    register = sims(pupil_row(), pupil_row(adno="001302", upn="").replace(",", ";"),
                    pupil_row(adno="001303", upn="", last="Marlowe, Jr"))  # fmt: skip
    assert where(register) == [(3, ""), (4, "")]
    assert "separated by semicolons" in register.problems[0].reason
    assert "more cells than there are headings" in register.problems[1].reason


@pytest.mark.parametrize(
    ("changes", "column", "reason"),
    [
        ({"adno": ""}, "Adno", "empty"),
        ({"first": ""}, "Legal Forename", "empty"),
        ({"year": ""}, "Year", "empty"),
        ({"year": "Year 15"}, "Year", "Allowed: N1, N2, R"),
        ({"sen": ""}, "SEN Status", "empty"),
        ({"sen": "SEN"}, "SEN Status", "Allowed: E"),
        ({"need": ""}, "Primary Need", "needs a primary need code"),
        ({"need": "ADHD"}, "Primary Need", "not a census need code"),
        ({"sen": "E", "need": "NSA"}, "Primary Need", "only with K"),
        ({"sen": "E", "need2": "NSA"}, "Secondary Need", "only with K"),
        ({"sen": "N", "need": ""}, None, ""),
        ({"sen": "M", "need": "", "need2": "SEMH"}, "Secondary Need", "leave it blank"),
        ({"need": "", "need2": "SEMH"}, "Primary Need", "needs a primary need code"),
        ({"need2": "MLD"}, "Secondary Need", "same as the primary need"),
        ({"sen": "E", "start": ""}, "Start Date", "needs the date it began"),
        ({"sen": "EHCP", "start": "1/9/2024"}, None, ""),
        ({"start": "2024-13-01"}, "Start Date", "not a date"),
        ({"start": ""}, None, ""),
        ({"upn": ""}, None, ""),
        ({"upn": f" {upn(301).lower()} "}, None, ""),
        ({"upn": upn(301)[:-1]}, "UPN", "13 characters"),
        ({"upn": "B999200005001"}, "UPN", "local authority"),
        ({"upn": upn(301)[:-1] + "x"}, "UPN", "temporary UPN"),
        ({"last": "x" * 101}, "Legal Surname", "longer than 100"),
    ],
)
def test_each_rule_for_a_pupil(changes: dict[str, str], column: str | None, reason: str) -> None:
    register = sims(pupil_row(**changes))
    if column is None:
        assert register.problems == () and len(register.rows) == 1
        return
    assert [(p.line, p.column) for p in register.problems] == [(2, column)]
    assert reason in register.problems[0].reason
    assert_no_pupil_data(register, {v for v in changes.values() if len(v) > 3})


def test_upns_are_stored_in_capitals_without_spaces() -> None:
    (pupil,) = sims(pupil_row(upn=" " + upn(301).lower())).rows
    assert pupil.upn == upn(301)


@pytest.mark.parametrize(
    ("url", "ok"),
    [("https://sp.example/p/1", True), ("http://intranet.school/p?id=4", True),
     ("file:///C:/SEN/profile.docx", False), ("www.example.org/p", False),
     ("javascript:alert(1)", False), ("S:\\SEN\\Profiles\\p.docx", False)],
)  # fmt: skip
def test_a_profile_link_must_be_a_web_link(url: str, ok: bool) -> None:
    header = SIMS_HEADER + ",One Page Profile"
    register = read_register(f"{header}\n{pupil_row()},{url}\n".encode())
    assert register.ok is ok
    if not ok:
        assert where(register) == [(2, "One Page Profile")]
        assert url not in str(register.problems[0])


def test_a_heading_twice_is_named() -> None:
    register = read_register(f"{SIMS_HEADER},Admission Number\n{pupil_row()},1\n".encode())
    assert where(register) == [(1, "Admission Number")]
    assert 'same column as "Adno"' in register.problems[0].reason


def test_a_large_register_reads_quickly() -> None:
    rows = [
        pupil_row(adno=f"{n:06d}", upn=upn(n), sen="KNE"[n % 3], need="" if n % 3 == 1 else "ASD")
        for n in range(1, 2_001)
    ]
    started = time.perf_counter()
    register = sims(*rows)
    assert register.problems == () and len(register.rows) == 2_000
    assert time.perf_counter() - started < 1.5


def test_excel_date_cells_with_a_time_keep_the_day() -> None:
    builder = make_xlsx()
    rows = [[1201, None, "Fernsby", "Poppy", None, None, "Y7", "7FE", "K", "SPLD", None,
             datetime(2023, 9, 12, 0, 0)]]  # fmt: skip
    (pupil,) = read_register(builder.register_workbook(rows)).rows
    assert pupil.provision_start == date(2023, 9, 12)


def test_a_csv_saved_by_excel_on_windows_reads_its_accented_names() -> None:
    """Excel's plain "CSV (Comma delimited)" on a UK Windows computer writes Windows-1252."""
    register = read_register((CORPUS / "windows_1252.csv").read_bytes())
    assert register.ok, register.problems
    assert ("Zoë", "Brontë") in {(p.legal_first, p.legal_last) for p in register.rows}


def test_a_file_in_no_encoding_sendbot_knows_names_the_line() -> None:
    data = b"Adno,UPN\n1,\n" + b"2,\x81\x8d\n"
    register = read_register(data)
    assert [(p.line, p.column) for p in register.problems] == [(3, "")]
    assert "cannot be read" in register.problems[0].reason


def test_a_missing_column_names_the_near_miss_and_the_system_in_good_english() -> None:
    arbor = "Student ID,Legal First Name,Legal Last Name,Year Group,SEN Status,Primary SEN Needs\n"
    problems = read_register(arbor.encode()).problems
    assert [p.column for p in problems] == ["Primary need"]
    assert 'The heading "Primary SEN Needs" is close to an Arbor heading "Primary SEN Need"' in (
        problems[0].reason
    )
    no_need = "Student ID,Legal First Name,Legal Last Name,Year Group,SEN Status\n"
    reason = read_register(no_need.encode()).problems[0].reason
    assert 'an Arbor export calls it "Primary SEN Need"' in reason


def test_a_header_sendbot_knows_nothing_of_guesses_no_system() -> None:
    problems = read_register(b"Shoe size,Favourite colour\n9,blue\n").problems
    assert problems and not any("export calls it" in p.reason for p in problems)
    assert "None of the headings on this line is one sendbot knows" in problems[0].reason
