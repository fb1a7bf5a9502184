"""Which questions a person gets in a round: what they are forgetting first, then new ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Candidate:
    """A question the person may be asked, and what is known of their memory of it."""

    question_id: int
    tags: frozenset[str]
    due: datetime | None = None  # None: never asked
    retrievability: float = 1.0


def choose_questions(
    candidates: list[Candidate], focus_tags: frozenset[str], count: int, now: datetime
) -> list[int]:
    """Up to `count` question ids, never one twice.

    Due reviews come first, the most forgotten (lowest retrievability) before the rest, so a
    long break never piles up: what does not fit waits for the next round. Then new questions
    on the SENDCO's focus topics, then other new questions, in bank order.
    """
    due = sorted(
        (c for c in candidates if c.due is not None and c.due <= now),
        key=lambda c: (c.retrievability, c.due, c.question_id),
    )
    new = [c for c in candidates if c.due is None]
    focus = [c for c in new if c.tags & focus_tags]
    other = [c for c in new if not c.tags & focus_tags]
    chosen: list[int] = []
    for candidate in [*due, *sorted(focus, key=_id), *sorted(other, key=_id)]:
        if len(chosen) == count:
            break
        if candidate.question_id not in chosen:
            chosen.append(candidate.question_id)
    return chosen


def _id(candidate: Candidate) -> int:
    return candidate.question_id
