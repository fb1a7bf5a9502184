"""A person's own progress page and a line manager's team report, with its CSV for appraisal."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.domain.people import Role, roles_from_text, runs_the_school
from bot.domain.quiz import Area
from bot.domain.targets import (
    METRIC_LABELS,
    Metric,
    Period,
    Status,
    current_term,
    period_choices,
)
from bot.services.errors import UserError
from bot.services.progress import (
    PersonReport,
    TargetLine,
    due_count,
    reports_for,
    school_today,
    target_progress,
    team_of,
)
from bot.services.recall import Remembered, by_area, by_person_and_area, cards_of
from bot.services.rounds import spacing_policy
from bot.services.targets import resolve_period, stored_terms
from bot.services.weekly_completion import WeekFigures, weekly_completion
from bot.storage.quiz import MemoryState, Question, Target
from bot.storage.school import School
from bot.storage.staff import Staff

# How the team table may be ordered.
BEHIND, NAME, ANSWERED, CORRECT = "behind", "name", "answered", "correct"
SORTS = (BEHIND, NAME, ANSWERED, CORRECT)
# Worst first: a missed target, then one at risk, then someone with no target met yet.
_STATUS_ORDER = {
    Status.MISSED: 0,
    Status.AT_RISK: 1,
    Status.NOT_STARTED: 2,
    Status.ON_TRACK: 3,
    Status.MET: 4,
}


def may_see_team(viewer: Staff) -> bool:
    """Line managers see their reports; the SENDCO and admins see the school."""
    return bool(roles_from_text(viewer.roles) & {Role.LINE_MANAGER, Role.SENDCO, Role.ADMIN})


def sees_whole_school(viewer: Staff) -> bool:
    """The SENDCO and admins see everyone at their school."""
    return runs_the_school(viewer.roles)


def choose_period(
    session: Session, school_id: int, text: str | None, today: date, notes: list[str] | None = None
) -> tuple[Period, list[Period]]:
    """The period asked for (the current term by default) and the ones a chooser offers. With
    `notes`, a period that cannot be read falls back to the current term, saying why there;
    without, it raises UserError."""
    stored = stored_terms(session, school_id)
    period = current_term(today, stored)
    if text:
        try:
            period = resolve_period(session, school_id, text)
        except UserError as exc:
            if notes is None:
                raise
            notes.append(f"{exc} Showing {period.label} instead.")
    choices = period_choices(today, stored)
    if period.label not in {choice.label for choice in choices}:
        choices.insert(0, period)
    return period, choices


@dataclass(frozen=True)
class MyProgress:
    """What a person sees about themselves."""

    report: PersonReport
    period: Period
    choices: list[Period]
    due: int
    targets: list[TargetLine]  # all of theirs, each measured over its own period
    weeks: list[WeekFigures] = field(default_factory=list)
    recall: dict[str, Remembered] = field(default_factory=dict)  # by area of need
    coming_back: list[tuple[str, date | None]] = field(default_factory=list)  # None: due now
    notes: list[str] = field(default_factory=list)


def my_progress(
    session: Session, person: Staff, period_text: str | None, now: datetime
) -> MyProgress:
    """A person's own figures for a period, what is due for them, and all their targets."""
    today = school_today(session, person.school_id, now)
    notes: list[str] = []
    period, choices = choose_period(session, person.school_id, period_text, today, notes)
    (report,) = reports_for(session, [person], period, today)
    targets = session.exec(
        select(Target)
        .where(Target.staff_id == person.id)
        .order_by(col(Target.starts_on), col(Target.metric), col(Target.id))
    ).all()
    school = session.get(School, person.school_id)
    timezone = school.timezone if school else "Europe/London"
    statuses = target_progress(session, targets, timezone, today)
    lines = [TargetLine(t, statuses[t.id]) for t in targets]  # type: ignore[index]
    weeks: list[WeekFigures] = []
    recall: dict[str, Remembered] = {}
    if school is not None and person.id is not None:
        weeks = weekly_completion(session, school, [person.id], period, now)
        recall = by_area(cards_of(session, [person.id], spacing_policy(school), now))
    due = due_count(session, person.id, now)  # type: ignore[arg-type]
    return MyProgress(
        report,
        period,
        choices,
        due,
        lines,
        weeks,
        recall,
        coming_back(session, person, now, timezone),
        notes,
    )


def coming_back(
    session: Session, person: Staff, now: datetime, timezone: str, most: int = 3
) -> list[tuple[str, date | None]]:
    """The next few questions due to come back to this person, by topic, soonest first (None
    for one due already, which comes in their next quiz): what they are about to forget, never
    the answers."""
    rows = session.exec(
        select(Question, MemoryState.due)
        .join(MemoryState, col(MemoryState.question_id) == col(Question.id))
        .where(MemoryState.staff_id == person.id, col(MemoryState.reviews) > 0)
        .order_by(col(MemoryState.due))
        .limit(most)
    ).all()
    zone = ZoneInfo(timezone)
    return [
        (
            ", ".join(q.tags) or q.area.replace("_", " "),
            None if due <= now else due.astimezone(zone).date(),
        )
        for q, due in rows
    ]


