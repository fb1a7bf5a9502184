"""Teams' messaging endpoint, POST /api/messages.

Every request's bearer token is checked by the Agents SDK's JwtTokenValidator: the signature
against the Bot Framework's published keys, the audience (our client id), the expiry (with the
SDK's five minutes of leeway) and, because VALIDATE_ISSUER is set, the issuer. Then two checks
of our own: the token's `serviceurl` claim must be the activity's serviceUrl (a token for one
activity cannot carry another), and the activity must come from the school's tenant.
A bad or missing token gets 401, another tenant 403; nothing is done for either.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.core.authorization.jwt import JwtTokenValidator

from bot.chat.teams.inbound import ConnectorReplier, Replier, TeamsInbound
from bot.chat.teams.tokens import CONNECTOR_SCOPE, ConnectorTokens, auth_configuration
from bot.services.inbound import Inbound

log = logging.getLogger(__name__)
NOT_AUTHORISED = {"error": "Unauthorized"}
OTHER_TENANT = {"error": "This bot serves another tenant."}


def teams_router(
    inbound: Inbound,
    *,
    client_id: str,
    client_secret: str,
    tenant_id: str,
    authority_host: str = "https://login.microsoftonline.com",
    connector_scope: str = CONNECTOR_SCOPE,
    replier: Replier | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    base_url: str = "",
) -> APIRouter:
    """The /api/messages route. Settings: TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET, TEAMS_TENANT_ID,
    TEAMS_AUTHORITY. `replier` sends replies (default: the Bot Connector through the SDK);
    `monotonic` times how long redeliveries are remembered; `base_url` (PUBLIC_URL) is where
    links to the web pages point, none if empty. The database and the clock are the Inbound's."""
    config = auth_configuration(client_id, client_secret, tenant_id, authority_host)
    config.VALIDATE_ISSUER = True
    validator = JwtTokenValidator(config)
    if replier is None:
        replier = ConnectorReplier(ConnectorTokens(MsalAuth(config), connector_scope))
    teams = TeamsInbound(inbound, replier, monotonic, base_url=base_url)
    router = APIRouter()

    @router.post("/api/messages")
    async def messages(request: Request) -> Response:
        """An activity from Teams."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return JSONResponse(NOT_AUTHORISED, status_code=401)
        try:
            claims = (await validator.validate_token(token.strip())).claims
        except Exception as exc:  # noqa: BLE001 - any failure to prove the token is a refusal
            log.warning("a Teams request with a token refused: %s", type(exc).__name__)
            return JSONResponse(NOT_AUTHORISED, status_code=401)
        try:
            activity = await request.json()
        except ValueError:
            activity = None
        if not isinstance(activity, dict):
            return JSONResponse({"error": "the body is not an activity"}, status_code=400)
        if not _same_url(claims.get("serviceurl"), activity.get("serviceUrl")):
            log.warning("a Teams token whose serviceurl is not the activity's")
            return JSONResponse(NOT_AUTHORISED, status_code=401)
        if _tenants(activity) != {tenant_id.lower()}:
            log.warning("a Teams activity from another tenant")
            return JSONResponse(OTHER_TENANT, status_code=403)
        answer = await teams.handle(activity)
        if answer.body is None:
            return Response(status_code=answer.status)
        return JSONResponse(answer.body, status_code=answer.status)

    return router


def _same_url(claimed: Any, given: Any) -> bool:
    if not (isinstance(claimed, str) and isinstance(given, str) and claimed and given):
        return False
    return claimed.rstrip("/").lower() == given.rstrip("/").lower()


def _tenants(activity: Mapping[str, Any]) -> set[str]:
    """The tenants the activity names (channelData.tenant.id, conversation.tenantId)."""
    found = set()
    for holder, key in (("channelData", "tenant"), ("conversation", "tenantId")):
        value = activity.get(holder)
        value = value.get(key) if isinstance(value, Mapping) else None
        if isinstance(value, Mapping):
            value = value.get("id")
        if isinstance(value, str) and value:
            found.add(value.lower())
    return found
