"""Messages as Slack Block Kit, built with slack_sdk's models so that its limit checks apply."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.services.chat_port import Button, ChoiceForm, Link, Message

# Block Kit's limits (docs.slack.dev/reference/block-kit); slack_sdk checks them in to_dict().
MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100
HEADER_TEXT = 150
SECTION_TEXT = 3000
CONTEXT_TEXT = 3000
BUTTON_TEXT = 75
OPTION_TEXT = 75
URL_LENGTH = 3000
ELEMENTS_PER_ACTIONS = 25
OPTIONS_PER_CHECKBOXES = 10
# The notification text only has to say what arrived; the blocks carry the rest.
FALLBACK_TEXT = 300

# action_id suffixes: Slack wants every action_id in a message unique, so each carries
# "#<position>" (a button), "#submit" (a form's submit) or "#ticks<k>" (a form's tick-boxes).
SUBMIT = "submit"
TICKS = "ticks"
# A link button has a url, yet Slack still posts a block_actions payload when it is pressed.
LINK_ACTION = "sendbot.link"
ELLIPSIS = "…"
_ESCAPED_LENGTH = {"&": 5, "<": 4, ">": 4}


def escape(text: str) -> str:
    """Escape &, < and > as Slack's mrkdwn requires, so no text can mention or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters of plain text, ending with an ellipsis when cut."""
    text = " ".join(text.split()) if len(text) > limit else text
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def split_mrkdwn(text: str, limit: int = SECTION_TEXT) -> list[str]:
    """Escape text and cut it into pieces of at most `limit` characters, at a line or word
    break where one is near, never inside an escaped character."""
    pieces = []
    rest = text.strip()
    while rest:
        cut = _fits(rest, limit)
        if cut < len(rest):
            brk = max(rest.rfind("\n", 0, cut + 1), rest.rfind(" ", 0, cut + 1))
            if brk > cut // 2:
                cut = brk
        pieces.append(escape(rest[:cut]).rstrip())
        rest = rest[cut:].strip()
    return pieces


def render(message: Message) -> tuple[str, list[dict[str, Any]]]:
    """The notification text and the blocks of one message, within Block Kit's limits."""
    head: list[Block] = []
    paragraphs: list[str] = []
    title = message.title.strip()
    if title:
        head.append(HeaderBlock(text=_plain(title, HEADER_TEXT)))
        if len(title) > HEADER_TEXT:
            # The header had to be cut; the whole title (often a quiz prompt) still shows.
            paragraphs.append(title)
    if message.bullets:
        paragraphs.append("\n".join(f"• {b}" for b in message.bullets))
    if message.lines:
        paragraphs.append("\n".join(message.lines))
    tail: list[Block] = []
    if message.link:
        tail += _link_blocks(message.link)
    tail += _button_blocks(message.buttons)
    if message.form:
        tail += _form_blocks(message.form)
    if message.footer.strip():
        tail.append(ContextBlock(elements=[MarkdownTextObject(text=_mrkdwn(message.footer))]))
    blocks = _within(head, _sections(paragraphs), tail, MAX_BLOCKS)
    return _fallback(message), [b.to_dict() for b in blocks]


def render_home(sections: list[tuple[str, list[str]]], link: Link | None) -> dict[str, Any]:
    """An App Home view (type "home"): a heading and lines per section, within 100 blocks."""
    body: list[Block] = []
    for heading, lines in sections:
        if body:
            body.append(DividerBlock())
        if heading.strip():
            body.append(HeaderBlock(text=_plain(heading, HEADER_TEXT)))
        body += _sections(["\n".join(lines)])
    if not body:
        # A view needs at least one block.
        body = _sections(["Nothing here yet."])
    tail = _link_blocks(link) if link else []
    return View(type="home", blocks=_within([], body, tail, MAX_HOME_BLOCKS)).to_dict()


def _fits(raw: str, limit: int) -> int:
    """How many characters of `raw` fit in `limit` once escaped (at least one)."""
    used = 0
    for i, char in enumerate(raw):
        used += _ESCAPED_LENGTH.get(char, 1)
        if used > limit:
            return max(i, 1)
    return len(raw)