@dataclass(frozen=True)
class TeamReport:
    """A viewer's team for a period: each person's figures and targets, the team's completion
    week by week, and what each person is likely to remember now in each area of need."""

    period: Period
    choices: list[Period]
    people: list[PersonReport]
    whole_school: bool
    departments: list[str]  # to filter by; only for those who see the whole school
    department: str | None
    weeks: list[WeekFigures] = field(default_factory=list)
    recall: dict[tuple[int, str], Remembered] = field(default_factory=dict)
    sort: str = BEHIND
    notes: list[str] = field(default_factory=list)  # filters that could not be used, and why

    @property
    def areas(self) -> list[str]:
        """The areas of need anyone in the team has been asked about, in the Code's order."""
        asked = {area for _, area in self.recall}
        return [area.value for area in Area if area.value in asked]


def team_report(
    session: Session,
    viewer: Staff,
    period_text: str | None,
    department: str | None,
    now: datetime,
    sort: str = BEHIND,
    pictures: bool = False,
) -> TeamReport:
    """Only the people the viewer may see: their reports, or the school for the SENDCO. A
    period or order that cannot be used falls back to the default, with a note saying so.
    `pictures` adds the week-by-week completion and the recall by area the page draws."""
    today = school_today(session, viewer.school_id, now)
    notes: list[str] = []
    period, choices = choose_period(session, viewer.school_id, period_text, today, notes)
    if sort not in SORTS:
        notes.append("That order is not one of the choices, so people behind come first.")
        sort = BEHIND
    whole_school = sees_whole_school(viewer)
    # A line manager's team is never narrowed by a department they did not choose from.
    department = (department or None) if whole_school else None
    people = team_of(session, viewer, department)
    departments: list[str] = []
    if whole_school:
        departments = sorted(
            {
                d
                for d in session.exec(
                    select(Staff.department).where(Staff.school_id == viewer.school_id)
                ).all()
                if d
            }
        )
    reports = sort_people(reports_for(session, people, period, today), sort)
    weeks: list[WeekFigures] = []
    recall: dict[tuple[int, str], Remembered] = {}
    school = session.get(School, viewer.school_id)
    if pictures and school is not None:
        ids = [p.id for p in people if p.id is not None]
        weeks = weekly_completion(session, school, ids, period, now)
        recall = by_person_and_area(cards_of(session, ids, spacing_policy(school), now))
    return TeamReport(
        period, choices, reports, whole_school, departments, department, weeks, recall, sort, notes
    )


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def sort_people(reports: list[PersonReport], sort: str) -> list[PersonReport]:
    """People in the chosen order; "behind" puts the worst target status, then the lowest
    share answered, first, so whoever needs a conversation is at the top."""
    if sort == NAME:
        return sorted(reports, key=lambda r: r.person.name.casefold())
    if sort == ANSWERED:
        return sorted(reports, key=lambda r: _share(r.questions.answered, r.questions.asked))
    if sort == CORRECT:
        return sorted(reports, key=lambda r: _share(r.questions.correct, r.questions.answered))
    return sorted(
        reports,
        key=lambda r: (
            # Without a target, a person is placed as if on track: the share answered decides.
            min((_STATUS_ORDER[line.progress.status] for line in r.targets), default=3),
            _share(r.questions.answered, r.questions.asked),
            r.person.name.casefold(),
        ),
    )


CSV_HEADINGS = (
    "Name",
    "Email",
    "Department",
    "Period",
    "Questions asked",
    "Answered",
    "Answered %",
    "Correct",
    "Correct %",
    "Briefings received",
    "Briefings acknowledged",
    "Acknowledged %",
    "Target",
    "Area",
    "Topic",
    "Target period",
    "Threshold %",
    "Measured",
    "Measured %",
    "Status",
)


def team_csv(report: TeamReport) -> str:
    """The report as CSV: a row per person per target, and one row for a person with none."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADINGS)
    for person in report.people:
        q = person.questions
        figures = [
            _cell(person.person.name),
            _cell(person.person.email),
            _cell(person.person.department),
            report.period.label,
            q.asked,
            q.answered,
            _percent(q.answered, q.asked),
            q.correct,
            _percent(q.correct, q.answered),
            person.briefings_received,
            person.briefings_acknowledged,
            _percent(person.briefings_acknowledged, person.briefings_received),
        ]
        if not person.targets:
            writer.writerow(figures + [""] * (len(CSV_HEADINGS) - len(figures)))
        for line in person.targets:
            t, p = line.target, line.progress
            writer.writerow(
                figures
                + [
                    METRIC_LABELS[Metric(t.metric)],
                    Area(t.area).value.replace("_", " ") if t.area else "",
                    _cell(t.topic or ""),
                    t.period_label,
                    t.threshold,
                    f"{p.numerator} of {p.denominator}",
                    "" if p.percent is None else p.percent,
                    p.status.value,
                ]
            )
    return out.getvalue()


def _percent(part: int, whole: int) -> int | str:
    # Rounded down like a target's own measure, so the two never disagree at the threshold.
    return part * 100 // whole if whole else ""


def _cell(text: str) -> str:
    """Text Excel would run as a formula (=, +, -, @) is kept as text."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
