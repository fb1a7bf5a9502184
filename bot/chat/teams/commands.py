"""Typed `me`, `team`, `brief` and `digest off|on` in Teams, and the presses on the SENDCO's
briefing cards.

`me` and `team` answer with a card of the same figures Slack's `/sendbot` shows; `brief` answers
the SENDCO with the briefing form. Preview, Send and Edit come back as adaptiveCard/action
invokes whose answer replaces the card: the form with its errors, the preview, or what was
posted. Who pressed is always looked up again, so a press sent by hand by someone who is not
the SENDCO is refused and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.chat.mappings import dig
from bot.chat.teams.brief_cards import (
    EDIT,
    FALLBACK_VERB,
    PREVIEW,
    SEND,
    TOO_LONG,
    VERB_PREFIX,
    Typed,
    form_card,
    posted_card,
    preview_card,
    read_draft,
    read_typed,
)
from bot.chat.teams.cards import (
    CONTENT_TYPE,
    escape,
    render_invoke_response,
    render_message_response,
)
from bot.chat.teams.summary_cards import summary_card
from bot.services.chat_briefings import (
    FormChoices,
    Posted,
    WrittenBriefing,
    check_written,
    form_choices,
    post_briefing,
)
from bot.services.chat_port import Link
from bot.services.clock import Clock
from bot.services.digests import digest_command
from bot.services.errors import UserError, apology
from bot.services.summaries import person_for_chat, person_summary, team_summary
from bot.services.summary_lines import describe_person, describe_team
from bot.storage.database import Database

log = logging.getLogger(__name__)
PLATFORM = "teams"
INVOKE_NAME = "adaptiveCard/action"
COMMANDS = ("me", "team", "brief", "digest")
NOT_KNOWN = (
    "sendbot does not know your Teams account yet, so there is nothing to show here. "
    "Please ask your SENDCO to add you (with the email address you use in Teams)."
)
NO_TEAM = "“team” is for line managers and the SENDCO. Type “me” to see your own progress."
UNREADABLE = "That button could not be read, so nothing was changed. Please type “brief” again."
Reply = dict[str, Any]


def brief_press(activity: Mapping[str, Any]) -> tuple[str, object] | None:
    """(verb, data) of a press on one of the briefing cards, or None for anything else: an
    Action.Execute invoke whose verb is ours, or, from a client too old for it, the
    Action.Submit fallback's message whose value carries the verb."""
    if activity.get("type") == "invoke" and activity.get("name") == INVOKE_NAME:
        verb, data = (
            dig(activity, "value", "action", "verb"),
            dig(activity, "value", "action", "data"),
        )
    elif activity.get("type") == "message" and isinstance(activity.get("value"), Mapping):
        value = dict(activity["value"])
        verb, data = value.pop(FALLBACK_VERB, None), value
    else:
        return None
    if isinstance(verb, str) and verb.startswith(VERB_PREFIX):
        return verb, data
    return None


def is_brief_press(activity: Mapping[str, Any]) -> bool:
    """True for a press on one of the briefing cards, in either shape."""
    return brief_press(activity) is not None


