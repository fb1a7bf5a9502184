"""The fake Slack answers the real slack_sdk clients as Slack does: format, DMs, limits, faults."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_limits import RateLimiter, SlackLimits

Blocks = list[dict[str, Any]]


class ManualClock:
    """A clock the test moves by hand, so limit windows need no sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def with_people(slack: FakeSlack) -> FakeSlack:
    slack.add_user("U1", "ann@school.example")
    slack.add_user("U2", "bob@school.example")
    slack.add_user("UOFF", "off@school.example", messages_tab=False)
    slack.add_user("UGONE", "gone@school.example", deleted=True)
    return slack


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """A workspace without limits, for tests about something else."""
    with FakeSlack(limits=SlackLimits.unlimited()) as fake:
        yield with_people(fake)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def sync_client(slack: FakeSlack, token: str | None = None) -> WebClient:
    return WebClient(token=token or slack.token, base_url=slack.base_url)


def async_client(slack: FakeSlack, **kwargs: Any) -> AsyncWebClient:
    return AsyncWebClient(token=slack.token, base_url=slack.base_url, **kwargs)


def raw_post(slack: FakeSlack, method: str, body: bytes, headers: dict[str, str]) -> Any:
    """An HTTP request by hand, to see the wire format without a client in between."""
    request = urllib.request.Request(slack.base_url + method, data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.headers, json.loads(response.read())


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(text: str = "Yes", value: str = "1", action_id: str = "answer") -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "value": value,
        "action_id": action_id,
    }


# --- wire format and auth ------------------------------------------------------------------------


def test_auth_test_answers_json_with_ok(slack: FakeSlack) -> None:
    headers, body = raw_post(slack, "auth.test", b"", {"Authorization": f"Bearer {slack.token}"})
    assert headers["Content-Type"].startswith("application/json")
    assert body["ok"] is True
    assert body["team_id"].startswith("T") and body["user_id"].startswith("U")
    assert asyncio.run(async_client(slack).auth_test())["bot_id"] == body["bot_id"]
    assert slack.calls["auth.test"] == 2


