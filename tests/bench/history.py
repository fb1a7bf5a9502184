"""A year of quiz history made in bulk for benchmarks: a sendbot app on a fresh database, a few
realistic FSRS cards, and a question bank."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from bot.bootstrap import Sendbot, build, prepare_database
from bot.config import Settings
from bot.domain.spacing import SpacingPolicy, new_card, review
from bot.services.clock import FixedClock
from bot.storage.quiz import Question


def bench_app(url: str, now: datetime) -> Sendbot:
    """sendbot on the database at `url`, its schema made, its clock stopped at `now`."""
    app = build(Settings(database_url=url, _env_file=None), clock=FixedClock(now))  # type: ignore[call-arg]
    prepare_database(app)
    return app


def sample_cards(rng: random.Random, now: datetime) -> list[dict[str, Any]]:
    """A few realistic cards, reviewed 1 to 8 times over the year, to stand for everyone's."""
    policy = SpacingPolicy()
    cards = []
    for reviews in range(1, 9):
        card, due = new_card(1, now - timedelta(days=300)), now - timedelta(days=300)
        for _ in range(reviews):
            card, due = review(policy, card, rng.random() < 0.8, due)
        cards.append(card)
    return cards


def question_bank(session: Session, school_id: int, count: int, now: datetime) -> list[int]:
    """`count` questions in ten topics; their ids."""
    session.execute(
        insert(Question),
        [
            {
                "school_id": school_id,
                "qid": f"q-{n}",
                "prompt": f"Question {n}?",
                "options": ["A", "B", "C"],
                "correct": [0],
                "multi": False,
                "explanation": "Because.",
                "area": "general",
                "tags": [f"t{n % 10}"],
                "audience": [],
                "source": "Bench",
                "version": 1,
                "content_hash": str(n),
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(count)
        ],
    )
    return [
        q for (q,) in session.execute(Question.__table__.select().with_only_columns(Question.id))
    ]


def median_rolled_back(app: Sendbot, work: Callable[[Session], int]) -> tuple[float, int]:
    """`work` timed three times, each in a transaction that is rolled back: the median time and
    what the last run returned."""
    timings, result = [], 0
    for _ in range(3):
        with Session(app.db.engine) as session:
            started = time.perf_counter()
            result = work(session)
            timings.append(time.perf_counter() - started)
            session.rollback()
    return statistics.median(timings), result
