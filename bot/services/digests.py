"""The weekly digest: planned by the ticker for each line manager and the SENDCO at their first
sending moment of the school week, rendered when it goes, and turned off or on by its person.

Planning claims a (person, week) row first (its unique key makes that safe on every tick and on
several replicas at once), then works out the figures for the people it claimed only, in a few
grouped queries for the whole school, and plans one delivery per digest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.domain.calendar import SchoolCalendar, next_sending_moment
from bot.domain.digest import is_digest_day, silent_since, week_of, weeks_compared
from bot.domain.people import Role, roles_from_text
from bot.domain.targets import Status, current_term
from bot.services.chat_port import Message, Outcome
from bot.services.digest_messages import (
    KIND,
    BriefingUnread,
    Digest,
    SchoolPart,
    TeamPart,
    WeekShare,
    digest_message,
)
from bot.services.outbox import PlannedDelivery, plan
from bot.services.profile_reads import overdue
from bot.services.progress import Tally, day_bounds, target_progress
from bot.services.recall import cards_of, forgetting
from bot.services.rounds import spacing_policy
from bot.services.school_calendar import availability_of, calendar_for
from bot.services.sendco_overview import briefings_read
from bot.services.targets import describe, stored_terms
from bot.services.weekly_completion import weekly_tallies
from bot.storage.digest import WeeklyDigest
from bot.storage.quiz import QuizItem, Target
from bot.storage.register import ProfileAlert, ProfileRead, Pupil, RegisterChange
from bot.storage.school import School
from bot.storage.staff import Staff

FORGETTING_SHOWN = 3
TURNED_OFF = (
    "Your weekly digest is off. You can turn it on again on your progress page or with the "
    "digest on command."
)
TURNED_ON = "Your weekly digest is on: it comes at your first sending moment of each school week."
NOTHING_TO_SEND = (
    " It is for line managers and the SENDCO, so there is nothing to send you while you have "
    "no team."
)


def plan_digests(session: Session, now: datetime, platform: str) -> int:
    """Plan this week's digests that have fallen due at every school; returns new deliveries."""
    created = 0
    for school in session.exec(select(School)).all():
        created += plan_school_digests(session, school, now, platform)
    return created


def plan_school_digests(session: Session, school: School, now: datetime, platform: str) -> int:
    """This week's digest for each person at one school whose sending day it is and who has
    not had it yet: safe to call on every tick."""
    calendar = calendar_for(session, school, now)
    today = now.astimezone(calendar.timezone).date()
    if not calendar.is_school_day(today):
        return 0  # weekends and holidays: nobody's sending day
    monday = week_of(today)
    people = list(
        session.exec(
            select(Staff).where(Staff.school_id == school.id, Staff.active == True)  # noqa: E712
        ).all()
    )
    teams = teams_of(people)
    planned = set(
        session.exec(
            select(WeeklyDigest.staff_id).where(
                WeeklyDigest.school_id == school.id, WeeklyDigest.week_of == monday
            )
        ).all()
    )
    start_of_day = calendar.window_on(today)[0]
    moments: dict[int, datetime] = {}
    for p in people:
        available = availability_of(p)
        if not (p.weekly_digest and (p.id in teams or _is_sendco(p))):
            continue
        if not is_digest_day(calendar, available, today, p.id in planned):
            continue
        moment = next_sending_moment(calendar, available, max(now, start_of_day))
        # Only a moment in this school week: after Friday's window it would land on the
        # Monday that has a digest of its own.
        if moment is not None and week_of(moment.astimezone(calendar.timezone).date()) == monday:
            moments[p.id] = moment  # type: ignore[index]
    due = [p for p in people if p.id in moments]
    claimed = _claim(session, school, due, monday, now)
    if not claimed:
        return 0
    mine = [p for p in due if p.id in claimed]
    digests = compose(session, school, calendar, mine, teams, people, monday, now)
    for person in mine:
        session.execute(
            update(WeeklyDigest)
            .where(col(WeeklyDigest.id) == claimed[person.id])  # type: ignore[index]
            .values(content=digests[person.id].to_dict())  # type: ignore[index]
        )
    return plan(
        session,
        [
            PlannedDelivery(
                school.id,  # type: ignore[arg-type]
                person.id,  # type: ignore[arg-type]
                KIND,
                claimed[person.id],  # type: ignore[index]
                platform,
                moments[person.id],  # type: ignore[index]
            )
            for person in mine
        ],
    )


def teams_of(people: Sequence[Staff]) -> dict[int, list[Staff]]:
    """Each line manager's team: the active people who name them as line manager."""
    teams: dict[int, list[Staff]] = defaultdict(list)
    for person in people:
        if person.line_manager_id is not None and person.line_manager_id != person.id:
            teams[person.line_manager_id].append(person)
    return teams


def _is_sendco(person: Staff) -> bool:
    return Role.SENDCO in roles_from_text(person.roles)


