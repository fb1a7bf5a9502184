"""Moodle's GIFT format, the multiple-choice part of it, with '// area:'-style comment lines."""

from __future__ import annotations

import bisect
import re

from bot.content.quiz.common import (
    NO_DEFAULTS,
    Defaults,
    RawQuestion,
    Report,
    area_words,
    audience_words,
    finish,
    slug,
)
from bot.domain.quiz import QuestionDraft

# Escaped special characters become private-use characters while the structure is read, so
# '\{' in a question is never taken for the start of the answers.
_ESCAPES = {"\\\\": "\ue006", "\\~": "\ue000", "\\=": "\ue001", "\\#": "\ue002"}
_ESCAPES |= {"\\{": "\ue003", "\\}": "\ue004", "\\:": "\ue005", "\\n": " "}
_RESTORE = {v: k[1] for k, v in _ESCAPES.items() if v != " "}
_META = {
    "area": "area",
    "source": "source",
    "tags": "tags",
    "for": "audience",
    "explain": "explanation",
    "explanation": "explanation",
}
_COMMENT = re.compile(r"^//\s*([A-Za-z]+)\s*:(.*)$")
_MARKER = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_HOW_TO = {
    "id": "start it with a title, e.g. ::cop-graduated-cycle::",
    "prompt": "write the question before the '{'",
    "explanation": "end the answers with '####' and the explanation, or add a line "
    "'// explain: ...' above the question",
    "source": "add a line '// source: ...' above the question, or give --source",
    "area": "add a line '// area: general' (or another area) above the question, or give --area",
}
_ONLY_CHOICE = "sendbot takes multiple-choice questions only: {=right answer ~wrong answer ...}"


def read_gift(
    text: str, file: str, defaults: Defaults = NO_DEFAULTS, id_prefix: str = "question"
) -> tuple[list[QuestionDraft], Report]:
    """Every multiple-choice question in a GIFT file; other kinds are reported, not skipped."""
    report = Report(file)
    drafts = []
    for number, (chunk, meta) in enumerate(_chunks(text, report), start=1):
        raw = _question(chunk, meta, f"{id_prefix}-{number}", report)
        draft = finish(raw, report, defaults, _HOW_TO.__getitem__)
        if draft is not None:
            drafts.append(draft)
    return drafts, report


def _escape(line: str) -> str:
    return re.sub(r"\\[\\~=#{}:n]", lambda m: _ESCAPES[m.group(0)], line)


def _restore(text: str) -> str:
    return " ".join("".join(_RESTORE.get(c, c) for c in text).split())


def _chunks(text: str, report: Report) -> list[tuple[list[tuple[int, str]], dict]]:
    """Each question's lines (blank lines between questions), with the comment fields above it."""
    chunks: list[tuple[list[tuple[int, str]], dict]] = []
    lines: list[tuple[int, str]] = []
    meta: dict[str, tuple[str, int]] = {}
    depth = 0
    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        line = _escape(raw.rstrip())
        if line.lstrip().startswith("//"):
            match = _COMMENT.match(line.strip())
            if match and match.group(1).lower() in _META and not lines:
                name = _META[match.group(1).lower()]
                if name in meta:
                    report.add(number, f"'{name}' is given twice above this question")
                meta[name] = (match.group(2).strip(), number)
            continue
        if not line.strip() and depth == 0:
            if lines:
                chunks.append((lines, meta))
                lines, meta = [], {}
            continue
        if line.strip().upper().startswith("$CATEGORY:") and not lines:
            continue  # Moodle's category for the questions that follow; sendbot has none
        lines.append((number, line))
        depth = max(0, depth + line.count("{") - line.count("}"))
    if lines:
        chunks.append((lines, meta))
    return chunks


def _question(
    chunk: list[tuple[int, str]], meta: dict[str, tuple[str, int]], fallback: str, report: Report
) -> RawQuestion:
    text = "\n".join(line for _, line in chunk)
    offsets = [0]
    for _, line in chunk[:-1]:
        offsets.append(offsets[-1] + len(line) + 1)

    def line_at(position: int) -> int:
        return chunk[bisect.bisect_right(offsets, position) - 1][0]

    raw = RawQuestion(start=chunk[0][0], qid=fallback)
    for name, (value, number) in meta.items():
        setattr(raw, name, _restore(value))
        raw.lines["for" if name == "audience" else name] = number
    start = len(text) - len(text.lstrip())
    if text.startswith("::", start):
        end = text.find("::", start + 2)
        if end < 0:
            report.add(raw.start, "the title starts with '::' but has no closing '::'")
            raw.broken = True
            return raw
        raw.qid = slug(_restore(text[start + 2 : end])) or fallback
        start = end + 2
    marker = _MARKER.match(text[start:])
    if marker:
        start += marker.end()
    opening = text.find("{", start)
    closing = text.find("}", opening + 1)
    raw.prompt = _restore(text[start : opening if opening >= 0 else len(text)])
    raw.lines["prompt"] = line_at(start)
    if opening < 0 or closing < 0:
        where = line_at(opening) if opening >= 0 else raw.start
        what = "the '{' is never closed with '}'" if opening >= 0 else "there are no answers"
        report.add(where, f"{what}; {_ONLY_CHOICE}")
        raw.broken = True
        return raw
    if "{" in text[opening + 1 : closing]:
        report.add(line_at(opening), "the '{' here is not closed with '}' before the next '{'")
        raw.broken = True
        return raw
    if "{" in text[closing + 1 :]:
        report.add(line_at(closing), "a question can have one set of answers in { } only")
        raw.broken = True
    after = " ".join(text[closing + 1 :].split())
    if after:  # Moodle's "missing word" form: the answers stand in for a gap in the sentence
        raw.prompt = _restore(f"{text[start:opening]} _____ {after}")
    _answers(raw, text[opening + 1 : closing], opening + 1, line_at, report)
    return raw


