"""A Teams conversation opened while sending is kept on the person's identity, so the next
message goes straight to it (both engines)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlmodel import select

from bot.services.briefings import plan_briefing
from bot.services.clock import FixedClock
from bot.services.dispatcher import Dispatcher, DispatchPolicy
from bot.storage.database import Database
from bot.storage.staff import ChatIdentity
from tests import factories
from tests.fakes.teams_connector import FakeTeams
from tests.fakes.teams_identity import FakeIdentity
from tests.fakes.teams_limits import TeamsLimits
from tests.fakes.teams_sdk import sdk_pointed_at
from tests.integration.test_teams_sending import chat


@pytest.fixture
def teams() -> Iterator[FakeTeams]:
    with FakeIdentity() as identity, sdk_pointed_at(identity):
        with FakeTeams(identity, limits=TeamsLimits.unlimited()) as fake:
            fake.add_user("aad-cara", "Cara Teams", "cara@oakhill.example", installed=True)
            yield fake


def test_the_conversation_is_opened_once_and_remembered(
    db: Database, clock: FixedClock, teams: FakeTeams
) -> None:
    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        person = factories.person(s, school, "Cara Teams", platform=None)
        reference = {
            "service_url": teams.service_url,
            "teams_user_id": teams.user("aad-cara").teams_id,
        }
        s.add(
            ChatIdentity(
                staff_id=person.id, platform="teams", platform_user_id="aad-cara", extra=reference
            )
        )
        for slug in ("first", "second"):
            briefing = factories.briefing(s, school, clock.now(), slug=slug)
            plan_briefing(s, briefing, clock.now(), "teams", send_now=True)

    db.work(setup)

    async def send() -> int:
        # One briefing a drain, each drain with a new adapter (as after a restart): nothing
        # about the conversation is kept in memory between them.
        sent = 0
        for _ in range(2):
            adapter = chat(teams)
            policy = DispatchPolicy(batch_size=1)
            report = await Dispatcher(db, {"teams": adapter}, clock, policy, "t").drain(
                max_batches=1
            )
            await adapter.close()
            sent += report.sent
        return sent

    assert asyncio.run(send()) == 2
    extra = db.work(lambda s: s.exec(select(ChatIdentity.extra)).one())
    assert extra["conversation_id"] == teams.user("aad-cara").conversation_id
    assert teams.calls["create_conversation"] == 1
    assert len(teams.messages_to("aad-cara")) == 2
