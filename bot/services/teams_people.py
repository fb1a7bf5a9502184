"""Teams conversation references: kept on a person's "teams" ChatIdentity so sendbot can
message them later (Teams lets a bot message only people who have the app).

Who an install belongs to:
- a "teams" identity with that Entra object id (aadObjectId) already exists: it is updated;
- else, if the activity carried an email (Teams does not normally send one) and exactly one
  active member of staff has it and has no Teams identity yet: that identity is made;
- else nobody: nothing is stored. The reference is not needed to reach them later: once the
  app is installed, the outbound adapter can create the 1:1 conversation from the aadObjectId,
  which the directory linking job finds by email.

With TEAMS_INSTALL_FOR_STAFF, `install_for_staff` installs the app for staff who were matched by
email but have no conversation yet. It runs in the daily linking job, straight after the
look-ups, not just before a send: Teams takes a while to make a new install reachable (and then
tells sendbot, which stores the conversation and says welcome), so installing a day's newcomers
ahead of their first briefing gives it that time; a send never waits on Graph; and a refusal
(a missing permission, an app id Teams does not know) is met once a day, logged once and kept
on the person for the SENDCO, rather than on every send.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import time
from functools import partial
from typing import Any, Protocol

from sqlalchemy import func
from sqlmodel import Session, and_, col, select

from bot.services.linking import UNREACHABLE, LinkStatus
from bot.storage.database import Database
from bot.storage.linking import PersonLink
from bot.storage.school import School
from bot.storage.staff import ChatIdentity, Staff

log = logging.getLogger(__name__)
PLATFORM = "teams"
REMOVED = "The sendbot app was removed in Teams for this person."
DEFAULT_WINDOW = (time(7, 30), time(16, 30))
# The key of ChatIdentity.extra that holds a stored conversation's service URL.
SERVICE_URL = "service_url"
INSTALL_BATCH = 25


@dataclass(frozen=True)
class Installed:
    """Who installed the app (None: not known yet) and what their welcome should say."""

    staff_id: int | None
    school_name: str
    window_start: time
    window_end: time


def remember_conversation(
    session: Session, aad_id: str, email: str | None, reference: dict[str, Any]
) -> Installed:
    """Store `reference` (service_url, conversation_id, teams_user_id) on the person's Teams
    identity, found as the module says; written only when it changed."""
    identity = _identity(session, aad_id)
    if identity is None and email:
        identity = _identity_by_email(session, aad_id, email)
    person = session.get(Staff, identity.staff_id) if identity else None
    if identity is not None:
        extra = {k: v for k, v in identity.extra.items() if k != UNREACHABLE} | reference
        if extra != identity.extra:
            identity.extra = extra
            session.add(identity)
    else:
        log.info("Teams conversation for an account sendbot does not know yet; not stored")
    return _installed(session, person)


def forget_conversation(session: Session, aad_id: str) -> bool:
    """The app was removed for the person: mark them not reachable (the SENDCO sees why)."""
    identity = _identity(session, aad_id)
    if identity is None:
        return False
    identity.extra = {**identity.extra, UNREACHABLE: REMOVED}
    session.add(identity)
    return True


def _identity(session: Session, aad_id: str) -> ChatIdentity | None:
    return session.exec(
        select(ChatIdentity).where(
            ChatIdentity.platform == PLATFORM, ChatIdentity.platform_user_id == aad_id
        )
    ).first()


def _identity_by_email(session: Session, aad_id: str, email: str) -> ChatIdentity | None:
    people = session.exec(
        select(Staff).where(func.lower(Staff.email) == email.strip().lower(), Staff.active)
    ).all()
    if len(people) != 1:
        return None  # nobody, or people in several schools: do not guess
    person = people[0]
    taken = session.exec(
        select(ChatIdentity).where(
            ChatIdentity.platform == PLATFORM, ChatIdentity.staff_id == person.id
        )
    ).first()
    if taken is not None:
        log.warning("staff %s already has another Teams account; install not linked", person.id)
        return None
    identity = ChatIdentity(staff_id=person.id, platform=PLATFORM, platform_user_id=aad_id)  # type: ignore[arg-type]
    session.add(identity)
    session.flush()
    return identity


def _installed(session: Session, person: Staff | None) -> Installed:
    school = session.get(School, person.school_id) if person else None
    if school is None:
        schools = session.exec(select(School).limit(2)).all()
        school = schools[0] if len(schools) == 1 else None
    if school is None:
        return Installed(person.id if person else None, "your school", *DEFAULT_WINDOW)
    return Installed(
        person.id if person else None,
        school.name,
        school.send_window_start,
        school.send_window_end,
    )


# --- installing the app for staff -------------------------------------------------------------


class InstallUnavailable(Exception):
    """Graph cannot install now (its limit, an outage): the rest wait for the next run."""


class InstallRefused(Exception):
    """Graph refuses every install (a missing permission): the reason is everyone's."""


