"""Slack's Socket Mode on loopback: the WebSocket that `apps.connections.open` points the app at.

The fake Web API (FakeSlack) answers `apps.connections.open` with this server's ws:// address;
the real slack_sdk Socket Mode client connects, gets Slack's "hello", and from then on a test
can push envelopes (an interaction, a slash command, an event) and wait for the app's
acknowledgement, as Slack would. As Slack does, it can also ask the app to reconnect (a
`disconnect` envelope with reason `refresh_requested`, sent before Slack recycles a connection,
or `warning`, ten seconds ahead) and then close the socket, and it redelivers an envelope the
app does not acknowledge in time, with `retry_attempt` and `retry_reason`.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from typing import Any

from aiohttp import WSMsgType, web


class FakeSocketMode:
    """A WebSocket server in its own thread and event loop; use it as a context manager."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.connections = 0

    def __enter__(self) -> FakeSocketMode:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, *_exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link/"

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/link/", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _stop(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        with self._lock:
            self._sockets.append(socket)
            self.connections += 1
        await socket.send_str(
            json.dumps({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}})
        )
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                data = json.loads(message.data)
                if "envelope_id" in data:
                    with self._lock:
                        self._acks[data["envelope_id"]] = (time.monotonic(), data)
        with self._lock:
            self._sockets.remove(socket)
        return socket

    def connected(self, timeout: float = 15) -> bool:
        """Wait until the app has connected."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._sockets:
                    return True
            time.sleep(0.05)
        return False

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Tell the app to reconnect, then close its socket, as Slack does when it recycles a
        connection; the app should open a new one through apps.connections.open."""
        with self._lock:
            socket = self._sockets[-1]
        envelope = {"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}}

        async def close() -> None:
            await socket.send_str(json.dumps(envelope))
            await asyncio.sleep(0.2)
            await socket.close()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)

    def push(
        self, kind: str, payload: dict[str, Any], timeout: float = 5, redeliver_after: float = 0
    ) -> float:
        """Send an envelope ("interactive", "slash_commands", "events_api") and return how
        many seconds the app took to acknowledge it; raises if it never did. With
        `redeliver_after`, an envelope not acknowledged by then is sent again, marked as
        Slack marks a retry."""
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": kind,
            "accepts_response_payload": kind != "events_api",
            "payload": payload,
        }
        sent = time.monotonic()
        self._send(envelope, timeout)
        attempt = 0
        while time.monotonic() - sent < timeout:
            with self._lock:
                if envelope_id in self._acks:
                    return self._acks[envelope_id][0] - sent
            if redeliver_after and time.monotonic() - sent > redeliver_after * (attempt + 1):
                attempt += 1
                self._send(envelope | {"retry_attempt": attempt, "retry_reason": "timeout"}, 5)
            time.sleep(0.01)
        raise AssertionError(f"the app did not acknowledge a {kind} envelope in {timeout} s")

    def _send(self, envelope: dict[str, Any], timeout: float) -> None:
        with self._lock:
            socket = self._sockets[-1]
        asyncio.run_coroutine_threadsafe(socket.send_str(json.dumps(envelope)), self._loop).result(
            timeout
        )
