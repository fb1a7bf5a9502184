"""Slack requests already accepted, by signature: a replay is refused by every replica of the
app and after a restart, not only by the process that saw the request first."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Column, delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col

from bot.storage.types import UTCDateTime

# Slack redelivers an event it thinks went unanswered up to three times over about five minutes.
REDELIVERY_WINDOW = timedelta(minutes=5)


class SlackRequestSeen(SQLModel, table=True):
    """One accepted Slack request: its v0 signature and the timestamp it was signed with.

    Kept while that timestamp could still pass the freshness check; a request signed ahead of
    the clock stays replayable for longer after it arrives, so arrival time would not do."""

    signature: str = Field(primary_key=True, max_length=100)
    signed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


def first_sight(
    session: Session, signature: str, signed_at: datetime, forget_before: datetime
) -> bool:
    """Record the signature; False if it was already recorded. Rows signed before
    `forget_before` go first: a request that old is refused by its timestamp anyway."""
    stale = (
        select(SlackRequestSeen.signature)
        .where(col(SlackRequestSeen.signed_at) < forget_before)
        # Rows another replica is purging are left to it, so two purges never wait on each other.
        .with_for_update(skip_locked=True)
    )
    session.execute(delete(SlackRequestSeen).where(col(SlackRequestSeen.signature).in_(stale)))
    try:
        # The primary key decides between two replicas racing on one signature: the second
        # insert waits for the first to commit, then fails.
        with session.begin_nested():
            session.add(SlackRequestSeen(signature=signature, signed_at=signed_at))
    except IntegrityError:
        return False
    return True


def first_event(session: Session, event_id: str, now: datetime, forget_before: datetime) -> bool:
    """Record an Events API event id; False if it was already recorded. Slack redelivers an
    event it thinks went unanswered (over HTTP, signed anew; in Socket Mode, to any replica's
    connection): a redelivery moves the record's time on, so it is kept until
    REDELIVERY_WINDOW after the last one. Both modes call this, so both dedupe alike."""
    key = f"event:{event_id}"[:100]
    if first_sight(session, key, now, forget_before):
        return True
    seen = session.get(SlackRequestSeen, key)
    if seen is not None:
        seen.signed_at = now
        session.add(seen)
    return False
