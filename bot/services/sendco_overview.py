"""The SENDCO's overview of the school for a period: completion week by week, how the latest
briefings were read, register alerts read on time, and what the school is forgetting now, with
the topic to brief next. Each figure comes from a few grouped queries, whatever the school's
size."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, func, select

from bot.domain.targets import Period
from bot.services.progress import day_bounds, profiles_read, school_today
from bot.services.recall import Forgotten, cards_of, forgetting
from bot.services.rounds import spacing_policy
from bot.services.team_report import choose_period
from bot.services.weekly_completion import WeekFigures, weekly_completion
from bot.storage.briefing import Acknowledgement, Briefing
from bot.storage.outbox import Delivery
from bot.storage.school import School
from bot.storage.staff import Staff

LATEST_BRIEFINGS = 8


@dataclass(frozen=True)
class BriefingRead:
    """A briefing and how many of those it reached have said "Got it"."""

    briefing_id: int
    title: str
    reached: int
    acknowledged: int

    @property
    def percent(self) -> float | None:
        return None if not self.reached else 100 * self.acknowledged / self.reached


@dataclass(frozen=True)
class Overview:
    period: Period
    choices: list[Period]
    staff: int
    weeks: list[WeekFigures]
    briefings: list[BriefingRead]
    profiles_on_time: int
    profiles_due: int
    topics: list[Forgotten]
    questions: list[Forgotten]
    notes: list[str] = field(default_factory=list)

    @property
    def brief_next(self) -> Forgotten | None:
        """The topic least likely to be recalled now: worth a briefing."""
        return self.topics[0] if self.topics else None


def sendco_overview(
    session: Session, viewer: Staff, period_text: str | None, now: datetime
) -> Overview:
    """The school at a glance for the SENDCO and admins (never pupil data)."""
    school = session.get(School, viewer.school_id)
    assert school is not None
    today = school_today(session, viewer.school_id, now)
    notes: list[str] = []
    period, choices = choose_period(session, viewer.school_id, period_text, today, notes)
    ids = list(
        session.exec(
            select(Staff.id).where(Staff.school_id == school.id, Staff.active == True)  # noqa: E712
        ).all()
    )
    start, end = day_bounds(period, school.timezone)
    profiles = profiles_read(session, ids, start, end, today)  # type: ignore[arg-type]
    topics, questions = forgetting(cards_of(session, ids, spacing_policy(school), now))  # type: ignore[arg-type]
    return Overview(
        period=period,
        choices=choices,
        staff=len(ids),
        weeks=weekly_completion(session, school, ids, period, now),  # type: ignore[arg-type]
        briefings=briefings_read(session, school.id, start, end),  # type: ignore[arg-type]
        profiles_on_time=sum(done for done, _ in profiles.values()),
        profiles_due=sum(due for _, due in profiles.values()),
        topics=topics,
        questions=questions,
        notes=notes,
    )


def briefings_read(
    session: Session, school_id: int, start: datetime, end: datetime
) -> list[BriefingRead]:
    """The latest briefings sent in the period, newest first: reached and acknowledged."""
    reached = session.exec(
        select(Delivery.subject_id, func.count(func.distinct(Delivery.staff_id)))
        .join(Briefing, col(Briefing.id) == col(Delivery.subject_id))
        .where(Briefing.school_id == school_id, Delivery.kind == "briefing")
        .where(Delivery.status == "sent")
        .where(col(Delivery.sent_at) >= start, col(Delivery.sent_at) < end)
        .group_by(Delivery.subject_id)
    ).all()
    counts = dict(reached)
    if not counts:
        return []
    briefings = session.exec(
        select(Briefing)
        .where(col(Briefing.id).in_(list(counts)))
        .order_by(col(Briefing.send_on).desc(), col(Briefing.id).desc())
        .limit(LATEST_BRIEFINGS)
    ).all()
    shown = [b.id for b in briefings]
    acknowledged = dict(
        session.exec(
            select(Acknowledgement.briefing_id, func.count())
            .where(col(Acknowledgement.briefing_id).in_(shown))
            .group_by(Acknowledgement.briefing_id)
        ).all()
    )
    return [
        BriefingRead(b.id, b.title, counts[b.id], acknowledged.get(b.id, 0))  # type: ignore[arg-type,index]
        for b in briefings
    ]