class TeamsCommands:
    """Answers typed commands and briefing-card presses; never raises for a person's mistake."""

    def __init__(self, db: Database, clock: Clock, base_url: str = "") -> None:
        self.db = db
        self.clock = clock
        self.base_url = base_url.rstrip("/")

    async def reply(self, command: str, user_id: str, argument: str = "") -> Reply:
        """The reply to a typed `me`, `team`, `brief` or `digest off|on`: a card, or a line of
        text."""
        try:
            if command == "digest":
                return _text(await self._digest(user_id, argument))
            if command == "brief":
                choices = await self._choices(user_id)
                if isinstance(choices, str):
                    return _text(choices)
                return _card(form_card(choices))
            return await self._summary(command, user_id)
        except Exception:  # noqa: BLE001 - the person gets an apology, the log the detail
            return _text(apology(f"answering “{command}” in Teams"))

    async def press(self, activity: Mapping[str, Any]) -> dict[str, Any]:
        """The invoke's answer to a press of Preview, Send or Edit."""
        verb, data = brief_press(activity) or ("", None)
        user_id = dig(activity, "from", "aadObjectId")
        if not (isinstance(data, Mapping) and isinstance(user_id, str) and user_id):
            log.warning("an unreadable briefing press: no data or no aadObjectId")
            return render_message_response(UNREADABLE)
        if verb == SEND:
            return await self._send(user_id, data)
        if verb in (PREVIEW, EDIT):
            choices = await self._choices(user_id)
            if isinstance(choices, str):
                return render_message_response(choices)
            typed = read_typed(data, choices) if verb == PREVIEW else read_draft(data)
            if typed is None:
                log.warning("an unreadable briefing %s from %s", verb, user_id)
                return render_message_response(UNREADABLE)
            if verb == EDIT:
                return render_invoke_response(form_card(choices, typed))
            return render_invoke_response(_preview(choices, typed))
        log.warning("an unknown briefing verb %r from %s", verb, user_id)
        return render_message_response(UNREADABLE)

    async def _summary(self, command: str, user_id: str) -> Reply:
        now = self.clock.now()

        def build(session: Session) -> Reply:
            person = person_for_chat(session, PLATFORM, user_id)
            if person is None:
                return _text(NOT_KNOWN)
            if command == "me":
                lines = describe_person(person_summary(session, person, now))
                return _card(summary_card("Your progress", lines, self._link("me")))
            team = team_summary(session, person, now)
            if team is None:
                return _text(NO_TEAM)
            return _card(summary_card(*describe_team(team), self._link("team")))

        return await self.db.run(build)

    async def _digest(self, user_id: str, word: str) -> str:
        def change(session: Session) -> str:
            person = person_for_chat(session, PLATFORM, user_id)
            if person is None:
                return NOT_KNOWN
            return digest_command(session, person, word, "digest")

        return escape(await self.db.run(change))

    async def _choices(self, user_id: str) -> FormChoices | str:
        """What the form offers this person, or why they may not write a briefing."""
        try:
            return await self.db.run(lambda s: form_choices(s, PLATFORM, user_id))
        except UserError as exc:
            return str(exc)

    async def _send(self, user_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        draft = read_draft(data)
        # Checked again: what comes back in a press is not taken on trust.
        checked = check_written(*_fields(draft)) if draft else None
        if not isinstance(checked, WrittenBriefing):
            log.warning("a briefing came back unreadable from %s", user_id)
            return render_message_response(UNREADABLE)
        now = self.clock.now()

        def post(session: Session) -> Posted:
            return post_briefing(session, PLATFORM, user_id, checked, now)

        try:
            try:
                posted = await self.db.run(post)
            except IntegrityError:
                # Two presses of Send at once both found the slug free; the one that lost
                # now finds the first one's briefing and reports it, planning nothing more.
                posted = await self.db.run(post)
        except UserError as exc:
            return render_message_response(str(exc))
        return render_invoke_response(posted_card(posted, checked, self.base_url))

    def _link(self, page: str) -> Link | None:
        if not self.base_url:
            return None
        label = "Open my progress page" if page == "me" else "Open the team page"
        return Link(f"{self.base_url}/{page}", label)


def _preview(choices: FormChoices, typed: Typed) -> dict[str, Any]:
    """The preview, or the form again with what is wrong beside each field."""
    checked = check_written(*_fields(typed))
    if isinstance(checked, dict):
        return form_card(choices, typed, checked)
    return preview_card(checked) or form_card(choices, typed, {"bullets": TOO_LONG})


def _fields(typed: Typed) -> tuple[str, str, list[str], str]:
    return typed.title, typed.bullets, list(typed.audience), typed.when


def _text(text: str) -> Reply:
    return {"type": "message", "text": text}


def _card(card: dict[str, Any]) -> Reply:
    return {"type": "message", "attachments": [{"contentType": CONTENT_TYPE, "content": card}]}
