"""Briefings: store them, plan them for their audience, and record who has read them."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.domain.audience import (
    person_selector,
)
from bot.domain.briefing import BriefingDraft
from bot.domain.calendar import next_sending_moment
from bot.services import audit
from bot.services.briefing_audience import (
    UnknownPeople,
    audience_in_words,
    audience_of,
    refuse_unknown_people,
)
from bot.services.errors import UserError
from bot.services.outbox import PlannedDelivery, plan
from bot.services.school_calendar import availability_of, calendar_for
from bot.storage.briefing import Acknowledgement, Briefing
from bot.storage.outbox import Delivery
from bot.storage.school import School
from bot.storage.staff import Staff

KIND = "briefing"
SLUG_MAX = 120  # the width of the slug column


# Where a briefing may come from besides its file: the web pages, and each chat platform's form.
FILE = "file"
WEB = "web"
WRITTEN_IN = {WEB: "on the web", "slack": "in Slack", "teams": "in Teams", "local": "in chat"}


@dataclass(frozen=True)
class KeptEdit:
    """A briefing whose file was not loaded, because it was last written on the web or in chat."""

    slug: str
    title: str
    written: str  # "on the web", "in Slack"...


@dataclass
class SaveSummary:
    """How many briefings a load created, changed and left as they were, and which it kept."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: list[KeptEdit] = field(default_factory=list)


