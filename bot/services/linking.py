"""Matches staff to their accounts on a chat platform by email, and keeps why not for the SENDCO.

Each person's look-up is claimed first (PersonLink.checked_at moved to now where it was older
than the cut-off), so two replicas running the job at once share the people between them
instead of looking everyone up twice. Results are written back in small batches, so a run that
stops half way keeps what it learnt. The outcome and its reason live in PersonLink (shown to the
SENDCO); a found account is a ChatIdentity, which is marked, not deleted, when it is deactivated.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import Protocol

from sqlalchemy import exists, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, and_, col, select

from bot.services.clock import Clock
from bot.storage.database import Database
from bot.storage.linking import PersonLink
from bot.storage.staff import ChatIdentity, Staff

log = logging.getLogger(__name__)

# Everyone is looked up again about once a day; a little under 24 hours so that a daily job
# that starts a few minutes early still finds yesterday's checks due.
RECHECK = timedelta(hours=23)
# A look-up claimed this recently belongs to whoever claimed it, even at import.
LEASE = timedelta(minutes=10)
BATCH = 25
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
# ChatIdentity.extra key: the account exists but cannot be reached, and why.
UNREACHABLE = "unreachable"


class LinkStatus(StrEnum):
    """How the last look-up of a person went."""

    LINKED = "linked"
    NOT_IN_WORKSPACE = "not_in_workspace"
    DEACTIVATED = "deactivated"
    BOT = "bot"
    TAKEN = "taken"  # the account is already linked to another staff record
    UNCHECKED = "unchecked"


NOT_MATCHED = {
    LinkStatus.NOT_IN_WORKSPACE,
    LinkStatus.DEACTIVATED,
    LinkStatus.BOT,
    LinkStatus.TAKEN,
}


@dataclass(frozen=True)
class DirectoryEntry:
    """What the directory knows of one email: the account, or why it cannot be used."""

    status: LinkStatus
    user_id: str = ""
    reason: str = ""  # written for the SENDCO; empty when the person can be reached


class DirectoryUnavailable(Exception):
    """The directory cannot answer now (its limit, an outage, a missing permission)."""


class Directory(Protocol):
    """A chat platform's list of people, searched by email (Slack's users.lookupByEmail)."""

    platform: str

    async def find_by_email(self, email: str) -> DirectoryEntry: ...


@dataclass(frozen=True)
class Unmatched:
    """A member of staff who could not be matched, and why."""

    name: str
    email: str
    reason: str


@dataclass
class LinkReport:
    """What one run did: looked up, matched, not matched (with reasons), left for later."""

    looked_up: int = 0
    matched: int = 0
    unmatched: list[Unmatched] = field(default_factory=list)
    postponed: int = 0
    problem: str = ""


async def link_people(
    db: Database,
    directory: Directory,
    clock: Clock,
    *,
    school_id: int | None = None,
    unlinked_only: bool = False,
    recheck: timedelta = RECHECK,
) -> LinkReport:
    """Look up every active person whose check is due and store the account or the reason."""
    platform = directory.platform
    cutoff = clock.now() - max(recheck, LEASE)
    queue = LookupQueue(platform, cutoff, school_id, unlinked_only)
    report = LinkReport()
    while picked := await db.run(queue.pick):
        claimed = await db.run(partial(queue.take, picked=picked, now=clock.now()))
        found: list[tuple[Candidate, DirectoryEntry]] = []
        try:
            for person in claimed:
                found.append((person, await directory.find_by_email(person.email)))
        except DirectoryUnavailable as exc:
            report.problem = str(exc)
        rest = [p.staff_id for p in claimed[len(found) :]]
        await db.run(
            partial(
                _record,
                platform=platform,
                found=found,
                unanswered=rest,
                now=clock.now(),
                report=report,
            )
        )
        if report.problem:
            log.warning("looking people up on %s stopped: %s", platform, report.problem)
            report.postponed = await db.run(queue.count)
            break
    return report


@dataclass(frozen=True)
class Candidate:
    """A person due to be looked up."""

    staff_id: int
    name: str
    email: str


@dataclass
class LookupQueue:
    """Which people a run looks up; remembers whom it has already picked."""

    platform: str
    cutoff: datetime
    school_id: int | None
    unlinked_only: bool
    seen: set[int] = field(default_factory=set)

    def _query(self, *columns):  # type: ignore[no-untyped-def]
        query = (
            select(*columns)
            .outerjoin(
                PersonLink,
                and_(PersonLink.staff_id == Staff.id, PersonLink.platform == self.platform),
            )
            .where(Staff.active == True)  # noqa: E712 - SQL, not Python
            .where(col(PersonLink.id).is_(None) | (PersonLink.checked_at < self.cutoff))
        )
        if self.school_id is not None:
            query = query.where(Staff.school_id == self.school_id)
        if self.unlinked_only:
            linked = exists().where(
                ChatIdentity.staff_id == Staff.id, ChatIdentity.platform == self.platform
            )
            query = query.where(~linked)
        return query

    def count(self, session: Session) -> int:
        return int(session.exec(self._query(func.count(col(Staff.id)))).one())

    def pick(self, session: Session) -> list[Candidate]:
        """Up to BATCH people due and not yet tried by this run (not yet claimed)."""
        query = self._query(Staff.id, Staff.name, Staff.email)
        if self.seen:
            query = query.where(col(Staff.id).not_in(self.seen))
        rows = session.exec(query.order_by(col(Staff.id)).limit(BATCH)).all()
        self.seen |= {row[0] for row in rows}
        return [Candidate(row[0], row[1], row[2]) for row in rows]

    def take(self, session: Session, picked: list[Candidate], now: datetime) -> list[Candidate]:
        """Those of the picked people whom no other run has claimed since they were picked."""
        people = {person.staff_id: person for person in picked}
        if not people:
            return []
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(
            insert(PersonLink)
            .values(
                [
                    {"staff_id": i, "platform": self.platform, "status": "unchecked"}
                    | {"reason": "", "platform_user_id": "", "checked_at": NEVER}
                    for i in people
                ]
            )
            .on_conflict_do_nothing(index_elements=["staff_id", "platform"])
        )
        # Only rows still older than the cut-off are ours: a replica that got there first has
        # already moved checked_at on, and its UPDATE holds the row until it commits.
        won = session.execute(
            update(PersonLink)
            .where(
                PersonLink.platform == self.platform,
                col(PersonLink.staff_id).in_(people),
                PersonLink.checked_at < self.cutoff,
            )
            .values(checked_at=now)
            .returning(PersonLink.staff_id)
        ).scalars()
        return sorted((people[i] for i in won), key=lambda p: p.staff_id)


def _record(
    session: Session,
    platform: str,
    found: list[tuple[Candidate, DirectoryEntry]],
    unanswered: list[int],
    now: datetime,
    report: LinkReport,
) -> None:
    """Store each answer: the account, or the reason; hand back claims that got no answer."""
    if unanswered:
        session.execute(
            update(PersonLink)
            .where(PersonLink.platform == platform, col(PersonLink.staff_id).in_(unanswered))
            .values(checked_at=NEVER)
        )
    for person, entry in found:
        entry = _apply(session, platform, person.staff_id, entry)
        link = session.exec(
            select(PersonLink).where(
                PersonLink.staff_id == person.staff_id, PersonLink.platform == platform
            )
        ).one()
        link.status, link.reason = entry.status.value, entry.reason[:300]
        link.platform_user_id = entry.user_id
        link.checked_at = now
        report.looked_up += 1
        if entry.status == LinkStatus.LINKED:
            report.matched += 1
        else:
            report.unmatched.append(Unmatched(person.name, person.email, entry.reason))


def _apply(session: Session, platform: str, staff_id: int, entry: DirectoryEntry) -> DirectoryEntry:
    """Add, correct or mark the person's ChatIdentity; returns the outcome as stored."""
    identity = session.exec(
        select(ChatIdentity).where(
            ChatIdentity.staff_id == staff_id, ChatIdentity.platform == platform
        )
    ).first()
    if entry.status != LinkStatus.LINKED:
        if identity is not None and identity.extra.get(UNREACHABLE) != entry.reason:
            # Kept, not deleted: the platform refuses a send with its own reason, which the
            # dispatcher records as "not reached", and a reactivated account works again.
            identity.extra = {**identity.extra, UNREACHABLE: entry.reason}
        return entry
    holder = session.exec(
        select(Staff)
        .join(ChatIdentity, col(ChatIdentity.staff_id) == Staff.id)
        .where(ChatIdentity.platform == platform, ChatIdentity.platform_user_id == entry.user_id)
    ).first()
    if holder is not None and holder.id != staff_id:
        return _taken(entry, holder.name)
    if identity is None:
        identity = ChatIdentity(staff_id=staff_id, platform=platform, platform_user_id="")
    identity.platform_user_id = entry.user_id
    identity.extra = {k: v for k, v in identity.extra.items() if k != UNREACHABLE}
    try:
        # A savepoint: someone linked to the same account meanwhile must not undo the batch.
        with session.begin_nested():
            session.add(identity)
    except IntegrityError:
        return _taken(entry, "another member of staff")
    return entry


def _taken(entry: DirectoryEntry, holder: str) -> DirectoryEntry:
    reason = (
        f"the account with this email is already linked to {holder}; "
        "if they are the same person, remove one of the two from the staff list"
    )
    return DirectoryEntry(LinkStatus.TAKEN, entry.user_id, reason)
