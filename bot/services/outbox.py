"""The outbox's rules in SQL: plan deliveries once, claim due ones safely, record what happened."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.storage.outbox import Delivery

PLAN_CHUNK = 500


NO_SENDING_DAY = (
    "no school day on which this person works in the next year (check their working days, "
    "pause and the term dates)"
)


@dataclass(frozen=True)
class PlannedDelivery:
    """A message one person should get, not before a given moment."""

    school_id: int
    staff_id: int
    kind: str
    subject_id: int
    platform: str
    not_before: datetime
    status: str = "pending"
    last_error: str = ""
    any_hour: bool = False  # sent now at the SENDCO's word, whatever the hour

    @property
    def idempotency_key(self) -> str:
        return f"{self.kind}:{self.subject_id}:{self.staff_id}"

    @classmethod
    def at_moment(
        cls,
        school_id: int,
        staff_id: int,
        kind: str,
        subject_id: int,
        platform: str,
        moment: datetime | None,
        now: datetime,
        any_hour: bool = False,
    ) -> PlannedDelivery:
        """A delivery at the person's sending moment; with none ahead (no working day within a
        year), planned as not reached with the reason, so the SENDCO sees who is missed."""
        if moment is not None:
            return cls(school_id, staff_id, kind, subject_id, platform, moment, any_hour=any_hour)
        return cls(
            school_id, staff_id, kind, subject_id, platform, now, "not_reached", NO_SENDING_DAY
        )


def plan(session: Session, planned: list[PlannedDelivery]) -> int:
    """Write deliveries; ones already planned (same key) are left as they are. Returns new rows."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    created = 0
    for start in range(0, len(planned), PLAN_CHUNK):
        rows: list[dict[str, Any]] = [
            {
                "school_id": p.school_id,
                "staff_id": p.staff_id,
                "kind": p.kind,
                "subject_id": p.subject_id,
                "idempotency_key": p.idempotency_key,
                "platform": p.platform,
                "status": p.status,
                "not_before": p.not_before,
                "attempts": 0,
                "last_error": p.last_error,
                "any_hour": p.any_hour,
            }
            for p in planned[start : start + PLAN_CHUNK]
        ]
        statement = (
            insert(Delivery)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(Delivery.id)
        )
        # RETURNING counts what was really inserted (rowcount is -1 on some drivers); passing
        # the rows as parameters lets SQLAlchemy batch them without compiling one huge statement.
        created += len(session.execute(statement, rows).all())
    return created


def claim_due(
    session: Session,
    now: datetime,
    worker: str,
    lease: timedelta,
    limit: int,
    platforms: Collection[str] | None = None,
) -> list[Delivery]:
    """Take up to `limit` deliveries that are due, or whose earlier claim has lapsed; only
    those for `platforms` when given (the ones this process sends on).

    On PostgreSQL the rows are locked with SKIP LOCKED so that replicas never take the same row;
    SQLite serialises writers (BEGIN IMMEDIATE), which gives the same guarantee in one process.
    """
    due = or_(
        and_(Delivery.status == "pending", Delivery.not_before <= now),
        and_(Delivery.status == "sending", Delivery.claimed_until < now),  # type: ignore[operator]
    )
    query = select(Delivery).where(due).order_by(Delivery.id).limit(limit)  # type: ignore[arg-type]
    if platforms is not None:
        query = query.where(col(Delivery.platform).in_(sorted(platforms)))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(session.exec(query).all())
    if rows:
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_([r.id for r in rows]))  # type: ignore[union-attr]
            .values(
                status="sending",
                claimed_by=worker,
                claimed_until=now + lease,
                attempts=Delivery.attempts + 1,
            )
            # The loaded rows are updated by hand below; letting the ORM do it too counts twice.
            .execution_options(synchronize_session=False)
        )
        for row in rows:
            # Only the attempt count is brought up to date: a caller needs to see whether the
            # row was "sending" (taken over from a stopped process) before this claim.
            row.attempts += 1
    session.expunge_all()
    return rows


