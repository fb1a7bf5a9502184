"""The SENDCO writes, previews, schedules and changes briefings on the web.

Each problem is shown beside its field, found by the rules files and chat forms are checked by
(bot.services.briefing_editor); a small script asks /sendco/briefings/check for them as the
SENDCO types, and without it they come when the form is sent. The preview is drawn from the
very payloads Slack and Teams would be sent (bot.chat's renderers) and from the message the
local chat would store.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from markupsafe import Markup, escape
from starlette.datastructures import FormData

from bot.chat.slack import blocks as slack_blocks
from bot.chat.teams import cards as teams_cards
from bot.domain.audience import person_of
from bot.services.briefing_audience import (
    NamedPerson,
    UnknownPeople,
    audience_choices,
    audience_in_words,
    named_people,
)
from bot.services.briefing_editor import (
    ACTIONS,
    POINTS,
    PREVIEW,
    SEND_NOW,
    Checked,
    NotYours,
    Refused,
    Typed,
    briefing_of,
    check_typed,
    create_as,
    editable,
    preview_message,
    update_as,
)
from bot.services.chat_port import Message
from bot.services.progress import school_today
from bot.storage.staff import Staff
from bot.web.deps import RowId, SendbotDep, SendcoUser
from bot.web.limits import read_form
from bot.web.templating import templates

router = APIRouter(prefix="/briefings")  # under bot.web.sendco's /sendco
PAGE = "sendco_briefing_form.html"
NOT_FOUND = "There is no such briefing in your school."
PLATFORM_NAMES = {"slack": "Slack", "teams": "Microsoft Teams", "local": "the local chat"}


@router.get("/new", response_class=HTMLResponse)
def new(request: Request, sendbot: SendbotDep, user: SendcoUser) -> Response:
    """An empty form, for everyone, going out today."""
    today = sendbot.db.read(lambda s: school_today(s, user.school_id, sendbot.clock.now()))
    return _page(request, sendbot, user, Checked(typed=Typed(send_on=today.isoformat())), None)


@router.post("/new", response_class=HTMLResponse)
async def create(request: Request, sendbot: SendbotDep, user: SendcoUser) -> Response:
    """Check what was typed; show the problems or the preview, or store and plan it."""
    typed, action = _typed(await read_form(request))
    checked = _check(sendbot, user, typed, action)
    if checked.draft is None or action == PREVIEW:
        return _page(request, sendbot, user, checked, None, preview=action == PREVIEW)
    draft, now = checked.draft, sendbot.clock.now()
    try:
        request.session["notice"] = sendbot.db.work(
            lambda s: create_as(s, user, draft, action, now, sendbot.platform)
        )
    except UnknownPeople as exc:
        checked.add("audience", str(exc))
        return _page(request, sendbot, user, checked, None)
    return RedirectResponse("/sendco/briefings", status_code=303)


@router.get("/{briefing_id}/edit", response_class=HTMLResponse)
def edit(request: Request, sendbot: SendbotDep, user: SendcoUser, briefing_id: RowId) -> Response:
    """The briefing in the form, if it has not gone out yet."""
    try:
        briefing = sendbot.db.read(lambda s: editable(s, user, briefing_id))
    except NotYours:
        raise HTTPException(404, NOT_FOUND) from None
    except Refused as exc:
        request.session["notice"] = str(exc)
        return RedirectResponse("/sendco/briefings", status_code=303)
    return _page(request, sendbot, user, Checked(typed=Typed.of(briefing)), briefing_id)


@router.post("/{briefing_id}/edit", response_class=HTMLResponse)
async def update(
    request: Request, sendbot: SendbotDep, user: SendcoUser, briefing_id: RowId
) -> Response:
    """Check and save a change, planning the briefing again; refused if it has gone out or
    was changed meanwhile, with what was typed kept."""
    try:
        sendbot.db.read(lambda s: briefing_of(s, user, briefing_id))
    except NotYours:
        raise HTTPException(404, NOT_FOUND) from None
    typed, action = _typed(await read_form(request))
    checked = _check(sendbot, user, typed, action)
    if checked.draft is None or action == PREVIEW:
        return _page(request, sendbot, user, checked, briefing_id, preview=action == PREVIEW)
    draft, now = checked.draft, sendbot.clock.now()
    try:
        request.session["notice"] = sendbot.db.work(
            lambda s: update_as(
                s, user, briefing_id, typed.version, draft, action, now, sendbot.platform
            )
        )
    except NotYours:
        raise HTTPException(404, NOT_FOUND) from None
    except Refused as exc:
        return _refused(request, sendbot, user, checked, briefing_id, str(exc))
    except UnknownPeople as exc:
        checked.add("audience", str(exc))
        return _page(request, sendbot, user, checked, briefing_id)
    return RedirectResponse("/sendco/briefings", status_code=303)


@router.post("/check")
async def check(request: Request, sendbot: SendbotDep, user: SendcoUser) -> Response:
    """The form's problems by field, for the page's script: the server's own messages."""
    typed, action = _typed(await read_form(request))
    checked = _check(sendbot, user, typed, action)
    return JSONResponse({"errors": checked.errors, "warnings": checked.warnings})


