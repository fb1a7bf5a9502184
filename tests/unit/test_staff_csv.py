"""The staff list reader: accepted forms of each cell, and every broken file in the corpus."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.content.staff_csv import StaffFile, management_cycles, read_staff_csv
from bot.domain.people import (
    JobRole,
    PersonValueError,
    Role,
    parse_job_role,
    parse_roles,
    parse_working_days,
)

CORPUS = Path(__file__).parents[1] / "fixtures" / "staff"
DEMO = Path(__file__).parents[2] / "demo" / "staff.csv"


def read(name: str) -> StaffFile:
    return read_staff_csv((CORPUS / name).read_bytes())


def problems(staff_file: StaffFile) -> list[tuple[int, str]]:
    return [(p.line, p.column) for p in staff_file.problems]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Teacher", JobRole.TEACHER),
        ("TA", JobRole.TEACHING_ASSISTANT),
        (" teaching  assistant ", JobRole.TEACHING_ASSISTANT),
        ("LSA", JobRole.TEACHING_ASSISTANT),
        ("H.L.T.A.", JobRole.TEACHING_ASSISTANT),
        ("Support staff", JobRole.SUPPORT_STAFF),
        ("Admin", JobRole.SUPPORT_STAFF),
        ("Lunchtime supervisor", JobRole.SUPPORT_STAFF),
        ("SLT", JobRole.SENIOR_LEADER),
        ("Headteacher", JobRole.SENIOR_LEADER),
        ("Deputy Head", JobRole.SENIOR_LEADER),
        ("teaching_assistant", JobRole.TEACHING_ASSISTANT),
        ("senior-leader", JobRole.SENIOR_LEADER),
    ],
)
def test_job_roles_are_read_as_schools_write_them(written: str, expected: JobRole) -> None:
    assert parse_job_role(written) is expected


@pytest.mark.parametrize("written", ["Wizard", "", "Teacher TA"])
def test_an_unknown_job_role_names_what_is_allowed(written: str) -> None:
    with pytest.raises(PersonValueError, match="Allowed: Teacher; Teaching assistant"):
        parse_job_role(written)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("", {Role.STAFF}),
        ("staff", {Role.STAFF}),
        ("SENDCO, line manager", {Role.STAFF, Role.SENDCO, Role.LINE_MANAGER}),
        ("senco;Line-Manager", {Role.STAFF, Role.SENDCO, Role.LINE_MANAGER}),
        ("ADMIN line_manager", {Role.STAFF, Role.ADMIN, Role.LINE_MANAGER}),
    ],
)
def test_roles_are_separated_by_commas_semicolons_or_spaces(
    written: str, expected: set[Role]
) -> None:
    assert parse_roles(written) == expected


def test_an_unknown_role_is_named() -> None:
    with pytest.raises(PersonValueError, match='"governor" is not a role we know'):
        parse_roles("staff, governor")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("", {1, 2, 3, 4, 5}),
        ("Mon-Fri", {1, 2, 3, 4, 5}),
        ("Full time", {1, 2, 3, 4, 5}),
        ("Mon, Tue, Thu", {1, 2, 4}),
        ("Monday Wednesday", {1, 3}),
        ("Tuesday to Thursday", {2, 3, 4}),
        ("Mon \u2013 Wed", {1, 2, 3}),
        ("Tues & Thurs", {2, 4}),
        ("Mon/Weds and Fri", {1, 3, 5}),
        ("Weekdays", {1, 2, 3, 4, 5}),
        ("M T W", {1, 2, 3}),
        ("M T W T F", {1, 2, 3, 4, 5}),
        ("T T", {2, 4}),
        ("W T F", {3, 4, 5}),
        ("1,2,3", {1, 2, 3}),
        ("1-3", {1, 2, 3}),
        ("Fri Sat", {5, 6}),
        ("Mon-Sun", {1, 2, 3, 4, 5, 6, 7}),
    ],
)
def test_working_days_accept_the_documented_forms(written: str, expected: set[int]) -> None:
    assert parse_working_days(written) == expected


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("T", "lone T"),
        ("T F", "lone T"),
        ("Fri-Mon", "run forwards"),
        ("1,6", "Sat or Sun"),
        ("S", "Sat or Sun"),
        ("135", "not a list of working days"),
        ("mornings", "not a list of working days"),
    ],
)
def test_unreadable_working_days_say_why(written: str, reason: str) -> None:
    with pytest.raises(PersonValueError, match=reason):
        parse_working_days(written)


def test_the_demo_school_reads_cleanly() -> None:
    demo = read_staff_csv(DEMO.read_bytes())
    assert demo.problems == () and demo.outside_managers == ()
    assert 38 <= len(demo.rows) <= 42
    sendco = next(row for row in demo.rows if row.email == "sendco@oakhill.example")
    assert sendco.roles >= {Role.SENDCO, Role.LINE_MANAGER}
    tas = [row for row in demo.rows if row.line_manager_email == sendco.email]
    assert len(tas) == 8 and all(row.job_role is JobRole.TEACHING_ASSISTANT for row in tas)
    assert sum(1 for row in tas if len(row.working_days) < 5) >= 4


def test_semicolons_and_the_excel_byte_order_mark_are_read() -> None:
    staff_file = read("semicolon_bom_valid.csv")
    assert staff_file.problems == ()
    ann, ben, cara = staff_file.rows
    assert (ann.line, ben.line, cara.line) == (2, 4, 5)  # the blank line 3 still counts
    assert ann.name == "Ann Archer" and ann.job_role is JobRole.SENIOR_LEADER
    assert ben.department == "Maths, Science" and ben.working_days == {1, 2, 4}
    assert cara.roles == {Role.STAFF, Role.SENDCO} and cara.working_days == {1, 2, 3}
    assert cara.line_manager_email == "ann.archer@oakhill.example"


def test_upper_case_headings_with_spaces_are_read_and_emails_lowered() -> None:
    staff_file = read("upper_case_headers_valid.csv")
    assert staff_file.problems == ()
    ann, ben = staff_file.rows
    assert ann.email == "ann.archer@oakhill.example" and ann.roles == {Role.STAFF, Role.ADMIN}
    assert ann.working_days == {1, 3}
    assert ben.line_manager_email == "ann.archer@oakhill.example"
    assert ben.job_role is JobRole.SUPPORT_STAFF and ben.working_days == {1, 2, 3}


@pytest.mark.parametrize(
    ("name", "expected", "reason"),
    [
        ("missing_required_column.csv", [(1, "Job role")], "There is no Job role column"),
        ("bad_email.csv", [(3, "Email"), (4, "Email")], "not an email address"),
        ("duplicate_email.csv", [(4, "Email")], "also on line 2"),
        ("unknown_job_role.csv", [(3, "Job role")], '"Wizard" is not a job role'),
        ("self_manager.csv", [(2, "Line manager email")], "own line manager"),
        ("cycle.csv", [(2, "Line manager email"), (3, "Line manager email"),
                       (4, "Line manager email")], "go round in a circle"),
        ("bad_working_days.csv", [(3, "Working days"), (4, "Working days"),
                                  (5, "Working days")], "Working days"),
        ("empty.csv", [(1, "")], "The file is empty"),
        ("header_only.csv", [(1, "")], "no staff below it"),
    ],
)  # fmt: skip
def test_each_broken_file_names_its_lines_and_columns(
    name: str, expected: list[tuple[int, str]], reason: str
) -> None:
    staff_file = read(name)
    assert problems(staff_file) == expected
    assert any(re.search(reason, str(p)) for p in staff_file.problems)
    # A row with a problem is never handed on to be stored.
    assert not {row.line for row in staff_file.rows} & {line for line, _ in expected}


def test_a_cycle_names_the_chain_and_the_person_hanging_below_it_is_kept() -> None:
    staff_file = read("cycle.csv")
    assert "ann.archer@oakhill.example → ben.booth@oakhill.example" in str(staff_file.problems[0])
    # Dev Dale is managed by someone in the circle but is not part of it.
    assert [row.name for row in staff_file.rows] == ["Dev Dale"]


def test_a_manager_outside_the_file_is_left_for_the_database_to_check() -> None:
    staff_file = read("unknown_line_manager.csv")
    assert staff_file.problems == ()
    assert staff_file.outside_managers == ((3, "nobody@oakhill.example"),)


def test_every_bad_row_is_listed_at_once_with_spreadsheet_line_numbers() -> None:
    staff_file = read("many_problems.csv")
    assert problems(staff_file) == [
        (4, "Email"),
        (5, "Job role"),
        (6, "Line manager email"),
        (8, "Working days"),
    ]
    assert [row.line for row in staff_file.rows] == [2, 7]
    assert staff_file.outside_managers == ((7, "nobody@oakhill.example"),)


def test_a_duplicated_column_and_a_missing_one_are_both_reported() -> None:
    staff_file = read_staff_csv(b"Name,Full name,Job role\nAnn,Ann Archer,Teacher\n")
    assert [(p.line, p.column) for p in staff_file.problems] == [(1, "Full name"), (1, "Email")]


def test_tab_separated_files_are_read_too() -> None:
    staff_file = read_staff_csv(b"Name\tEmail\tJob role\nAnn, the head\tann@oakhill.example\tSLT\n")
    assert staff_file.problems == () and staff_file.rows[0].name == "Ann, the head"


def test_short_rows_and_extra_columns_are_fine() -> None:
    staff_file = read_staff_csv(
        b"Name,Email,Job role,Payroll number,Working days\nAnn,ann@oakhill.example,TA\n"
    )
    assert staff_file.problems == ()
    assert staff_file.rows[0].working_days == {1, 2, 3, 4, 5}


def test_overlong_values_are_refused_before_the_database_sees_them() -> None:
    data = f"Name,Email,Job role\n{'A' * 201},ann@oakhill.example,TA\n".encode()
    assert problems(read_staff_csv(data)) == [(2, "Name")]


def test_management_cycles_are_found_once_each() -> None:
    managers = {"a": "b", "b": "a", "c": "a", "d": "e", "e": "f", "f": "d", "g": "g"}
    found = sorted(sorted(cycle) for cycle in management_cycles(managers))
    assert found == [["a", "b"], ["d", "e", "f"], ["g"]]
    assert management_cycles({"a": "b", "b": "c"}) == []
