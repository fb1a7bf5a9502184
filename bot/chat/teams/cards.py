"""Messages as Adaptive Cards (schema 1.5) for Microsoft Teams, well within its size limit."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from datetime import time
from typing import Any

from bot.services.chat_port import Button, ChoiceForm, Link, Message

logger = logging.getLogger(__name__)

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
# Teams renders schema 1.5 at most; Action.Execute needs 1.4 or later.
VERSION = "1.5"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MESSAGE_RESPONSE = "application/vnd.microsoft.activity.message"
# Teams refuses bot messages above about 100 KB; a card this size leaves room for the activity
# around it and for \u-escaped non-ASCII text.
MAX_CARD_BYTES = 28_000
# Room kept for the note that says some of a long message was left out.
NOTE_BYTES = 200
TITLE_TEXT = 150
TEXT_LIMIT = 2000
BULLET_TEXT = 1000
FOOTER_TEXT = 500
BUTTON_TEXT = 75
CHOICE_TEXT = 150
FALLBACK_TEXT = 300
URL_LENGTH = 2048
# Teams shows about 6 actions in a set on a phone before hiding the rest under "more".
ACTIONS_PER_SET = 5
# Our own identifiers, not text: too long is a bug, so render raises rather than cut them.
ACTION_ID_LENGTH = 255
VALUE_LENGTH = 2000
# The tick-boxes' input id: Teams puts the ticked values under this key in the action's data.
TICKS = "ticks"
# Marks a form's submit in its data; the value names the input holding the ticks.
FORM = "form"
EXECUTE = "Action.Execute"
SUBMIT = "Action.Submit"
ELLIPSIS = "…"

# Teams' markdown subset: **bold**, _italic_, [links](url), "- " and "1. " lists. A backslash
# before ASCII punctuation shows it as typed (CommonMark), so staff text never formats or links.
# "{" is escaped too: "{{DATE(...)}}" in a TextBlock would be replaced by a date.
_INLINE = re.compile(r"([\\*_\[\]`~<>{])")
_LINE_START = re.compile(r"^([ \t]*)([-+#]|\d+(?=[.)]))", re.MULTILINE)


def escape(text: str) -> str:
    """Text shown as typed in a TextBlock: Teams' markdown characters are backslash-escaped."""
    text = _INLINE.sub(r"\\\1", text)
    return _LINE_START.sub(_escape_marker, text)


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters of plain text, ending with an ellipsis when cut."""
    text = " ".join(text.split()) if len(text) > limit else text
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def render(message: Message) -> dict[str, Any]:
    """One message as an Adaptive Card of at most MAX_CARD_BYTES (long text is left out)."""
    head: list[dict[str, Any]] = []
    body: list[dict[str, Any]] = []
    title = message.title.strip()
    if title:
        head.append(_heading(title))
        if len(title) > TITLE_TEXT:
            # The heading had to be cut; the whole title (often a quiz prompt) still shows.
            body += _paragraphs(title)
    body += _bullets(message.bullets)
    for line in message.lines:
        body += _paragraphs(line)
    tail: list[dict[str, Any]] = []
    if message.link:
        tail += _link(message.link)
    tail += _action_sets(
        [_press(b.label, b.action_id, _data(b), b.primary) for b in message.buttons]
    )
    if message.form:
        body += _long_options(message.form)
        tail += _form(message.form)
    if message.footer.strip():
        tail.append(_text(escape(shorten(message.footer.strip(), FOOTER_TEXT)), small=True))
    return _fit(head, body, tail, _fallback(message))


def render_invoke_response(card: dict[str, Any]) -> dict[str, Any]:
    """The answer to an adaptiveCard/action invoke that replaces the pressed card with `card`."""
    return {"statusCode": 200, "type": CONTENT_TYPE, "value": card}


def render_message_response(text: str) -> dict[str, Any]:
    """The answer to an adaptiveCard/action invoke that leaves the card and shows `text`."""
    return {"statusCode": 200, "type": MESSAGE_RESPONSE, "value": text}


def welcome_card(
    school_name: str, window_start: time, window_end: time, privacy: Link | None = None
) -> dict[str, Any]:
    """The card sent when a person installs sendbot: what it sends, when, and their data."""
    window = f"between {window_start:%H:%M} and {window_end:%H:%M}"
    lines = (
        f"sendbot helps staff at {school_name.strip()} support pupils with special educational "
        "needs and disabilities (SEND).",
        "What I send you: short SEND briefings from your SENDCO, with a Got it button to say you "
        "have read them; a few quiz questions a day at most, each followed straight away by a "
        "short explanation; and an alert when a pupil you teach is new to the SEN register or "
        "their needs change.",
        f"When: only on school days, {window}, and only on the days you work. Nothing comes in "
        "the holidays or while your messages are paused, for example during leave.",
        "Your data: sendbot keeps your name, work email and Teams account so that it can message "
        "you, when you read each briefing, and your quiz answers. You see your own progress. "
        "Your line manager and the SENDCO see your progress towards your training targets. "
        "By default, alerts in chat show only a pupil's initials, year and form; the rest is "
        "on a page you sign in to see.",
    )
    commands = [
        ("help", "what I can do"),
        ("me", "your briefings, answers and targets"),
        ("team", "your team's progress, if you manage a team"),
        ("brief", "write a briefing (the SENDCO only)"),
    ]
    prompt = "Type one of these words to me at any time:"
    card = render(
        Message(
            kind="welcome",
            title="Welcome to sendbot",
            lines=(*lines, prompt),
            link=privacy,
            footer="Questions about sendbot or your data? Ask your SENDCO.",
        )
    )
    facts = {"type": "FactSet", "facts": [{"title": c, "value": escape(d)} for c, d in commands]}
    at = next(i for i, e in enumerate(card["body"]) if e.get("text") == escape(prompt))
    card["body"].insert(at + 1, facts)
    return card


def _escape_marker(match: re.Match[str]) -> str:
    """A line that starts like a list item or heading keeps its character, escaped."""
    indent, marker = match.groups()
    # A number starts a list only with the "." or ")" after it, so that is what is escaped.
    return f"{indent}{marker}\\" if marker[0].isdigit() else f"{indent}\\{marker}"


def _text(text: str, small: bool = False, **style: Any) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "TextBlock", "text": text, "wrap": True, **style}
    if small:
        block |= {"size": "small", "isSubtle": True}
    return block


def _heading(title: str) -> dict[str, Any]:
    text = escape(shorten(title, TITLE_TEXT))
    return _text(text, size="large", weight="bolder", style="heading")


def _pieces(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Raw text cut into pieces of at most `limit` characters, at a line or word break near
    the end; escaping comes after, so a cut never splits an escape."""
    pieces = []
    rest = text.strip()
    while rest:
        cut = min(len(rest), limit)
        if cut < len(rest):
            brk = max(rest.rfind("\n", 0, cut + 1), rest.rfind(" ", 0, cut + 1))
            if brk > cut // 2:
                cut = brk
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].strip()
    return pieces