def _answers(raw: RawQuestion, inside: str, base: int, line_at, report: Report) -> None:  # type: ignore[no-untyped-def]
    """The options and right answers inside the braces, and the '####' explanation."""
    general = inside.find("####")
    if general >= 0:
        if raw.explanation:
            report.add(line_at(base + general), "give the explanation once: '####' or '// explain'")
            raw.broken = True
        raw.explanation = _restore(inside[general + 4 :])
        raw.lines["explanation"] = line_at(base + general)
        inside = inside[:general]
    body = inside.strip()
    kind = _other_kind(body)
    if kind:
        report.add(line_at(base), f"this is {kind}; {_ONLY_CHOICE}")
        raw.broken = True
        return
    marks = [m.start() for m in re.finditer(r"[~=]", inside)]
    if not marks or inside[: marks[0]].strip():
        report.add(
            line_at(base),
            f"'{_restore(inside[: marks[0]] if marks else inside)}' is not an answer; start each "
            "answer with = (right) or ~ (wrong)",
        )
        raw.broken = True
        return
    weighted, plain_right = False, 0
    for index, (begin, end) in enumerate(zip(marks, [*marks[1:], len(inside)], strict=True)):
        answer = inside[begin + 1 : end]
        weight = _WEIGHT.match(answer.strip())
        if weight:
            weighted = True
            answer = answer.strip()[weight.end() :]
        text, _, feedback = answer.partition("#")
        if feedback.strip():
            report.add(
                line_at(base + begin),
                "feedback on one answer is not kept; put what staff should learn after '####'",
                is_error=False,
            )
        raw.options.append(_restore(text))
        raw.lines[f"option {index + 1}"] = line_at(base + begin)
        right = float(weight.group(1)) > 0 if weight else inside[begin] == "="
        plain_right += inside[begin] == "=" and not weight
        if right:
            raw.correct.add(index)
    raw.lines["answer"] = line_at(base + marks[0])
    raw.multi = weighted
    if plain_right > 1 and not weighted:
        report.add(
            line_at(base),
            "more than one answer starts with '='; for several right answers give weights, "
            "e.g. ~%50%first right ~%50%second right ~%-100%wrong",
        )
        raw.broken = True


def _other_kind(body: str) -> str:
    if not body:
        return "an essay question (no answers)"
    if body.startswith("#"):
        return "a numerical question"
    if re.fullmatch(r"(T|F|TRUE|FALSE)\s*(#.*)?", body, re.IGNORECASE | re.DOTALL):
        return "a true/false question"
    if "->" in body:
        return "a matching question"
    if body.startswith("=") and "~" not in body:
        return "a short-answer question"
    return ""


def _escaped(text: str) -> str:
    return re.sub(r"([~=#{}:\\])", r"\\\1", text)


def write_gift(drafts: list[QuestionDraft]) -> str:
    """The questions in GIFT, readable by Moodle; reading it back gives them again."""
    blocks = []
    for d in drafts:
        lines = [f"// area: {area_words(d.area)}"]
        if d.tags:
            lines.append(f"// tags: {', '.join(d.tags)}")
        if d.audience:
            lines.append(f"// for: {audience_words(d.audience)}")
        lines += [f"// source: {d.source}", f"::{d.qid}:: {_escaped(d.prompt)} {{"]
        share = f"{100 / max(len(d.correct), 1):.5f}".rstrip("0").rstrip(".")
        for index, option in enumerate(d.options):
            right = index in d.correct
            if d.multi:
                lines.append(f"~%{share if right else '-100'}%{_escaped(option)}")
            else:
                lines.append(f"{'=' if right else '~'}{_escaped(option)}")
        lines += [f"####{_escaped(d.explanation)}", "}"]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)
