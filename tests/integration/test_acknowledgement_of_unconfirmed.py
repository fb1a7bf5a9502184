"""A card Teams took but never confirmed is recorded not reached ("they may have it already");
when its person presses "Got it" on it, it did arrive: the press is recorded and the delivery
counts as sent."""

from __future__ import annotations

from sqlmodel import select

from bot.services.acknowledgements import acknowledge_briefing
from bot.services.briefings import plan_briefing
from bot.services.clock import FixedClock
from bot.storage.briefing import Acknowledgement
from bot.storage.database import Database
from bot.storage.outbox import Delivery
from bot.storage.staff import Staff
from tests import factories

UNCONFIRMED = "Teams never confirmed that it arrived, so it was not sent again"


def test_a_press_on_a_card_recorded_not_reached_is_recorded_and_the_card_counts_as_sent(
    db: Database, clock: FixedClock
) -> None:
    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        person = factories.person(s, school, "Pat Patient")
        other = factories.person(s, school, "Sam Sent-Nothing")
        briefing = factories.briefing(s, school, clock.now())
        plan_briefing(s, briefing, clock.now(), "local", send_now=True)
        for row in s.exec(select(Delivery)).all():
            row.status, row.last_error = "not_reached", UNCONFIRMED
            if row.staff_id == other.id:
                row.status, row.last_error = "failed", "Teams said 400"
            s.add(row)
        return person.id, other.id, briefing.id

    person_id, other_id, briefing_id = db.work(setup)

    def press(staff_id: int) -> str:
        def go(s):  # type: ignore[no-untyped-def]
            person = s.get(Staff, staff_id)
            return acknowledge_briefing(s, person, briefing_id, clock.now()).notice

        return db.work(go)

    assert press(person_id) == "Thanks: recorded that you have read it."
    row = db.work(lambda s: s.exec(select(Delivery).where(Delivery.staff_id == person_id)).one())
    assert (row.status, row.last_error, row.sent_at) == ("sent", "", clock.now())
    # A send that failed for good never reached anyone to press it: still refused.
    assert press(other_id) == "This briefing was not sent to you, so your press was not recorded."
    acks = db.work(lambda s: s.exec(select(Acknowledgement.staff_id)).all())
    assert acks == [person_id]
