"""Teams conversation references: kept on a person's "teams" ChatIdentity so sendbot can
message them later (Teams lets a bot message only people who have the app).

Who an install belongs to:
- a "teams" identity with that Entra object id (aadObjectId) already exists: it is updated;
- else, if the activity carried an email (Teams does not normally send one) and exactly one
  active member of staff has it and has no Teams identity yet: that identity is made;
- else nobody: nothing is stored. The reference is not needed to reach them later: once the
  app is installed, the outbound adapter can create the 1:1 conversation from the aadObjectId,
  which the directory linking job finds by email.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import time
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from bot.services.linking import UNREACHABLE
from bot.storage.school import School
from bot.storage.staff import ChatIdentity, Staff

log = logging.getLogger(__name__)
PLATFORM = "teams"
REMOVED = "The sendbot app was removed in Teams for this person."
DEFAULT_WINDOW = (time(7, 30), time(16, 30))


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
