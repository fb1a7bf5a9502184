"""Benchmark: plan one quiz round for 5,000 staff with a 300-question bank and a year of history.

The history (each person's memory of half the bank, and their answers) is made in bulk first and
not timed. The round is then planned three times, each in a transaction that is rolled back, in
a fresh process per engine; the median time and the process's peak memory are reported.
"""

from __future__ import annotations

import json
import os
import random
import sys
from datetime import UTC, date, datetime, timedelta

from tests.bench.engines import on_each_engine
from tests.bench.memory import peak_rss_mb

STAFF = int(os.environ.get("SENDBOT_BENCH_ROUND_STAFF", "5000"))
QUESTIONS = int(os.environ.get("SENDBOT_BENCH_QUESTIONS", "300"))
SEEN = QUESTIONS // 2
NOW = datetime(2027, 6, 8, 9, 0, tzinfo=UTC)  # a Tuesday in the summer term


def one_run(url: str) -> dict[str, float]:
    """In a fresh process: make the school and its history, then time planning a round."""
    from sqlalchemy import insert
    from sqlmodel import Session

    from bot.services.rounds import plan_round
    from bot.storage.quiz import MemoryState, QuizItem, QuizRound
    from bot.storage.school import School, Term
    from bot.storage.staff import Staff
    from tests.bench.history import bench_app, median_rolled_back, question_bank, sample_cards

    app = bench_app(url, NOW)
    rng = random.Random(7)
    cards = sample_cards(rng, NOW)

    def setup(session: Session) -> int:
        school = School(name="Bench School")
        session.add(school)
        session.flush()
        session.add(
            Term(
                school_id=school.id,
                name="Summer",
                starts_on=date(2027, 4, 12),
                ends_on=date(2027, 7, 21),
            )
        )
        question_ids = question_bank(session, school.id, QUESTIONS, NOW)  # type: ignore[arg-type]
        session.execute(
            insert(Staff),
            [
                {
                    "school_id": school.id,
                    "name": f"P{n}",
                    "email": f"p{n}@b.example",
                    "job_role": "teacher",
                    "department": "",
                    "roles": "staff",
                    "working_days": "12345",
                    "active": True,
                }
                for n in range(STAFF)
            ],
        )
        staff_ids = [
            s for (s,) in session.execute(Staff.__table__.select().with_only_columns(Staff.id))
        ]
        history = QuizRound(school_id=school.id, held_on=date(2027, 6, 3), created_at=NOW)
        session.add(history)
        session.flush()
        for start in range(0, len(staff_ids), 200):
            memory, answers = [], []
            for staff_id in staff_ids[start : start + 200]:
                for position, question_id in enumerate(rng.sample(question_ids, SEEN)):
                    due = NOW + timedelta(days=rng.uniform(-20, 160))
                    memory.append(
                        {
                            "staff_id": staff_id,
                            "question_id": question_id,
                            "card": rng.choice(cards),
                            "due": due,
                            "reviews": 3,
                            "lapses": 1,
                        }
                    )
                    answers.append(
                        {
                            "round_id": history.id,
                            "staff_id": staff_id,
                            "question_id": question_id,
                            "question_version": 1,
                            "position": position,
                            "status": "answered",
                            "correct": rng.random() < 0.8,
                            "chosen": [0],
                        }
                    )
            session.execute(insert(MemoryState), memory)
            session.execute(insert(QuizItem), answers)
        return school.id  # type: ignore[return-value]

    school_id = app.db.work(setup)
    seconds, planned = median_rolled_back(
        app,
        lambda session: plan_round(session, session.get(School, school_id), NOW, "local"),  # type: ignore[arg-type]
    )
    assert planned == STAFF * 3, planned
    app.db.dispose()
    return {
        "plan_seconds": seconds,
        "peak_rss_mb": peak_rss_mb(),
    }


def section() -> str:
    """The round-planning section of BENCHMARKS.md."""
    rows = []
    results = on_each_engine("tests.bench.round_planning")
    for engine, figures in results.items():
        rows.append(
            f"| {engine} | {figures['plan_seconds']:.2f} | "
            f"{STAFF * 3 / figures['plan_seconds']:,.0f} | {figures['peak_rss_mb']:.0f} |"
        )
    return "\n".join(
        [
            f"## Planning a quiz round: {STAFF:,} staff, {QUESTIONS} questions, a year of history",
            "",
            f"Each person remembers {SEEN} questions (FSRS cards, due dates spread over the",
            "coming months, some overdue) and has answered them; the round picks 3 questions each",
            "(due first, then new) and writes the outbox. Median of 3 plannings, each rolled back;",
            "peak memory is the whole process's, history-making included.",
            "",
            "| Engine | Plan a round (s) | Questions planned/s | Peak memory (MB) |",
            "|---|---|---|---|",
            *rows,
            "",
        ]
    )


if __name__ == "__main__":
    print(json.dumps(one_run(sys.argv[1])))
