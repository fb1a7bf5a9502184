"""A sendbot whose staff sign in through a FakeOidcProvider, and a browser's part of it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient

from bot.bootstrap import Sendbot
from bot.services.clock import Clock
from tests.fakes.oidc_provider import FakeOidcProvider
from tests.integration.webapp import client_for, sendbot_for
from tests.web_forms import arm

# TestClient's own address: the redirect URI must be where its cookies live.
PUBLIC_URL = "http://testserver"
SECRET_KEY = "a-test-key-for-web-sessions-0123456789"


def provider_settings(idp: FakeOidcProvider, **more: object) -> dict[str, object]:
    """The WEB_SIGN_IN settings that point sendbot at this fake, as its flavour's preset."""
    settings: dict[str, object] = {
        "web_sign_in": idp.flavour,
        "web_sign_in_client_id": idp.client_id,
        "web_sign_in_client_secret": idp.client_secret,
        "demo_mode": False,
        "secret_key": SECRET_KEY,
        "public_url": PUBLIC_URL,
    }
    if idp.flavour == "microsoft":
        # The preset builds {authority}/{tenant}/v2.0 itself, as for a government cloud.
        settings |= {"teams_authority": idp.authority, "web_sign_in_allowed": idp.tenant_id}
    else:
        settings["web_sign_in_issuer"] = idp.issuer
    if idp.flavour == "oidc":
        settings |= {"web_sign_in_claim": "groups", "web_sign_in_allowed": "staff"}
    return settings | more


def signing_in_sendbot(
    database_url: str, clock: Clock, idp: FakeOidcProvider, **more: object
) -> Sendbot:
    idp.register_redirect(f"{PUBLIC_URL}/auth/callback")
    return sendbot_for(database_url, clock, **provider_settings(idp, **more))


def start(client: TestClient, next: str = "/") -> str:
    """Press "Sign in": where sendbot sends the browser (the provider's sign-in page)."""
    response = client.get(f"/auth/start?{urlencode({'next': next})}")
    assert response.status_code == 302, response.text
    return str(response.headers["location"])


def school_sign_in(client: TestClient, idp: FakeOidcProvider, login: str, next: str = "/") -> Any:
    """The whole round trip: start, sign in at the provider, come back; the callback's answer."""
    back = idp.sign_in(start(client, next), login)
    return client.get(back)


def signed_in_client(sendbot: Sendbot, idp: FakeOidcProvider, login: str) -> TestClient:
    client = client_for(sendbot)
    answer = school_sign_in(client, idp, login)
    assert answer.status_code == 303, answer.text
    arm(client, "/me")
    return client
