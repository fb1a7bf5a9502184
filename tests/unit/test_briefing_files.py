"""Briefing files: every broken file is refused with its line and what is allowed."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bot.content.briefing_files import read_briefing_file, read_briefing_folder
from bot.content.problems import FileProblem, in_reading_order

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "briefings"
SHIPPED = ROOT / "briefings"
HEADER = "---\ntitle: Adapt first, then refer\naudience: all\nsend_on: 2026-12-01\n---\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def errors(problems: list[FileProblem]) -> list[tuple[int | None, str]]:
    return [(p.line, p.message) for p in problems if p.is_error]


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        ("missing-field.md", 1, "no send_on line"),
        ("unknown-field.md", 5, "'author' is not something a briefing header can hold"),
        ("bad-date.md", 4, "'31/02/2026' is not a real date"),
        ("bad-audience.md", 5, "'pupils' is not an audience"),
        ("title-too-long.md", 2, "the title has 166 characters; at most 150"),
        ("bullet-too-long.md", 8, "this bullet point has 359 characters; at most 280"),
        ("non-bullet-line.md", 9, "only bullet points can go below the header"),
        ("yaml-error.md", 3, "the header cannot be read"),
        ("Bad_Slug.md", None, "the file name can use only lower-case letters, digits and hyphens"),
        ("empty.md", 1, "the file is empty"),
    ],
)
def test_a_broken_file_is_refused_with_its_line(name: str, line: int | None, words: str) -> None:
    draft, problems = read_briefing_file(FIXTURES / name)

    assert draft is None
    found = errors(problems)
    assert len(found) == 1, found
    assert found[0][0] == line
    assert words in found[0][1]
    assert all(p.file == str(FIXTURES / name) for p in problems)


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("unknown-field.md", "Allowed: title, audience, send_on"),
        ("bad-audience.md", "Allowed: all, teachers, teaching assistants"),
        ("bad-date.md", "check the day and the month"),
        ("yaml-error.md", "put the value in quotes"),
        ("non-bullet-line.md", "start the line with '- '"),
        ("missing-field.md", "e.g. 'send_on: 2026-12-01'"),
    ],
)
def test_each_error_says_what_is_allowed(name: str, allowed: str) -> None:
    _draft, problems = read_briefing_file(FIXTURES / name)
    assert allowed in errors(problems)[0][1]


def test_a_good_file_gives_a_draft() -> None:
    draft, problems = read_briefing_file(FIXTURES / "good-briefing.md")

    assert problems == []
    assert draft is not None
    assert draft.slug == "good-briefing"
    assert draft.title == "SEN support: the basics"
    assert draft.audience == ("teachers", "department: Science")
    assert draft.send_on == date(2026, 12, 1)  # written 01/12/2026: day first, as in England
    assert draft.bullets == (
        "SEN support runs as a cycle: assess, plan, do, review (SEND Code of Practice 6.44).",
        "Adapt your teaching first (SEND Code of Practice 6.37).",
    )


def test_six_bullets_is_a_warning_and_the_draft_still_loads() -> None:
    draft, problems = read_briefing_file(FIXTURES / "six-bullets.md")

    assert draft is not None and len(draft.bullets) == 6
    assert [(p.line, p.is_error) for p in problems] == [(6, False)]
    assert "6 bullets; 5 at most" in problems[0].message


def test_the_folder_is_read_by_file_name_skipping_readme_and_other_files() -> None:
    drafts, problems = read_briefing_folder(FIXTURES)

    assert [d.slug for d in drafts] == ["good-briefing", "six-bullets"]
    files = {Path(p.file).name for p in problems}
    assert "README.md" not in files and "notes.txt" not in files
    assert "Bad_Slug.md" in files and "empty.md" in files
    assert sum(p.is_error for p in problems) == 10


def test_a_missing_folder_is_one_clear_error(tmp_path: Path) -> None:
    drafts, problems = read_briefing_folder(tmp_path / "briefngs")

    assert drafts == []
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'briefngs'}: this folder does not exist; "
        "give the folder that holds the briefing files"
    ]


def test_an_empty_folder_is_a_warning(tmp_path: Path) -> None:
    write(tmp_path, "README.md", "Not a briefing.\n")
    drafts, problems = read_briefing_folder(tmp_path)
    assert drafts == [] and [p.is_error for p in problems] == [False]


def test_a_problem_reads_as_file_line_and_message() -> None:
    problem = FileProblem("briefings/x.md", 3, "the title is empty")
    assert str(problem) == "briefings/x.md, line 3: the title is empty"
    assert str(FileProblem("briefings/X.md", None, "rename it")) == "briefings/X.md: rename it"
    assert problem.kind == "error" and FileProblem("f", 1, "m", is_error=False).kind == "warning"


def test_problems_read_errors_first_then_by_file_and_line() -> None:
    late_warning = FileProblem("a.md", 1, "w", is_error=False)
    second = FileProblem("b.md", 7, "e")
    first = FileProblem("b.md", 2, "e")
    assert in_reading_order([late_warning, second, first]) == [first, second, late_warning]


def test_a_bullet_carries_on_onto_an_indented_line_but_cannot_be_nested(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "carry-on.md",
        HEADER + "- Assess, plan,\n    do, review.\n  - a point inside a point\n",
    )
    draft, problems = read_briefing_file(path)
    assert draft is None
    assert errors(problems) == [
        (
            8,
            "bullet points cannot go inside one another; start this point at the beginning "
            "of the line, or join it to the point above",
        )
    ]


def test_audience_forms_a_sendco_may_write(tmp_path: Path) -> None:
    listed = write(
        tmp_path,
        "listed.md",
        "---\ntitle: T\naudience:\n  - Teachers\n  - department: Science\nsend_on: 2026-12-01\n"
        "---\n- A point.\n",
    )
    commas = write(
        tmp_path,
        "commas.md",
        "---\ntitle: T\naudience: teachers, teaching assistants\nsend_on: 2026-12-01\n---\n"
        "- A point.\n",
    )
    assert read_briefing_file(listed)[0].audience == ("teachers", "department: Science")  # type: ignore[union-attr]
    assert read_briefing_file(commas)[0].audience == ("teachers", "teaching assistants")  # type: ignore[union-attr]


def test_an_empty_audience_and_a_field_given_twice_are_errors(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "twice.md",
        "---\ntitle: T\naudience: []\ntitle: U\nsend_on: 2026-12-01\n---\n- A point.\n",
    )
    found = errors(read_briefing_file(path)[1])
    assert [line for line, _ in found] == [3, 4]
    assert "the audience is empty" in found[0][1]
    assert "title is given twice (also on line 2)" in found[1][1]


def test_a_date_in_another_form_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "date.md", HEADER.replace("2026-12-01", "1st December") + "- A.\n")
    assert errors(read_briefing_file(path)[1]) == [
        (
            4,
            "send_on '1st December' is not a date sendbot can read; write it as 2026-12-01 "
            "(year-month-day) or 01/12/2026 (day/month/year)",
        )
    ]


def test_a_misspelt_field_gets_a_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, "typo.md", HEADER.replace("send_on", "sendon") + "- A point.\n")
    found = errors(read_briefing_file(path)[1])
    assert found[0] == (
        4,
        "'sendon' is not something a briefing header can hold (did you mean send_on?). "
        "Allowed: title, audience, send_on",
    )
    assert "no send_on line" in found[1][1]


def test_a_header_that_is_never_closed_or_missing(tmp_path: Path) -> None:
    unclosed = write(tmp_path, "unclosed.md", HEADER.removesuffix("---\n") + "- A point.\n")
    no_header = write(tmp_path, "no-header.md", "- A point.\n")
    assert "never closed" in errors(read_briefing_file(unclosed)[1])[0][1]
    assert "must start with a line '---'" in errors(read_briefing_file(no_header)[1])[0][1]


def test_no_bullets_is_an_error_on_the_closing_line(tmp_path: Path) -> None:
    path = write(tmp_path, "no-bullets.md", HEADER + "\n")
    assert errors(read_briefing_file(path)[1]) == [
        (5, "there are no bullets; write each point as a line '- ...'")
    ]


def test_body_problems_are_reported_even_when_the_header_is_broken(tmp_path: Path) -> None:
    path = write(tmp_path, "both.md", "---\ntitle: A: B\n---\n- A point.\nA paragraph.\n")
    assert [line for line, _ in errors(read_briefing_file(path)[1])] == [2, 5]


def test_an_unexplained_abbreviation_is_a_warning_on_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "abbr.md", HEADER + "- A point.\n- Ask the LA early.\n")
    draft, problems = read_briefing_file(path)
    assert draft is not None
    assert [(p.line, p.is_error) for p in problems] == [(7, False)]
    assert "uses 'LA' without saying what it stands for" in problems[0].message


def test_an_abbreviation_explained_in_the_plural_is_not_warned_about(tmp_path: Path) -> None:
    path = write(tmp_path, "plural.md", HEADER + "- Ask the local authorities (LAs) early.\n")
    assert read_briefing_file(path)[1] == []


def test_a_byte_order_mark_is_fine_and_a_file_that_is_not_text_is_refused(tmp_path: Path) -> None:
    bom = tmp_path / "bom.md"
    bom.write_text(HEADER + "- A point.\n", encoding="utf-8-sig")
    binary = tmp_path / "binary.md"
    binary.write_bytes(b"\xff\xfe\x00---\x80\x81")
    draft, problems = read_briefing_file(bom)
    assert problems == [] and draft is not None and draft.title == "Adapt first, then refer"
    assert errors(read_briefing_file(binary)[1]) == [
        (None, "the file is not plain text; save it again as UTF-8 text")
    ]


def test_the_shipped_briefings_are_clean_short_and_sourced() -> None:
    drafts, problems = read_briefing_folder(SHIPPED)

    assert [str(p) for p in problems] == []
    assert [(d.slug, d.send_on) for d in drafts] == [
        ("ehc-plans", date(2026, 12, 8)),
        ("graduated-approach", date(2026, 11, 25)),
        ("working-with-parents", date(2026, 12, 1)),
    ]
    for draft in drafts:
        assert draft.audience == ("all",)
        assert 1 <= len(draft.bullets) <= 5
        for bullet in draft.bullets:
            assert re.search(r"\(SEND Code of Practice \d+\.\d+\)\.$", bullet), bullet
