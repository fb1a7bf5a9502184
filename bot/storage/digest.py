"""Weekly digests: one row per person and school week, with the figures it carries."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel, UniqueConstraint

from bot.storage.types import UTCDateTime


class WeeklyDigest(SQLModel, table=True):
    """One person's digest for one school week. The unique (person, week) key makes planning
    it safe on every tick, and on several replicas ticking at once: the first insert wins."""

    __table_args__ = (UniqueConstraint("staff_id", "week_of"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    staff_id: int = Field(foreign_key="staff.id")
    week_of: date  # the Monday of the school week
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # The figures as they stood when it was planned (bot.services.digest_messages.Digest).
    content: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
