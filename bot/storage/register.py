"""The SEN register: pupils, the imports that changed it, who teaches whom, and register alerts.

Pupil data is special category data (UK GDPR Art. 9). It lives only in these tables and on the
signed-in pupil page; the UPN never leaves the database. Once a pupil has been off the register
(or out of the school) for as long as the school keeps such records, their identifying fields are
blanked and `erased_at` set; the row stays so that counts in reports still add up.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel, UniqueConstraint

from bot.storage.types import UTCDateTime


class Pupil(SQLModel, table=True):
    """A pupil the register has held, as of the latest import that named them."""

    __table_args__ = (UniqueConstraint("school_id", "mis_id"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    mis_id: str = Field(max_length=50)
    upn: str = Field(default="", max_length=13)
    legal_first: str = Field(default="", max_length=100)
    legal_last: str = Field(default="", max_length=100)
    preferred_first: str = Field(default="", max_length=100)
    preferred_last: str = Field(default="", max_length=100)
    year_group: str = Field(default="", max_length=3)
    reg_group: str = Field(default="", max_length=30)
    # E, K, N or M (see bot.domain.register).
    provision: str = Field(default="N", max_length=1)
    primary_need: str = Field(default="", max_length=4)
    secondary_need: str = Field(default="", max_length=4)
    provision_start: date | None = None
    profile_url: str = Field(default="", max_length=500)
    # False once an export leaves the pupil out: they have left the school.
    on_roll: bool = Field(default=True)
    # The day they came off the register or left; how long they are kept counts from here.
    off_register_on: date | None = None
    erased_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class RegisterImport(SQLModel, table=True):
    """One register file applied: who, when, which file (by hash) and what it changed."""

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    by_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    file_name: str = Field(default="", max_length=200)
    file_sha256: str = Field(max_length=64)
    pupils: int = Field(default=0)
    changes: int = Field(default=0)
    # The school's first register: it sets where things stand, and alerts nobody.
    baseline: bool = Field(default=False)
    # The SENDCO confirmed an import that takes many pupils off the register at once.
    confirmed_partial: bool = Field(default=False)


class RegisterChange(SQLModel, table=True):
    """One pupil's change on the register, from the import that brought it."""

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    import_id: int = Field(foreign_key="registerimport.id", index=True)
    pupil_id: int = Field(foreign_key="pupil.id", index=True)
    # A bot.domain.register.ChangeKind value.
    kind: str = Field(max_length=20)
    old_provision: str = Field(default="", max_length=1)
    new_provision: str = Field(default="", max_length=1)
    old_need: str = Field(default="", max_length=4)
    new_need: str = Field(default="", max_length=4)


class TeachingLink(SQLModel, table=True):
    """Who teaches or looks after whom, from the school's teaching-groups file.

    Kept by MIS id, not by pupil row, so links can be loaded before the register and survive
    its re-imports. A tutor's or head of year's link may name a whole group instead of a pupil:
    then `pupil_mis_id` is "" and `group_name` is the registration group or the year group."""

    __table_args__ = (
        Index("ix_teachinglink_pupil", "school_id", "pupil_mis_id"),
        Index("ix_teachinglink_group", "school_id", "role", "group_name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id")
    staff_id: int = Field(foreign_key="staff.id", index=True)
    # teacher, support, tutor or head_of_year
    role: str = Field(default="teacher", max_length=20)
    group_name: str = Field(default="", max_length=60)
    pupil_mis_id: str = Field(default="", max_length=50)


class ProfileAlert(SQLModel, table=True):
    """One register alert: one message to one person for one import, however many pupils."""

    __table_args__ = (UniqueConstraint("import_id", "staff_id"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    import_id: int = Field(foreign_key="registerimport.id", index=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    reminded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class ProfileRead(SQLModel, table=True):
    """Whether one person has read one pupil's profile after one change ("I've read it")."""

    __table_args__ = (UniqueConstraint("change_id", "staff_id"),)

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="profilealert.id", index=True)
    change_id: int = Field(foreign_key="registerchange.id", index=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    read_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # How they said so: "chat" (the button) or "web" (the pupil page).
    read_via: str = Field(default="", max_length=10)
