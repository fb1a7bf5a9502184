"""What a replica that has just become a platform's sender reads from the outbox: the sends of
the allowance's last window, and the sends another worker still holds as going now."""

from __future__ import annotations

from datetime import timedelta

from bot.services.clock import FixedClock
from bot.services.outbox import recent_sends
from bot.storage.database import Database
from bot.storage.outbox import Delivery
from tests import factories

MINUTE = timedelta(minutes=1)


def test_the_last_minutes_sends_and_the_claims_still_held_count(
    db: Database, clock: FixedClock
) -> None:
    now = clock.now()

    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        person = factories.person(s, school, "Pat Patient")
        rows = [
            # (platform, status, sent seconds ago, claimed by, claim left in seconds)
            ("slack", "sent", 10, None, None),
            ("slack", "sent", 59, None, None),
            ("slack", "sent", 61, None, None),  # before the window
            ("teams", "sent", 5, None, None),  # another platform
            ("slack", "sending", None, "dead-sender", 30),  # may have gone: counts as now
            ("slack", "sending", None, "this-replica", 30),  # this replica's own claim
            ("slack", "sending", None, "dead-sender", -5),  # a lapsed claim: not held
            ("slack", "pending", None, None, None),
        ]
        for n, (platform, status, ago, worker, left) in enumerate(rows):
            s.add(
                Delivery(
                    school_id=school.id,
                    staff_id=person.id,
                    kind="briefing",
                    subject_id=n,
                    idempotency_key=f"briefing:{n}",
                    platform=platform,
                    status=status,
                    not_before=now - MINUTE,
                    sent_at=now - timedelta(seconds=ago) if ago is not None else None,
                    claimed_by=worker,
                    claimed_until=now + timedelta(seconds=left) if left is not None else None,
                )
            )

    db.work(setup)
    ages = db.work(lambda s: recent_sends(s, "slack", now, MINUTE, "this-replica"))
    assert sorted(ages) == [0.0, 10.0, 59.0]
    assert db.work(lambda s: recent_sends(s, "local", now, MINUTE, "this-replica")) == []
