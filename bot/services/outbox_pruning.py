"""Keeping the outbox small: finished quiz questions and reminders go after OUTBOX_KEEP_DAYS.

Only rows that no count, page or later step reads are deleted. A question's figures come from
its QuizItem (asked, answered, right), never from its delivery, and a press on a question's card
is decided by the QuizItem too ("already answered", "closed"). Briefings and register alerts
stay: their deliveries are the record of who was sent what (the /me, /team and briefing pages
count them, "Got it" checks them, and erasure finds a pupil's local chat copies through them).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_
from sqlmodel import Session, col, select

from bot.services.answers import REMINDER
from bot.services.clock import Clock
from bot.services.rounds import QUESTION
from bot.storage.database import Database
from bot.storage.outbox import Delivery
from bot.storage.quiz import QuizItem

PRUNED_KINDS = (QUESTION, REMINDER)
# Nothing more will happen to these: the dispatcher never takes them again.
FINISHED = ("sent", "not_reached", "failed", "cancelled")
# Rows deleted per transaction, so a first prune of years of rows never holds locks for long.
BATCH = 2000


def prune_batch(session: Session, now: datetime, keep_days: int, batch: int = BATCH) -> int:
    """Delete up to `batch` finished question and reminder deliveries older than `keep_days`
    (by when they went, or were due if they never went); returns how many."""
    cutoff = now - timedelta(days=keep_days)
    # A question still open is closed later through its delivery's message_ref.
    still_open = select(QuizItem.id).where(QuizItem.status == "sent")
    old = (
        select(Delivery.id)
        .where(col(Delivery.kind).in_(PRUNED_KINDS), col(Delivery.status).in_(FINISHED))
        .where(
            or_(
                col(Delivery.sent_at) < cutoff,
                and_(col(Delivery.sent_at).is_(None), col(Delivery.not_before) < cutoff),
            )
        )
        .where(col(Delivery.subject_id).not_in(still_open))
        .order_by(col(Delivery.id))
        .limit(batch)
    )
    ids = list(session.exec(old).all())
    if ids:
        session.execute(delete(Delivery).where(col(Delivery.id).in_(ids)))
    return len(ids)


async def prune_outbox(db: Database, clock: Clock, keep_days: int, batch: int = BATCH) -> int:
    """Prune in batches, each its own transaction, until none is left; returns how many."""
    now = clock.now()
    pruned = 0
    while True:
        done = await db.run(lambda session: prune_batch(session, now, keep_days, batch))
        pruned += done
        if done < batch:
            return pruned
