"""Sending on Teams: TeamsChat with the real Agents SDK connector client and msal, against the
fake sign-in service and the fake Bot Connector with Teams' limits and faults. Time inside the
fake runs `SCALE` times faster than the wall clock where a test says so, and TeamsChat is told.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from microsoft_agents.authentication.msal import MsalAuth

from bot.chat.teams.adapter import (
    BLOCKED,
    NEVER_SEEN,
    NOT_INSTALLED,
    TENANT_PROBLEMS,
    UNCONFIRMED,
    TeamsChat,
)
from bot.chat.teams.tokens import CONNECTOR_SCOPE, ConnectorTokens, auth_configuration
from bot.services.chat_port import (
    Button,
    Message,
    MessageRef,
    NotReachable,
    Recipient,
    Refused,
    SetUpProblem,
    TemporaryFailure,
)
from tests.fakes.teams_cards import ADAPTIVE_CARD, card_problem
from tests.fakes.teams_connector import FakeTeams
from tests.fakes.teams_identity import FakeIdentity
from tests.fakes.teams_limits import TeamsLimits
from tests.fakes.teams_sdk import sdk_pointed_at

SCALE = 10  # a fake Teams second passes in a tenth of a real one


@pytest.fixture(scope="module")
def identity() -> Iterator[FakeIdentity]:
    with FakeIdentity() as fake:
        yield fake


@pytest.fixture(autouse=True)
def pointed(identity: FakeIdentity) -> Iterator[None]:
    with sdk_pointed_at(identity):
        yield


@pytest.fixture
def teams(identity: FakeIdentity) -> Iterator[FakeTeams]:
    """A tenant without limits, for tests about something other than pacing."""
    with FakeTeams(identity, limits=TeamsLimits.unlimited()) as fake:
        fake.add_user("aad-ann", "Ann Smith", "ann@school.example", installed=True)
        fake.add_user("aad-bob", "Bob Jones", "bob@school.example")
        yield fake


def chat(teams: FakeTeams, scope: str = CONNECTOR_SCOPE, **options: Any) -> TeamsChat:
    """Our adapter as bootstrap would build it, with the fake's sign-in host as the authority."""
    identity = teams.identity
    config = auth_configuration(
        identity.client_id, identity.client_secret, identity.tenant_id, identity.base_url
    )
    return TeamsChat(
        ConnectorTokens(MsalAuth(config), scope),
        bot_id=identity.client_id,
        tenant_id=identity.tenant_id,
        **options,
    )


def run(teams: FakeTeams, work: Callable[[TeamsChat], Awaitable[Any]], **options: Any) -> Any:
    async def go() -> Any:
        adapter = chat(teams, **options)
        try:
            return await work(adapter)
        finally:
            await adapter.close()

    return asyncio.run(go())


def person(teams: FakeTeams, aad_id: str, **extra: Any) -> Recipient:
    """A person as the inbound half stores them: service URL and Teams id, maybe a conversation."""
    reference = {"service_url": teams.service_url, "teams_user_id": teams.user(aad_id).teams_id}
    return Recipient(aad_id, reference | extra)


def briefing(title: str = "Monday briefing") -> Message:
    return Message(
        kind="briefing",
        title=title,
        lines=("Year 9 trip: Ann leads.",),
        buttons=(Button("read", "42", "Got it", primary=True),),
    )


def card_title(activity: dict[str, Any]) -> str:
    [attachment] = activity["attachments"]
    assert attachment["contentType"] == ADAPTIVE_CARD
    assert card_problem(attachment["content"]) is None
    return attachment["content"]["body"][0]["text"]


# --- sending and updating ---------------------------------------------------------------------