def _claim(
    session: Session, school: School, due: list[Staff], monday: date, now: datetime
) -> dict[int, int]:
    """Insert this week's digest rows for these people; person -> digest id for those this
    call inserted (another replica's, or an earlier tick's, are left alone)."""
    if not due:
        return {}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = [
        {
            "school_id": school.id,
            "staff_id": p.id,
            "week_of": monday,
            "created_at": now,
            "content": {},
        }
        for p in due
    ]
    statement = (
        insert(WeeklyDigest)
        .on_conflict_do_nothing(index_elements=["staff_id", "week_of"])
        .returning(WeeklyDigest.staff_id, WeeklyDigest.id)
    )
    return {row[0]: row[1] for row in session.execute(statement, rows).all()}


def compose(
    session: Session,
    school: School,
    calendar: SchoolCalendar,
    recipients: Sequence[Staff],
    teams: dict[int, list[Staff]],
    everyone: Sequence[Staff],
    monday: date,
    now: datetime,
) -> dict[int, Digest]:
    """Each recipient's digest: their team's part if they manage anyone, the school's if they
    are the SENDCO. The figures of every team are read together."""
    managers = [p for p in recipients if p.id in teams]
    team_parts = _team_parts(session, school, calendar, managers, teams, monday, now)
    school_part = None
    if any(_is_sendco(p) for p in recipients):
        school_part = _school_part(session, school, calendar, everyone, now)
    return {
        p.id: Digest(  # type: ignore[misc]
            week_of=monday,
            team=team_parts.get(p.id),  # type: ignore[arg-type]
            school=school_part if _is_sendco(p) else None,
        )
        for p in recipients
    }


def _team_parts(
    session: Session,
    school: School,
    calendar: SchoolCalendar,
    managers: Sequence[Staff],
    teams: dict[int, list[Staff]],
    monday: date,
    now: datetime,
) -> dict[int, TeamPart]:
    if not managers:
        return {}
    zone = calendar.timezone
    today = now.astimezone(zone).date()
    members = sorted({m.id for p in managers for m in teams[p.id]})  # type: ignore[misc]
    last, before = weeks_compared(calendar, monday)
    tallies: dict[tuple[int, date], Tally] = {}
    if last is not None:
        first = before.monday if before is not None else last.monday
        tallies = weekly_tallies(session, members, _midnight(first, zone), _midnight(monday, zone))
    # "Since the last digest": its planning, but never before the start of last week.
    floor = _midnight(last.monday if last else monday - timedelta(weeks=1), zone)
    previous = dict(
        session.exec(
            select(WeeklyDigest.staff_id, func.max(WeeklyDigest.created_at))
            .where(col(WeeklyDigest.staff_id).in_([p.id for p in managers]))
            .where(WeeklyDigest.week_of < monday)
            .group_by(WeeklyDigest.staff_id)
        ).all()
    )
    cutoffs = {p.id: max(previous.get(p.id, floor), floor) for p in managers}
    asked = _questions_since(session, members, min(cutoffs.values()))
    at_risk = _targets_at_risk(session, members, school.timezone, today)
    parts = {}
    for manager in managers:
        team = sorted(teams[manager.id], key=lambda m: m.name.casefold())  # type: ignore[index]
        ids = [m.id for m in team]
        cutoff = cutoffs[manager.id]

        def share(week: date | None, ids: list[int | None] = ids) -> WeekShare | None:
            if week is None:
                return None
            t = [tallies.get((i, week), Tally()) for i in ids]  # type: ignore[arg-type]
            return WeekShare(week, sum(x.answered for x in t), sum(x.asked for x in t))

        parts[manager.id] = TeamPart(
            people=len(team),
            since=cutoff.astimezone(zone).date(),
            last_week=share(last.monday if last else None),
            week_before=share(before.monday if before else None),
            silent=[m.name for m in team if silent_since(asked.get(m.id, ()), cutoff)],  # type: ignore[arg-type]
            at_risk=[f"{m.name}: {line}" for m in team for line in at_risk.get(m.id, ())],  # type: ignore[arg-type]
        )
    return parts  # type: ignore[return-value]


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def _questions_since(
    session: Session, staff_ids: list[int], since: datetime
) -> dict[int, list[tuple[datetime | None, datetime | None]]]:
    """Each person's questions sent or answered since a moment: (sent at, answered at)."""
    found: dict[int, list[tuple[datetime | None, datetime | None]]] = defaultdict(list)
    rows = session.exec(
        select(QuizItem.staff_id, QuizItem.sent_at, QuizItem.answered_at)
        .where(col(QuizItem.staff_id).in_(staff_ids))
        .where(or_(col(QuizItem.sent_at) >= since, col(QuizItem.answered_at) >= since))
    ).all()
    for staff_id, sent_at, answered_at in rows:
        found[staff_id].append((sent_at, answered_at))
    return found


def _targets_at_risk(
    session: Session, staff_ids: list[int], timezone: str, today: date
) -> dict[int, list[str]]:
    """Each person's targets running now that are at risk, in words with their measure."""
    targets = session.exec(
        select(Target)
        .where(col(Target.staff_id).in_(staff_ids))
        .where(Target.starts_on <= today, Target.ends_on >= today)
        .order_by(col(Target.starts_on), col(Target.metric), col(Target.id))
    ).all()
    statuses = target_progress(session, targets, timezone, today)
    found: dict[int, list[str]] = defaultdict(list)
    for target in targets:
        p = statuses[target.id]  # type: ignore[index]
        if p.status is Status.AT_RISK:
            found[target.staff_id].append(
                f"{describe(target)}, {p.numerator} of {p.denominator} ({p.percent}%)"
            )
    return found


