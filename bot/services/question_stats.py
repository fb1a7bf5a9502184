"""The question bank as staff answer it: how many answered, and the share choosing each option."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import String, cast, func
from sqlmodel import Session, col, select

from bot.storage.quiz import Question, QuizItem


@dataclass(frozen=True)
class QuestionStats:
    """How a question fares: how many answered, how many wrong, the share choosing each option."""

    question: Question
    answered: int
    wrong: int
    option_percents: list[int]  # per option; multi-select shares can add up past 100

    @property
    def wrong_percent(self) -> int | None:
        return None if not self.answered else self.wrong * 100 // self.answered


def question_stats(session: Session, school_id: int, retired: bool = False) -> list[QuestionStats]:
    """The bank in use (or its retired questions), questions most people get wrong first: a
    misconception worth a briefing."""
    questions = session.exec(
        select(Question).where(Question.school_id == school_id, Question.active == (not retired))
    ).all()
    # JSON has no equality on PostgreSQL, so group on its text; the answers vary little.
    rows = session.exec(
        select(QuizItem.question_id, cast(QuizItem.chosen, String), QuizItem.correct, func.count())
        .join(Question, col(Question.id) == col(QuizItem.question_id))
        .where(Question.school_id == school_id, QuizItem.status == "answered")
        .group_by(QuizItem.question_id, cast(QuizItem.chosen, String), QuizItem.correct)
    ).all()
    answered: dict[int, int] = defaultdict(int)
    wrong: dict[int, int] = defaultdict(int)
    chose: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for question_id, chosen_text, correct, count in rows:
        answered[question_id] += count
        wrong[question_id] += 0 if correct else count
        for option in set(json.loads(chosen_text or "null") or []):
            chose[question_id][option] += count
    stats = [
        QuestionStats(
            question=q,
            answered=answered[q.id],  # type: ignore[index]
            wrong=wrong[q.id],  # type: ignore[index]
            option_percents=[
                chose[q.id][i] * 100 // answered[q.id] if answered[q.id] else 0  # type: ignore[index]
                for i in range(len(q.options))
            ],
        )
        for q in questions
    ]
    # Unanswered questions say nothing yet, so they go last.
    return sorted(
        stats,
        key=lambda s: (
            s.answered == 0,
            -(s.wrong / s.answered if s.answered else 0),
            -s.answered,
            s.question.qid,
        ),
    )


@dataclass(frozen=True)
class BankFilter:
    """Which questions the bank page lists: an area of need, a topic, words in the question."""

    area: str = ""
    topic: str = ""
    words: str = ""

    def keeps(self, question: Question) -> bool:
        if self.area and question.area != self.area:
            return False
        if self.topic and self.topic.casefold() not in (t.casefold() for t in question.tags):
            return False
        wanted = self.words.casefold().split()
        text = " ".join([question.prompt, *question.options, question.qid]).casefold()
        return all(word in text for word in wanted)


def topics_of(stats: list[QuestionStats]) -> list[str]:
    """Every topic the questions are tagged with, once, in alphabetical order."""
    found = {tag.casefold(): tag for s in stats for tag in s.question.tags}
    return [found[key] for key in sorted(found)]