def test_a_wrong_or_missing_token_is_refused(slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as refused:
        sync_client(slack, token="xoxb-someone-else").chat_postMessage(channel="U1", text="hi")
    assert refused.value.response["error"] == "invalid_auth"
    _, body = raw_post(slack, "auth.test", b"", {})
    assert body == {"ok": False, "error": "not_authed"}
    assert slack.messages == []


def test_form_and_json_bodies_are_both_understood(slack: FakeSlack) -> None:
    client = sync_client(slack)
    blocks = [section("Form")]
    client.api_call(
        "chat.postMessage",
        data={"channel": "U1", "text": "form", "blocks": json.dumps(blocks)},
    )
    client.api_call("chat.postMessage", json={"channel": "U1", "text": "json", "blocks": blocks})
    _, body = raw_post(slack, f"auth.test?token={slack.token}", b"", {})
    assert body["ok"] is True  # the token as a parameter, which Slack also accepts
    sent = slack.messages_to("U1")
    assert [(m["text"], m["blocks"]) for m in sent] == [("form", blocks), ("json", blocks)]


def test_an_unknown_method_says_so(slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as refused:
        sync_client(slack).api_call("users.list")
    assert refused.value.response["error"] == "unknown_method"


# --- people and direct messages ------------------------------------------------------------------


def test_lookup_by_email_finds_people_and_says_who_is_missing(slack: FakeSlack) -> None:
    client = sync_client(slack)
    assert client.users_lookupByEmail(email="Ann@School.example")["user"]["id"] == "U1"
    gone = client.users_lookupByEmail(email="gone@school.example")["user"]
    assert (gone["id"], gone["deleted"]) == ("UGONE", True)
    with pytest.raises(SlackApiError) as missing:
        client.users_lookupByEmail(email="nobody@school.example")
    assert missing.value.response["error"] == "users_not_found"


def test_posting_to_a_user_id_opens_one_dm(slack: FakeSlack) -> None:
    async def post_twice() -> list[str]:
        client = async_client(slack)
        first = await client.chat_postMessage(channel="U1", text="one")
        second = await client.chat_postMessage(channel=first["channel"], text="two")
        opened = await client.conversations_open(users="U1")
        return [first["channel"], second["channel"], opened["channel"]["id"]]

    channels = asyncio.run(post_twice())
    assert channels[0].startswith("D") and len(set(channels)) == 1
    assert slack.dm_channel("U1") == channels[0]
    assert [m["text"] for m in slack.messages_to("U1")] == ["one", "two"]
    assert slack.messages_to("U2") == []


@pytest.mark.parametrize(
    ("channel", "reason"),
    [
        ("UOFF", "messages_tab_disabled"),
        ("UNOBODY", "user_not_found"),
        ("UGONE", "user_disabled"),
        ("D99999999", "channel_not_found"),
        ("C0NOTJOINED", "channel_not_found"),
    ],
)
def test_a_dm_that_cannot_be_delivered_fails_with_slacks_reason(
    slack: FakeSlack, channel: str, reason: str
) -> None:
    with pytest.raises(SlackApiError) as refused:
        asyncio.run(async_client(slack).chat_postMessage(channel=channel, text="hello"))
    assert refused.value.response.status_code == 200
    assert refused.value.response.data == {"ok": False, "error": reason}
    assert slack.messages == []


def test_conversations_open_refuses_missing_and_deactivated_people(slack: FakeSlack) -> None:
    client = sync_client(slack)
    for user, reason in [("UNOBODY", "user_not_found"), ("UGONE", "user_disabled")]:
        with pytest.raises(SlackApiError) as refused:
            client.conversations_open(users=user)
        assert refused.value.response["error"] == reason


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_update_replaces_the_message_and_keeps_what_was_left_out(slack: FakeSlack) -> None:
    client = sync_client(slack)
    posted = client.chat_postMessage(channel="U1", text="Question", blocks=[section("Live")])
    done = [section("You answered Yes")]
    updated = client.chat_update(channel=posted["channel"], ts=posted["ts"], blocks=done)
    assert updated["message"]["blocks"] == done
    [message] = slack.messages_to("U1")
    assert message == {
        "channel": posted["channel"],
        "user": "U1",
        "ts": posted["ts"],
        "text": "Question",
        "blocks": done,
        "thread_ts": None,
        "updates": 1,
    }


def test_update_needs_a_known_channel_and_ts(slack: FakeSlack) -> None:
    client = sync_client(slack)
    posted = client.chat_postMessage(channel="U1", text="Question")
    attempts = [
        ({"channel": posted["channel"], "ts": "1.000001"}, "message_not_found"),
        ({"channel": "U1", "ts": posted["ts"]}, "channel_not_found"),  # Slack wants the D id
    ]
    for args, reason in attempts:
        with pytest.raises(SlackApiError) as refused:
            client.chat_update(text="changed", **args)
        assert refused.value.response["error"] == reason
    assert slack.messages_to("U1")[0]["text"] == "Question"


def test_ephemerals_home_tabs_and_modals_are_kept(slack: FakeSlack) -> None:
    client = sync_client(slack)
    client.chat_postEphemeral(channel="C0STAFF", user="U1", text="Only you")
    client.views_publish(user_id="U1", view={"type": "home", "blocks": [section("old")]})
    client.views_publish(user_id="U1", view={"type": "home", "blocks": [section("new")]})
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Brief"}, "blocks": []}
    opened = client.views_open(trigger_id="t-1", view=modal)
    assert opened["view"]["id"].startswith("V")
    with pytest.raises(SlackApiError) as reused:
        client.views_open(trigger_id="t-1", view=modal)
    assert reused.value.response["error"] == "expired_trigger_id"
    with pytest.raises(SlackApiError) as unknown:
        client.views_publish(user_id="UNOBODY", view={"type": "home", "blocks": []})
    assert unknown.value.response["error"] == "user_not_found"
    assert [(e["channel"], e["user"], e["text"]) for e in slack.ephemerals] == [
        ("C0STAFF", "U1", "Only you")
    ]
    assert slack.views["U1"]["blocks"] == [section("new")]
    assert [m["trigger_id"] for m in slack.modals] == ["t-1"]


# --- Block Kit -----------------------------------------------------------------------------------


def actions(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements)}


# Each case builds blocks at size n; n = limit is accepted, n = limit + 1 is refused there.
BLOCK_LIMITS: list[tuple[str, Callable[[int], Blocks], int, str]] = [
    ("blocks", lambda n: [{"type": "divider"}] * n, 50, "/blocks"),
    (
        "header",
        lambda n: [{"type": "header", "text": {"type": "plain_text", "text": "h" * n}}],
        150,
        "/blocks/0/text/text",
    ),
    ("section", lambda n: [section("s" * n)], 3000, "/blocks/0/text/text"),
    (
        "button text",
        lambda n: [actions(button(text="b" * n))],
        75,
        "/blocks/0/elements/0/text/text",
    ),
    (
        "button value",
        lambda n: [actions(button(value="v" * n))],
        2000,
        "/blocks/0/elements/0/value",
    ),
    (
        "action_id",
        lambda n: [section("q"), actions(button(action_id="a" * n))],
        255,
        "/blocks/1/elements/0/action_id",
    ),
]


@pytest.mark.parametrize(
    ("build", "limit", "pointer"),
    [case[1:] for case in BLOCK_LIMITS],
    ids=[case[0] for case in BLOCK_LIMITS],
)
def test_block_kit_limits_are_enforced_at_the_edge(
    slack: FakeSlack, build: Callable[[int], Blocks], limit: int, pointer: str
) -> None:
    client = sync_client(slack)
    client.chat_postMessage(channel="U1", text="fits", blocks=build(limit))
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="U1", text="too big", blocks=build(limit + 1))
    body = refused.value.response.data
    assert body["error"] == "invalid_blocks"
    assert body["errors"][0].endswith(f"[json-pointer:{pointer}]")
    assert body["response_metadata"]["messages"][0].startswith("[ERROR] ")
    assert [m["text"] for m in slack.messages] == ["fits"]


