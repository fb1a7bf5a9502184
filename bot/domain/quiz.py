"""Questions in the SEND bank: what a good one holds, and how an answer is marked."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.briefing import Problem

PROMPT_MAX = 300
OPTION_MAX = 150  # fits a Slack button (75) only when short; longer options show as text
EXPLANATION_MAX = 300
SOURCE_MAX = 200
OPTIONS_MIN, OPTIONS_MAX = 2, 5
QUESTION_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,79}$")


class Area(StrEnum):
    """The SEND Code of Practice's four broad areas of need (6.28-6.35), or general."""

    COMMUNICATION_AND_INTERACTION = "communication_and_interaction"
    COGNITION_AND_LEARNING = "cognition_and_learning"
    SEMH = "social_emotional_and_mental_health"
    SENSORY_AND_PHYSICAL = "sensory_and_physical"
    GENERAL = "general"


AREA_WORDS = {
    "communication and interaction": Area.COMMUNICATION_AND_INTERACTION,
    "cognition and learning": Area.COGNITION_AND_LEARNING,
    "social, emotional and mental health": Area.SEMH,
    "semh": Area.SEMH,
    "sensory and/or physical": Area.SENSORY_AND_PHYSICAL,
    "sensory and physical": Area.SENSORY_AND_PHYSICAL,
    "general": Area.GENERAL,
}


def parse_area(text: str) -> Area:
    """An area as a SENDCO would write it; raises ValueError listing what is allowed."""
    tidy = " ".join(text.replace("_", " ").split()).lower()
    for value in Area:
        if tidy == value.value.replace("_", " "):
            return value
    if tidy in AREA_WORDS:
        return AREA_WORDS[tidy]
    allowed = "communication and interaction, cognition and learning, social, emotional and "
    raise ValueError(
        f"'{text}' is not an area of need. Allowed: {allowed}mental health, "
        "sensory and/or physical, or general"
    )


@dataclass(frozen=True)
class QuestionDraft:
    """A question as written in a bank file, before it is stored."""

    qid: str
    prompt: str
    options: tuple[str, ...]
    correct: frozenset[int]  # indexes into options
    explanation: str
    area: Area
    source: str
    tags: tuple[str, ...] = ()
    # Job roles the question is for (bot.domain.people.JobRole values); empty means everyone.
    audience: tuple[str, ...] = ()
    multi: bool = field(default=False)

    @property
    def content_hash(self) -> str:
        """Changes whenever the wording staff see changes; the stored version follows it."""
        payload = [
            self.prompt,
            list(self.options),
            sorted(self.correct),
            self.multi,
            self.explanation,
        ]
        return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


def check_question(draft: QuestionDraft) -> list[Problem]:
    """Every problem with a question; an empty list means it can go into the bank."""
    problems: list[Problem] = []
    if not QUESTION_ID.match(draft.qid):
        problems.append(
            Problem(
                "id",
                f"'{draft.qid}' is not a usable id: use 2 to 80 lower-case letters, digits and "
                "hyphens, e.g. cop-graduated-cycle",
            )
        )
    _length(problems, "prompt", draft.prompt, PROMPT_MAX)
    _length(problems, "explanation", draft.explanation, EXPLANATION_MAX)
    _length(problems, "source", draft.source, SOURCE_MAX)
    if not OPTIONS_MIN <= len(draft.options) <= OPTIONS_MAX:
        problems.append(
            Problem(
                "options",
                f"has {len(draft.options)} options; a question needs {OPTIONS_MIN} to "
                f"{OPTIONS_MAX}",
            )
        )
    for number, option in enumerate(draft.options, start=1):
        _length(problems, f"option {number}", option, OPTION_MAX)
    seen = [o.strip().lower() for o in draft.options]
    if len(set(seen)) != len(seen):
        problems.append(Problem("options", "two options say the same thing"))
    if not draft.correct:
        problems.append(Problem("answer", "no option is marked as the right answer"))
    elif any(i < 0 or i >= len(draft.options) for i in draft.correct):
        problems.append(Problem("answer", "the right answer is not one of the options"))
    elif len(draft.correct) > 1 and not draft.multi:
        problems.append(
            Problem("answer", "several options are marked right; mark the question multi-select")
        )
    elif len(draft.correct) == len(draft.options):
        problems.append(Problem("answer", "every option is marked right; nothing is being tested"))
    return problems


def _length(problems: list[Problem], name: str, text: str, most: int) -> None:
    if not text.strip():
        problems.append(Problem(name, f"the {name} is empty"))
    elif len(text) > most:
        problems.append(Problem(name, f"the {name} has {len(text)} characters; at most {most}"))


def is_correct(correct: frozenset[int] | set[int], chosen: frozenset[int] | set[int]) -> bool:
    """Right only when exactly the right options are chosen (multi-select has no part marks)."""
    return bool(chosen) and set(chosen) == set(correct)