def _paragraphs(text: str) -> list[dict[str, Any]]:
    # A single newline inside a TextBlock is not a line break in markdown; a blank line is.
    return [
        _text("\n\n".join(escape(line.strip()) for line in piece.splitlines() if line.strip()))
        for piece in _pieces(text)
    ]


def _bullets(bullets: Sequence[str]) -> list[dict[str, Any]]:
    """Bullets as markdown lists, a TextBlock per TEXT_LIMIT or so, each item on one line."""
    items = [f"- {escape(shorten(' '.join(b.split()), BULLET_TEXT))}" for b in bullets if b.strip()]
    blocks: list[list[str]] = []
    for item in items:
        if blocks and sum(len(i) for i in blocks[-1]) + len(item) <= TEXT_LIMIT:
            blocks[-1].append(item)
        else:
            blocks.append([item])
    return [_text("\n".join(block)) for block in blocks]


def _data(button: Button) -> dict[str, Any]:
    return {"action_id": button.action_id, "value": button.value}


def _press(title: str, action_id: str, data: dict[str, Any], primary: bool) -> dict[str, Any]:
    """An Action.Execute (verb = our action_id) with an Action.Submit for older clients."""
    if not action_id or len(action_id) > ACTION_ID_LENGTH:
        raise ValueError(f"action_id must be 1 to {ACTION_ID_LENGTH} characters: {action_id!r}")
    if len(data["value"]) > VALUE_LENGTH:
        raise ValueError(f"a button value is over {VALUE_LENGTH} characters")
    label = shorten(title.strip() or "-", BUTTON_TEXT)
    action: dict[str, Any] = {"type": EXECUTE, "title": label, "verb": action_id, "data": data}
    if primary:
        action["style"] = "positive"
    # Microsoft's advice for Teams clients that predate Action.Execute: they show this instead,
    # and its press arrives as a message whose value is the same data.
    action["fallback"] = {"type": SUBMIT, "title": label, "data": dict(data)}
    return action


