"""The audit log: who did or saw what, for the school's data protection officer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from bot.storage.types import UTCDateTime


class AuditEvent(SQLModel, table=True):
    """One thing a person did or viewed; never holds pupil data beyond an id."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    school_id: int | None = Field(default=None, foreign_key="school.id")
    actor_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    action: str = Field(max_length=60)
    subject_type: str = Field(default="", max_length=40)
    subject_id: str = Field(default="", max_length=64)
    detail: str = Field(default="", max_length=500)
