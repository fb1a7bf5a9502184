"""Sending at scale on Slack: the dispatcher, through SlackChat and the real slack_sdk client,
against the fake Slack with its limits. Time inside the fake runs `SCALE` times faster than the
clock on the wall, and SlackChat is told so, so minutes of Slack pass in seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.chat.slack.adapter import NOT_REACHABLE, SET_UP, SlackChat, web_client
from bot.domain.people import Role
from bot.services.briefings import plan_briefing
from bot.services.clock import FixedClock
from bot.services.dispatcher import Dispatcher, DispatchPolicy, DrainReport
from bot.services.platform_status import current_problems
from bot.storage.database import Database
from bot.storage.outbox import Delivery
from bot.storage.sender_lock import SenderLock
from bot.storage.staff import ChatIdentity
from tests import factories
from tests.contract.harnesses import seen_from_blocks
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_limits import SlackLimits
from tests.integration.webapp import client_for, sendbot_for, sign_in

SCALE = 30  # one fake Slack minute passes in two real seconds
ALLOWANCE = 120  # the fake workspace's chat.postMessage allowance a (fake) minute
POST = "chat.postMessage"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """A workspace with Slack's limits: the allowance, one a second per conversation."""
    limits = SlackLimits(post_per_minute=ALLOWANCE, post_per_second=1.0, post_burst=3)
    with FakeSlack(limits=limits, time_scale=SCALE) as fake:
        yield fake


def slack_chat(slack: FakeSlack, per_minute: float = ALLOWANCE, in_flight: int = 8) -> SlackChat:
    """Our adapter on the client sendbot builds, keeping time with the fake's (faster) clock."""
    return SlackChat(
        web_client(slack.token, slack.base_url),
        messages_per_minute=per_minute,
        max_in_flight=in_flight,
        time_scale=SCALE,
    )


def dispatcher(db: Database, clock: FixedClock, chat: SlackChat) -> Dispatcher:
    # A short backoff base, so a Retry-After of one second is the longer of the two.
    policy = DispatchPolicy(batch_size=200, max_attempts=4, retry_base_seconds=0.5)
    return Dispatcher(db, {"slack": chat}, clock, policy, "w1")


def user_id(staff_id: int) -> str:
    return f"U{staff_id:08d}"


def people(
    db: Database, slack: FakeSlack, count: int, department: str = "Science", **account: bool
) -> list[int]:
    """`count` staff linked to Slack user ids, and in the fake workspace unless in_slack=False."""
    in_slack = account.pop("in_slack", True)

    def setup(s):  # type: ignore[no-untyped-def]
        school = s.exec(select(factories.School)).first() or factories.school(s)
        made = [
            factories.person(s, school, f"{department} {n}", department=department, platform=None)
            for n in range(count)
        ]
        for p in made:
            s.add(ChatIdentity(staff_id=p.id, platform="slack", platform_user_id=user_id(p.id)))
        return [(p.id, p.email) for p in made]

    made = db.work(setup)
    if in_slack:
        for staff_id, email in made:
            slack.add_user(user_id(staff_id), email, **account)
    return [staff_id for staff_id, _email in made]


def briefings(db: Database, clock: FixedClock, count: int = 1, audience: str = "all") -> None:
    """`count` briefings to the audience, planned to go now, titled "{audience} 1" and on."""

    def plan(s):  # type: ignore[no-untyped-def]
        school = s.exec(select(factories.School)).one()
        for n in range(count):
            slug = f"{audience.split()[-1].lower()}-{n}"
            briefing = factories.briefing(s, school, clock.now(), slug=slug, audience=[audience])
            briefing.title = f"{audience} {n + 1}"
            plan_briefing(s, briefing, clock.now(), "slack", send_now=True)

    db.work(plan)


def drain(d: Dispatcher) -> tuple[DrainReport, float]:
    started = time.monotonic()
    report = asyncio.run(d.drain())
    return report, time.monotonic() - started


def deliveries(db: Database) -> dict[int, Delivery]:
    return {r.staff_id: r for r in db.work(lambda s: s.exec(select(Delivery)).all())}


def arrived(slack: FakeSlack) -> list[tuple[str, str]]:
    """(person, title) for every message in the fake, in the order Slack took them."""
    return [(m["user"], seen_from_blocks(m["blocks"]).title) for m in slack.messages]


def test_a_fan_out_keeps_within_the_workspace_allowance(
    db: Database, clock: FixedClock, slack: FakeSlack
) -> None:
    staff = people(db, slack, ALLOWANCE + 40)
    briefings(db, clock)

    report, seconds = drain(dispatcher(db, clock, slack_chat(slack)))

    assert report.counts == {"sent": len(staff)}
    # The pacer probes above the setting for more (bot.chat.pacing.AdaptiveAllowance): a 429
    # or two, each waited out, is how it learns this workspace allows no more.
    assert slack.rate_limited[POST] <= len(staff) // 20
    assert sorted(arrived(slack)) == sorted((user_id(s), "all 1") for s in staff)
    # More than an allowance went out, so it took over a (fake) minute: paced, not refused.
    assert seconds * SCALE >= 60


