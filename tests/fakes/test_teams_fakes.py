"""The fake Teams answers the real Agents SDK and msal as Microsoft does: tokens, sends, limits."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import aiohttp
import httpx
import jwt
import msal
import pytest
from fastapi import FastAPI, Request
from microsoft_agents.activity import Activity, Attachment, ChannelAccount, ConversationParameters
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.core import AgentAuthConfiguration
from microsoft_agents.hosting.core.authorization.jwt import JwtTokenValidator
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient
from microsoft_agents.hosting.fastapi.jwt_authorization_middleware import (
    JwtAuthorizationMiddleware,
)

from tests.fakes.teams_activities import card_action_activity, install_activity, message_activity
from tests.fakes.teams_connector import FakeTeams
from tests.fakes.teams_identity import (
    BOT_FRAMEWORK_AUDIENCE,
    GRAPH_AUDIENCE,
    GRAPH_INSTALL_ROLE,
    FakeIdentity,
)
from tests.fakes.teams_limits import TeamsLimits, TeamsRateLimiter
from tests.fakes.teams_sdk import sdk_pointed_at
from tests.fakes.teams_tls import client_context

BOT_FRAMEWORK_JWKS = "https://login.botframework.com/v1/.well-known/keys"
CONNECTOR_SCOPE = "https://api.botframework.com/.default"
ADAPTIVE = "application/vnd.microsoft.card.adaptive"


class ManualClock:
    """A clock the test moves by hand, so limit windows need no sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def identity() -> Iterator[FakeIdentity]:
    with FakeIdentity() as fake:
        yield fake


@pytest.fixture
def pointed(identity: FakeIdentity) -> Iterator[list[str]]:
    """The SDK and msal pointed at the fake; yields the JWKS addresses the SDK asked for."""
    with sdk_pointed_at(identity) as asked:
        yield asked


