"""`/sendbot`: help, `me`, `team` and `digest` answered privately, and `brief` opening the
SENDCO's modal.

Every command is acknowledged before the database is asked anything (Slack's three seconds);
answers then go back through the command's response_url, which only the person sees.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.chat.slack.adapter import PLATFORM
from bot.chat.slack.blocks import escape
from bot.chat.slack.home import NOT_KNOWN, Wiring, person_lines, publish_home, team_section
from bot.chat.slack.modal import (
    FORM,
    PREVIEW,
    form_view,
    on_form_submitted,
    on_preview_sent,
)
from bot.services.chat_briefings import form_choices
from bot.services.digests import digest_command
from bot.services.errors import UserError, apology
from bot.services.summaries import person_for_chat, person_summary, team_summary

log = logging.getLogger(__name__)
COMMAND = "/sendbot"
HELP = (
    "*sendbot* commands:\n"
    "• `/sendbot me`: your progress and what is waiting for you\n"
    "• `/sendbot team`: your team's progress this term (line managers and the SENDCO)\n"
    "• `/sendbot brief`: write a briefing for staff (the SENDCO)\n"
    "• `/sendbot digest off` or `/sendbot digest on`: stop or restart your weekly digest "
    "(line managers and the SENDCO)\n"
    "• `/sendbot help`: this list\n"
    "Your Home tab in sendbot shows the same, and more."
)
NO_TEAM = (
    "`/sendbot team` is for line managers and the SENDCO. `/sendbot me` shows your own progress."
)
EXPIRED = (
    "Slack's time to open the form ran out (it allows three seconds). "
    "Please type `/sendbot brief` again."
)
Respond = Callable[..., Awaitable[Any]]


def register_home_and_commands(app: AsyncApp, wiring: Wiring) -> None:
    """Add the Home tab, the /sendbot command and the briefing modal's listeners."""

    @app.event("app_home_opened")
    async def on_home_opened(event: Mapping[str, Any]) -> None:
        # bolt acknowledges events itself, before this runs.
        await publish_home(wiring, event)

    @app.command(COMMAND)
    async def on_command(ack: Any, body: Mapping[str, Any], respond: Respond) -> None:
        await handle_command(wiring, ack, body, respond)

    @app.view(FORM)
    async def on_form(ack: Any, body: Mapping[str, Any]) -> None:
        await on_form_submitted(ack, body)

    @app.view(PREVIEW)
    async def on_preview(ack: Any, body: Mapping[str, Any]) -> None:
        await on_preview_sent(ack, body, wiring)


async def handle_command(
    wiring: Wiring, ack: Any, body: Mapping[str, Any], respond: Respond
) -> None:
    """Parse `/sendbot <word>`, acknowledge, and answer privately."""
    words = str(body.get("text") or "").split()
    verb = words[0].lower() if words else "help"
    user = str(body.get("user_id") or "")
    if verb not in ("me", "team", "brief", "digest"):
        unknown = "" if verb == "help" else f"`{escape(verb)}` is not a sendbot command. "
        await ack(text=unknown + HELP)
        return
    await ack()
    if verb == "brief":
        text = await open_brief(wiring, user, str(body.get("trigger_id") or ""))
    elif verb == "digest":
        text = await digest_text(wiring, user, words[1].lower() if len(words) > 1 else "")
    else:
        text = await summary_text(wiring, user, verb)
    if text:
        try:
            await respond(text=text, response_type="ephemeral")
        except Exception:  # noqa: BLE001 - nothing was changed; the person can ask again
            log.warning("could not answer /sendbot %s for %s", verb, user, exc_info=True)


async def summary_text(wiring: Wiring, user: str, verb: str) -> str:
    """The person's own summary (`me`) or their team's (`team`), as mrkdwn text."""
    now = wiring.clock.now()

    def build(session: Any) -> tuple[str, bool]:
        person = person_for_chat(session, PLATFORM, user)
        if person is None:
            return NOT_KNOWN, False
        if verb == "me":
            summary = person_summary(session, person, now)
            return _text([("Your progress", person_lines(summary))]), True
        team = team_summary(session, person, now)
        return (NO_TEAM, False) if team is None else (_text([team_section(team)]), True)

    try:
        text, figures = await wiring.db.run(build)
    except Exception:  # noqa: BLE001 - the person gets an apology, the log the detail
        return apology(f"answering /sendbot {verb}")
    if figures and wiring.base_url:
        text += f"\nThe whole picture: {wiring.base_url}/{verb}"
    return text


async def digest_text(wiring: Wiring, user: str, word: str) -> str:
    """`/sendbot digest off` or `on`: the person's weekly digest turned off or on."""

    def change(session: Any) -> str:
        person = person_for_chat(session, PLATFORM, user)
        if person is None:
            return NOT_KNOWN
        return digest_command(session, person, word, f"{COMMAND} digest")

    try:
        return escape(await wiring.db.run(change))
    except Exception:  # noqa: BLE001 - the person gets an apology, the log the detail
        return apology("answering /sendbot digest")


async def open_brief(wiring: Wiring, user: str, trigger_id: str) -> str:
    """Open the briefing modal for the SENDCO; anyone else is told why not. Returns a reply."""
    try:
        choices = await wiring.db.run(lambda session: form_choices(session, PLATFORM, user))
    except UserError as exc:
        return str(exc)
    except Exception:  # noqa: BLE001 - the person gets an apology, the log the detail
        return apology("opening the briefing form")
    try:
        await wiring.chat.client.views_open(trigger_id=trigger_id, view=form_view(choices))
    except Exception as exc:  # noqa: BLE001 - an expired trigger is the likely cause
        log.warning("could not open the briefing form for %s: %s", user, exc)
        return EXPIRED
    return ""


def _text(sections: list[tuple[str, list[str]]]) -> str:
    """Sections as escaped mrkdwn text (headings in bold), for a private reply."""
    parts = []
    for heading, lines in sections:
        parts.append(f"*{escape(heading)}*\n" + "\n".join(escape(line) for line in lines))
    return "\n\n".join(parts)
