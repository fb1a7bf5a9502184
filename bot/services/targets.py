"""Setting, listing, deleting and importing targets, by the people allowed to set them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot.content.staff_csv import Problem
from bot.content.targets_csv import TargetFile
from bot.domain.calendar import DateRange
from bot.domain.errors import FileProblems
from bot.domain.people import runs_the_school
from bot.domain.quiz import Area, parse_area
from bot.domain.targets import (
    METRIC_LABELS,
    METRICS_WITHOUT_AREA,
    Metric,
    Period,
    parse_metric,
    parse_period,
    parse_threshold,
)
from bot.services.errors import UserError
from bot.storage.quiz import Question, Target
from bot.storage.school import Term
from bot.storage.staff import Staff

# Refusals name nobody, and read the same for a person outside the team, at another school or
# not there at all: a staff or target number must not tell anyone who works where.
NOT_IN_TEAM = (
    "Choose someone in your team: for anyone else, only their line manager, the SENDCO or an "
    "admin can set targets."
)


def may_set_targets_for(actor: Staff, person: Staff) -> bool:
    """The person's line manager, or the SENDCO or an admin of their school."""
    if actor.school_id != person.school_id or not actor.active:
        return False
    if person.line_manager_id == actor.id:
        return True
    return runs_the_school(actor.roles)


def stored_terms(session: Session, school_id: int) -> tuple[DateRange, ...]:
    """The school's stored terms, which fix where its terms start and end."""
    terms = session.exec(select(Term).where(Term.school_id == school_id)).all()
    return tuple(DateRange(t.starts_on, t.ends_on) for t in terms)


def resolve_period(session: Session, school_id: int, text: str) -> Period:
    """A period as written, with the school's own term dates; UserError if it does not parse."""
    try:
        return parse_period(text, stored_terms(session, school_id))
    except ValueError as exc:
        raise UserError(_sentence(exc)) from None


def find_person(session: Session, email: str, school_id: int | None = None) -> Staff:
    """An active member of staff by email (in one school when given); UserError if none."""
    query = select(Staff).where(Staff.email == email.strip().lower(), Staff.active == True)  # noqa: E712
    if school_id is not None:
        query = query.where(Staff.school_id == school_id)
    found = session.exec(query).all()
    if not found:
        raise UserError(f"There is nobody at the school with the email {email.strip()}.")
    if len(found) > 1:
        raise UserError(f"{email.strip()} is in several schools; ask an admin to set this target.")
    return found[0]


def describe(target: Target) -> str:
    """A target in words: "questions answered at least 90% in Spring term 2027 (area: ...)"."""
    words = f"{METRIC_LABELS[Metric(target.metric)]} at least {target.threshold}%"
    scope = [f"area: {Area(target.area).value.replace('_', ' ')}"] if target.area else []
    scope += [f"topic: {target.topic}"] if target.topic else []
    extra = f" ({', '.join(scope)})" if scope else ""
    return f"{words} in {target.period_label}{extra}"


@dataclass(frozen=True)
class Wanted:
    """A target as asked for, checked but not yet stored."""

    metric: Metric
    threshold: int
    period: Period
    area: Area | None
    topic: str | None


def check_wanted(
    session: Session,
    school_id: int,
    metric: str,
    threshold: str | int,
    period: str,
    area: str | None = None,
    topic: str | None = None,
) -> Wanted:
    """Parse and check a target's fields; UserError naming every field that is wrong."""
    problems: list[str] = []
    parsed: dict[str, object] = {}
    for name, parse, raw in (
        ("metric", parse_metric, metric),
        ("threshold", parse_threshold, threshold),
        ("period", lambda t: parse_period(t, stored_terms(session, school_id)), period),
        ("area", parse_area, area),
    ):
        if name == "area" and not (raw or "").strip():
            parsed[name] = None
            continue
        try:
            parsed[name] = parse(raw)  # type: ignore[operator]
        except ValueError as exc:
            problems.append(_sentence(exc))
    topic = (topic or "").strip() or None
    if parsed.get("metric") in METRICS_WITHOUT_AREA and (parsed["area"] or topic):
        what = "briefings" if parsed["metric"] is Metric.BRIEFINGS_ACKNOWLEDGED_SHARE else "alerts"
        problems.append(f"Area and topic: {what} have none; leave them empty for this metric.")
    elif topic:
        problems.extend(_topic_problems(session, school_id, topic))
    if problems:
        raise UserError("\n".join(problems))
    return Wanted(
        parsed["metric"],  # type: ignore[arg-type]
        parsed["threshold"],  # type: ignore[arg-type]
        parsed["period"],  # type: ignore[arg-type]
        parsed["area"],  # type: ignore[arg-type]
        topic,
    )


