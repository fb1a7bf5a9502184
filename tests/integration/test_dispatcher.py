"""The dispatcher: retries with backoff, honours Retry-After, marks who cannot be reached."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.services.briefings import plan_briefing, plan_due_briefings
from bot.services.chat_port import Message, MessageRef, NotReachable, Recipient, TemporaryFailure
from bot.services.clock import FixedClock
from bot.services.dispatcher import Dispatcher, DispatchPolicy
from bot.services.outbox import claim_due
from bot.storage.database import Database
from bot.storage.outbox import Delivery
from tests import factories


class ScriptedPlatform:
    """A chat platform that fails as told, per recipient, then accepts; it records what arrived."""

    platform = "local"
    max_in_flight = 1

    def __init__(self, script: dict[str, list[Exception]]) -> None:
        self.script = script
        self.delivered: list[tuple[str, str]] = []

    async def send(
        self, recipient: Recipient, message: Message, send_key: str, maybe_sent: bool = False
    ) -> MessageRef:
        failures = self.script.get(recipient.platform_user_id, [])
        if failures:
            raise failures.pop(0)
        self.delivered.append((recipient.platform_user_id, message.title))
        return MessageRef("local", {"id": len(self.delivered)})

    async def update(self, ref: MessageRef, message: Message) -> None:
        raise AssertionError("the dispatcher never updates")


def setup_three(db: Database, clock: FixedClock) -> list[str]:
    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        people = [factories.person(s, school, name) for name in ("Ann Able", "Ben Busy", "Cy Gone")]
        factories.briefing(s, school, clock.now(), send_on=clock.now().date())
        return [p.email for p in people]

    emails = db.work(setup)
    db.work(lambda s: plan_due_briefings(s, clock.now(), "local"))
    return emails


def statuses(db: Database) -> dict[int, tuple[str, int, str]]:
    rows = db.work(lambda s: s.exec(select(Delivery).order_by(Delivery.id)).all())
    return {r.staff_id: (r.status, r.attempts, r.last_error) for r in rows}


def test_failures_are_retried_with_backoff_and_unreachable_people_are_marked(
    db: Database, clock: FixedClock
) -> None:
    ann, ben, cy = setup_three(db, clock)
    platform = ScriptedPlatform(
        {
            ben: [TemporaryFailure("rate limited", retry_after=90), ConnectionError("reset")],
            cy: [NotReachable("messages_tab_disabled")],
        }
    )
    policy = DispatchPolicy(batch_size=10, max_attempts=5, retry_base_seconds=30)
    dispatcher = Dispatcher(db, {"local": platform}, clock, policy, "w1")

    first = asyncio.run(dispatcher.drain())
    assert first.counts == {"sent": 1, "retry": 1, "not_reached": 1}
    assert platform.delivered == [(ann, "The graduated approach")]
    ben_row = db.work(lambda s: s.exec(select(Delivery).where(Delivery.status == "pending")).one())
    # The platform's Retry-After (90 s) is followed, not the first backoff (30 s).
    assert ben_row.not_before == clock.now() + timedelta(seconds=90)
    assert "rate limited" in ben_row.last_error

    clock.moment += timedelta(seconds=89)
    assert asyncio.run(dispatcher.drain()).counts == {}
    clock.moment += timedelta(seconds=1)
    assert asyncio.run(dispatcher.drain()).counts == {"retry": 1}
    # Second failure: backoff doubles to 60 s, stretched by a random jitter of up to half.
    again = db.work(lambda s: s.exec(select(Delivery).where(Delivery.status == "pending")).one())
    waited = (again.not_before - clock.now()).total_seconds()
    assert 60 <= waited <= 90
    clock.moment = again.not_before
    assert asyncio.run(dispatcher.drain()).counts == {"sent": 1}

    final = sorted(statuses(db).values())
    assert [s for s, _a, _e in final] == ["not_reached", "sent", "sent"]
    assert ("not_reached", 1, "messages_tab_disabled") in final
    assert ("sent", 3, "reset") in [(s, a, e.split(": ")[-1]) for s, a, e in final]


def test_a_short_retry_after_is_followed_rather_than_the_longer_backoff(
    db: Database, clock: FixedClock
) -> None:
    _ann, ben, _cy = setup_three(db, clock)
    platform = ScriptedPlatform({ben: [TemporaryFailure("429", retry_after=2)]})
    policy = DispatchPolicy(batch_size=10, retry_base_seconds=30)
    dispatcher = Dispatcher(db, {"local": platform}, clock, policy, "w1")
    assert asyncio.run(dispatcher.drain()).counts == {"sent": 2, "retry": 1}
    clock.moment += timedelta(seconds=2)
    assert asyncio.run(dispatcher.drain()).counts == {"sent": 1}


class StopsAfterFirst(ScriptedPlatform):
    """Asks the dispatcher to stop as its first message goes out (a Ctrl-C mid fan-out);
    paced, so the next batch is claimed while that one sends."""

    dispatcher: Dispatcher
    paced = True

    async def send(
        self, recipient: Recipient, message: Message, send_key: str, maybe_sent: bool = False
    ) -> MessageRef:
        self.dispatcher.stopping = True
        await asyncio.sleep(0.2)  # the next batch is claimed meanwhile
        return await super().send(recipient, message, send_key, maybe_sent)


def test_a_batch_claimed_ahead_is_handed_back_when_the_dispatcher_stops(
    db: Database, clock: FixedClock
) -> None:
    setup_three(db, clock)
    platform = StopsAfterFirst({})
    policy = DispatchPolicy(batch_size=1)
    dispatcher = Dispatcher(db, {"local": platform}, clock, policy, "w1")
    platform.dispatcher = dispatcher
    assert asyncio.run(dispatcher.drain()).counts == {"sent": 1}
    after = sorted(statuses(db).values())
    assert after == [("pending", 0, ""), ("pending", 0, ""), ("sent", 1, "")]
    rows = db.work(lambda s: s.exec(select(Delivery)).all())
    assert all(row.claimed_by is None for row in rows)


class SlowFirst(ScriptedPlatform):
    """Takes a while over the first message it is given; records what arrived, by key. Paced,
    as Slack and Teams are, so the dispatcher overlaps its batches."""

    max_in_flight = 4
    paced = True

    async def send(
        self, recipient: Recipient, message: Message, send_key: str, maybe_sent: bool = False
    ) -> MessageRef:
        if not self.delivered and not getattr(self, "slowed", False):
            self.slowed = True
            await asyncio.sleep(0.3)
        self.delivered.append((recipient.platform_user_id, send_key))
        return MessageRef("local", {"id": len(self.delivered)})


def test_batches_overlap_but_each_persons_messages_keep_their_order(
    db: Database, clock: FixedClock
) -> None:
    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        people = [factories.person(s, school, name) for name in ("Ann Able", "Ben Busy")]
        for n in range(3):
            factories.briefing(s, school, clock.now(), slug=f"b{n}", send_on=clock.now().date())
        return [p.email for p in people]

    ann, ben = db.work(setup)
    db.work(lambda s: plan_due_briefings(s, clock.now(), "local"))
    keys = db.work(
        lambda s: [d.idempotency_key for d in s.exec(select(Delivery).order_by(Delivery.id))]
    )
    platform = SlowFirst({})
    dispatcher = Dispatcher(db, {"local": platform}, clock, DispatchPolicy(batch_size=1), "w1")
    assert asyncio.run(dispatcher.drain()).counts == {"sent": 6}
    first = keys[0]
    who_first = next(who for who, key in platform.delivered if key == first)
    other = ben if who_first == ann else ann
    # The next batch went out while the first (slow) one was still sending...
    assert platform.delivered[0][0] == other
    # ...but nobody's messages overtook each other.
    for person in (ann, ben):
        theirs = [key for who, key in platform.delivered if who == person]
        assert theirs == [key for key in keys if key in theirs] and len(theirs) == 3


class SlowFirstUnpaced(SlowFirst):
    paced = False


def test_without_a_paced_port_batches_take_turns(db: Database, clock: FixedClock) -> None:
    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        for name in ("Ann Able", "Ben Busy"):
            factories.person(s, school, name)
        factories.briefing(s, school, clock.now(), send_on=clock.now().date())

    db.work(setup)
    db.work(lambda s: plan_due_briefings(s, clock.now(), "local"))
    first = db.work(lambda s: s.exec(select(Delivery).order_by(Delivery.id)).first())
    platform = SlowFirstUnpaced({})
    dispatcher = Dispatcher(db, {"local": platform}, clock, DispatchPolicy(batch_size=1), "w1")
    assert asyncio.run(dispatcher.drain()).counts == {"sent": 2}
    assert platform.delivered[0][1] == first.idempotency_key  # the slow one, then the next


def test_a_delivery_is_given_up_after_the_last_attempt(db: Database, clock: FixedClock) -> None:
    _ann, ben, _cy = setup_three(db, clock)
    platform = ScriptedPlatform({ben: [TemporaryFailure("down")] * 10})
    policy = DispatchPolicy(batch_size=10, max_attempts=3, retry_base_seconds=1)
    dispatcher = Dispatcher(db, {"local": platform}, clock, policy, "w1")
    for _ in range(5):
        asyncio.run(dispatcher.drain())
        clock.moment += timedelta(minutes=10)
    failed = [v for v in statuses(db).values() if v[0] == "failed"]
    assert failed == [("failed", 3, "gave up after 3 tries: down")]


def test_a_person_with_no_account_on_the_platform_is_not_reached(
    db: Database, clock: FixedClock
) -> None:
    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        factories.person(s, school, "No Account", platform=None)
        factories.briefing(s, school, clock.now())

    db.work(setup)
    db.work(lambda s: plan_due_briefings(s, clock.now(), "local"))
    dispatcher = Dispatcher(db, {"local": ScriptedPlatform({})}, clock, DispatchPolicy(), "w1")
    assert asyncio.run(dispatcher.drain()).counts == {"not_reached": 1}
    assert list(statuses(db).values()) == [("not_reached", 1, "no local account is linked")]


def test_a_lapsed_claim_is_taken_over_and_a_live_one_is_not(
    db: Database, clock: FixedClock
) -> None:
    setup_three(db, clock)
    lease = timedelta(seconds=120)
    first = db.work(lambda s: claim_due(s, clock.now(), "crashed", lease, 2))
    assert len(first) == 2
    assert len(db.work(lambda s: claim_due(s, clock.now(), "other", lease, 10))) == 1
    clock.moment += timedelta(seconds=121)
    again = db.work(lambda s: claim_due(s, clock.now(), "other", lease, 10))
    # Every claim has lapsed by now, the crashed worker's and the other's alike.
    assert len(again) == 3
    assert {r.id: r.attempts for r in again if r.id in {f.id for f in first}} == {
        f.id: 2 for f in first
    }


def test_deliveries_wait_for_their_moment(db: Database) -> None:
    monday_evening = FixedClock(datetime(2026, 11, 2, 18, 0, tzinfo=UTC))
    setup_three(db, monday_evening)
    platform = ScriptedPlatform({})
    dispatcher = Dispatcher(db, {"local": platform}, monday_evening, DispatchPolicy(), "w1")
    assert len(statuses(db)) == 3
    assert asyncio.run(dispatcher.drain()).counts == {}
    monday_evening.moment = datetime(2026, 11, 3, 7, 29, tzinfo=UTC)
    assert asyncio.run(dispatcher.drain()).counts == {}
    monday_evening.moment = datetime(2026, 11, 3, 7, 30, tzinfo=UTC)
    assert asyncio.run(dispatcher.drain()).counts == {"sent": 3}


def test_two_workers_claiming_at_once_never_take_the_same_delivery(
    db: Database, clock: FixedClock
) -> None:
    """Replicas share one database: while one holds its claim open, the other takes the rest."""
    setup_three(db, clock)
    lease = timedelta(seconds=120)
    with ThreadPoolExecutor(1) as pool:
        with db.session() as first_session:
            first = claim_due(first_session, clock.now(), "replica-a", lease, 2)
            # On PostgreSQL the second worker skips the locked rows at once; on SQLite it waits
            # for the first transaction to commit and then sees those rows as claimed.
            second = pool.submit(
                lambda: db.work(lambda s: claim_due(s, clock.now(), "replica-b", lease, 10))
            )
            time.sleep(0.3)
            first_ids = {row.id for row in first}
    second_ids = {row.id for row in second.result(timeout=30)}
    assert len(first_ids) == 2 and len(second_ids) == 1
    assert first_ids.isdisjoint(second_ids)


def test_someone_who_left_after_planning_is_not_sent_it(db: Database, clock: FixedClock) -> None:
    ann, _ben, _cy = setup_three(db, clock)

    def leave(s):  # type: ignore[no-untyped-def]
        person = s.exec(select(factories.Staff).where(factories.Staff.email == ann)).one()
        person.active = False
        s.add(person)

    db.work(leave)
    platform = ScriptedPlatform({})
    dispatcher = Dispatcher(db, {"local": platform}, clock, DispatchPolicy(), "w1")
    assert asyncio.run(dispatcher.drain()).counts == {"sent": 2, "cancelled": 1}
    assert ann not in [who for who, _title in platform.delivered]
    assert ("cancelled", 1, "the person has left or was deactivated") in statuses(db).values()


class RunningClock:
    """Real time, but starting on a school day in the sending hours (a Tuesday in term)."""

    def __init__(self, start: datetime) -> None:
        self.start, self.began = start, time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.began)


class SlowPlatform(ScriptedPlatform):
    """A platform that takes its time over each message, as Slack does when it is busy."""

    def __init__(self, seconds: float) -> None:
        super().__init__({})
        self.seconds = seconds

    async def send(
        self, recipient: Recipient, message: Message, send_key: str, maybe_sent: bool = False
    ) -> MessageRef:
        await asyncio.sleep(self.seconds)
        return await super().send(recipient, message, send_key, maybe_sent)


def setup_many(db: Database, clock: object, count: int) -> list[str]:
    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        people = [factories.person(s, school, f"Person {n:02d}") for n in range(count)]
        factories.briefing(s, school, clock.now(), send_on=clock.now().date())  # type: ignore[attr-defined]
        return [p.email for p in people]

    emails = db.work(setup)
    db.work(lambda s: plan_due_briefings(s, clock.now(), "local"))  # type: ignore[attr-defined]
    return emails


def test_a_claim_held_by_a_slow_batch_is_never_taken_by_another_worker(db: Database) -> None:
    """Two dispatchers on one database, a lease shorter than a batch takes to send: the first
    keeps renewing its claim while it sends, so the second never takes (and sends) the same
    rows, and nobody gets the briefing twice."""
    clock = RunningClock(datetime(2026, 11, 3, 10, 0, tzinfo=UTC))
    emails = setup_many(db, clock, 8)
    policy = DispatchPolicy(batch_size=8, lease_seconds=1.0)
    first_platform, second_platform = SlowPlatform(0.3), SlowPlatform(0.3)
    first = Dispatcher(db, {"local": first_platform}, clock, policy, "replica-a")
    second = Dispatcher(db, {"local": second_platform}, clock, policy, "replica-b")

    async def keep_draining(dispatcher: Dispatcher, seconds: float) -> None:
        ends = time.monotonic() + seconds
        while time.monotonic() < ends:
            await dispatcher.drain(max_batches=1)
            await asyncio.sleep(0.1)

    async def both() -> None:
        # One batch each: without renewal the two would pass lapsed rows back and forth.
        started = asyncio.ensure_future(first.drain(max_batches=1))
        await asyncio.sleep(0.2)  # the first has claimed every row by now
        await asyncio.gather(started, keep_draining(second, 3.5))

    asyncio.run(both())
    received = [who for who, _ in first_platform.delivered + second_platform.delivered]
    assert sorted(received) == sorted(emails)  # each person once, nobody missed
    assert {s for s, _a, _e in statuses(db).values()} == {"sent"}


def test_a_backlog_found_at_the_weekend_waits_for_monday_morning(db: Database) -> None:
    """Planned for Friday afternoon, found by a dispatcher that was down until Saturday: it
    waits for each person's next sending moment, Monday 07:30, rather than going at once."""
    clock = FixedClock(datetime(2026, 11, 6, 16, 29, tzinfo=UTC))  # Friday, in term
    setup_three(db, clock)
    clock.moment = datetime(2026, 11, 7, 10, 0, tzinfo=UTC)  # Saturday
    platform = ScriptedPlatform({})
    dispatcher = Dispatcher(db, {"local": platform}, clock, DispatchPolicy(), "w1")
    assert asyncio.run(dispatcher.drain()).sent == 0
    rows = db.work(lambda s: s.exec(select(Delivery)).all())
    assert {(r.status, r.not_before, r.attempts) for r in rows} == {
        ("pending", datetime(2026, 11, 9, 7, 30, tzinfo=UTC), 0)
    }
    clock.moment = datetime(2026, 11, 9, 7, 30, tzinfo=UTC)
    assert asyncio.run(dispatcher.drain()).counts == {"sent": 3}


