"""Slack in HTTP mode: each signed request is accepted once, by whichever replica sees it first,
and still refused after a restart; the signature and timestamp headers must each come once.

The requests are Slack's url_verification challenge: signed like any other, and bolt answers it
with the challenge, so a 200 shows bolt itself accepted the request.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime

import httpx
import pytest
from fastapi.testclient import TestClient
from slack_sdk.signature import SignatureVerifier
from sqlmodel import select

from bot.services.clock import FixedClock
from bot.storage.database import Database
from bot.storage.slack_requests import SlackRequestSeen
from tests.fakes.slack_api import FakeSlack
from tests.integration.webapp import SLACK_SIGNING_SECRET, client_for, slack_sendbot_for

Headers = list[tuple[str, str]]


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@contextmanager
def slack_app(db: Database, clock: FixedClock, slack: FakeSlack) -> Iterator[TestClient]:
    """A freshly built sendbot (as after a restart, or on another replica) on this database."""
    sendbot = slack_sendbot_for(db.engine.url.render_as_string(hide_password=False), clock, slack)
    try:
        with client_for(sendbot) as client:
            yield client
    finally:
        sendbot.db.dispose()


def challenge(name: str) -> str:
    """A url_verification body; each test's own, so no two tests share a signature."""
    return json.dumps({"token": "legacy", "challenge": name, "type": "url_verification"})


def signed(body: str, ahead: int = 0) -> tuple[str, str]:
    """The timestamp (`ahead` seconds from now) and v0 signature Slack would send."""
    timestamp = str(int(time.time()) + ahead)
    signature = SignatureVerifier(SLACK_SIGNING_SECRET).generate_signature(
        timestamp=timestamp, body=body
    )
    assert signature is not None
    return timestamp, signature


def post(client: TestClient, body: str, headers: Headers) -> httpx.Response:
    return client.post(
        "/slack/events", content=body, headers=[("content-type", "application/json"), *headers]
    )


def as_sent(timestamp: str, signature: str) -> Headers:
    return [("x-slack-request-timestamp", timestamp), ("x-slack-signature", signature)]


def test_a_replay_with_a_junk_signature_header_before_the_real_one_is_refused(
    db: Database, clock: FixedClock, slack: FakeSlack
) -> None:
    body = challenge("junk-first")
    timestamp, signature = signed(body)
    with slack_app(db, clock, slack) as client:
        first = post(client, body, as_sent(timestamp, signature))
        assert first.status_code == 200 and first.json() == {"challenge": "junk-first"}
        replay = post(
            client,
            body,
            [
                ("x-slack-request-timestamp", timestamp),
                ("x-slack-signature", "v0=" + "0" * 64),
                ("x-slack-signature", signature),
            ],
        )
    assert replay.status_code == 401
    assert "2 x-slack-signature headers" in replay.json()["error"]


def test_two_signature_headers_or_two_timestamp_headers_are_refused(
    db: Database, clock: FixedClock, slack: FakeSlack
) -> None:
    body = challenge("doubled")
    timestamp, signature = signed(body)
    with slack_app(db, clock, slack) as client:
        two_signatures = post(
            client,
            body,
            [
                ("x-slack-request-timestamp", timestamp),
                ("x-slack-signature", signature),
                ("x-slack-signature", signature),
            ],
        )
        two_timestamps = post(
            client,
            body,
            [
                ("x-slack-request-timestamp", timestamp),
                ("x-slack-request-timestamp", timestamp),
                ("x-slack-signature", signature),
            ],
        )
        neither = post(client, body, [])
        forged = post(client, challenge("forged"), as_sent(timestamp, signature))
        # None of the refusals was remembered: the genuine request still gets through.
        genuine = post(client, body, as_sent(timestamp, signature))
    assert two_signatures.status_code == 401
    assert "2 x-slack-signature headers" in two_signatures.json()["error"]
    assert two_timestamps.status_code == 401
    assert "2 x-slack-request-timestamp headers" in two_timestamps.json()["error"]
    assert neither.status_code == 401 and "exactly one" in neither.json()["error"]
    assert forged.status_code == 401 and "does not match" in forged.json()["error"]
    assert genuine.status_code == 200 and genuine.json() == {"challenge": "doubled"}


@pytest.mark.parametrize("written", ["", "{now}.0", "+{now}", " {now}", "0x6553F100", "soon"])
def test_a_timestamp_that_is_not_a_whole_number_of_seconds_is_refused(
    db: Database, clock: FixedClock, slack: FakeSlack, written: str
) -> None:
    # Python's int() would read several of these, and so would bolt.
    timestamp = written.format(now=int(time.time()))
    body = challenge(f"odd-timestamp-{written}")
    signature = SignatureVerifier(SLACK_SIGNING_SECRET).generate_signature(
        timestamp=timestamp, body=body
    )
    with slack_app(db, clock, slack) as client:
        refused = post(client, body, as_sent(timestamp, signature or ""))
    assert refused.status_code == 401
    assert "x-slack-request-timestamp" in refused.json()["error"]


def test_a_timestamp_more_than_five_minutes_either_side_of_now_is_refused(
    db: Database, clock: FixedClock, slack: FakeSlack
) -> None:
    with slack_app(db, clock, slack) as client:
        answers, sent = {}, {}
        for ahead in (-6 * 60, 301, 299):
            body = challenge(f"ahead-{ahead}")
            sent[ahead] = signed(body, ahead)
            answers[ahead] = post(client, body, as_sent(*sent[ahead]))
    for ahead in (-6 * 60, 301):
        assert answers[ahead].status_code == 401
        assert "five minutes" in answers[ahead].json()["error"]
    # Time only runs towards a timestamp ahead of now, so this one stays inside the window.
    assert answers[299].status_code == 200
    # Remembered by its own time, so it is kept as long as a replay of it could pass.
    timestamp, _ = sent[299]
    kept = db.work(lambda s: s.exec(select(SlackRequestSeen.signed_at)).one())
    assert kept == datetime.fromtimestamp(int(timestamp), UTC)


def test_a_replay_after_a_restart_is_refused(
    db: Database, clock: FixedClock, slack: FakeSlack
) -> None:
    body = challenge("restart")
    headers = as_sent(*signed(body))
    with slack_app(db, clock, slack) as before:
        assert post(before, body, headers).status_code == 200
    with slack_app(db, clock, slack) as after:
        replay = post(after, body, headers)
    assert replay.status_code == 401
    assert replay.json() == {"error": "this request was already received"}


def test_two_replicas_sent_the_same_request_at_once_accept_it_once(
    db: Database, clock: FixedClock, slack: FakeSlack
) -> None:
    body = challenge("replicas")
    headers = as_sent(*signed(body))
    with ExitStack() as stack:
        replicas = [stack.enter_context(slack_app(db, clock, slack)) for _ in range(2)]
        for replica in replicas:
            # FastAPI finishes building the routers (module-level, so shared by both apps in
            # this one process) as a request first walks them: walk them all, one app at a
            # time, as two real processes would never race on them.
            assert replica.get("/no-such-page").status_code == 404
        both_ready = threading.Barrier(len(replicas))
        statuses: list[int] = []

        def send(client: TestClient) -> None:
            both_ready.wait()
            statuses.append(post(client, body, headers).status_code)

        threads = [threading.Thread(target=send, args=(r,)) for r in replicas]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(statuses) == [200, 401]