@pytest.fixture
def trusted(identity: FakeIdentity, monkeypatch: pytest.MonkeyPatch) -> None:
    """requests trusts the fake's CA; REQUESTS_CA_BUNDLE, when set, overrides msal's `verify=`."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(identity.ca_file))


@pytest.fixture
def teams(identity: FakeIdentity) -> Iterator[FakeTeams]:
    """A tenant without limits, for tests about something else."""
    with FakeTeams(identity, limits=TeamsLimits.unlimited()) as fake:
        fake.add_user("aad-ann", "Ann Smith", "ann@school.example", installed=True)
        fake.add_user("aad-bob", "Bob Jones", "bob@school.example")
        yield fake


def sdk_config(identity: FakeIdentity, **extra: Any) -> AgentAuthConfiguration:
    return AgentAuthConfiguration(
        client_id=identity.client_id,
        tenant_id=identity.tenant_id,
        client_secret=identity.client_secret,
        authority=identity.authority,
        **extra,
    )


def connector_token(identity: FakeIdentity) -> str:
    return identity.access_token(identity.client_id, BOT_FRAMEWORK_AUDIENCE)


def card(text: str, version: str = "1.5") -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": version,
        "body": [{"type": "TextBlock", "text": text, "wrap": True}],
        "actions": [{"type": "Action.Execute", "title": "Done", "verb": "done", "data": {"k": 1}}],
    }


def card_activity(text: str, **card_args: Any) -> Activity:
    attachment = Attachment(
        content_type="application/vnd.microsoft.card.adaptive", content=card(text, **card_args)
    )
    return Activity(type="message", attachments=[attachment])


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def with_client(teams: FakeTeams, token: str, work: Any) -> Any:
    client = TeamsConnectorClient(endpoint=teams.service_url, token=token)
    try:
        return await work(client.conversations)
    finally:
        await client.close()


def parameters(teams: FakeTeams, member: str) -> ConversationParameters:
    return ConversationParameters(
        is_group=False,
        bot=ChannelAccount(id=f"28:{teams.identity.client_id}"),
        members=[ChannelAccount(id=member)],
        tenant_id=teams.identity.tenant_id,
    )


# --- inbound tokens through the SDK's own validation ------------------------------------------


def validate(identity: FakeIdentity, token: str, **extra: Any) -> Any:
    return run(JwtTokenValidator(sdk_config(identity, **extra)).validate_token(token))


def test_the_sdk_accepts_a_token_from_the_fake_and_fetches_keys_from_the_bot_framework_url(
    identity: FakeIdentity, pointed: list[str]
) -> None:
    service_url = "http://127.0.0.1:9/emea/"
    claims = validate(identity, identity.inbound_token(service_url), validate_issuer=True)
    assert claims.claims["serviceurl"] == service_url
    assert claims.claims["aud"] == identity.client_id
    assert pointed == [BOT_FRAMEWORK_JWKS]
    assert identity.calls["keys"] >= 1


@pytest.mark.parametrize(
    ("variant", "error"),
    [
        ("forged_token", "InvalidSignatureError"),
        ("expired_token", "ExpiredSignatureError"),
        ("wrong_audience_token", "ValueError"),
    ],
)
def test_the_sdk_rejects_forged_expired_and_wrong_audience_tokens(
    identity: FakeIdentity, pointed: list[str], variant: str, error: str
) -> None:
    token = getattr(identity, variant)("http://127.0.0.1:9/emea/")
    with pytest.raises(Exception) as raised:
        validate(identity, token)
    assert type(raised.value).__name__ == error


def test_the_openid_metadata_leads_to_the_keys_that_verify_inbound_tokens(
    identity: FakeIdentity, trusted: None
) -> None:
    metadata = httpx.get(
        identity.openid_metadata_url, verify=client_context(identity.ca_file)
    ).json()
    assert metadata["issuer"] == "https://api.botframework.com"
    keys = jwt.PyJWKClient(metadata["jwks_uri"], ssl_context=client_context(identity.ca_file))
    token = identity.inbound_token("http://x/")
    key = keys.get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key, algorithms=["RS256"], audience=identity.client_id)
    assert claims["serviceurl"] == "http://x/"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            identity.forged_token("http://x/"),
            key,
            algorithms=["RS256"],
            audience=identity.client_id,
        )


def test_the_sdk_allows_five_minutes_of_clock_skew(
    identity: FakeIdentity, pointed: list[str]
) -> None:
    late = identity.inbound_token("http://x/", lifetime=3600, age=3600 + 120)
    assert validate(identity, late).claims["aud"] == identity.client_id


def test_the_sdk_checks_the_issuer_only_when_validate_issuer_is_set(
    identity: FakeIdentity, pointed: list[str]
) -> None:
    token = identity.wrong_issuer_token("http://x/")
    with pytest.raises(ValueError, match="Invalid issuer"):
        validate(identity, token, validate_issuer=True)
    # Without VALIDATE_ISSUER the SDK accepts any issuer whose key it can find: sendbot sets it.
    assert validate(identity, token).claims["iss"] == "https://issuer.example/"


def test_the_fastapi_host_answers_401_to_bad_tokens_and_passes_good_ones(
    identity: FakeIdentity, pointed: list[str]
) -> None:
    app = FastAPI()
    app.state.agent_configuration = sdk_config(identity, validate_issuer=True)
    app.add_middleware(JwtAuthorizationMiddleware)

    @app.post("/api/messages")
    async def messages(request: Request) -> dict[str, str]:
        return {"aud": request.state.claims_identity.claims["aud"]}

    async def post(token: str | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
            return await client.post("/api/messages", json={"type": "message"}, headers=headers)

    service_url = "http://127.0.0.1:9/emea/"
    assert run(post(identity.inbound_token(service_url))).json() == {"aud": identity.client_id}
    for token in (
        None,
        identity.forged_token(service_url),
        identity.expired_token(service_url),
        identity.wrong_audience_token(service_url),
        identity.wrong_issuer_token(service_url),
    ):
        assert run(post(token)).status_code == 401


# --- outbound tokens: msal against the fake authority -----------------------------------------


def test_msal_gets_a_token_from_the_fake_authority(identity: FakeIdentity, trusted: None) -> None:
    app = msal.ConfidentialClientApplication(
        identity.client_id,
        client_credential=identity.client_secret,
        authority=identity.authority,
        instance_discovery=identity.instance_discovery_url,
        verify=str(identity.ca_file),
    )
    result = app.acquire_token_for_client(scopes=[CONNECTOR_SCOPE])
    claims = identity.verify_access_token(result["access_token"], BOT_FRAMEWORK_AUDIENCE)
    assert claims is not None and claims["appid"] == identity.client_id
    assert identity.calls["instance_discovery"] >= 1
    assert identity.verify_access_token(result["access_token"], GRAPH_AUDIENCE) is None


def test_msal_is_refused_with_a_wrong_secret(identity: FakeIdentity, trusted: None) -> None:
    app = msal.ConfidentialClientApplication(
        identity.client_id,
        client_credential="not-the-secret",
        authority=identity.authority,
        # After a refusal msal asks login.microsoftonline.com for aliases of an unknown host.
        instance_discovery=False,
        verify=str(identity.ca_file),
    )
    result = app.acquire_token_for_client(scopes=[CONNECTOR_SCOPE])
    assert "access_token" not in result
    assert result["error"] == "invalid_client"
    assert "AADSTS7000215" in result["error_description"]


def test_the_sdks_msal_connection_gets_a_token_through_its_authority_setting(
    identity: FakeIdentity, pointed: list[str]
) -> None:
    before = identity.calls["token"]
    auth = MsalAuth(sdk_config(identity))
    token = run(auth.get_access_token(BOT_FRAMEWORK_AUDIENCE, [CONNECTOR_SCOPE]))
    graph = run(auth.get_access_token(GRAPH_AUDIENCE, [f"{GRAPH_AUDIENCE}/.default"]))
    assert identity.verify_access_token(token, BOT_FRAMEWORK_AUDIENCE) is not None
    assert identity.verify_access_token(graph, GRAPH_AUDIENCE)["roles"]  # type: ignore[index]
    assert identity.calls["token"] == before + 2


def test_the_sdks_msal_connection_is_refused_with_a_wrong_secret(
    identity: FakeIdentity, pointed: list[str]
) -> None:
    config = sdk_config(identity)
    config.CLIENT_SECRET = "not-the-secret"
    with pytest.raises(ValueError, match="invalid_client"):
        run(MsalAuth(config).get_access_token(BOT_FRAMEWORK_AUDIENCE, [CONNECTOR_SCOPE]))


# --- the Bot Connector through the SDK's connector client -------------------------------------


def test_the_sdk_creates_a_conversation_sends_a_card_and_updates_it(
    identity: FakeIdentity, teams: FakeTeams
) -> None:
    async def work(conversations: Any) -> tuple[str, str]:
        created = await conversations.create_conversation(parameters(teams, "aad-ann"))
        sent = await conversations.send_to_conversation(created.id, card_activity("Briefing"))
        updated = card_activity("Briefing: read")
        await conversations.update_activity(created.id, sent.id, updated)
        return created.id, sent.id

    conversation_id, activity_id = run(with_client(teams, connector_token(identity), work))
    assert conversation_id == teams.conversation_id("aad-ann")
    [message] = teams.messages_to("aad-ann")
    assert message["id"] == activity_id and message["updates"] == 1
    assert message["attachments"][0]["content"]["body"][0]["text"] == "Briefing: read"
    assert teams.calls == {"create_conversation": 1, "send": 1, "update": 1}


def test_a_conversation_can_be_created_by_teams_user_id_and_again_gives_the_same_id(
    identity: FakeIdentity, teams: FakeTeams
) -> None:
    ann = teams.user("aad-ann")

    async def work(conversations: Any) -> list[str]:
        return [
            (await conversations.create_conversation(parameters(teams, member))).id
            for member in (ann.teams_id, ann.aad_id)
        ]

    assert run(with_client(teams, connector_token(identity), work)) == [ann.conversation_id] * 2


def test_a_person_without_the_app_cannot_be_reached_until_graph_installs_it(
    identity: FakeIdentity, teams: FakeTeams
) -> None:
    async def create(conversations: Any) -> str:
        return (await conversations.create_conversation(parameters(teams, "aad-bob"))).id

    with pytest.raises(aiohttp.ClientResponseError) as refused:
        run(with_client(teams, connector_token(identity), create))
    assert refused.value.status == 403  # the SDK keeps no body for create_conversation errors
    raw = httpx.post(
        f"{teams.service_url}v3/conversations",
        json=parameters(teams, "aad-bob").model_dump(by_alias=True, exclude_unset=True),
        headers={"Authorization": f"Bearer {connector_token(identity)}"},
    )
    assert raw.json()["error"]["code"] == "BotNotInConversationRoster"

    graph_token = identity.access_token(identity.client_id, GRAPH_AUDIENCE)
    url = f"{teams.graph_url}/users/aad-bob/teamwork/installedApps"
    bind = {"teamsApp@odata.bind": f"{teams.graph_url}/appCatalogs/teamsApps/{teams.teams_app_id}"}
    install = httpx.post(url, json=bind, headers={"Authorization": f"Bearer {graph_token}"})
    again = httpx.post(url, json=bind, headers={"Authorization": f"Bearer {graph_token}"})
    assert (install.status_code, again.status_code) == (201, 409)
    assert run(with_client(teams, connector_token(identity), create)) == teams.conversation_id(
        "aad-bob"
    )


def test_graph_needs_a_graph_token_with_the_install_role(
    identity: FakeIdentity, teams: FakeTeams
) -> None:
    identity.register_app("other-app", "other-secret", roles=())
    url = f"{teams.graph_url}/users/aad-bob/teamwork/installedApps"
    bind = {"teamsApp@odata.bind": f"x/appCatalogs/teamsApps/{teams.teams_app_id}"}
    no_role = identity.access_token("other-app", GRAPH_AUDIENCE)
    for token, status in ((connector_token(identity), 401), (no_role, 403)):
        answer = httpx.post(url, json=bind, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == status
    assert not teams.user("aad-bob").installed


def test_the_self_install_permission_installs_only_the_apps_own_app(
    identity: FakeIdentity, teams: FakeTeams
) -> None:
    """TeamsAppInstallation.ReadWriteSelfForUser.All lets an app install itself, not another
    app's catalogue entry; ReadWriteForUser.All lets it install any."""
    identity.register_app("other-app", "other-secret", roles=(GRAPH_INSTALL_ROLE,))
    url = f"{teams.graph_url}/users/aad-bob/teamwork/installedApps"
    bind = {"teamsApp@odata.bind": f"x/appCatalogs/teamsApps/{teams.teams_app_id}"}
    others = identity.access_token("other-app", GRAPH_AUDIENCE)
    refused = httpx.post(url, json=bind, headers={"Authorization": f"Bearer {others}"})
    assert refused.status_code == 403 and not teams.user("aad-bob").installed
    own = identity.access_token(identity.client_id, GRAPH_AUDIENCE)
    assert httpx.post(url, json=bind, headers={"Authorization": f"Bearer {own}"}).status_code == 201


