"""Slack's HTTP endpoint (/slack/events) when Socket Mode is off.

A request must carry exactly one signature and one timestamp header, the timestamp a whole
number of seconds within five minutes of now, and a signature that matches its exact body. Then
its signature is recorded in the database, so a replay is refused by every replica of the app
and after a restart; only then does bolt see it (and check the signature again, harmlessly).
An Events API event is remembered by its event id too, so Slack's redelivery of one it thinks
went unanswered (signed anew, with X-Slack-Retry-Num) is answered 200 and not handled twice.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from bot.bootstrap import Sendbot
from bot.storage.slack_requests import first_event, first_sight

# Slack's rule: refuse a timestamp more than five minutes from now, so a replay can work only
# that long and the signatures need be remembered no longer.
REPLAY_WINDOW_SECONDS = 5 * 60
SIGNATURE, TIMESTAMP = "x-slack-signature", "x-slack-request-timestamp"
# Plain ASCII digits: int() would also take "+", spaces, underscores and other scripts' digits.
WHOLE_SECONDS = re.compile(r"[0-9]{1,12}")


def slack_router(sendbot: Sendbot) -> APIRouter:
    """The /slack/events route around the sendbot's bolt app."""
    assert sendbot.slack_app is not None
    secret = sendbot.settings.slack_signing_secret
    assert secret is not None  # load_settings insists on it in HTTP mode
    verifier = SignatureVerifier(secret.get_secret_value())
    handler = AsyncSlackRequestHandler(sendbot.slack_app)
    db = sendbot.db
    router = APIRouter()

    @router.post("/slack/events")
    async def slack_events(request: Request) -> Response:
        """Slack's events and interactions in HTTP mode."""
        signatures = request.headers.getlist(SIGNATURE)
        timestamps = request.headers.getlist(TIMESTAMP)
        if len(signatures) != 1 or len(timestamps) != 1:
            # With two, this check and bolt's could read different ones.
            counts = ((SIGNATURE, signatures), (TIMESTAMP, timestamps))
            wrong = [f"{len(found)} {name} headers" for name, found in counts if len(found) != 1]
            return _refused(
                f"a Slack request needs exactly one {SIGNATURE} header and exactly one"
                f" {TIMESTAMP} header; this one has {' and '.join(wrong)}"
            )
        signature, timestamp = signatures[0], timestamps[0]
        if not WHOLE_SECONDS.fullmatch(timestamp):
            return _refused(f"the {TIMESTAMP} header is not a whole number of seconds")
        # The computer's clock, not sendbot.clock: Slack signs with the real time and bolt
        # checks against it, and a clock replaying another day must not refuse live requests.
        now = time.time()
        if abs(now - int(timestamp)) > REPLAY_WINDOW_SECONDS:
            return _refused("the request's timestamp is more than five minutes from now")
        if not verifier.is_valid(await request.body(), timestamp, signature):
            # Not recorded: a forgery must not block the genuine request it copies.
            return _refused("the request's signature does not match its body")
        signed_at = datetime.fromtimestamp(int(timestamp), UTC)
        forget_before = datetime.fromtimestamp(now - REPLAY_WINDOW_SECONDS, UTC)
        if not await db.run(lambda s: first_sight(s, signature, signed_at, forget_before)):
            return _refused("this request was already received")
        event_id = _event_id(await request.body())
        if event_id:
            seen_at = datetime.fromtimestamp(now, UTC)
            if not await db.run(lambda s: first_event(s, event_id, seen_at, forget_before)):
                # Slack's redelivery of an event already handled (X-Slack-Retry-Num): a 200
                # stops its retries, and the event is not handled twice.
                return Response(status_code=200)
        return await handler.handle(request)  # type: ignore[no-any-return]

    return router


def _event_id(body: bytes) -> str:
    """The event id of an Events API envelope ({"type": "event_callback", "event_id": ...});
    "" for anything else (a press or a command is form-encoded, and Slack never resends it)."""
    if not body.startswith(b"{"):
        return ""
    try:
        envelope = json.loads(body)
    except ValueError:
        return ""
    event_id = envelope.get("event_id") if isinstance(envelope, dict) else None
    return event_id if isinstance(event_id, str) else ""


def _refused(problem: str) -> Response:
    return JSONResponse({"error": problem}, status_code=401)
