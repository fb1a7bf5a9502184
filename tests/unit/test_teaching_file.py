"""The teaching-groups reader: headings, roles, whole-group links and every broken line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.content.teaching_file import TeachingFile, TeachingRole, TeachingRow, read_teaching

CORPUS = Path(__file__).parents[1] / "fixtures" / "register"


def read(name: str) -> TeachingFile:
    return read_teaching((CORPUS / name).read_bytes())


def where(teaching: TeachingFile) -> list[tuple[int, str]]:
    return [(p.line, p.column) for p in teaching.problems]


def test_a_teaching_groups_file_gives_each_link_once_with_its_role() -> None:
    teaching = read("teaching_groups_valid.csv")
    assert teaching.problems == ()
    assert teaching.rows == (
        TeachingRow(2, "7FE/Ma1", "j.smith@oakhill.example", "001201", TeachingRole.TEACHER),
        TeachingRow(4, "7FE/Ma1", "ta.one@oakhill.example", "001201", TeachingRole.SUPPORT),
        TeachingRow(5, "7FE/Ma1", "j.smith@oakhill.example", "001202", TeachingRole.TEACHER),
        TeachingRow(6, "7FE", "r.tutor@oakhill.example", "", TeachingRole.TUTOR),
        TeachingRow(7, "7", "hoy7@oakhill.example", "", TeachingRole.HEAD_OF_YEAR),
        TeachingRow(8, "8", "hoy8@oakhill.example", "001203", TeachingRole.HEAD_OF_YEAR),
    )
    assert teaching.rows[0].role == "teacher"  # callers may compare with plain strings


def test_without_a_role_column_everyone_is_a_teacher() -> None:
    teaching = read_teaching(b"Group,Email,Adno\r\n10X/Ma1,a.b@school.example,1001\r\n")
    assert teaching.ok and teaching.rows[0].role is TeachingRole.TEACHER


@pytest.mark.parametrize(
    "header",
    [
        "Class,Staff email,Pupil ID",
        "Teaching group,Teacher email,MIS ID",
        "GROUP,Teacher E-mail,Student ID",
        "group;staff_email;admission_number",
        "Group\tEmail address\tAdno",
    ],
)
def test_headings_are_accepted_in_the_usual_spellings(header: str) -> None:
    separator = ";" if ";" in header else "\t" if "\t" in header else ","
    row = separator.join(["9AP/En1", "A.Reed@School.example", "1204"])
    teaching = read_teaching(f"{header}\n{row}\n".encode())
    assert teaching.problems == ()
    assert teaching.rows == (
        TeachingRow(2, "9AP/En1", "a.reed@school.example", "1204", TeachingRole.TEACHER),
    )


@pytest.mark.parametrize(
    ("written", "role"),
    [
        ("", TeachingRole.TEACHER), ("Class teacher", TeachingRole.TEACHER),
        ("TA", TeachingRole.SUPPORT), ("Teaching Assistant", TeachingRole.SUPPORT),
        ("HLTA", TeachingRole.SUPPORT), ("support", TeachingRole.SUPPORT),
        ("Form tutor", TeachingRole.TUTOR), ("tutor", TeachingRole.TUTOR),
        ("Head of Year", TeachingRole.HEAD_OF_YEAR), ("HoY", TeachingRole.HEAD_OF_YEAR),
        ("head_of_year", TeachingRole.HEAD_OF_YEAR),
    ],
)  # fmt: skip
def test_roles_are_read_as_schools_write_them(written: str, role: TeachingRole) -> None:
    group = "7" if role is TeachingRole.HEAD_OF_YEAR else "7FE"
    teaching = read_teaching(
        f"Group,Email,Pupil ID,Role\n{group},a@s.example,1,{written}\n".encode()
    )
    assert teaching.problems == () and teaching.rows[0].role is role


@pytest.mark.parametrize("written", ["7", "Year 7", "Y7", "year 07"])
def test_a_head_of_year_group_is_a_year_group(written: str) -> None:
    teaching = read_teaching(f"Group,Email,Pupil ID,Role\n{written},h@s.example,,HoY\n".encode())
    assert teaching.rows[0].group == "7" and teaching.rows[0].pupil_mis_id == ""


def test_every_problem_is_named_by_line_and_column_and_nothing_is_kept() -> None:
    teaching = read("teaching_groups_problems.csv")
    assert where(teaching) == [(3, "Staff email"), (4, "Student ID"), (5, "Teaching group")]
    reasons = [p.reason for p in teaching.problems]
    assert '"p.green(at)oakhill.example" is not an email address' in reasons[0]
    assert "Only a tutor or head of year line may leave it empty" in reasons[1]
    assert "group is empty" in reasons[2]
    assert teaching.rows == ()
    assert not any("001205" in str(p) or "001206" in str(p) for p in teaching.problems)


def test_an_unknown_role_and_a_year_that_is_not_one_say_what_is_allowed() -> None:
    teaching = read("teaching_groups_roles.csv")
    assert where(teaching) == [(2, "Role"), (3, "Group")]
    assert "Allowed: teacher (the default), support" in teaching.problems[0].reason
    assert "1 to 14" in teaching.problems[1].reason


def test_missing_columns_are_named_with_the_headings_found() -> None:
    teaching = read_teaching(b"Class,Teacher\n7FE/Ma1,Mr Smith\n")
    assert where(teaching) == [(1, "Staff email"), (1, "Pupil ID")]
    assert 'headings found: "Class", "Teacher"' in teaching.problems[0].reason


def test_a_file_cut_short_names_the_line() -> None:
    teaching = read_teaching(b"Class,Staff email,Pupil ID\n7FE/Ma1,a@s.example,1\n7FE/Ma1,b@s.ex")
    assert where(teaching) == [(3, "")] and "cut short" in teaching.problems[0].reason


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "The file is empty"), (b"Class,Staff email,Pupil ID\r\n", "no groups below it")],
)  # fmt: skip
def test_empty_and_header_only_files_are_refused(data: bytes, reason: str) -> None:
    teaching = read_teaching(data)
    assert teaching.rows == () and reason in str(teaching.problems[0])


def test_a_teaching_groups_workbook_is_read() -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Class", "Staff email", "Pupil ID", "Role"])
    sheet.append(["7FE/Ma1", "J.Smith@oakhill.example", 1201, None])
    sheet.append([7, "hoy7@oakhill.example", None, "Head of year"])
    out = io.BytesIO()
    book.save(out)
    teaching = read_teaching(out.getvalue())
    assert teaching.problems == ()
    assert [(r.group, r.staff_email, r.pupil_mis_id, r.role) for r in teaching.rows] == [
        ("7FE/Ma1", "j.smith@oakhill.example", "1201", TeachingRole.TEACHER),
        ("7", "hoy7@oakhill.example", "", TeachingRole.HEAD_OF_YEAR),
    ]


def test_a_file_over_the_limit_is_refused() -> None:
    teaching = read_teaching(
        b"Class,Staff email,Pupil ID\n" + b"7FE,a@s.example,1\n" * 100, max_bytes=500
    )
    assert where(teaching) == [(0, "")] and "MB" in teaching.problems[0].reason


def test_a_windows_1252_file_keeps_its_accents() -> None:
    teaching = read_teaching("Class,Staff email,Pupil ID\n7É,a@s.example,1\n".encode("cp1252"))
    assert teaching.ok and teaching.rows[0].group == "7É"


def test_a_class_list_report_with_a_title_and_a_total_reads_only_its_links() -> None:
    data = (
        b"Class List: 7FE/Ma1,,\r\n"
        b"Printed by Mr B Jones on 03/11/2026,,\r\n"
        b",,\r\n"
        b"Class,Staff email,Pupil ID\r\n"
        b"7FE/Ma1,a@s.example,1\r\n"
        b"7FE/Ma1,a@s.example,2\r\n"
        b"Total: 2,,\r\n"
    )
    teaching = read_teaching(data)
    assert teaching.ok, teaching.problems
    assert [row.pupil_mis_id for row in teaching.rows] == ["1", "2"]
    assert teaching.rows[0].line == 5


def test_a_flattened_wonde_feed_reads_main_teachers_and_their_support() -> None:
    teaching = read_teaching(
        b"id,name,code,students.data.id,students.data.mis_id,employees.data.email,"
        b"employees.data.meta.is_main_teacher\n"
        b"A501,5W Maths,5W/Ma,A1329183376,4501,K.Ash@hg.example,true\n"
        b"A501,5W Maths,5W/Ma,A1329183376,4501,b.mo@hg.example,false\n"
        b"A501,5W Maths,5W/Ma,A1329183376,4501,c.x@hg.example,perhaps\n"
    )
    assert where(teaching) == [(4, "employees.data.meta.is_main_teacher")]
    good = read_teaching(b"\n".join(b",".join(line.split(b",")) for line in [
        b"name,students.data.mis_id,employees.data.email,employees.data.meta.is_main_teacher",
        b"5W Maths,4501,K.Ash@hg.example,true",
        b"5W Maths,4501,b.mo@hg.example,false",
    ]))  # fmt: skip
    assert [(r.group, r.staff_email, r.pupil_mis_id, r.role) for r in good.rows] == [
        ("5W Maths", "k.ash@hg.example", "4501", TeachingRole.TEACHER),
        ("5W Maths", "b.mo@hg.example", "4501", TeachingRole.SUPPORT),
    ]


def test_a_pupils_name_column_is_not_taken_for_the_group() -> None:
    teaching = read_teaching(b"Class,Name,Staff email,Adno\n7A/En1,Amara Ashdown,a@s.example,1\n")
    assert teaching.ok and teaching.rows[0].group == "7A/En1"


def test_staff_by_code_and_pupils_by_upn_when_the_file_has_no_email_or_mis_id() -> None:
    teaching = read_teaching(
        b"Class Name,Teacher Code,UPN\n"
        b"7HB1 Eng,kpa,g823 2010 00101\n"  # lower case and spaces, as typed
        b"7HB1 Eng,K P A,G823201000101\n"
        b"7HB1 Eng,MJO,A823201000101\n"
        b"7HB1 Eng,,G823201000101\n"
    )
    assert where(teaching) == [(3, "Teacher Code"), (4, "UPN"), (5, "Teacher Code")]
    assert "like THA" in teaching.problems[0].reason
    assert "check letter" in teaching.problems[1].reason
    assert "staff code is empty" in teaching.problems[2].reason
    good = read_teaching(b"Class Name,Teacher Code,UPN\n7HB1 Eng,kpa,g823 2010 00101\n")
    assert good.rows == (
        TeachingRow(2, "7HB1 Eng", "", "", TeachingRole.TEACHER, "KPA", "G823201000101"),
    )


def test_an_email_is_used_before_a_code_and_null_is_an_empty_cell() -> None:
    teaching = read_teaching(
        b"Academic Unit,Student ID,Staff Email,Staff Code,Role\n"
        b"7M English,1021,d.shaw@mp.example,DSH,Teacher\n"
        b"7M,NULL,NULL,DSH,Form Tutor\n"
    )
    assert teaching.ok, teaching.problems
    assert [(r.staff_email, r.staff_code, r.pupil_mis_id) for r in teaching.rows] == [
        ("d.shaw@mp.example", "", "1021"),
        ("", "DSH", ""),
    ]


def test_without_staff_or_pupil_columns_both_ways_of_giving_them_are_named() -> None:
    teaching = read_teaching(b"Class,Teacher\n7FE/Ma1,Mr Smith\n")
    reasons = [p.reason for p in teaching.problems]
    assert 'or give "Staff code"' in reasons[0] and 'or give "UPN"' in reasons[1]