def test_duplicate_action_ids_are_refused_within_one_actions_block(slack: FakeSlack) -> None:
    client = sync_client(slack)
    apart = [actions(button(action_id="yes")), actions(button(action_id="yes"))]
    client.chat_postMessage(channel="U1", text="apart", blocks=apart)
    together = [actions(button(action_id="yes"), button(action_id="yes"))]
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="U1", text="together", blocks=together)
    assert refused.value.response["errors"] == [
        "duplicate action_id [json-pointer:/blocks/0/elements/1/action_id]"
    ]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_updates_are_checked_like_posts(slack: FakeSlack) -> None:
    client = sync_client(slack)
    posted = client.chat_postMessage(channel="U1", text="Question")
    with pytest.raises(SlackApiError) as refused:
        client.chat_update(channel=posted["channel"], ts=posted["ts"], blocks=[section("s" * 3001)])
    assert refused.value.response["error"] == "invalid_blocks"
    assert slack.messages_to("U1")[0]["blocks"] == []


def test_text_over_40000_characters_is_too_long(slack: FakeSlack) -> None:
    client = sync_client(slack)
    client.chat_postMessage(channel="U1", text="x" * 40_000)
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="U1", text="x" * 40_001)
    assert refused.value.response["error"] == "msg_too_long"
    assert len(slack.messages) == 1


