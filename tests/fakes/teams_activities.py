"""Inbound activities as Teams posts them to the bot's /api/messages, for one person.

Each builder returns the JSON body; sign it with `identity.inbound_token(teams.service_url)` and
post it with `Authorization: Bearer <token>`. Ids, tenant and serviceUrl match the fake Teams, so
the bot's replies through the SDK land in `teams.activities(...)`.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from tests.fakes.teams_connector import FakeTeams
from tests.fakes.teams_http import Body

_ids = itertools.count(1)


def _base(teams: FakeTeams, aad_id: str, kind: str) -> Body:
    user = teams.user(aad_id)
    return {
        "type": kind,
        "id": f"f:{next(_ids):08d}",
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "serviceUrl": teams.service_url,
        "channelId": "msteams",
        "from": {"id": user.teams_id, "name": user.name, "aadObjectId": user.aad_id},
        "recipient": {"id": f"28:{teams.identity.client_id}", "name": "sendbot"},
        "conversation": {
            "id": user.conversation_id,
            "conversationType": "personal",
            "tenantId": teams.identity.tenant_id,
        },
        "channelData": {"tenant": {"id": teams.identity.tenant_id}},
        "locale": "en-GB",
    }


def message_activity(
    teams: FakeTeams, aad_id: str, text: str = "", value: Any = None, reply_to: str | None = None
) -> Body:
    """A message the person typed, or an Action.Submit press (data in `value`)."""
    activity = _base(teams, aad_id, "message") | {"text": text}
    if value is not None:
        activity["value"] = value
    if reply_to is not None:
        activity["replyToId"] = reply_to
    return activity


def card_action_activity(
    teams: FakeTeams, aad_id: str, verb: str, data: Body, card_activity_id: str
) -> Body:
    """An Action.Execute press: an adaptiveCard/action invoke on the card's message."""
    return _base(teams, aad_id, "invoke") | {
        "name": "adaptiveCard/action",
        "replyToId": card_activity_id,
        "value": {"action": {"type": "Action.Execute", "verb": verb, "data": data}},
    }


def install_activity(teams: FakeTeams, aad_id: str, action: str = "add") -> Body:
    """The app was installed ("add") or removed ("remove") for the person."""
    return _base(teams, aad_id, "installationUpdate") | {"action": action}
