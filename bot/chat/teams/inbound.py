"""Teams' inbound activities, once the endpoint has checked the token and the tenant.

- An `Action.Execute` press (an adaptiveCard/action invoke) goes to the one inbound path; the
  invoke's answer replaces the card with the outcome and a line with the notice, or, when the
  outcome has no new card, leaves the card as it is and shows the notice.
- An `Action.Submit` press (a message with a value) goes the same way; the pressed card is
  updated through the Teams port (Inbound does that) and the person gets a short reply.
- A press on the SENDCO's briefing cards (a verb starting "brief.") goes to TeamsCommands
  first, since its data is not an Interaction; the answer replaces the card.
- A typed word gets a short reply: `help` lists the commands; `me`, `team`, `brief` and
  `digest off|on` are answered by TeamsCommands; anything else gets the help text.
- An install (installationUpdate "add") stores the conversation reference and sends the welcome
  card; a conversationUpdate only stores the reference, since Teams sends both on an install
  and the welcome should come once. A removal marks the person not reached.
An activity Teams delivers again (same activity_key) is answered from memory, not redone.
Everything is done inline: a press takes milliseconds, well inside Teams' 10 to 15 seconds.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from microsoft_agents.activity import Activity, Attachment
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from bot.chat.teams.activities import (
    MalformedActivity,
    activity_key,
    interaction_from_activity,
    typed_words,
)
from bot.chat.teams.cards import (
    CONTENT_TYPE,
    escape,
    render,
    render_invoke_response,
    render_message_response,
    welcome_card,
)
from bot.chat.teams.commands import COMMANDS, TeamsCommands, is_brief_press
from bot.chat.teams.tokens import ConnectorTokens
from bot.services.chat_port import Outcome
from bot.services.errors import apology
from bot.services.inbound import Inbound
from bot.services.teams_people import Installed, forget_conversation, remember_conversation

log = logging.getLogger(__name__)
UNREADABLE = "That button could not be read, so nothing was recorded. Please try again."
DONE = "Done."
HELP = (
    "sendbot commands (type the word):\n\n"
    "- **help**: this list\n"
    "- **me**: your briefings, answers and targets\n"
    "- **team**: your team's progress, if you manage a team\n"
    "- **brief**: write a briefing (the SENDCO only)\n"
    "- **digest off** or **digest on**: stop or restart your weekly digest (line managers "
    "and the SENDCO)"
)
UNKNOWN = "Sorry, I do not know “{word}”.\n\n" + HELP
BUSY = "Your press is being recorded; please wait a moment."
# Teams redelivers within minutes; remember answers a little longer.
REMEMBER_SECONDS = 15 * 60


@dataclass(frozen=True)
class Answer:
    """The HTTP answer to one activity: a status and, for invokes, a JSON body."""

    status: int = 200
    body: dict[str, Any] | None = None


class Replier(Protocol):
    """Sends a reply (an activity as JSON) into the conversation an activity came from."""

    async def reply(self, activity: Mapping[str, Any], reply: dict[str, Any]) -> None: ...


class ConnectorReplier:
    """Replies through the Bot Connector with the SDK's client and a token from msal."""

    def __init__(self, tokens: ConnectorTokens) -> None:
        self.tokens = tokens

    async def reply(self, activity: Mapping[str, Any], reply: dict[str, Any]) -> None:
        inbound = Activity.model_validate(dict(activity))
        answer = inbound.create_reply()
        answer.text = reply.get("text")
        answer.attachments = [Attachment.model_validate(a) for a in reply.get("attachments", [])]
        client = TeamsConnectorClient(endpoint=inbound.service_url, token=await self.tokens.token())
        try:
            await client.conversations.reply_to_activity(
                inbound.conversation.id, inbound.id, answer
            )
        finally:
            await client.close()


