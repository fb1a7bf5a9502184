"""The fake Slack workspace: its people, conversations and what the app posted, and the methods.

Each method takes the request's arguments (already merged from query, form and JSON) and returns
the body Slack would answer. Not thread-safe on its own: FakeSlack calls it under a lock.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fakes.slack_blocks import message_problems, view_problems

Body = dict[str, Any]

TEAM_ID = "T0SENDBOT"
BOT_USER_ID = "U0SENDBOT"
BOT_ID = "B0SENDBOT"


@dataclass
class User:
    """A member of the workspace, as far as sendbot cares."""

    id: str
    email: str | None
    deleted: bool = False
    messages_tab: bool = True
    real_name: str = ""

    def as_slack(self) -> Body:
        name = self.real_name or (self.email or self.id).split("@")[0]
        return {
            "id": self.id,
            "team_id": TEAM_ID,
            "name": name,
            "deleted": self.deleted,
            "real_name": name,
            "is_bot": False,
            "profile": {"email": self.email, "real_name": name, "display_name": name},
        }


def error(code: str, problems: list[str] | None = None) -> Body:
    """Slack's failure body; Block Kit problems go where Slack puts them."""
    body: Body = {"ok": False, "error": code}
    if problems:
        body["errors"] = problems
        body["response_metadata"] = {"messages": [f"[ERROR] {p}" for p in problems]}
    return body


