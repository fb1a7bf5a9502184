"""Each Events API event is handled once in Socket Mode, as bot/web/slack_events.py makes it in
HTTP mode: Slack redelivers an event whose envelope was not acknowledged in time (with
retry_attempt and retry_reason on the envelope, the same event_id in the payload), possibly to
another replica's connection, so the event id is remembered in the database by the same
`first_event` the HTTP endpoint uses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from bot.storage.database import Database
from bot.storage.slack_requests import REDELIVERY_WINDOW, first_event


def handle_each_event_once(app: AsyncApp, db: Database) -> None:
    """Acknowledge a redelivered event without handling it again."""

    @app.middleware
    async def once_per_event(
        body: Mapping[str, Any], next_: Callable[[], Awaitable[Any]]
    ) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if isinstance(event_id, str) and event_id:
            # The computer's clock, as in HTTP mode: Slack redelivers by the real time.
            now = datetime.now(UTC)
            forget_before = now - REDELIVERY_WINDOW
            if not await db.run(lambda s: first_event(s, event_id, now, forget_before)):
                # A 200 acknowledges the envelope, so Slack stops redelivering it.
                return BoltResponse(status=200, body="")
        await next_()
        return None
