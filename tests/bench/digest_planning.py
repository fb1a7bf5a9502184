"""Benchmark: plan the weekly digest for every line manager and the SENDCO of a 300-staff
school with a year of answers (issue 13: under 2 s).

The school (a line manager for every ten people, a target each, a year of quiz days with three
questions each, everyone's memory of the questions met, and briefings sent and mostly read) is
made in bulk first and not timed. The first sending moment of a school
week is then planned three times, each in a transaction that is rolled back, in a fresh
process per engine; the median time and the process's peak memory are reported.
SENDBOT_BENCH_DIGEST_STAFF sets the school's size.
"""

from __future__ import annotations

import json
import os
import random
import sys
from datetime import UTC, date, datetime, timedelta

from tests.bench.engines import on_each_engine
from tests.bench.memory import peak_rss_mb

STAFF = int(os.environ.get("SENDBOT_BENCH_DIGEST_STAFF", "300"))
TEAM = 10  # people per line manager
QUESTIONS = 200
PER_ROUND = 3
BRIEFINGS = 20
NOW = datetime(2027, 6, 7, 5, 0, tzinfo=UTC)  # a Monday in the summer term, before 07:30
TERMS = (
    (date(2026, 9, 2), date(2026, 12, 18)),
    (date(2027, 1, 5), date(2027, 3, 26)),
    (date(2027, 4, 12), date(2027, 7, 21)),
)


def quiz_days() -> list[date]:
    """Every Tuesday and Thursday in term from September to the week before NOW."""
    days, day = [], TERMS[0][0]
    while day < NOW.date():
        if day.isoweekday() in (2, 4) and any(a <= day <= b for a, b in TERMS):
            days.append(day)
        day += timedelta(days=1)
    return days


