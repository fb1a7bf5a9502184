"""Microsoft Graph over aiohttp, signed in with the app registration, paced and patient.

Graph answers a busy moment with 429 (or 503/504) and usually says how long to wait in
Retry-After; every caller sharing this client then waits that long, and the request is tried a
few times before the caller is told. The HTTP session belongs to one event loop and is closed
after each run of the daily job (`close`): a once-a-day job has no use for an open connection.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.chat.pacing import Pacer
from bot.chat.retry_after import retry_after_seconds
from bot.chat.teams.tokens import AccessTokens

log = logging.getLogger(__name__)
# Statuses Graph uses for "not now"; anything else is its answer.
BUSY = {429, 503, 504}
TRIES = 4
# A Retry-After longer than this is not waited out within a run: the run stops, and the
# people left are looked up on the next one.
LONGEST_WAIT = 60.0


@dataclass(frozen=True)
class GraphReply:
    """Graph's answer: the status, the JSON body, and its error code and message if any."""

    status: int
    body: dict[str, Any]
    retry_after: float | None = None

    @property
    def code(self) -> str:
        return str((self.body.get("error") or {}).get("code", ""))

    @property
    def message(self) -> str:
        return str((self.body.get("error") or {}).get("message", ""))


class GraphUnreachable(Exception):
    """Graph or Microsoft sign-in could not be asked (network, timeout, sign-in refused)."""


class Graph:
    """Makes Graph requests one at a time through a pacer shared by everyone using it."""

    def __init__(
        self,
        tokens: AccessTokens,
        graph_url: str,
        *,
        requests_per_second: float = 20.0,
        request_timeout: float = 15.0,
    ) -> None:
        """`graph_url` is TEAMS_GRAPH_URL, Graph's root with its version."""
        self.tokens = tokens
        self.graph_url = graph_url.rstrip("/")
        self.request_timeout = request_timeout
        self.pacer = Pacer(requests_per_second)
        self._resume_at = 0.0  # monotonic time before which Graph asked us not to call
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def url(self, path: str) -> str:
        """An absolute Graph address for `path` (users/..., appCatalogs/...)."""
        return f"{self.graph_url}/{path.lstrip('/')}"

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        payload: dict[str, Any] | None = None,
    ) -> GraphReply:
        """One request; a refused token is fetched afresh once, and a busy Graph waited for."""
        refreshed = False
        reply = GraphReply(0, {})
        for attempt in range(TRIES):
            await self._wait_turn()
            reply = await self._send(method, path, params, payload, refresh=refreshed)
            if reply.status == 401 and not refreshed:
                refreshed = True
                continue
            if reply.status not in BUSY or attempt == TRIES - 1:
                return reply
            wait = reply.retry_after if reply.retry_after is not None else 2.0**attempt
            wait += random.uniform(0, 0.25)  # noqa: S311 - jitter, not security
            if wait > LONGEST_WAIT:
                return reply
            log.info("Graph answered %s; waiting %.1f s", reply.status, wait)
            self._resume_at = max(self._resume_at, time.monotonic() + wait)
        return reply

    async def close(self) -> None:
        """Close the HTTP session, if one was opened in this event loop."""
        session, self._session = self._session, None
        if session is not None and self._loop is asyncio.get_running_loop():
            await session.close()

    async def _wait_turn(self) -> None:
        await self.pacer.wait()
        delay = self._resume_at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    async def _send(
        self,
        method: str,
        path: str,
        params: dict[str, str] | None,
        payload: dict[str, Any] | None,
        *,
        refresh: bool,
    ) -> GraphReply:
        try:
            token = await self.tokens.token(force_refresh=refresh)
        except OSError as exc:  # requests' errors under msal
            raise GraphUnreachable(f"could not reach Microsoft sign-in ({exc})") from exc
        except ValueError as exc:  # msal's refusal, said by the Agents SDK
            raise GraphUnreachable(
                "Microsoft sign-in refused sendbot's app registration; check TEAMS_CLIENT_ID, "
                "TEAMS_CLIENT_SECRET and TEAMS_TENANT_ID"
            ) from exc
        headers = {"Authorization": f"Bearer {token}"}
        try:
            async with self._client().request(
                method, self.url(path), params=params, json=payload, headers=headers
            ) as response:
                raw = await response.read()
                body = json.loads(raw) if raw.strip() else {}
                return GraphReply(
                    response.status,
                    body if isinstance(body, dict) else {},
                    retry_after_seconds(response.headers.get("Retry-After")),
                )
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            raise GraphUnreachable(
                f"could not reach Microsoft Graph ({type(exc).__name__})"
            ) from exc

    def _client(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._loop is not loop or self._session.closed:
            # A session belongs to the loop that made it; one from a loop that has gone is
            # dropped, not reused.
            self._session, self._loop = (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.request_timeout)),
                loop,
            )
        return self._session
