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
    candidates: list[Candidate],
    focus_tags: frozenset[str],
    count: int,
    now: datetime,
    new_at_least: int = 0,
) -> list[int]:
    """Up to `count` question ids, never one twice.

    Due reviews come first, the most forgotten (lowest retrievability) before the rest, so a
    long break never piles up: what does not fit waits for the next round. Then new questions
    on the SENDCO's focus topics, then other new questions, in bank order. `new_at_least` slots
    can be kept for new questions while any are left (as Anki keeps new cards a day). It is 0 by
    default: in the spacing simulation (BENCHMARKS.md) keeping one slot a round widened coverage
    but halved end-of-year recall, as the extra reviews it created were crowded out.
    """
    due = sorted(
        (c for c in candidates if c.due is not None and c.due <= now),
        key=lambda c: (c.retrievability, c.due, c.question_id),
    )
    new = [c for c in candidates if c.due is None]
    focus = sorted((c for c in new if c.tags & focus_tags), key=_id)
    fresh = focus + sorted((c for c in new if not c.tags & focus_tags), key=_id)
    kept_for_new = min(new_at_least, len(fresh), count)
    ordered = due[: count - kept_for_new] + fresh + due[count - kept_for_new :]
    chosen: list[int] = []
    for candidate in ordered:
        if len(chosen) == count:
            break
        if candidate.question_id not in chosen:
            chosen.append(candidate.question_id)
    return chosen


def _id(candidate: Candidate) -> int:
    return candidate.question_id
