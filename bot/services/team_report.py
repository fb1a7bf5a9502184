"""A person's own progress page and a line manager's team report, with its CSV for appraisal."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from bot.domain.people import Role, roles_from_text, runs_the_school
from bot.domain.quiz import Area
from bot.domain.targets import METRIC_LABELS, Metric, Period, current_term, period_choices
from bot.services.progress import (
    PersonReport,
    TargetLine,
    due_count,
    reports_for,
    school_today,
    target_progress,
    team_of,
)
from bot.services.targets import resolve_period, stored_terms
from bot.storage.quiz import Target
from bot.storage.school import School
from bot.storage.staff import Staff


def may_see_team(viewer: Staff) -> bool:
    """Line managers see their reports; the SENDCO and admins see the school."""
    return bool(roles_from_text(viewer.roles) & {Role.LINE_MANAGER, Role.SENDCO, Role.ADMIN})


def sees_whole_school(viewer: Staff) -> bool:
    """The SENDCO and admins see everyone at their school."""
    return runs_the_school(viewer.roles)


def choose_period(
    session: Session, school_id: int, text: str | None, today: date
) -> tuple[Period, list[Period]]:
    """The period asked for (the current term by default) and the ones a chooser offers."""
    stored = stored_terms(session, school_id)
    period = resolve_period(session, school_id, text) if text else current_term(today, stored)
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


def my_progress(
    session: Session, person: Staff, period_text: str | None, now: datetime
) -> MyProgress:
    """A person's own figures for a period, what is due for them, and all their targets."""
    today = school_today(session, person.school_id, now)
    period, choices = choose_period(session, person.school_id, period_text, today)
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
    return MyProgress(report, period, choices, due_count(session, person.id, now), lines)  # type: ignore[arg-type]


@dataclass(frozen=True)
class TeamReport:
    """A viewer's team for a period: each person's figures and targets."""

    period: Period
    choices: list[Period]
    people: list[PersonReport]
    whole_school: bool
    departments: list[str]  # to filter by; only for those who see the whole school
    department: str | None


def team_report(
    session: Session, viewer: Staff, period_text: str | None, department: str | None, now: datetime
) -> TeamReport:
    """Only the people the viewer may see: their reports, or the school for the SENDCO."""
    today = school_today(session, viewer.school_id, now)
    period, choices = choose_period(session, viewer.school_id, period_text, today)
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
    return TeamReport(
        period,
        choices,
        reports_for(session, people, period, today),
        whole_school,
        departments,
        department,
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
