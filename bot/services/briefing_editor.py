"""Briefings written and edited by the SENDCO on the web pages: checked field by field with the
same rules as the files and the chat forms, then stored and planned, or refused with why.

A briefing may be changed until the first copy has gone to anyone; then it can only be
withdrawn. The form carries the version it was opened at, so a change made meanwhile (in another
tab, or by `sendbot content load --replace-web-edits`) is not silently written over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from bot.domain.audience import AudienceError, check_audience
from bot.domain.briefing import (
    BULLETS_ADVISED,
    BriefingDraft,
    DayError,
    Problem,
    bullet_of,
    check_briefing,
    parse_day,
)
from bot.services import audit
from bot.services.briefing_audience import refuse_unknown_people
from bot.services.briefings import (
    KIND,
    WEB,
    content_hash,
    free_slug,
    plan_briefing,
)
from bot.services.chat_port import Message
from bot.services.errors import UserError
from bot.services.form_checks import FieldMessages, capital
from bot.services.messages import briefing_message
from bot.services.progress import school_today
from bot.storage.briefing import Briefing
from bot.storage.outbox import Delivery
from bot.storage.staff import Staff

POINTS = BULLETS_ADVISED  # the form has a box for each point a briefing may have
SCHEDULE = "schedule"
SEND_NOW = "send_now"
PREVIEW = "preview"
ACTIONS = (PREVIEW, SCHEDULE, SEND_NOW)
# A delivery in one of these has gone (or is going) to its person: the briefing is out.
GONE = ("sending", "sent")


class NotYours(Exception):
    """No briefing with that id in the SENDCO's school (the page answers "not found")."""


class Refused(UserError):
    """The briefing cannot be changed now; the text says why and what to do instead."""


@dataclass(frozen=True)
class Typed:
    """What is in the form, as typed: kept as it is when the form comes back."""

    title: str = ""
    audience: tuple[str, ...] = ("all",)
    points: tuple[str, ...] = ("",) * POINTS
    send_on: str = ""
    version: int | None = None

    @classmethod
    def of(cls, briefing: Briefing) -> Typed:
        points = tuple(briefing.bullets[:POINTS]) + ("",) * (POINTS - len(briefing.bullets))
        return cls(
            briefing.title,
            tuple(briefing.audience),
            points,
            briefing.send_on.isoformat(),
            briefing.version,
        )


@dataclass(kw_only=True)
class Checked(FieldMessages):
    """The form checked: what is wrong and worth a look, by field, and the draft if it may go.

    Fields: title, audience, points (the points as a whole), point-1 to point-5, send_on."""

    typed: Typed
    draft: BriefingDraft | None = None


def check_typed(typed: Typed, today: date, send_now: bool = False) -> Checked:
    """Every problem beside its field, by the rules files and chat forms are checked by."""
    checked = Checked(typed=typed)
    points = [(n, " ".join(text.split())) for n, text in enumerate(typed.points[:POINTS], 1)]
    points = [(n, text) for n, text in points if text]
    tidy: list[str] = []
    try:
        tidy = check_audience(list(typed.audience))
    except AudienceError as exc:
        checked.add("audience", "Choose who it is for: " + str(exc) + ".")
    day = today
    if not send_now:
        try:
            day = parse_day(typed.send_on)
        except DayError as exc:
            if not typed.send_on.strip():
                checked.add("send_on", "Choose the day it goes out, or press Send now.")
            else:
                checked.add("send_on", capital(str(exc)) + ".")
        else:
            if day < today:
                checked.add(
                    "send_on",
                    f"{day:%-d %B %Y} has passed, so it goes out at each person's next "
                    "sending moment from now.",
                    is_error=False,
                )
    bullets = tuple(text for _, text in points)
    draft = BriefingDraft(WEB, " ".join(typed.title.split()), bullets, tuple(tidy), day)
    for problem in check_briefing(draft):
        index = bullet_of(problem, bullets)
        if problem.field == "title":
            checked.add("title", capital(problem.message) + ".", problem.is_error)
        elif index is not None:
            checked.add(f"point-{points[index][0]}", _about_a_point(problem), problem.is_error)
        elif not bullets:
            checked.add("points", "Write at least one point.")
        else:
            checked.add("points", _about_the_points(problem), problem.is_error)
    if not checked.errors:
        checked.draft = draft
    return checked


def _about_a_point(problem: Problem) -> str:
    return f"This point {problem.message}."


def _about_the_points(problem: Problem) -> str:
    if problem.message.startswith("has "):
        return "The points together have " + problem.message.removeprefix("has ") + "."
    if problem.message.startswith("uses "):
        return "The points " + problem.message + "."
    return capital(problem.message) + "."


def preview_message(draft: BriefingDraft) -> Message:
    """The message staff will get, built by the same function that builds what is sent."""
    return briefing_message(
        Briefing(title=draft.title, bullets=list(draft.bullets), audience=list(draft.audience))
    )


def briefing_of(session: Session, actor: Staff, briefing_id: int) -> Briefing:
    """One of the SENDCO's school's briefings; NotYours for any other id."""
    briefing = session.get(Briefing, briefing_id)
    if briefing is None or briefing.school_id != actor.school_id:
        raise NotYours(briefing_id)
    return briefing


def has_gone_out(session: Session, briefing_id: int) -> bool:
    """True once a copy has gone (or is going) to anyone."""
    return (
        session.exec(
            select(Delivery.id).where(
                Delivery.kind == KIND,
                Delivery.subject_id == briefing_id,
                col(Delivery.status).in_(GONE),
            )
        ).first()
        is not None
    )