def test_a_card_is_sent_in_a_new_conversation_and_replaced_by_an_update(
    teams: FakeTeams,
) -> None:
    ann = person(teams, "aad-ann")

    async def work(adapter: TeamsChat) -> MessageRef:
        ref = await adapter.send(ann, briefing(), "k1")
        await adapter.update(ref, briefing("Monday briefing: read"))
        return ref

    ref = run(teams, work)
    conversation = teams.conversation_id("aad-ann")
    [sent] = teams.messages_to("aad-ann")
    assert ref == MessageRef(
        "teams",
        {
            "service_url": teams.service_url,
            "conversation_id": conversation,
            "activity_id": sent["id"],
        },
    )
    assert sent["updates"] == 1 and "read" in card_title(sent)
    assert teams.calls == {"create_conversation": 1, "send": 1, "update": 1}
    [created] = teams.requests("create_conversation")
    assert created["members"] == [{"id": ann.extra["teams_user_id"]}]
    assert created["tenantId"] == teams.identity.tenant_id


def test_a_stored_conversation_is_used_without_creating_one(teams: FakeTeams) -> None:
    first = run(teams, lambda adapter: adapter.send(person(teams, "aad-ann"), briefing(), "k1"))
    again = person(teams, "aad-ann", conversation_id=first.data["conversation_id"])
    run(teams, lambda adapter: adapter.send(again, briefing("Tuesday"), "k2"))
    assert teams.calls["create_conversation"] == 1 and teams.calls["send"] == 2
    assert [card_title(m) for m in teams.messages_to("aad-ann")][1].startswith("Tuesday")


def test_a_stale_conversation_is_opened_again_and_the_card_arrives(teams: FakeTeams) -> None:
    stale = person(teams, "aad-ann", conversation_id="a:1gone")
    ref = run(teams, lambda adapter: adapter.send(stale, briefing(), "k1"))
    assert ref.data["conversation_id"] == teams.conversation_id("aad-ann")
    assert len(teams.messages_to("aad-ann")) == 1


def test_two_sends_with_one_key_arrive_once(teams: FakeTeams) -> None:
    ann = person(teams, "aad-ann")

    async def work(adapter: TeamsChat) -> list[MessageRef]:
        return [await adapter.send(ann, briefing(), "same", maybe_sent=n > 0) for n in range(2)]

    first, second = run(teams, work)
    assert first == second
    assert len(teams.messages_to("aad-ann")) == 1 and teams.calls["send"] == 1


def test_the_token_is_fetched_once_for_many_sends(teams: FakeTeams) -> None:
    before = teams.identity.calls["token"]

    async def work(adapter: TeamsChat) -> None:
        for n in range(5):
            await adapter.send(person(teams, "aad-ann"), briefing(), f"k{n}")

    run(teams, work)
    assert teams.identity.calls["token"] - before == 1
    assert len(teams.messages_to("aad-ann")) == 5


# --- people sendbot cannot reach --------------------------------------------------------------


def test_a_person_without_the_app_is_not_reachable_and_the_sendco_is_told_why(
    teams: FakeTeams,
) -> None:
    with pytest.raises(NotReachable) as refused:
        run(teams, lambda adapter: adapter.send(person(teams, "aad-bob"), briefing(), "k1"))
    assert refused.value.reason == NOT_INSTALLED == "sendbot is not installed for them in Teams"
    assert teams.calls["send"] == 0


def test_a_person_who_removed_the_app_is_not_reachable(teams: FakeTeams) -> None:
    first = run(teams, lambda adapter: adapter.send(person(teams, "aad-ann"), briefing(), "k1"))
    teams.set_installed("aad-ann", False)
    stored = person(teams, "aad-ann", conversation_id=first.data["conversation_id"])
    with pytest.raises(NotReachable, match="not installed"):
        run(teams, lambda adapter: adapter.send(stored, briefing(), "k2"))
    assert len(teams.messages_to("aad-ann")) == 1


def test_a_person_never_seen_in_teams_is_not_reachable_without_asking_teams(
    teams: FakeTeams,
) -> None:
    with pytest.raises(NotReachable) as refused:
        run(teams, lambda adapter: adapter.send(Recipient("aad-ann"), briefing(), "k1"))
    assert refused.value.reason == NEVER_SEEN
    assert sum(teams.calls.values()) == 0


