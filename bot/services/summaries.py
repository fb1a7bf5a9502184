"""Short summaries for chat: a person's own progress, a team's, and the SENDCO's briefings."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from bot.domain.people import Role, roles_from_text, runs_the_school
from bot.services.briefings import KIND, briefing_report
from bot.services.targets import describe
from bot.services.team_report import may_see_team, my_progress, team_report
from bot.storage.briefing import Acknowledgement, Briefing
from bot.storage.outbox import Delivery
from bot.storage.quiz import QuizItem
from bot.storage.staff import ChatIdentity, Staff

# Enough to act on at a glance; the web pages hold the rest.
MOST_BEHIND = 10
LATEST_BRIEFINGS = 5
NAMES_SHOWN = 8


@dataclass(frozen=True)
class TargetSummary:
    """One target in words, how far it has got, and its status ("on track", "at risk"...)."""

    description: str
    so_far: str
    status: str


@dataclass(frozen=True)
class PersonSummary:
    """What a person sees about themselves this period, and what is waiting for them."""

    name: str
    period: str
    asked: int
    answered: int
    correct: int
    questions_waiting: int
    briefings_waiting: list[str]  # titles, newest first
    due: int
    targets: list[TargetSummary]


@dataclass(frozen=True)
class Behind:
    """Someone with questions left unanswered this period."""

    name: str
    answered: int
    asked: int
    correct: int


@dataclass(frozen=True)
class TeamSummary:
    """A team's (or, for the SENDCO, the school's) figures for the period, in totals."""

    period: str
    whole_school: bool
    people: int
    asked: int
    answered: int
    correct: int
    all_answered: int  # people who answered everything they were asked
    nothing_asked: int
    target_statuses: dict[str, int]
    behind: list[Behind]  # at most MOST_BEHIND, furthest behind first
    behind_total: int


@dataclass(frozen=True)
class BriefingSummary:
    """One briefing: how many have it, have read it, and who it did not reach (and why)."""

    title: str
    send_on: date
    status: str
    sent: int
    acknowledged: int
    queued: int
    not_reached: list[tuple[str, str]]  # at most NAMES_SHOWN
    not_reached_total: int


@dataclass(frozen=True)
class Home:
    """Everything one person's Home tab shows; team and briefings only where they may see them."""

    person: PersonSummary
    team: TeamSummary | None = None
    briefings: list[BriefingSummary] | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)


def person_for_chat(session: Session, platform: str, user_id: str) -> Staff | None:
    """The active member of staff behind a chat account, or None if sendbot does not know them."""
    identity = session.exec(
        select(ChatIdentity).where(
            ChatIdentity.platform == platform, ChatIdentity.platform_user_id == user_id
        )
    ).first()
    person = session.get(Staff, identity.staff_id) if identity else None
    return person if person is not None and person.active else None


def is_sendco(person: Staff) -> bool:
    """The SENDCO or an admin: they see the school's briefings and may post new ones."""
    return runs_the_school(person.roles)


def person_summary(session: Session, person: Staff, now: datetime) -> PersonSummary:
    """A person's figures for the current term, what is waiting for them, and their targets."""
    mine = my_progress(session, person, None, now)
    q = mine.report.questions
    waiting = session.exec(
        select(QuizItem.id).where(QuizItem.staff_id == person.id, QuizItem.status == "sent")
    ).all()
    return PersonSummary(
        name=person.name,
        period=mine.period.label,
        asked=q.asked,
        answered=q.answered,
        correct=q.correct,
        questions_waiting=len(waiting),
        briefings_waiting=_briefings_waiting(session, person),
        due=mine.due,
        targets=[
            TargetSummary(
                describe(line.target),
                f"{line.progress.numerator} of {line.progress.denominator}"
                + (f" ({line.progress.percent}%)" if line.progress.percent is not None else ""),
                line.progress.status.value,
            )
            for line in mine.targets
        ],
    )


def team_summary(
    session: Session, viewer: Staff, now: datetime, most: int = MOST_BEHIND
) -> TeamSummary | None:
    """The viewer's team for the current term in totals; None for those who have no team."""
    if not may_see_team(viewer):
        return None
    report = team_report(session, viewer, None, None, now)
    people = report.people
    behind = sorted(
        (p for p in people if p.questions.answered < p.questions.asked),
        # Lowest share answered first; among equals, most left unanswered first.
        key=lambda p: (
            p.questions.answered / p.questions.asked,
            p.questions.answered - p.questions.asked,
            p.person.name,
        ),
    )
    statuses = Counter(line.progress.status.value for p in people for line in p.targets)
    return TeamSummary(
        period=report.period.label,
        whole_school=report.whole_school,
        people=len(people),
        asked=sum(p.questions.asked for p in people),
        answered=sum(p.questions.answered for p in people),
        correct=sum(p.questions.correct for p in people),
        all_answered=sum(
            1 for p in people if p.questions.asked and p.questions.answered == p.questions.asked
        ),
        nothing_asked=sum(1 for p in people if not p.questions.asked),
        target_statuses=dict(statuses),
        behind=[
            Behind(p.person.name, p.questions.answered, p.questions.asked, p.questions.correct)
            for p in behind[:most]
        ],
        behind_total=len(behind),
    )


def latest_briefings(
    session: Session, school_id: int, latest: int = LATEST_BRIEFINGS
) -> list[BriefingSummary]:
    """The school's newest briefings with their counts and the people they did not reach."""
    return [
        BriefingSummary(
            title=status.briefing.title,
            send_on=status.briefing.send_on,
            status=status.briefing.status,
            sent=status.sent,
            acknowledged=len(status.acknowledged),
            queued=len(status.queued),
            not_reached=status.not_reached[:NAMES_SHOWN],
            not_reached_total=len(status.not_reached),
        )
        for status in briefing_report(session, school_id)[:latest]
    ]


def home_for(session: Session, platform: str, user_id: str, now: datetime) -> Home | None:
    """What one chat account's Home shows, or None if sendbot does not know them."""
    person = person_for_chat(session, platform, user_id)
    if person is None:
        return None
    return Home(
        person=person_summary(session, person, now),
        team=team_summary(session, person, now),
        briefings=latest_briefings(session, person.school_id) if is_sendco(person) else None,
        roles=roles_from_text(person.roles),
    )


def _briefings_waiting(session: Session, person: Staff) -> list[str]:
    """Titles of briefings sent to this person and not yet acknowledged, newest first."""
    read = select(Acknowledgement.briefing_id).where(Acknowledgement.staff_id == person.id)
    rows = session.exec(
        select(Briefing.title)
        .join(Delivery, col(Delivery.subject_id) == col(Briefing.id))
        .where(Delivery.kind == KIND, Delivery.staff_id == person.id, Delivery.status == "sent")
        .where(Briefing.status != "withdrawn", col(Briefing.id).not_in(read))
        .order_by(col(Briefing.send_on).desc(), col(Briefing.id).desc())
    ).all()
    return list(rows)
