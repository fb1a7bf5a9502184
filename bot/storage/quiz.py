"""The question bank, each person's memory of each question, rounds and answers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel, UniqueConstraint

from bot.storage.types import UTCDateTime


class Question(SQLModel, table=True):
    """One question in a school's bank. `version` goes up whenever its wording changes."""

    __table_args__ = (UniqueConstraint("school_id", "qid"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    qid: str = Field(max_length=80)
    prompt: str = Field(max_length=300)
    options: list[str] = Field(sa_column=Column(JSON, nullable=False))
    correct: list[int] = Field(sa_column=Column(JSON, nullable=False))
    multi: bool = Field(default=False)
    explanation: str = Field(max_length=300)
    area: str = Field(max_length=40)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Job roles it is meant for; empty means everyone.
    audience: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    source: str = Field(max_length=200)
    version: int = Field(default=1)
    content_hash: str = Field(max_length=64)
    active: bool = Field(default=True)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class MemoryState(SQLModel, table=True):
    """One person's memory of one question, as an fsrs card."""

    __table_args__ = (
        UniqueConstraint("staff_id", "question_id"),
        Index("ix_memorystate_staff_due", "staff_id", "due"),
    )

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id")
    question_id: int = Field(foreign_key="question.id", index=True)
    card: dict = Field(sa_column=Column(JSON, nullable=False))
    due: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    reviews: int = Field(default=0)
    lapses: int = Field(default=0)


class QuizRound(SQLModel, table=True):
    """One quiz day at one school; planning it twice plans nothing twice."""

    __table_args__ = (UniqueConstraint("school_id", "held_on"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    held_on: date
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class QuizItem(SQLModel, table=True):
    """One question put to one person in one round, and their answer."""

    __table_args__ = (
        UniqueConstraint("round_id", "staff_id", "question_id"),
        Index("ix_quizitem_staff_status", "staff_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="quizround.id", index=True)
    staff_id: int = Field(foreign_key="staff.id")
    question_id: int = Field(foreign_key="question.id", index=True)
    question_version: int
    position: int
    # planned -> sent -> answered | expired
    status: str = Field(default="planned", max_length=20)
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    reminded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    answered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    chosen: list[int] | None = Field(default=None, sa_column=Column(JSON))
    correct: bool | None = None
    seconds_taken: int | None = None


class Target(SQLModel, table=True):
    """A performance-management target agreed with one person; progress is computed, not typed."""

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    set_by_id: int | None = Field(default=None, foreign_key="staff.id")
    # answered_share, correct_share or briefings_acknowledged_share (bot.domain.targets.Metric)
    metric: str = Field(max_length=40)
    threshold: int  # a percentage, 1 to 100
    period_label: str = Field(max_length=60)  # e.g. "Spring term 2027" or "2026-27"
    starts_on: date
    ends_on: date
    area: str | None = Field(default=None, max_length=40)
    topic: str | None = Field(default=None, max_length=60)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
