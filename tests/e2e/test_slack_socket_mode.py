"""End to end in Socket Mode: a real `sendbot run` connects to Slack's WebSocket (a fake on
loopback), sends a briefing as a direct message, and a press pushed down the socket is
acknowledged at once and recorded."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from bot.services.briefings import plan_briefing
from bot.storage.briefing import Acknowledgement
from bot.storage.database import Database
from bot.storage.staff import ChatIdentity
from tests import factories
from tests.e2e.process import start
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_socket import FakeSocketMode


def wait_for(condition, seconds: float = 20) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.05)


def test_a_briefing_goes_out_and_a_press_comes_back_over_socket_mode(
    db: Database, tmp_path: Path
) -> None:
    now = datetime.now(UTC)

    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s, with_terms=False)
        person = factories.person(s, school, "Sol Socket", platform=None)
        s.add(ChatIdentity(staff_id=person.id, platform="slack", platform_user_id="U0SOCKET"))
        briefing = factories.briefing(s, school, now, send_on=now.date())
        plan_briefing(s, briefing, now, "slack", send_now=True)
        return person.email

    email = db.work(setup)
    with FakeSlack() as slack, FakeSocketMode() as socket:
        slack.workspace.socket_url = socket.url
        slack.add_user("U0SOCKET", email)
        running = start(
            tmp_path,
            {
                "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
                "DEMO_MODE": "false",
                "SECRET_KEY": "socket-mode-" + "k" * 40,
                "SLACK_BOT_TOKEN": slack.token,
                "SLACK_APP_TOKEN": slack.app_token,
                "SLACK_API_BASE_URL": slack.base_url,
                "DISPATCH_INTERVAL_SECONDS": "0.3",
            },
        )
        try:
            assert socket.connected(), running.log()
            wait_for(lambda: len(slack.messages_to("U0SOCKET")) == 1)
            message = slack.messages_to("U0SOCKET")[0]
            button = next(
                e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
            )
            payload = {
                "type": "block_actions",
                "team": {"id": "T1"},
                "user": {"id": "U0SOCKET"},
                "container": {
                    "type": "message",
                    "channel_id": message["channel"],
                    "message_ts": message["ts"],
                },
                "channel": {"id": message["channel"]},
                "actions": [dict(button, action_ts=str(time.time()))],
            }
            acknowledged_in = socket.push("interactive", payload)
            assert acknowledged_in < 3.0
            wait_for(lambda: db.work(lambda s: s.exec(select(Acknowledgement)).first()) is not None)
            wait_for(lambda: slack.ephemerals)
            assert slack.ephemerals[0]["text"] == "Thanks: recorded that you have read it."
            wait_for(lambda: slack.messages_to("U0SOCKET")[0]["blocks"] != message["blocks"])

            # Slack recycles the connection: the app opens a new one and goes on answering.
            socket.disconnect("refresh_requested")
            wait_for(lambda: socket.connections == 2)
            assert socket.connected()
            assert socket.push("interactive", payload) < 3.0
        finally:
            code = running.stop()
    assert code == 0, running.log()