def _school_part(
    session: Session,
    school: School,
    calendar: SchoolCalendar,
    everyone: Sequence[Staff],
    now: datetime,
) -> SchoolPart:
    """The school's figures for the SENDCO: counts only, never a name or a pupil."""
    today = now.astimezone(calendar.timezone).date()
    start, end = day_bounds(current_term(today, stored_terms(session, school.id)), school.timezone)
    unread = [
        BriefingUnread(b.title, b.reached - b.acknowledged, b.reached)
        for b in briefings_read(session, school.id, start, end)  # type: ignore[arg-type]
        if b.acknowledged < b.reached
    ]
    ids = [p.id for p in everyone]
    topics, _questions = forgetting(
        cards_of(session, ids, spacing_policy(school), now),  # type: ignore[arg-type]
        most=FORGETTING_SHOWN,
    )
    return SchoolPart(
        staff=len(everyone),
        read_within=school.register_read_within_days,
        profiles_overdue=_profiles_overdue(session, school, calendar, now),
        briefings=unread,
        forgetting=[(t.name, int(t.remembered.percent)) for t in topics],
    )


def _profiles_overdue(
    session: Session, school: School, calendar: SchoolCalendar, now: datetime
) -> int:
    """Pupil profiles from register alerts that current staff have not read after the
    school's days to read them (pupils since erased do not count)."""
    sent = session.exec(
        select(ProfileAlert.sent_at)
        .join(ProfileRead, col(ProfileRead.alert_id) == col(ProfileAlert.id))
        .join(RegisterChange, col(RegisterChange.id) == col(ProfileRead.change_id))
        .join(Pupil, col(Pupil.id) == col(RegisterChange.pupil_id))
        .join(Staff, col(Staff.id) == col(ProfileRead.staff_id))
        .where(ProfileAlert.school_id == school.id, col(ProfileAlert.sent_at).is_not(None))
        .where(col(ProfileRead.read_at).is_(None), col(Pupil.erased_at).is_(None))
        .where(Staff.active == True)  # noqa: E712
    ).all()
    within = school.register_read_within_days
    return sum(1 for at in sent if overdue(calendar, at, now, within))  # type: ignore[arg-type]


def render_digests(session: Session, ids: set[int]) -> dict[int, Message | None]:
    """The digests as they go out; None for one whose person has since turned digests off
    (or, which planning never leaves behind, one without its figures)."""
    rows = session.exec(
        select(WeeklyDigest, Staff.weekly_digest)
        .join(Staff, col(Staff.id) == col(WeeklyDigest.staff_id))
        .where(col(WeeklyDigest.id).in_(ids))
    ).all()
    return {
        row.id: digest_message(row.id, Digest.from_dict(row.content))  # type: ignore[arg-type,misc]
        if wanted and row.content
        else None
        for row, wanted in rows
    }


def gets_digest(session: Session, person: Staff) -> bool:
    """Whether this person is one a digest is for: a line manager with a team, or the SENDCO."""
    if _is_sendco(person):
        return True
    return (
        session.exec(
            select(Staff.id).where(Staff.line_manager_id == person.id, Staff.active == True)  # noqa: E712
        ).first()
        is not None
    )


def set_weekly_digest(session: Session, person: Staff, on: bool) -> str:
    """Turn a person's weekly digest on or off; the sentence to tell them. A digest planned
    but not yet sent is not sent once it is off."""
    stored = session.get(Staff, person.id)
    assert stored is not None
    stored.weekly_digest = on
    session.add(stored)
    if not on:
        return TURNED_OFF
    return TURNED_ON + ("" if gets_digest(session, stored) else NOTHING_TO_SEND)


def turn_off_from_chat(session: Session, person: Staff, value: str, now: datetime) -> Outcome:
    """The digest's button: the digest is turned off, and the pressed digest loses its button."""
    notice = set_weekly_digest(session, person, False)
    row = session.get(WeeklyDigest, int(value)) if value.isdigit() else None
    if row is None or row.staff_id != person.id or not row.content:
        return Outcome(notice=notice)
    updated = digest_message(row.id, Digest.from_dict(row.content), turned_off=True)  # type: ignore[arg-type]
    return Outcome(updated=updated, notice=notice)


def digest_command(session: Session, person: Staff, word: str, command: str) -> str:
    """`digest off` or `digest on` typed in chat; anything else is told how to write it.
    `command` is how the platform writes the command ("/sendbot digest", "digest")."""
    if word in ("off", "on"):
        return set_weekly_digest(session, person, word == "on")
    state = "on" if person.weekly_digest else "off"
    return (
        f"Your weekly digest is {state}. “{command} off” turns it off and “{command} on” "
        "turns it on again."
    )