def _parsed(value: object) -> object:
    """Blocks and views arrive as JSON text in a form body and as objects in a JSON body."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class Workspace:
    """One Slack workspace with the sendbot app installed."""

    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.channels: set[str] = set()
        self.dm_of_user: dict[str, str] = {}
        self.user_of_dm: dict[str, str] = {}
        self.messages: list[Body] = []
        self.ephemerals: list[Body] = []
        self.views: dict[str, Body] = {}
        self.modals: list[Body] = []
        self._used_triggers: set[str] = set()
        self._last_ts = 0.0
        self._views_made = 0
        self.methods: dict[str, Callable[[Body], Body]] = {
            "auth.test": self.auth_test,
            "users.lookupByEmail": self.users_lookup_by_email,
            "chat.postMessage": self.chat_post_message,
            "chat.update": self.chat_update,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "views.publish": self.views_publish,
            "views.open": self.views_open,
            "conversations.open": self.conversations_open,
            "apps.connections.open": self.apps_connections_open,
            "conversations.history": self.conversations_history,
        }
        # Where Socket Mode connects (tests/fakes/slack_socket.py), when a test runs one.
        self.socket_url: str | None = None

    # --- the model ---------------------------------------------------------------------------

    def next_ts(self) -> str:
        """A message timestamp: epoch seconds with six decimals, unique and increasing."""
        now = max(time.time(), self._last_ts + 0.000001)
        self._last_ts = now
        return f"{now:.6f}"

    def dm_for(self, user_id: str) -> str:
        """The app's DM with a person, opened on first use as Slack does."""
        if user_id not in self.dm_of_user:
            dm = f"D{len(self.dm_of_user) + 1:08d}"
            self.dm_of_user[user_id], self.user_of_dm[dm] = dm, user_id
        return self.dm_of_user[user_id]

    def conversation_key(self, channel: object) -> str | None:
        """The conversation a post lands in: a DM is keyed by its person, whichever id was used."""
        if not isinstance(channel, str) or not channel:
            return None
        return self.user_of_dm.get(channel, channel)

    def _resolve_channel(self, channel: object) -> tuple[str | None, str | None, str | None]:
        """(conversation id, recipient, error) for a post's `channel` argument."""
        if not isinstance(channel, str) or not channel:
            return None, None, "channel_not_found"
        user_id = self.user_of_dm.get(channel, channel)
        if channel.startswith(("U", "W", "D")):
            user = self.users.get(user_id)
            if user is None:
                return None, None, "channel_not_found" if channel[0] == "D" else "user_not_found"
            if user.deleted:
                # account_inactive is about the caller's own token, never the recipient.
                return None, None, "user_disabled"
            if not user.messages_tab:
                return None, None, "messages_tab_disabled"
            return self.dm_for(user.id), user.id, None
        if channel in self.channels:
            return channel, None, None
        return None, None, "channel_not_found"

    def _find(self, channel: object, ts: object) -> Body | None:
        for message in self.messages:
            if message["channel"] == channel and message["ts"] == ts:
                return message
        return None

    def _message_json(self, message: Body) -> Body:
        return {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "team": TEAM_ID,
            "ts": message["ts"],
            "text": message["text"],
            "blocks": copy.deepcopy(message["blocks"]),
        }

    def _view_json(self, view: Body) -> Body:
        self._views_made += 1
        return {**view, "id": f"V{self._views_made:08d}", "team_id": TEAM_ID, "app_id": "A0SENDBOT"}

    # --- the methods ---------------------------------------------------------------------------

    def auth_test(self, args: Body) -> Body:
        return {
            "ok": True,
            "url": "https://sendbot-test.slack.com/",
            "team": "Sendbot Test School",
            "user": "sendbot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def users_lookup_by_email(self, args: Body) -> Body:
        email = args.get("email")
        if not isinstance(email, str) or not email:
            return error("invalid_arguments")
        for user in self.users.values():
            if user.email and user.email.lower() == email.lower():
                # Slack still finds a deactivated person: the caller must look at "deleted".
                return {"ok": True, "user": user.as_slack()}
        return error("users_not_found")

    def chat_post_message(self, args: Body) -> Body:
        channel, recipient, failure = self._resolve_channel(args.get("channel"))
        if failure:
            return error(failure)
        text, blocks = args.get("text"), _parsed(args.get("blocks"))
        if not text and not blocks and not args.get("attachments"):
            return error("no_text")
        problem = message_problems(text, blocks)
        if problem:
            return error(*problem)
        message = {
            "channel": channel,
            "user": recipient,
            "ts": self.next_ts(),
            "text": text or "",
            "blocks": blocks or [],
            "thread_ts": args.get("thread_ts"),
            "updates": 0,
        }
        if args.get("metadata"):
            message["metadata"] = _parsed(args.get("metadata"))
        self.messages.append(message)
        return {
            "ok": True,
            "channel": channel,
            "ts": message["ts"],
            "message": self._message_json(message),
        }

    def chat_update(self, args: Body) -> Body:
        channel, ts = args.get("channel"), args.get("ts")
        text, blocks = args.get("text"), _parsed(args.get("blocks"))
        if channel not in self.user_of_dm and channel not in self.channels:
            return error("channel_not_found")
        message = self._find(channel, ts)
        if message is None:
            return error("message_not_found")
        if text is None and blocks is None:
            return error("no_text")
        problem = message_problems(text, blocks)
        if problem:
            return error(*problem)
        # As on Slack, a field left out keeps its old value; an empty blocks list removes them.
        if text is not None:
            message["text"] = text
        if blocks is not None:
            message["blocks"] = blocks
        message["updates"] += 1
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": message["text"],
            "message": self._message_json(message),
        }

    def chat_post_ephemeral(self, args: Body) -> Body:
        channel, user_id = args.get("channel"), args.get("user")
        text, blocks = args.get("text"), _parsed(args.get("blocks"))
        if not isinstance(channel, str) or not channel:
            return error("channel_not_found")
        user = self.users.get(user_id) if isinstance(user_id, str) else None
        if user is None or user.deleted:
            return error("user_not_found")
        if not text and not blocks:
            return error("no_text")
        problem = message_problems(text, blocks)
        if problem:
            return error(*problem)
        ts = self.next_ts()
        self.ephemerals.append(
            {
                "channel": channel,
                "user": user.id,
                "ts": ts,
                "text": text or "",
                "blocks": blocks or [],
            }
        )
        return {"ok": True, "message_ts": ts}

    def views_publish(self, args: Body) -> Body:
        user = self.users.get(args.get("user_id"))  # type: ignore[arg-type]
        if user is None:
            return error("user_not_found")
        view = _parsed(args.get("view"))
        problems = view_problems(view, "home")
        if problems:
            return error("invalid_arguments", problems)
        published = self._view_json(view)  # type: ignore[arg-type]
        self.views[user.id] = published
        return {"ok": True, "view": published}

    def views_open(self, args: Body) -> Body:
        trigger_id = args.get("trigger_id")
        if not isinstance(trigger_id, str) or not trigger_id:
            return error("invalid_arguments")
        # A trigger_id works once (PLATFORMS.md); a second use is refused as on Slack.
        if trigger_id in self._used_triggers:
            return error("expired_trigger_id")
        view = _parsed(args.get("view"))
        problems = view_problems(view, "modal")
        if problems:
            return error("invalid_arguments", problems)
        self._used_triggers.add(trigger_id)
        opened = self._view_json(view)  # type: ignore[arg-type]
        self.modals.append({"trigger_id": trigger_id, "view": opened})
        return {"ok": True, "view": opened}

    def conversations_history(self, args: Body) -> Body:
        """A conversation's messages, newest first; metadata only when asked for, as Slack."""
        channel = args.get("channel")
        if channel not in self.user_of_dm and channel not in self.channels:
            return error("channel_not_found")
        limit = int(args.get("limit") or 100)
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("true", "1")
        found = [m for m in reversed(self.messages) if m["channel"] == channel][:limit]
        return {
            "ok": True,
            "messages": [
                {"type": "message", "ts": m["ts"], "text": m["text"]}
                | ({"metadata": m["metadata"]} if with_metadata and m.get("metadata") else {})
                for m in found
            ],
            "has_more": False,
        }

    def apps_connections_open(self, args: Body) -> Body:
        """Socket Mode's address; Slack answers this only to an app-level (xapp-) token."""
        if self.socket_url is None:
            return error("no_socket_mode_server")
        return {"ok": True, "url": self.socket_url}

    def conversations_open(self, args: Body) -> Body:
        users = args.get("users")
        if isinstance(users, list):
            users = ",".join(users)
        if not users:
            channel = args.get("channel")
            if channel in self.user_of_dm:
                return {"ok": True, "channel": {"id": channel}}
            return error("users_list_not_supplied")
        ids = [u.strip() for u in str(users).split(",") if u.strip()]
        if len(ids) != 1:
            return error("not_supported_by_fake")  # group DMs: sendbot only writes to one person
        user = self.users.get(ids[0])
        if user is None:
            return error("user_not_found")
        if user.deleted:
            return error("user_disabled")
        return {"ok": True, "channel": {"id": self.dm_for(user.id)}}
