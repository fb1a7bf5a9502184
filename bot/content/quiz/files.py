"""Question bank files in any format: pick the reader, read a folder, write an export."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from bot.content.problems import FileProblem
from bot.content.quiz.aiken import read_aiken
from bot.content.quiz.common import NO_DEFAULTS, Defaults, Report, slug
from bot.content.quiz.csv_bank import read_csv, write_csv
from bot.content.quiz.gift import read_gift, write_gift
from bot.content.quiz.native import read_native, write_native
from bot.domain.quiz import QuestionDraft

FORMATS = ("native", "csv", "gift", "aiken")
WRITERS: dict[str, Callable[[list[QuestionDraft]], str]] = {
    "native": write_native,
    "csv": write_csv,
    "gift": write_gift,
}
NATIVE_SUFFIX = ".quiz"
_BY_SUFFIX = {".quiz": "native", ".csv": "csv", ".gift": "gift", ".aiken": "aiken"}
_AIKEN_ANSWER = re.compile(r"^ANSWER\s*:", re.IGNORECASE | re.MULTILINE)
# How to name the format when the file's name does not, on the command line and on the web.
ON_THE_COMMAND = "say which with --format native|csv|gift|aiken"
ON_THE_FORM = "choose its format on the form"
_NATIVE_PROMPT = re.compile(r"^Q\s*:", re.IGNORECASE | re.MULTILINE)


def format_of(path: Path, text: str) -> str | None:
    """The format a file is in, from its name, or for a .txt file from what it holds."""
    known = _BY_SUFFIX.get(path.suffix.lower())
    if known or path.suffix.lower() != ".txt":
        return known
    # Moodle saves both of its formats as .txt; the answer markers tell them apart.
    if _NATIVE_PROMPT.search(text) and re.search(r"^id\s*:", text, re.IGNORECASE | re.MULTILINE):
        return "native"
    if _AIKEN_ANSWER.search(text):
        return "aiken"
    if "{" in text:
        return "gift"
    return None


def read_quiz_file(
    path: Path | str, fmt: str = "auto", defaults: Defaults = NO_DEFAULTS
) -> tuple[list[QuestionDraft], list[FileProblem]]:
    """The questions in one file (none if any is wrong) and every problem with its line."""
    drafts, report = _read(Path(path), fmt, defaults)
    return ([] if _errors(report.problems) else drafts), report.problems


def read_quiz_bytes(
    name: str, data: bytes, fmt: str = "auto", defaults: Defaults = NO_DEFAULTS
) -> tuple[list[QuestionDraft], list[FileProblem]]:
    """The questions in an uploaded file called `name` (none if any is wrong), and every
    problem with its line: what `read_quiz_file` gives for a file on disk."""
    drafts, report = _parse(Path(name), data, fmt, defaults, ON_THE_FORM)
    return ([] if _errors(report.problems) else drafts), report.problems


def _read(path: Path, fmt: str, defaults: Defaults) -> tuple[list[QuestionDraft], Report]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        report = Report(str(path))
        report.add(None, f"the file cannot be opened ({exc.strerror})")
        return [], report
    return _parse(path, data, fmt, defaults)


def _parse(
    path: Path, data: bytes, fmt: str, defaults: Defaults, say_which: str = ON_THE_COMMAND
) -> tuple[list[QuestionDraft], Report]:
    report = Report(str(path))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV (Comma delimited)" in its own code page, not UTF-8.
        text = data.decode("cp1252", errors="replace")
    if fmt == "auto":
        found = format_of(path, text)
        if found is None:
            report.add(
                None,
                "sendbot cannot tell which format this file is in; name it .quiz, .csv, .gift "
                f"or .aiken, or {say_which}",
            )
            return [], report
        fmt = found
    prefix = slug(path.stem) or "question"
    if fmt == "native":
        return read_native(text, str(path), defaults)
    if fmt == "csv":
        return read_csv(text, str(path), defaults)
    if fmt == "gift":
        return read_gift(text, str(path), defaults, id_prefix=prefix)
    return read_aiken(text, str(path), defaults, id_prefix=prefix)


def read_quiz_folder(
    folder: Path | str, defaults: Defaults = NO_DEFAULTS
) -> tuple[list[QuestionDraft], list[FileProblem]]:
    """Every `.quiz` file in the folder, by name; ids must be unique across all of them."""
    folder = Path(folder)
    if not folder.is_dir():
        why = "is a file, not a folder" if folder.exists() else "does not exist"
        return [], [FileProblem(str(folder), None, f"this question bank folder {why}")]
    files = sorted(
        (p for p in folder.iterdir() if p.suffix == NATIVE_SUFFIX and not p.name.startswith(".")),
        key=lambda p: p.name,
    )
    if not files:
        message = "there are no question files here; each is a text file named like areas.quiz"
        return [], [FileProblem(str(folder), None, message, is_error=False)]
    drafts: list[QuestionDraft] = []
    problems: list[FileProblem] = []
    first_seen: dict[str, tuple[str, int]] = {}
    for path in files:
        found, report = _read(path, "native", defaults)
        for qid, line in report.seen.items():
            if qid in first_seen:
                other, other_line = first_seen[qid]
                report.add(
                    line,
                    f"the id '{qid}' is used twice (also in {other}, line {other_line}); "
                    "each question needs its own id",
                )
            else:
                first_seen[qid] = (path.name, line)
        drafts.extend(found)
        problems.extend(report.problems)
    return ([] if _errors(problems) else drafts), problems


def _errors(problems: list[FileProblem]) -> bool:
    return any(p.is_error for p in problems)
