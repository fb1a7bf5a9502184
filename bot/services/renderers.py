"""What each kind of delivery looks like when it goes out, and what changes once it has."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from bot.services.answers import REMINDER
from bot.services.briefings import KIND as BRIEFING
from bot.services.chat_port import Link, Message
from bot.services.digest_messages import KIND as DIGEST
from bot.services.digests import render_digests
from bot.services.messages import briefing_message
from bot.services.profile_reads import render_alerts
from bot.services.quiz_messages import question_message
from bot.services.register.kinds import ALERT, ALERT_REMINDER
from bot.services.rounds import QUESTION
from bot.storage.briefing import Briefing
from bot.storage.quiz import Question, QuizItem
from bot.storage.register import ProfileAlert

# kind -> renders the subjects of that kind; None for a subject that must no longer go out.
Renderer = Callable[[Session, set[int]], dict[int, Message | None]]


def _render_briefings(session: Session, ids: set[int]) -> dict[int, Message | None]:
    briefings = session.exec(select(Briefing).where(Briefing.id.in_(ids))).all()  # type: ignore[union-attr]
    return {
        b.id: None if b.status == "withdrawn" else briefing_message(b)  # type: ignore[misc]
        for b in briefings
    }


def _render_questions(session: Session, ids: set[int]) -> dict[int, Message | None]:
    return _render_items(session, ids, reminder=False)


def _render_reminders(session: Session, ids: set[int]) -> dict[int, Message | None]:
    return _render_items(session, ids, reminder=True)


def _render_items(session: Session, ids: set[int], reminder: bool) -> dict[int, Message | None]:
    rows = session.exec(
        select(QuizItem, Question)
        .join(Question, Question.id == QuizItem.question_id)  # type: ignore[arg-type]
        .where(QuizItem.id.in_(ids))  # type: ignore[union-attr]
    ).all()
    # An item answered or closed meanwhile must not be asked (or chased) again.
    still_open = "sent" if reminder else "planned"
    return {
        item.id: question_message(item, question, reminder)  # type: ignore[misc]
        if item.status == still_open and question.active
        else None
        for item, question in rows
    }


RENDERERS: dict[str, Renderer] = {
    BRIEFING: _render_briefings,
    QUESTION: _render_questions,
    REMINDER: _render_reminders,
    ALERT: lambda session, ids: render_alerts(session, ids, reminder=False),
    ALERT_REMINDER: lambda session, ids: render_alerts(session, ids, reminder=True),
    DIGEST: render_digests,
}


def absolute_links(message: Message | None, base_url: str) -> Message | None:
    """A message whose link is a path of sendbot's ("/pupils/12") pointed at the app's base URL,
    which only the composition root knows; other links are left as they are."""
    if message is None or message.link is None or not message.link.url.startswith("/"):
        return message
    if not base_url:
        return message
    link = Link(base_url.rstrip("/") + message.link.url, message.link.label)
    return replace(message, link=link)


def _questions_sent(session: Session, ids: list[int], now: datetime) -> None:
    session.execute(
        update(QuizItem)
        .where(QuizItem.id.in_(ids), QuizItem.status == "planned")  # type: ignore[union-attr]
        .values(status="sent", sent_at=now)
    )


def _reminders_sent(session: Session, ids: list[int], now: datetime) -> None:
    session.execute(
        update(QuizItem).where(QuizItem.id.in_(ids)).values(reminded_at=now)  # type: ignore[union-attr]
    )


def _alerts_sent(session: Session, ids: list[int], now: datetime) -> None:
    session.execute(
        update(ProfileAlert)
        .where(ProfileAlert.id.in_(ids), ProfileAlert.sent_at.is_(None))  # type: ignore[union-attr]
        .values(sent_at=now)
    )


def _alert_reminders_sent(session: Session, ids: list[int], now: datetime) -> None:
    session.execute(
        update(ProfileAlert).where(ProfileAlert.id.in_(ids)).values(reminded_at=now)  # type: ignore[union-attr]
    )


# kind -> what else changes once such a message has gone out (in the same transaction).
ON_SENT: dict[str, Callable[[Session, list[int], datetime], None]] = {
    QUESTION: _questions_sent,
    REMINDER: _reminders_sent,
    ALERT: _alerts_sent,
    ALERT_REMINDER: _alert_reminders_sent,
}
