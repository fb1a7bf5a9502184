"""The platform-neutral messages sendbot sends, built from stored records."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.services.chat_port import Button, Message
from bot.storage.briefing import Briefing

ACK_BRIEFING = "briefing.ack"


def briefing_message(briefing: Briefing) -> Message:
    """A briefing as it first arrives: the bullets and a "Got it" button."""
    return Message(
        kind="briefing",
        title=briefing.title,
        bullets=tuple(briefing.bullets),
        buttons=(Button(ACK_BRIEFING, str(briefing.id), "Got it", primary=True),),
        footer="SEND briefing from your SENDCO. Press Got it when you have read it.",
    )


def acknowledged_briefing_message(briefing: Briefing, at: datetime, timezone: str) -> Message:
    """The same briefing once acknowledged: no live button, and when it was read."""
    local = at.astimezone(ZoneInfo(timezone))
    return Message(
        kind="briefing",
        title=briefing.title,
        bullets=tuple(briefing.bullets),
        lines=(f"✓ You acknowledged this on {local:%a %-d %b at %H:%M}. Thank you.",),
        footer="SEND briefing from your SENDCO.",
    )


def withdrawn_briefing_message(briefing: Briefing) -> Message:
    """What a withdrawn briefing's card turns into when someone presses its button."""
    return Message(
        kind="briefing",
        title=briefing.title,
        lines=("This briefing was withdrawn by the SENDCO, so there is nothing to acknowledge.",),
    )
