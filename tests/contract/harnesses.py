"""One harness per chat adapter, so the contract tests run every adapter the same way.

A harness enrols a person on its platform, reads what the person sees (as a platform-neutral
`Seen`), and presses a button through the platform's own inbound path: the local chat's web
form, a signed Slack request to /slack/events built the way Slack builds it, or a signed
Teams activity to /api/messages built the way Teams builds it.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from slack_sdk.signature import SignatureVerifier
from sqlmodel import select

from bot.bootstrap import Sendbot
from bot.chat.teams.adapter import SERVICE_URL, TEAMS_USER_ID
from bot.chat.teams.cards import CONTENT_TYPE, EXECUTE, FORM
from bot.services.chat_port import ChatPort, Message, MessageRef, Recipient
from bot.storage.staff import ChatIdentity, Staff
from tests.fakes.slack_api import FakeSlack
from tests.fakes.teams_activities import card_action_activity
from tests.fakes.teams_cards import card_actions
from tests.fakes.teams_connector import FakeTeams
from tests.integration.webapp import SLACK_SIGNING_SECRET

SIGNING_SECRET = SLACK_SIGNING_SECRET


@dataclass(frozen=True)
class Seen:
    """What a person sees of one message, whatever the platform."""

    title: str
    text: str
    buttons: tuple[tuple[str, str], ...] = ()  # (label, value)
    ticks: tuple[str, ...] = ()  # tick-box options, for a multi-select question


def seen_from_message(message: Message) -> Seen:
    return Seen(
        title=message.title,
        text="\n".join([*message.bullets, *message.lines, message.footer]),
        buttons=tuple((b.label, b.value) for b in message.buttons),
        ticks=message.form.options if message.form else (),
    )


@dataclass
class LocalHarness:
    """The built-in local chat: the mailbox in the database, presses through /local."""

    sendbot: Sendbot
    client: TestClient
    _pressed: dict[tuple[object, str], str] = field(default_factory=dict)

    @property
    def port(self) -> ChatPort:
        return self.sendbot.local

    def user_id_of(self, staff_id: int) -> str:
        return _identity(self.sendbot, staff_id, "local")

    def seen_by(self, staff_id: int) -> list[Seen]:
        user_id = self.user_id_of(staff_id)
        shown = self.sendbot.db.work(lambda s: self.sendbot.local.mailbox(s, user_id))
        return [seen_from_message(m.message) for m in reversed(shown)]

    def press(
        self, staff_id: int, ref: MessageRef, value: str, expect_reply: bool = True
    ) -> str | None:
        # A second press uses the button as first shown: the card may have changed since.
        key = (ref.data["id"], value)
        if key not in self._pressed:
            button = next(b for b in self._message(ref).buttons if b.value == value)
            self._pressed[key] = button.action_id
        return self._post(staff_id, ref, self._pressed[key], value, [])

    def submit(self, staff_id: int, ref: MessageRef, ticked: list[int]) -> str:
        form = self._message(ref).form
        assert form is not None
        return self._post(staff_id, ref, form.action_id, f"{form.value_prefix}:", ticked)

    def _message(self, ref: MessageRef) -> Message:
        from bot.storage.local_chat import LocalMessage

        row = self.sendbot.db.work(lambda s: s.get(LocalMessage, ref.data["id"]))
        return Message.from_dict(row.body)

    def _post(
        self, staff_id: int, ref: MessageRef, action_id: str, value: str, ticked: list[int]
    ) -> str:
        response = self.client.post(
            f"/local/{staff_id}/press",
            data={
                "message_id": ref.data["id"],
                "action_id": action_id,
                "value": value,
                "choice": [str(i) for i in ticked],
            },
            headers={"accept": "application/json"},
        )
        assert response.status_code == 200, response.text
        return str(response.json()["notice"])


@dataclass
class SlackHarness:
    """Slack: the fake Web API keeps what was posted; presses are signed block_actions."""

    sendbot: Sendbot
    client: TestClient
    slack: FakeSlack
    _enrolled: set[int] = field(default_factory=set)
    _pressed: dict[tuple[object, str], dict[str, Any]] = field(default_factory=dict)

    @property
    def port(self) -> ChatPort:
        assert self.sendbot.slack is not None
        return self.sendbot.slack

    def user_id_of(self, staff_id: int) -> str:
        user_id = f"U{staff_id:08d}"
        if staff_id not in self._enrolled:
            email = self.sendbot.db.work(lambda s: s.get(Staff, staff_id).email)
            self.slack.add_user(user_id, email)

            def link(s):  # type: ignore[no-untyped-def]
                if not _identity_or_none(s, staff_id, "slack"):
                    s.add(
                        ChatIdentity(staff_id=staff_id, platform="slack", platform_user_id=user_id)
                    )

            self.sendbot.db.work(link)
            self._enrolled.add(staff_id)
        return user_id

    def seen_by(self, staff_id: int) -> list[Seen]:
        return [
            seen_from_blocks(m["blocks"]) for m in self.slack.messages_to(self.user_id_of(staff_id))
        ]

    def press(
        self, staff_id: int, ref: MessageRef, value: str, expect_reply: bool = True
    ) -> str | None:
        # A second press (a double click, a stale card) repeats the button as first shown.
        key = (ref.data["ts"], value)
        if key not in self._pressed:
            self._pressed[key] = next(
                dict(e, block_id=b.get("block_id", ""))
                for b in self._blocks(ref)
                if b["type"] == "actions"
                for e in b["elements"]
                if e.get("type") == "button" and e.get("value") == value
            )
        return self._post(staff_id, ref, self._pressed[key], {}, expect_reply)

    def submit(self, staff_id: int, ref: MessageRef, ticked: list[int]) -> str:
        blocks = self._blocks(ref)
        elements = [
            (b.get("block_id", ""), e)
            for b in blocks
            if b["type"] == "actions"
            for e in b["elements"]
        ]
        block_id, boxes = next((bid, e) for bid, e in elements if e["type"] == "checkboxes")
        submit = next(
            dict(e, block_id=bid) for bid, e in elements if e["action_id"].endswith("#submit")
        )
        chosen = [o for o in boxes["options"] if int(o["value"]) in ticked]
        state = {block_id: {boxes["action_id"]: {"type": "checkboxes", "selected_options": chosen}}}
        return self._post(staff_id, ref, submit, state, True)

    def _blocks(self, ref: MessageRef) -> list[dict[str, Any]]:
        return next(m["blocks"] for m in self.slack.messages if m["ts"] == ref.data["ts"])

    def _post(
        self,
        staff_id: int,
        ref: MessageRef,
        action: dict[str, Any],
        state: dict[str, Any],
        expect_reply: bool,
    ) -> str | None:
        user_id = self.user_id_of(staff_id)
        before = len(self.slack.ephemerals)
        action = dict(action, action_ts=f"{time.time():.6f}")
        payload = {
            "type": "block_actions",
            "team": {"id": "T0SENDBOT"},
            "user": {"id": user_id},
            "api_app_id": "A0SENDBOT",
            "container": {
                "type": "message",
                "channel_id": ref.data["channel"],
                "message_ts": ref.data["ts"],
            },
            "channel": {"id": ref.data["channel"]},
            "message": {"ts": ref.data["ts"]},
            "state": {"values": state},
            "actions": [action],
            "response_url": self.slack.response_url(ref.data["channel"], ref.data["ts"], user_id),
        }
        response = signed_post(self.client, {"payload": json.dumps(payload)})
        assert response.status_code == 200, response.text
        deadline = time.monotonic() + (10 if expect_reply else 1)
        while len(self.slack.ephemerals) == before:
            if time.monotonic() > deadline:
                assert not expect_reply, "no reply reached the person"
                return None
            time.sleep(0.02)
        return str(self.slack.ephemerals[-1]["text"])


@dataclass
class TeamsHarness:
    """Teams: the fake Bot Connector keeps what was sent; presses are signed adaptiveCard/action
    invokes to /api/messages. Teams replaces a pressed card with the invoke's answer without
    telling the Bot Connector, so the harness keeps those replacements and shows them the way
    Teams does (until the bot updates the card again)."""

    sendbot: Sendbot
    client: TestClient
    teams: FakeTeams
    _enrolled: set[int] = field(default_factory=set)
    # The Action.Execute as first shown, by (activity id, value): a second press repeats it.
    _pressed: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    # Cards replaced by invoke answers, by activity id, with the connector's update count then.
    _replaced: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)

    @property
    def port(self) -> ChatPort:
        assert self.sendbot.teams is not None
        return StoredReferencePort(self.sendbot, self.sendbot.teams)

    def user_id_of(self, staff_id: int) -> str:
        aad_id = f"00000000-0000-4000-8000-{staff_id:012d}"  # an Entra object id
        if staff_id not in self._enrolled:
            staff = self.sendbot.db.work(lambda s: s.get(Staff, staff_id))
            user = self.teams.add_user(aad_id, staff.name, staff.email, installed=True)
            # What the inbound half stores when the app is installed; the conversation itself
            # is left for the adapter to open.
            extra = {SERVICE_URL: self.teams.service_url, TEAMS_USER_ID: user.teams_id}

            def link(s):  # type: ignore[no-untyped-def]
                if not _identity_or_none(s, staff_id, "teams"):
                    s.add(
                        ChatIdentity(
                            staff_id=staff_id,
                            platform="teams",
                            platform_user_id=aad_id,
                            extra=extra,
                        )
                    )

            self.sendbot.db.work(link)
            self._enrolled.add(staff_id)
        return aad_id

    def seen_by(self, staff_id: int) -> list[Seen]:
        return [
            seen_from_card(self._shown(activity))
            for activity in self.teams.messages_to(self.user_id_of(staff_id))
        ]

    def press(
        self, staff_id: int, ref: MessageRef, value: str, expect_reply: bool = True
    ) -> str | None:
        # A second press (a double click, a stale card) repeats the action as first shown.
        key = (ref.data["activity_id"], value)
        if key not in self._pressed:
            self._pressed[key] = next(
                a
                for a in card_actions(self._card(ref))
                if a.get("type") == EXECUTE and a.get("data", {}).get("value") == value
            )
        action = self._pressed[key]
        return self._invoke(staff_id, ref, action["verb"], dict(action["data"]))

    def submit(self, staff_id: int, ref: MessageRef, ticked: list[int]) -> str:
        card = self._card(ref)
        submit = next(
            a for a in card_actions(card) if a.get("type") == EXECUTE and FORM in a.get("data", {})
        )
        boxes = next(e for e in _elements(card) if e.get("type") == "Input.ChoiceSet")
        values = [c["value"] for c in boxes["choices"] if int(c["value"]) in ticked]
        # Teams merges the card's inputs into the action's data, the ticks as "0,2".
        data = dict(submit["data"]) | {boxes["id"]: ",".join(values)}
        notice = self._invoke(staff_id, ref, submit["verb"], data)
        assert notice is not None
        return notice

    def _card(self, ref: MessageRef) -> dict[str, Any]:
        """The card as the fake Bot Connector holds it (as last sent or updated by the bot)."""
        activity = next(
            a
            for a in self.teams.activities(ref.data["conversation_id"])
            if a["id"] == ref.data["activity_id"]
        )
        return _card_of(activity)

    def _shown(self, activity: dict[str, Any]) -> dict[str, Any]:
        """The card as the person sees it: an invoke's replacement unless the bot updated the
        card after it."""
        replaced = self._replaced.get(activity["id"])
        if replaced is not None and activity["updates"] <= replaced[0]:
            return replaced[1]
        return _card_of(activity)

    def _invoke(
        self, staff_id: int, ref: MessageRef, verb: str, data: dict[str, Any]
    ) -> str | None:
        aad_id = self.user_id_of(staff_id)
        activity_id = ref.data["activity_id"]
        activity = card_action_activity(self.teams, aad_id, verb, data, activity_id)
        token = self.teams.identity.inbound_token(self.teams.service_url)
        response = self.client.post(
            "/api/messages", json=activity, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["statusCode"] == 200, answer
        if answer["type"] == CONTENT_TYPE:
            # Teams shows the answer's card in place of the pressed one.
            card = answer["value"]
            updates = next(
                a["updates"]
                for a in self.teams.activities(ref.data["conversation_id"])
                if a["id"] == activity_id
            )
            self._replaced[activity_id] = (updates, card)
            return _notice_of(card)
        # A message answer: the card stays as it is and Teams shows the text.
        assert answer["type"] == "application/vnd.microsoft.activity.message", answer
        return str(answer["value"])


class StoredReferencePort:
    """The Teams port as the dispatcher calls it: a Recipient carries the conversation reference
    stored on the person's Teams identity (ChatIdentity.extra). The contract's scenarios name a
    person by platform user id alone, which on Slack and the local chat is all an adapter needs
    but on Teams is not enough: Teams needs the service URL the person's activities came from."""

    def __init__(self, sendbot: Sendbot, port: ChatPort) -> None:
        self.sendbot = sendbot
        self.inner = port
        self.platform = port.platform
        self.max_in_flight = port.max_in_flight

    async def send(
        self, recipient: Recipient, message: Message, send_key: str, maybe_sent: bool = False
    ) -> MessageRef:
        if not recipient.extra:
            stored = self.sendbot.db.work(
                lambda s: s.exec(
                    select(ChatIdentity.extra).where(
                        ChatIdentity.platform == self.platform,
                        ChatIdentity.platform_user_id == recipient.platform_user_id,
                    )
                ).first()
            )
            recipient = Recipient(recipient.platform_user_id, dict(stored or {}))
        return await self.inner.send(recipient, message, send_key, maybe_sent)

    async def update(self, ref: MessageRef, message: Message) -> None:
        await self.inner.update(ref, message)


