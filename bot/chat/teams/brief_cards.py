"""The SENDCO's briefing cards in Teams: the form, the preview with Send and Edit, and the
card that says what was posted; and the presses on them read back.

Every press is an Action.Execute whose verb starts with VERB_PREFIX, so the inbound path can
tell them from quiz answers and Got it before reading anything else. The form's inputs come back
merged into the press's data; the preview's Send and Edit carry the written briefing in theirs,
which is checked again when it comes back, since anyone can post an invoke.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.chat.teams.cards import (
    CHOICE_TEXT,
    EXECUTE,
    MAX_CARD_BYTES,
    SCHEMA,
    SUBMIT,
    VERSION,
    escape,
    render,
    shorten,
)
from bot.domain.briefing import BULLETS_ADVISED, TITLE_MAX
from bot.services.chat_briefings import FormChoices, Posted, WrittenBriefing, preview_message
from bot.services.chat_port import Link, Message

VERB_PREFIX = "brief."
# The key carrying the verb in an Action.Submit fallback's data (Submit has no verb of its own).
FALLBACK_VERB = "sendbotBriefVerb"
PREVIEW = VERB_PREFIX + "preview"
SEND = VERB_PREFIX + "send"
EDIT = VERB_PREFIX + "edit"
DRAFT = "briefing"  # the key of the written briefing in Send's and Edit's data
WHEN = {"next": "At each person's next sending moment", "now": "Now"}
OPTIONS_MAX = 100
# What typed text is kept when the form comes back: far more than a briefing may have, so the
# errors say what is too long, yet a card can never be blown up by pasted pages.
TITLE_KEPT = 500
BULLETS_KEPT = 3_000
TOO_LONG = "This is too long to show in one Teams card; please shorten the bullets."
BULLETS_HINT = (
    f"One point a line, at most {BULLETS_ADVISED}. Plain words; spell out abbreviations once."
)


@dataclass(frozen=True)
class Typed:
    """What is in the form: the title, the bullets as typed, the chosen audience, when."""

    title: str = ""
    bullets: str = ""
    audience: tuple[str, ...] = ()
    when: str = "next"


def audience_key(selector: str) -> str:
    """A choice's value: Teams joins a multi-select's values with commas, and a department's
    name may have one, so the value is a short digest of the selector rather than its text."""
    return hashlib.sha256(selector.encode()).hexdigest()[:16]


def form_card(
    choices: FormChoices, typed: Typed | None = None, errors: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The form, empty or with what was typed, and each error in red under its field."""
    if typed is None:
        typed = Typed(audience=choices.audiences[:1])
    errors = errors or {}
    offered = choices.audiences[:OPTIONS_MAX]
    chosen = [audience_key(a) for a in typed.audience if a in offered]
    title = {
        "type": "Input.Text",
        "id": "title",
        "label": "Title",
        "maxLength": TITLE_MAX,
        "value": typed.title[:TITLE_KEPT],
    }
    bullets = {
        "type": "Input.Text",
        "id": "bullets",
        "label": "Bullets",
        "isMultiline": True,
        "placeholder": BULLETS_HINT,
        "value": typed.bullets[:BULLETS_KEPT],
    }
    audience = {
        "type": "Input.ChoiceSet",
        "id": "audience",
        "label": "Who is it for?",
        "isMultiSelect": True,
        "style": "compact",
        "wrap": True,
        "choices": [{"title": shorten(a, CHOICE_TEXT), "value": audience_key(a)} for a in offered],
        "value": ",".join(chosen),
    }
    when = {
        "type": "Input.ChoiceSet",
        "id": "when",
        "label": "When",
        "style": "expanded",
        "choices": [{"title": label, "value": key} for key, label in WHEN.items()],
        "value": typed.when if typed.when in WHEN else "next",
    }
    body: list[dict[str, Any]] = [_block("New briefing", size="large", weight="bolder")]
    for field, element in (("title", title), ("bullets", bullets), ("audience", audience)):
        body += [element, *_error(errors.get(field))]
    body += [when, *_error(errors.get("when"))]
    body.append(_actions(_execute("Preview", PREVIEW, {"action_id": PREVIEW}, primary=True)))
    return _card(body, "New briefing")


