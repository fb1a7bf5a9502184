"""The built-in local chat's mailbox: what a person would see in their direct messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel, select

from bot.storage.types import UTCDateTime


class LocalMessage(SQLModel, table=True):
    """A message shown on the /local page. The send key stops a retried send showing twice."""

    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=255, index=True)
    send_key: str | None = Field(default=None, max_length=200, unique=True)
    body: dict = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


def waiting(body: dict) -> bool:
    """Still waiting for its reader: it has a button or tick-boxes, which go once pressed (a
    briefing's "Got it", a question's answers, an alert's "I've read the profile"). This is
    the local chat's "unread": it keeps no other record of a message being opened."""
    return bool(body.get("buttons") or body.get("form"))


def unread_counts(session: Session) -> dict[str, int]:
    """How many messages wait for each local chat user, by their local user id."""
    counts: dict[str, int] = {}
    for recipient, body in session.exec(select(LocalMessage.recipient, LocalMessage.body)):
        if waiting(body):
            counts[recipient] = counts.get(recipient, 0) + 1
    return counts