def test_views_hold_at_most_100_blocks(slack: FakeSlack) -> None:
    client = sync_client(slack)
    client.views_publish(user_id="U1", view={"type": "home", "blocks": [section("b")] * 100})
    with pytest.raises(SlackApiError) as refused:
        client.views_publish(user_id="U1", view={"type": "home", "blocks": [section("b")] * 101})
    assert refused.value.response["error"] == "invalid_arguments"
    assert refused.value.response["errors"] == [
        "no more than 100 items allowed [json-pointer:/view/blocks]"
    ]
    assert len(slack.views["U1"]["blocks"]) == 100


# --- rate limits ---------------------------------------------------------------------------------

# A valid call to each tiered method: (client, call number, a posted message) -> response.
TIER_CALLS: dict[str, Callable[[WebClient, int, Any], Any]] = {
    "users.lookupByEmail": lambda c, i, m: c.users_lookupByEmail(email="ann@school.example"),
    "chat.update": lambda c, i, m: c.chat_update(channel=m["channel"], ts=m["ts"], text=f"v{i}"),
    "conversations.open": lambda c, i, m: c.conversations_open(users="U1"),
    "views.publish": lambda c, i, m: c.views_publish(
        user_id="U1", view={"type": "home", "blocks": []}
    ),
    "views.open": lambda c, i, m: c.views_open(
        trigger_id=f"t{i}",
        view={"type": "modal", "title": {"type": "plain_text", "text": "M"}, "blocks": []},
    ),
    "chat.postEphemeral": lambda c, i, m: c.chat_postEphemeral(channel="C1", user="U1", text="e"),
}


@pytest.mark.parametrize(
    ("method", "per_minute"),
    [
        ("users.lookupByEmail", 50),
        ("chat.update", 50),
        ("conversations.open", 50),
        ("views.publish", 100),
        ("views.open", 100),
        ("chat.postEphemeral", 100),
    ],
)
def test_each_method_keeps_to_its_tier(method: str, per_minute: int, clock: ManualClock) -> None:
    with FakeSlack(clock=clock) as slack:
        client = sync_client(with_people(slack))
        posted = client.chat_postMessage(channel="U1", text="v")
        call = TIER_CALLS[method]
        for i in range(per_minute):
            assert call(client, i, posted)["ok"]
        clock.advance(30)
        with pytest.raises(SlackApiError) as limited:
            call(client, per_minute, posted)
        assert limited.value.response.status_code == 429
        assert limited.value.response.headers["Retry-After"] == "30"
        assert limited.value.response.data == {"ok": False, "error": "ratelimited"}
        clock.advance(30)
        assert call(client, per_minute + 1, posted)[
            "ok"
        ]  # the first minute's calls left the window
        assert slack.rate_limited == {method: 1}


def test_posts_keep_to_about_one_a_second_per_conversation(clock: ManualClock) -> None:
    limits = SlackLimits(post_per_second=1.0, post_burst=3)
    with FakeSlack(limits=limits, clock=clock) as slack:
        client = sync_client(with_people(slack))
        dm = [client.chat_postMessage(channel="U1", text=f"{i}")["channel"] for i in range(2)][0]
        client.chat_postMessage(channel=dm, text="2")  # the DM id shares the person's allowance
        with pytest.raises(SlackApiError) as limited:
            client.chat_postMessage(channel="U1", text="3")
        assert limited.value.response.headers["Retry-After"] == "1"
        client.chat_postMessage(channel="U2", text="another conversation")
        clock.advance(1)
        client.chat_postMessage(channel="U1", text="3")
        assert [m["text"] for m in slack.messages_to("U1")] == ["0", "1", "2", "3"]
        assert slack.rate_limited["chat.postMessage"] == 1


