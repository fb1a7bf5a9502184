"""Chat platforms that refuse sendbot itself: noted by the dispatcher, shown to the SENDCO and
the admin, and cleared by the first message that goes through again."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from bot.storage.platform_status import PlatformProblem


def note_problem(session: Session, platform: str, reason: str, fix: str, now: datetime) -> bool:
    """Record that the platform refuses sendbot; True when this is news (not already noted)."""
    row = session.get(PlatformProblem, platform)
    if row is None:
        session.add(
            PlatformProblem(
                platform=platform, reason=reason[:500], fix=fix[:1000], since=now, last_seen=now
            )
        )
        return True
    row.reason, row.fix, row.last_seen = reason[:500], fix[:1000], now
    session.add(row)
    return False


def clear_problems(session: Session, platforms: Iterable[str]) -> None:
    """The platforms work again."""
    names = sorted(set(platforms))
    if names:
        session.execute(delete(PlatformProblem).where(col(PlatformProblem.platform).in_(names)))


def current_problems(session: Session) -> list[PlatformProblem]:
    """Every platform that refuses sendbot now, oldest first."""
    return list(session.exec(select(PlatformProblem).order_by(PlatformProblem.since)).all())
