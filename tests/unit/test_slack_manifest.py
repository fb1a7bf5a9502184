"""slack/manifest.yml asks for exactly what sendbot uses: the scopes of the Web API methods the
code calls, the events it listens to, the /sendbot command, Socket Mode and interactivity."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]

# Each Web API method sendbot may call, and the bot scopes Slack requires for it.
SCOPES_OF_METHOD: dict[str, set[str]] = {
    "auth_test": set(),
    # A direct message posted to the person's user id needs chat:write and nothing more.
    "chat_postMessage": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    # users:read.email must be requested together with users:read.
    "users_lookupByEmail": {"users:read", "users:read.email"},
    "users_info": {"users:read"},
    "views_publish": set(),
    "views_open": set(),
    "views_update": set(),
    "conversations_open": {"im:write"},
    "conversations_history": {"im:history"},
}
# `self._call("chat_postMessage", ...)` or `client.views_publish(...)`, across lines.
CALLED = re.compile(
    r"""(?:_call\(\s*["']|client\.)((?:auth|chat|users|views|conversations|im|team)_\w+)"""
)
EVENT = re.compile(r"""\.event\(\s*["'](\w+)["']""")


def manifest() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "slack" / "manifest.yml").read_text())  # type: ignore[no-any-return]


def code() -> str:
    return "\n".join(p.read_text() for p in sorted((ROOT / "bot").rglob("*.py")))


def test_the_bot_scopes_are_exactly_those_of_the_methods_sendbot_calls() -> None:
    called = set(CALLED.findall(code()))
    assert "chat_postMessage" in called and "users_lookupByEmail" in called
    unknown = called - set(SCOPES_OF_METHOD)
    assert not unknown, f"add these methods and their scopes to SCOPES_OF_METHOD: {unknown}"
    needed = set().union(*(SCOPES_OF_METHOD[m] for m in called)) | {"commands"}
    scopes = manifest()["oauth_config"]["scopes"]
    assert sorted(scopes["bot"]) == sorted(needed)
    assert "user" not in scopes  # sendbot acts as its bot, never as a person


def test_the_events_are_exactly_those_sendbot_listens_to() -> None:
    listened = set(EVENT.findall(code()))
    assert "app_home_opened" in listened
    events = manifest()["settings"]["event_subscriptions"]
    assert sorted(events["bot_events"]) == sorted(listened)
    assert "request_url" not in events  # Socket Mode: Slack needs no address of ours


def test_features_give_a_bot_the_home_and_messages_tabs_and_the_sendbot_command() -> None:
    features = manifest()["features"]
    assert features["bot_user"]["display_name"] == "sendbot"
    home = features["app_home"]
    # A direct message fails with messages_tab_disabled unless the Messages tab is on.
    assert home["home_tab_enabled"] is True and home["messages_tab_enabled"] is True
    (command,) = features["slash_commands"]
    assert command["command"] == "/sendbot"
    assert '"/sendbot"' in code()
    assert len(command["description"]) <= 100


def test_settings_turn_on_socket_mode_and_interactivity() -> None:
    data = manifest()
    settings = data["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    assert "request_url" not in settings["interactivity"]
    info = data["display_information"]
    # Slack refuses a manifest whose descriptions are outside these lengths.
    assert info["name"] == "sendbot" and len(info["description"]) <= 140
    assert 175 <= len(info["long_description"]) <= 4000
