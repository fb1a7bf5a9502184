"""Which member of staff a school account signs in as, and the audit trail of sign-ins."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, col, func, select

from bot.domain.sign_in import LEFT, UNKNOWN_ACCOUNT, UNVERIFIED, Account, Refusal
from bot.services.audit import record
from bot.services.web_sessions import end_all
from bot.storage.audit import AuditEvent
from bot.storage.staff import ChatIdentity, Staff
from bot.storage.web_session import SignInLink

log = logging.getLogger(__name__)

TEAMS = "teams"  # the platform name Teams identities are stored under

SEVERAL = (
    "This account matches people in more than one school, so sendbot cannot tell which you "
    "are. Ask your SENDCO."
)


def who_signs_in(session: Session, account: Account, how: str, now: datetime) -> Staff | Refusal:
    """The member of staff this account is: by its stored link, else (the first time) by the
    Teams account with the same Microsoft id, else by its verified email. Links it on a match;
    writes the sign-in or the refusal to the audit log."""
    link = session.exec(
        select(SignInLink).where(
            SignInLink.issuer == account.issuer, SignInLink.subject == account.subject
        )
    ).first()
    person = session.get(Staff, link.staff_id) if link else _first_match(session, account)
    if isinstance(person, Refusal):
        return refused(session, person, how, now)
    if person is None:
        reason = UNKNOWN_ACCOUNT if account.email or account.microsoft_object_id else UNVERIFIED
        return refused(session, Refusal("unknown_account", reason), how, now)
    if not person.active:
        return refused(session, Refusal("left", LEFT), how, now, school_id=person.school_id)
    if link is None:
        link = SignInLink(
            staff_id=person.id,  # type: ignore[arg-type]
            issuer=account.issuer,
            subject=account.subject,
            linked_at=now,
            last_used_at=now,
        )
        session.add(link)
    link.last_used_at = now
    record(session, person, "signed_in", now, detail=how)
    return person


def _first_match(session: Session, account: Account) -> Staff | Refusal | None:
    if account.microsoft_object_id:
        by_teams = session.exec(
            select(Staff)
            .join(ChatIdentity, col(ChatIdentity.staff_id) == Staff.id)
            .where(
                ChatIdentity.platform == TEAMS,
                ChatIdentity.platform_user_id == account.microsoft_object_id,
            )
        ).first()
        if by_teams is not None:
            return by_teams
    if not account.email:
        return None
    people = session.exec(select(Staff).where(func.lower(Staff.email) == account.email)).all()
    active = [p for p in people if p.active]
    if len(active) > 1:
        return Refusal("several_people", SEVERAL)
    return active[0] if active else (people[0] if people else None)


def refused(
    session: Session, refusal: Refusal, how: str, now: datetime, school_id: int | None = None
) -> Refusal:
    """Write a refused sign-in to the audit log (the reason only, never a token) and the log."""
    log.info("sign-in refused (%s): %s", how, refusal.reason)
    session.add(
        AuditEvent(
            at=now,
            school_id=school_id,
            action="sign_in_refused",
            detail=f"{how}: {refusal.reason}",
        )
    )
    return refusal


def signed_out(session: Session, person: Staff, now: datetime) -> None:
    record(session, person, "signed_out", now)


def sign_out_everywhere(session: Session, person: Staff, now: datetime) -> int:
    """End all of a person's web sessions; the next page they open asks them to sign in."""
    ended = end_all(session, [person.id])  # type: ignore[list-item]
    record(session, person, "signed_out_everywhere", now, detail=f"{ended} sessions")
    return ended
