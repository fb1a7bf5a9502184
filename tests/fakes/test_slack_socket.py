"""The fake Socket Mode server behaves as Slack documents: hello on connect, a redelivery of an
envelope left unacknowledged, and a disconnect envelope before it closes a connection."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import aiohttp

from tests.fakes.slack_socket import FakeSocketMode


def test_an_unacknowledged_envelope_is_redelivered_and_a_disconnect_comes_before_closing() -> None:
    received: list[dict[str, Any]] = []
    ready = threading.Event()
    acked = threading.Event()

    async def app(url: str) -> None:
        async with aiohttp.ClientSession() as session, session.ws_connect(url) as socket:
            ready.set()
            async for message in socket:
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                data = json.loads(message.data)
                received.append(data)
                if data.get("retry_attempt") == 1:  # acknowledge only the redelivery
                    await socket.send_str(json.dumps({"envelope_id": data["envelope_id"]}))
                    acked.set()

    with FakeSocketMode() as fake:
        thread = threading.Thread(target=lambda: asyncio.run(app(fake.url)), daemon=True)
        thread.start()
        assert ready.wait(10) and fake.connected()
        took = fake.push("events_api", {"event_id": "Ev1"}, timeout=5, redeliver_after=0.3)
        assert acked.is_set() and took >= 0.3
        fake.disconnect("refresh_requested")
        thread.join(5)
    kinds = [(m["type"], m.get("retry_attempt")) for m in received]
    assert kinds == [
        ("hello", None),
        ("events_api", None),
        ("events_api", 1),
        ("disconnect", None),
    ]
    assert received[1]["envelope_id"] == received[2]["envelope_id"]
    assert received[2]["retry_reason"] == "timeout"
