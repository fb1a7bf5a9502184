"""Presses kept before the platform is told they arrived.

Slack never sends an interaction again once it has been answered 200, so a replica that dies
between answering and recording would lose the press silently. The press is written here first
(a small table nothing else locks), answered, then recorded; recording it deletes it here in the
same transaction. A press still here after its claim lapsed was never recorded: any replica
takes it and records it then (bot.services.inbound.Inbound.record_kept)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Column, Text, delete, update
from sqlmodel import Field, Session, SQLModel, col, select

from bot.storage.types import UTCDateTime

# How long a kept press is left to the replica that kept it: recording takes well under a
# second, and the database's own retries about twenty (bot.services.inbound.RETRY_DELAYS).
CLAIM = timedelta(seconds=30)
# Presses taken back at a time: a replica that died held a few at most.
TAKE_BACK = 50


class KeptPress(SQLModel, table=True):
    """One press from chat, until it is recorded."""

    id: int | None = Field(default=None, primary_key=True)
    # What was pressed, as JSON (bot.services.inbound writes and reads it).
    interaction: str = Field(sa_column=Column(Text(), nullable=False))
    pressed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    claimed_until: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


def keep_press(session: Session, interaction: str, now: datetime) -> int:
    """Keep a press, claimed by this replica for CLAIM; returns its id."""
    row = KeptPress(interaction=interaction, pressed_at=now, claimed_until=now + CLAIM)
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def forget_press(session: Session, kept_id: int) -> None:
    """The press is recorded (in this same transaction), or can never be."""
    session.execute(delete(KeptPress).where(col(KeptPress.id) == kept_id))


def take_back_lapsed(session: Session, now: datetime) -> list[tuple[int, str, datetime]]:
    """Claim, for CLAIM, kept presses whose claim lapsed: the replica that kept them died or
    lost its database before recording them. Rows another replica is claiming are skipped.
    Returns each one's id, what was pressed and when."""
    lapsed = session.exec(
        select(KeptPress)
        .where(col(KeptPress.claimed_until) < now)
        .order_by(col(KeptPress.id))
        .limit(TAKE_BACK)
        .with_for_update(skip_locked=True)
    ).all()
    taken = [(row.id, row.interaction, row.pressed_at) for row in lapsed if row.id is not None]
    if taken:
        session.execute(
            update(KeptPress)
            .where(col(KeptPress.id).in_([kept_id for kept_id, _, _ in taken]))
            .values(claimed_until=now + CLAIM)
        )
    return taken
