"""Unanswered questions: one reminder after a few school days, then the question closes."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.domain.calendar import next_sending_moment
from bot.domain.rounds import school_days_since
from bot.services.answers import REMINDER
from bot.services.chat_port import ChatPort, Message, MessageRef
from bot.services.clock import Clock
from bot.services.outbox import PlannedDelivery, plan
from bot.services.quiz_messages import closed_message
from bot.services.rounds import QUESTION
from bot.services.school_calendar import availability_of, calendar_for
from bot.storage.database import Database
from bot.storage.outbox import Delivery
from bot.storage.quiz import Question, QuizItem
from bot.storage.school import School
from bot.storage.staff import Staff

log = logging.getLogger(__name__)


@dataclass
class Chased:
    """What one pass did: reminders planned, and cards to change to "closed"."""

    reminders: int = 0
    closed: list[tuple[str, dict[str, Any], Message]] = field(default_factory=list)


def chase_and_close(session: Session, now: datetime, platform: str) -> Chased:
    """Plan a reminder for questions unanswered after the school's reminder days; close those
    unanswered after its expiry days (counted in school days, so holidays do not close them)."""
    chased = Chased()
    for school in session.exec(select(School)).all():
        calendar = calendar_for(session, school, now)
        today = now.astimezone(ZoneInfo(school.timezone)).date()
        rows = session.exec(
            select(QuizItem, Question, Staff, Delivery)
            .join(Question, Question.id == QuizItem.question_id)  # type: ignore[arg-type]
            .join(Staff, Staff.id == QuizItem.staff_id)  # type: ignore[arg-type]
            .join(Delivery, (Delivery.subject_id == QuizItem.id) & (Delivery.kind == QUESTION))  # type: ignore[arg-type]
            .where(Staff.school_id == school.id, QuizItem.status == "sent")
        ).all()
        reminders = []
        for item, question, person, delivery in rows:
            sent_on = item.sent_at.astimezone(calendar.timezone).date()  # type: ignore[union-attr]
            waited = school_days_since(calendar, sent_on, today)
            if waited >= school.quiz_expire_after_days:
                item.status = "expired"
                session.add(item)
                if delivery.message_ref:
                    chased.closed.append(
                        (delivery.platform, delivery.message_ref, closed_message(question))
                    )
            elif waited >= school.quiz_reminder_after_days and item.reminded_at is None:
                moment = next_sending_moment(calendar, availability_of(person), now)
                reminders.append(
                    PlannedDelivery.at_moment(
                        school.id,  # type: ignore[arg-type]
                        person.id,  # type: ignore[arg-type]
                        REMINDER,
                        item.id,  # type: ignore[arg-type]
                        platform,
                        moment,
                        now,
                    )
                )
        chased.reminders += plan(session, reminders)
    return chased


class QuizHousekeeping:
    """Runs chase_and_close and changes closed questions' cards on their platforms."""

    def __init__(
        self, db: Database, ports: Mapping[str, ChatPort], clock: Clock, platform: str
    ) -> None:
        self.db = db
        self.ports = ports
        self.clock = clock
        self.platform = platform

    async def run(self) -> Chased:
        now = self.clock.now()
        chased = await self.db.run(lambda s: chase_and_close(s, now, self.platform))
        for platform, ref, message in chased.closed:
            port = self.ports.get(platform)
            if port is None:
                continue
            try:
                await port.update(MessageRef(platform, ref), message)
            except Exception:  # noqa: BLE001 - the question is closed either way
                log.warning("could not mark a closed question on %s", platform, exc_info=True)
        return chased
