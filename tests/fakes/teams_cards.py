"""The checks the fake Teams makes on a message before it accepts it.

Teams takes a message activity with text, attachments or both, up to about 100 KB. An Adaptive
Card attachment must carry its card: type AdaptiveCard, a schema version Teams renders (1.5 or
lower), a body and actions of known types. The fake is stricter than Teams about cards on
purpose: Teams accepts a broken card and shows the person an error, which a test would miss.
"""

from __future__ import annotations

import json
from typing import Any

MAX_MESSAGE_BYTES = 100 * 1024
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
MAX_CARD_VERSION = (1, 5)
ACTIONS = {
    "Action.Execute",
    "Action.Submit",
    "Action.OpenUrl",
    "Action.ShowCard",
    "Action.ToggleVisibility",
}

Problem = tuple[int, str, str]


def activity_problem(body: Any) -> Problem | None:
    """Why Teams would refuse this activity (status, code, message), or None."""
    if not isinstance(body, dict):
        return 400, "BadArgument", "Request body must be a JSON activity."
    if len(json.dumps(body).encode()) > MAX_MESSAGE_BYTES:
        return 413, "MessageSizeTooBig", "Message size too big."
    if body.get("type") != "message":
        return 400, "BadArgument", f"Unsupported activity type {body.get('type')!r}."
    attachments = body.get("attachments") or []
    if not isinstance(attachments, list):
        return 400, "BadArgument", "attachments must be a list."
    if not body.get("text") and not attachments:
        return 400, "BadArgument", "A message needs text or an attachment."
    for attachment in attachments:
        if not isinstance(attachment, dict) or not attachment.get("contentType"):
            return 400, "BadArgument", "Every attachment needs a contentType."
        if attachment["contentType"] == ADAPTIVE_CARD:
            problem = card_problem(attachment.get("content"))
            if problem:
                return 400, "BadSyntax", f"Adaptive Card: {problem}"
    return None


def card_problem(card: Any) -> str | None:
    """What is wrong with an Adaptive Card's content for Teams, or None."""
    if not isinstance(card, dict):
        return "the attachment has no card in content"
    if card.get("type") != "AdaptiveCard":
        return "type must be AdaptiveCard"
    version = str(card.get("version", ""))
    try:
        parsed = tuple(int(p) for p in version.split("."))
    except ValueError:
        return f"version {version!r} is not a version"
    if parsed > MAX_CARD_VERSION:
        return f"version {version} is newer than Teams renders (1.5)"
    if not isinstance(card.get("body", []), list) or not isinstance(card.get("actions", []), list):
        return "body and actions must be lists"
    for action in card_actions(card):
        if action.get("type") not in ACTIONS:
            return f"unknown action type {action.get('type')!r}"
    return None


def card_actions(element: Any) -> list[dict[str, Any]]:
    """Every action anywhere in the card (in actions, ActionSets and ShowCard cards)."""
    found: list[dict[str, Any]] = []
    if isinstance(element, dict):
        for key, value in element.items():
            if key == "actions" and isinstance(value, list):
                found.extend(a for a in value if isinstance(a, dict))
            found.extend(card_actions(value))
    elif isinstance(element, list):
        for item in element:
            found.extend(card_actions(item))
    return found
