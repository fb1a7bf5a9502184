"""Benchmark: the dashboards of a 300-staff school with a year of answers, over HTTP from a real
`sendbot run` on PostgreSQL (issue 13: under 300 ms at the 95th percentile).

A fresh PostgreSQL database is migrated and filled in bulk (COPY, and INSERT ... SELECT for the
outbox rows that follow from the answers; not timed against the goal): a SENDCO, a line
manager for every thirty people (the first with a team of exactly 30), a 300-question bank in
ten topics over the five areas of need, the school days of the last twelve months with a quiz
round on each, at least SENDBOT_BENCH_DASHBOARD_ROWS answer rows (quiz items, 1,000,000 by
default: more questions a day than any school would set, so that the rows reach the figure),
each with the outbox row that sent it, everyone's FSRS memory of every question they were
asked, targets for everyone, and a briefing every two school weeks, mostly read. Today's round
is stored already, so the running sendbot plans no quiz while it is measured.

`sendbot run` then serves it; the line manager and the SENDCO sign in with the demo's persona
picker (DEMO_MODE on this computer), and each page is fetched WARM_UP times and then REQUESTS
times in a row: the median and 95th percentile of the whole request, as a browser waits for it.

    python -m tests.bench dashboards
    SENDBOT_BENCH_DASHBOARD_ROWS=100000 python -m tests.bench dashboards   # a quicker run
"""

from __future__ import annotations

import io
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

STAFF = int(os.environ.get("SENDBOT_BENCH_DASHBOARD_STAFF", "300"))
ROWS = int(os.environ.get("SENDBOT_BENCH_DASHBOARD_ROWS", "1000000"))
REQUESTS = int(os.environ.get("SENDBOT_BENCH_DASHBOARD_REQUESTS", "30"))
WARM_UP = 5
TEAM = 30
QUESTIONS = 300
TOPICS = 10
AREAS = (
    "communication_and_interaction",
    "cognition_and_learning",
    "social_emotional_and_mental_health",
    "sensory_and_physical",
    "general",
)
BRIEFING_EVERY = 10  # school days
GOAL_MS = 300.0
ZONE = ZoneInfo("Europe/London")
MET = {True: "yes", False: "NO"}


@dataclass(frozen=True)
class Loaded:
    """What was put in the database, and how long it took."""

    manager: int  # staff id of the line manager with a team of TEAM
    sendco: int
    items: int
    deliveries: int
    memory: int
    days: int
    per_day: int
    briefings: int
    year: str  # the academic year with most of the answers, as the period chooser names it
    seconds: float


def terms_around(today: date) -> list[tuple[str, date, date]]:
    """Half terms like an English school's for the academic year of today and the one before."""
    from bot.domain.targets import academic_year_of, easter_sunday

    terms = []
    for first in (academic_year_of(today) - 1, academic_year_of(today)):
        second = first + 1
        summer = max(date(second, 4, 12), easter_sunday(second) + timedelta(days=8))
        terms += [
            ("Autumn 1", date(first, 9, 2), date(first, 10, 23)),
            ("Autumn 2", date(first, 11, 2), date(first, 12, 18)),
            ("Spring 1", date(second, 1, 5), date(second, 2, 12)),
            ("Spring 2", date(second, 2, 22), easter_sunday(second) - timedelta(days=3)),
            ("Summer 1", summer, date(second, 5, 28)),
            ("Summer 2", date(second, 6, 7), date(second, 7, 21)),
        ]
    return terms


def school_days(today: date, terms: list[tuple[str, date, date]]) -> list[date]:
    """The school days of the twelve months before today."""
    from bot.domain.calendar import DateRange, SchoolCalendar, england_bank_holidays

    calendar = SchoolCalendar(
        timezone=ZONE,
        window_start=datetime.min.time().replace(hour=7, minute=30),
        window_end=datetime.min.time().replace(hour=16, minute=30),
        terms=tuple(DateRange(first, last) for _, first, last in terms),
        bank_holidays=england_bank_holidays({today.year - 1, today.year}),
    )
    first = today - timedelta(days=365)
    return [
        first + timedelta(days=n)
        for n in range((today - first).days)
        if calendar.is_school_day(first + timedelta(days=n))
    ]


def card_pool(rng: random.Random, now: datetime, size: int = 80) -> list[tuple[str, datetime]]:
    """Realistic FSRS cards (as JSON) and when each is due: first answered 1 to 12 months ago,
    answered again each time it came due, mostly right."""
    from bot.domain.spacing import SpacingPolicy, new_card, review

    policy, pool = SpacingPolicy(), []
    for _ in range(size):
        at = now - timedelta(days=rng.uniform(30, 360))
        card, due = new_card(1, at), at
        reviews = 0
        while due < now and reviews < 10:
            card, due = review(policy, card, rng.random() < 0.8, max(due, at))
            at, reviews = due, reviews + 1
        pool.append((json.dumps(card), due))
    return pool


