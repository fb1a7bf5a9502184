"""Who on a school's staff list is matched to a chat account, who is not and why, and who waits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, and_, col, select

from bot.services.linking import NOT_MATCHED, UNREACHABLE
from bot.storage.linking import PersonLink
from bot.storage.staff import ChatIdentity, Staff


@dataclass(frozen=True)
class UnmatchedPerson:
    """One person the SENDCO should look at: why they could not be matched, and when."""

    name: str
    email: str
    reason: str
    checked_at: datetime | None


@dataclass
class PeopleReport:
    """The active staff of one school on one platform, sorted into three groups."""

    platform: str
    matched: int = 0
    unmatched: list[UnmatchedPerson] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)


def people_report(session: Session, school_id: int, platform: str) -> PeopleReport:
    """Matched (a count), not matched (with the reason) and not looked up yet (names).

    A person whose account was found but cannot be messaged (the app was removed, or could not
    be installed for them) is listed as not matched, with that reason: the SENDCO acts on both."""
    rows = session.exec(
        select(Staff, ChatIdentity, PersonLink)
        .outerjoin(
            ChatIdentity,
            and_(col(ChatIdentity.staff_id) == Staff.id, ChatIdentity.platform == platform),
        )
        .outerjoin(
            PersonLink, and_(col(PersonLink.staff_id) == Staff.id, PersonLink.platform == platform)
        )
        .where(Staff.school_id == school_id, Staff.active == True)  # noqa: E712 - SQL
        .order_by(col(Staff.name))
    ).all()
    report = PeopleReport(platform)
    for person, identity, link in rows:
        if link is not None and link.status in NOT_MATCHED:
            report.unmatched.append(
                UnmatchedPerson(person.name, person.email, link.reason, link.checked_at)
            )
        elif identity is not None and identity.extra.get(UNREACHABLE):
            checked = link.checked_at if link is not None else None
            report.unmatched.append(
                UnmatchedPerson(
                    person.name, person.email, str(identity.extra[UNREACHABLE]), checked
                )
            )
        elif identity is not None:
            report.matched += 1
        else:
            report.unchecked.append(person.name)
    return report