def test_a_retry_that_would_land_after_hours_waits_for_the_next_day(db: Database) -> None:
    clock = FixedClock(datetime(2026, 11, 3, 16, 29, tzinfo=UTC))  # Tuesday, a minute to go
    _ann, ben, _cy = setup_three(db, clock)
    platform = ScriptedPlatform({ben: [TemporaryFailure("busy", retry_after=120)]})
    dispatcher = Dispatcher(db, {"local": platform}, clock, DispatchPolicy(), "w1")
    assert asyncio.run(dispatcher.drain()).counts == {"sent": 2, "retry": 1}
    clock.moment = datetime(2026, 11, 3, 16, 31, tzinfo=UTC)
    assert asyncio.run(dispatcher.drain()).sent == 0
    waiting = db.work(lambda s: s.exec(select(Delivery).where(Delivery.status == "pending")).one())
    assert waiting.not_before == datetime(2026, 11, 4, 7, 30, tzinfo=UTC)
    clock.moment = waiting.not_before
    assert asyncio.run(dispatcher.drain()).counts == {"sent": 1}


def test_what_the_sendco_sends_now_goes_whatever_the_hour(db: Database) -> None:
    """ "Send now" is the SENDCO's own choice (and the demo's): it is not held for Monday."""
    clock = FixedClock(datetime(2026, 11, 7, 10, 0, tzinfo=UTC))  # Saturday

    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        for name in ("Ann Able", "Ben Busy"):
            factories.person(s, school, name)
        briefing = factories.briefing(s, school, clock.now(), send_on=clock.now().date())
        return plan_briefing(s, briefing, clock.now(), "local", send_now=True)

    assert db.work(setup) == 2
    dispatcher = Dispatcher(db, {"local": ScriptedPlatform({})}, clock, DispatchPolicy(), "w1")
    assert asyncio.run(dispatcher.drain()).counts == {"sent": 2}


