"""A briefing goes from planned to sent to acknowledged, on both engines, through the local chat."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from bot.chat.local.adapter import LocalChat
from bot.domain.people import Role
from bot.services.briefings import (
    briefing_report,
    plan_briefing,
    plan_due_briefings,
    withdraw_briefing,
)
from bot.services.chat_port import Interaction, MessageRef
from bot.services.clock import FixedClock
from bot.services.dispatcher import Dispatcher, DispatchPolicy
from bot.services.inbound import Inbound
from bot.storage.briefing import Briefing
from bot.storage.database import Database
from bot.storage.outbox import Delivery
from tests import factories


def wire(db: Database, clock: FixedClock) -> tuple[LocalChat, Dispatcher, Inbound]:
    local = LocalChat(db, clock)
    ports = {"local": local}
    dispatcher = Dispatcher(db, ports, clock, DispatchPolicy(batch_size=3), worker_id="test")
    return local, dispatcher, Inbound(db, ports, clock)


def test_briefing_reaches_everyone_and_records_the_first_press(
    db: Database, clock: FixedClock
) -> None:
    def setup(s):
        school = factories.school(s)
        people = [factories.person(s, school, f"Teacher {n}") for n in range(5)]
        factories.person(s, school, "Sam Sendco", roles={Role.SENDCO}, department="SEND")
        brief = factories.briefing(s, school, clock.now())
        return brief.id, [p.email for p in people]

    briefing_id, emails = db.work(setup)
    local, dispatcher, inbound = wire(db, clock)

    planned = db.work(lambda s: plan_due_briefings(s, clock.now(), "local"))
    assert planned == 6
    assert db.work(lambda s: plan_due_briefings(s, clock.now(), "local")) == 0

    report = asyncio.run(dispatcher.drain())
    assert report.sent == 6

    inbox = db.work(lambda s: local.mailbox(s, emails[0]))
    assert len(inbox) == 1 and inbox[0].message.buttons[0].label == "Got it"
    ref = MessageRef("local", {"id": inbox[0].id})
    press = Interaction("local", emails[0], "briefing.ack", str(briefing_id), ref)

    first = asyncio.run(inbound.handle(press))
    assert "recorded" in first.notice
    shown = db.work(lambda s: local.mailbox(s, emails[0]))[0].message
    assert shown.buttons == () and "acknowledged" in shown.lines[0]

    clock.moment += timedelta(minutes=5)
    again = asyncio.run(inbound.handle(press))
    assert "already" in again.notice

    status = db.work(lambda s: briefing_report(s, s.exec(select(Delivery.school_id)).first()))[0]
    assert [name for name, _ in status.acknowledged] == ["Teacher 0"]
    assert status.acknowledged[0][1] == clock.now() - timedelta(minutes=5)
    assert len(status.waiting) == 5 and status.sent == 6


def test_a_press_by_someone_the_briefing_was_not_sent_to_changes_nothing(
    db: Database, clock: FixedClock
) -> None:
    def setup(s):
        school = factories.school(s)
        science = factories.person(s, school, "Ada Science", department="Science")
        maths = factories.person(s, school, "Bob Maths", department="Maths")
        brief = factories.briefing(s, school, clock.now(), audience=["department: Science"])
        return brief.id, science.email, maths.email

    briefing_id, _science, maths = db.work(setup)
    _local, dispatcher, inbound = wire(db, clock)
    db.work(lambda s: plan_due_briefings(s, clock.now(), "local"))
    asyncio.run(dispatcher.drain())

    outcome = asyncio.run(
        inbound.handle(Interaction("local", maths, "briefing.ack", str(briefing_id)))
    )
    assert "not sent to you" in outcome.notice
    status = db.work(lambda s: briefing_report(s, s.exec(select(Delivery.school_id)).first()))[0]
    assert status.acknowledged == [] and status.waiting == ["Ada Science"]


def test_unknown_people_buttons_and_damaged_values_get_a_polite_reply(
    db: Database, clock: FixedClock
) -> None:
    def setup(s):
        school = factories.school(s)
        return factories.person(s, school, "Cat Smith").email

    email = db.work(setup)
    _local, _dispatcher, inbound = wire(db, clock)
    assert (
        "does not know your account"
        in asyncio.run(
            inbound.handle(Interaction("local", "stranger@example.org", "briefing.ack", "1"))
        ).notice
    )
    assert (
        "no longer in use"
        in asyncio.run(inbound.handle(Interaction("local", email, "quiz.mystery", "1"))).notice
    )
    assert (
        "damaged"
        in asyncio.run(
            inbound.handle(Interaction("local", email, "briefing.ack", "drop table"))
        ).notice
    )
    assert (
        "no longer exists"
        in asyncio.run(inbound.handle(Interaction("local", email, "briefing.ack", "999999"))).notice
    )


def test_withdrawn_briefing_is_not_sent_and_a_press_on_it_is_answered(
    db: Database, clock: FixedClock
) -> None:
    def setup(s):
        school = factories.school(s)
        early = factories.person(s, school, "Early Bird")
        factories.person(s, school, "Part Timer", working_days="45")  # Thu, Fri only
        brief = factories.briefing(s, school, clock.now())
        return brief.id, early.email

    briefing_id, early = db.work(setup)
    local, dispatcher, inbound = wire(db, clock)
    db.work(lambda s: plan_briefing(s, s.get(Briefing, briefing_id), clock.now(), "local"))
    assert asyncio.run(dispatcher.drain()).sent == 1  # the part-timer's moment is Thursday

    assert db.work(lambda s: withdraw_briefing(s, briefing_id)) == 1
    clock.moment = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
    assert asyncio.run(dispatcher.drain()).counts == {}

    ref = MessageRef("local", {"id": db.work(lambda s: local.mailbox(s, early))[0].id})
    outcome = asyncio.run(
        inbound.handle(Interaction("local", early, "briefing.ack", str(briefing_id), ref))
    )
    assert "withdrew" in outcome.notice
    assert "withdrawn" in db.work(lambda s: local.mailbox(s, early))[0].message.lines[0]


def test_part_time_staff_get_it_on_their_next_working_day(db: Database, clock: FixedClock) -> None:
    def setup(s):
        school = factories.school(s)
        factories.person(
            s, school, "Thursday Person", job_role="teaching_assistant", working_days="4"
        )
        return factories.briefing(s, school, clock.now(), send_on=date(2026, 11, 3)).id

    db.work(setup)
    db.work(lambda s: plan_due_briefings(s, clock.now(), "local"))
    moment = db.work(lambda s: s.exec(select(Delivery.not_before)).one())
    # Thursday 5 November 2026, 07:30 London (GMT) is 07:30 UTC.
    assert moment == datetime(2026, 11, 5, 7, 30, tzinfo=UTC)