def _typed(form: FormData) -> tuple[Typed, str]:
    """What the form holds, as typed, and which button was pressed."""

    def text(name: str) -> str:
        value = form.get(name)
        return value if isinstance(value, str) else ""

    version = text("version")
    action = text("action")
    typed = Typed(
        title=text("title"),
        audience=tuple(v for v in form.getlist("audience") if isinstance(v, str)),
        points=tuple(text(f"point-{n}") for n in range(1, POINTS + 1)),
        send_on=text("send_on"),
        version=int(version) if version.isdigit() and len(version) < 10 else None,
    )
    return typed, action if action in ACTIONS else PREVIEW


def _check(sendbot: SendbotDep, user: Staff, typed: Typed, action: str) -> Checked:
    today = sendbot.db.read(lambda s: school_today(s, user.school_id, sendbot.clock.now()))
    return check_typed(typed, today, send_now=action == SEND_NOW)


def _refused(
    request: Request,
    sendbot: SendbotDep,
    user: Staff,
    checked: Checked,
    briefing_id: int,
    why: str,
) -> Response:
    """The form again with what was typed and why it was not saved. A briefing that went out
    (or was withdrawn) meanwhile can no longer be changed, so the form offers to save what was
    typed as a new briefing; one changed meanwhile may be saved over once the SENDCO has seen
    that (the form now carries its new version)."""
    try:
        current = sendbot.db.read(lambda s: editable(s, user, briefing_id))
    except Refused:
        return _page(request, sendbot, user, checked, None, refused=why, status=409)
    typed = checked.typed
    kept = Typed(typed.title, typed.audience, typed.points, typed.send_on, current.version)
    again = Checked(
        typed=kept, errors=checked.errors, warnings=checked.warnings, draft=checked.draft
    )
    return _page(request, sendbot, user, again, briefing_id, refused=why, status=409)


@dataclass(frozen=True)
class Preview:
    """One platform's rendering of the briefing, and the payload it was drawn from."""

    platform: str
    name: str
    ours: bool  # the platform this school's staff are reached on
    payload: Any


def _previews(message: Message, platform: str) -> list[Preview]:
    """The message as each platform renders it, the school's own platform first."""
    _text, slack = slack_blocks.render(message)
    found = [
        Preview("slack", "Slack", platform == "slack", slack),
        Preview("teams", "Microsoft Teams", platform == "teams", teams_cards.render(message)),
        Preview("local", "Local chat", platform == "local", message),
    ]
    return sorted(found, key=lambda p: not p.ours)