def test_posts_keep_to_the_workspace_allowance(clock: ManualClock) -> None:
    limits = SlackLimits(post_per_minute=20)
    with FakeSlack(limits=limits, clock=clock) as slack:
        client = sync_client(slack)
        for i in range(20):
            slack.add_user(f"U{i}", f"p{i}@school.example")
            client.chat_postMessage(channel=f"U{i}", text="hi")
            clock.advance(1)
        slack.add_user("ULATE", "late@school.example")
        for _ in range(3):  # refusals use up nothing, so waiting is enough
            with pytest.raises(SlackApiError) as limited:
                client.chat_postMessage(channel="ULATE", text="hi")
        assert limited.value.response.headers["Retry-After"] == "40"
        clock.advance(40)
        client.chat_postMessage(channel="ULATE", text="hi")
        assert len(slack.messages) == 21
        assert slack.rate_limited["chat.postMessage"] == 3
        assert slack.calls["chat.postMessage"] == 24


def test_time_scale_shortens_windows_and_retry_after(clock: ManualClock) -> None:
    limits = SlackLimits(per_minute={"users.lookupByEmail": 1})
    with FakeSlack(limits=limits, time_scale=10, clock=clock) as slack:
        client = sync_client(with_people(slack))
        client.users_lookupByEmail(email="ann@school.example")
        with pytest.raises(SlackApiError) as limited:
            client.users_lookupByEmail(email="ann@school.example")
        assert limited.value.response.headers["Retry-After"] == "6"  # 60 fake s = 6 real s
        clock.advance(6)
        client.users_lookupByEmail(email="ann@school.example")


@pytest.mark.parametrize(
    ("time_scale", "fake_wait", "retry_after"),
    [(1, 0.2, 1), (1, 59.01, 60), (10, 59, 6), (60, 60, 1), (60, 61, 2), (600, 1, 1)],
)
def test_retry_after_is_real_seconds_rounded_up_and_at_least_one(
    time_scale: float, fake_wait: float, retry_after: int
) -> None:
    limiter = RateLimiter(SlackLimits(), time_scale=time_scale)
    assert limiter.retry_after(fake_wait) == retry_after


def test_slack_sdk_honours_retry_after_and_then_succeeds() -> None:
    """Each limit answers a real 429 once; AsyncRateLimitErrorRetryHandler waits and succeeds."""

    async def lookups(slack: FakeSlack) -> list[bool]:
        client = async_client(slack, retry_handlers=[AsyncRateLimitErrorRetryHandler()])
        return [(await client.users_lookupByEmail(email="ann@school.example"))["ok"] for _ in "abc"]

    async def to_one_person(slack: FakeSlack) -> list[bool]:
        client = async_client(slack, retry_handlers=[AsyncRateLimitErrorRetryHandler()])
        return [(await client.chat_postMessage(channel="U1", text=t))["ok"] for t in "ab"]

    async def to_everyone(slack: FakeSlack) -> list[bool]:
        client = async_client(slack, retry_handlers=[AsyncRateLimitErrorRetryHandler()])
        return [(await client.chat_postMessage(channel=u, text="x"))["ok"] for u in ["U1", "U2"]]

    # One workspace per limit, each over its limit by one call; run together to wait once.
    cases = [
        (SlackLimits(per_minute={"users.lookupByEmail": 2}), 60, lookups, "users.lookupByEmail"),
        (SlackLimits(post_per_second=1, post_burst=1), 1, to_one_person, "chat.postMessage"),
        (SlackLimits(post_per_minute=1, post_per_second=None), 60, to_everyone, "chat.postMessage"),
    ]
    fakes = [FakeSlack(limits=limits, time_scale=scale) for limits, scale, _, _ in cases]
    for fake in fakes:
        with_people(fake.__enter__())
    try:

        async def run_all() -> list[list[bool]]:
            return await asyncio.gather(*(c[2](f) for c, f in zip(cases, fakes, strict=True)))

        assert all(all(results) for results in asyncio.run(run_all()))
        for (_, _, _, method), fake in zip(cases, fakes, strict=True):
            assert fake.rate_limited == {method: 1}
    finally:
        for fake in fakes:
            fake.__exit__(None, None, None)


