"""Web sessions kept in the database: begun at sign-in, ended at sign-out, when idle or old.

The browser holds a random token; the table holds its keyed digest. A session without a
member of staff is a sign-in in progress, and lives only a few minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from bot.domain.sign_in import session_expired
from bot.storage.school import School
from bot.storage.staff import Staff
from bot.storage.web_session import WebSession

# A sign-in in progress (state, nonce, PKCE verifier) must come back within this time.
SIGNING_IN = timedelta(minutes=15)
# last_seen_at is written at most this often, so reading pages does not mean writing rows.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Lifetimes:
    """How long a signed-in session may sit idle, and how long it may last at all."""

    idle: timedelta
    lifetime: timedelta


def lifetimes(school: School) -> Lifetimes:
    idle, lifetime = school.session_idle_hours, school.session_max_days
    return Lifetimes(timedelta(hours=idle), timedelta(days=lifetime))


def digest(token: str, key: bytes) -> str:
    """The keyed digest stored for a browser's token."""
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def open_session(session: Session, token_digest: str, now: datetime) -> OpenSession | None:
    """The live session with this digest, and whether it wants its last-seen time moved on;
    None for no such session, or one that has ended (`forget` removes it). Reads only, so a
    page waits on no writer; one query: the session and its person's school together."""
    found = session.exec(
        _with_school().where(WebSession.token_digest == token_digest)  # type: ignore[arg-type]
    ).first()
    if found is None:
        return None
    row, school = found
    return OpenSession(
        row_id=row.id,  # type: ignore[arg-type]
        staff_id=row.staff_id,
        data=dict(row.data),
        ended=_ended(row, school, now),
        stale=now - row.last_seen_at >= TOUCH_EVERY,
    )


def seen(session: Session, row_id: int, now: datetime) -> None:
    """Note that the session was used now (at most once every TOUCH_EVERY, see open_session)."""
    row = session.get(WebSession, row_id)
    if row is not None:
        row.last_seen_at = now


@dataclass(frozen=True)
class OpenSession:
    """A session as a page found it."""

    row_id: int
    staff_id: int | None
    data: dict
    ended: bool
    stale: bool


def begin(
    session: Session, token_digest: str, staff_id: int | None, data: dict, now: datetime
) -> WebSession:
    """A new session row (a sign-in in progress when staff_id is None)."""
    row = WebSession(
        token_digest=token_digest, staff_id=staff_id, created_at=now, last_seen_at=now, data=data
    )
    session.add(row)
    session.flush()
    return row


def save_data(session: Session, row_id: int, data: dict) -> None:
    row = session.get(WebSession, row_id)
    if row is not None:
        row.data = dict(data)


def end(session: Session, row_id: int) -> None:
    """Forget one session; its cookie opens nothing any more."""
    session.exec(delete(WebSession).where(col(WebSession.id) == row_id))  # type: ignore[call-overload]


def end_all(session: Session, staff_ids: list[int]) -> int:
    """End every session of these people (a leaver, or "sign out everywhere")."""
    if not staff_ids:
        return 0
    result = session.exec(
        delete(WebSession).where(col(WebSession.staff_id).in_(staff_ids))  # type: ignore[call-overload]
    )
    return int(result.rowcount or 0)


def sign_in(
    session: Session, token_digest: str, person: Staff, data: dict, now: datetime, old: int | None
) -> tuple[int, timedelta]:
    """Replace a browser's session (`old`, if any) with a new one for `person`; the new row's
    id, and how long the browser should keep its cookie (the session's whole lifetime)."""
    if old is not None:
        end(session, old)
    row = begin(session, token_digest, person.id, data, now)
    school = session.get(School, person.school_id)
    assert school is not None and row.id is not None
    return row.id, lifetimes(school).lifetime


def purge_expired(session: Session, now: datetime) -> int:
    """Delete sessions that have ended by time, for every school; the daily job calls this."""
    ended = [row for row, school in session.exec(_with_school()) if _ended(row, school, now)]
    for row in ended:
        session.delete(row)
    return len(ended)


def _with_school():  # type: ignore[no-untyped-def]
    """Sessions with the school of the person signed in (None while signing in)."""
    return (
        select(WebSession, School)
        .outerjoin(Staff, col(Staff.id) == WebSession.staff_id)
        .outerjoin(School, col(School.id) == Staff.school_id)
    )


def _ended(row: WebSession, school: School | None, now: datetime) -> bool:
    if row.staff_id is None:
        limits = Lifetimes(SIGNING_IN, SIGNING_IN)
    elif school is None:
        return True  # the person is gone
    else:
        limits = lifetimes(school)
    return session_expired(row.created_at, row.last_seen_at, now, limits.idle, limits.lifetime)
