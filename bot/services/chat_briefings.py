"""A briefing written in chat by the SENDCO: checked field by field, then stored and planned."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlmodel import Session, select

from bot.domain.audience import AudienceError, check_audience
from bot.domain.briefing import BULLETS_ADVISED, BriefingDraft, Problem, check_briefing
from bot.services import audit
from bot.services.briefing_audience import audience_choices
from bot.services.briefings import (
    content_hash,
    free_slug,
    plan_briefing,
    save_briefings,
)
from bot.services.chat_port import Message
from bot.services.errors import UserError
from bot.services.messages import briefing_message
from bot.services.progress import school_today
from bot.services.summaries import is_sendco, person_for_chat
from bot.storage.briefing import Briefing
from bot.storage.staff import Staff

NOT_KNOWN = "sendbot does not know your account yet. Please ask your SENDCO to add you."
NOT_ALLOWED = (
    "Only the SENDCO (or an admin) can post a briefing. If something should go to staff, "
    "please ask your SENDCO."
)
_BULLET_MARK = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")


@dataclass(frozen=True)
class WrittenBriefing:
    """A briefing as typed in a chat form, checked: title, bullets, tidy audience, when."""

    title: str
    bullets: tuple[str, ...]
    audience: tuple[str, ...]
    send_now: bool
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class FormChoices:
    """What the briefing form offers this SENDCO: the audience selectors of their school."""

    audiences: tuple[str, ...]


@dataclass(frozen=True)
class Posted:
    """A briefing stored and planned: its title, slug and how many deliveries were planned."""

    title: str
    slug: str
    planned: int
    send_now: bool
    # The same briefing was posted already today (a second press of Send): nothing new stored.
    repeated: bool = False


def bullets_from_text(text: str) -> tuple[str, ...]:
    """One bullet a line; bullet marks people type ("- ", "• ", "1.") and empty lines dropped."""
    return tuple(
        line for line in (_BULLET_MARK.sub("", raw).strip() for raw in text.splitlines()) if line
    )


def check_written(
    title: str, bullets_text: str, audience: list[str], when: str
) -> WrittenBriefing | dict[str, str]:
    """The checked briefing, or what is wrong, keyed by field: title, bullets, audience, when."""
    errors: dict[str, list[str]] = {}
    bullets = bullets_from_text(bullets_text)
    if len(bullets) > BULLETS_ADVISED:
        errors.setdefault("bullets", []).append(
            f"Write at most {BULLETS_ADVISED} bullets, one a line; this has {len(bullets)}."
        )
    tidy: list[str] = []
    try:
        tidy = check_audience(audience)
    except AudienceError as exc:
        errors["audience"] = ["Choose who it is for: " + str(exc)]
    if when not in ("now", "next"):
        errors["when"] = ["Choose when to send it: now, or at the next sending moment."]
    # The checks do not look at the day; it is fixed when the briefing is stored.
    draft = BriefingDraft("draft", title.strip(), bullets, tuple(tidy), date.min)
    warnings = []
    for problem in check_briefing(draft):
        if problem.is_error:
            key = "title" if problem.field == "title" else "bullets"
            errors.setdefault(key, []).append(_sentence(problem))
        else:
            warnings.append(_sentence(problem))
    if errors:
        return {key: " ".join(messages) for key, messages in errors.items()}
    return WrittenBriefing(draft.title, bullets, tuple(tidy), when == "now", tuple(warnings))


def _sentence(problem: Problem) -> str:
    """The domain's field and message as one sentence: "Bullet 3 has 300 characters; ..."."""
    text = problem.message
    if problem.field.startswith("bullet "):
        text = f"{problem.field} {text}"
    elif problem.field == "body" and text.startswith("has "):
        text = "the bullets together have " + text.removeprefix("has ")
    elif problem.field == "body" and text.startswith("uses "):
        text = "the bullets " + text
    return text[:1].upper() + text[1:] + "."


def form_choices(session: Session, platform: str, user_id: str) -> FormChoices:
    """What the form offers; UserError (for the person) if they may not post a briefing."""
    person = _sendco(session, platform, user_id)
    return FormChoices(tuple(audience_choices(session, person.school_id)))


def post_briefing(
    session: Session, platform: str, user_id: str, written: WrittenBriefing, now: datetime
) -> Posted:
    """Store the briefing (source: the platform) and plan it for its audience, once."""
    person = _sendco(session, platform, user_id)
    today = school_today(session, person.school_id, now)
    unnamed = BriefingDraft("", written.title, written.bullets, written.audience, today)
    slug = free_slug(session, person.school_id, written.title, today, same_as=content_hash(unnamed))
    draft = replace(unnamed, slug=slug)
    saved = save_briefings(session, person.school_id, [draft], now, source=platform)
    briefing = session.exec(
        select(Briefing).where(Briefing.school_id == person.school_id, Briefing.slug == draft.slug)
    ).one()
    repeated = saved.unchanged > 0 and briefing.status != "scheduled"
    if repeated:
        # Planned already: planning again would plan nobody but would move planned_at and
        # audit a second posting that never happened.
        return Posted(written.title, draft.slug, 0, written.send_now, repeated=True)
    planned = plan_briefing(session, briefing, now, platform, send_now=written.send_now)
    audit.record(session, person, "briefing_posted", now, subject=("briefing", briefing.id))
    return Posted(written.title, draft.slug, planned, written.send_now)


def preview_message(written: WrittenBriefing) -> Message:
    """The briefing as staff will see it, without its live Got it button."""
    briefing = Briefing(title=written.title, bullets=list(written.bullets))
    return replace(briefing_message(briefing), buttons=())


def _sendco(session: Session, platform: str, user_id: str) -> Staff:
    person = person_for_chat(session, platform, user_id)
    if person is None:
        raise UserError(NOT_KNOWN)
    if not is_sendco(person):
        raise UserError(NOT_ALLOWED)
    return person
