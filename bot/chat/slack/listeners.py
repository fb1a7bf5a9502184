"""The Slack app (bolt): every button press is acknowledged at once, then handed to the one
inbound path, and the person gets a short reply only they can see."""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.chat.slack.adapter import SlackChat
from bot.chat.slack.commands import register_home_and_commands
from bot.chat.slack.events_once import handle_each_event_once
from bot.chat.slack.home import Wiring
from bot.chat.slack.payloads import (
    MalformedPayload,
    block_action_key,
    interaction_from_block_actions,
)
from bot.services.inbound import Inbound

log = logging.getLogger(__name__)
UNREADABLE = "That button could not be read, so nothing was recorded. Please try again."
# Slack retries an unacknowledged request after 1 and 5 minutes; remember presses longer.
REMEMBER_SECONDS = 15 * 60


class SeenPresses:
    """Presses handled lately, so a retry or a double press is answered once."""

    def __init__(self, most: int = 50_000) -> None:
        self.most = most
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str, now: float) -> bool:
        while self._seen and next(iter(self._seen.values())) < now - REMEMBER_SECONDS:
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        if len(self._seen) > self.most:
            self._seen.popitem(last=False)
        return True


def build_slack_app(
    chat: SlackChat,
    inbound: Inbound,
    signing_secret: str | None,
    http_mode: bool,
    base_url: str = "",
) -> AsyncApp:
    """A bolt AsyncApp around our client. In HTTP mode bolt checks every request's signature
    and timestamp; in Socket Mode Slack's own connection is the proof."""
    app = AsyncApp(
        client=chat.client,
        signing_secret=signing_secret or "",
        request_verification_enabled=http_mode,
        process_before_response=False,
    )
    seen = SeenPresses()
    if not http_mode:
        # In HTTP mode /slack/events does this before bolt sees the request.
        handle_each_event_once(app, inbound.db)

    @app.action(re.compile(".*"))
    async def on_press(ack: Any, body: Mapping[str, Any]) -> None:
        await handle_press(chat, inbound, seen, body, ack)

    # The Home tab, /sendbot and the briefing modal (bot/chat/slack/commands.py); base_url
    # (PUBLIC_URL) is where their links to the web pages point.
    register_home_and_commands(app, Wiring(chat, inbound.db, inbound.clock, base_url))
    return app


async def handle_press(
    chat: SlackChat,
    inbound: Inbound,
    seen: SeenPresses,
    body: Mapping[str, Any],
    ack: Callable[[], Awaitable[Any]],
) -> None:
    """Acknowledge a press, record it once and reply to the person privately.

    Slack shows the person an error after three seconds without an answer, and never sends a
    press again once it was answered: so the press is kept in the database (one quick insert)
    before the answer, and recorded after it; a press whose replica died in between is
    recorded by another (Inbound.record_kept)."""
    user = str((body.get("user") or {}).get("id", ""))
    channel = str(
        (body.get("channel") or {}).get("id", "")
        or (body.get("container") or {}).get("channel_id", "")
    )
    try:
        if not seen.first_time(block_action_key(body), time.monotonic()):
            await ack()
            return
        interaction = interaction_from_block_actions(body)
    except MalformedPayload:
        await ack()
        log.warning("an unreadable Slack press from %s", user or "someone unknown")
        notice = UNREADABLE
    else:
        kept = await inbound.keep(interaction) if interaction is not None else None
        await ack()
        if interaction is None:
            return
        notice = (await inbound.handle(interaction, kept=kept)).notice
    if notice and user and channel:
        try:
            reply_to = body.get("response_url")
            await chat.notify(
                channel, user, notice, reply_to if isinstance(reply_to, str) else None
            )
        except Exception:  # noqa: BLE001 - the press is recorded; a missing reply is not fatal
            log.warning("could not reply to a Slack press", exc_info=True)
