"""Answering a question: the first answer by the person it was sent to counts, once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from bot.domain.errors import UserError
from bot.domain.quiz import is_correct
from bot.domain.spacing import new_card, review
from bot.services.chat_port import Outcome
from bot.services.quiz_messages import closed_message, feedback_message
from bot.services.rounds import QUESTION, spacing_policy
from bot.storage.outbox import Delivery
from bot.storage.quiz import MemoryState, Question, QuizItem
from bot.storage.school import School
from bot.storage.staff import Staff

REMINDER = "question_reminder"
DAMAGED = "That answer could not be read (the button is damaged); nothing was recorded."


def parse_answer(value: str) -> tuple[int, frozenset[int]]:
    """ "42:0,2" -> item 42, options 0 and 2. Raises UserError for anything else."""
    item, colon, picked = value.partition(":")
    if colon and not picked and item.isdigit():
        # A tick-box form submitted with nothing ticked.
        raise UserError("Tick at least one answer, then press Submit.")
    numbers = picked.split(",") if picked else []
    if not item.isdigit() or not numbers or not all(n.isdigit() for n in numbers):
        raise UserError(DAMAGED)
    return int(item), frozenset(int(n) for n in numbers)


def answer_question(session: Session, person: Staff, value: str, now: datetime) -> Outcome:
    """Record an answer and say at once whether it was right, with the explanation."""
    item_id, chosen = parse_answer(value)
    # Lock the item so that two presses at once (a double click, a platform's retry) count once.
    query = select(QuizItem).where(QuizItem.id == item_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    item = session.exec(query).first()
    if item is None or item.staff_id != person.id or not _reached(session, item):
        return Outcome(notice="This question was not sent to you, so your answer was not recorded.")
    question = session.get(Question, item.question_id)
    assert question is not None
    if item.status == "answered":
        return Outcome(
            updated=feedback_message(item, question),
            notice="You had already answered this one; your first answer is the one that counts.",
        )
    if item.status == "expired":
        return Outcome(
            updated=closed_message(question),
            notice="This question has closed, so your answer was not recorded. It will come back.",
        )
    if (
        not chosen
        or max(chosen) >= len(question.options)
        or (len(chosen) > 1 and not question.multi)
    ):
        raise UserError(DAMAGED)
    item.chosen = sorted(chosen)
    item.correct = is_correct(frozenset(question.correct), chosen)
    item.answered_at = now
    item.status = "answered"
    if item.sent_at is None:
        # Answered before its batch was recorded as sent: it was sent just now.
        item.sent_at = now
    item.seconds_taken = max(0, int((now - item.sent_at).total_seconds()))
    session.add(item)
    _remember(session, person, question, item.correct, now)
    # A reminder not yet sent is no longer needed.
    session.execute(
        update(Delivery)
        .where(
            Delivery.kind == REMINDER, Delivery.subject_id == item.id, Delivery.status == "pending"
        )
        .values(status="cancelled", last_error="answered before the reminder went out")
    )
    return Outcome(updated=feedback_message(item, question), notice="Answer recorded.")


def _reached(session: Session, item: QuizItem) -> bool:
    """Has the question reached the person? A card can be pressed a moment before the
    dispatcher records its batch as sent, while the delivery is still "sending"."""
    if item.status != "planned":
        return True
    status = session.exec(
        select(Delivery.status).where(Delivery.kind == QUESTION, Delivery.subject_id == item.id)
    ).first()
    return status in ("sending", "sent")


def _remember(
    session: Session, person: Staff, question: Question, correct: bool, now: datetime
) -> None:
    """Update the person's memory of this question: wrong answers come back sooner."""
    state = session.exec(
        select(MemoryState).where(
            MemoryState.staff_id == person.id, MemoryState.question_id == question.id
        )
    ).first()
    if state is None:
        card_id = person.id * 100_000 + question.id  # type: ignore[operator]
        state = MemoryState(
            staff_id=person.id,
            question_id=question.id,
            card=new_card(card_id, now),
            due=now,  # type: ignore[arg-type]
        )
    school = session.get(School, person.school_id)
    assert school is not None
    state.card, state.due = review(spacing_policy(school), state.card, correct, now)
    state.reviews += 1
    state.lapses += 0 if correct else 1
    session.add(state)
