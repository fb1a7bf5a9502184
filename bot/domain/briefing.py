"""What makes a briefing fit for a chat card: short, few bullets, plain language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

TITLE_MAX = 150  # Slack's header block limit, the tightest of our platforms
BULLET_MAX = 280
BODY_MAX = 2500  # well inside Slack's 3,000 characters a section and Teams' card size
BULLETS_ADVISED = 5
WORDS_ADVISED = 35
DAY_FORMS = "write it as 2026-12-01 (year-month-day) or 01/12/2026 (day/month/year)"
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_QUOTED = re.compile(r"'([^']+)'")


@dataclass(frozen=True)
class BriefingDraft:
    """A briefing as the SENDCO wrote it, before it is stored."""

    slug: str
    title: str
    bullets: tuple[str, ...]
    audience: tuple[str, ...]
    send_on: date


@dataclass(frozen=True)
class Problem:
    """Something wrong (an error stops it being stored) or worth a second look (a warning)."""

    field: str
    message: str
    is_error: bool = True


# Abbreviations staff are expected to know from INSET, and ones that are plain English.
_KNOWN_ABBREVIATIONS = frozenset(
    {"SEND", "SEN", "SENDCO", "SENCO", "TA", "TAS", "EHC", "EHCP", "UK", "OK", "INSET", "CPD", "PE"}
)
_ABBREVIATION = re.compile(r"\b[A-Z]{2,6}s?\b")


def check_briefing(draft: BriefingDraft) -> list[Problem]:
    """Every problem with a briefing, errors first. An empty list means it can go out."""
    problems: list[Problem] = []
    if not draft.title.strip():
        problems.append(Problem("title", "the title is empty"))
    elif len(draft.title) > TITLE_MAX:
        problems.append(
            Problem("title", f"the title has {len(draft.title)} characters; at most {TITLE_MAX}")
        )
    if not draft.bullets:
        problems.append(Problem("body", "there are no bullets; write each point as a line '- ...'"))
    for number, bullet in enumerate(draft.bullets, start=1):
        if len(bullet) > BULLET_MAX:
            problems.append(
                Problem(
                    f"bullet {number}",
                    f"has {len(bullet)} characters; at most {BULLET_MAX} fit a chat card",
                )
            )
    body = sum(len(b) for b in draft.bullets)
    if body > BODY_MAX:
        problems.append(Problem("body", f"has {body} characters; at most {BODY_MAX} in all"))
    problems.extend(_plain_language_warnings(draft))
    return sorted(problems, key=lambda p: not p.is_error)


def _plain_language_warnings(draft: BriefingDraft) -> list[Problem]:
    warnings = []
    if len(draft.bullets) > BULLETS_ADVISED:
        warnings.append(
            Problem(
                "body",
                f"has {len(draft.bullets)} bullets; {BULLETS_ADVISED} at most keeps it readable",
                is_error=False,
            )
        )
    text = " ".join(draft.bullets)
    for number, bullet in enumerate(draft.bullets, start=1):
        words = len(bullet.split())
        if words > WORDS_ADVISED:
            warnings.append(
                Problem(
                    f"bullet {number}",
                    f"has {words} words; try to keep each point under {WORDS_ADVISED}",
                    is_error=False,
                )
            )
    unexplained = sorted(
        {
            word.rstrip("s") if word.endswith("s") and word[:-1].isupper() else word
            for word in _ABBREVIATION.findall(text)
        }
        - _KNOWN_ABBREVIATIONS
    )
    for word in unexplained:
        # The plural counts as explained too: "local authorities (LAs)".
        forms = (word, word + "s")
        if not any(f"({form})" in text or f"{form} (" in text for form in forms):
            warnings.append(
                Problem(
                    "body",
                    f"uses '{word}' without saying what it stands for; write it out once with "
                    "the letters in brackets, e.g. 'speech, language and communication needs "
                    "(SLCN)'",
                    is_error=False,
                )
            )
    return warnings


class DayError(ValueError):
    """A day a briefing cannot go out on, because it cannot be read; the text says why."""


def parse_day(raw: str) -> date:
    """The day a SENDCO wrote, as 2026-12-01 or 01/12/2026 (day first, as in England)."""
    raw = raw.strip()
    if not raw:
        raise DayError(f"has no date; {DAY_FORMS}")
    iso, uk = _ISO_DATE.fullmatch(raw), _UK_DATE.fullmatch(raw)
    if not iso and not uk:
        raise DayError(f"'{raw}' is not a date sendbot can read; {DAY_FORMS}")
    year, month, day = iso.groups() if iso else reversed(uk.groups())  # type: ignore[union-attr]
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise DayError(f"'{raw}' is not a real date; check the day and the month") from None


def bullet_of(problem: Problem, bullets: tuple[str, ...] | list[str]) -> int | None:
    """Which bullet (counted from 0) a problem is about; None when it is about the whole.

    A warning about an abbreviation is about the first bullet that uses it.
    """
    if problem.field.startswith("bullet "):
        return int(problem.field.split()[1]) - 1
    if problem.field != "body":
        return None
    quoted = _QUOTED.search(problem.message)
    if quoted and problem.message.startswith("uses "):
        word = re.compile(rf"\b{re.escape(quoted.group(1))}")
        for index, text in enumerate(bullets):
            if word.search(text):
                return index
    return None
