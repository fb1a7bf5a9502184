"""Trusts, schools and the days a school is open."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel, UniqueConstraint


class Trust(SQLModel, table=True):
    """A multi-academy trust that runs several schools (optional)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)


class School(SQLModel, table=True):
    """One school: its time zone and the hours in which staff may be messaged."""

    id: int | None = Field(default=None, primary_key=True)
    trust_id: int | None = Field(default=None, foreign_key="trust.id")
    name: str = Field(max_length=200, unique=True)
    timezone: str = Field(default="Europe/London", max_length=64)
    send_window_start: time = Field(default=time(7, 30))
    send_window_end: time = Field(default=time(16, 30))
    # Quizzes: ISO weekdays with a round (Tuesday and Thursday), questions a round, spacing.
    quiz_days: str = Field(default="24", max_length=7)
    quiz_questions_per_round: int = Field(default=3)
    quiz_desired_retention: float = Field(default=0.9)
    quiz_max_interval_days: int = Field(default=180)
    quiz_reminder_after_days: int = Field(default=2)  # school days
    quiz_expire_after_days: int = Field(default=5)  # school days
    # The SENDCO's current focus topics (tags); new questions on these come first.
    quiz_focus_tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Register alerts: how much of a pupil chat may show ("count", "minimal" or "area"; see
    # bot.domain.register), when to remind (school days), the days within which a profile read
    # counts as on time, the share of the register an import may take off before it must be
    # confirmed, and how long former register pupils are kept (0: to the end of the school year).
    register_chat_detail: str = Field(default="minimal", max_length=10)
    register_reminder_after_days: int = Field(default=3)
    register_read_within_days: int = Field(default=5)
    register_partial_share: float = Field(default=0.2)
    register_keep_days: int = Field(default=0)
    # Web sessions end after this long without a request, and this long after signing in.
    session_idle_hours: int = Field(default=8)
    session_max_days: int = Field(default=7)
    # Whom staff ask about their data (the data protection officer), shown on /privacy.
    privacy_contact: str = Field(
        default="", max_length=300, sa_column_kwargs={"server_default": ""}
    )


class Term(SQLModel, table=True):
    """A stretch of school days; half terms are the gaps between terms."""

    __table_args__ = (UniqueConstraint("school_id", "starts_on"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    name: str = Field(max_length=100)
    starts_on: date
    ends_on: date


class Closure(SQLModel, table=True):
    """Days inside a term when the school is closed to staff messages (INSET, strike, snow)."""

    __table_args__ = (UniqueConstraint("school_id", "starts_on", "ends_on"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    starts_on: date
    ends_on: date
    reason: str = Field(default="", max_length=200)