def editable(session: Session, actor: Staff, briefing_id: int) -> Briefing:
    """The briefing, if it may still be changed; Refused saying why if not."""
    briefing = briefing_of(session, actor, briefing_id)
    if briefing.status == "withdrawn":
        raise Refused(
            f"'{briefing.title}' was withdrawn, so it cannot be changed. Write a new briefing "
            "instead."
        )
    if has_gone_out(session, briefing_id):
        raise Refused(
            f"'{briefing.title}' has already gone out to staff, so it cannot be changed under "
            "those who have read it. You can withdraw it, and write a new briefing."
        )
    return briefing


def create_as(
    session: Session,
    actor: Staff,
    draft: BriefingDraft,
    action: str,
    now: datetime,
    platform: str,
) -> str:
    """Store a new briefing written on the web, plan it as asked, and say what happened.

    UnknownPeople (nothing stored) if it names someone not on the school's staff now."""
    refuse_unknown_people(session, actor.school_id, [draft])
    send_now = action == SEND_NOW
    day = school_today(session, actor.school_id, now) if send_now else draft.send_on
    slug = free_slug(session, actor.school_id, draft.title, day)
    briefing = Briefing(
        school_id=actor.school_id,
        slug=slug,
        title=draft.title,
        bullets=list(draft.bullets),
        audience=list(draft.audience),
        send_on=day,
        source=WEB,
        created_at=now,
        edited_at=now,
    )
    briefing.content_hash = content_hash(_as_draft(briefing))
    session.add(briefing)
    session.flush()
    planned = _plan(session, briefing, now, platform, send_now)
    audit.record(
        session, actor, "briefing_written", now, subject=("briefing", briefing.id), detail=action
    )
    return _said(briefing, planned, send_now, "Saved")


def update_as(
    session: Session,
    actor: Staff,
    briefing_id: int,
    version: int | None,
    draft: BriefingDraft,
    action: str,
    now: datetime,
    platform: str,
) -> str:
    """Change a briefing that has not gone out, and plan it again from scratch.

    Refused (nothing changed) if it has gone out, was withdrawn, or was changed since the form
    was opened at `version`; UnknownPeople if it names someone not on the school's staff now."""
    # On PostgreSQL the briefing's row is locked, so two saves of one form go one at a time.
    briefing = session.exec(
        select(Briefing).where(Briefing.id == briefing_id).with_for_update()
    ).first()
    if briefing is None or briefing.school_id != actor.school_id:
        raise NotYours(briefing_id)
    briefing = editable(session, actor, briefing_id)
    if version != briefing.version:
        raise Refused(
            f"'{briefing.title}' was changed after you opened this page (on another page, or "
            "from its file), so your changes were not saved. What you typed is below; check it "
            "against the briefing as it is now, then save again."
        )
    refuse_unknown_people(session, actor.school_id, [draft])
    # Its deliveries are planned again from scratch: none has gone, so none is lost. Rows the
    # dispatcher is about to take are locked first on PostgreSQL; one it took meanwhile is
    # "sending", and the briefing has gone out after all.
    waiting = select(Delivery.id).where(Delivery.kind == KIND, Delivery.subject_id == briefing_id)
    session.exec(waiting.with_for_update()).all()
    if has_gone_out(session, briefing_id):
        raise Refused(f"'{briefing.title}' has just gone out to staff, so it was not changed.")
    session.execute(
        delete(Delivery).where(col(Delivery.kind) == KIND, col(Delivery.subject_id) == briefing_id)
    )
    send_now = action == SEND_NOW
    briefing.title, briefing.bullets = draft.title, list(draft.bullets)
    briefing.audience = list(draft.audience)
    briefing.send_on = school_today(session, actor.school_id, now) if send_now else draft.send_on
    briefing.content_hash = content_hash(_as_draft(briefing))
    briefing.source, briefing.edited_at = WEB, now
    briefing.version += 1
    briefing.status, briefing.planned_at = "scheduled", None
    session.add(briefing)
    session.flush()
    planned = _plan(session, briefing, now, platform, send_now)
    audit.record(
        session, actor, "briefing_edited", now, subject=("briefing", briefing.id), detail=action
    )
    return _said(briefing, planned, send_now, "Changed")


def _as_draft(briefing: Briefing) -> BriefingDraft:
    return BriefingDraft(
        briefing.slug,
        briefing.title,
        tuple(briefing.bullets),
        tuple(briefing.audience),
        briefing.send_on,
    )


def _plan(
    session: Session, briefing: Briefing, now: datetime, platform: str, send_now: bool
) -> int | None:
    """Plan it now if it is to go now or its day has come (as the ticker would); None while it
    waits for its day."""
    if send_now or briefing.send_on <= school_today(session, briefing.school_id, now):
        return plan_briefing(session, briefing, now, platform, send_now=send_now)
    return None


def _said(briefing: Briefing, planned: int | None, send_now: bool, done: str) -> str:
    if planned is None:
        return (
            f"{done}: '{briefing.title}' is scheduled for {briefing.send_on:%a %-d %b %Y}, at "
            "each person's next sending moment from that day."
        )
    people = f"{planned} {'person' if planned == 1 else 'people'}"
    if send_now:
        return f"{done}: '{briefing.title}' is on its way to {people} now."
    return (
        f"{done}: '{briefing.title}' goes to {people} at each person's next sending moment "
        "from today."
    )