# --- faults -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "retry_after"), [(429, 1.0), (412, None), (502, None), (503, None), (504, None)]
)
def test_throttling_and_outages_are_temporary_and_a_later_try_arrives_once(
    teams: FakeTeams, status: int, retry_after: float | None
) -> None:
    ann = person(teams, "aad-ann")
    teams.fail_next("send", status=status)

    async def work(adapter: TeamsChat) -> MessageRef:
        with pytest.raises(TemporaryFailure) as failed:
            await adapter.send(ann, briefing(), "k1")
        assert failed.value.retry_after == retry_after
        assert str(status) in failed.value.reason
        return await adapter.send(ann, briefing(), "k1")  # Teams answered: it did not go

    ref = run(teams, work)
    [sent] = teams.messages_to("aad-ann")
    assert ref.data["activity_id"] == sent["id"]


def test_a_dropped_connection_is_temporary(teams: FakeTeams) -> None:
    teams.drop_next("send")
    with pytest.raises(TemporaryFailure, match="could not reach Teams") as failed:
        run(teams, lambda adapter: adapter.send(person(teams, "aad-ann"), briefing(), "k1"))
    assert failed.value.may_have_gone  # no answer: it may have arrived
    assert teams.messages_to("aad-ann") == []


def test_a_send_that_may_have_arrived_is_not_sent_again_so_nobody_sees_it_twice(
    teams: FakeTeams,
) -> None:
    """Teams took the message but the answer was lost. A bot cannot read its own chat to look,
    so the next try does not post again: at most once, said plainly for the SENDCO."""
    ann = person(teams, "aad-ann")
    teams.drop_next("send", applied=True)
    with pytest.raises(TemporaryFailure) as failed:
        run(teams, lambda adapter: adapter.send(ann, briefing(), "k1"))
    assert failed.value.may_have_gone
    with pytest.raises(NotReachable) as held_back:
        run(teams, lambda adapter: adapter.send(ann, briefing(), "k1", maybe_sent=True))
    assert held_back.value.reason == UNCONFIRMED
    assert len(teams.messages_to("aad-ann")) == 1


def test_an_update_that_meets_a_429_is_temporary(teams: FakeTeams) -> None:
    async def work(adapter: TeamsChat) -> None:
        ref = await adapter.send(person(teams, "aad-ann"), briefing(), "k1")
        teams.fail_next("update", status=429)
        with pytest.raises(TemporaryFailure) as failed:
            await adapter.update(ref, briefing("Read"))
        assert failed.value.retry_after == 1.0

    run(teams, work)
    assert teams.messages_to("aad-ann")[0]["updates"] == 0


@pytest.mark.parametrize("status", [400, 413, 500])
def test_errors_microsoft_says_not_to_retry_are_refused_for_good(
    teams: FakeTeams, status: int
) -> None:
    teams.fail_next("send", status=status)
    with pytest.raises(Refused) as refused:
        run(teams, lambda adapter: adapter.send(person(teams, "aad-ann"), briefing(), "k1"))
    assert str(status) in refused.value.reason
    assert teams.calls["send"] == 1  # not tried again


def test_a_429_without_retry_after_is_temporary_with_no_wait_given(teams: FakeTeams) -> None:
    teams.fail_next("send", status=429, retry_after=False)
    with pytest.raises(TemporaryFailure) as failed:
        run(teams, lambda adapter: adapter.send(person(teams, "aad-ann"), briefing(), "k1"))
    assert failed.value.retry_after is None  # the dispatcher's own backoff applies


def test_a_person_who_blocked_sendbot_is_not_reached_and_is_again_once_unblocked(
    teams: FakeTeams,
) -> None:
    ann = person(teams, "aad-ann")
    teams.block("aad-ann")
    with pytest.raises(NotReachable) as refused:
        run(teams, lambda adapter: adapter.send(ann, briefing(), "k1"))
    assert refused.value.reason == BLOCKED
    teams.block("aad-ann", blocked=False)
    run(teams, lambda adapter: adapter.send(ann, briefing(), "k2"))
    assert len(teams.messages_to("aad-ann")) == 1