def test_graph_finds_a_user_by_email_or_id_with_the_selected_properties(
    identity: FakeIdentity, teams: FakeTeams
) -> None:
    teams.add_user("aad-cat", "Cat Brown", "cat@school.example", enabled=False)
    teams.add_user("aad-gus", "Gus Guest", "gus@partner.example", guest=True)
    token = {"Authorization": f"Bearer {identity.access_token(identity.client_id, GRAPH_AUDIENCE)}"}
    select = {"$select": "id,accountEnabled,userType,mail,userPrincipalName"}

    def get(who: str, params: dict[str, str] | None = None) -> httpx.Response:
        return httpx.get(f"{teams.graph_url}/users/{who}", params=params, headers=token)

    plain = get("Ann@School.example").json()
    assert plain["id"] == "aad-ann" and "accountEnabled" not in plain  # as Graph: only if asked
    found = {who: get(who, select).json() for who in ("ann@school.example", "aad-cat")}
    found["gus"] = get("gus@partner.example", select).json()
    assert {k: (v["id"], v["accountEnabled"], v["userType"]) for k, v in found.items()} == {
        "ann@school.example": ("aad-ann", True, "Member"),
        "aad-cat": ("aad-cat", False, "Member"),
        "gus": ("aad-gus", True, "Guest"),
    }
    assert set(found["aad-cat"]) == {"@odata.context", *select["$select"].split(",")}
    missing = get("nobody@school.example", select)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "Request_ResourceNotFound"
    assert teams.calls["get_user"] == 5


