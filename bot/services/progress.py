"""Progress computed from what was recorded: a person's figures, a team's, and the bank's."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.domain.people import runs_the_school
from bot.domain.targets import Metric, Period, Progress, progress
from bot.services.profile_reads import on_time, overdue
from bot.services.school_calendar import calendar_for
from bot.storage.briefing import Acknowledgement
from bot.storage.outbox import Delivery
from bot.storage.quiz import MemoryState, Question, QuizItem, Target
from bot.storage.register import ProfileAlert, ProfileRead
from bot.storage.school import School
from bot.storage.staff import Staff


@dataclass
class Tally:
    """Questions asked in a period, how many of them were answered, and how many correctly."""

    asked: int = 0
    answered: int = 0
    correct: int = 0

    def add(self, status: str, correct: bool | None, count: int) -> None:
        """Count `count` items of one status and correctness."""
        self.asked += count
        self.answered += count if status == "answered" else 0
        self.correct += count if status == "answered" and correct else 0


@dataclass(frozen=True)
class TargetLine:
    """One target and where it stands, measured over its own period."""

    target: Target
    progress: Progress


@dataclass(frozen=True)
class PersonReport:
    """One person's figures for a period, per area of need, and their targets."""

    person: Staff
    questions: Tally
    by_area: dict[str, Tally]
    briefings_received: int
    briefings_acknowledged: int
    targets: list[TargetLine] = field(default_factory=list)
    profiles_on_time: int = 0  # pupil profiles from register alerts read on time
    profiles_due: int = 0  # ... of those read or due to be read by now


def day_bounds(period: Period, timezone: str) -> tuple[datetime, datetime]:
    """The period's first moment and the moment after its last day, in UTC."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(period.starts_on, time(0), tzinfo=zone)
    end = datetime.combine(period.ends_on + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def school_today(session: Session, school_id: int, now: datetime) -> date:
    """Today's date where the school is: the day ends at midnight in England, not in UTC."""
    school = session.get(School, school_id)
    return now.astimezone(ZoneInfo(school.timezone if school else "Europe/London")).date()


class Recorded:
    """What was recorded for some people over one period, read in a few grouped queries.

    `today` decides which unread profiles count yet: one still inside its school days to be
    read on time is neither on time nor late. Without it the whole period is taken as past."""

    def __init__(
        self,
        session: Session,
        staff_ids: Sequence[int],
        period: Period,
        timezone: str,
        today: date | None = None,
    ) -> None:
        start, end = day_bounds(period, timezone)
        ids = list(staff_ids)
        # (staff, question, answered, correct) -> how many; grouping keeps this small.
        self._items = session.exec(
            select(
                QuizItem.staff_id,
                QuizItem.question_id,
                QuizItem.status,
                QuizItem.correct,
                func.count(),
            )
            .where(col(QuizItem.staff_id).in_(ids))
            .where(col(QuizItem.sent_at) >= start, col(QuizItem.sent_at) < end)
            .group_by(QuizItem.staff_id, QuizItem.question_id, QuizItem.status, QuizItem.correct)
        ).all()
        # Each person's rows apart, so a report reads each row once per question asked of it
        # rather than every row for every person (issue 18: 40 s for a year's whole school).
        self._by_person: dict[int, list[tuple[int, str, bool | None, int]]] = defaultdict(list)
        for person, question_id, status, correct, count in self._items:
            self._by_person[person].append((question_id, status, correct, count))
        asked_ids = {row[1] for row in self._items}
        self._bank = {
            q.id: (q.area, {t.lower() for t in q.tags})
            for q in session.exec(select(Question).where(col(Question.id).in_(asked_ids))).all()
        }
        received = session.exec(
            select(Delivery.staff_id, Delivery.subject_id)
            .where(col(Delivery.staff_id).in_(ids), Delivery.kind == "briefing")
            .where(Delivery.status == "sent")
            .where(col(Delivery.sent_at) >= start, col(Delivery.sent_at) < end)
            .distinct()
        ).all()
        acknowledged = set(
            session.exec(
                select(Acknowledgement.staff_id, Acknowledgement.briefing_id).where(
                    col(Acknowledgement.staff_id).in_(ids),
                    col(Acknowledgement.briefing_id).in_({b for _, b in received}),
                )
            ).all()
        )
        self._briefings: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for pair in received:
            counts = self._briefings[pair[0]]
            counts[0] += pair in acknowledged
            counts[1] += 1
        self._profiles = profiles_read(session, ids, start, end, today or period.ends_on)

    def questions(self, staff_id: int, area: str | None = None, topic: str | None = None) -> Tally:
        """Questions asked of one person, optionally only those of one area or topic."""
        tally = Tally()
        wanted = topic.lower() if topic else None
        for question_id, status, correct, count in self._by_person.get(staff_id, ()):
            q_area, tags = self._bank.get(question_id, ("", set()))
            if (area and q_area != area) or (wanted and wanted not in tags):
                continue
            tally.add(status, correct, count)
        return tally

    def by_area(self, staff_id: int) -> dict[str, Tally]:
        """One tally per area of need the person was asked about."""
        tallies: dict[str, Tally] = {}
        for question_id, status, correct, count in self._by_person.get(staff_id, ()):
            area = self._bank.get(question_id, ("", set()))[0]
            tallies.setdefault(area, Tally()).add(status, correct, count)
        return dict(sorted(tallies.items()))

    def briefings(self, staff_id: int) -> tuple[int, int]:
        """(acknowledged, received) briefings."""
        acknowledged, received = self._briefings.get(staff_id, (0, 0))
        return acknowledged, received

    def profiles(self, staff_id: int) -> tuple[int, int]:
        """(read on time, read or due) profiles from register alerts sent in the period."""
        on_time_count, due = self._profiles.get(staff_id, (0, 0))
        return on_time_count, due

    def measure(self, target: Target) -> tuple[int, int]:
        """A target's numerator and denominator."""
        if target.metric == Metric.BRIEFINGS_ACKNOWLEDGED_SHARE:
            return self.briefings(target.staff_id)
        if target.metric == Metric.PROFILES_READ_ON_TIME_SHARE:
            return self.profiles(target.staff_id)
        tally = self.questions(target.staff_id, target.area, target.topic)
        if target.metric == Metric.CORRECT_SHARE:
            return tally.correct, tally.answered
        return tally.answered, tally.asked


