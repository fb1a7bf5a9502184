"""Spacing with FSRS: each person's memory of each question, and when to ask it again.

Wrong answers are `Again`, right ones `Good`; no minute-level learning steps (questions come by
message, a day or more apart); intervals capped. Cards are kept as fsrs's own dicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from fsrs import Card, Rating, Scheduler


@dataclass(frozen=True)
class SpacingPolicy:
    """A school's spacing settings."""

    desired_retention: float = 0.9
    maximum_interval_days: int = 180

    def scheduler(self) -> Scheduler:
        return _scheduler(self.desired_retention, self.maximum_interval_days)


@lru_cache(maxsize=16)
def _scheduler(desired_retention: float, maximum_interval_days: int) -> Scheduler:
    # Building a Scheduler checks its parameters each time; a round asks thousands of times.
    return Scheduler(
        desired_retention=desired_retention,
        learning_steps=(),
        relearning_steps=(),
        maximum_interval=maximum_interval_days,
        enable_fuzzing=False,
    )


def new_card(card_id: int, now: datetime) -> dict[str, Any]:
    """A card never reviewed, due now (fsrs would otherwise read the clock)."""
    return Card(card_id=card_id, due=_utc(now)).to_dict()  # type: ignore[no-any-return]


def review(
    policy: SpacingPolicy, card: dict[str, Any], correct: bool, at: datetime
) -> tuple[dict[str, Any], datetime]:
    """The card after this answer, and when the question is next due."""
    rating = Rating.Good if correct else Rating.Again
    reviewed, _log = policy.scheduler().review_card(Card.from_dict(card), rating, _utc(at))
    return reviewed.to_dict(), reviewed.due


def retrievability(policy: SpacingPolicy, card: dict[str, Any], at: datetime) -> float:
    """The chance the person recalls the answer at this moment (1.0 for a card never reviewed)."""
    loaded = Card.from_dict(card)
    if loaded.last_review is None:
        return 1.0
    return float(policy.scheduler().get_card_retrievability(loaded, _utc(at)))


def _utc(moment: datetime) -> datetime:
    # fsrs insists on datetime.timezone.utc itself, not merely an aware datetime.
    if moment.tzinfo is None:
        raise ValueError("spacing needs an aware datetime")
    return moment.astimezone(UTC)
