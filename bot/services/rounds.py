"""Quiz rounds: pick each person's questions for the day and put them in the outbox."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from bot.domain.calendar import next_sending_moment
from bot.domain.people import working_days_from_text
from bot.domain.rounds import has_round_on
from bot.domain.selection import Candidate, choose_questions
from bot.domain.spacing import SpacingPolicy, retrievability
from bot.services.outbox import PlannedDelivery, plan
from bot.services.school_calendar import availability_of, calendar_for
from bot.storage.quiz import MemoryState, Question, QuizItem, QuizRound
from bot.storage.school import School
from bot.storage.staff import Staff

QUESTION = "question"
OPEN = ("planned", "sent")


def spacing_policy(school: School) -> SpacingPolicy:
    """The school's spacing settings."""
    return SpacingPolicy(school.quiz_desired_retention, school.quiz_max_interval_days)


def plan_rounds(session: Session, now: datetime, platform: str) -> int:
    """Plan today's round at every school that has not planned it yet; returns new deliveries."""
    created = 0
    for school in session.exec(select(School)).all():
        created += plan_round(session, school, now, platform)
    return created


def plan_round(
    session: Session, school: School, now: datetime, platform: str, send_now: bool = False
) -> int:
    """Today's round at one school, once: safe to call on every tick.

    With send_now (the SENDCO's "send a round now", and the demo) everyone active gets it at
    once, whatever the day; it is still one round a day.
    """
    today = now.astimezone(ZoneInfo(school.timezone)).date()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # The unique (school, day) key makes this the one place a day's round is decided, even
    # with several replicas ticking at once.
    claimed = session.execute(
        insert(QuizRound)
        .values(school_id=school.id, held_on=today, created_at=now)
        .on_conflict_do_nothing(index_elements=["school_id", "held_on"])
        .returning(QuizRound.id)
    ).first()
    if claimed is None:
        return 0
    round_id = claimed[0]
    calendar = calendar_for(session, school, now)
    quiz_days = working_days_from_text(school.quiz_days)
    people = [
        p
        for p in session.exec(
            select(Staff).where(Staff.school_id == school.id, Staff.active == True)  # noqa: E712
        ).all()
        if send_now or has_round_on(calendar, availability_of(p), quiz_days, today)
    ]
    if not people:
        return 0
    questions = session.exec(
        select(Question).where(Question.school_id == school.id, Question.active == True)  # noqa: E712
    ).all()
    policy = spacing_policy(school)
    focus = frozenset(school.quiz_focus_tags)
    start_of_day = calendar.window_on(today)[0]
    versions = {q.id: q.version for q in questions}
    # Plain values read once: a round looks at every question for every person.
    bank = [(q.id, frozenset(q.audience), Candidate(q.id, frozenset(q.tags))) for q in questions]
    items: list[QuizItem] = []
    moments: dict[int, datetime] = {}
    # People are taken a chunk at a time so that a large school's year of memory is never all
    # in memory at once.
    for chunk in _chunks(people):
        ids = [p.id for p in chunk]  # type: ignore[misc]
        seen, due_cards = _memory(session, ids, now)  # type: ignore[arg-type]
        still_open = _open_questions_by_person(session, ids)  # type: ignore[arg-type]
        for person in chunk:
            assert person.id is not None
            mine_due, mine_seen = due_cards[person.id], seen[person.id]
            mine_open = still_open[person.id]
            candidates = [
                _due_candidate(fresh, mine_due[qid], policy, now) if qid in mine_due else fresh
                for qid, audience, fresh in bank
                if (not audience or person.job_role in audience)
                and qid not in mine_open
                and (qid not in mine_seen or qid in mine_due)
            ]
            chosen = choose_questions(candidates, focus, school.quiz_questions_per_round, now)
            moment = (
                now
                if send_now
                else next_sending_moment(calendar, availability_of(person), max(now, start_of_day))
            )
            moments[person.id] = moment or now
            items.extend(
                QuizItem(
                    round_id=round_id,
                    staff_id=person.id,
                    question_id=qid,
                    question_version=versions[qid],
                    position=position,
                )
                for position, qid in enumerate(chosen, start=1)
            )
    session.add_all(items)
    session.flush()
    return plan(
        session,
        [
            PlannedDelivery(
                school_id=school.id,  # type: ignore[arg-type]
                staff_id=item.staff_id,
                kind=QUESTION,
                subject_id=item.id,  # type: ignore[arg-type]
                platform=platform,
                not_before=moments[item.staff_id],
                any_hour=send_now,
            )
            for item in items
        ],
    )


def _due_candidate(
    fresh: Candidate, due_card: tuple[datetime, dict], policy: SpacingPolicy, now: datetime
) -> Candidate:
    due, card = due_card
    # Among due questions, the most forgotten (lowest retrievability) come first.
    return Candidate(fresh.question_id, fresh.tags, due, retrievability(policy, card, now))


def _memory(
    session: Session, staff_ids: list[int], now: datetime
) -> tuple[dict[int, set[int]], dict[int, dict[int, tuple[datetime, dict]]]]:
    """Which questions each person has met, and the cards of those due again."""
    seen: dict[int, set[int]] = defaultdict(set)
    due: dict[int, dict[int, tuple[datetime, dict]]] = defaultdict(dict)
    for staff_id, question_id in session.exec(
        select(MemoryState.staff_id, MemoryState.question_id).where(
            MemoryState.staff_id.in_(staff_ids)  # type: ignore[attr-defined]
        )
    ).all():
        seen[staff_id].add(question_id)
    for staff_id, question_id, when, card in session.exec(
        select(
            MemoryState.staff_id, MemoryState.question_id, MemoryState.due, MemoryState.card
        ).where(MemoryState.staff_id.in_(staff_ids), MemoryState.due <= now)  # type: ignore[attr-defined]
    ).all():
        due[staff_id][question_id] = (when, card)
    return seen, due


def _open_questions_by_person(session: Session, staff_ids: list[int]) -> dict[int, set[int]]:
    """Questions still waiting for an answer: never ask one again while it is open."""
    by_person: dict[int, set[int]] = defaultdict(set)
    rows = session.exec(
        select(QuizItem.staff_id, QuizItem.question_id).where(
            QuizItem.staff_id.in_(staff_ids),  # type: ignore[attr-defined]
            QuizItem.status.in_(OPEN),  # type: ignore[attr-defined]
        )
    ).all()
    for staff_id, question_id in rows:
        by_person[staff_id].add(question_id)
    return by_person


def _chunks(people: list[Staff], size: int = 500) -> list[list[Staff]]:
    return [people[i : i + size] for i in range(0, len(people), size)]