def _stamp(moment: datetime) -> str:
    """A moment as the naive UTC timestamp the columns keep."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def load(url: str, now: datetime) -> Loaded:
    """Make the school and its year in the (migrated, empty) database at `url`."""
    import psycopg
    from sqlalchemy import insert
    from sqlmodel import Session, select

    from bot.domain.targets import academic_year, academic_year_of
    from bot.storage.briefing import Acknowledgement, Briefing
    from bot.storage.database import make_engine
    from bot.storage.outbox import Delivery
    from bot.storage.quiz import Question, QuizRound, Target
    from bot.storage.school import School, Term
    from bot.storage.staff import Staff

    started = time.perf_counter()
    rng = random.Random(13)
    today = now.astimezone(ZONE).date()
    terms = terms_around(today)
    days = school_days(today, terms)
    per_day = max(1, math.ceil(ROWS / (STAFF * len(days))))
    per_day = min(per_day, QUESTIONS)
    days = days[-math.ceil(ROWS / (STAFF * per_day)) :]  # the most recent, when fewer will do
    managers = max(1, math.ceil((STAFF - 1) / (TEAM + 1)))
    engine = make_engine(url)
    with Session(engine) as session:
        school = School(name="Bench School", quiz_days="12345")
        session.add(school)
        session.flush()
        for name, first, last in terms:
            session.add(Term(school_id=school.id, name=name, starts_on=first, ends_on=last))
        session.execute(
            insert(Question),
            [
                {
                    "school_id": school.id,
                    "qid": f"q-{n}",
                    "prompt": f"Question {n}: what should a teacher do first?",
                    "options": ["The right thing", "A wrong thing", "Another wrong thing"],
                    "correct": [0],
                    "multi": False,
                    "explanation": "Because the Code of Practice says so.",
                    "area": AREAS[n % len(AREAS)],
                    "tags": [f"topic {n % TOPICS}"],
                    "audience": [],
                    "source": "SEND Code of Practice",
                    "version": 1,
                    "content_hash": str(n),
                    "active": True,
                    "created_at": now - timedelta(days=400),
                    "updated_at": now - timedelta(days=400),
                }
                for n in range(QUESTIONS)
            ],
        )
        bank = list(session.exec(select(Question.id).order_by(Question.id)).all())
        roles = ["staff sendco"] + ["staff line_manager"] * managers
        roles += ["staff"] * (STAFF - len(roles))
        session.execute(
            insert(Staff),
            [
                {
                    "school_id": school.id,
                    "name": f"Person {n:03d}",
                    "email": f"p{n}@bench.example",
                    "job_role": "teacher",
                    "department": f"Department {n % 8}",
                    "roles": role,
                    "working_days": "12345",
                    "active": True,
                }
                for n, role in enumerate(roles)
            ],
        )
        staff = list(session.exec(select(Staff.id).order_by(Staff.id)).all())
        sendco, bosses, others = staff[0], staff[1 : managers + 1], staff[managers + 1 :]
        for n, person in enumerate(others):
            # The first line manager has exactly TEAM people; the rest are shared out.
            boss = bosses[0] if n < TEAM or len(bosses) == 1 else bosses[1 + n % (len(bosses) - 1)]
            session.execute(
                Staff.__table__.update()  # type: ignore[attr-defined]
                .where(Staff.__table__.c.id == person)  # type: ignore[attr-defined]
                .values(line_manager_id=boss)
            )
        # Targets for this academic year and for the one holding most of the answers.
        firsts = [academic_year_of(d) for d in days]
        most = academic_year(max(set(firsts), key=firsts.count))
        years = {p.label: p for p in (most, academic_year(academic_year_of(today)))}
        session.execute(
            insert(Target),
            [
                {
                    "staff_id": person,
                    "set_by_id": bosses[0],
                    "metric": metric,
                    "threshold": threshold,
                    "period_label": period.label,
                    "starts_on": period.starts_on,
                    "ends_on": period.ends_on,
                    "created_at": now,
                }
                for person in staff
                for period in years.values()
                for metric, threshold in (
                    ("answered_share", 80),
                    ("correct_share", 70),
                    ("briefings_acknowledged_share", 90),
                )
            ],
        )
        rounds = {}
        for day in [*days, today]:  # today's round stored: the server plans no quiz
            row = QuizRound(school_id=school.id, held_on=day, created_at=now)  # type: ignore[arg-type]
            session.add(row)
            session.flush()
            rounds[day] = row.id
        briefings = 0
        for n, day in enumerate(days[::BRIEFING_EVERY]):
            briefing = Briefing(
                school_id=school.id,  # type: ignore[arg-type]
                slug=f"briefing-{n}",
                title=f"Briefing {n}: a SEND topic in five bullets",
                bullets=["One.", "Two.", "Three."],
                audience=["all"],
                send_on=day,
                status="planned",
                created_at=now,
                planned_at=now,
            )
            session.add(briefing)
            session.flush()
            at = datetime.combine(day, datetime.min.time(), ZONE) + timedelta(hours=8)
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
                    }
                    for person in staff
                ],
            )
            session.execute(
                insert(Acknowledgement),
                [
                    {"briefing_id": briefing.id, "staff_id": person, "acknowledged_at": at}
                    for person in staff
                    if rng.random() < 0.85
                ],
            )
            briefings += 1
        school_id = school.id
        session.commit()
    engine.dispose()

    pool = card_pool(rng, now)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        with conn.cursor() as cursor:
            columns = (
                "round_id, staff_id, question_id, question_version, position, status, sent_at,"
                " answered_at, chosen, correct, seconds_taken"
            )
            with cursor.copy(f"COPY quizitem ({columns}) FROM STDIN") as copy:
                for chunk in _items(rng, staff, bank, days, rounds, per_day):
                    copy.write(chunk)
            cursor.execute(
                "INSERT INTO delivery (school_id, staff_id, kind, subject_id, idempotency_key,"
                " platform, status, not_before, sent_at, attempts, last_error, any_hour,"
                " maybe_sent) SELECT %s, staff_id, 'question', id,"
                " 'question:' || id || ':' || staff_id, 'local', 'sent', sent_at, sent_at, 1,"
                " '', false, false FROM quizitem",
                (school_id,),
            )
            with cursor.copy(
                "COPY memorystate (staff_id, question_id, card, due, reviews, lapses) FROM STDIN"
            ) as copy:
                for chunk in _memory(rng, staff, bank, per_day * len(days), pool):
                    copy.write(chunk)
            conn.commit()
            counts = {}
            for table in ("quizitem", "delivery", "memorystate"):
                cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - our own names
                counts[table] = cursor.fetchone()[0]  # type: ignore[index]
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    return Loaded(
        manager=bosses[0],
        sendco=sendco,
        items=counts["quizitem"],
        deliveries=counts["delivery"],
        memory=counts["memorystate"],
        days=len(days),
        per_day=per_day,
        briefings=briefings,
        year=most.label,
        seconds=time.perf_counter() - started,
    )


def _items(
    rng: random.Random,
    staff: list[int],
    bank: list[int],
    days: list[date],
    rounds: dict[date, int],
    per_day: int,
) -> Iterator[str]:
    """The quiz items as COPY text, a person at a time: each asked `per_day` questions a day,
    answering as they differ (some keen, some not), mostly right."""
    sent = {d: datetime.combine(d, datetime.min.time(), ZONE) + timedelta(hours=9) for d in days}
    stamps = {d: (_stamp(at), _stamp(at + timedelta(hours=2))) for d, at in sent.items()}
    for person in staff:
        keen, sure = rng.uniform(0.5, 1.0), rng.uniform(0.55, 0.95)
        out = io.StringIO()
        for day in days:
            asked, answered_at = stamps[day]
            round_id = rounds[day]
            for position, question in enumerate(rng.sample(bank, per_day)):
                if rng.random() < keen:
                    right = rng.random() < sure
                    out.write(
                        f"{round_id}\t{person}\t{question}\t1\t{position}\tanswered\t{asked}\t"
                        f"{answered_at}\t{'[0]' if right else '[1]'}\t{'t' if right else 'f'}"
                        "\t20\n"
                    )
                else:
                    out.write(
                        f"{round_id}\t{person}\t{question}\t1\t{position}\texpired\t{asked}"
                        "\t\\N\t\\N\t\\N\t\\N\n"
                    )
        yield out.getvalue()


def _memory(
    rng: random.Random,
    staff: list[int],
    bank: list[int],
    asked: int,
    pool: list[tuple[str, datetime]],
) -> Iterator[str]:
    """Each person's memory of the questions they were asked (all of the bank, once they have
    been asked as many questions as it holds), as COPY text."""
    seen = min(len(bank), asked)
    for person in staff:
        out = io.StringIO()
        for question in rng.sample(bank, seen):
            card, due = rng.choice(pool)
            text = card.replace("\\", "\\\\")
            out.write(f"{person}\t{question}\t{text}\t{_stamp(due)}\t{rng.randint(1, 9)}\t1\n")
        yield out.getvalue()


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def timed(client: Any, path: str, check: str) -> dict[str, float]:
    """GET `path` WARM_UP times, then REQUESTS times timed; each must answer 200 with `check`
    in the page. Median, 95th percentile and maximum in milliseconds."""
    timings = []
    for n in range(WARM_UP + REQUESTS):
        started = time.perf_counter()
        answer = client.get(path)
        took = time.perf_counter() - started
        assert answer.status_code == 200 and check in answer.text, (path, answer.status_code)
        if n >= WARM_UP:
            timings.append(took * 1000)
    return {
        "median_ms": statistics.median(timings),
        "p95_ms": _p95(timings),
        "max_ms": max(timings),
    }


def measure(url: str, folder: Path) -> tuple[Loaded, list[tuple[str, str, dict[str, float]]]]:
    """Load the school, start `sendbot run` on it, sign in and time the pages."""
    import httpx

    from bot.storage.database import make_engine
    from bot.storage.migrate import upgrade
    from tests.e2e.process import start
    from tests.web_forms import demo_sign_in

    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    loaded = load(url, datetime.now(UTC))
    print(
        f"loaded {loaded.items:,} answers, {loaded.memory:,} memory rows in {loaded.seconds:.0f} s",
        file=sys.stderr,
    )
    running = start(folder, {"DATABASE_URL": url})
    results = []
    try:
        time.sleep(3)  # the first scheduler tick (nothing to plan) is over
        year = f"?period={loaded.year}"
        for who, staff_id, pages in (
            (
                f"line manager, team of {TEAM}",
                loaded.manager,
                (("/team", "this term"), (f"/team{year}", f"the year {loaded.year}")),
            ),
            (
                f"SENDCO, {STAFF} staff",
                loaded.sendco,
                (("/sendco", "this term"), (f"/sendco{year}", f"the year {loaded.year}")),
            ),
        ):
            with httpx.Client(base_url=running.base_url, timeout=120) as client:
                demo_sign_in(client, staff_id)
                for path, period in pages:
                    page = path.split("?")[0]
                    check = 'data-chart="bullet"' if page == "/team" else "data-brief-next"
                    results.append((f"`{page}` ({period})", who, timed(client, path, check)))
    finally:
        running.stop()
    return loaded, results


def section() -> str:
    """The dashboards section of BENCHMARKS.md."""
    from tests.bench.engines import _drop, _postgres_database

    heading = f"## The dashboards: {STAFF} staff with a year of answers, over HTTP"
    made = _postgres_database()
    if made is None:
        return f"{heading}\n\nNot run: PostgreSQL is not reachable at 127.0.0.1:5432.\n"
    try:
        with tempfile.TemporaryDirectory() as folder:
            loaded, results = measure(made[0], Path(folder))
    finally:
        _drop(made[1])
    rows = [
        f"| {page} | {who} | {r['median_ms']:.0f} | {r['p95_ms']:.0f} | {r['max_ms']:.0f} | "
        f"{MET[r['p95_ms'] < GOAL_MS]} |"
        for page, who, r in results
    ]
    return "\n".join(
        [
            heading,
            "",
            f"A real `sendbot run` on a fresh PostgreSQL database holding {loaded.items:,}",
            f"answer rows (quiz items: {loaded.per_day} questions to each of {STAFF} staff on "
            f"each of the {loaded.days} school days",
            "before today, so as to reach SENDBOT_BENCH_DASHBOARD_ROWS), the "
            f"{loaded.deliveries:,} outbox rows that sent",
            f"them and {loaded.briefings} briefings, {loaded.memory:,} FSRS memory rows "
            f"(everyone's memory of a {QUESTIONS}-question bank),",
            "and three targets a school year each; loaded with COPY and INSERT ... SELECT in "
            f"{loaded.seconds:.0f} s. A line manager with a",
            f"team of {TEAM} and the SENDCO sign in with the demo's picker; each page is "
            f"fetched {WARM_UP} times, then {REQUESTS} times",
            "one after another, timed from request to the last byte. The aim is under "
            f"{GOAL_MS:.0f} ms at the 95th percentile.",
            "",
            "| Page | Signed in as | Median (ms) | p95 (ms) | Max (ms) | p95 under 300 ms |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
        ]
    )


if __name__ == "__main__":
    print(section())
