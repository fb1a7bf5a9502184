"""A process that stops between Slack accepting a message and the outbox recording it: the
process that takes the delivery over finds the message in the conversation and does not send a
second copy."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import select

from bot.chat.slack.adapter import SlackChat, web_client
from bot.services.briefings import plan_briefing
from bot.services.chat_port import Recipient
from bot.services.clock import FixedClock
from bot.services.dispatcher import Dispatcher, DispatchPolicy
from bot.services.messages import briefing_message
from bot.services.outbox import claim_due
from bot.storage.briefing import Briefing
from bot.storage.database import Database
from bot.storage.outbox import Delivery
from bot.storage.staff import ChatIdentity
from tests import factories
from tests.fakes.slack_api import FakeSlack


def test_a_delivery_taken_over_after_a_crash_is_not_sent_twice(
    db: Database, clock: FixedClock
) -> None:
    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        people = [factories.person(s, school, f"Person {n}", platform=None) for n in range(3)]
        for person in people:
            s.add(
                ChatIdentity(staff_id=person.id, platform="slack", platform_user_id=f"U{person.id}")
            )
        briefing = factories.briefing(s, school, clock.now())
        plan_briefing(s, briefing, clock.now(), "slack", send_now=True)
        return [(p.id, p.email) for p in people], briefing.id

    people, briefing_id = db.work(setup)
    lease = timedelta(seconds=30)
    with FakeSlack() as slack:
        for staff_id, email in people:
            slack.add_user(f"U{staff_id}", email)
        # The first process claims all three and gets one message through before it stops.
        crashed = db.work(lambda s: claim_due(s, clock.now(), "crashed", lease, 10))
        first = SlackChat(web_client(slack.token, slack.base_url), 6000)
        briefing = db.work(lambda s: s.get(Briefing, briefing_id))
        got_through = crashed[0]
        asyncio.run(
            first.send(
                Recipient(f"U{got_through.staff_id}"),
                briefing_message(briefing),
                got_through.idempotency_key,
            )
        )
        assert slack.calls["chat.postMessage"] == 1

        # A new process (nothing in memory) takes the deliveries over once the lease lapses.
        clock.moment += lease + timedelta(seconds=1)
        second = SlackChat(web_client(slack.token, slack.base_url), 6000)
        report = asyncio.run(
            Dispatcher(db, {"slack": second}, clock, DispatchPolicy(), "replacement").drain()
        )
        assert report.sent == 3
        assert slack.calls["chat.postMessage"] == 3  # one each: the first was found, not resent
        assert slack.calls["conversations.history"] == 3
        for staff_id, _email in people:
            assert len(slack.messages_to(f"U{staff_id}")) == 1
        refs = db.work(lambda s: s.exec(select(Delivery.message_ref)).all())
        assert len({ref["ts"] for ref in refs}) == 3