def _plain(text: str, limit: int) -> PlainTextObject:
    # Slack refuses empty text in headers, buttons and options.
    return PlainTextObject(text=shorten(text.strip() or "-", limit), emoji=True)


def _mrkdwn(text: str, limit: int = CONTEXT_TEXT) -> str:
    """Escaped text of at most `limit` characters, ending with an ellipsis when cut."""
    pieces = split_mrkdwn(text, limit - 1)
    return pieces[0] + ELLIPSIS if len(pieces) > 1 else "".join(pieces)


def _sections(paragraphs: Iterable[str]) -> list[Block]:
    return [
        SectionBlock(text=MarkdownTextObject(text=piece))
        for paragraph in paragraphs
        for piece in split_mrkdwn(paragraph)
    ]


def _actions(elements: Sequence[Any]) -> list[Block]:
    return [
        ActionsBlock(elements=list(elements[i : i + ELEMENTS_PER_ACTIONS]))
        for i in range(0, len(elements), ELEMENTS_PER_ACTIONS)
    ]


def _button_blocks(buttons: Sequence[Button]) -> list[Block]:
    # action_id and value are sendbot's own identifiers: too long is a bug, and slack_sdk
    # raises SlackObjectFormationError rather than sending a button that cannot be read.
    return _actions(
        [
            ButtonElement(
                text=_plain(b.label, BUTTON_TEXT),
                action_id=f"{b.action_id}#{n}",
                value=b.value,
                style="primary" if b.primary else None,
            )
            for n, b in enumerate(buttons)
        ]
    )


def _link_blocks(link: Link) -> list[Block]:
    if len(link.url) > URL_LENGTH:
        # Too long for a button: show it as text rather than fail the send.
        return _sections([f"{link.label}: {link.url}"])
    button = ButtonElement(
        text=_plain(link.label, BUTTON_TEXT), url=link.url, action_id=f"{LINK_ACTION}#0"
    )
    return [ActionsBlock(elements=[button])]


def _form_blocks(form: ChoiceForm) -> list[Block]:
    """Tick-boxes (values are option indexes) and a submit button carrying the value prefix."""
    blocks: list[Block] = []
    if any(len(o) > OPTION_TEXT for o in form.options):
        # The tick-boxes show shortened options; the full text goes just above them.
        blocks += _sections(["\n".join(form.options)])
    options = [
        Option(value=str(i), text=_plain(text, OPTION_TEXT)) for i, text in enumerate(form.options)
    ]
    elements: list[Any] = [
        CheckboxesElement(
            action_id=f"{form.action_id}#{TICKS}{k}",
            options=options[i : i + OPTIONS_PER_CHECKBOXES],
        )
        for k, i in enumerate(range(0, len(options), OPTIONS_PER_CHECKBOXES))
    ]
    elements.append(
        ButtonElement(
            text=_plain(form.submit_label, BUTTON_TEXT),
            action_id=f"{form.action_id}#{SUBMIT}",
            value=form.value_prefix,
            style="primary",
        )
    )
    return blocks + _actions(elements)


def _within(head: list[Block], body: list[Block], tail: list[Block], limit: int) -> list[Block]:
    """At most `limit` blocks: the middle is cut, with a note, so the buttons stay."""
    room = limit - len(head) - len(tail)
    if len(body) > room:
        keep = max(room - 1, 0)
        left_out = len(body) - keep
        note = f"_{ELLIPSIS} and {left_out} more part{'s' if left_out > 1 else ''}"
        note += " that did not fit in one Slack message._"
        body = body[:keep] + [SectionBlock(text=MarkdownTextObject(text=note))]
    # Last resort for absurd numbers of buttons: never more than Slack takes.
    return (head + body + tail)[:limit]


def _fallback(message: Message) -> str:
    """The notification text: the title and the first line, escaped and short."""
    first = (message.lines or message.bullets or ("",))[0]
    text = " – ".join(p for p in (message.title.strip(), first.strip()) if p) or message.kind
    return _mrkdwn(" ".join(text.split()), FALLBACK_TEXT)