def target_progress(
    session: Session, targets: Sequence[Target], timezone: str, today: date
) -> dict[int, Progress]:
    """Each target's progress over its own period; one read per distinct period."""
    by_period: dict[tuple[str, date, date], list[Target]] = defaultdict(list)
    for target in targets:
        by_period[(target.period_label, target.starts_on, target.ends_on)].append(target)
    result: dict[int, Progress] = {}
    for (label, starts_on, ends_on), group in by_period.items():
        period = Period(label, starts_on, ends_on)
        recorded = Recorded(session, sorted({t.staff_id for t in group}), period, timezone, today)
        for target in group:
            numerator, denominator = recorded.measure(target)
            result[target.id] = progress(numerator, denominator, target.threshold, period, today)  # type: ignore[index]
    return result


def profiles_read(
    session: Session, staff_ids: list[int], start: datetime, end: datetime, today: date
) -> dict[int, tuple[int, int]]:
    """Per person: profiles read within the school's days of their alert being sent, and
    profiles read or past those days, over alerts sent between start and end."""
    rows = session.exec(
        select(ProfileRead.staff_id, ProfileRead.read_at, ProfileAlert.sent_at, School)
        .join(ProfileAlert, col(ProfileAlert.id) == ProfileRead.alert_id)
        .join(School, col(School.id) == ProfileAlert.school_id)
        .where(col(ProfileRead.staff_id).in_(staff_ids))
        .where(col(ProfileAlert.sent_at) >= start, col(ProfileAlert.sent_at) < end)
    ).all()
    calendars = {}
    counts: dict[int, tuple[int, int]] = {}
    for staff_id, read_at, sent_at, school in rows:
        if school.id not in calendars:
            calendars[school.id] = calendar_for(session, school, end)
        calendar, within = calendars[school.id], school.register_read_within_days
        if read_at is not None:
            counted, good = True, on_time(calendar, sent_at, read_at, within)
        else:
            noon = datetime.combine(today, time(12), tzinfo=calendar.timezone)
            counted, good = overdue(calendar, sent_at, noon, within), False
        if counted:
            done, due = counts.get(staff_id, (0, 0))
            counts[staff_id] = (done + good, due + 1)
    return counts


def team_of(session: Session, viewer: Staff, department: str | None = None) -> list[Staff]:
    """Whom a viewer may see: the SENDCO and admins their school, a line manager their reports."""
    query = select(Staff).where(Staff.school_id == viewer.school_id, Staff.active == True)  # noqa: E712
    if not runs_the_school(viewer.roles):
        query = query.where(Staff.line_manager_id == viewer.id)
    if department:
        query = query.where(Staff.department == department)
    return list(session.exec(query.order_by(col(Staff.name))).all())


def reports_for(
    session: Session, people: Sequence[Staff], period: Period, today: date
) -> list[PersonReport]:
    """Figures for a period and every target that overlaps it, for each of these people."""
    if not people:
        return []
    school = session.get(School, people[0].school_id)
    timezone = school.timezone if school else "Europe/London"
    ids = [p.id for p in people]
    recorded = Recorded(session, ids, period, timezone, today)  # type: ignore[arg-type]
    targets = session.exec(
        select(Target)
        .where(col(Target.staff_id).in_(ids))
        .where(Target.starts_on <= period.ends_on, Target.ends_on >= period.starts_on)
        .order_by(col(Target.starts_on), col(Target.metric), col(Target.id))
    ).all()
    statuses = target_progress(session, targets, timezone, today)
    reports = []
    for person in people:
        acknowledged, received = recorded.briefings(person.id)  # type: ignore[arg-type]
        on_time, due = recorded.profiles(person.id)  # type: ignore[arg-type]
        reports.append(
            PersonReport(
                person=person,
                questions=recorded.questions(person.id),  # type: ignore[arg-type]
                by_area=recorded.by_area(person.id),  # type: ignore[arg-type]
                briefings_received=received,
                briefings_acknowledged=acknowledged,
                targets=[
                    TargetLine(t, statuses[t.id])  # type: ignore[index]
                    for t in targets
                    if t.staff_id == person.id
                ],
                profiles_on_time=on_time,
                profiles_due=due,
            )
        )
    return reports


def due_count(session: Session, staff_id: int, now: datetime) -> int:
    """How many questions are due for this person now, so come first in their next round."""
    return session.exec(
        select(func.count())
        .select_from(MemoryState)
        .where(MemoryState.staff_id == staff_id, col(MemoryState.due) <= now)
    ).one()