def set_target(
    session: Session, actor: Staff, person: Staff, wanted: Wanted, now: datetime
) -> tuple[Target, bool]:
    """Store a target, or change the threshold of the same one; True when it is new."""
    if not may_set_targets_for(actor, person):
        raise UserError(NOT_IN_TEAM)
    existing = _same_target(session, person.id, wanted)  # type: ignore[arg-type]
    if existing is not None:
        existing.threshold, existing.set_by_id = wanted.threshold, actor.id
        existing.starts_on, existing.ends_on = wanted.period.starts_on, wanted.period.ends_on
        session.flush()
        return existing, False
    target = Target(
        staff_id=person.id,  # type: ignore[arg-type]
        set_by_id=actor.id,
        metric=wanted.metric.value,
        threshold=wanted.threshold,
        period_label=wanted.period.label,
        starts_on=wanted.period.starts_on,
        ends_on=wanted.period.ends_on,
        area=wanted.area.value if wanted.area else None,
        topic=wanted.topic,
        created_at=now,
    )
    session.add(target)
    session.flush()
    return target, True


def delete_target(session: Session, actor: Staff, target_id: int) -> str:
    """Delete a target the actor may set; returns what was deleted, in words."""
    target = session.get(Target, target_id)
    person = session.get(Staff, target.staff_id) if target else None
    if target is None or person is None or not may_set_targets_for(actor, person):
        raise UserError(
            f"There is no target number {target_id} in your team: only a person's line "
            "manager, the SENDCO or an admin can delete their targets."
        )
    words = f"Deleted {person.name}'s target: {describe(target)}."
    session.delete(target)
    session.flush()
    return words


def list_targets(
    session: Session, school_id: int, people: Sequence[Staff] | None = None
) -> list[tuple[Staff, Target]]:
    """Targets at a school (or of some people), by person and then by period."""
    query = (
        select(Staff, Target)
        .join(Target, col(Target.staff_id) == col(Staff.id))
        .where(Staff.school_id == school_id)
        .order_by(col(Staff.name), col(Target.starts_on), col(Target.metric), col(Target.id))
    )
    if people is not None:
        query = query.where(col(Staff.id).in_([p.id for p in people]))
    return [(person, target) for person, target in session.exec(query).all()]


class TargetFileProblems(FileProblems):
    """The file cannot be imported; every problem is listed and nothing was stored."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        super().__init__(sorted(problems, key=lambda p: p.line))


def import_targets(
    session: Session, actor: Staff, target_file: TargetFile, now: datetime
) -> tuple[int, int]:
    """Set every target in the file, or none if any line is wrong; (added, updated)."""
    problems = list(target_file.problems)
    checked: list[tuple[Staff, Wanted]] = []
    seen: dict[tuple[object, ...], int] = {}
    for row in target_file.rows:
        person = session.exec(
            select(Staff).where(
                Staff.school_id == actor.school_id,
                Staff.email == row.email,
                Staff.active == True,  # noqa: E712
            )
        ).first()
        if person is None:
            problems.append(Problem(row.line, "email", f"Nobody at the school has {row.email}."))
            continue
        if not may_set_targets_for(actor, person):
            problems.append(
                Problem(
                    row.line,
                    "email",
                    f"{row.email} is not in your team, so you cannot set their targets.",
                )
            )
            continue
        try:
            wanted = check_wanted(
                session,
                actor.school_id,
                row.metric,
                row.threshold,
                row.period,
                row.area.value if row.area else None,
                row.topic,
            )
        except UserError as exc:
            problems.append(Problem(row.line, "", str(exc).replace("\n", " ")))
            continue
        key = (
            person.id,
            wanted.metric,
            wanted.period.label,
            wanted.area,
            (wanted.topic or "").lower(),
        )
        if key in seen:
            problems.append(Problem(row.line, "", f"This is the same target as line {seen[key]}."))
            continue
        seen[key] = row.line
        checked.append((person, wanted))
    if problems:
        raise TargetFileProblems(problems)
    results = [set_target(session, actor, person, wanted, now)[1] for person, wanted in checked]
    return sum(results), len(results) - sum(results)


def _same_target(session: Session, staff_id: int, wanted: Wanted) -> Target | None:
    candidates = session.exec(
        select(Target).where(
            Target.staff_id == staff_id,
            Target.metric == wanted.metric.value,
            Target.period_label == wanted.period.label,
        )
    ).all()
    area = wanted.area.value if wanted.area else None
    topic = (wanted.topic or "").lower()
    return next(
        (t for t in candidates if t.area == area and (t.topic or "").lower() == topic), None
    )


def _topic_problems(session: Session, school_id: int, topic: str) -> list[str]:
    """A topic no question carries would leave the target "not started" for ever."""
    tags = {
        tag.lower()
        for tags in session.exec(
            select(Question.tags).where(Question.school_id == school_id, Question.active == True)  # noqa: E712
        ).all()
        for tag in tags
    }
    if topic.lower() in tags:
        return []
    known = ", ".join(sorted(tags)) or "none yet; load the question bank first"
    return [f'Topic: no question in the bank has the topic "{topic}". Topics: {known}.']


def _sentence(exc: ValueError) -> str:
    """The domain's "field: why" as a sentence for staff: "Period: ..."."""
    text = str(exc)
    return text[:1].upper() + text[1:]
