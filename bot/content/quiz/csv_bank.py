"""Question bank spreadsheets (CSV): one question a row, options A to E, right answer as letters."""

from __future__ import annotations

import csv
import io
import re

from bot.content.quiz.common import (
    NO_DEFAULTS,
    Defaults,
    RawQuestion,
    Report,
    area_words,
    audience_words,
    finish,
    parse_yes_no,
)
from bot.domain.quiz import OPTIONS_MAX, QuestionDraft

LETTERS = "ABCDE"[:OPTIONS_MAX]
HEADER = (
    "id",
    "area",
    "tags",
    "for",
    "source",
    "question",
    *(f"option {letter}" for letter in LETTERS),
    "right answer",
    "multi",
    "explanation",
)
_KNOWN = tuple(title.lower() for title in HEADER)
# Column titles a SENDCO might use -> the column they mean.
_ALIASES = {
    "question id": "id",
    "area of need": "area",
    "topic": "tags",
    "topics": "tags",
    "audience": "for",
    "prompt": "question",
    "answer": "right answer",
    "answers": "right answer",
    "correct": "right answer",
    "correct answer": "right answer",
    "right answers": "right answer",
    "multi select": "multi",
    "explain": "explanation",
    **{f"option {n}": f"option {letter.lower()}" for n, letter in enumerate(LETTERS, start=1)},
}
_NEEDED = ("id", "question", "option a", "option b", "right answer")
_FIELD_OF = {"id": "qid", "for": "audience", "question": "prompt"}
_HOW_TO = {
    "id": "fill in the id column, e.g. cop-graduated-cycle",
    "prompt": "fill in the question column",
    "explanation": "fill in the explanation column",
    "source": "fill in the source column, e.g. SEND Code of Practice 6.44",
    "area": "fill in the area column, e.g. general",
}


def read_csv(
    text: str, file: str, defaults: Defaults = NO_DEFAULTS
) -> tuple[list[QuestionDraft], Report]:
    """Every question in a spreadsheet saved as CSV; lines are row numbers as Excel shows them."""
    report = Report(file)
    text = text.removeprefix("\ufeff")  # Excel's "CSV UTF-8" starts with a byte-order mark
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not rows or not any(cell.strip() for cell in rows[0]):
        report.add(1, "the first row must hold the column titles: " + ", ".join(HEADER))
        return [], report
    columns = _columns(rows[0], report)
    if columns is None:
        return [], report
    drafts = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # spreadsheets often end with empty rows
        raw = _question(row, number, columns, report)
        draft = finish(raw, report, defaults, _HOW_TO.__getitem__)
        if draft is not None:
            drafts.append(draft)
    return drafts, report


def _columns(titles: list[str], report: Report) -> dict[str, int] | None:
    """Each known column's position; None (reported) when a needed one is missing."""
    columns: dict[str, int] = {}
    for position, title in enumerate(titles):
        name = " ".join(re.sub(r"[_\-]", " ", title).lower().split())
        name = _ALIASES.get(name, name)
        if name not in _KNOWN:
            if name:
                report.add(1, f"the column '{title}' is not read; it is left out", is_error=False)
            continue
        if name in columns:
            report.add(1, f"there are two '{title}' columns; keep one")
            return None
        columns[name] = position
    lacking = [name for name in _NEEDED if name not in columns]
    if lacking:
        report.add(
            1,
            f"there is no column for {', '.join(lacking)}; the first row must hold the column "
            "titles (" + ", ".join(HEADER) + "), as in quizzes/template.csv",
        )
        return None
    return columns


def _question(row: list[str], number: int, columns: dict[str, int], report: Report) -> RawQuestion:
    def cell(name: str) -> str:
        position = columns.get(name)
        return row[position].strip() if position is not None and position < len(row) else ""

    raw = RawQuestion(start=number)
    for name in ("id", "area", "tags", "for", "source", "question", "explanation"):
        setattr(raw, _FIELD_OF.get(name, name), cell(name))
    filled = [cell(f"option {letter.lower()}") for letter in LETTERS]
    while filled and not filled[-1]:
        filled.pop()
    if "" in filled:
        gap = LETTERS[filled.index("")]
        report.add(
            number, f"option {gap} is empty but a later one is filled; fill A, B, ... in turn"
        )
        raw.broken = True
    raw.options = [option for option in filled if option]
    answer = cell("right answer")
    letters = [part for part in re.split(r"[\s,;]+", answer.upper()) if part]
    for letter in letters:
        if len(letter) != 1 or letter not in LETTERS:
            report.add(
                number,
                f"the right answer '{answer}' should be the letter of an option, A to "
                f"{LETTERS[-1]}, or several with semicolons, e.g. A;C",
            )
            raw.broken = True
            break
        raw.correct.add(LETTERS.index(letter))
    multi = parse_yes_no(cell("multi"))
    if multi is None:
        report.add(number, f"multi '{cell('multi')}' should be yes or no (empty means no)")
        raw.broken = True
    raw.multi = bool(multi)
    return raw


def write_csv(drafts: list[QuestionDraft]) -> str:
    """The questions in the template's columns; reading them back gives the same questions."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for d in drafts:
        options = list(d.options) + [""] * (len(LETTERS) - len(d.options))
        answer = ";".join(LETTERS[i] for i in sorted(d.correct))
        writer.writerow(
            [d.qid, area_words(d.area), ", ".join(d.tags), audience_words(d.audience), d.source]
            + [d.prompt, *options, answer, "yes" if d.multi else "no", d.explanation]
        )
    return out.getvalue()
