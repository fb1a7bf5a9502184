"""A school made in bulk for benchmarks: many staff on one platform, and one briefing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import insert
from sqlmodel import Session, select

from bot.storage.briefing import Briefing
from bot.storage.school import School
from bot.storage.staff import ChatIdentity, Staff


def bench_school(
    session: Session,
    count: int,
    platform: str,
    user_id: Callable[[int, str], str],
    now: datetime,
) -> tuple[Briefing, list[tuple[int, str]]]:
    """`count` teachers reachable on `platform` (user_id(staff id, email) names each), and a
    briefing for all of them; returns the briefing and the (staff id, email) pairs."""
    school = School(name="Bench School")
    session.add(school)
    session.flush()
    session.execute(
        insert(Staff),
        [
            {
                "school_id": school.id,
                "name": f"Person {n}",
                "email": f"p{n}@bench.example",
                "job_role": "teacher",
                "department": "Science",
                "roles": "staff",
                "working_days": "12345",
                "active": True,
            }
            for n in range(count)
        ],
    )
    people = [(i, e) for i, e in session.exec(select(Staff.id, Staff.email)).all()]
    session.execute(
        insert(ChatIdentity),
        [
            {"staff_id": i, "platform": platform, "platform_user_id": user_id(i, e), "extra": {}}
            for i, e in people
        ],
    )
    briefing = Briefing(
        school_id=school.id,  # type: ignore[arg-type]
        slug="bench",
        title="Benchmark briefing",
        bullets=["One.", "Two.", "Three."],
        audience=["all"],
        send_on=date(2026, 11, 3),
        created_at=now,
    )
    session.add(briefing)
    session.flush()
    return briefing, people  # type: ignore[return-value]
