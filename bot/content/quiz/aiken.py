"""Moodle's Aiken format: a question line, options 'A.' or 'A)', then 'ANSWER: B'."""

from __future__ import annotations

import re

from bot.content.quiz.common import NO_DEFAULTS, Defaults, RawQuestion, Report, finish
from bot.domain.quiz import QuestionDraft

_OPTION = re.compile(r"^([A-Z])[.)]\s+(.*)$")
_ANSWER = re.compile(r"^ANSWER\s*:\s*(.*)$", re.IGNORECASE)
_HOW_TO = {
    "id": "Aiken has no ids",
    "prompt": "write the question on the line above the options",
    "explanation": "Aiken has no place for one; give --explanation, or use the native format",
    "source": "Aiken has no place for one; give --source, or use the native format",
    "area": "Aiken has no place for one; give --area, or use the native format",
}


def read_aiken(
    text: str, file: str, defaults: Defaults = NO_DEFAULTS, id_prefix: str = "question"
) -> tuple[list[QuestionDraft], Report]:
    """Every question in an Aiken file; the nth question's id is '<id_prefix>-<n>'."""
    report = Report(file)
    questions: list[RawQuestion] = []
    current: RawQuestion | None = None
    for number, raw_line in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        line = raw_line.strip()
        if not line:
            if current is not None and current.options:
                _no_answer(current, report)
                current = None
            continue
        option, answer = _OPTION.match(line), _ANSWER.match(line)
        if current is None:
            if option or answer:
                report.add(number, "a question must come before its options and its ANSWER line")
                continue
            current = RawQuestion(start=number, qid=f"{id_prefix}-{len(questions) + 1}")
            current.prompt, current.lines["prompt"] = line, number
            questions.append(current)
        elif answer:
            _answer(current, answer.group(1).strip(), number, report)
            current = None
        elif option:
            _option(current, option, number, report)
        elif not current.options:
            report.add(number, "the question must be on one line; join this line to the one above")
            current.broken = True
        else:
            report.add(
                number,
                "this line is not an option: write options as 'A. text' or 'A) text', "
                "then a line 'ANSWER: A'",
            )
            current.broken = True
    if current is not None:
        _no_answer(current, report)
    drafts = [finish(q, report, defaults, _HOW_TO.__getitem__) for q in questions]
    return [d for d in drafts if d is not None], report


def _no_answer(question: RawQuestion, report: Report) -> None:
    report.add(
        question.start, "this question has no line 'ANSWER: B' (say which) after its options"
    )
    question.broken = True


def _option(question: RawQuestion, option: re.Match[str], number: int, report: Report) -> None:
    expected = chr(ord("A") + len(question.options))
    if option.group(1) != expected:
        report.add(
            number, f"option {option.group(1)} is out of order; the next should be {expected}"
        )
        question.broken = True
    question.options.append(option.group(2))
    question.lines[f"option {len(question.options)}"] = number


def _answer(question: RawQuestion, letter: str, number: int, report: Report) -> None:
    question.lines["answer"] = number
    if len(letter) != 1 or not letter.isalpha():
        report.add(
            number,
            f"'ANSWER: {letter}' should name one option by its letter, e.g. 'ANSWER: B' (Aiken "
            "has one right answer; use the native format or CSV for multi-select)",
        )
        question.broken = True
        return
    question.correct.add(ord(letter.upper()) - ord("A"))
