"""The chat port's contract: every adapter passes the same scenarios (DESIGN.md, The chat port)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlmodel import select

from bot.domain.quiz import Area, QuestionDraft
from bot.services.briefings import plan_briefing
from bot.services.chat_port import Button, Message, MessageRef, NotReachable, Recipient
from bot.services.clock import FixedClock
from bot.services.question_bank import save_questions
from bot.services.rounds import plan_round
from bot.storage.briefing import Acknowledgement, Briefing
from bot.storage.database import Database
from bot.storage.outbox import Delivery
from tests import factories
from tests.contract.harnesses import LocalHarness, SlackHarness, TeamsHarness
from tests.fakes.slack_api import FakeSlack
from tests.fakes.teams_connector import FakeTeams
from tests.fakes.teams_identity import FakeIdentity
from tests.fakes.teams_sdk import sdk_pointed_at
from tests.integration.webapp import (
    client_for,
    sendbot_for,
    slack_sendbot_for,
    teams_sendbot_for,
)
from tests.web_forms import arm

CARD = Message(
    kind="briefing",
    title="Adapt first",
    bullets=("Adapt your teaching first.", "Then talk to the SENDCO."),
    buttons=(Button("briefing.ack", "1", "Got it", primary=True),),
    footer="From your SENDCO",
)


@pytest.fixture(params=["local", "slack", "teams"])
def harness(request: pytest.FixtureRequest, db: Database, clock: FixedClock) -> Iterator[object]:
    url = db.engine.url.render_as_string(hide_password=False)
    if request.param == "local":
        sendbot = sendbot_for(url, clock)
        with client_for(sendbot) as client:
            arm(client)  # the demo's session and form token, as the local chat page has
            yield LocalHarness(sendbot, client)
    elif request.param == "slack":
        with FakeSlack() as slack:
            sendbot = slack_sendbot_for(
                url,
                clock,
                slack,
                slack_messages_per_minute=6000,
            )
            with client_for(sendbot) as client:
                yield SlackHarness(sendbot, client, slack)
    else:
        with (
            FakeIdentity() as identity,
            sdk_pointed_at(identity),
            FakeTeams(identity) as teams,
        ):
            sendbot = teams_sendbot_for(url, clock, identity, teams)
            with client_for(sendbot) as client:
                yield TeamsHarness(sendbot, client, teams)
    sendbot.db.dispose()


def _person(db: Database) -> int:
    return db.work(lambda s: factories.person(s, factories.school(s), "Dee Reader").id)


def test_a_sent_message_is_seen_as_sent(harness, db: Database) -> None:  # type: ignore[no-untyped-def]
    staff_id = _person(db)
    ref = asyncio.run(harness.port.send(Recipient(harness.user_id_of(staff_id)), CARD, "c:1"))
    assert ref.platform == harness.port.platform
    [seen] = harness.seen_by(staff_id)
    assert seen.title == "Adapt first"
    assert "Adapt your teaching first." in seen.text and "From your SENDCO" in seen.text
    assert seen.buttons == (("Got it", "1"),)


def test_sending_twice_with_one_key_shows_one_message(harness, db: Database) -> None:  # type: ignore[no-untyped-def]
    staff_id = _person(db)
    recipient = Recipient(harness.user_id_of(staff_id))
    first = asyncio.run(harness.port.send(recipient, CARD, "contract:same"))
    second = asyncio.run(harness.port.send(recipient, CARD, "contract:same"))
    assert first == second
    assert len(harness.seen_by(staff_id)) == 1
    asyncio.run(harness.port.send(recipient, CARD, "contract:other"))
    assert len(harness.seen_by(staff_id)) == 2


def test_an_update_replaces_the_message(harness, db: Database) -> None:  # type: ignore[no-untyped-def]
    staff_id = _person(db)
    ref = asyncio.run(harness.port.send(Recipient(harness.user_id_of(staff_id)), CARD, "c:u"))
    done = Message(kind="briefing", title="Adapt first", lines=("✓ Acknowledged",))
    asyncio.run(harness.port.update(ref, done))
    [seen] = harness.seen_by(staff_id)
    assert seen.buttons == () and "✓ Acknowledged" in seen.text


def test_someone_the_platform_does_not_know_is_not_reachable(harness, db: Database) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotReachable) as caught:
        asyncio.run(harness.port.send(Recipient("nobody-here"), CARD, "c:nobody"))
    assert caught.value.reason


def _sent_ref(db: Database, platform: str) -> MessageRef:
    return MessageRef(platform, db.work(lambda s: s.exec(select(Delivery.message_ref)).one()))


def test_a_press_goes_through_the_shared_inbound_path(harness, db: Database, clock) -> None:  # type: ignore[no-untyped-def]
    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        person = factories.person(s, school, "Eve Presser")
        return school.id, person.id

    school_id, staff_id = db.work(setup)
    harness.user_id_of(staff_id)

    def plan(s):  # type: ignore[no-untyped-def]
        briefing = factories.briefing(s, s.get(factories.School, school_id), clock.now())
        plan_briefing(s, briefing, clock.now(), harness.port.platform, send_now=True)
        return briefing.id

    briefing_id = db.work(plan)
    assert asyncio.run(harness.sendbot.dispatcher.drain()).sent == 1
    ref = _sent_ref(db, harness.port.platform)
    assert "recorded" in harness.press(staff_id, ref, str(briefing_id))
    # A double press or a platform's retry counts once; a reply, if any, says so.
    again = harness.press(staff_id, ref, str(briefing_id), expect_reply=False)
    assert again is None or "already" in again
    assert db.work(lambda s: len(s.exec(select(Acknowledgement)).all())) == 1
    [seen] = harness.seen_by(staff_id)
    assert seen.buttons == () and "acknowledged" in seen.text
    assert db.work(lambda s: s.get(Briefing, briefing_id).status) == "planned"


def _quiz_setup(db: Database, harness, clock, multi: bool) -> int:  # type: ignore[no-untyped-def]
    def people(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        return school.id, factories.person(s, school, "Quinn Quiz").id

    school_id, staff_id = db.work(people)
    harness.user_id_of(staff_id)

    def setup(s):  # type: ignore[no-untyped-def]
        draft = QuestionDraft(
            qid="contract-q",
            prompt="Which are part of the graduated approach?",
            options=("Assess", "Refer", "Review"),
            correct=frozenset({0, 2}) if multi else frozenset({0}),
            explanation="Assess, plan, do, review.",
            area=Area.GENERAL,
            source="SEND Code of Practice 6.44",
            multi=multi,
        )
        save_questions(s, school_id, [draft], clock.now())
        plan_round(s, s.get(factories.School, school_id), clock.now(), harness.port.platform)

    db.work(setup)
    return staff_id


@pytest.mark.parametrize("multi", [False, True], ids=["buttons", "tick-boxes"])
def test_a_question_card_is_answered_through_the_platform(
    harness, db: Database, clock, multi: bool
) -> None:  # type: ignore[no-untyped-def]
    staff_id = _quiz_setup(db, harness, clock, multi)
    assert asyncio.run(harness.sendbot.dispatcher.drain()).sent == 1
    [card] = harness.seen_by(staff_id)
    ref = _sent_ref(db, harness.port.platform)
    if multi:
        assert card.ticks == ("A. Assess", "B. Refer", "C. Review")
        assert "Tick at least one" in harness.submit(staff_id, ref, [])
        notice = harness.submit(staff_id, ref, [0, 2])
    else:
        assert [label for label, _value in card.buttons] == ["A. Assess", "B. Refer", "C. Review"]
        notice = harness.press(staff_id, ref, card.buttons[0][1])
    assert notice == "Answer recorded."
    [answered] = harness.seen_by(staff_id)
    assert answered.title.startswith("✓ Right") and answered.buttons == () and answered.ticks == ()
