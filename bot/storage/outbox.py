"""The outbox: every message sendbot means to send, and what became of it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from bot.storage.types import UTCDateTime


class Delivery(SQLModel, table=True):
    """One message to one person. The idempotency key makes planning safe to run twice."""

    __table_args__ = (Index("ix_delivery_due", "status", "not_before"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    kind: str = Field(max_length=30)
    subject_id: int = Field(index=True)
    idempotency_key: str = Field(max_length=200, unique=True)
    platform: str = Field(max_length=20)
    # pending -> sending -> sent | not_reached | failed; cancelled when the subject is withdrawn.
    status: str = Field(default="pending", max_length=20)
    not_before: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    attempts: int = Field(default=0)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    message_ref: dict | None = Field(default=None, sa_column=Column(JSON))
    last_error: str = Field(default="", max_length=500)
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # The SENDCO said "send now": it goes whatever the hour. Everything else waits for its
    # person's sending moment, checked again when it is sent.
    any_hour: bool = Field(default=False)
    # A try got no answer (a timeout, a dropped connection): it may have arrived all the same.
    maybe_sent: bool = Field(default=False)