def test_reading_a_user_needs_a_graph_token_with_user_read_all(
    identity: FakeIdentity, teams: FakeTeams
) -> None:
    identity.register_app(
        "installer-only", "s", roles=("TeamsAppInstallation.ReadWriteForUser.All",)
    )
    url = f"{teams.graph_url}/users/ann@school.example"
    no_role = identity.access_token("installer-only", GRAPH_AUDIENCE)
    local = identity.access_token(identity.client_id, teams.graph_url.removesuffix("/v1.0"))
    answers = [
        httpx.get(url, headers={"Authorization": f"Bearer {token}"})
        for token in (connector_token(identity), no_role, local)
    ]
    assert [a.status_code for a in answers] == [401, 403, 200]
    assert answers[1].json()["error"]["code"] == "Authorization_RequestDenied"


def test_graph_answers_429_with_retry_after_past_its_limit(identity: FakeIdentity) -> None:
    with FakeTeams(identity, limits=TeamsLimits(graph_per_second=2)) as teams:
        teams.add_user("aad-ann", "Ann Smith", "ann@school.example")
        token = identity.access_token(identity.client_id, GRAPH_AUDIENCE)
        answers = [
            httpx.get(
                f"{teams.graph_url}/users/aad-ann", headers={"Authorization": f"Bearer {token}"}
            )
            for _ in range(3)
        ]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert answers[2].headers["Retry-After"] == "1"
        assert teams.rate_limited == {"get_user": 1}


