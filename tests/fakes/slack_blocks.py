"""Block Kit checks the way Slack's Web API makes them, with Slack's error texts.

Each problem reads like Slack's: "must be less than 151 characters [json-pointer:/blocks/0/text]".
Messages fail with `invalid_blocks`, views (as on Slack) with `invalid_arguments`; a message
text over 40,000 characters fails with `msg_too_long`.
"""

from __future__ import annotations

import json
from typing import Any

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
MESSAGE_TEXT = 40_000
VIEW_BYTES = 250_000

BLOCK_TYPES = {
    "actions",
    "context",
    "divider",
    "file",
    "header",
    "image",
    "input",
    "markdown",
    "rich_text",
    "section",
    "video",
}


class Problems:
    """Collects Slack-style problem texts with their JSON pointers."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def add(self, pointer: str, text: str) -> None:
        self.found.append(f"{text} [json-pointer:{pointer}]")

    def longer(self, pointer: str, value: object, limit: int) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.add(pointer, f"must be less than {limit + 1} characters")

    def more(self, pointer: str, items: object, limit: int) -> None:
        if isinstance(items, list) and len(items) > limit:
            self.add(pointer, f"no more than {limit} items allowed")


def message_problems(text: object, blocks: object) -> tuple[str, list[str]] | None:
    """The error and problems for a message, or None when Slack would accept it."""
    if isinstance(text, str) and len(text) > MESSAGE_TEXT:
        return "msg_too_long", []
    if blocks is None:
        return None
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        return "invalid_blocks_format", []
    problems = Problems()
    problems.more("/blocks", blocks, MESSAGE_BLOCKS)
    check_blocks(problems, "/blocks", blocks)
    return ("invalid_blocks", problems.found) if problems.found else None


def view_problems(view: object, view_type: str) -> list[str]:
    """The problems with a modal or Home tab view; empty when Slack would accept it."""
    problems = Problems()
    if not isinstance(view, dict):
        problems.add("/view", "must be an object")
        return problems.found
    if view.get("type") != view_type:
        problems.add("/view/type", f"must be {view_type}")
    blocks = view.get("blocks")
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        problems.add("/view/blocks", "must be an array of blocks")
        return problems.found
    problems.more("/view/blocks", blocks, VIEW_BLOCKS)
    check_blocks(problems, "/view/blocks", blocks)
    if view_type == "modal":
        title = view.get("title")
        if not isinstance(title, dict) or not title.get("text"):
            problems.add("/view/title", "is required")
        else:
            problems.longer("/view/title/text", title.get("text"), 24)
    problems.longer("/view/private_metadata", view.get("private_metadata"), 3000)
    problems.longer("/view/callback_id", view.get("callback_id"), 255)
    if len(json.dumps(view).encode()) > VIEW_BYTES:
        problems.add("/view", f"must be smaller than {VIEW_BYTES} bytes")
    return problems.found


def check_blocks(problems: Problems, pointer: str, blocks: list[dict[str, Any]]) -> None:
    """Check every block; block_ids must be unique across the message or view."""
    seen_block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        here = f"{pointer}/{i}"
        kind = block.get("type")
        if kind not in BLOCK_TYPES:
            problems.add(f"{here}/type", f"unsupported type: {kind}")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            problems.longer(f"{here}/block_id", block_id, 255)
            if block_id in seen_block_ids:
                problems.add(f"{here}/block_id", "duplicate block_id")
            seen_block_ids.add(block_id)
        CHECKS.get(kind, _no_check)(problems, here, block)


def _no_check(problems: Problems, here: str, block: dict[str, Any]) -> None:
    """Blocks whose limits sendbot never comes near."""


def _header(problems: Problems, here: str, block: dict[str, Any]) -> None:
    problems.longer(f"{here}/text/text", _text(block.get("text")), 150)


def _section(problems: Problems, here: str, block: dict[str, Any]) -> None:
    fields = block.get("fields")
    if block.get("text") is None and not fields:
        problems.add(here, "must provide either text or fields")
    problems.longer(f"{here}/text/text", _text(block.get("text")), 3000)
    problems.more(f"{here}/fields", fields, 10)
    for j, item in enumerate(fields or []):
        problems.longer(f"{here}/fields/{j}/text", _text(item), 2000)
    if isinstance(block.get("accessory"), dict):
        _element(problems, f"{here}/accessory", block["accessory"])


def _actions(problems: Problems, here: str, block: dict[str, Any]) -> None:
    elements = block.get("elements") or []
    problems.more(f"{here}/elements", elements, 25)
    # Slack routes a press by action_id, so two alike in one block would be ambiguous.
    seen: set[str] = set()
    for j, element in enumerate(elements):
        if not isinstance(element, dict):
            continue
        _element(problems, f"{here}/elements/{j}", element)
        action_id = element.get("action_id")
        if action_id is not None and action_id in seen:
            problems.add(f"{here}/elements/{j}/action_id", "duplicate action_id")
        seen.add(action_id)


def _context(problems: Problems, here: str, block: dict[str, Any]) -> None:
    problems.more(f"{here}/elements", block.get("elements"), 10)


def _input(problems: Problems, here: str, block: dict[str, Any]) -> None:
    problems.longer(f"{here}/label/text", _text(block.get("label")), 2000)
    if isinstance(block.get("element"), dict):
        _element(problems, f"{here}/element", block["element"])


def _element(problems: Problems, here: str, element: dict[str, Any]) -> None:
    problems.longer(f"{here}/action_id", element.get("action_id"), 255)
    if element.get("type") == "button":
        problems.longer(f"{here}/text/text", _text(element.get("text")), 75)
        problems.longer(f"{here}/value", element.get("value"), 2000)
        problems.longer(f"{here}/url", element.get("url"), 3000)


def _text(text_object: object) -> object:
    return text_object.get("text") if isinstance(text_object, dict) else None


CHECKS = {
    "header": _header,
    "section": _section,
    "actions": _actions,
    "context": _context,
    "input": _input,
}
