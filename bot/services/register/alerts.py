"""Register alerts: who to tell about an import's changes, one message per person.

Each person linked to a pupil who changed gets one ProfileAlert for the import, a ProfileRead
(read_at empty) for each change they should read about, and one delivery at their next
sending moment. The renderer, the "I've read the profile" press and reminders work from these.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from bot.domain.calendar import next_sending_moment
from bot.services.outbox import PlannedDelivery, plan
from bot.services.register.kinds import ALERT
from bot.services.school_calendar import availability_of, calendar_for
from bot.services.teaching_links import PupilPlace, staff_for_pupils
from bot.storage.register import ProfileAlert, ProfileRead
from bot.storage.school import School
from bot.storage.staff import Staff

# Rows per INSERT: well inside SQLite's and PostgreSQL's parameter limits.
CHUNK = 500


def insert_ids(session: Session, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows a chunk at a time; their new ids, in the order of `rows`."""
    found: list[int] = []
    for start in range(0, len(rows), CHUNK):
        statement = insert(table).returning(table.id, sort_by_parameter_order=True)
        found.extend(session.scalars(statement, rows[start : start + CHUNK]).all())
    return found


def plan_alerts(
    session: Session,
    school: School,
    import_id: int,
    alerted: list[tuple[int, PupilPlace]],
    now: datetime,
    platform: str,
    send_now: bool = False,
) -> tuple[int, int, int]:
    """Plan the alerts for `alerted` (each change's id, and where the pupil is in the school):
    one ProfileAlert per person, one ProfileRead per person and change, one delivery each alert
    at the person's next sending moment (or at once, when the SENDCO asks). Returns (alerts,
    reads, not reached)."""
    linked = staff_for_pupils(session, school.id, [pupil for _, pupil in alerted])  # type: ignore[arg-type]
    per_person: dict[int, list[int]] = defaultdict(list)
    people: dict[int, Staff] = {}
    for change_id, pupil in alerted:
        for person, _how in linked.get(pupil.mis_id, []):
            assert person.id is not None
            people[person.id] = person
            if change_id not in per_person[person.id]:
                per_person[person.id].append(change_id)
    if not per_person:
        return 0, 0, 0
    staff_ids = sorted(per_person)
    alert_ids = dict(
        zip(
            staff_ids,
            insert_ids(
                session,
                ProfileAlert,
                [
                    {
                        "school_id": school.id,
                        "import_id": import_id,
                        "staff_id": staff_id,
                        "created_at": now,
                    }
                    for staff_id in staff_ids
                ],
            ),
            strict=True,
        )
    )
    reads = [
        {"alert_id": alert_ids[staff_id], "change_id": change_id, "staff_id": staff_id}
        for staff_id in staff_ids
        for change_id in per_person[staff_id]
    ]
    for start in range(0, len(reads), CHUNK):
        session.execute(insert(ProfileRead), reads[start : start + CHUNK])
    calendar = calendar_for(session, school, now)
    planned = []
    for staff_id in staff_ids:
        moment = (
            now
            if send_now
            else next_sending_moment(calendar, availability_of(people[staff_id]), now)
        )
        planned.append(
            PlannedDelivery.at_moment(
                school.id,  # type: ignore[arg-type]
                staff_id,
                ALERT,
                alert_ids[staff_id],
                platform,
                moment,
                now,
                any_hour=send_now,
            )
        )
    plan(session, planned)
    not_reached = sum(1 for p in planned if p.status == "not_reached")
    return len(staff_ids), len(reads), not_reached
