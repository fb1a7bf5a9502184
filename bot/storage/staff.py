"""Staff and the chat accounts through which they are reached."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel, UniqueConstraint


class Staff(SQLModel, table=True):
    """A member of staff. Roles and working days are small fixed sets, kept as short strings."""

    __table_args__ = (
        UniqueConstraint("school_id", "email"),
        UniqueConstraint("school_id", "staff_code", name="uq_staff_school_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    job_role: str = Field(max_length=40)
    department: str = Field(default="", max_length=100)
    line_manager_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    # Space-separated role names from bot.domain.people.Role, e.g. "staff line_manager".
    roles: str = Field(default="staff", max_length=100)
    # ISO weekday numbers the person works, e.g. "12345" for Monday to Friday.
    working_days: str = Field(default="12345", max_length=7)
    paused_until: date | None = None
    active: bool = Field(default=True)
    # Line managers and the SENDCO get a weekly digest in chat unless they turn it off.
    weekly_digest: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    # The MIS's short code for the person ("THA"), upper case, as class lists name staff by it.
    staff_code: str | None = Field(default=None, max_length=20)


class ChatIdentity(SQLModel, table=True):
    """How one person is reached on one chat platform."""

    __table_args__ = (
        UniqueConstraint("platform", "platform_user_id"),
        UniqueConstraint("staff_id", "platform"),
    )

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    platform: str = Field(max_length=20)
    platform_user_id: str = Field(max_length=255)
    # Whatever else the platform needs to reach the person later (a Teams conversation reference).
    extra: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
