"""Pruning the outbox: finished question deliveries older than OUTBOX_KEEP_DAYS go, everything
newer, still open or still to send stays, and no figure a page shows and no answer to a press
changes (checked with the real report and press functions, before and after)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time
from typing import Any

from sqlmodel import Session, select

from bot.domain.people import Role
from bot.domain.targets import academic_year
from bot.services.briefings import briefing_report
from bot.services.chat_port import Interaction
from bot.services.clock import FixedClock
from bot.services.inbound import respond
from bot.services.messages import ACK_BRIEFING
from bot.services.outbox_pruning import prune_outbox
from bot.services.progress import reports_for
from bot.services.quiz_housekeeping import chase_and_close
from bot.services.quiz_messages import ANSWER
from bot.services.summaries import home_for
from bot.storage.database import Database
from bot.storage.outbox import Delivery
from bot.storage.quiz import QuizItem
from bot.storage.staff import Staff
from tests import factories
from tests.integration.webapp import sendbot_for

KEEP_DAYS = 400
OLD = date(2025, 6, 10)  # about 510 days before the clock's 3 November 2026
RECENT = date(2026, 9, 15)
OPEN_REF = {"message_id": "open-question"}


def _delivery(
    s: Session,
    person: Staff,
    kind: str,
    subject: int,
    on: date,
    status: str = "sent",
    ref: dict[str, str] | None = None,
) -> int:
    at = datetime.combine(on, time(9, 0), tzinfo=UTC)
    row = Delivery(
        school_id=person.school_id,
        staff_id=person.id,  # type: ignore[arg-type]
        kind=kind,
        subject_id=subject,
        idempotency_key=f"{kind}:{subject}:{person.id}",
        platform="local",
        status=status,
        not_before=at,
        sent_at=at if status == "sent" else None,
        message_ref=ref,
    )
    s.add(row)
    s.flush()
    return row.id  # type: ignore[return-value]


def _school(db: Database, now: datetime) -> dict[str, Any]:
    """One SENDCO (so their Home shows the briefings' counts too) with a year and a half of
    questions, reminders and briefings in every state."""

    def setup(s: Session) -> dict[str, Any]:
        school = factories.school(s)
        person = factories.person(s, school, "Pat Old", roles={Role.SENDCO})
        q = [
            factories.question(s, school, f"q{n}", area=area)
            for n, area in enumerate(["cognition_and_learning", "general"] * 3)
        ]
        answered = factories.quiz_item(s, school, person, q[0], OLD, chosen=[0])
        expired = factories.quiz_item(s, school, person, q[1], OLD, status="expired")
        still_open = factories.quiz_item(s, school, person, q[2], OLD)
        never = factories.quiz_item(s, school, person, q[3], None)
        waiting = factories.quiz_item(s, school, person, q[4], None)
        recent = factories.quiz_item(s, school, person, q[5], RECENT, chosen=[1])
        read = factories.briefing(s, school, now, slug="read", send_on=OLD)
        unread = factories.briefing(s, school, now, slug="unread", send_on=OLD)
        missed = factories.briefing(s, school, now, slug="missed", send_on=OLD)
        factories.briefing_received(s, read, person, OLD, acknowledged=True)
        factories.briefing_received(s, unread, person, OLD)
        ids = {
            "gone": {
                _delivery(s, person, "question", answered.id, OLD),  # type: ignore[arg-type]
                _delivery(s, person, "question", expired.id, OLD),  # type: ignore[arg-type]
                _delivery(s, person, "question_reminder", expired.id, OLD),  # type: ignore[arg-type]
                _delivery(s, person, "question", never.id, OLD, "not_reached"),  # type: ignore[arg-type]
            },
            "kept": {
                # Still open: housekeeping closes its card through this row's message_ref.
                _delivery(s, person, "question", still_open.id, OLD, ref=OPEN_REF),  # type: ignore[arg-type]
                _delivery(s, person, "question", waiting.id, OLD, "pending"),  # type: ignore[arg-type]
                _delivery(s, person, "question", recent.id, RECENT),  # type: ignore[arg-type]
                _delivery(s, person, "briefing", missed.id, OLD, "not_reached"),  # type: ignore[arg-type]
            },
        }
        return ids | {
            "school": school.id,
            "person": person.id,
            "email": person.email,
            "items": [answered.id, expired.id, never.id, recent.id],
            "briefings": [read.id, unread.id],
        }

    return db.work(setup)


def _shown(s: Session, school: dict[str, Any], now: datetime) -> list[object]:
    """Every figure the pages and the Home tab show about this school."""
    person = s.get(Staff, school["person"])
    assert person is not None
    today = now.date()
    shown: list[object] = []
    for period in (academic_year(2024), academic_year(2025), academic_year(2026)):
        (report,) = reports_for(s, [person], period, today)
        shown.append(
            (
                report.questions,
                report.by_area,
                report.briefings_received,
                report.briefings_acknowledged,
            )
        )
    for status in briefing_report(s, school["school"]):
        shown.append(
            (status.briefing.id, status.sent, status.acknowledged, status.waiting)
            + (status.queued, status.not_reached)
        )
    shown.append(home_for(s, "local", school["email"], now))
    return shown


def _presses(db: Database, school: dict[str, Any], now: datetime) -> list[str]:
    """What each button of every message ever sent answers when pressed (then forgotten, so
    the presses after pruning meet the same state)."""
    presses = [
        Interaction("local", school["email"], ANSWER, f"{item}:0") for item in school["items"]
    ] + [Interaction("local", school["email"], ACK_BRIEFING, str(b)) for b in school["briefings"]]
    with Session(db.engine) as s:
        try:
            return [respond(s, press, now).notice for press in presses]
        finally:
            s.rollback()


def _left(db: Database) -> set[int]:
    return set(db.work(lambda s: s.exec(select(Delivery.id)).all()))


def test_old_finished_questions_go_and_every_count_and_press_stays_the_same(
    db: Database, clock: FixedClock
) -> None:
    now = clock.now()
    school = _school(db, now)
    everything = _left(db)
    shown_before = db.work(lambda s: _shown(s, school, now))
    pressed_before = _presses(db, school, now)

    pruned = asyncio.run(prune_outbox(db, clock, KEEP_DAYS, batch=2))

    assert pruned == len(school["gone"])
    assert _left(db) == everything - school["gone"]
    assert school["kept"] <= _left(db)
    assert db.work(lambda s: _shown(s, school, now)) == shown_before
    pressed_after = _presses(db, school, now)
    assert pressed_after == pressed_before
    assert pressed_after[:2] == [
        "You had already answered this one; your first answer is the one that counts.",
        "This question has closed, so your answer was not recorded. It will come back.",
    ]
    assert pressed_after[-2:] == [
        "You had already acknowledged this one; nothing changed.",
        "Thanks: recorded that you have read it.",
    ]


def test_nothing_newer_than_the_setting_goes_and_a_second_prune_finds_nothing(
    db: Database, clock: FixedClock
) -> None:
    now = clock.now()
    school = _school(db, now)
    everything = _left(db)
    age = (now.date() - OLD).days
    # The old rows are a day short of the setting: all stay.
    assert asyncio.run(prune_outbox(db, clock, age + 1)) == 0
    assert _left(db) == everything
    assert asyncio.run(prune_outbox(db, clock, age - 1)) == len(school["gone"])
    assert asyncio.run(prune_outbox(db, clock, age - 1)) == 0
    assert _left(db) == everything - school["gone"]


def test_a_question_still_open_keeps_its_row_so_housekeeping_closes_its_card(
    db: Database, clock: FixedClock
) -> None:
    school = _school(db, clock.now())
    asyncio.run(prune_outbox(db, clock, KEEP_DAYS))

    chased = db.work(lambda s: chase_and_close(s, clock.now(), "local"))

    assert [(platform, ref) for platform, ref, _ in chased.closed] == [("local", OPEN_REF)]
    statuses = db.work(
        lambda s: s.exec(select(QuizItem.status).where(QuizItem.staff_id == school["person"])).all()
    )
    assert "sent" not in statuses


def test_the_ticker_prunes_daily_with_the_school_s_setting(db: Database, clock: FixedClock) -> None:
    school = _school(db, clock.now())
    url = db.engine.url.render_as_string(hide_password=False)
    everything = _left(db)
    age = (clock.now().date() - OLD).days
    keeps_all = sendbot_for(url, clock, outbox_keep_days=age + 1)
    assert asyncio.run(keeps_all.ticker.prune_outbox()) == 0
    keeps_less = sendbot_for(url, clock, outbox_keep_days=age - 1)
    ticker = keeps_less.ticker

    async def scheduled() -> None:
        ticker.start()
        job = ticker.scheduler.get_job("outbox")
        ticker.shutdown()  # before any job has had a turn of the loop
        assert job is not None and job.trigger.interval.total_seconds() == 24 * 60 * 60

    asyncio.run(scheduled())
    assert asyncio.run(ticker.prune_outbox()) == len(school["gone"])
    assert _left(db) == everything - school["gone"]
    for sendbot in (keeps_all, keeps_less):
        sendbot.db.dispose()
