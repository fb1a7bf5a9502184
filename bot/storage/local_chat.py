"""The built-in local chat's mailbox: what a person would see in their direct messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from bot.storage.types import UTCDateTime


class LocalMessage(SQLModel, table=True):
    """A message shown on the /local page. The send key stops a retried send showing twice."""

    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=255, index=True)
    send_key: str | None = Field(default=None, max_length=200, unique=True)
    body: dict = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