def renew(session: Session, ids: list[int], worker: str, until: datetime) -> set[int]:
    """Extend this worker's claims on rows it still holds; returns the ids it still holds (a
    row another worker has taken, or one already recorded, is not among them)."""
    if not ids:
        return set()
    statement = (
        update(Delivery)
        .where(
            Delivery.id.in_(ids),  # type: ignore[union-attr]
            Delivery.claimed_by == worker,
            Delivery.status == "sending",
        )
        .values(claimed_until=until)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return {row[0] for row in session.execute(statement).all()}


def postpone(
    session: Session, moments: dict[int, datetime | None], worker: str, now: datetime
) -> None:
    """Hand back claimed rows that may not go out now: each waits for its person's next sending
    moment (the claim is not counted as an attempt), or, with none ahead, is not reached."""
    for delivery_id, moment in moments.items():
        values: dict[str, Any] = {
            "claimed_by": None,
            "claimed_until": None,
            "attempts": Delivery.attempts - 1,
        }
        if moment is None:
            values |= {"status": "not_reached", "last_error": NO_SENDING_DAY}
        else:
            values |= {"status": "pending", "not_before": moment}
        session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.claimed_by == worker)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def release(session: Session, ids: list[int], worker: str) -> None:
    """Hand back deliveries this worker claimed but did not try (it is stopping)."""
    session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.claimed_by == worker)  # type: ignore[union-attr]
        .values(
            status="pending",
            claimed_by=None,
            claimed_until=None,
            attempts=Delivery.attempts - 1,
        )
    )


@dataclass(frozen=True)
class SendResult:
    """What became of one claimed delivery."""

    delivery_id: int
    # sent, not_reached, retry, failed, cancelled; held: the platform refuses sendbot itself,
    # so it waits without counting a try; lost: the claim ran out before it could be sent, so
    # it was not tried and another worker (or a later drain) will take it.
    status: str
    message_ref: dict[str, Any] | None = None
    error: str = ""
    retry_at: datetime | None = None
    maybe_sent: bool = False  # a retry after a try that got no answer


def recent_sends(
    session: Session, platform: str, now: datetime, window: timedelta, worker: str
) -> list[float]:
    """How many seconds ago each send on `platform` in the last `window` went, for a replica
    that has just become its sender. Sends another worker still holds a claim on may have
    gone or may yet: they count as going now."""
    since = now - window
    went = session.exec(
        select(Delivery.sent_at).where(
            Delivery.platform == platform, col(Delivery.sent_at) >= since
        )
    ).all()
    held = session.exec(
        select(func.count()).where(
            Delivery.platform == platform,
            Delivery.status == "sending",
            col(Delivery.claimed_by) != worker,
            col(Delivery.claimed_until) > now,
        )
    ).one()
    return [max(0.0, (now - at).total_seconds()) for at in went if at is not None] + [0.0] * held


def record(session: Session, results: list[SendResult], now: datetime, worker: str) -> None:
    """Store the outcome of a batch. A row another worker has since reclaimed is left alone."""
    for result in results:
        if result.status == "lost":
            continue
        values: dict[str, Any] = {"claimed_by": None, "claimed_until": None}
        if result.status == "sent":
            values |= {"status": "sent", "sent_at": now, "message_ref": result.message_ref}
        elif result.status == "held":
            values |= {
                "status": "pending",
                "not_before": result.retry_at,
                "last_error": result.error[:500],
                "attempts": Delivery.attempts - 1,
            }
        elif result.status == "retry":
            values |= {
                "status": "pending",
                "not_before": result.retry_at,
                "last_error": result.error,
            }
            if result.maybe_sent:
                values["maybe_sent"] = True
        else:
            values |= {"status": result.status, "last_error": result.error[:500]}
        session.execute(
            update(Delivery)
            .where(Delivery.id == result.delivery_id, Delivery.claimed_by == worker)
            .values(**values)
        )


def retry_delay(
    attempts: int, base_seconds: float, retry_after: float | None, jitter: float = 0.0
) -> timedelta:
    """The platform's Retry-After when it gave one (it knows when its limit resets: waiting
    longer only slows a fan-out down), else exponential backoff from the base, stretched by
    `jitter` (0 to 1, a random draw) up to half as long again, so that sends which failed
    together do not all come back in the same second."""
    if retry_after is not None:
        return timedelta(seconds=max(retry_after, 0.0))
    backoff = base_seconds * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=backoff * (1 + 0.5 * min(max(jitter, 0.0), 1.0)))
