"""What every question bank format shares: a question as read, defaults, and the checks on lines."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.content.problems import FileProblem
from bot.domain.people import JobRole
from bot.domain.quiz import Area, QuestionDraft, check_question, parse_area

# Fields a format may lack; a command-line default fills them, the file's own value wins.
DEFAULTABLE = ("area", "source", "explanation")
_REQUIRED_TEXT = ("prompt", "explanation", "source")

_EVERYONE = frozenset({"", "everyone", "all", "all staff"})
_ROLE_WORDS = {
    "teacher": JobRole.TEACHER,
    "teachers": JobRole.TEACHER,
    "teaching assistant": JobRole.TEACHING_ASSISTANT,
    "teaching assistants": JobRole.TEACHING_ASSISTANT,
    "ta": JobRole.TEACHING_ASSISTANT,
    "tas": JobRole.TEACHING_ASSISTANT,
    "support staff": JobRole.SUPPORT_STAFF,
    "senior leader": JobRole.SENIOR_LEADER,
    "senior leaders": JobRole.SENIOR_LEADER,
}
_ROLE_NAMES = {
    JobRole.TEACHER: "teachers",
    JobRole.TEACHING_ASSISTANT: "teaching assistants",
    JobRole.SUPPORT_STAFF: "support staff",
    JobRole.SENIOR_LEADER: "senior leaders",
}
_AREA_NAMES = {
    Area.SEMH: "social, emotional and mental health",
    Area.SENSORY_AND_PHYSICAL: "sensory and/or physical",
}
_YES, _NO = frozenset({"yes", "y", "true", "1"}), frozenset({"no", "n", "false", "0", ""})


@dataclass(frozen=True)
class Defaults:
    """Values for the fields a file leaves out (given on the command line)."""

    area: str = ""
    source: str = ""
    explanation: str = ""


NO_DEFAULTS = Defaults()


@dataclass
class RawQuestion:
    """One question as a format read it: text as written, and the line each part is on."""

    start: int
    qid: str = ""
    prompt: str = ""
    options: list[str] = field(default_factory=list)
    correct: set[int] = field(default_factory=set)
    multi: bool = False
    explanation: str = ""
    area: str = ""
    source: str = ""
    tags: str = ""
    audience: str = ""
    lines: dict[str, int] = field(default_factory=dict)
    broken: bool = False  # the format already reported an error that stops this question

    def line(self, name: str) -> int:
        """The line of a part of the question, or where the question starts."""
        return self.lines.get(name, self.start)


class Report:
    """The problems found in one file, and the line each question id was first seen on."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[FileProblem] = []
        self.seen: dict[str, int] = {}

    def add(self, line: int | None, message: str, is_error: bool = True) -> None:
        """Note a problem on a line (None: the whole file)."""
        self.problems.append(FileProblem(self.file, line, message, is_error))


def tidy(text: str) -> str:
    """Runs of spaces and line breaks as single spaces, so every format stores the same text."""
    return " ".join(text.split())


def slug(text: str) -> str:
    """Lower-case words joined by hyphens, e.g. a Moodle title 'Grant's tomb' -> grants-tomb."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("'", "")).strip("-")[:80].strip("-")


def parse_yes_no(text: str) -> bool | None:
    """yes/no as a SENDCO writes it; None when it is neither."""
    word = text.strip().lower()
    return True if word in _YES else False if word in _NO else None


def split_list(text: str) -> list[str]:
    """Entries separated by commas or semicolons, without empty ones."""
    return [tidy(part) for part in re.split(r"[,;]", text) if tidy(part)]


def parse_audience(text: str) -> tuple[str, ...]:
    """Job roles from words such as 'teachers, teaching assistants'; raises ValueError."""
    if text.strip().lower() in _EVERYONE:
        return ()
    roles = []
    for part in split_list(text):
        role = _ROLE_WORDS.get(part.lower()) or _ROLE_WORDS.get(part.lower().replace("_", " "))
        if role is None:
            raise ValueError(
                f"'{part}' is not a group of staff. Allowed: everyone, teachers, teaching "
                "assistants, support staff, senior leaders (several with commas)"
            )
        roles.append(role.value)
    return tuple(dict.fromkeys(roles))


def audience_words(audience: tuple[str, ...]) -> str:
    """The audience as a SENDCO writes it; empty for everyone."""
    return ", ".join(_ROLE_NAMES[JobRole(role)] for role in audience)


def area_words(area: Area) -> str:
    """The area of need as a SENDCO writes it."""
    return _AREA_NAMES.get(area, area.value.replace("_", " "))


def finish(
    raw: RawQuestion, report: Report, defaults: Defaults, how_to: Callable[[str], str]
) -> QuestionDraft | None:
    """The draft (None if anything is wrong), every problem reported on its line.

    `how_to(name)` tells, in the words of the format, how to give a missing part.
    """
    for name in DEFAULTABLE:
        if not tidy(getattr(raw, name)):
            setattr(raw, name, getattr(defaults, name))
    errors_before = len(report.problems)
    label = f"question '{raw.qid}'" if raw.qid else "this question"
    missing = set()
    if not raw.qid.strip():
        missing.add("id")
        report.add(raw.start, f"this question has no id; {how_to('id')}")
    for name in (*_REQUIRED_TEXT, "area"):
        if not tidy(getattr(raw, name)):
            missing.add(name)
            if raw.broken and name == "explanation":
                continue  # it would be in the answers the format could not read
            report.add(raw.line(name), f"{label} has no {_NAMES[name]}; {how_to(name)}")
    area = Area.GENERAL
    if "area" not in missing:
        try:
            area = parse_area(raw.area)
        except ValueError as exc:
            report.add(raw.line("area"), f"{label}: {exc}")
    audience: tuple[str, ...] = ()
    try:
        audience = parse_audience(raw.audience)
    except ValueError as exc:
        report.add(raw.line("for"), f"{label}: {exc}")
    draft = QuestionDraft(
        qid=raw.qid.strip(),
        prompt=tidy(raw.prompt),
        options=tuple(tidy(option) for option in raw.options),
        correct=frozenset(raw.correct),
        explanation=tidy(raw.explanation),
        area=area,
        source=tidy(raw.source),
        tags=tuple(split_list(raw.tags)),
        audience=audience,
        multi=raw.multi,
    )
    for problem in check_question(draft):
        if problem.field in missing or (raw.broken and problem.field in ("options", "answer")):
            continue  # already said, in the words of this format
        report.add(_line_of(raw, problem.field), f"{label}: {problem.message}", problem.is_error)
    if draft.qid and "id" not in missing:
        if draft.qid in report.seen:
            report.add(
                raw.line("id"),
                f"the id '{draft.qid}' is used twice (also on line {report.seen[draft.qid]}); "
                "each question needs its own id",
            )
        else:
            report.seen[draft.qid] = raw.line("id")
    stopped = any(p.is_error for p in report.problems[errors_before:])
    return None if stopped or raw.broken else draft


_NAMES = {
    "prompt": "question text",
    "explanation": "explanation",
    "source": "source",
    "area": "area of need",
}


def _line_of(raw: RawQuestion, name: str) -> int:
    if name in ("options", "answer"):
        return raw.lines.get("answer", raw.lines.get("option 1", raw.start))
    return raw.line(name)
