"""POST /api/messages with real signed tokens (the fake identity) and real replies (the fake
Teams, through the Agents SDK): presses recorded once, bad tokens and other tenants refused."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from bot.chat.teams.commands import NOT_KNOWN as TEAMS_NOT_KNOWN
from bot.chat.teams.inbound import HELP, UNREADABLE
from bot.services.briefings import plan_briefing
from bot.services.clock import FixedClock
from bot.services.inbound import Inbound
from bot.storage.briefing import Acknowledgement
from bot.storage.database import Database
from bot.storage.outbox import Delivery
from bot.storage.staff import ChatIdentity
from bot.web.teams_endpoint import teams_router
from tests import factories
from tests.fakes.teams_activities import card_action_activity, install_activity, message_activity
from tests.fakes.teams_connector import FakeTeams
from tests.fakes.teams_identity import FakeIdentity
from tests.fakes.teams_limits import TeamsLimits
from tests.fakes.teams_sdk import sdk_pointed_at

ACK = "briefing.ack"


@pytest.fixture(scope="module")
def identity() -> Iterator[FakeIdentity]:
    with FakeIdentity() as fake:
        yield fake


@pytest.fixture
def teams(identity: FakeIdentity) -> Iterator[FakeTeams]:
    with sdk_pointed_at(identity), FakeTeams(identity, limits=TeamsLimits.unlimited()) as fake:
        for aad, name in (("aad-ann", "Ann Smith"), ("aad-new", "Nia New")):
            fake.add_user(aad, name, f"{aad}@school.example", installed=True)
            fake.tenant.conversation(fake.user(aad))  # the 1:1 chat the activities come from
        yield fake


@pytest.fixture
def client(db: Database, clock: FixedClock, identity: FakeIdentity, teams: FakeTeams) -> Any:
    app = FastAPI()
    app.include_router(
        teams_router(
            Inbound(db, {}, clock),
            client_id=identity.client_id,
            client_secret=identity.client_secret,
            tenant_id=identity.tenant_id,
            authority_host=identity.base_url,
        )
    )
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def briefing_id(db: Database, clock: FixedClock) -> int:
    """Ann (Teams account aad-ann) has been sent a briefing."""

    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        ann = factories.person(s, school, "Ann Smith", platform=None)
        s.add(ChatIdentity(staff_id=ann.id, platform="teams", platform_user_id="aad-ann"))
        briefing = factories.briefing(s, school, clock.now())
        plan_briefing(s, briefing, clock.now(), "teams", send_now=True)
        for delivery in s.exec(select(Delivery)).all():
            delivery.status = "sent"
            s.add(delivery)
        return briefing.id

    return db.work(setup)


def post(client: Any, activity: dict[str, Any], token: str) -> Any:
    return client.post("/api/messages", json=activity, headers={"Authorization": f"Bearer {token}"})


def acknowledgements(db: Database) -> int:
    return len(db.work(lambda s: s.exec(select(Acknowledgement)).all()))


def press(teams: FakeTeams, briefing_id: int, **data: Any) -> dict[str, Any]:
    payload = {"action_id": ACK, "value": str(briefing_id)} | data
    return card_action_activity(teams, "aad-ann", payload["action_id"], payload, "1764000000001")


def replies(teams: FakeTeams, aad_id: str = "aad-ann") -> list[dict[str, Any]]:
    return teams.activities(teams.conversation_id(aad_id))


def test_a_press_is_recorded_once_and_the_card_replaced_well_inside_teams_deadline(
    client: Any, db: Database, identity: FakeIdentity, teams: FakeTeams, briefing_id: int
) -> None:
    activity = press(teams, briefing_id)
    token = identity.inbound_token(teams.service_url)
    started = time.monotonic()
    first = post(client, activity, token)
    took = time.monotonic() - started
    again = post(client, activity, token)  # Teams delivers the same activity again
    assert first.status_code == 200 and took < 2.0  # Teams waits 10 to 15 seconds
    answer = first.json()
    assert (
        answer["statusCode"] == 200 and answer["type"] == "application/vnd.microsoft.card.adaptive"
    )
    texts = [block.get("text", "") for block in answer["value"]["body"]]
    assert "Thanks: recorded that you have read it." in texts
    assert again.json() == answer
    assert acknowledgements(db) == 1


def test_a_second_press_is_a_new_activity_and_is_told_it_was_recorded_before(
    client: Any, db: Database, identity: FakeIdentity, teams: FakeTeams, briefing_id: int
) -> None:
    token = identity.inbound_token(teams.service_url)
    post(client, press(teams, briefing_id), token)
    second = post(client, press(teams, briefing_id), token).json()
    assert "Thanks: recorded that you have read it." not in str(second)
    assert acknowledgements(db) == 1


@pytest.mark.parametrize(
    "variant", ["forged_token", "expired_token", "wrong_audience_token", "wrong_issuer_token"]
)
def test_bad_tokens_get_401_and_nothing_is_recorded(
    client: Any,
    db: Database,
    identity: FakeIdentity,
    teams: FakeTeams,
    briefing_id: int,
    variant: str,
) -> None:
    token = getattr(identity, variant)(teams.service_url)
    assert post(client, press(teams, briefing_id), token).status_code == 401
    assert acknowledgements(db) == 0


def test_no_token_and_a_mismatched_serviceurl_get_401(
    client: Any, db: Database, identity: FakeIdentity, teams: FakeTeams, briefing_id: int
) -> None:
    activity = press(teams, briefing_id)
    assert client.post("/api/messages", json=activity).status_code == 401
    elsewhere = identity.inbound_token("https://smba.elsewhere.example/emea/")
    assert post(client, activity, elsewhere).status_code == 401
    assert acknowledgements(db) == 0


@pytest.mark.parametrize("where", ["channelData", "conversation"])
def test_another_tenant_gets_403_and_nothing_is_recorded(
    client: Any,
    db: Database,
    identity: FakeIdentity,
    teams: FakeTeams,
    briefing_id: int,
    where: str,
) -> None:
    activity = press(teams, briefing_id)
    other = "0000dead-0000-4000-8000-000000000bad"
    if where == "channelData":
        activity["channelData"] = {"tenant": {"id": other}}
    else:
        activity["conversation"]["tenantId"] = other
    token = identity.inbound_token(teams.service_url)
    assert post(client, activity, token).status_code == 403
    assert acknowledgements(db) == 0


def test_a_tampered_press_gets_a_polite_answer_and_nothing_is_recorded(
    client: Any, db: Database, identity: FakeIdentity, teams: FakeTeams, briefing_id: int
) -> None:
    token = identity.inbound_token(teams.service_url)
    tampered = press(teams, briefing_id)
    tampered["value"]["action"]["verb"] = "something.else"  # the verb no longer matches
    answer = post(client, tampered, token)
    assert answer.status_code == 200 and answer.json()["value"] == UNREADABLE
    submitted = message_activity(teams, "aad-ann", value={"action_id": ACK, "value": 7})
    assert post(client, submitted, token).status_code == 200
    assert [r["text"] for r in replies(teams)] == [UNREADABLE]
    assert acknowledgements(db) == 0


def test_an_action_submit_press_is_recorded_and_answered_with_a_short_reply(
    client: Any, db: Database, identity: FakeIdentity, teams: FakeTeams, briefing_id: int
) -> None:
    data = {"action_id": ACK, "value": str(briefing_id)}
    activity = message_activity(teams, "aad-ann", value=data, reply_to="1764000000001")
    token = identity.inbound_token(teams.service_url)
    assert post(client, activity, token).status_code == 200
    assert post(client, activity, token).status_code == 200  # redelivered: answered once
    assert [r["text"] for r in replies(teams)] == ["Thanks: recorded that you have read it."]
    assert acknowledgements(db) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("help", HELP),
        ("<at>sendbot</at> Help!", HELP),
        ("dance", "Sorry, I do not know “dance”.\n\n" + HELP),
        ("team", TEAMS_NOT_KNOWN),
    ],
)
def test_typed_words_get_a_short_reply(
    client: Any, identity: FakeIdentity, teams: FakeTeams, text: str, expected: str
) -> None:
    token = identity.inbound_token(teams.service_url)
    assert post(client, message_activity(teams, "aad-ann", text=text), token).status_code == 200
    [reply] = replies(teams)
    assert reply["text"].startswith(expected)


def test_an_install_stores_the_conversation_reference_and_sends_the_welcome_card(
    client: Any, db: Database, identity: FakeIdentity, teams: FakeTeams, briefing_id: int
) -> None:
    token = identity.inbound_token(teams.service_url)
    assert post(client, install_activity(teams, "aad-ann"), token).status_code == 200
    [extra] = db.work(
        lambda s: s.exec(select(ChatIdentity.extra).where(ChatIdentity.platform == "teams")).all()
    )
    ann = teams.user("aad-ann")
    assert extra == {
        "service_url": teams.service_url,
        "conversation_id": ann.conversation_id,
        "teams_user_id": ann.teams_id,
    }
    [welcome] = replies(teams)
    card = welcome["attachments"][0]["content"]
    assert card["body"][0]["text"] == "Welcome to sendbot"
    assert "Oak Hill Academy" in str(card)


def test_an_install_by_someone_unknown_is_welcomed_but_stores_nothing(
    client: Any, db: Database, identity: FakeIdentity, teams: FakeTeams, briefing_id: int
) -> None:
    token = identity.inbound_token(teams.service_url)
    assert post(client, install_activity(teams, "aad-new"), token).status_code == 200
    identities = db.work(
        lambda s: s.exec(select(ChatIdentity).where(ChatIdentity.platform == "teams")).all()
    )
    assert [i.platform_user_id for i in identities] == ["aad-ann"]
    assert identities[0].extra == {}
    assert len(replies(teams, "aad-new")) == 1


def test_an_install_carrying_a_known_email_links_the_person(
    client: Any, db: Database, identity: FakeIdentity, teams: FakeTeams, briefing_id: int
) -> None:
    def add_bea(s):  # type: ignore[no-untyped-def]
        [school] = s.exec(select(factories.School)).all()
        return factories.person(s, school, "Bea Brown", platform=None).id

    bea = db.work(add_bea)
    activity = install_activity(teams, "aad-new")
    activity["from"]["email"] = "Bea.Brown@oakhill.example"
    assert post(client, activity, identity.inbound_token(teams.service_url)).status_code == 200
    found = db.work(
        lambda s: (
            s.exec(select(ChatIdentity).where(ChatIdentity.platform_user_id == "aad-new"))
            .one()
            .staff_id
        )
    )
    assert found == bea