def test_the_connector_refuses_tokens_it_did_not_issue_for_the_bot(
    identity: FakeIdentity, teams: FakeTeams
) -> None:
    async def create(conversations: Any) -> str:
        return (await conversations.create_conversation(parameters(teams, "aad-ann"))).id

    other = FakeIdentity(tenant_id=identity.tenant_id, client_id=identity.client_id)
    for token in (
        identity.inbound_token(teams.service_url),  # a token for the bot, not for the connector
        identity.access_token(identity.client_id, GRAPH_AUDIENCE),
        identity.access_token("someone-else", BOT_FRAMEWORK_AUDIENCE),
        other.access_token(identity.client_id, BOT_FRAMEWORK_AUDIENCE),  # another signing key
    ):
        with pytest.raises(aiohttp.ClientResponseError) as refused:
            run(with_client(teams, token, create))
        assert refused.value.status == 401
    assert teams.tenant.conversations == {}


@pytest.mark.parametrize(
    ("activity", "status"),
    [
        (card_activity("Too new", version="1.6"), 400),
        (card_activity("x" * 110_000), 413),
        (Activity(type="message", attachments=[Attachment(content_type=ADAPTIVE)]), 400),
        (Activity(type="message"), 400),
    ],
)
def test_teams_refuses_bad_cards_and_oversized_messages(
    identity: FakeIdentity, teams: FakeTeams, activity: Activity, status: int
) -> None:
    conversation_id = teams.conversation_id("aad-ann")

    async def work(conversations: Any) -> None:
        await conversations.create_conversation(parameters(teams, "aad-ann"))
        await conversations.send_to_conversation(conversation_id, activity)

    with pytest.raises(aiohttp.ClientResponseError) as refused:
        run(with_client(teams, connector_token(identity), work))
    assert refused.value.status == status
    assert teams.messages_to("aad-ann") == []


def test_a_reply_through_the_sdk_lands_in_the_conversation(
    identity: FakeIdentity, teams: FakeTeams
) -> None:
    inbound = Activity.model_validate(message_activity(teams, "aad-ann", text="me"))
    reply = inbound.create_reply("Here is your summary")

    async def work(conversations: Any) -> None:
        await conversations.create_conversation(parameters(teams, "aad-ann"))
        await conversations.reply_to_activity(inbound.conversation.id, inbound.id, reply)

    run(with_client(teams, connector_token(identity), work))
    [message] = teams.messages_to("aad-ann")
    assert message["text"] == "Here is your summary" and message["replyToId"] == inbound.id


def test_inbound_activities_parse_as_the_sdks_activities(teams: FakeTeams) -> None:
    for body in (
        message_activity(teams, "aad-ann", value={"answer": 2}, reply_to="1764000000001"),
        card_action_activity(teams, "aad-ann", "answer", {"answer": 2}, "1764000000001"),
        install_activity(teams, "aad-bob"),
    ):
        activity = Activity.model_validate(body)
        assert activity.service_url == teams.service_url
        assert activity.conversation.tenant_id == teams.identity.tenant_id
        assert activity.recipient.id == f"28:{teams.identity.client_id}"


