"""The SENDCO's briefing modal: write, see the errors beside their fields, preview, then send.

The form's submit ("Preview") is checked without the database, so the answer (the errors, or
the preview pushed on top of the form) is within Slack's three seconds. The preview's "Back"
is Slack's own close button of a pushed view: it returns to the form with what was typed.
"Send" closes the modal at once; the briefing is then stored and planned, and the SENDCO gets a
direct message saying what happened.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.chat.slack.adapter import PLATFORM
from bot.chat.slack.blocks import escape, render, shorten
from bot.chat.slack.home import Wiring
from bot.domain.briefing import TITLE_MAX
from bot.services.chat_briefings import (
    FormChoices,
    Posted,
    WrittenBriefing,
    check_written,
    post_briefing,
)
from bot.services.chat_port import Message
from bot.services.errors import UserError, apology

log = logging.getLogger(__name__)
FORM = "sendbot.brief"
PREVIEW = "sendbot.brief.preview"
VALUE = "value"  # the action_id of every input; the block_id names the field
METADATA_MAX = 3000
# Slack refuses a section whose text passes 3,000 characters, and with it the whole view.
SECTION_MAX = 3000
OPTIONS_MAX = 100  # a static select holds at most 100 options
WHEN = {"next": "At each person's next sending moment", "now": "Now"}


def form_view(choices: FormChoices) -> dict[str, Any]:
    """The empty form: title, bullets (one a line), audience and when to send."""
    audiences = [Option(value=a, text=shorten(a, 75)) for a in choices.audiences[:OPTIONS_MAX]]
    when = [Option(value=key, text=label) for key, label in WHEN.items()]
    return View(
        type="modal",
        callback_id=FORM,
        title="New briefing",
        submit="Preview",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id="title",
                label="Title",
                element=PlainTextInputElement(action_id=VALUE, max_length=TITLE_MAX),
            ),
            InputBlock(
                block_id="bullets",
                label="Bullets",
                hint="One point a line, at most five. Plain words; spell out abbreviations once.",
                element=PlainTextInputElement(action_id=VALUE, multiline=True),
            ),
            InputBlock(
                block_id="audience",
                label="Who is it for?",
                element=StaticMultiSelectElement(
                    action_id=VALUE, options=audiences, initial_options=audiences[:1]
                ),
            ),
            InputBlock(
                block_id="when",
                label="When",
                element=RadioButtonsElement(action_id=VALUE, options=when, initial_option=when[0]),
            ),
        ],
    ).to_dict()


def preview_view(written: WrittenBriefing) -> dict[str, Any]:
    """The briefing as staff will see it, with Send and Back; the draft rides in the metadata."""
    _, blocks = render(Message(kind="briefing", title=written.title, bullets=written.bullets))
    facts = f"For: {', '.join(written.audience)} · Sends: {WHEN[_when(written)].lower()}"
    extra: list[Any] = [ContextBlock(elements=[MarkdownTextObject(text=escape(facts))])]
    if written.warnings:
        extra.append(SectionBlock(text=MarkdownTextObject(text=worth_a_look(written.warnings))))
    return View(
        type="modal",
        callback_id=PREVIEW,
        title="Check and send",
        submit="Send",
        close="Back",
        private_metadata=metadata(written),
        blocks=[
            ContextBlock(elements=[PlainTextObject(text="This is how staff will see it:")]),
            *blocks,
            *extra,
        ],
    ).to_dict()


def worth_a_look(warnings: Sequence[str], limit: int = SECTION_MAX) -> str:
    """The warnings as one section's text within Slack's limit: as many as fit whole, then how
    many more there are (a briefing with twenty abbreviations has twenty warnings)."""
    shown = list(warnings)
    while True:
        hidden = len(warnings) - len(shown)
        lines = ["Worth a look:", *(f"• {warning}" for warning in shown)]
        if hidden:
            lines.append(f"…and {hidden} more: check the wording before you send.")
        text = escape("\n".join(lines))
        if len(text) <= limit or not shown:
            return text[:limit]
        shown.pop()


def metadata(written: WrittenBriefing) -> str:
    """The draft as compact JSON, for the preview to hand back on Send."""
    fields = [written.title, list(written.bullets), list(written.audience), _when(written)]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def read_form(view: Mapping[str, Any]) -> tuple[str, str, list[str], str]:
    """Title, bullets text, audience selectors and when, from a submitted form's state."""
    values = _dig(view, "state", "values") or {}
    title = _dig(values, "title", VALUE, "value") or ""
    bullets = _dig(values, "bullets", VALUE, "value") or ""
    chosen = _dig(values, "audience", VALUE, "selected_options") or []
    audience = [str(o.get("value", "")) for o in chosen if isinstance(o, Mapping)]
    when = _dig(values, "when", VALUE, "selected_option", "value") or ""
    return str(title), str(bullets), audience, str(when)


