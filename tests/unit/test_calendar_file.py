"""Reading calendar files: both formats, and every problem named for school staff at once."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from icalendar import Calendar, Event

from bot.content.calendar_file import (
    CalendarFileError,
    ClosureDates,
    TermDates,
    load_calendar_file,
    parse_date,
    parse_ics,
    parse_yaml,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "calendar"
DEMO = Path(__file__).parent.parent.parent / "demo" / "calendar.yaml"
AUTUMN = (
    TermDates("Autumn 1", date(2026, 9, 3), date(2026, 10, 23)),
    TermDates("Autumn 2", date(2026, 11, 2), date(2026, 12, 18)),
)


def problems_of(path: Path) -> list[str]:
    with pytest.raises(CalendarFileError) as caught:
        load_calendar_file(path)
    return caught.value.problems


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_yaml_file_gives_terms_closures_and_a_warning() -> None:
    loaded = load_calendar_file(FIXTURES / "good.yaml")
    assert loaded.terms == AUTUMN
    assert loaded.closures == (
        ClosureDates(date(2026, 9, 4), date(2026, 9, 4), "INSET day"),
        ClosureDates(date(2026, 10, 28), date(2026, 10, 28), "Boiler repair"),
        ClosureDates(date(2026, 11, 5), date(2026, 11, 6), "Strike"),
    )
    # The boiler closure is in half term: worth a word, not a refusal.
    assert len(loaded.warnings) == 1
    assert "line 10" in loaded.warnings[0] and "outside every term" in loaded.warnings[0]


def test_a_broken_yaml_file_lists_every_problem_with_its_line() -> None:
    problems = problems_of(FIXTURES / "broken.yaml")
    expected = [
        ("broken.yaml: unknown key 'holidays'", "only 'terms' and 'closures'"),
        ("line 5 (term 3 'Spring 1')", "ends (2027-01-04) before it starts (2027-02-12)"),
        ("line 6 (term 4 'Spring 2')", "'2027-02-30' is not a real day"),
        ("line 7 (term 5 'Summer 1')", "'next April' is not a date; write dates as"),
        ("line 8 (term 6 'Summer 2')", "'end' is missing"),
        ("line 9 (term 7 'Summer 3')", "unknown key 'ends'"),
        ("line 13 (closure 3)", "'date' is missing"),
        ("line 14 (closure 4)", "not both"),
        ("line 4 (term 2 'Autumn 2')", "overlaps broken.yaml line 3 (term 1 'Autumn 1')"),
        ("line 12 (closure 2)", "the same days as broken.yaml line 11 (closure 1)"),
    ]
    assert len(problems) == len(expected), problems
    for problem, (where, what) in zip(problems, expected, strict=True):
        assert where in problem and what in problem, problem


def test_the_error_text_names_the_file_and_says_nothing_changed() -> None:
    with pytest.raises(CalendarFileError) as caught:
        load_calendar_file(FIXTURES / "broken.yaml")
    text = str(caught.value)
    assert text.startswith(f"The calendar file {FIXTURES / 'broken.yaml'} was not loaded (10 ")
    assert "Nothing was changed" in text and "docs/calendar.md" in text
    assert isinstance(caught.value, ValueError)


def test_a_yaml_syntax_error_gives_its_line() -> None:
    [problem] = problems_of(FIXTURES / "syntax.yaml")
    assert problem.startswith("syntax.yaml line 4, column 9: this is not valid YAML")
    assert "line 3" in problem


def test_a_good_ics_file_reads_all_day_events_with_an_exclusive_end() -> None:
    loaded = load_calendar_file(FIXTURES / "good.ics")
    assert loaded.terms == AUTUMN
    assert loaded.closures == (
        ClosureDates(date(2026, 9, 4), date(2026, 9, 4), "INSET day"),
        ClosureDates(date(2026, 11, 5), date(2026, 11, 6), "Strike"),
        ClosureDates(date(2026, 12, 1), date(2026, 12, 2), "School closed (snow)"),
    )
    assert loaded.ignored == 1
    assert loaded.warnings == (
        "good.ics: 1 event(s) are neither terms nor closures and were left out "
        "(e.g. 'Parents' evening')",
    )


def test_a_broken_ics_file_lists_every_problem_with_its_line() -> None:
    problems = problems_of(FIXTURES / "broken.ics")
    expected = [
        ("line 16 (event 'INSET afternoon')", "DTSTART has a time; make it an all-day event"),
        ("line 16 (event 'INSET afternoon')", "DTEND has a time"),
        ("line 22 (event 'Term: Spring 1')", "on or before it starts"),
        ("line 28 (event 'Strike')", "'20261399' is not a date"),
        ("line 34 (event 'School closed')", "repeating events are not allowed"),
        ("line 40 (event 'Confusing')", "both categories TERM and CLOSURE"),
        ("line 46 (event 'Term:')", "the term has no name; write its SUMMARY as 'Term: Autumn 1'"),
        ("line 10 (event 'Term: Autumn 2')", "overlaps broken.ics line 4"),
        ("line 57 (event 'Closure: INSET day again')", "the same days as broken.ics line 52"),
    ]
    assert len(problems) == len(expected), problems
    for problem, (where, what) in zip(problems, expected, strict=True):
        assert where in problem and what in problem, problem


def ics(*events: Event) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//sendbot tests//")
    calendar.add("version", "2.0")
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical()


def event(summary: str, start: date, end: date | None = None, **extra: object) -> Event:
    made = Event()
    made.add("summary", summary)
    made.add("dtstart", start)
    if end is not None:
        made.add("dtend", end)
    for key, value in extra.items():
        made.add(key, value)
    return made


def test_ics_built_by_the_icalendar_package_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "export.ics"
    path.write_bytes(
        ics(
            event("Autumn 1", date(2026, 9, 3), date(2026, 10, 24), categories=["TERM"]),
            event("Training", date(2026, 9, 4), categories=["Closure", "Staff"]),
            event("Staff INSET", date(2026, 10, 12)),
            event("Sports day", date(2026, 10, 13)),
        )
    )
    loaded = load_calendar_file(path)
    assert loaded.terms == (AUTUMN[0],)
    assert [c.reason for c in loaded.closures] == ["Training", "Staff INSET"]
    assert loaded.closures[0].first == loaded.closures[0].last == date(2026, 9, 4)
    assert loaded.ignored == 1


def test_an_ics_file_with_no_terms_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "closures.ics"
    path.write_bytes(ics(event("INSET day", date(2026, 9, 4))))
    [problem] = problems_of(path)
    assert problem == "closures.ics: there are no terms; a calendar needs at least one term"


def test_something_that_is_not_icalendar_is_refused(tmp_path: Path) -> None:
    [problem] = problems_of(write(tmp_path, "terms.ics", "Autumn 1, 3 Sep to 23 Oct\n"))
    assert problem.startswith("terms.ics: this is not an iCalendar file that can be read")


def test_a_file_with_another_extension_is_refused(tmp_path: Path) -> None:
    [problem] = problems_of(write(tmp_path, "terms.csv", "name,start,end\n"))
    assert problem == "terms.csv: a calendar file must end in .yaml, .yml or .ics, not '.csv'"


def test_a_missing_file_is_refused_plainly(tmp_path: Path) -> None:
    [problem] = problems_of(tmp_path / "nowhere.yml")
    assert problem == "nowhere.yml: the file cannot be read (No such file or directory)"


def test_a_file_that_is_not_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "terms.yaml"
    path.write_bytes(b"\xff\xfe\x00terms")
    [problem] = problems_of(path)
    assert "not plain text" in problem


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("", "must hold a 'terms:' list"),
        ("- just a list\n", "must hold a 'terms:' list"),
        ("terms: []\n", "there are no terms"),
        ("terms: Autumn\n", "'terms' must be a list"),
        ("terms:\n  - Autumn 1\n", "line 2 (term 1): write each term like {name: Autumn 1"),
        ("terms:\n  - {name: '', start: 2026-09-03, end: 2026-10-23}\n", "'name' must be some"),
        ("terms:\n  - {name: A, start: 2026-09-03 09:00, end: 2026-10-23}\n", "not a date"),
        ("terms:\n  - {name: A, start: 2026-09-03, end: 2026-09-03}\n" + "x: 1\n", "'x'"),
    ],
)
def test_badly_shaped_yaml_is_refused_with_a_reason(tmp_path: Path, text: str, wanted: str) -> None:
    problems = problems_of(write(tmp_path, "calendar.yaml", text))
    assert any(wanted in problem for problem in problems), problems


def test_a_name_longer_than_the_table_allows_is_refused(tmp_path: Path) -> None:
    long = "A" * 101
    path = write(
        tmp_path, "c.yml", f"terms:\n  - {{name: {long}, start: 2026-09-03, end: 2026-10-23}}\n"
    )
    [problem] = problems_of(path)
    assert "'name' is 101 characters long; at most 100" in problem


def test_one_day_terms_and_touching_terms_are_allowed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c.yaml",
        "terms:\n"
        "  - {name: One day, start: 2026-09-03, end: 2026-09-03}\n"
        "  - {name: Next day, start: 2026-09-04, end: 2026-09-10}\n"
        "closures:\n"
        "  - {start: 2026-09-04, end: 2026-09-04}\n",
    )
    loaded = load_calendar_file(path)
    assert [t.name for t in loaded.terms] == ["One day", "Next day"]
    assert loaded.closures == (ClosureDates(date(2026, 9, 4), date(2026, 9, 4), ""),)
    assert loaded.warnings == ()


def test_terms_inside_a_longer_term_each_name_the_term_they_overlap(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        "c.yaml",
        "terms:\n"
        "  - {name: A, start: 2026-09-01, end: 2026-12-18}\n"
        "  - {name: B, start: 2026-10-01, end: 2026-10-10}\n"
        "  - {name: C, start: 2026-11-01, end: 2026-11-10}\n",
    )
    problems = problems_of(path)
    # B and C both sit inside A: each overlap is named against the term it runs into.
    assert len(problems) == 2
    assert "term 2 'B'" in problems[0] and "term 1 'A'" in problems[0]
    assert "term 3 'C'" in problems[1] and "term 1 'A'" in problems[1]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-09-03", date(2026, 9, 3)),
        ("2026-9-3", date(2026, 9, 3)),
        ("03/09/2026", date(2026, 9, 3)),
        ("3/9/2026", date(2026, 9, 3)),
        (date(2026, 9, 3), date(2026, 9, 3)),
    ],
)
def test_dates_are_read_in_iso_and_british_order(value: object, expected: date) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["09/03/26", "2026/09/03", "31/02/2027", "Sept 3", "", 20260903])
def test_other_dates_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match="not a"):
        parse_date(value)


def test_the_demo_calendar_loads_cleanly() -> None:
    loaded = load_calendar_file(DEMO)
    assert [t.name for t in loaded.terms] == [
        "Autumn 1",
        "Autumn 2",
        "Spring 1",
        "Spring 2",
        "Summer 1",
        "Summer 2",
    ]
    assert loaded.terms[0].first == date(2026, 9, 1) and loaded.terms[-1].last == date(2027, 7, 21)
    assert loaded.warnings == ()
    inset = [c for c in loaded.closures if "INSET" in c.reason]
    assert sum((c.last - c.first).days + 1 for c in inset) == 4


def test_the_examples_in_the_docs_load_without_warnings() -> None:
    doc = (Path(__file__).parent.parent.parent / "docs" / "calendar.md").read_text()
    blocks = re.findall(r"```(\w*)\n(.*?)```", doc, re.DOTALL)
    yaml_text = next(body for lang, body in blocks if lang == "yaml")
    ics_text = next(body for _, body in blocks if body.startswith("BEGIN:VCALENDAR"))
    from_yaml = parse_yaml(yaml_text, "calendar.yaml")
    from_ics = parse_ics(ics_text.encode(), "calendar.ics")
    assert from_yaml.warnings == () and from_ics.warnings == ()
    assert from_ics.terms == from_yaml.terms[:1]
    assert from_ics.closures[0] == from_yaml.closures[0]
