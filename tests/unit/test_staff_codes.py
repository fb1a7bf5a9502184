"""The MIS staff list read for its staff codes: which code belongs to which email."""

from __future__ import annotations

from pathlib import Path

from bot.content.staff_codes import read_staff_codes

CORPUS = Path(__file__).parents[1] / "corpus" / "teaching"


def test_a_sims_staff_list_gives_each_code_its_email() -> None:
    codes = read_staff_codes((CORPUS / "sims-staff-list.csv").read_bytes())
    assert codes.ok
    assert codes.codes["SON"] == "sinead.oneill@oakhill.example"
    assert len(codes.codes) == 7


def test_people_with_no_code_or_no_email_are_passed_over() -> None:
    codes = read_staff_codes(
        b"Staff Code,Surname,Work Email\nTHA,Hargreaves,Tom.H@s.example\n,Cleaner,\nGOV,Gov,\n"
    )
    assert codes.codes == {"THA": "tom.h@s.example"} and codes.passed_over == 2


def test_a_code_for_two_people_or_two_codes_for_one_person_names_both_lines() -> None:
    codes = read_staff_codes(
        b"Staff Code,Work Email\n"
        b"THA,tom@s.example\n"
        b"THA,tim@s.example\n"
        b"TOM,tom@s.example\n"
        b"THA,tom@s.example\n"  # the same pairing twice is harmless
        b"T H,x@s.example\n"
        b"XY,not-an-email\n"
    )
    assert [(p.line, p.column) for p in codes.problems] == [
        (3, "Staff Code"), (4, "Work Email"), (6, "Staff Code"), (7, "Work Email"),
    ]  # fmt: skip
    assert "also on line 2" in codes.problems[0].reason
    assert "another code on line 2" in codes.problems[1].reason
    assert codes.codes == {}


def test_a_list_without_codes_says_what_it_needs() -> None:
    codes = read_staff_codes(b"Name,Email\nTom,tom@s.example\n")
    assert not codes.ok and "staff code column and an email column" in codes.problems[0].reason
    assert 'headings found: "Name", "Email"' in codes.problems[0].reason
