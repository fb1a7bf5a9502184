"""A person says they have read a briefing: the first press counts; later ones get a reply."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from bot.services.briefings import KIND
from bot.services.chat_port import Outcome
from bot.services.messages import acknowledged_briefing_message, withdrawn_briefing_message
from bot.storage.briefing import Acknowledgement, Briefing
from bot.storage.outbox import Delivery
from bot.storage.school import School
from bot.storage.staff import Staff


def acknowledge_briefing(
    session: Session, person: Staff, briefing_id: int, now: datetime
) -> Outcome:
    """Record that `person` has read the briefing, once; say so politely if they press again."""
    briefing = session.get(Briefing, briefing_id)
    if briefing is None or briefing.school_id != person.school_id:
        return Outcome(notice="That briefing no longer exists, so there is nothing to acknowledge.")
    if briefing.status == "withdrawn":
        return Outcome(
            updated=withdrawn_briefing_message(briefing),
            notice="The SENDCO withdrew this briefing, so there is nothing to acknowledge.",
        )
    sent_to_person = session.exec(
        select(Delivery).where(
            Delivery.kind == KIND,
            Delivery.subject_id == briefing_id,
            Delivery.staff_id == person.id,
            # "sending": the message can be in their chat a moment before the batch is recorded.
            # "not_reached": a send the platform never confirmed and that was not sent again
            # (Teams): it may have arrived all the same.
            Delivery.status.in_(["sending", "sent", "not_reached"]),  # type: ignore[attr-defined]
        )
    ).first()
    if sent_to_person is None:
        return Outcome(notice="This briefing was not sent to you, so your press was not recorded.")
    if sent_to_person.status == "not_reached":
        # Their press on it is the confirmation the platform never gave: it did arrive.
        sent_to_person.status, sent_to_person.last_error = "sent", ""
        sent_to_person.sent_at = sent_to_person.sent_at or now
        session.add(sent_to_person)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted = session.execute(
        insert(Acknowledgement)
        .values(briefing_id=briefing_id, staff_id=person.id, acknowledged_at=now)
        .on_conflict_do_nothing(index_elements=["briefing_id", "staff_id"])
        .returning(Acknowledgement.id)
    ).first()
    first = session.exec(
        select(Acknowledgement.acknowledged_at).where(
            Acknowledgement.briefing_id == briefing_id, Acknowledgement.staff_id == person.id
        )
    ).one()
    school = session.get(School, briefing.school_id)
    assert school is not None
    updated = acknowledged_briefing_message(briefing, first, school.timezone)
    if inserted is not None:
        return Outcome(updated=updated, notice="Thanks: recorded that you have read it.")
    return Outcome(
        updated=updated, notice="You had already acknowledged this one; nothing changed."
    )