def test_one_persons_messages_go_about_one_a_second_and_in_order(
    db: Database, clock: FixedClock, slack: FakeSlack
) -> None:
    (ann,) = people(db, slack, 1)
    briefings(db, clock, 6)

    report, seconds = drain(dispatcher(db, clock, slack_chat(slack)))

    assert report.counts == {"sent": 6}
    assert slack.rate_limited == {}
    assert arrived(slack) == [(user_id(ann), f"all {n}") for n in range(1, 7)]
    # Slack lets three through at once; we keep to one a (fake) second from the first.
    assert seconds * SCALE >= 5


def test_a_429_is_waited_out_for_its_retry_after_and_the_message_arrives_once(
    db: Database, clock: FixedClock, slack: FakeSlack
) -> None:
    (ann,) = people(db, slack, 1)
    briefings(db, clock)
    slack.fail_next(POST, status=429)  # Retry-After: 1

    report, seconds = drain(dispatcher(db, clock, slack_chat(slack)))

    assert report.counts == {"sent": 1}
    assert seconds >= 1.0
    assert slack.calls[POST] == 2
    assert arrived(slack) == [(user_id(ann), "all 1")]


def test_a_429_that_persists_puts_the_delivery_off_for_at_least_retry_after(
    db: Database, clock: FixedClock, slack: FakeSlack
) -> None:
    (ann,) = people(db, slack, 1)
    briefings(db, clock)
    slack.fail_next(POST, times=2, status=429)
    d = dispatcher(db, clock, slack_chat(slack))

    assert drain(d)[0].counts == {"retry": 1}
    row = deliveries(db)[ann]
    assert (row.status, row.not_before) == ("pending", clock.now() + timedelta(seconds=1))
    assert slack.messages == []

    clock.moment += timedelta(seconds=1)
    assert drain(d)[0].counts == {"sent": 1}
    assert slack.calls[POST] == 3
    assert arrived(slack) == [(user_id(ann), "all 1")]


@pytest.mark.parametrize("fault", [500, 503, "dropped"])
def test_server_errors_and_a_dropped_connection_are_retried_and_arrive_once(
    db: Database, clock: FixedClock, slack: FakeSlack, fault: int | str
) -> None:
    ann, ben = people(db, slack, 2)
    briefings(db, clock)
    if fault == "dropped":
        slack.drop_next(POST)
    else:
        slack.fail_next(POST, status=int(fault))

    report, _seconds = drain(dispatcher(db, clock, slack_chat(slack)))

    assert report.counts == {"sent": 2}
    assert slack.calls[POST] == 3
    assert sorted(arrived(slack)) == [(user_id(ann), "all 1"), (user_id(ben), "all 1")]


def test_people_slack_will_not_let_us_reach_are_marked_with_the_reason_and_not_retried(
    db: Database, clock: FixedClock, slack: FakeSlack
) -> None:
    (tab_off,) = people(db, slack, 1, department="Art", messages_tab=False)
    (not_there,) = people(db, slack, 1, department="Drama", in_slack=False)
    (deactivated,) = people(db, slack, 1, department="Music", deleted=True)
    (reached,) = people(db, slack, 1)
    briefings(db, clock)
    d = dispatcher(db, clock, slack_chat(slack))

    assert drain(d)[0].counts == {"not_reached": 3, "sent": 1}
    rows = deliveries(db)
    assert {who: (rows[who].status, rows[who].last_error) for who in rows} == {
        tab_off: ("not_reached", NOT_REACHABLE["messages_tab_disabled"]),
        not_there: ("not_reached", NOT_REACHABLE["user_not_found"]),
        deactivated: ("not_reached", NOT_REACHABLE["user_disabled"]),
        reached: ("sent", ""),
    }
    assert slack.calls[POST] == 4  # one try each: the retry handlers left them alone

    clock.moment += timedelta(days=1)
    assert drain(d)[0].counts == {}
    assert slack.calls[POST] == 4
    assert arrived(slack) == [(user_id(reached), "all 1")]