# --- limits -----------------------------------------------------------------------------------


def sends(teams: FakeTeams, token: str, targets: list[str]) -> list[int | str]:
    """Send one message to each conversation in turn; the status (or Retry-After) of each."""

    async def work(conversations: Any) -> list[int | str]:
        results: list[int | str] = []
        for conversation_id in targets:
            try:
                await conversations.send_to_conversation(conversation_id, card_activity("Hi"))
                results.append(201)
            except aiohttp.ClientResponseError as error:
                retry_after = (error.headers or {}).get("Retry-After")
                results.append(
                    f"{error.status} after {retry_after}" if retry_after else error.status
                )
        return results

    return run(with_client(teams, token, work))


def installed(teams: FakeTeams, count: int, clock: ManualClock | None = None) -> list[str]:
    """`count` people with the app and their conversations (a fake second apart on `clock`)."""
    for n in range(count):
        teams.add_user(f"aad-{n}", f"Person {n}", f"p{n}@school.example", installed=True)
    ids = [teams.conversation_id(f"aad-{n}") for n in range(count)]

    async def work(conversations: Any) -> None:
        for n in range(count):
            await conversations.create_conversation(parameters(teams, f"aad-{n}"))
            if clock is not None:
                clock.advance(1.0)

    run(with_client(teams, connector_token(teams.identity), work))
    return ids


def test_a_conversation_gets_7_a_second_then_429_with_retry_after(identity: FakeIdentity) -> None:
    clock = ManualClock()
    limits = TeamsLimits(per_app_per_second=None)
    with FakeTeams(identity, limits=limits, clock=clock) as teams:
        [conversation] = installed(teams, 1)
        token = connector_token(identity)
        assert sends(teams, token, [conversation] * 8) == [201] * 7 + ["429 after 1"]
        clock.advance(1.0)
        # A second later the 1-second window is empty, but 8 in any 2 seconds still binds.
        assert sends(teams, token, [conversation] * 2) == [201, "429 after 1"]
        assert teams.rate_limited["send"] == 2
        assert len(teams.messages_to("aad-0")) == 8


def test_the_app_gets_its_tenant_allowance_across_conversations(identity: FakeIdentity) -> None:
    clock = ManualClock()
    with FakeTeams(identity, limits=TeamsLimits(per_app_per_second=5), clock=clock) as teams:
        conversations = installed(teams, 6, clock)
        token = connector_token(identity)
        assert sends(teams, token, conversations) == [201] * 5 + ["429 after 1"]
        clock.advance(1.0)
        assert sends(teams, token, conversations[5:]) == [201]


def test_the_default_limits_are_teams_published_ones() -> None:
    limits = TeamsLimits()
    assert limits.per_conversation == ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))
    assert limits.per_app_per_second == 30


def test_the_limiter_keeps_60_per_30_seconds_and_1800_an_hour() -> None:
    clock = ManualClock()
    limiter = TeamsRateLimiter(TeamsLimits(per_app_per_second=None), clock=clock)
    admitted = []
    for _ in range(180):  # one every 0.25 s for 45 s: within 7/s and 8/2 s, over 60/30 s
        if limiter.admit("app", "c1") is None:
            admitted.append(limiter.now())
        clock.advance(0.25)
    # 60 in the first 15 s, none until the first ages out at 30 s, then 60 more.
    assert len(admitted) == 120 and admitted[59] == 14.75 and admitted[60] == 30.0

    hourly = TeamsRateLimiter(TeamsLimits(per_app_per_second=None), clock=clock)
    total = 0
    for _ in range(2000):  # one every 1.5 s for 50 minutes: only the hourly limit binds
        total += hourly.admit("app", "c2") is None
        clock.advance(1.5)
    assert total == 1800


def test_retry_after_is_real_seconds_under_a_time_scale() -> None:
    clock = ManualClock()
    limiter = TeamsRateLimiter(TeamsLimits(per_app_per_second=30), time_scale=60, clock=clock)
    assert all(limiter.admit("app") is None for _ in range(30))
    assert limiter.admit("app") == 1  # a fake second is 1/60 s: at least 1
    clock.advance(1 / 50)  # 1.2 fake seconds
    assert limiter.admit("app") is None


