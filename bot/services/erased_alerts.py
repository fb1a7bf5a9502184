"""Register alerts kept by the local chat, with an erased pupil's part taken out.

The local chat keeps each message it showed, so a pupil's initials, year, form and broad area
of need would outlive their erasure there. Slack and Teams keep their own copies, which only
their retention settings remove.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlmodel import Session, col, select

from bot.services.register.kinds import ALERT, ALERT_REMINDER
from bot.services.register.messages import READ_PROFILE
from bot.storage.local_chat import LocalMessage
from bot.storage.outbox import Delivery
from bot.storage.register import ProfileRead, RegisterChange

REMOVED = "A pupil's record was removed"


def forget_pupil_in_alerts(session: Session, pupil_id: int) -> int:
    """Rewrite every stored local chat alert or reminder that showed this pupil; how many."""
    theirs = (
        select(ProfileRead.alert_id)
        .join(RegisterChange, col(RegisterChange.id) == ProfileRead.change_id)
        .where(RegisterChange.pupil_id == pupil_id)
    )
    # Each alert's reads in the order its messages list the pupils: the order of the changes.
    rows = session.exec(
        select(ProfileRead.alert_id, ProfileRead.id, RegisterChange.pupil_id)
        .join(RegisterChange, col(RegisterChange.id) == ProfileRead.change_id)
        .where(col(ProfileRead.alert_id).in_(theirs))
        .order_by(col(RegisterChange.id))
    ).all()
    alerts: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for alert_id, read_id, of_pupil in rows:
        alerts[alert_id].append((read_id, of_pupil))  # type: ignore[arg-type]
    if not alerts:
        return 0
    # The local chat stores each message under its delivery's idempotency key.
    stored = session.exec(
        select(LocalMessage, Delivery.subject_id)
        .join(Delivery, col(Delivery.idempotency_key) == LocalMessage.send_key)
        .where(
            col(Delivery.kind).in_((ALERT, ALERT_REMINDER)),
            col(Delivery.subject_id).in_(list(alerts)),
        )
    ).all()
    for message, alert_id in stored:
        message.body = without_pupil(message.body, alerts[alert_id], pupil_id)
        session.add(message)
    return len(stored)


def without_pupil(
    body: dict[str, Any], pupils: list[tuple[int, int]], pupil_id: int
) -> dict[str, Any]:
    """A stored alert (Message.to_dict()) with this pupil's line and button gone.

    `pupils` is the alert's (read id, pupil id) in change order. A full alert has one line per
    pupil in that order, so theirs is known by its place; a reminder lists only the pupils still
    unread when it went, so there no line can be told for theirs and none is kept."""
    read_ids = {str(read_id) for read_id, of_pupil in pupils if of_pupil == pupil_id}
    bullets = list(body.get("bullets", ()))
    lines = list(body.get("lines", ()))
    if len(bullets) == len(pupils):
        bullets = [
            REMOVED if of_pupil == pupil_id else line
            for (_, of_pupil), line in zip(pupils, bullets, strict=True)
        ]
    elif bullets:
        bullets = [REMOVED]
    elif REMOVED not in lines:
        lines.append(REMOVED)
    buttons = [
        b
        for b in body.get("buttons", ())
        if not (b.get("action_id") == READ_PROFILE and b.get("value") in read_ids)
    ]
    return body | {"bullets": bullets, "lines": lines, "buttons": buttons}