def test_a_dead_token_pauses_sending_without_marking_anyone_and_a_reinstall_resumes_it(
    db: Database, clock: FixedClock, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """account_inactive is Slack's word for sendbot's own token (its workspace or installing
    user deleted), not for a person: nobody is "not reached" for good, the problem is noted
    with its fix, and once the token works again everything goes."""
    staff = people(db, slack, 20)
    briefings(db, clock)
    slack.refuse_token("account_inactive")
    d = dispatcher(db, clock, slack_chat(slack, in_flight=4))

    assert drain(d)[0].counts == {"held": 20}
    # Only the sends already under way when the first refusal came back asked Slack at all.
    assert slack.calls[POST] <= 4
    rows = deliveries(db)
    assert {(r.status, r.attempts) for r in rows.values()} == {("pending", 0)}
    problems = db.work(lambda s: current_problems(s))
    assert [(p.platform, p.reason) for p in problems] == [("slack", SET_UP["account_inactive"][0])]
    assert "Reinstall sendbot" in problems[0].fix
    assert any("refuses sendbot" in r.getMessage() for r in caplog.records)
    page = sendco_page(db, clock, "/sendco/people")
    assert 'data-platform-problem="slack"' in page and "Reinstall sendbot" in page

    slack.refuse_token(None)  # reinstalled
    clock.moment += timedelta(minutes=5)
    assert drain(d)[0].counts == {"sent": 20}
    assert sorted(who for who, _ in arrived(slack)) == sorted(map(user_id, staff))
    assert db.work(lambda s: current_problems(s)) == []
    assert "data-platform-problem" not in sendco_page(db, clock, "/sendco/people")


def sendco_page(db: Database, clock: FixedClock, path: str) -> str:
    """The page as the school's SENDCO sees it."""

    def sendco(s):  # type: ignore[no-untyped-def]
        named = select(factories.Staff).where(factories.Staff.name == "Sue Sendco")
        found = s.exec(named).first()
        if found is None:
            school = s.exec(select(factories.School)).one()
            found = factories.person(s, school, "Sue Sendco", roles={Role.SENDCO})
        return found.id

    sendbot = sendbot_for(db.engine.url.render_as_string(hide_password=False), clock)
    client = client_for(sendbot)
    sign_in(client, db.work(sendco))
    text = client.get(path).text
    sendbot.db.dispose()
    return text


def test_replicas_share_one_allowance_through_one_elected_sender(
    db: Database, clock: FixedClock, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """Two replicas on one PostgreSQL, each pacing itself to the whole allowance: only the one
    holding the sender lock sends, so together they never exceed it; when it goes, the other
    takes over."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("replicas share one PostgreSQL; SQLite serves a single process")
    staff = people(db, slack, ALLOWANCE + 20)
    # Ready before the first sender stops, so the takeover comes within its last minute.
    more = people(db, slack, ALLOWANCE // 2, department="Art")
    briefings(db, clock, audience="department: Science")
    policy = DispatchPolicy(batch_size=50, max_attempts=4, retry_base_seconds=0.5)
    locks = [SenderLock(db, "slack"), SenderLock(db, "slack")]
    replicas = [
        Dispatcher(db, {"slack": slack_chat(slack)}, clock, policy, f"replica-{n}", senders={
            "slack": lock})
        for n, lock in enumerate(locks)
    ]  # fmt: skip

    async def both() -> list[DrainReport]:
        return list(await asyncio.gather(*(replica.drain() for replica in replicas)))

    reports = asyncio.run(both())
    assert sorted(report.sent for report in reports) == [0, ALLOWANCE + 20]
    assert slack.rate_limited[POST] <= len(staff) // 20  # the sender's probing, waited out
    assert sorted(arrived(slack)) == sorted((user_id(s), "department: Science 1") for s in staff)

    sender = next(n for n, report in enumerate(reports) if report.sent)
    locks[sender].release()  # the sender's process stops
    briefings(db, clock, audience="department: Art")
    other = replicas[1 - sender]
    limited = slack.rate_limited[POST]
    # The new sender counts what the last one sent in the minute before it goes on: the
    # workspace's minute is full, so sending at once would meet Slack's 429s.
    caplog.clear()  # the first sender's own first term (nothing before it) is not this one
    with caplog.at_level(logging.INFO, logger="bot.services.dispatcher"):
        assert asyncio.run(other.drain()).sent == len(more)
    assert slack.rate_limited[POST] == limited
    # Every send of the last one counted (the test's clock stands still: all in the minute).
    learnt = [r.getMessage() for r in caplog.records if "count against its allowance" in r.message]
    assert learnt == [
        f"{len(staff)} sends on slack in the last 0:01:00 count against its allowance"
    ]
    assert {who for who, _ in arrived(slack)} >= set(map(user_id, more))
    locks[1 - sender].release()


def test_a_slow_slack_holds_up_no_more_than_max_in_flight_sends(
    db: Database, clock: FixedClock
) -> None:
    delay, in_flight, count = 0.3, 4, 16
    with FakeSlack(limits=SlackLimits.unlimited()) as slack:
        staff = people(db, slack, count)
        briefings(db, clock)
        slack.slow(POST, delay)
        chat = SlackChat(
            web_client(slack.token, slack.base_url),
            messages_per_minute=60_000,
            max_in_flight=in_flight,
        )

        report, seconds = drain(dispatcher(db, clock, chat))

        assert report.counts == {"sent": count}
        assert sorted(who for who, _title in arrived(slack)) == sorted(map(user_id, staff))
    # Four at a time: four rounds of one slow answer each. One at a time would take 16 rounds;
    # all at once, one.
    rounds = count // in_flight
    assert rounds * delay <= seconds < (rounds + 3) * delay
