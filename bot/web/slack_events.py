"""Slack's HTTP endpoint (/slack/events) when Socket Mode is off: bolt checks each request's
signature and timestamp; a request seen before (a replay) is refused here first."""

from __future__ import annotations

import time
from collections import OrderedDict

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp

# Slack refuses timestamps more than five minutes off, so that is as long as a replay can work.
REPLAY_WINDOW_SECONDS = 5 * 60


class ReplayGuard:
    """Remembers the signatures of requests accepted in the last five minutes."""

    def __init__(self) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, signature: str, now: float) -> bool:
        while self._seen and next(iter(self._seen.values())) < now - REPLAY_WINDOW_SECONDS:
            self._seen.popitem(last=False)
        if not signature:
            return True  # bolt refuses an unsigned request with its own answer
        if signature in self._seen:
            return False
        self._seen[signature] = now
        return True

    def forget(self, signature: str) -> None:
        self._seen.pop(signature, None)


def slack_router(slack_app: AsyncApp) -> APIRouter:
    """The /slack/events route around a bolt app."""
    router = APIRouter()
    handler = AsyncSlackRequestHandler(slack_app)
    guard = ReplayGuard()

    @router.post("/slack/events")
    async def slack_events(request: Request) -> Response:
        """Slack's events and interactions in HTTP mode."""
        if not guard.first_time(request.headers.get("x-slack-signature", ""), time.monotonic()):
            return JSONResponse({"error": "this request was already received"}, status_code=401)
        response = await handler.handle(request)
        if response.status_code == 401:
            # A request bolt refused must not block a genuine one with the same signature.
            guard.forget(request.headers.get("x-slack-signature", ""))
        return response  # type: ignore[no-any-return]

    return router
