"""What the fake Teams holds for one tenant: people, installs, 1:1 conversations, activities.

Each method answers one Bot Connector or Graph operation as Teams does, as (status, headers,
body); the caller (teams_connector.FakeTeams) holds the lock and has already checked the token,
the faults and the limits. Message checks are in teams_cards.py.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.teams_cards import activity_problem
from tests.fakes.teams_http import Body, Reply


def teams_error(status: int, code: str, message: str) -> Reply:
    """The Bot Connector's and Graph's error body: {"error": {"code", "message"}}."""
    return status, {}, {"error": {"code": code, "message": message}}


NOT_INSTALLED = (
    403,
    "BotNotInConversationRoster",
    "The bot is not part of the conversation roster.",
)


# Microsoft's 403 sub-codes for a bot its tenant's admin turned off and for a person who
# blocked the bot.
BOT_DISABLED = (403, "BotDisabledByAdmin", "The bot has been disabled by the tenant admin.")
BLOCKED = (403, "ConversationBlockedByUser", "The user has blocked the bot.")


@dataclass
class TeamsUser:
    """A person in the tenant; the bot can reach them only while `installed`. A disabled
    account (accountEnabled false) or a guest is still found in Graph, as in Entra."""

    aad_id: str
    name: str
    email: str
    installed: bool
    enabled: bool = True
    guest: bool = False
    blocked: bool = False  # the person blocked the bot in their chat with it

    @property
    def teams_id(self) -> str:
        """The 29: id Teams gives this person in activities."""
        return "29:1" + hashlib.sha256(self.aad_id.encode()).hexdigest()[:40]

    @property
    def conversation_id(self) -> str:
        """The one personal conversation between the bot and this person (stable, as in Teams)."""
        return "a:1" + hashlib.sha256(b"conv" + self.aad_id.encode()).hexdigest()[:48]


@dataclass
class Conversation:
    """A 1:1 conversation and the bot's activities in it, each as last updated."""

    id: str
    user: TeamsUser
    activities: list[Body] = field(default_factory=list)


