"""The chat port's contract: every adapter passes the same scenarios (DESIGN.md, The chat port)."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from bot.domain.quiz import Area, QuestionDraft
from bot.services.briefings import plan_briefing
from bot.services.chat_port import Button, Message, MessageRef, NotReachable, Recipient
from bot.services.clock import FixedClock
from bot.services.question_bank import save_questions
from bot.services.rounds import plan_round
from bot.storage.briefing import Briefing
from bot.storage.database import Database
from bot.storage.outbox import Delivery
from tests import factories
from tests.contract.harnesses import HARNESSES
from tests.integration.webapp import sendbot_for

CARD = Message(
    kind="briefing",
    title="Adapt first",
    bullets=("Adapt your teaching first.", "Then talk to the SENDCO."),
    buttons=(Button("briefing.ack", "1", "Got it", primary=True),),
    footer="From your SENDCO",
)


@pytest.fixture(params=sorted(HARNESSES))
def harness(request: pytest.FixtureRequest, db: Database, clock: FixedClock):  # type: ignore[no-untyped-def]
    sendbot = sendbot_for(db.engine.url.render_as_string(hide_password=False), clock)
    yield HARNESSES[request.param](sendbot)
    sendbot.db.dispose()


def _person(db: Database) -> int:
    return db.work(lambda s: factories.person(s, factories.school(s), "Dee Reader").id)


def test_a_sent_message_is_seen_as_sent(harness, db: Database) -> None:  # type: ignore[no-untyped-def]
    staff_id = _person(db)
    recipient = Recipient(harness.user_id_of(staff_id))
    ref = asyncio.run(harness.port.send(recipient, CARD, "contract:1"))
    assert ref.platform == harness.port.platform
    assert harness.seen_by(staff_id) == [CARD]


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
    assert harness.seen_by(staff_id) == [done]


def test_someone_the_platform_does_not_know_is_not_reachable(harness, db: Database) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotReachable) as caught:
        asyncio.run(harness.port.send(Recipient("nobody-here"), CARD, "c:nobody"))
    assert caught.value.reason


def test_a_press_goes_through_the_shared_inbound_path(harness, db: Database, clock) -> None:  # type: ignore[no-untyped-def]
    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        person = factories.person(s, school, "Eve Presser")
        briefing = factories.briefing(s, school, clock.now())
        plan_briefing(s, briefing, clock.now(), "local", send_now=True)
        return person.id, briefing.id

    staff_id, briefing_id = db.work(setup)
    assert asyncio.run(harness.sendbot.dispatcher.drain()).sent == 1
    sent = db.work(lambda s: s.exec(factories.select_delivery_ref(briefing_id)).one())
    ref = MessageRef(harness.port.platform, sent)
    assert "recorded" in harness.press(staff_id, ref, "briefing.ack", str(briefing_id))
    assert "already" in harness.press(staff_id, ref, "briefing.ack", str(briefing_id))
    shown = harness.seen_by(staff_id)[0]
    assert shown.buttons == () and "acknowledged" in shown.lines[0]
    assert db.work(lambda s: s.get(Briefing, briefing_id).status) == "planned"


def _quiz_setup(db: Database, clock, multi: bool):  # type: ignore[no-untyped-def]
    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        person = factories.person(s, school, "Quinn Quiz")
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
        save_questions(s, school.id, [draft], clock.now())
        plan_round(s, school, clock.now(), "local")
        return person.id

    return db.work(setup)


@pytest.mark.parametrize("multi", [False, True], ids=["buttons", "tick-boxes"])
def test_a_question_card_is_answered_through_the_platform(
    harness, db: Database, clock, multi: bool
) -> None:  # type: ignore[no-untyped-def]
    staff_id = _quiz_setup(db, clock, multi)
    assert asyncio.run(harness.sendbot.dispatcher.drain()).sent == 1
    card = harness.seen_by(staff_id)[0]
    ref = MessageRef(
        harness.port.platform,
        db.work(lambda s: s.exec(select(Delivery.message_ref)).one()),
    )
    if multi:
        assert card.form is not None and card.buttons == ()
        assert "Tick at least one" in harness.submit(staff_id, ref, card.form, [])
        notice = harness.submit(staff_id, ref, card.form, [0, 2])
    else:
        assert [b.label for b in card.buttons] == ["A. Assess", "B. Refer", "C. Review"]
        button = card.buttons[0]
        notice = harness.press(staff_id, ref, button.action_id, button.value)
    assert notice == "Answer recorded."
    answered = harness.seen_by(staff_id)[0]
    assert answered.title.startswith("✓ Right") and answered.buttons == () and answered.form is None
