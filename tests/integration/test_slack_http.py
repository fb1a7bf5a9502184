"""Slack in HTTP mode: every request is verified, and bad presses get a clear private reply."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier
from sqlmodel import select

from bot.services.briefings import plan_briefing
from bot.services.chat_port import MessageRef
from bot.services.clock import FixedClock
from bot.storage.briefing import Acknowledgement
from bot.storage.database import Database
from bot.storage.outbox import Delivery
from tests import factories
from tests.contract.harnesses import SIGNING_SECRET, SlackHarness, signed_post
from tests.fakes.slack_api import FakeSlack
from tests.integration.webapp import client_for, slack_sendbot_for


@pytest.fixture
def slack_harness(db: Database, clock: FixedClock) -> Iterator[SlackHarness]:
    with FakeSlack() as slack:
        sendbot = slack_sendbot_for(
            db.engine.url.render_as_string(hide_password=False),
            clock,
            slack,
            slack_messages_per_minute=6000,
        )
        with client_for(sendbot) as client:
            yield SlackHarness(sendbot, client, slack)
        sendbot.db.dispose()


def briefing_sent(db: Database, harness: SlackHarness, clock: FixedClock) -> tuple[int, int]:
    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        return school.id, factories.person(s, school, "Ivy Slack", platform=None).id

    school_id, staff_id = db.work(setup)
    harness.user_id_of(staff_id)

    def plan(s):  # type: ignore[no-untyped-def]
        briefing = factories.briefing(s, s.get(factories.School, school_id), clock.now())
        plan_briefing(s, briefing, clock.now(), "slack", send_now=True)
        return briefing.id

    briefing_id = db.work(plan)
    assert asyncio.run(harness.sendbot.dispatcher.drain()).sent == 1
    return staff_id, briefing_id


def press_body(harness: SlackHarness, staff_id: int, briefing_id: int) -> dict[str, str]:
    ref = harness.sendbot.db.work(lambda s: s.exec(select(Delivery.message_ref)).one())
    message = harness.slack.messages[0]
    button = next(e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"])
    payload = {
        "type": "block_actions",
        "user": {"id": harness.user_id_of(staff_id)},
        "team": {"id": "T1"},
        "container": {"type": "message", "channel_id": ref["channel"], "message_ts": ref["ts"]},
        "channel": {"id": ref["channel"]},
        "actions": [dict(button, action_ts=str(time.time()))],
    }
    assert button["value"] == str(briefing_id)
    return {"payload": json.dumps(payload)}


def acks(db: Database) -> int:
    return db.work(lambda s: len(s.exec(select(Acknowledgement)).all()))


def test_a_bad_signature_or_a_stale_timestamp_is_refused_and_changes_nothing(
    db: Database, slack_harness: SlackHarness, clock: FixedClock
) -> None:
    staff_id, briefing_id = briefing_sent(db, slack_harness, clock)
    body = press_body(slack_harness, staff_id, briefing_id)
    assert signed_post(slack_harness.client, body, secret="not-the-secret").status_code == 401
    assert signed_post(slack_harness.client, body, age=6 * 60).status_code == 401
    unsigned = slack_harness.client.post("/slack/events", data=body)
    assert unsigned.status_code == 401
    time.sleep(0.5)
    assert acks(db) == 0 and slack_harness.slack.ephemerals == []


def test_a_replayed_request_is_refused_and_counted_once(
    db: Database, slack_harness: SlackHarness, clock: FixedClock
) -> None:
    staff_id, briefing_id = briefing_sent(db, slack_harness, clock)
    body = press_body(slack_harness, staff_id, briefing_id)
    timestamp = str(int(time.time()))

    raw = urlencode(body)
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": SignatureVerifier(SIGNING_SECRET).generate_signature(
            timestamp=timestamp, body=raw
        ),
    }
    assert (
        slack_harness.client.post("/slack/events", content=raw, headers=headers).status_code == 200
    )
    assert (
        slack_harness.client.post("/slack/events", content=raw, headers=headers).status_code == 401
    )
    deadline = time.monotonic() + 15
    # The reply follows the record, so wait for the reply.
    while not slack_harness.slack.ephemerals and time.monotonic() < deadline:
        time.sleep(0.05)
    assert acks(db) == 1
    assert [e["text"] for e in slack_harness.slack.ephemerals] == [
        "Thanks: recorded that you have read it."
    ]


def test_presses_from_strangers_and_unreadable_payloads_get_a_polite_reply(
    db: Database, slack_harness: SlackHarness, clock: FixedClock
) -> None:
    staff_id, briefing_id = briefing_sent(db, slack_harness, clock)
    body = json.loads(press_body(slack_harness, staff_id, briefing_id)["payload"])
    # In the Slack workspace, but not someone sendbot knows.
    slack_harness.slack.add_user("U0STRANGER", "visitor@elsewhere.example")
    stranger = dict(body, user={"id": "U0STRANGER"})
    assert signed_post(slack_harness.client, {"payload": json.dumps(stranger)}).status_code == 200
    broken = dict(body, actions=[{"action_id": "nonsense", "type": "button", "value": "1"}])
    assert signed_post(slack_harness.client, {"payload": json.dumps(broken)}).status_code == 200
    deadline = time.monotonic() + 15
    while len(slack_harness.slack.ephemerals) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    replies = sorted(e["text"] for e in slack_harness.slack.ephemerals)
    assert replies[0].startswith("That button could not be read")
    assert "does not know your account" in replies[1]
    assert acks(db) == 0


def test_a_press_is_answered_through_its_response_url_not_the_rate_limited_methods(
    db: Database, slack_harness: SlackHarness, clock: FixedClock
) -> None:
    staff_id, briefing_id = briefing_sent(db, slack_harness, clock)
    ref = db.work(lambda s: s.exec(select(Delivery.message_ref)).one())
    assert slack_harness.press(staff_id, MessageRef("slack", ref), str(briefing_id)) == (
        "Thanks: recorded that you have read it."
    )
    calls = slack_harness.slack.calls
    # The card replaced and the private reply both went to the response_url.
    assert calls["response_url"] == 2
    assert calls["chat.update"] == 0 and calls["chat.postEphemeral"] == 0
    assert "acknowledged" in slack_harness.slack.messages[0]["blocks"].__repr__()


def test_without_a_response_url_the_web_api_is_used(
    db: Database, slack_harness: SlackHarness, clock: FixedClock
) -> None:
    staff_id, briefing_id = briefing_sent(db, slack_harness, clock)
    assert signed_post(slack_harness.client, press_body(slack_harness, staff_id, briefing_id))
    deadline = time.monotonic() + 15
    while not slack_harness.slack.ephemerals and time.monotonic() < deadline:
        time.sleep(0.05)
    calls = slack_harness.slack.calls
    assert calls["chat.update"] == 1 and calls["chat.postEphemeral"] == 1