# --- faults --------------------------------------------------------------------------------------

FAST_RETRY = FixedValueRetryIntervalCalculator(0.01)


@pytest.mark.parametrize(("status", "error"), [(500, "fatal_error"), (503, "service_unavailable")])
def test_server_errors_are_retried_by_the_sdk(slack: FakeSlack, status: int, error: str) -> None:
    slack.fail_next("chat.postMessage", times=1, status=status)
    retrying = async_client(
        slack, retry_handlers=[AsyncServerErrorRetryHandler(interval_calculator=FAST_RETRY)]
    )
    assert asyncio.run(retrying.chat_postMessage(channel="U1", text="hi"))["ok"]
    assert slack.calls["chat.postMessage"] == 2
    slack.fail_next("chat.postMessage", times=1, status=status)
    with pytest.raises(SlackApiError) as failed:
        asyncio.run(async_client(slack).chat_postMessage(channel="U1", text="lost"))
    assert failed.value.response.status_code == status
    assert failed.value.response.data == {"ok": False, "error": error}
    assert [m["text"] for m in slack.messages_to("U1")] == ["hi"]


def test_a_dropped_connection_raises_unless_retried(slack: FakeSlack) -> None:
    slack.drop_next("chat.postMessage", times=1)
    with pytest.raises(aiohttp.ClientError):
        asyncio.run(async_client(slack, retry_handlers=[]).chat_postMessage(channel="U1", text="a"))
    slack.drop_next("chat.postMessage", times=1)
    # slack_sdk's default handler for this; a fast interval only to keep the test short.
    retrying = async_client(
        slack, retry_handlers=[AsyncConnectionErrorRetryHandler(interval_calculator=FAST_RETRY)]
    )
    assert asyncio.run(retrying.chat_postMessage(channel="U1", text="b"))["ok"]
    assert [m["text"] for m in slack.messages_to("U1")] == ["b"]
    assert slack.calls["chat.postMessage"] == 3


def test_a_slow_answer_is_slow_and_can_time_out(slack: FakeSlack) -> None:
    slack.slow("auth.test", 0.3)
    started = time.monotonic()
    sync_client(slack).auth_test()
    assert time.monotonic() - started >= 0.3
    slack.slow("chat.postMessage", 1.5)
    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(async_client(slack, timeout=1).chat_postMessage(channel="U1", text="late"))
    slack.slow("auth.test", 0)
    started = time.monotonic()
    sync_client(slack).auth_test()
    assert time.monotonic() - started < 0.3


def test_many_concurrent_posts_are_each_kept_once(slack: FakeSlack) -> None:
    for i in range(200):
        slack.add_user(f"UP{i}", f"p{i}@school.example")

    async def fan_out() -> list[str]:
        client = async_client(slack)
        sent = await asyncio.gather(
            *(client.chat_postMessage(channel=f"UP{i}", text="brief") for i in range(200))
        )
        return [response["ts"] for response in sent]

    stamps = asyncio.run(fan_out())
    assert len(set(stamps)) == 200
    assert sorted(m["user"] for m in slack.messages) == sorted(f"UP{i}" for i in range(200))


@pytest.mark.parametrize("reason", ["account_inactive", "token_revoked"])
def test_a_dead_token_is_refused_for_every_call_until_it_works_again(
    slack: FakeSlack, reason: str
) -> None:
    slack.add_user("U1", "a@school.example")
    slack.refuse_token(reason)
    for method in ("chat_postMessage", "conversations_open"):
        with pytest.raises(SlackApiError) as refused:
            asyncio.run(getattr(async_client(slack), method)(channel="U1", users="U1", text="x"))
        assert refused.value.response["error"] == reason
    slack.refuse_token(None)
    assert asyncio.run(async_client(slack).chat_postMessage(channel="U1", text="x"))["ok"]