def _page(
    request: Request,
    sendbot: SendbotDep,
    user: Staff,
    checked: Checked,
    briefing_id: int | None,
    preview: bool = False,
    refused: str = "",
    status: int | None = None,
) -> Response:
    typed = checked.typed
    choices, people = sendbot.db.read(
        lambda s: (
            audience_choices(s, user.school_id, typed.audience),
            named_people(s, user.school_id),
        )
    )
    people += _not_on_the_staff(typed.audience, people)
    names = {p.selector: p.name for p in people}
    previews, who = [], []
    if preview and checked.draft is not None:
        previews = _previews(preview_message(checked.draft), sendbot.platform)
        who = [audience_label(selector, names) for selector in checked.draft.audience]
    if status is None:
        status = 422 if checked.errors else 200
    return templates.TemplateResponse(
        request,
        PAGE,
        {
            "user": user,
            "typed": checked.typed,
            "errors": checked.errors,
            "warnings": checked.warnings,
            "choices": choices,
            "people": people,
            "who": who,
            "points": POINTS,
            "briefing_id": briefing_id,
            "previews": previews,
            "platform_name": PLATFORM_NAMES.get(sendbot.platform, sendbot.platform),
            "refused": refused,
            "audience_label": audience_label,
        },
        status_code=status,
    )


def _not_on_the_staff(chosen: tuple[str, ...], people: list[NamedPerson]) -> list[NamedPerson]:
    """People the briefing names who are not on the staff now (they left since it was
    written), kept on the form, ticked, so the SENDCO sees them and can take them out."""
    listed = {p.selector for p in people}
    return [
        NamedPerson(selector, email, "not on the staff now")
        for selector in dict.fromkeys(chosen)
        if (email := person_of(selector)) is not None and selector not in listed
    ]


def audience_label(selector: str, names: Mapping[str, str] | None = None) -> str:
    """A selector as the form shows it: "all" is everyone, a named person by their name (from
    `names`, keyed by selector), the rest as written."""
    if selector == "all":
        return "Everyone"
    if person_of(selector) is not None:
        return audience_in_words([selector], names or {})[0]
    return selector[:1].upper() + selector[1:]


# Slack's mrkdwn as Slack shows it: text is escaped (&amp; &lt; &gt;) and *bold*, _italic_,
# ~struck~ and `code` are formatting; sendbot escapes only the first three, as Slack does.
_SLACK_STYLES = (
    (re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])"), "strong"),
    (re.compile(r"(?<![\w_])_(?!\s)([^_\n]+?)(?<!\s)_(?![\w_])"), "em"),
    (re.compile(r"(?<![\w~])~(?!\s)([^~\n]+?)(?<!\s)~(?![\w~])"), "s"),
    (re.compile(r"`([^`\n]+)`"), "code"),
)


def slack_mrkdwn(text: str) -> Markup:
    """A Block Kit mrkdwn text as HTML, formatted as Slack formats it."""
    plain = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    html = str(escape(plain))
    for pattern, tag in _SLACK_STYLES:
        html = pattern.sub(rf"<{tag}>\1</{tag}>", html)
    return Markup(html.replace("\n", "<br>"))


_TEAMS_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def teams_text(text: str) -> Markup:
    """A TextBlock's markdown as HTML: "- " lines as a list, blank lines as paragraphs, and
    backslash-escaped characters as typed (sendbot escapes every one that would format)."""
    parts: list[str] = []
    items: list[str] = []
    for line in text.split("\n"):
        if line.startswith("- "):
            items.append(f"<li>{_unescaped(line[2:])}</li>")
            continue
        if items:
            parts.append("<ul>" + "".join(items) + "</ul>")
            items = []
        if line.strip():
            parts.append(f"<p>{_unescaped(line)}</p>")
    if items:
        parts.append("<ul>" + "".join(items) + "</ul>")
    return Markup("".join(parts))


def _unescaped(text: str) -> Markup:
    return escape(_TEAMS_ESCAPE.sub(r"\1", text))


templates.env.filters["slack_mrkdwn"] = slack_mrkdwn
templates.env.filters["teams_text"] = teams_text
