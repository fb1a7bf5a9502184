"""A chat platform that refuses sendbot itself, as the dispatcher last found it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from bot.storage.types import UTCDateTime


class PlatformProblem(SQLModel, table=True):
    """Sending on this platform is paused until it works again; the row goes when it does."""

    platform: str = Field(primary_key=True, max_length=20)
    reason: str = Field(max_length=500)
    fix: str = Field(max_length=1000)
    since: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_seen: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
