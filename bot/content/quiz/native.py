"""The native question format (`quizzes/*.quiz`): 'name: value' lines and '-'/'*' options."""

from __future__ import annotations

import difflib
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
from bot.domain.quiz import QuestionDraft

# The name written in the file -> the part of the question it fills.
_FIELDS = {
    "id": "id",
    "area": "area",
    "tags": "tags",
    "for": "for",
    "source": "source",
    "multi": "multi",
    "q": "prompt",
    "question": "prompt",
    "explain": "explanation",
    "explanation": "explanation",
}
_ALLOWED = "id, area, tags, for, source, multi, Q, explain"
_KEY = re.compile(r"^([A-Za-z][A-Za-z ]{0,20}):(.*)$")
_EXAMPLES = {
    "id": "add a line such as 'id: cop-graduated-cycle' at its start",
    "prompt": "add a line 'Q: ' with the question",
    "explanation": "add a line 'explain: ' saying why the right answer is right",
    "source": "add a line such as 'source: SEND Code of Practice 6.44'",
    "area": "add a line such as 'area: general' (or cognition and learning, ...)",
}


def read_native(
    text: str, file: str, defaults: Defaults = NO_DEFAULTS
) -> tuple[list[QuestionDraft], Report]:
    """Every question in a native file, and a report of every problem with its line."""
    report = Report(file)
    blocks: list[RawQuestion] = []
    current: RawQuestion | None = None
    last = ""  # the part a continuation line (indented) adds to
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.rstrip()
        if not line.strip() or line.strip() == "---":
            current, last = None, ""
            continue
        if line.startswith("#"):
            continue  # a note for reviewers
        if current is None:
            current = RawQuestion(start=number)
            blocks.append(current)
        if line[0] in " \t":
            if not last:
                report.add(number, "this indented line carries on nothing; start it at the left")
                current.broken = True
            else:
                _carry_on(current, last, line.strip())
            continue
        if line[0] in "-*" and line[1:2] in (" ", ""):
            last = _option(current, line, number, report)
            continue
        last = _field(current, line, number, report)
    drafts = [finish(q, report, defaults, _EXAMPLES.__getitem__) for q in blocks]
    return [d for d in drafts if d is not None], report


def _option(question: RawQuestion, line: str, number: int, report: Report) -> str:
    text = line[1:].strip()
    if not text:
        report.add(number, "this option is empty; write the option or remove the line")
        question.broken = True
        return ""
    question.options.append(text)
    position = len(question.options)
    question.lines[f"option {position}"] = number
    if line[0] == "*":
        question.correct.add(position - 1)
    return f"option {position}"


def _field(question: RawQuestion, line: str, number: int, report: Report) -> str:
    match = _KEY.match(line)
    if not match:
        report.add(
            number,
            "this line is not understood: write 'name: value' (" + _ALLOWED + "), an option "
            "starting '- ' (or '* ' for a right one), or indent it to carry on the line above",
        )
        question.broken = True
        return ""
    key, value = match.group(1).strip().lower(), match.group(2).strip()
    name = _FIELDS.get(key)
    if name is None:
        close = difflib.get_close_matches(key, _FIELDS, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        report.add(number, f"'{key}' is not part of a question{hint}. Allowed: {_ALLOWED}")
        question.broken = True
        return ""
    if name in question.lines:
        report.add(number, f"'{key}' is given twice (also on line {question.lines[name]})")
        question.broken = True
        return ""
    question.lines[name] = number
    if name == "multi":
        multi = parse_yes_no(value)
        if multi is None:
            report.add(number, f"multi '{value}' should be yes or no")
            question.broken = True
        question.multi = bool(multi)
        return ""
    setattr(question, "qid" if name == "id" else "audience" if name == "for" else name, value)
    return name


def _carry_on(question: RawQuestion, part: str, text: str) -> None:
    if part.startswith("option "):
        index = int(part.split()[1]) - 1
        question.options[index] = f"{question.options[index]} {text}"
        return
    attribute = "qid" if part == "id" else "audience" if part == "for" else part
    setattr(question, attribute, f"{getattr(question, attribute)} {text}".strip())


def write_native(drafts: list[QuestionDraft]) -> str:
    """The questions in the native format, in the order given; reading it back gives them again."""
    blocks = []
    for draft in drafts:
        lines = [f"id: {draft.qid}", f"area: {area_words(draft.area)}"]
        if draft.tags:
            lines.append(f"tags: {', '.join(draft.tags)}")
        if draft.audience:
            lines.append(f"for: {audience_words(draft.audience)}")
        lines.append(f"source: {draft.source}")
        if draft.multi:
            lines.append("multi: yes")
        lines.append(f"Q: {draft.prompt}")
        for index, option in enumerate(draft.options):
            lines.append(f"{'*' if index in draft.correct else '-'} {option}")
        lines.append(f"explain: {draft.explanation}")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)