def one_run(url: str) -> dict[str, float]:
    """In a fresh process: make the school and its year, then time planning the digests."""
    from sqlalchemy import insert
    from sqlmodel import Session

    from bot.services.digests import plan_school_digests
    from bot.storage.briefing import Acknowledgement, Briefing
    from bot.storage.outbox import Delivery
    from bot.storage.quiz import MemoryState, QuizItem, QuizRound, Target
    from bot.storage.school import School, Term
    from bot.storage.staff import Staff
    from tests.bench.history import bench_app, median_rolled_back, question_bank, sample_cards

    app = bench_app(url, NOW)
    rng = random.Random(13)
    cards = sample_cards(rng, NOW)
    days = quiz_days()

    def setup(session: Session) -> tuple[int, int]:
        school = School(name="Bench School")
        session.add(school)
        session.flush()
        for n, (first, last) in enumerate(TERMS):
            session.add(Term(school_id=school.id, name=f"T{n}", starts_on=first, ends_on=last))
        question_ids = question_bank(session, school.id, QUESTIONS, NOW)  # type: ignore[arg-type]
        managers = max(STAFF // TEAM, 1)
        session.execute(
            insert(Staff),
            [
                {
                    "school_id": school.id,
                    "name": f"Person {n}",
                    "email": f"p{n}@b.example",
                    "job_role": "teacher",
                    "department": "",
                    "roles": "staff sendco" if n == 0 else "staff line_manager",
                    "working_days": "234" if n and n % 7 == 0 else "12345",
                    "active": True,
                }
                for n in range(managers)
            ]
            + [
                {
                    "school_id": school.id,
                    "name": f"Person {n}",
                    "email": f"p{n}@b.example",
                    "job_role": "teacher",
                    "department": "",
                    "roles": "staff",
                    "working_days": "12345" if n % 5 else "34",
                    "active": True,
                }
                for n in range(managers, STAFF)
            ],
        )
        staff = [
            s for (s,) in session.execute(Staff.__table__.select().with_only_columns(Staff.id))
        ]
        boss = staff[:managers]
        for n, person in enumerate(staff[managers:]):
            session.execute(
                Staff.__table__.update()
                .where(Staff.__table__.c.id == person)
                .values(line_manager_id=boss[n % managers])
            )
        rounds = {}
        for day in days:
            row = QuizRound(school_id=school.id, held_on=day, created_at=NOW)
            session.add(row)
            session.flush()
            rounds[day] = row.id
        for start in range(0, len(staff), 50):
            items, memory = [], []
            for person in staff[start : start + 50]:
                for day in days:
                    sent = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=9)
                    for position, question in enumerate(rng.sample(question_ids, PER_ROUND)):
                        answered = rng.random() < 0.75
                        items.append(
                            {
                                "round_id": rounds[day],
                                "staff_id": person,
                                "question_id": question,
                                "question_version": 1,
                                "position": position,
                                "status": "answered" if answered else "expired",
                                "sent_at": sent,
                                "answered_at": sent + timedelta(hours=2) if answered else None,
                                "correct": answered and rng.random() < 0.8,
                                "chosen": [0] if answered else None,
                            }
                        )
                for question in rng.sample(question_ids, QUESTIONS // 2):
                    memory.append(
                        {
                            "staff_id": person,
                            "question_id": question,
                            "card": rng.choice(cards),
                            "due": NOW + timedelta(days=rng.uniform(-20, 160)),
                            "reviews": 3,
                            "lapses": 1,
                        }
                    )
            session.execute(insert(QuizItem), items)
            session.execute(insert(MemoryState), memory)
        session.execute(
            insert(Target),
            [
                {
                    "staff_id": person,
                    "metric": "answered_share",
                    "threshold": 80,
                    "period_label": "2026-27",
                    "starts_on": date(2026, 9, 1),
                    "ends_on": date(2027, 8, 31),
                    "created_at": NOW,
                }
                for person in staff[managers:]
            ],
        )
        for n in range(BRIEFINGS):
            sent_on = date(2027, 4, 13) + timedelta(days=2 * n)
            briefing = Briefing(
                school_id=school.id,  # type: ignore[arg-type]
                slug=f"b{n}",
                title=f"Briefing {n}",
                bullets=["One."],
                audience=["all"],
                send_on=sent_on,
                created_at=NOW,
            )
            session.add(briefing)
            session.flush()
            at = datetime.combine(sent_on, datetime.min.time(), UTC) + timedelta(hours=8)
            session.execute(
                insert(Delivery),
                [
                    {
                        "school_id": school.id,
                        "staff_id": person,
                        "kind": "briefing",
                        "subject_id": briefing.id,
                        "idempotency_key": f"briefing:{briefing.id}:{person}",
                        "platform": "local",
                        "status": "sent",
                        "not_before": at,
                        "sent_at": at,
                        "attempts": 1,
                        "last_error": "",
                        "any_hour": False,
                        "maybe_sent": False,
                    }
                    for person in staff
                ],
            )
            session.execute(
                insert(Acknowledgement),
                [
                    {"briefing_id": briefing.id, "staff_id": person, "acknowledged_at": at}
                    for person in staff
                    if rng.random() < 0.9
                ],
            )
        return school.id, managers  # type: ignore[return-value]

    school_id, managers = app.db.work(setup)
    seconds, planned = median_rolled_back(
        app,
        lambda session: plan_school_digests(session, session.get(School, school_id), NOW, "local"),  # type: ignore[arg-type]
    )
    # Every line manager (the SENDCO among them) but the part-timers who start on Tuesday.
    assert planned == sum(1 for n in range(managers) if not (n and n % 7 == 0)), planned
    app.db.dispose()
    return {
        "plan_seconds": seconds,
        "digests": float(planned),
        "peak_rss_mb": peak_rss_mb(),
    }


def section() -> str:
    """The digest-planning section of BENCHMARKS.md."""
    rows = []
    results = on_each_engine("tests.bench.digest_planning")
    for engine, figures in results.items():
        rows.append(
            f"| {engine} | {figures['plan_seconds']:.2f} | {figures['digests']:.0f} | "
            f"{figures['peak_rss_mb']:.0f} |"
        )
    return "\n".join(
        [
            f"## Planning the weekly digest: {STAFF:,} staff with a year of answers",
            "",
            f"A line manager for every {TEAM} people (one of them the SENDCO), each person with a",
            f"target for the year, {PER_ROUND} questions on each of {len(quiz_days())} quiz days "
            f"from a bank of {QUESTIONS},",
            f"memory of half the bank, {BRIEFINGS} briefings sent to all. The Monday's digests",
            "(team figures for the last two school weeks, who has not answered, targets at risk;",
            "the school's briefings, alerts and forgetting for the SENDCO) are planned into the",
            "outbox. Median of 3 plannings, each rolled back; the aim is under 2 s.",
            "",
            "| Engine | Plan the digests (s) | Digests planned | Peak memory (MB) |",
            "|---|---|---|---|",
            *rows,
            "",
        ]
    )


if __name__ == "__main__":
    print(json.dumps(one_run(sys.argv[1])))
