"""Slack block_actions payloads read into sendbot's Interactions, and keys that spot repeats.

Three outcomes, so the caller knows what to say:
- an `Interaction`: a button press or a tick-box form's submit, for the services;
- `None`: an action that needs no answer beyond the acknowledgement (ticking a box, opening
  a link);
- `MalformedPayload` (a `ValueError`): something sendbot cannot read (missing keys, wrong
  types, an action_id not in a shape `blocks.render` makes, a tick that is not an option
  number). The caller acknowledges, logs it and replies politely; nothing is recorded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from bot.chat.mappings import dig
from bot.chat.slack.blocks import LINK_ACTION, SUBMIT, TICKS
from bot.services.chat_port import Interaction, MessageRef

PLATFORM = "slack"


class MalformedPayload(ValueError):
    """A block_actions payload sendbot cannot read; the person gets a polite reply."""


def interaction_from_block_actions(body: Mapping[str, Any]) -> Interaction | None:
    """The Interaction a block_actions payload stands for, or None if it needs no answer."""
    if not isinstance(body, Mapping) or body.get("type") != "block_actions":
        raise MalformedPayload("not a block_actions payload")
    action = _action(body)
    action_id = _text(action, "action_id")
    base, hash_sign, suffix = action_id.rpartition("#")
    if not hash_sign or not base:
        raise MalformedPayload(f"action_id {action_id!r} has no #position")
    kind = action.get("type")
    if base == LINK_ACTION or (kind == "checkboxes" and suffix.startswith(TICKS)):
        # Opening a link or ticking a box is not an answer; the submit button is.
        return None
    if kind != "button":
        raise MalformedPayload(f"unexpected {kind!r} action {action_id!r}")
    if suffix == SUBMIT:
        value = _text(action, "value") + ":" + ",".join(_ticked(body, base))
    elif _is_number(suffix):
        value = _text(action, "value")
    else:
        raise MalformedPayload(f"action_id {action_id!r} has an unknown suffix")
    return Interaction(
        platform=PLATFORM,
        user_id=_user_id(body),
        action_id=base,
        value=value,
        message_ref=_message_ref(body),
    )


def block_action_key(body: Mapping[str, Any]) -> str:
    """A stable key for one person pressing one button with one value on one message.

    Slack's redelivery of a payload and a double press give the same key, so the caller counts
    them once; a submit with other ticks gives another key (the services then say it was
    already answered). Ticks and link presses, which are not answers, key on their action_ts.
    Raises MalformedPayload as `interaction_from_block_actions` does.
    """
    interaction = interaction_from_block_actions(body)
    action = _action(body)
    ref = _message_ref(body)
    parts = [
        str(dig(body, "team", "id") or ""),
        interaction.user_id if interaction else str(dig(body, "user", "id") or ""),
        str(ref.data["channel"]) if ref else "",
        str(ref.data["ts"]) if ref else "",
        _text(action, "action_id"),
        interaction.value if interaction else str(action.get("action_ts", "")),
    ]
    # A separator no id or value contains keeps ("a", "bc") and ("ab", "c") apart.
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"{PLATFORM}:{digest}"


def _is_number(text: str) -> bool:
    # str.isdigit alone accepts "²" and other digits int() refuses.
    return text.isascii() and text.isdigit()


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise MalformedPayload(f"{key} is missing or not text")
    return value


def _action(body: Mapping[str, Any]) -> Mapping[str, Any]:
    actions = body.get("actions")
    # Slack sends one action per block_actions payload, in a list.
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], Mapping):
        raise MalformedPayload("no action in the payload")
    return actions[0]


def _user_id(body: Mapping[str, Any]) -> str:
    user_id = dig(body, "user", "id")
    if not isinstance(user_id, str) or not user_id:
        raise MalformedPayload("no user id in the payload")
    return user_id


def _message_ref(body: Mapping[str, Any]) -> MessageRef | None:
    """Where the pressed message is, so it can be updated; None (e.g. the Home tab) if unknown."""
    channel = dig(body, "container", "channel_id")
    ts = dig(body, "container", "message_ts")
    if not (isinstance(channel, str) and isinstance(ts, str)):
        channel = dig(body, "channel", "id")
        ts = dig(body, "message", "ts")
    if isinstance(channel, str) and isinstance(ts, str) and channel and ts:
        data = {"channel": channel, "ts": ts}
        reply_to = body.get("response_url")
        if isinstance(reply_to, str) and reply_to.startswith(("https://", "http://")):
            # Replacing the message through its response_url counts against no method's limit,
            # where chat.update allows only about 50 a minute.
            data["response_url"] = reply_to
        return MessageRef(PLATFORM, data)
    return None


def _ticked(body: Mapping[str, Any], base: str) -> list[str]:
    """The option numbers ticked in the form's tick-boxes, sorted, each once.

    Slack puts the message's tick-box state in state.values[block_id][action_id]; a message
    without any state (nothing Slack kept) counts as nothing ticked, so the person is asked
    to tick an answer rather than shown an error.
    """
    state = body.get("state")
    if state is None:
        return []
    values = state.get("values", {}) if isinstance(state, Mapping) else None
    if not isinstance(values, Mapping):
        raise MalformedPayload("state.values is not a mapping")
    prefix = f"{base}#{TICKS}"
    ticked: set[int] = set()
    for block in values.values():
        if not isinstance(block, Mapping):
            raise MalformedPayload("a block in state.values is not a mapping")
        for action_id, element in block.items():
            if not (isinstance(action_id, str) and action_id.startswith(prefix)):
                continue
            if not isinstance(element, Mapping) or element.get("type") != "checkboxes":
                raise MalformedPayload(f"{action_id!r} in state.values is not tick-boxes")
            selected = element.get("selected_options") or []
            if not isinstance(selected, list):
                raise MalformedPayload("selected_options is not a list")
            for option in selected:
                value = option.get("value") if isinstance(option, Mapping) else None
                if not isinstance(value, str) or not _is_number(value):
                    raise MalformedPayload(f"ticked option {value!r} is not an option number")
                ticked.add(int(value))
    return [str(i) for i in sorted(ticked)]