class RecordsLooks(ScriptedPlatform):
    """Records, for each try, whether the dispatcher said it may have gone before."""

    def __init__(self, script: dict[str, list[Exception]]) -> None:
        super().__init__(script)
        self.looks: list[tuple[str, bool]] = []

    async def send(
        self, recipient: Recipient, message: Message, send_key: str, maybe_sent: bool = False
    ) -> MessageRef:
        self.looks.append((recipient.platform_user_id, maybe_sent))
        return await super().send(recipient, message, send_key, maybe_sent)


def test_only_a_try_that_got_no_answer_is_looked_for_before_sending_again(
    db: Database, clock: FixedClock
) -> None:
    """A 429 is an answer (it did not go); a timeout is not (it may have): the next try of the
    second is told so, and the platform looks (Slack) or holds back (Teams)."""
    ann, ben, _cy = setup_three(db, clock)
    platform = RecordsLooks(
        {
            ann: [TemporaryFailure("429", retry_after=1)],
            ben: [TemporaryFailure("timed out", may_have_gone=True)],
        }
    )
    policy = DispatchPolicy(retry_base_seconds=1)
    dispatcher = Dispatcher(db, {"local": platform}, clock, policy, "w1")
    asyncio.run(dispatcher.drain())
    clock.moment += timedelta(seconds=5)
    asyncio.run(dispatcher.drain())
    second_tries = [(who, looked) for who, looked in platform.looks[3:]]
    assert sorted(second_tries) == sorted([(ann, False), (ben, True)])