# --- faults -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [412, 502, 503, 504])
def test_injected_failures_reach_the_sdk_as_errors_and_send_nothing(
    identity: FakeIdentity, teams: FakeTeams, status: int
) -> None:
    [conversation] = installed(teams, 1)
    teams.fail_next("send", status=status)
    assert sends(teams, connector_token(identity), [conversation] * 2) == [status, 201]
    assert len(teams.messages_to("aad-0")) == 1


def test_an_applied_failure_delivers_the_message_but_reports_an_error(
    identity: FakeIdentity, teams: FakeTeams
) -> None:
    [conversation] = installed(teams, 1)
    teams.fail_next("send", status=504, applied=True)
    assert sends(teams, connector_token(identity), [conversation]) == [504]
    assert len(teams.messages_to("aad-0")) == 1


def test_an_injected_429_carries_retry_after(identity: FakeIdentity, teams: FakeTeams) -> None:
    [conversation] = installed(teams, 1)
    teams.fail_next("send", status=429)
    assert sends(teams, connector_token(identity), [conversation]) == ["429 after 1"]
    assert teams.rate_limited["send"] == 0


def test_a_dropped_connection_is_a_client_error_and_sends_nothing_unless_applied(
    identity: FakeIdentity, teams: FakeTeams
) -> None:
    [conversation] = installed(teams, 1)
    for applied, stored in ((False, 0), (True, 1)):
        teams.drop_next("send", applied=applied)
        with pytest.raises(aiohttp.ClientConnectionError):
            sends(teams, connector_token(identity), [conversation])
        assert len(teams.messages_to("aad-0")) == stored


def test_a_slow_teams_answers_late_and_still_sends(
    identity: FakeIdentity, teams: FakeTeams
) -> None:
    [conversation] = installed(teams, 1)
    teams.slow("send", 0.3)
    started = time.monotonic()
    assert sends(teams, connector_token(identity), [conversation]) == [201]
    assert time.monotonic() - started >= 0.3
    teams.slow("send", 0)
    assert len(teams.messages_to("aad-0")) == 1


def test_fail_next_takes_only_the_statuses_teams_sends(teams: FakeTeams) -> None:
    with pytest.raises(ValueError):
        teams.fail_next("send", status=418)
    assert json.dumps(teams.requests()) == "[]"


def refusal(teams: FakeTeams, token: str, conversation_id: str) -> tuple[int, str]:
    """Send once and expect a refusal: its status and Microsoft's error code."""

    async def work(conversations: Any) -> tuple[int, str]:
        with pytest.raises(aiohttp.ClientResponseError) as raised:
            await conversations.send_to_conversation(conversation_id, card_activity("Hi"))
        return raised.value.status, json.loads(raised.value.message)["error"]["code"]

    return run(with_client(teams, token, work))


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "BadArgument"), (413, "RequestEntityTooLarge"), (500, "ServiceError")],
)
def test_errors_not_to_retry_carry_microsofts_codes(
    identity: FakeIdentity, teams: FakeTeams, status: int, code: str
) -> None:
    [conversation] = installed(teams, 1)
    teams.fail_next("send", status=status)
    assert refusal(teams, connector_token(identity), conversation) == (status, code)


def test_a_429_may_come_without_retry_after(identity: FakeIdentity, teams: FakeTeams) -> None:
    [conversation] = installed(teams, 1)
    teams.fail_next("send", status=429, retry_after=False)
    assert sends(teams, connector_token(identity), [conversation]) == [429]


def test_a_blocked_person_and_a_disabled_bot_get_their_403_sub_codes(
    identity: FakeIdentity, teams: FakeTeams
) -> None:
    [conversation] = installed(teams, 1)
    token = connector_token(identity)
    teams.block("aad-0")
    assert refusal(teams, token, conversation) == (403, "ConversationBlockedByUser")
    teams.block("aad-0", blocked=False)
    teams.disable_bot()
    assert refusal(teams, token, conversation) == (403, "BotDisabledByAdmin")
    teams.disable_bot(False)
    assert sends(teams, token, [conversation]) == [201]
