"""A person's or a team's progress (the summaries' lines) as an Adaptive Card for Teams."""

from __future__ import annotations

from typing import Any

from bot.chat.teams.cards import escape, render
from bot.services.chat_port import Link, Message
from bot.services.summary_lines import Line


def summary_card(heading: str, lines: list[Line], link: Link | None) -> dict[str, Any]:
    """The heading, the lines (bold parts in bold, list items as a list) and the page link."""
    card = render(Message(kind="summary", title=heading, link=link))
    blocks: list[dict[str, Any]] = []
    items: list[str] = []
    for line in lines:
        text = _markdown(line)
        if line.item:
            items.append(f"- {text}")
            continue
        if items:
            blocks.append(_block("\n".join(items)))
            items = []
        blocks.append(_block(text))
    if items:
        blocks.append(_block("\n".join(items)))
    # After the heading, before the link's buttons.
    card["body"][1:1] = blocks
    return card


def _markdown(line: Line) -> str:
    # Teams' bold needs the asterisks next to the words, as CommonMark does.
    bold = f"**{escape(line.bold.strip())}**" if line.bold.strip() else ""
    return bold + escape(line.text)


def _block(text: str) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True}