def preview_card(written: WrittenBriefing) -> dict[str, Any] | None:
    """The briefing as staff will see it, then who and when, with Send and Edit; None if it
    would not fit in one Teams card with the briefing carried in both buttons."""
    card = render(preview_message(written))
    intro = "This is how staff will see it (with a Got it button under it):"
    card["body"].insert(0, _block(escape(intro), isSubtle=True))
    facts = f"For: {', '.join(written.audience)} · Sends: {WHEN[_when(written)].lower()}"
    card["body"].append(_block(escape(facts), weight="bolder"))
    if written.warnings:
        notes = "\n".join(f"- {escape(w)}" for w in written.warnings)
        card["body"].append(_block("Worth a look:\n" + notes, color="warning"))
    draft = draft_data(written)
    card["body"].append(
        _actions(
            _execute("Send", SEND, {"action_id": SEND, DRAFT: draft}, primary=True),
            _execute("Edit", EDIT, {"action_id": EDIT, DRAFT: draft}),
        )
    )
    if _size(card) > MAX_CARD_BYTES:
        # The fallbacks carry the draft a second time; the longest briefings fit only without
        # them, so for those an older client's press is the one thing given up.
        for action in card["body"][-1]["actions"]:
            action.pop("fallback", None)
    return card if _size(card) <= MAX_CARD_BYTES else None


def posted_card(posted: Posted, written: WrittenBriefing, base_url: str) -> dict[str, Any]:
    """What came of pressing Send: planned for how many and when, or posted already."""
    who = ", ".join(written.audience)
    if posted.repeated:
        line = "This briefing was posted when Send was first pressed, so it was not sent again."
    elif posted.planned == 0:
        line = f"It is stored, but nobody is in its audience ({who}), so nobody will get it."
    else:
        people = f"{posted.planned} {'person' if posted.planned == 1 else 'people'}"
        when = "sending now" if posted.send_now else "each at their next sending moment"
        line = f"Planned for {people} ({who}), {when}."
    link = Link(f"{base_url}/sendco/briefings", "See who has read it") if base_url else None
    return render(
        Message(
            kind="briefing_posted",
            title=posted.title,
            lines=(line,),
            link=link,
            footer="Briefing posted from Teams.",
        )
    )


def draft_data(written: WrittenBriefing) -> dict[str, Any]:
    """The written briefing as the data Send and Edit carry."""
    return {
        "title": written.title,
        "bullets": list(written.bullets),
        "audience": list(written.audience),
        "when": _when(written),
    }


def read_typed(data: Mapping[str, Any], choices: FormChoices) -> Typed | None:
    """The form's inputs from a Preview press; None if they are not what the form sends.
    An input left empty may be missing; a choice the form did not offer is left out."""
    fields = {key: data.get(key, "") for key in ("title", "bullets", "audience", "when")}
    if not all(isinstance(value, str) for value in fields.values()):
        return None
    by_key = {audience_key(a): a for a in choices.audiences}
    picked = [by_key[k] for k in fields["audience"].split(",") if k in by_key]
    return Typed(fields["title"], fields["bullets"], tuple(picked), fields["when"])


def read_draft(data: Mapping[str, Any]) -> Typed | None:
    """The written briefing carried by Send or Edit; None if it is not what the card sends."""
    draft = data.get(DRAFT)
    if not isinstance(draft, Mapping):
        return None
    title, bullets = draft.get("title"), draft.get("bullets")
    audience, when = draft.get("audience"), draft.get("when")
    texts = (bullets, audience)
    if not (isinstance(title, str) and isinstance(when, str)):
        return None
    if not all(isinstance(t, list) and all(isinstance(x, str) for x in t) for t in texts):
        return None
    return Typed(title, "\n".join(bullets), tuple(audience), when)  # type: ignore[arg-type]


def _when(written: WrittenBriefing) -> str:
    return "now" if written.send_now else "next"


def _block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _error(text: str | None) -> list[dict[str, Any]]:
    if not text:
        return []
    return [_block(escape(text), color="attention", spacing="small")]


def _execute(title: str, verb: str, data: dict[str, Any], primary: bool = False) -> dict[str, Any]:
    # Microsoft asks for an Action.Submit fallback for clients without Action.Execute: its
    # press comes as a message whose value is the data, so the verb travels in the data, and
    # the answer comes as a new card instead of replacing this one.
    action: dict[str, Any] = {
        "type": EXECUTE,
        "title": title,
        "verb": verb,
        "data": data,
        "fallback": {"type": SUBMIT, "title": title, "data": {**data, FALLBACK_VERB: verb}},
    }
    if primary:
        action["style"] = "positive"
    return action


def _actions(*actions: dict[str, Any]) -> dict[str, Any]:
    return {"type": "ActionSet", "actions": list(actions)}


def _card(body: list[dict[str, Any]], fallback: str) -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "fallbackText": fallback,
        "body": body,
    }


def _size(card: dict[str, Any]) -> int:
    # In UTF-8, as the invoke's answer is sent: the ASCII-only count cards.py keeps to would
    # turn away a briefing written wholly in, say, Arabic, which fits Teams with room to spare.
    return len(json.dumps(card, ensure_ascii=False).encode())
