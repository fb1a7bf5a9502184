"""Question bank files in every format: good ones read alike, bad ones are refused on their line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.quiz.common import NO_DEFAULTS, Defaults
from bot.content.quiz.csv_bank import read_csv
from bot.content.quiz.files import WRITERS, format_of, read_quiz_file, read_quiz_folder
from bot.content.quiz.gift import read_gift
from bot.content.quiz.native import read_native
from bot.domain.quiz import Area, QuestionDraft

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "quizzes"
SHIPPED = ROOT / "quizzes"
FILL = Defaults(area="general", source="Moodle Docs, import formats", explanation="See Moodle.")


def errors(path: Path, defaults: Defaults = NO_DEFAULTS) -> list[tuple[int | None, str]]:
    drafts, problems = read_quiz_file(path, defaults=defaults)
    assert drafts == [] or not any(p.is_error for p in problems)
    return [(p.line, p.message) for p in problems if p.is_error]


def has(found: list[tuple[int | None, str]], line: int, words: str) -> bool:
    return any(at == line and words in message for at, message in found)


GOOD = [
    QuestionDraft(
        qid="cop-graduated-cycle",
        prompt="SEN support runs as a cycle. Which one?",
        options=(
            "Identify, refer, wait, review",
            "Assess, plan, do, review",
            "Plan, teach, test, repeat",
        ),
        correct=frozenset({1}),
        explanation="The graduated approach is assess, plan, do, review.",
        area=Area.GENERAL,
        source="SEND Code of Practice 6.44",
        tags=("graduated approach",),
    ),
    QuestionDraft(
        qid="sensory-codes",
        prompt="Which codes are sensory and/or physical?",
        options=("HI", "SLCN", "VI"),
        correct=frozenset({0, 2}),
        explanation="HI and VI are sensory and/or physical.",
        area=Area.SENSORY_AND_PHYSICAL,
        source="DfE school census guidance",
        tags=("need codes", "areas of need"),
        audience=("teacher", "teaching_assistant"),
        multi=True,
    ),
]


@pytest.mark.parametrize("name", ["good.quiz", "good.csv", "good.gift"])
def test_the_same_questions_read_alike_in_every_format(name: str) -> None:
    drafts, problems = read_quiz_file(FIXTURES / name)
    assert problems == []
    expected = GOOD if name != "good.csv" else [GOOD[0], _only_teachers(GOOD[1])]
    assert drafts == expected


def _only_teachers(draft: QuestionDraft) -> QuestionDraft:
    return QuestionDraft(**{**draft.__dict__, "audience": ("teacher",)})


def test_aiken_needs_defaults_for_what_it_cannot_hold_and_numbers_its_ids() -> None:
    found = errors(FIXTURES / "good.aiken")
    assert [line for line, _ in found] == [1, 1, 1]
    assert "give --explanation" in found[0][1] and "give --area" in found[2][1]

    drafts, problems = read_quiz_file(FIXTURES / "good.aiken", defaults=FILL)
    assert problems == []
    assert [(d.qid, d.options[1], d.correct, d.area) for d in drafts] == [
        ("good-1", "Assess, plan, do, review", frozenset({1}), Area.GENERAL)
    ]


def test_moodles_documented_gift_examples() -> None:
    text = (FIXTURES / "moodle-examples.gift").read_text()
    drafts, report = read_gift(text, "moodle.gift", FILL, id_prefix="moodle")
    found = [(p.line, p.message) for p in report.problems if p.is_error]
    by_id = {d.qid: d for d in drafts}

    assert by_id["moodle-1"].options == ("Grant", "Jefferson", "no one")
    assert by_id["moodle-1"].correct == {2}
    assert by_id["moodle-2"].prompt == "Grant is _____ in Grant's tomb."
    assert by_id["moodle-10"].multi and by_id["moodle-10"].correct == {1, 2}
    assert by_id["grants-tomb"].explanation == "General feedback."
    assert by_id["grants-tomb"].options[2] == "right answer"
    for line, kind in [
        (6, "true/false"),
        (8, "true/false"),
        (10, "short-answer"),
        (12, "short-answer"),
        (14, "matching"),
        (16, "numerical"),
        (18, "essay"),
    ]:
        assert has(found, line, f"{kind} question"), (line, found)
    assert len(found) == 7
    warnings = [p.line for p in report.problems if not p.is_error]
    assert warnings == [29, 30, 31]


def test_moodles_documented_aiken_examples() -> None:
    found = errors(FIXTURES / "moodle-examples.aiken", FILL)
    assert found == [(15, "question 'moodle-examples-2': has 6 options; a question needs 2 to 5")]
    text = (FIXTURES / "moodle-examples.aiken").read_text().split("\n\n")[0]
    path = FIXTURES.parent / "first-example.aiken"
    try:
        path.write_text(text)
        drafts, _ = read_quiz_file(path, defaults=FILL)
    finally:
        path.unlink()
    assert drafts[0].correct == {3} and drafts[0].options[3] == "Must be this one!"


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        ("bad.quiz", 5, "'no-right-answer': no option is marked as the right answer"),
        ("bad.quiz", 17, "the id 'twice' is used twice (also on line 9)"),
        ("bad.quiz", 28, "'empty-prompt' has no question text; add a line 'Q: '"),
        ("bad.quiz", 39, "the explanation has 310 characters; at most 300"),
        ("bad.quiz", 42, "'behaviour' is not an area of need. Allowed: communication"),
        ("bad.quiz", 51, "'sauce' is not part of a question (did you mean source?)"),
        ("bad.csv", 2, "no option is marked as the right answer"),
        ("bad.csv", 3, "'not-an-option': the right answer is not one of the options"),
        ("bad.csv", 5, "the id 'twice' is used twice (also on line 4)"),
        ("bad.csv", 6, "has no question text; fill in the question column"),
        ("bad.csv", 7, "the explanation has 310 characters; at most 300"),
        ("bad.csv", 8, "'feelings' is not an area of need"),
        ("bad.csv", 9, "the right answer '1' should be the letter of an option, A to E"),
        ("bad.gift", 3, "no option is marked as the right answer"),
        ("bad.gift", 11, "the id 'twice' is used twice (also on line 7)"),
        ("bad.gift", 15, "has no question text; write the question before the '{'"),
        ("bad.gift", 19, "the explanation has 310 characters; at most 300"),
        ("bad.gift", 21, "'behaviour' is not an area of need"),
        ("bad.gift", 27, "the '{' here is not closed with '}' before the next '{'"),
        ("bad.aiken", 4, "'bad-1': the right answer is not one of the options"),
        ("bad.aiken", 6, "has no line 'ANSWER: B'"),
        ("bad.aiken", 10, "a question must come before its options"),
        ("bad.aiken", 17, "'ANSWER: A, C' should name one option by its letter"),
    ],
)
def test_each_bad_question_is_refused_on_its_line(name: str, line: int, words: str) -> None:
    found = errors(FIXTURES / name, FILL if name == "bad.aiken" else Defaults())
    assert has(found, line, words), found


@pytest.mark.parametrize(("name", "count"), [("bad.quiz", 7), ("bad.csv", 7), ("bad.gift", 6)])
def test_a_file_with_any_bad_question_gives_no_questions(name: str, count: int) -> None:
    drafts, problems = read_quiz_file(FIXTURES / name)
    assert drafts == []
    assert sum(p.is_error for p in problems) == count


def test_gift_without_area_or_source_is_reported_per_question_unless_defaults_are_given() -> None:
    text = "::one:: First? {=Yes ~No ####Why.}\n\n::two:: Second? {=Yes ~No ####Why.}\n"
    _, report = read_gift(text, "x.gift")
    found = [(p.line, p.message.split(";")[0]) for p in report.problems]
    assert found == [
        (1, "question 'one' has no source"),
        (1, "question 'one' has no area of need"),
        (3, "question 'two' has no source"),
        (3, "question 'two' has no area of need"),
    ]
    drafts, report = read_gift(text, "x.gift", Defaults(area="semh", source="CoP 6.32"))
    assert report.problems == []
    assert {(d.area, d.source) for d in drafts} == {(Area.SEMH, "CoP 6.32")}
    with_own = "// area: general\n" + text
    drafts, _ = read_gift(with_own, "x.gift", Defaults(area="semh", source="CoP 6.32"))
    assert [d.area for d in drafts] == [Area.GENERAL, Area.SEMH]  # the file's own value wins


def test_csv_headers_in_any_case_with_semicolons_and_an_excel_byte_order_mark() -> None:
    raw = (FIXTURES / "good.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw.split(b"\n")[0]
    text = "Question ID,PROMPT,Option_A,option b,Answer,Area of need,Source,Explain,Notes\n"
    text += "q-one,Which?,Yes,No,a,general,CoP 6.44,Because.,ignored\n"
    drafts, report = read_csv(text, "x.csv")
    assert [p.message for p in report.problems] == [
        "the column 'Notes' is not read; it is left out"
    ]
    assert drafts[0].qid == "q-one" and drafts[0].correct == {0}


def test_csv_without_the_needed_columns_says_which() -> None:
    _, report = read_csv("id,question,option A\nq,Which?,Yes\n", "x.csv")
    assert len(report.problems) == 1
    assert report.problems[0].line == 1
    assert "no column for option b, right answer" in report.problems[0].message


def test_native_line_that_is_not_understood_is_reported() -> None:
    text = (
        "id: q-one\narea: general\nsource: CoP\nQ: Which?\n* Yes\n- No\nexplain: Why.\nWho knows\n"
    )
    drafts, report = read_native(text, "x.quiz")
    assert drafts == []
    assert report.problems[0].line == 8
    assert report.problems[0].message.startswith("this line is not understood")


def test_format_of_a_txt_file_is_read_from_what_it_holds() -> None:
    assert format_of(Path("a.txt"), "Which?\nA. x\nB. y\nANSWER: A\n") == "aiken"
    assert format_of(Path("a.txt"), "Which? {=x ~y}") == "gift"
    assert format_of(Path("a.txt"), "id: x\nQ: Which?\n* x\n- y\n") == "native"
    assert format_of(Path("a.txt"), "nothing here") is None
    assert format_of(Path("a.CSV"), "") == "csv"


@pytest.mark.parametrize("fmt", ["native", "csv", "gift"])
def test_writing_then_reading_changes_nothing(fmt: str) -> None:
    drafts, _ = read_quiz_folder(SHIPPED)
    text = WRITERS[fmt](drafts)
    reader = {"native": read_native, "csv": read_csv, "gift": read_gift}[fmt]
    back, report = reader(text, f"export.{fmt}")
    assert report.problems == []
    assert back == drafts


def test_gift_escapes_its_special_characters() -> None:
    tricky = QuestionDraft(
        qid="tricky",
        prompt="Is 1+1=2? {Really} ~ maybe: #1",
        options=("Yes = right", "No ~ wrong", "C:\\ drive"),
        correct=frozenset({0}),
        explanation="Because {maths} #works.",
        area=Area.GENERAL,
        source="Arithmetic",
    )
    back, report = read_gift(WRITERS["gift"]([tricky]), "x.gift")
    assert report.problems == [] and back == [tricky]


def test_the_shipped_starter_bank_passes_every_check() -> None:
    drafts, problems = read_quiz_folder(SHIPPED)
    assert problems == []
    assert len(drafts) >= 60
    assert {d.area for d in drafts} >= {
        Area.COMMUNICATION_AND_INTERACTION,
        Area.COGNITION_AND_LEARNING,
        Area.SEMH,
        Area.SENSORY_AND_PHYSICAL,
    }
    assert all(d.source.strip() for d in drafts)
    assert any(d.audience == ("teacher",) for d in drafts)
    assert any(d.audience == ("teaching_assistant",) for d in drafts)
    prefixes = {d.qid.split("-")[0] for d in drafts}
    assert prefixes == {"area", "reg", "grad", "ehc", "par", "sendco", "eqa", "eef", "data"}


def test_the_shipped_template_imports_cleanly() -> None:
    drafts, problems = read_quiz_file(SHIPPED / "template.csv")
    assert problems == []
    assert [d.multi for d in drafts] == [False, True]


def test_duplicate_ids_across_files_in_a_folder(tmp_path: Path) -> None:
    question = "id: q-one\narea: general\nsource: CoP\nQ: Which?\n* Yes\n- No\nexplain: Why.\n"
    (tmp_path / "a.quiz").write_text(question)
    (tmp_path / "b.quiz").write_text("# notes\n" + question)
    drafts, problems = read_quiz_folder(tmp_path)
    assert drafts == []
    assert [(Path(p.file).name, p.line, p.message) for p in problems] == [
        (
            "b.quiz",
            2,
            "the id 'q-one' is used twice (also in a.quiz, line 1); each question needs its own id",
        )
    ]