def _action_sets(actions: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"type": "ActionSet", "actions": list(actions[i : i + ACTIONS_PER_SET])}
        for i in range(0, len(actions), ACTIONS_PER_SET)
    ]


def _link(link: Link) -> list[dict[str, Any]]:
    if len(link.url) > URL_LENGTH or not link.url.startswith(("https://", "http://")):
        # Not something a button can open: show it as text rather than fail the send.
        return _paragraphs(f"{link.label}: {link.url}")
    label = shorten(link.label.strip() or link.url, BUTTON_TEXT)
    return _action_sets([{"type": "Action.OpenUrl", "title": label, "url": link.url}])


def _long_options(form: ChoiceForm) -> list[dict[str, Any]]:
    # The tick-boxes show shortened options; the full text goes just above them.
    if not any(len(o) > CHOICE_TEXT for o in form.options):
        return []
    return [block for option in form.options for block in _paragraphs(option)]


def _form(form: ChoiceForm) -> list[dict[str, Any]]:
    """Tick-boxes (values are option numbers) and a submit whose data carries the prefix."""
    choices = [
        {"title": shorten(text.strip() or "-", CHOICE_TEXT), "value": str(i)}
        for i, text in enumerate(form.options)
    ]
    ticks = {
        "type": "Input.ChoiceSet",
        "id": TICKS,
        "isMultiSelect": True,
        "style": "expanded",
        "wrap": True,
        "choices": choices,
    }
    data = {"action_id": form.action_id, "value": form.value_prefix, FORM: TICKS}
    return [ticks, *_action_sets([_press(form.submit_label, form.action_id, data, True)])]


def _size(element: Any) -> int:
    # json.dumps' defaults (ASCII only) count the most bytes any serialiser would send.
    return len(json.dumps(element).encode())


def _fit(
    head: list[dict[str, Any]], body: list[dict[str, Any]], tail: list[dict[str, Any]], fb: str
) -> dict[str, Any]:
    """The card, leaving out the end of the body, with a note, if it would be too big, so that
    the title, buttons, form and footer always stay."""
    card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "fallbackText": fb}
    room = MAX_CARD_BYTES - _size(card | {"body": head + tail}) - NOTE_BYTES
    kept: list[dict[str, Any]] = []
    for element in body:
        room -= _size(element) + 2
        if room < 0:
            break
        kept.append(element)
    if len(kept) < len(body):
        left_out = len(body) - len(kept)
        note = f"{ELLIPSIS} and {left_out} more part{'s' if left_out > 1 else ''}"
        kept.append(_text(note + " that did not fit in one Teams message.", small=True))
    card["body"] = head + kept + tail
    if _size(card) > MAX_CARD_BYTES:
        # Only buttons or options by the hundred get here; Teams takes up to about 100 KB.
        logger.warning(
            "Teams card of %d bytes is over the %d aimed for", _size(card), MAX_CARD_BYTES
        )
    return card


def _fallback(message: Message) -> str:
    """What a client that cannot show the card shows: the title and the first line."""
    first = (message.lines or message.bullets or ("",))[0]
    text = " – ".join(p for p in (message.title.strip(), first.strip()) if p) or message.kind
    return escape(shorten(" ".join(text.split()), FALLBACK_TEXT))