class Tenant:
    """People, installs and conversations for one tenant and one bot."""

    def __init__(self, tenant_id: str, bot_id: str, teams_app_id: str) -> None:
        self.tenant_id, self.bot_id, self.teams_app_id = tenant_id, bot_id, teams_app_id
        self.users: dict[str, TeamsUser] = {}
        self.conversations: dict[str, Conversation] = {}
        # A Teams administrator disabled the bot for the whole tenant.
        self.bot_disabled = False
        self._activity_ids = itertools.count(1764000000001)

    def user(self, user_id: str) -> TeamsUser | None:
        """A person by AAD object id, 29: id, or email (Graph accepts a UPN)."""
        if user_id in self.users:
            return self.users[user_id]
        for user in self.users.values():
            if user_id in (user.teams_id, user.email):
                return user
        return None

    def conversation(self, user: TeamsUser) -> Conversation:
        found = self.conversations.get(user.conversation_id)
        if found is None:
            found = self.conversations[user.conversation_id] = Conversation(
                user.conversation_id, user
            )
        return found

    # --- Bot Connector -------------------------------------------------------------------------

    def create_conversation(self, body: Any) -> Reply:
        """POST /v3/conversations: a personal conversation with one person who has the app."""
        if not isinstance(body, dict):
            return teams_error(400, "BadArgument", "Request body must be JSON.")
        members = body.get("members") or []
        if body.get("isGroup") or len(members) != 1 or not isinstance(members[0], dict):
            return teams_error(
                400, "BadArgument", "A personal conversation needs exactly one member."
            )
        tenant = body.get("tenantId") or (body.get("channelData") or {}).get("tenant", {}).get("id")
        if tenant != self.tenant_id:
            return teams_error(400, "BadArgument", "Tenant id is required and must be the bot's.")
        if self.bot_disabled:
            return teams_error(*BOT_DISABLED)
        user = self.user(str(members[0].get("id", "")))
        if user is None or not user.installed:
            return teams_error(*NOT_INSTALLED)
        conversation = self.conversation(user)
        reply: Body = {"id": conversation.id}
        if isinstance(body.get("activity"), dict):
            status, _, sent = self.send(conversation.id, body["activity"])
            if status != 201:
                return status, {}, sent
            reply["activityId"] = (sent or {})["id"]
        return 201, {}, reply

    def send(self, conversation_id: str, body: Any, reply_to: str | None = None) -> Reply:
        """POST /v3/conversations/{id}/activities (or .../activities/{replyToId})."""
        conversation, error = self._reachable(conversation_id)
        if conversation is None:
            return error
        problem = activity_problem(body)
        if problem is not None:
            return teams_error(*problem)
        activity_id = str(next(self._activity_ids))
        stored = dict(body) | {"id": activity_id, "updates": 0, "replyToId": reply_to}
        conversation.activities.append(stored)
        return 201, {}, {"id": activity_id}

    def update(self, conversation_id: str, activity_id: str, body: Any) -> Reply:
        """PUT /v3/conversations/{id}/activities/{activityId}: replace what the bot sent."""
        conversation, error = self._reachable(conversation_id)
        if conversation is None:
            return error
        old = next((a for a in conversation.activities if a["id"] == activity_id), None)
        if old is None:
            return teams_error(404, "ActivityNotFoundInConversation", "Unknown activity.")
        problem = activity_problem(body)
        if problem is not None:
            return teams_error(*problem)
        new = dict(body) | {"id": activity_id, "updates": old["updates"] + 1}
        new["replyToId"] = old.get("replyToId")
        conversation.activities[conversation.activities.index(old)] = new
        return 200, {}, {"id": activity_id}

    def _reachable(self, conversation_id: str) -> tuple[Conversation | None, Reply]:
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            return None, teams_error(404, "ConversationNotFound", "Conversation not found.")
        if self.bot_disabled:
            return None, teams_error(*BOT_DISABLED)
        if not conversation.user.installed:
            return None, teams_error(*NOT_INSTALLED)
        if conversation.user.blocked:
            return None, teams_error(*BLOCKED)
        return conversation, (200, {}, None)

    # --- Graph ---------------------------------------------------------------------------------

    def graph_user(self, user_id: str, select: str | None) -> Reply:
        """GET /v1.0/users/{id | userPrincipalName}: the user, with only the $select'ed
        properties when asked (accountEnabled and userType come only then, as in Graph)."""
        wanted_email = user_id.lower()
        user = self.users.get(user_id) or next(
            (u for u in self.users.values() if u.email.lower() == wanted_email), None
        )
        if user is None:
            return teams_error(
                404,
                "Request_ResourceNotFound",
                f"Resource '{user_id}' does not exist or one of its queried reference-property "
                "objects are not present.",
            )
        given, _, family = user.name.partition(" ")
        everything: Body = {
            "id": user.aad_id,
            "displayName": user.name,
            "givenName": given,
            "surname": family,
            "mail": user.email,
            "userPrincipalName": user.email,
            "accountEnabled": user.enabled,
            "userType": "Guest" if user.guest else "Member",
        }
        default = ("id", "displayName", "givenName", "surname", "mail", "userPrincipalName")
        wanted = [p.strip() for p in select.split(",")] if select else list(default)
        body: Body = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity"}
        body |= {name: everything[name] for name in wanted if name in everything}
        return 200, {}, body

    def install(self, user_id: str, body: Any) -> Reply:
        """POST /v1.0/users/{id}/teamwork/installedApps: install the app for one person."""
        user = self.user(user_id)
        if user is None:
            return teams_error(404, "NotFound", f"User '{user_id}' was not found.")
        bind = body.get("teamsApp@odata.bind", "") if isinstance(body, dict) else ""
        if not bind.endswith(f"/appCatalogs/teamsApps/{self.teams_app_id}"):
            return teams_error(404, "NotFound", "The app was not found in the tenant's catalog.")
        if user.installed:
            return teams_error(409, "Conflict", "The app is already installed for this user.")
        user.installed = True
        return 201, {}, None
