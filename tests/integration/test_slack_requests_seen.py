"""The memory of accepted Slack requests on both engines: a signature is refused a second time
for as long as its own timestamp could pass, and forgotten after that."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.storage.database import Database
from bot.storage.slack_requests import SlackRequestSeen, first_sight

SIGNED = datetime(2026, 12, 4, 21, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=5)


def seen(db: Database, signature: str, signed_at: datetime, now: datetime) -> bool:
    return db.work(lambda s: first_sight(s, signature, signed_at, now - WINDOW))


def remembered(db: Database) -> list[str]:
    return db.work(lambda s: sorted(s.exec(select(SlackRequestSeen.signature)).all()))


def test_a_request_signed_ahead_of_the_clock_is_remembered_until_it_could_no_longer_pass(
    db: Database,
) -> None:
    ahead = SIGNED + timedelta(seconds=240)
    assert seen(db, "v0=ahead", ahead, now=SIGNED)
    # Five minutes after it arrived it is still only 160 s old, so a replay would pass the
    # timestamp check: it must still be known.
    later = SIGNED + timedelta(seconds=400)
    assert seen(db, "v0=other", later, now=later)
    assert not seen(db, "v0=ahead", ahead, now=later)
    # Once its own timestamp is more than five minutes old it goes, with the next request.
    assert seen(db, "v0=last", SIGNED + timedelta(seconds=541), now=SIGNED + timedelta(seconds=541))
    assert remembered(db) == ["v0=last", "v0=other"]
