"""The latest look-up of each member of staff in a chat platform's directory, and its outcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel, UniqueConstraint

from bot.storage.types import UTCDateTime


class PersonLink(SQLModel, table=True):
    """Whether one person was found on one platform, and if not, why (for the SENDCO).

    The account itself is a ChatIdentity; this row says how the last look-up went, so that a
    person who could not be matched is listed with the reason and looked up again later.
    """

    __table_args__ = (UniqueConstraint("staff_id", "platform"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    platform: str = Field(max_length=20)
    # One of bot.services.linking.LinkStatus: linked, not_in_workspace, deactivated, bot, taken,
    # or unchecked while a look-up has been claimed but has not answered yet.
    status: str = Field(default="unchecked", max_length=20)
    reason: str = Field(default="", max_length=300)
    platform_user_id: str = Field(default="", max_length=255)
    # When the last look-up was claimed; a replica only claims rows older than its cut-off.
    checked_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
