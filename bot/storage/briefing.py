"""Briefings and who acknowledged them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel, UniqueConstraint

from bot.storage.types import UTCDateTime


class Briefing(SQLModel, table=True):
    """A short plain-language briefing from the SENDCO."""

    __table_args__ = (UniqueConstraint("school_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    slug: str = Field(max_length=120)
    title: str = Field(max_length=150)
    bullets: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Audience selectors as written by the SENDCO, e.g. ["all"] or ["department: Science"].
    audience: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    send_on: date
    # Where it was last written: "file" (briefings/<slug>.md), "web", or the chat platform.
    # A file never silently replaces a briefing last written elsewhere (sendbot content load).
    source: str = Field(default="file", max_length=20)
    # scheduled -> planned; withdrawn at any time.
    status: str = Field(default="scheduled", max_length=20, index=True)
    content_hash: str = Field(default="", max_length=64)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    planned_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # Counts every change to what staff would read, so a web form opened before a change
    # (another tab, a file loaded meanwhile) is refused rather than saved over it.
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    # When the SENDCO last changed it on the web pages (None: never).
    edited_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class Acknowledgement(SQLModel, table=True):
    """A person pressed "Got it" on a briefing; only the first press is kept."""

    __table_args__ = (UniqueConstraint("briefing_id", "staff_id"),)

    id: int | None = Field(default=None, primary_key=True)
    briefing_id: int = Field(foreign_key="briefing.id", index=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    acknowledged_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
