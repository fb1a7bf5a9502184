"""Briefing files (`briefings/<slug>.md`): a small YAML header, then bullets, read into drafts."""

from __future__ import annotations

import difflib
import re
from datetime import date
from pathlib import Path

import yaml

from bot.content.problems import FileProblem, has_errors
from bot.domain.audience import AudienceError, check_audience
from bot.domain.briefing import (
    BriefingDraft,
    DayError,
    Problem,
    bullet_of,
    check_briefing,
    parse_day,
)

HEADER_FIELDS = ("title", "audience", "send_on")
_EXAMPLES = {
    "title": "title: Adapt first, then refer",
    "audience": "audience: all",
    "send_on": "send_on: 2026-12-01",
}
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX = 120  # the width of the slug column in the briefing table
_BULLET_MARKS = ("- ", "* ")
_YAML_HINT = (
    "Write each header line as 'name: value'. If a value has a colon in it, put the value "
    'in quotes, e.g. title: "SEN support: the basics"'
)


class _Report:
    """Collects the problems of one file, each with its line."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[FileProblem] = []

    def add(self, line: int | None, message: str, is_error: bool = True) -> None:
        self.problems.append(FileProblem(self.file, line, message, is_error))


def read_briefing_folder(folder: Path | str) -> tuple[list[BriefingDraft], list[FileProblem]]:
    """Every briefing file in the folder, by file name, and every problem found in them."""
    folder = Path(folder)
    if not folder.is_dir():
        why = "is a file, not a folder" if folder.exists() else "does not exist"
        message = f"this folder {why}; give the folder that holds the briefing files"
        return [], [FileProblem(str(folder), None, message)]
    files = sorted((p for p in folder.iterdir() if _is_briefing_file(p)), key=lambda p: p.name)
    if not files:
        message = (
            "there are no briefing files here; each briefing is a file named like adapt-first.md"
        )
        return [], [FileProblem(str(folder), None, message, is_error=False)]
    drafts, problems = [], []
    for path in files:
        draft, found = read_briefing_file(path)
        problems.extend(found)
        if draft is not None:
            drafts.append(draft)
    return drafts, problems


def _is_briefing_file(path: Path) -> bool:
    # Hidden files are editor and operating-system leftovers (.~lock, ._name.md), not briefings.
    return (
        path.is_file()
        and path.name.endswith(".md")
        and path.name.lower() != "readme.md"
        and not path.name.startswith(".")
    )


def read_briefing_file(path: Path | str) -> tuple[BriefingDraft | None, list[FileProblem]]:
    """The draft in one file (None if it has any error) and every problem, with its line."""
    path = Path(path)
    report = _Report(str(path))
    slug = path.name.removesuffix(".md")
    if not _SLUG.fullmatch(slug) or len(slug) > SLUG_MAX:
        report.add(
            None,
            "the file name can use only lower-case letters, digits and hyphens between words, "
            f"up to {SLUG_MAX} characters, then .md (e.g. adapt-first.md); rename the file",
        )
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: Windows editors add a byte-order mark
    except UnicodeDecodeError:
        report.add(None, "the file is not plain text; save it again as UTF-8 text")
        return None, report.problems
    except OSError as exc:
        report.add(None, f"the file cannot be opened ({exc.strerror})")
        return None, report.problems
    lines = text.splitlines()
    if not text.strip():
        report.add(
            1,
            "the file is empty; a briefing starts with a header (title, audience, send_on) "
            "between two '---' lines, then its bullet points",
        )
        return None, report.problems
    if lines[0].strip() != "---":
        report.add(
            1,
            "a briefing must start with a line '---', then the header (title, audience, "
            "send_on), then another '---' line, then its bullet points",
        )
        return None, report.problems
    close = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if close is None:
        report.add(1, "the header is never closed; add a line '---' after the send_on line")
        return None, report.problems
    header, header_lines = _read_header(lines[1:close], report)
    bullets = _read_body(lines, close + 1, report)
    title_line = header_lines.get("title", 1)
    draft = _check(slug, header, bullets, (title_line, close + 1), report)
    return (None if has_errors(report.problems) else draft), report.problems


def _read_header(lines: list[str], report: _Report) -> tuple[dict[str, object], dict[str, int]]:
    """The header's values (None where a value has a problem) and the line of each field."""
    try:
        node = yaml.compose("\n".join(lines), Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        reason = getattr(exc, "problem", None) or "it is not in the expected form"
        report.add(
            2 + (mark.line if mark else 0),
            f"the header cannot be read from this line on. {_YAML_HINT} (detail: {reason})",
        )
        return {}, {}
    if node is not None and not isinstance(node, yaml.MappingNode):
        report.add(
            2 + node.start_mark.line, f"the header is not in the expected form. {_YAML_HINT}"
        )
        return {}, {}
    seen: dict[str, int] = {}
    values: dict[str, object] = {}
    for key_node, value_node in node.value if node is not None else []:
        line = 2 + key_node.start_mark.line
        key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
        if key not in HEADER_FIELDS:
            close = difflib.get_close_matches(key.lower(), HEADER_FIELDS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            report.add(
                line,
                f"'{key}' is not something a briefing header can hold{hint}. "
                f"Allowed: {', '.join(HEADER_FIELDS)}",
            )
            continue
        if key in seen:
            report.add(line, f"{key} is given twice (also on line {seen[key]}); keep one")
            continue
        seen[key] = line
        reader = {"title": _title, "audience": _audience, "send_on": _send_on}[key]
        values[key] = reader(value_node, line, report)
    for key in HEADER_FIELDS:
        if key not in seen:
            report.add(1, f"the header has no {key} line; add one, e.g. '{_EXAMPLES[key]}'")
    return values, seen


def _title(node: yaml.Node, line: int, report: _Report) -> str | None:
    if not isinstance(node, yaml.ScalarNode):
        report.add(line, "the title must be a line of text, e.g. 'title: Adapt first, then refer'")
        return None
    return " ".join(str(node.value).split())


def _audience(node: yaml.Node, line: int, report: _Report) -> tuple[str, ...] | None:
    if isinstance(node, yaml.SequenceNode):
        entries = [(_selector(item), 2 + item.start_mark.line) for item in node.value]
    elif isinstance(node, yaml.ScalarNode):
        # A SENDCO may well write "teachers, teaching assistants" without brackets.
        entries = [(part.strip(), line) for part in str(node.value).split(",") if part.strip()]
    else:
        entries = [(_selector(node), line)]
    if not entries:
        try:
            check_audience([])
        except AudienceError as exc:
            report.add(line, str(exc))
        return None
    tidy: list[str] = []
    for selector, where in entries:
        if selector is None:
            report.add(
                where,
                "each audience entry must be a word such as teachers, or department and its "
                'name in quotes, e.g. audience: [teachers, "department: Science"]',
            )
            continue
        try:
            tidy.extend(check_audience([selector]))
        except AudienceError as exc:
            report.add(where, str(exc))
    if len(tidy) < len(entries):
        return None
    return tuple(dict.fromkeys(tidy))


def _selector(node: yaml.Node) -> str | None:
    """One audience entry as text; `- department: Science` unquoted reads as a pair."""
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    if isinstance(node, yaml.MappingNode) and len(node.value) == 1:
        key, value = node.value[0]
        if isinstance(key, yaml.ScalarNode) and isinstance(value, yaml.ScalarNode):
            return f"{key.value}: {value.value}"
    return None


def _send_on(node: yaml.Node, line: int, report: _Report) -> date | None:
    raw = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
    try:
        return parse_day(raw)
    except DayError as exc:
        report.add(line, f"send_on {exc}")
        return None


def _read_body(lines: list[str], start: int, report: _Report) -> list[tuple[str, int]]:
    """The bullets below the header, each with the line it starts on."""
    parts: list[list[str]] = []
    starts: list[int] = []
    for index in range(start, len(lines)):
        raw, number = lines[index], index + 1
        if not raw.strip():
            continue
        if raw[0] in " \t" and parts:
            if raw.strip().startswith(_BULLET_MARKS):
                report.add(
                    number,
                    "bullet points cannot go inside one another; start this point at the "
                    "beginning of the line, or join it to the point above",
                )
            else:
                parts[-1].append(raw.strip())
            continue
        if raw.startswith(_BULLET_MARKS) or raw.rstrip() in ("-", "*"):
            text = raw[1:].strip()
            if text:
                parts.append([text])
                starts.append(number)
            else:
                report.add(number, "this bullet point is empty; write the point or remove the line")
            continue
        report.add(
            number,
            "only bullet points can go below the header: start the line with '- ', "
            "or indent it with two spaces to carry on the point above",
        )
    return [(" ".join(" ".join(p).split()), n) for p, n in zip(parts, starts, strict=True)]


def _check(
    slug: str,
    header: dict[str, object],
    bullets: list[tuple[str, int]],
    lines: tuple[int, int],
    report: _Report,
) -> BriefingDraft | None:
    """Run the domain's checks and place each problem on its line."""
    title = header.get("title")
    # Stand-ins for a broken header let the body be checked too, so one run shows everything.
    draft = BriefingDraft(
        slug=slug,
        title=title if isinstance(title, str) else "",
        bullets=tuple(text for text, _ in bullets),
        audience=header.get("audience") or ("all",),  # type: ignore[arg-type]
        send_on=header.get("send_on") or date.min,  # type: ignore[arg-type]
    )
    for problem in check_briefing(draft):
        if problem.field == "title" and not isinstance(title, str):
            continue  # a missing or unreadable title has been reported already
        line = _line_of(problem, bullets, *lines)
        report.add(line, _sentence(problem), problem.is_error)
    if any(key not in header or header[key] is None for key in HEADER_FIELDS):
        return None
    return draft


def _line_of(
    problem: Problem, bullets: list[tuple[str, int]], title_line: int, header_end: int
) -> int:
    """The line a SENDCO should look at for a problem the domain found."""
    if problem.field == "title":
        return title_line
    if not bullets:
        return header_end
    index = bullet_of(problem, [text for text, _ in bullets])
    return bullets[index if index is not None else 0][1]


def _sentence(problem: Problem) -> str:
    """The domain's message as a whole sentence about this file."""
    if problem.message.startswith(("has ", "uses ")):
        subject = "this bullet point" if problem.field.startswith("bullet ") else "the briefing"
        return f"{subject} {problem.message}"
    return problem.message
