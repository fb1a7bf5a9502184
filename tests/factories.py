"""Small builders of stored records for tests; real rows in a real database."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlmodel import Session, select

from bot.domain.people import Role, roles_to_text
from bot.storage.briefing import Briefing
from bot.storage.outbox import Delivery
from bot.storage.school import School, Term
from bot.storage.staff import ChatIdentity, Staff


def school(session: Session, name: str = "Oak Hill Academy", with_terms: bool = True) -> School:
    row = School(name=name, send_window_start=time(7, 30), send_window_end=time(16, 30))
    session.add(row)
    session.flush()
    if with_terms:
        for term, first, last in (
            ("Autumn 1", date(2026, 9, 2), date(2026, 10, 23)),
            ("Autumn 2", date(2026, 11, 2), date(2026, 12, 18)),
            ("Spring 1", date(2027, 1, 5), date(2027, 2, 12)),
        ):
            session.add(Term(school_id=row.id, name=term, starts_on=first, ends_on=last))
    return row


def person(
    session: Session,
    school_row: School,
    name: str,
    *,
    job_role: str = "teacher",
    department: str = "Science",
    roles: set[Role] | None = None,
    working_days: str = "12345",
    platform: str | None = "local",
) -> Staff:
    row = Staff(
        school_id=school_row.id,  # type: ignore[arg-type]
        name=name,
        email=f"{name.lower().replace(' ', '.')}@oakhill.example",
        job_role=job_role,
        department=department,
        roles=roles_to_text(roles or {Role.STAFF}),
        working_days=working_days,
    )
    session.add(row)
    session.flush()
    if platform:
        session.add(ChatIdentity(staff_id=row.id, platform=platform, platform_user_id=row.email))  # type: ignore[arg-type]
    return row


def briefing(
    session: Session,
    school_row: School,
    now: datetime,
    *,
    slug: str = "graduated-approach",
    send_on: date = date(2026, 11, 3),
    audience: list[str] | None = None,
) -> Briefing:
    row = Briefing(
        school_id=school_row.id,  # type: ignore[arg-type]
        slug=slug,
        title="The graduated approach",
        bullets=["Assess, plan, do, review.", "Adapt your teaching first."],
        audience=audience or ["all"],
        send_on=send_on,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def select_delivery_ref(briefing_id: int):  # type: ignore[no-untyped-def]
    """The stored platform reference of a briefing's (only) delivery."""
    return select(Delivery.message_ref).where(
        Delivery.kind == "briefing", Delivery.subject_id == briefing_id
    )