def content_hash(draft: BriefingDraft) -> str:
    """A fingerprint of what staff would read, so reloading the same file changes nothing."""
    payload = json.dumps(
        [draft.title, list(draft.bullets), list(draft.audience), draft.send_on.isoformat()]
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def save_briefings(
    session: Session,
    school_id: int,
    drafts: list[BriefingDraft],
    now: datetime,
    source: str,
    replace_web_edits: bool = False,
) -> SaveSummary:
    """Store new briefings and changes to ones not yet sent; all or nothing.

    A briefing already sent cannot be changed under staff who have read it: that is refused
    with its name, and nothing is stored. A file never replaces a briefing last written on the
    web or in chat unless `replace_web_edits` says so: it is left as it is and named in the
    summary's `kept`.
    """
    existing = {
        b.slug: b
        for b in session.exec(select(Briefing).where(Briefing.school_id == school_id)).all()
    }
    summary = SaveSummary()
    refused = []
    stored_drafts = []
    for draft in drafts:
        digest = content_hash(draft)
        stored = existing.get(draft.slug)
        if stored is None:
            session.add(
                Briefing(
                    school_id=school_id,
                    slug=draft.slug,
                    title=draft.title,
                    bullets=list(draft.bullets),
                    audience=list(draft.audience),
                    send_on=draft.send_on,
                    source=source,
                    content_hash=digest,
                    created_at=now,
                )
            )
            stored_drafts.append(draft)
            summary.created += 1
        elif stored.content_hash == digest:
            summary.unchanged += 1
        elif source == FILE and stored.source != FILE and not replace_web_edits:
            written = WRITTEN_IN.get(stored.source, f"in {stored.source}")
            summary.kept.append(KeptEdit(stored.slug, stored.title, written))
        elif stored.status != "scheduled":
            refused.append(draft.slug)
        else:
            stored.title, stored.bullets = draft.title, list(draft.bullets)
            stored.audience, stored.send_on = list(draft.audience), draft.send_on
            stored.content_hash = digest
            stored.source = source
            stored.version += 1
            session.add(stored)
            stored_drafts.append(draft)
            summary.updated += 1
    if refused:
        session.rollback()
        raise UserError(
            "These briefings have already been sent, so they cannot be changed: "
            + ", ".join(refused)
            + ". Save the new text under a new file name instead. Nothing was stored."
        )
    try:
        refuse_unknown_people(session, school_id, stored_drafts)
    except UnknownPeople:
        session.rollback()
        raise
    return summary


def free_slug(session: Session, school_id: int, title: str, day: date, same_as: str = "") -> str:
    """A new briefing's name: its day and title in lower-case words ("2026-12-01-adapt-first"),
    numbered when that is taken ("...-2"). A taken name whose briefing has the content hash
    `same_as` is given back, so the same briefing sent twice (a repeated confirmation in chat)
    keeps its name and stores nothing twice."""
    words = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "briefing"
    base = f"{day.isoformat()}-{words}"[: SLUG_MAX - 4].rstrip("-")
    taken = dict(
        session.exec(
            select(Briefing.slug, Briefing.content_hash).where(
                Briefing.school_id == school_id, col(Briefing.slug).startswith(base)
            )
        ).all()
    )
    for number in range(1, 1000):
        slug = base if number == 1 else f"{base}-{number}"
        if slug not in taken or (same_as and taken[slug] == same_as):
            return slug
    raise UserError("There are too many briefings with this title that day; please change it.")


def plan_briefing(
    session: Session, briefing: Briefing, now: datetime, platform: str, send_now: bool = False
) -> int:
    """Plan a delivery of this briefing to each person in its audience; returns how many are new.

    Each person gets it at their next sending moment on or after the briefing's day, unless the
    SENDCO asked to send it now. Planning twice plans nobody twice.
    """
    school = session.get(School, briefing.school_id)
    assert school is not None
    calendar = calendar_for(session, school, now)
    start_of_day = calendar.window_on(briefing.send_on)[0]
    earliest = max(now, start_of_day)
    planned = []
    for person in audience_of(session, briefing):
        assert person.id is not None and briefing.id is not None
        moment = (
            now if send_now else next_sending_moment(calendar, availability_of(person), earliest)
        )
        planned.append(
            PlannedDelivery.at_moment(
                school.id,  # type: ignore[arg-type]
                person.id,
                KIND,
                briefing.id,
                platform,
                moment,
                now,
                any_hour=send_now,
            )
        )
    created = plan(session, planned)
    briefing.status = "planned"
    briefing.planned_at = now
    session.add(briefing)
    return created


def plan_due_briefings(session: Session, now: datetime, platform: str) -> int:
    """Plan every scheduled briefing whose day has come in its school's time zone."""
    created = 0
    candidates = session.exec(
        select(Briefing).where(
            Briefing.status == "scheduled", Briefing.send_on <= (now + timedelta(days=1)).date()
        )
    ).all()
    for briefing in candidates:
        school = session.get(School, briefing.school_id)
        assert school is not None
        if briefing.send_on <= now.astimezone(ZoneInfo(school.timezone)).date():
            created += plan_briefing(session, briefing, now, platform)
    return created


def withdraw_briefing(session: Session, briefing_id: int) -> int:
    """Stop a briefing: deliveries not yet sent are cancelled. Returns how many were cancelled."""
    briefing = session.get(Briefing, briefing_id)
    if briefing is None:
        raise UserError(f"There is no briefing number {briefing_id}.")
    briefing.status = "withdrawn"
    session.add(briefing)
    pending = session.exec(
        select(Delivery).where(
            Delivery.kind == KIND,
            Delivery.subject_id == briefing_id,
            Delivery.status.in_(["pending", "sending"]),  # type: ignore[attr-defined]
        )
    ).all()
    for delivery in pending:
        delivery.status = "cancelled"
        session.add(delivery)
    return len(pending)


@dataclass
class BriefingStatus:
    """Where one briefing stands: who has it, who has read it, who is waiting, who was missed."""

    briefing: Briefing
    audience: list[str] = field(default_factory=list)  # in words: a named person by name
    acknowledged: list[tuple[str, datetime]] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    queued: list[str] = field(default_factory=list)
    not_reached: list[tuple[str, str]] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return len(self.acknowledged) + len(self.waiting)


def briefing_report(session: Session, school_id: int) -> list[BriefingStatus]:
    """Every briefing of the school, newest first, with who stands where."""
    briefings = session.exec(
        select(Briefing)
        .where(Briefing.school_id == school_id)
        .order_by(Briefing.send_on.desc(), Briefing.id.desc())  # type: ignore[attr-defined]
    ).all()
    staff = session.exec(select(Staff).where(Staff.school_id == school_id)).all()
    names = {s.id: s.name for s in staff}
    # A leaver keeps their name here: a briefing they were sent still says who it was for.
    named = {person_selector(s.email): s.name for s in staff}
    report = []
    for briefing in briefings:
        status = BriefingStatus(briefing, audience_in_words(briefing.audience, named))
        acks = {
            a.staff_id: a.acknowledged_at
            for a in session.exec(
                select(Acknowledgement).where(Acknowledgement.briefing_id == briefing.id)
            ).all()
        }
        deliveries = session.exec(
            select(Delivery).where(Delivery.kind == KIND, Delivery.subject_id == briefing.id)
        ).all()
        for delivery in deliveries:
            name = names.get(delivery.staff_id, "?")
            if delivery.staff_id in acks:
                status.acknowledged.append((name, acks[delivery.staff_id]))
            elif delivery.status == "sent":
                status.waiting.append(name)
            elif delivery.status in ("pending", "sending"):
                status.queued.append(name)
            elif delivery.status in ("not_reached", "failed"):
                status.not_reached.append((name, delivery.last_error or delivery.status))
        status.acknowledged.sort(key=lambda pair: pair[1])
        status.waiting.sort()
        status.queued.sort()
        status.not_reached.sort()
        report.append(status)
    return report


def find_briefing(session: Session, school_id: int, slug: str) -> Briefing:
    """The school's briefing with this name (its file name without .md)."""
    briefing = session.exec(
        select(Briefing).where(Briefing.school_id == school_id, Briefing.slug == slug)
    ).first()
    if briefing is None:
        known = session.exec(select(Briefing.slug).where(Briefing.school_id == school_id)).all()
        raise UserError(
            f"There is no briefing called '{slug}'. Briefings: {', '.join(known) or 'none yet'}."
        )
    return briefing


def withdraw_as(session: Session, actor: Staff, briefing_id: int, now: datetime) -> str:
    """The SENDCO withdraws one of their school's briefings; logged, and said back to them."""
    briefing = session.get(Briefing, briefing_id)
    if briefing is None or briefing.school_id != actor.school_id:
        raise UserError("That briefing does not exist in your school.")
    cancelled = withdraw_briefing(session, briefing_id)
    audit.record(session, actor, "briefing_withdrawn", now, subject=("briefing", briefing_id))
    return f"Withdrawn: '{briefing.title}'. {cancelled} unsent copies were cancelled."