def signed_post(
    client: TestClient, form: dict[str, str], secret: str = SIGNING_SECRET, age: int = 0
) -> Any:
    """POST to /slack/events as Slack does: form body, timestamp and v0 signature headers."""
    body = urlencode(form)
    timestamp = str(int(time.time()) - age)
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return client.post(
        "/slack/events",
        content=body,
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": timestamp,
            "x-slack-signature": signature,
        },
    )


def seen_from_blocks(blocks: list[dict[str, Any]]) -> Seen:
    """What a person sees of a Block Kit message."""
    title, texts, buttons, ticks = "", [], [], []
    for block in blocks:
        if block["type"] == "header":
            title = block["text"]["text"]
        elif block["type"] == "section":
            texts.append(block["text"]["text"])
        elif block["type"] == "context":
            texts.extend(e.get("text", "") for e in block["elements"])
        elif block["type"] == "actions":
            for element in block["elements"]:
                if element["type"] == "button":
                    buttons.append((element["text"]["text"], element.get("value", "")))
                elif element["type"] == "checkboxes":
                    ticks.extend(o["text"]["text"] for o in element["options"])
    return Seen(title, "\n".join(texts), tuple(buttons), tuple(ticks))


# Teams' markdown escapes (bot.chat.teams.cards.escape): a backslash before ASCII punctuation.
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def _unescape(text: str) -> str:
    return _ESCAPED.sub(r"\1", text)


