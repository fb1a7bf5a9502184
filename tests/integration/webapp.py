"""Builds the real web app on a test database, for tests that drive it over HTTP."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from bot.bootstrap import Sendbot, build
from bot.config import Settings
from bot.services.clock import Clock
from bot.storage.database import Database
from bot.web.app import create_app
from tests.web_forms import demo_sign_in


def sendbot_for(database_url: str, clock: Clock, **settings: object) -> Sendbot:
    # The demo on this computer, as `make run` starts it, unless a test says otherwise.
    options: dict[str, object] = {
        "database_url": database_url,
        "_env_file": None,
        "demo_mode": True,
    }
    return build(Settings(**(options | settings)), clock=clock)  # type: ignore[arg-type]


# A browser on this computer, as in the demo: the address it comes from and the one it asks for.
LOOPBACK_CLIENT = ("127.0.0.1", 50000)


def client_for(sendbot: Sendbot, client: tuple[str, int] = LOOPBACK_CLIENT) -> TestClient:
    """A browser for the app, at PUBLIC_URL when it is set, else at 127.0.0.1 from 127.0.0.1."""
    return TestClient(
        create_app(sendbot, start_scheduler=False),
        base_url=sendbot.settings.public_url or "http://127.0.0.1",
        client=client,
        follow_redirects=False,
    )


def sign_in(client: TestClient, staff_id: int) -> None:
    demo_sign_in(client, staff_id)


def demo_client(db: Database, clock: Clock, who: int | None) -> tuple[Sendbot, TestClient]:
    """The demo on this test's database, and a browser signed in as `who` (None: nobody)."""
    sendbot = sendbot_for(db.engine.url.render_as_string(hide_password=False), clock)
    client = client_for(sendbot)
    if who is not None:
        sign_in(client, who)
    return sendbot, client


SLACK_SIGNING_SECRET = "contract-signing-secret"


def slack_sendbot_for(database_url: str, clock: Clock, slack: Any, **settings: object) -> Sendbot:
    """A sendbot whose staff are on Slack in HTTP mode, talking to a FakeSlack."""
    return sendbot_for(
        database_url,
        clock,
        **(
            {
                "chat_platform": "slack",
                "slack_bot_token": slack.token,
                "slack_mode": "http",
                "slack_signing_secret": SLACK_SIGNING_SECRET,
                "slack_api_base_url": slack.base_url,
            }
            | settings
        ),
    )


def teams_sendbot_for(
    database_url: str, clock: Clock, identity: Any, teams: Any = None, **settings: object
) -> Sendbot:
    """A sendbot whose staff are on Teams, signing in at a FakeIdentity (use it inside
    `tests.fakes.teams_sdk.sdk_pointed_at(identity)`, which points the SDK and msal there).
    With a FakeTeams, Graph and the Bot Connector's default address are the fake's too."""
    return sendbot_for(
        database_url,
        clock,
        **(
            {
                "chat_platform": "teams",
                "teams_client_id": identity.client_id,
                "teams_client_secret": identity.client_secret,
                "teams_tenant_id": identity.tenant_id,
                "teams_authority": identity.base_url,
            }
            | (
                {"teams_service_url": teams.service_url, "teams_graph_url": teams.graph_url}
                if teams is not None
                else {}
            )
            | settings
        ),
    )