class AnswerCache:
    """Answers given lately, by activity key, so a redelivery gets the same answer."""

    def __init__(self, most: int = 50_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.most = most
        self.clock = clock
        self._seen: OrderedDict[str, tuple[float, Answer | None]] = OrderedDict()

    def claim(self, key: str) -> tuple[bool, Answer | None]:
        """(True, None) the first time; (False, the answer or None while still working) after."""
        now = self.clock()
        while self._seen and next(iter(self._seen.values()))[0] < now - REMEMBER_SECONDS:
            self._seen.popitem(last=False)
        if key in self._seen:
            return False, self._seen[key][1]
        self._seen[key] = (now, None)
        if len(self._seen) > self.most:
            self._seen.popitem(last=False)
        return True, None

    def answered(self, key: str, answer: Answer) -> None:
        if key in self._seen:
            self._seen[key] = (self._seen[key][0], answer)

    def forget(self, key: str) -> None:
        self._seen.pop(key, None)


class TeamsInbound:
    """Turns one checked activity into work and an answer; never raises."""

    def __init__(
        self,
        inbound: Inbound,
        replier: Replier,
        clock: Callable[[], float] = time.monotonic,
        base_url: str = "",
    ) -> None:
        self.inbound = inbound
        self.replier = replier
        self.cache = AnswerCache(clock=clock)
        self.commands = TeamsCommands(inbound.db, inbound.clock, base_url)

    async def handle(self, activity: Mapping[str, Any]) -> Answer:
        try:
            key = activity_key(activity)
        except MalformedActivity as exc:
            log.warning("an unreadable Teams activity: %s", exc)
            return Answer(400, {"error": "unreadable activity"})
        first, earlier = self.cache.claim(key)
        if not first:
            if earlier is not None:
                return earlier
            return _busy(activity)
        try:
            answer = await self._answer(activity)
        except Exception:  # noqa: BLE001 - a redelivery may try again; the log has the detail
            self.cache.forget(key)
            notice = apology("handling a Teams activity")
            if activity.get("type") == "invoke":
                return Answer(200, render_message_response(notice))
            return Answer(500, {"error": notice})
        self.cache.answered(key, answer)
        return answer

    async def _answer(self, activity: Mapping[str, Any]) -> Answer:
        kind = activity.get("type")
        if is_brief_press(activity):
            answer = await self.commands.press(activity)
            if kind == "invoke":
                return Answer(200, answer)
            # The Action.Submit fallback of an older client: its answer cannot replace the
            # card, so it comes as a new message (the next card, or a line of text).
            await self._send(activity, _as_message(answer))
            return Answer()
        if kind in ("invoke", "message"):
            try:
                interaction = interaction_from_activity(activity)
            except MalformedActivity as exc:
                log.warning("an unreadable Teams press: %s", exc)
                if kind == "invoke":
                    return Answer(200, render_message_response(UNREADABLE))
                await self._say(activity, UNREADABLE)
                return Answer()
            if interaction is not None and kind == "invoke":
                # The invoke's answer replaces the card, so Inbound need not update it too.
                outcome = await self.inbound.handle(replace(interaction, message_ref=None))
                return Answer(200, _invoke_answer(outcome))
            if interaction is not None:
                outcome = await self.inbound.handle(interaction)
                await self._say(activity, outcome.notice or DONE)
                return Answer()
            if kind == "message":
                await self._command(activity)
            return Answer()
        if kind == "installationUpdate":
            action = str(activity.get("action") or "")
            if action.startswith("remove"):
                await self._forget(activity)
            elif action.startswith("add"):
                installed = await self._remember(activity)
                if installed is not None:
                    await self._welcome(activity, installed)
            return Answer()
        if kind == "conversationUpdate" and _bot_added(activity):
            await self._remember(activity)
        return Answer()

    async def _command(self, activity: Mapping[str, Any]) -> None:
        await self._remember(activity)  # a reference is kept when first spoken to, too
        words = typed_words(activity)
        command = words[0] if words else None
        if command is None or command == "help":
            text = HELP
        elif command in COMMANDS:
            aad_id = (activity.get("from") or {}).get("aadObjectId")
            user_id = aad_id if isinstance(aad_id, str) else ""
            argument = words[1] if len(words) > 1 else ""
            await self._send(activity, await self.commands.reply(command, user_id, argument))
            return
        else:
            text = UNKNOWN.format(word=escape(command[:40]))
        await self._say(activity, text)

    async def _remember(self, activity: Mapping[str, Any]) -> Installed | None:
        sender = activity.get("from") or {}
        aad_id = sender.get("aadObjectId") if isinstance(sender, Mapping) else None
        if not isinstance(aad_id, str) or not aad_id:
            return None
        email = sender.get("email") or sender.get("userPrincipalName")
        reference = {
            "service_url": activity.get("serviceUrl"),
            "conversation_id": (activity.get("conversation") or {}).get("id"),
            "teams_user_id": sender.get("id"),
        }
        return await self.inbound.db.run(
            lambda s: remember_conversation(
                s, aad_id, email if isinstance(email, str) else None, reference
            )
        )

    async def _forget(self, activity: Mapping[str, Any]) -> None:
        aad_id = (activity.get("from") or {}).get("aadObjectId")
        if isinstance(aad_id, str) and aad_id:
            await self.inbound.db.run(lambda s: forget_conversation(s, aad_id))

    async def _welcome(self, activity: Mapping[str, Any], installed: Installed) -> None:
        card = welcome_card(installed.school_name, installed.window_start, installed.window_end)
        attachment = {"contentType": CONTENT_TYPE, "content": card}
        await self._send(activity, {"type": "message", "attachments": [attachment]})

    async def _say(self, activity: Mapping[str, Any], text: str) -> None:
        await self._send(activity, {"type": "message", "text": text})

    async def _send(self, activity: Mapping[str, Any], reply: dict[str, Any]) -> None:
        try:
            await self.replier.reply(activity, reply)
        except Exception:  # noqa: BLE001 - the work is done; a missing reply is not fatal
            log.warning("could not reply to a Teams activity", exc_info=True)


def _as_message(answer: Mapping[str, Any]) -> dict[str, Any]:
    """An invoke's answer (a card to replace the pressed one, or a line to show) as a message."""
    if answer.get("type") == CONTENT_TYPE:
        return {
            "type": "message",
            "attachments": [{"contentType": CONTENT_TYPE, "content": answer["value"]}],
        }
    return {"type": "message", "text": str(answer.get("value", ""))}


def _invoke_answer(outcome: Outcome) -> dict[str, Any]:
    if outcome.updated is None:
        # No new card: the pressed card stays as it was and Teams shows the notice.
        return render_message_response(outcome.notice or DONE)
    card = render(outcome.updated)
    if outcome.notice:
        note = {"type": "TextBlock", "text": escape(outcome.notice), "wrap": True}
        card["body"].append(note | {"weight": "bolder"})
    return render_invoke_response(card)


def _busy(activity: Mapping[str, Any]) -> Answer:
    if activity.get("type") == "invoke":
        return Answer(200, render_message_response(BUSY))
    return Answer()


def _bot_added(activity: Mapping[str, Any]) -> bool:
    bot = (activity.get("recipient") or {}).get("id")
    added = activity.get("membersAdded") or []
    return isinstance(added, list) and any(
        isinstance(m, Mapping) and m.get("id") == bot for m in added
    )