async def on_form_submitted(ack: Any, body: Mapping[str, Any]) -> None:
    """Errors beside their fields, or the preview pushed on top of the form."""
    checked = check_written(*read_form(body.get("view") or {}))
    if isinstance(checked, dict):
        await ack(response_action="errors", errors=checked)
        return
    if len(metadata(checked)) > METADATA_MAX:
        # Slack carries at most 3,000 characters from the preview back to us.
        await ack(
            response_action="errors",
            errors={"bullets": "This is too long to send from Slack; please shorten the bullets."},
        )
        return
    await ack(response_action="push", view=preview_view(checked))


async def on_preview_sent(ack: Any, body: Mapping[str, Any], wiring: Wiring) -> None:
    """Close the modal at once, then store and plan the briefing and say how it went."""
    await ack(response_action="clear")
    user = str(_dig(body, "user", "id") or "")
    if not user:
        return
    text = await _post(wiring, user, str(_dig(body, "view", "private_metadata") or ""))
    try:
        await wiring.chat.client.chat_postMessage(channel=user, text=text, unfurl_links=False)
    except Exception:  # noqa: BLE001 - the briefing is stored; the SENDCO sees it on Home
        log.warning("could not tell %s how their briefing went", user, exc_info=True)


async def _post(wiring: Wiring, user: str, raw: str) -> str:
    """What came of sending: planned, refused (with why), or an apology."""
    try:
        title, bullets, audience, when = json.loads(raw)
        # Checked again: what comes back from Slack is not taken on trust.
        checked = check_written(str(title), "\n".join(map(str, bullets)), list(audience), when)
    except (ValueError, TypeError):
        checked = {}
    if not isinstance(checked, WrittenBriefing):
        log.warning("a briefing preview came back unreadable from %s", user)
        return "Sorry, that briefing could not be read back, so nothing was sent. Please try again."
    now = wiring.clock.now()
    try:
        posted = await wiring.db.run(
            lambda session: post_briefing(session, PLATFORM, user, checked, now)
        )
    except UserError as exc:
        return str(exc)
    except Exception:  # noqa: BLE001 - the SENDCO gets an apology, the log the detail
        return apology("posting a briefing from Slack")
    return posted_text(posted, checked)


def posted_text(posted: Posted, written: WrittenBriefing) -> str:
    """The SENDCO's confirmation, in words."""
    who = ", ".join(written.audience)
    if posted.repeated:
        return f"“{posted.title}” was posted when Send was first pressed, so it was not sent again."
    if posted.planned == 0:
        return (
            f"“{posted.title}” is stored, but nobody new is in its audience ({who}), so it "
            "will not be sent to anyone."
        )
    when = "now" if posted.send_now else "at each person's next sending moment"
    people = f"{posted.planned} {'person' if posted.planned == 1 else 'people'}"
    return (
        f"“{posted.title}” is on its way to {people} ({who}), {when}. "
        "Your Home tab shows who has read it."
    )


def _when(written: WrittenBriefing) -> str:
    return "now" if written.send_now else "next"


def _dig(data: Any, *keys: str) -> Any:
    """data[k1][k2]... or None when a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data
