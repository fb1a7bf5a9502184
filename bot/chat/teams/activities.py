"""Teams activities read into sendbot's Interactions and commands, and keys that spot repeats.

A press reaches sendbot in one of two shapes (cards.render makes both):
- `Action.Execute`: an `invoke` activity named `adaptiveCard/action` whose value.action has
  the verb (our action_id) and data (our data merged with the card's inputs);
- its `Action.Submit` fallback, on clients older than schema 1.5: a `message` activity with no
  text whose value is that same merged data.

Three outcomes, so the caller knows what to say:
- an `Interaction`, for the services;
- `None`: not a press (typed text, an install, another kind of invoke);
- `MalformedActivity` (a `ValueError`): a press sendbot cannot read (missing keys, wrong types,
  a verb that is not the data's action_id, a tick that is not an option number). The caller
  answers, logs it and replies politely; nothing is recorded.

Who pressed: `from.aadObjectId`, the person's Microsoft Entra object id. It is the same for every
app in the school's tenant, so it is what staff are matched on from the directory, what Graph
uses to install the app for someone, and what a 1:1 conversation can be created with. The other
id, `from.id` ("29:..."), is different for each bot registration; mixing the two would make one
person two. An activity without an aadObjectId (a guest or anonymous user, not school staff) is
malformed for sendbot.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from bot.chat.mappings import dig
from bot.chat.teams.cards import EXECUTE, FORM, TICKS
from bot.services.chat_port import Interaction, MessageRef

PLATFORM = "teams"
INVOKE_NAME = "adaptiveCard/action"
# In a group chat Teams puts the bot's name in the text as <at>sendbot</at>.
_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)


class MalformedActivity(ValueError):
    """A Teams activity sendbot cannot read; the person gets a polite reply."""


def interaction_from_activity(activity: Mapping[str, Any]) -> Interaction | None:
    """The Interaction a card press stands for, or None if the activity is not a press."""
    if not isinstance(activity, Mapping):
        raise MalformedActivity("not an activity")
    kind = activity.get("type")
    if kind == "invoke":
        if activity.get("name") != INVOKE_NAME:
            return None
        data = _execute_data(activity)
    elif kind == "message" and activity.get("value") is not None:
        data = activity["value"]
        if not isinstance(data, Mapping):
            raise MalformedActivity("a submitted value is not a mapping")
    else:
        return None
    action_id = _text(data, "action_id")
    value = _text(data, "value")
    form = data.get(FORM)
    if form is not None:
        if form != TICKS:
            raise MalformedActivity(f"unknown form {form!r}")
        value += ":" + ",".join(_ticked(data.get(TICKS)))
    return Interaction(
        platform=PLATFORM,
        user_id=_user_id(activity),
        action_id=action_id,
        value=value,
        message_ref=_message_ref(activity),
    )


def command_from_activity(activity: Mapping[str, Any]) -> str | None:
    """The first word of a typed message, lower-cased ("help", "me"), or None if not typed."""
    words = typed_words(activity)
    return words[0] if words else None


def typed_words(activity: Mapping[str, Any]) -> list[str]:
    """The words of a typed message, lower-cased ("digest", "off"); none if not typed."""
    if not isinstance(activity, Mapping):
        raise MalformedActivity("not an activity")
    text = activity.get("text")
    if activity.get("type") != "message" or activity.get("value") is not None:
        return []
    words = _MENTION.sub(" ", text).split() if isinstance(text, str) else []
    # "Help!" and "help." mean help.
    return [w for w in (word.lower().rstrip(".!?,;:") for word in words) if w]


def activity_key(activity: Mapping[str, Any]) -> str:
    """A stable key for one activity in one conversation: Teams' redelivery of an activity
    keeps its id, so the caller records it once. A second press is a new activity; the
    services then say it was already answered."""
    if not isinstance(activity, Mapping):
        raise MalformedActivity("not an activity")
    activity_id = activity.get("id")
    conversation_id = dig(activity, "conversation", "id")
    if not (isinstance(activity_id, str) and activity_id):
        raise MalformedActivity("no activity id")
    if not (isinstance(conversation_id, str) and conversation_id):
        raise MalformedActivity("no conversation id")
    # A separator no id contains keeps ("a", "bc") and ("ab", "c") apart.
    digest = hashlib.sha256(f"{conversation_id}\x1f{activity_id}".encode()).hexdigest()
    return f"{PLATFORM}:{digest}"


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise MalformedActivity(f"{key} is missing or not text")
    return value


def _is_number(text: str) -> bool:
    # str.isdigit alone accepts "²" and other digits int() refuses.
    return text.isascii() and text.isdigit()


def _execute_data(activity: Mapping[str, Any]) -> Mapping[str, Any]:
    action = dig(activity, "value", "action")
    if not isinstance(action, Mapping) or action.get("type") != EXECUTE:
        raise MalformedActivity("value.action is not an Action.Execute")
    data = action.get("data")
    if not isinstance(data, Mapping):
        raise MalformedActivity("value.action.data is not a mapping")
    # cards.render sets the verb to the action_id; a difference means the data was changed.
    if action.get("verb") != data.get("action_id"):
        raise MalformedActivity("the verb is not the data's action_id")
    return data


def _user_id(activity: Mapping[str, Any]) -> str:
    user_id = dig(activity, "from", "aadObjectId")
    if not isinstance(user_id, str) or not user_id:
        raise MalformedActivity("no from.aadObjectId in the activity")
    return user_id


def _message_ref(activity: Mapping[str, Any]) -> MessageRef | None:
    """Where the pressed card is, so it can be updated; None if Teams did not say."""
    conversation_id = dig(activity, "conversation", "id")
    activity_id = activity.get("replyToId")
    service_url = activity.get("serviceUrl")
    if not all(isinstance(v, str) and v for v in (conversation_id, activity_id, service_url)):
        return None
    if not service_url.startswith(("https://", "http://")):
        return None
    data = {
        "conversation_id": conversation_id,
        "activity_id": activity_id,
        "service_url": service_url,
    }
    return MessageRef(PLATFORM, data)


def _ticked(raw: Any) -> list[str]:
    """The option numbers ticked, sorted, each once. Input.ChoiceSet sends them as one
    comma-separated string ("0,2"); with nothing ticked Teams sends "" or leaves the key out,
    which counts as nothing ticked so the person is asked to tick an answer."""
    if raw is None or raw == "":
        return []
    if not isinstance(raw, str):
        raise MalformedActivity("the ticks are not text")
    ticked: set[int] = set()
    for part in raw.split(","):
        part = part.strip()
        if not _is_number(part):
            raise MalformedActivity(f"ticked option {part!r} is not an option number")
        ticked.add(int(part))
    return [str(i) for i in sorted(ticked)]