def _card_of(activity: dict[str, Any]) -> dict[str, Any]:
    [attachment] = activity["attachments"]
    assert attachment["contentType"] == CONTENT_TYPE
    return dict(attachment["content"])


def _elements(element: Any) -> list[dict[str, Any]]:
    """Every element and action of a card (or part of one), in reading order."""
    found: list[dict[str, Any]] = []
    if isinstance(element, dict):
        if "type" in element:
            found.append(element)
        for key in ("body", "items", "columns", "actions"):
            found.extend(_elements(element.get(key)))
    elif isinstance(element, list):
        for item in element:
            found.extend(_elements(item))
    return found


def seen_from_card(card: dict[str, Any]) -> Seen:
    """What a person sees of an Adaptive Card: the heading is the title; Action.Execute
    buttons; tick-box choices."""
    title, texts, buttons, ticks = "", [], [], []
    for element in _elements(card):
        kind = element.get("type")
        if kind == "TextBlock":
            if not title and element.get("style") == "heading":
                title = _unescape(element["text"])
            else:
                texts.append(_unescape(element["text"]))
        elif kind == EXECUTE:
            buttons.append((element["title"], element.get("data", {}).get("value", "")))
        elif kind == "Input.ChoiceSet":
            ticks.extend(c["title"] for c in element.get("choices", []))
    return Seen(title, "\n".join(texts), tuple(buttons), tuple(ticks))


def _notice_of(card: dict[str, Any]) -> str | None:
    """The notice an invoke answer adds to its card: a bold TextBlock at the end."""
    last = card["body"][-1] if card.get("body") else {}
    if last.get("type") == "TextBlock" and last.get("weight") == "bolder":
        if last.get("style") != "heading":
            return _unescape(last["text"])
    return None


def _identity_or_none(session, staff_id: int, platform: str):  # type: ignore[no-untyped-def]
    return session.exec(
        select(ChatIdentity.platform_user_id).where(
            ChatIdentity.staff_id == staff_id, ChatIdentity.platform == platform
        )
    ).first()


def _identity(sendbot: Sendbot, staff_id: int, platform: str) -> str:
    found = sendbot.db.work(lambda s: _identity_or_none(s, staff_id, platform))
    assert found is not None
    return str(found)
