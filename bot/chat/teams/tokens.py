"""Access tokens for the Bot Connector and Microsoft Graph, from the Agents SDK's msal connection
(client credentials).

msal keeps a token until about five minutes before it expires and then fetches another, but each
ask costs a hop to a worker thread (msal is synchronous), so the token is also kept here for a few
minutes: never longer than msal's five-minute margin, so what we hand out is always still valid.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.core import AgentAuthConfiguration

# The Bot Connector's resource and the scope a bot asks for to call it.
CONNECTOR_RESOURCE = "https://api.botframework.com"
CONNECTOR_SCOPE = "https://api.botframework.com/.default"
# How long a token is used before msal is asked again (msal renews 5 minutes before expiry).
KEEP_SECONDS = 240.0


def auth_configuration(
    client_id: str, client_secret: str, tenant_id: str, authority_host: str
) -> AgentAuthConfiguration:
    """The SDK's configuration for our Entra app registration (single tenant, client secret).
    `authority_host` is TEAMS_AUTHORITY, e.g. https://login.microsoftonline.com."""
    return AgentAuthConfiguration(
        client_id=client_id,
        tenant_id=tenant_id,
        client_secret=client_secret,
        authority=f"{authority_host.rstrip('/')}/{tenant_id}",
    )


def graph_resource(graph_url: str) -> str:
    """The resource a Graph token is asked for: Graph's own host (TEAMS_GRAPH_URL without its
    version), so a government cloud's Graph gets a token meant for it."""
    parts = urlsplit(graph_url)
    return f"{parts.scheme}://{parts.netloc}"


class AccessTokens:
    """Hands out a current app-only token for one resource; one msal request at a time."""

    def __init__(
        self, auth: MsalAuth, resource: str, scope: str = "", keep_seconds: float = KEEP_SECONDS
    ) -> None:
        """`scope` defaults to the resource's `/.default`, the only scope client credentials
        may ask for (it means every application permission an admin consented to)."""
        self.auth = auth
        self.resource = resource
        self.scope = scope or f"{resource.rstrip('/')}/.default"
        self.keep_seconds = keep_seconds
        self._token = ""
        self._fetched = 0.0
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def token(self, force_refresh: bool = False) -> str:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            self._lock, self._loop = asyncio.Lock(), loop
        async with self._lock:
            if force_refresh or not self._token or self._stale():
                self._token = await self.auth.get_access_token(
                    self.resource, [self.scope], force_refresh=force_refresh
                )
                self._fetched = time.monotonic()
            return self._token

    def _stale(self) -> bool:
        return time.monotonic() - self._fetched > self.keep_seconds


class ConnectorTokens(AccessTokens):
    """Hands out a current Bot Connector token, for the scope of the bot's cloud
    (TEAMS_CONNECTOR_SCOPE: GCC High and DoD use https://api.botframework.us/.default)."""

    def __init__(
        self, auth: MsalAuth, scope: str = CONNECTOR_SCOPE, keep_seconds: float = KEEP_SECONDS
    ) -> None:
        super().__init__(auth, scope.removesuffix("/.default"), scope, keep_seconds)
