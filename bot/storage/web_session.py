"""Signed-in web sessions kept on the server, and the sign-in accounts linked to staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel, UniqueConstraint

from bot.storage.types import UTCDateTime


class WebSession(SQLModel, table=True):
    """One browser's session. The cookie holds a random token; only its keyed digest is kept
    here, so a copy of the database opens no session. No staff_id: still signing in."""

    id: int | None = Field(default=None, primary_key=True)
    token_digest: str = Field(max_length=64, unique=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_seen_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    # The form token, a notice to show once, and a sign-in in progress (state, nonce, PKCE).
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class SignInLink(SQLModel, table=True):
    """A school account (issuer and subject; tenant and object id for Microsoft) that signs in
    as one member of staff. Made the first time the account's verified email matches."""

    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    issuer: str = Field(max_length=500)
    subject: str = Field(max_length=255)
    linked_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_used_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
