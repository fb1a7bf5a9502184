"""What staff are likely to remember now, from each person's FSRS memory of each question.

Only questions a person has answered count: a question never asked says nothing about what
they remember, so it is "not yet asked", never 0%. A figure is the mean chance of recall now
(FSRS's retrievability) over the cards it covers, as a percentage.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot.domain.spacing import SpacingPolicy, retrievability
from bot.storage.quiz import MemoryState, Question
from bot.storage.staff import Staff

# A topic or question is named as forgotten only when this many people have answered it, so one
# person's slip is not read as the school forgetting.
FEWEST_PEOPLE = 3


@dataclass(frozen=True)
class Remembered:
    """The mean chance of recall now, over `cards` cards of `people` people."""

    percent: float
    cards: int
    people: int


@dataclass(frozen=True)
class Card:
    staff_id: int
    question: Question
    chance: float


def cards_of(
    session: Session, staff_ids: Sequence[int], policy: SpacingPolicy, now: datetime
) -> list[Card]:
    """Every answered question of these people, with their chance of recalling it now."""
    if not staff_ids:
        return []
    rows = session.exec(
        select(MemoryState.staff_id, MemoryState.question_id, MemoryState.card).where(
            col(MemoryState.staff_id).in_(list(staff_ids)), col(MemoryState.reviews) > 0
        )
    ).all()
    # Each question read once, not once per card: a school's year is tens of thousands of cards
    # over a bank of a few hundred questions.
    bank = {
        q.id: q
        for q in session.exec(
            select(Question).where(col(Question.id).in_({question for _, question, _ in rows}))
        ).all()
    }
    return [
        Card(staff, bank[question], retrievability(policy, card, now))
        for staff, question, card in rows
    ]


def _mean(cards: list[Card]) -> Remembered:
    return Remembered(
        100 * sum(c.chance for c in cards) / len(cards),
        len(cards),
        len({c.staff_id for c in cards}),
    )


def by_person_and_area(cards: list[Card]) -> dict[tuple[int, str], Remembered]:
    """Each person's recall in each area of need they were asked about."""
    grouped: dict[tuple[int, str], list[Card]] = defaultdict(list)
    for card in cards:
        grouped[(card.staff_id, card.question.area)].append(card)
    return {key: _mean(group) for key, group in grouped.items()}


def by_area(cards: list[Card]) -> dict[str, Remembered]:
    """Recall in each area of need, over everyone's cards."""
    grouped: dict[str, list[Card]] = defaultdict(list)
    for card in cards:
        grouped[card.question.area].append(card)
    return {area: _mean(group) for area, group in grouped.items()}


@dataclass(frozen=True)
class Forgotten:
    """A topic (or a question) and how well it is remembered."""

    name: str
    remembered: Remembered
    questions: list[Question]


def forgetting(cards: list[Card], most: int = 5) -> tuple[list[Forgotten], list[Forgotten]]:
    """The topics and the questions least likely to be recalled now, lowest first; each
    answered by at least FEWEST_PEOPLE people. A question without topics counts under its
    area of need, so every question has a place."""
    by_topic: dict[str, list[Card]] = defaultdict(list)
    by_question: dict[int, list[Card]] = defaultdict(list)
    names: dict[str, str] = {}
    for card in cards:
        assert card.question.id is not None
        by_question[card.question.id].append(card)
        for topic in card.question.tags or [card.question.area.replace("_", " ")]:
            key = topic.casefold()
            names.setdefault(key, topic)
            by_topic[key].append(card)

    def lowest(groups: dict, name_of) -> list[Forgotten]:  # type: ignore[no-untyped-def,type-arg]
        found = []
        for key, group in groups.items():
            remembered = _mean(group)
            if remembered.people >= FEWEST_PEOPLE:
                questions = list({c.question.id: c.question for c in group}.values())
                found.append(Forgotten(name_of(key, group), remembered, questions))
        found.sort(key=lambda f: (f.remembered.percent, f.name))
        return found[:most]

    topics = lowest(by_topic, lambda key, _group: names[key])
    questions = lowest(by_question, lambda _key, group: group[0].question.prompt)
    return topics, questions


def staff_ids_of(people: Sequence[Staff]) -> list[int]:
    return [p.id for p in people if p.id is not None]