class Installer(Protocol):
    """Installs sendbot's Teams app for one person (Graph's users/{id}/teamwork/installedApps)."""

    async def install(self, aad_id: str) -> str:
        """Empty once the app is installed for them (or already was), else why not (for the
        SENDCO)."""
        ...


@dataclass(frozen=True)
class WithoutApp:
    """A member of staff matched to a Teams account with whom sendbot has no conversation."""

    staff_id: int
    name: str
    aad_id: str


@dataclass
class InstallReport:
    """What one run did: installed (or found installed), refused with reasons, or stopped."""

    installed: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)
    problem: str = ""


async def install_for_staff(db: Database, installer: Installer) -> InstallReport:
    """Install the app for every matched member of staff sendbot has no conversation with, and
    keep on each person why it could not be (cleared once it is). Safe to run twice: an app
    already installed counts as installed."""
    report = InstallReport()
    people = await db.run(without_app)
    done: list[tuple[WithoutApp, str]] = []
    for n, person in enumerate(people):
        try:
            done.append((person, await installer.install(person.aad_id)))
        except InstallUnavailable as exc:
            report.problem = str(exc)
            break
        except InstallRefused as exc:
            report.problem = str(exc)
            done += [(other, str(exc)) for other in people[n:]]
            break
        if len(done) >= INSTALL_BATCH:
            await db.run(partial(_record_installs, done=done, report=report))
            done = []
    await db.run(partial(_record_installs, done=done, report=report))
    if report.problem:
        log.warning("installing sendbot in Teams stopped: %s", report.problem)
    if report.installed or report.refused:
        log.info(
            "installed sendbot in Teams for %d people; %d refused",
            report.installed,
            len(report.refused),
        )
    return report


def without_app(session: Session) -> list[WithoutApp]:
    """Active staff matched by email to a Teams account, with no conversation reference yet."""
    rows = session.exec(
        select(Staff.id, Staff.name, ChatIdentity.platform_user_id, ChatIdentity.extra)
        .join(ChatIdentity, col(ChatIdentity.staff_id) == Staff.id)
        .join(
            PersonLink,
            and_(col(PersonLink.staff_id) == Staff.id, PersonLink.platform == PLATFORM),
        )
        .where(
            ChatIdentity.platform == PLATFORM,
            Staff.active == True,  # noqa: E712 - SQL, not Python
            PersonLink.status == LinkStatus.LINKED.value,
        )
        .order_by(col(Staff.id))
    ).all()
    return [
        WithoutApp(staff_id, name, aad_id)
        for staff_id, name, aad_id, extra in rows
        if aad_id and not (extra or {}).get(SERVICE_URL)
    ]


def _record_installs(
    session: Session, done: list[tuple[WithoutApp, str]], report: InstallReport
) -> None:
    """Mark each person with why the app could not be installed, or clear an old mark."""
    for person, reason in done:
        identity = session.exec(
            select(ChatIdentity).where(
                ChatIdentity.staff_id == person.staff_id, ChatIdentity.platform == PLATFORM
            )
        ).first()
        if identity is None:
            continue
        extra = {k: v for k, v in identity.extra.items() if k != UNREACHABLE}
        if reason:
            extra[UNREACHABLE] = reason[:300]
            report.refused.append((person.name, reason))
        else:
            report.installed += 1
        if extra != identity.extra:
            identity.extra = extra
            session.add(identity)