def test_a_bot_disabled_by_the_admin_or_the_wrong_cloud_is_a_set_up_problem(
    teams: FakeTeams,
) -> None:
    ann = person(teams, "aad-ann")
    teams.disable_bot()
    with pytest.raises(SetUpProblem) as disabled:
        run(teams, lambda adapter: adapter.send(ann, briefing(), "k1"))
    assert disabled.value.reason == TENANT_PROBLEMS["BotDisabledByAdmin"][0]
    assert "Teams admin centre" in disabled.value.fix
    teams.disable_bot(False)
    teams.fail_next("send", status="InvalidBotApiHost")
    with pytest.raises(SetUpProblem) as wrong_cloud:
        run(teams, lambda adapter: adapter.send(ann, briefing(), "k2"))
    assert "TEAMS_SERVICE_URL" in wrong_cloud.value.fix
    teams.fail_next("send", status="ForbiddenOperationException")
    with pytest.raises(NotReachable):
        run(teams, lambda adapter: adapter.send(ann, briefing(), "k3"))


def test_the_connector_token_is_asked_for_the_clouds_scope(teams: FakeTeams) -> None:
    """A token for GCC High's Bot Connector (api.botframework.us) is refused by the commercial
    Teams this fake plays, after one fresh try: proof that TEAMS_CONNECTOR_SCOPE is what is
    asked for, and that a wrong cloud reads as a sign-in problem with the settings to check."""
    ann = person(teams, "aad-ann")
    with pytest.raises(SetUpProblem) as refused:
        run(teams, lambda adapter: adapter.send(ann, briefing(), "k1"),
            scope="https://api.botframework.us/.default")  # fmt: skip
    assert "TEAMS_CLIENT_ID" in refused.value.fix
    assert teams.calls["create_conversation"] + teams.calls["send"] == 2  # tried, refreshed once
    assert teams.messages_to("aad-ann") == []


# --- Teams' limits ----------------------------------------------------------------------------


def test_a_burst_to_one_person_keeps_within_the_conversation_limits(
    identity: FakeIdentity,
) -> None:
    count = 70  # past 7 a second, 8 in 2 seconds and 60 in 30 seconds
    with FakeTeams(identity, limits=TeamsLimits(), time_scale=SCALE) as teams:
        teams.add_user("aad-ann", "Ann Smith", "ann@school.example", installed=True)
        ann = person(teams, "aad-ann")

        async def work(adapter: TeamsChat) -> float:
            started = time.monotonic()
            await asyncio.gather(
                *(adapter.send(ann, briefing(f"Note {n}"), f"k{n}") for n in range(count))
            )
            return time.monotonic() - started

        took = run(teams, work, time_scale=SCALE)
        assert teams.rate_limited == {}
        assert len(teams.messages_to("aad-ann")) == count
        # The 61st waited for the first to leave the 30-second window (3 real seconds).
        assert took >= 30 / SCALE


def test_sends_to_many_people_keep_within_the_tenant_allowance(identity: FakeIdentity) -> None:
    count = 45  # 90 requests (a conversation opened and a card sent each) at 20 a fake second
    with FakeTeams(identity, limits=TeamsLimits(per_app_per_second=20), time_scale=2) as teams:
        for n in range(count):
            teams.add_user(f"aad-{n}", f"Person {n}", f"p{n}@school.example", installed=True)

        async def work(adapter: TeamsChat) -> float:
            async def send(n: int) -> None:
                try:
                    await adapter.send(person(teams, f"aad-{n}"), briefing(), f"k{n}")
                except TemporaryFailure as exc:  # tried again after Retry-After, as the
                    await asyncio.sleep(exc.retry_after or 1.0)  # dispatcher would
                    await adapter.send(person(teams, f"aad-{n}"), briefing(), f"k{n}")

            started = time.monotonic()
            await asyncio.gather(*(send(n) for n in range(count)))
            return time.monotonic() - started

        took = run(teams, work, requests_per_second=20, time_scale=2)
        # The pacer probes above the setting for more (bot.chat.pacing.AdaptiveAllowance): a
        # few 429s are how it learns this tenant allows no more (unpaced: dozens).
        assert sum(teams.rate_limited.values()) <= count // 5
        assert all(len(teams.messages_to(f"aad-{n}")) == 1 for n in range(count))
        # 90 requests at no more than ~19 a fake second take over 4 fake (2 real) seconds.
        assert took >= 2.0
