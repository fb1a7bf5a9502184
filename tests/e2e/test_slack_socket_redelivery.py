"""Socket Mode, two replicas: Slack redelivers an event whose envelope was not acknowledged in
time, to whichever connection it likes, and the event's effect (the Home tab published) still
happens once."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bot.storage.database import Database
from bot.storage.staff import ChatIdentity
from tests import factories
from tests.e2e.process import Running, start
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_socket import FakeSocketMode

USER = "U0HOME"


def wait_for(condition, seconds: float = 20) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.05)


def home_opened(event_id: str) -> dict[str, Any]:
    """An app_home_opened event as Slack puts it in an events_api envelope's payload."""
    return {
        "token": "verification-token",
        "team_id": "T0SENDBOT",
        "api_app_id": "A0SENDBOT",
        "event": {
            "type": "app_home_opened",
            "user": USER,
            "channel": f"D{USER}",
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        },
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
    }


def test_a_redelivered_event_is_acknowledged_and_handled_once_across_replicas(
    db: Database, tmp_path: Path
) -> None:
    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s, with_terms=False)
        person = factories.person(s, school, "Hana Home", platform=None)
        s.add(ChatIdentity(staff_id=person.id, platform="slack", platform_user_id=USER))
        return person.email

    email = db.work(setup)
    replicas: list[Running] = []
    with FakeSlack() as slack, FakeSocketMode() as socket:
        slack.workspace.socket_url = socket.url
        slack.add_user(USER, email)
        env = {
            "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
            "DEMO_MODE": "false",
            "SECRET_KEY": "socket-redelivery-" + "k" * 40,
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_APP_TOKEN": slack.app_token,
            "SLACK_API_BASE_URL": slack.base_url,
        }
        try:
            replicas.append(start(tmp_path, env))
            assert socket.connected(), replicas[0].log()
            # Redelivered (marked retry_attempt, retry_reason) while the first copy is handled.
            socket.push("events_api", home_opened("Ev0SAME"), timeout=10, redeliver_after=0.001)
            wait_for(lambda: slack.calls["views.publish"] >= 1)

            # A later redelivery reaches the other replica's connection (the newest).
            replicas.append(start(tmp_path, env))
            wait_for(lambda: socket.connections == 2)
            assert socket.push("events_api", home_opened("Ev0SAME"), timeout=10) < 3.0
            # A new event after it is handled, so by then the redelivery has had its chance.
            socket.push("events_api", home_opened("Ev0OTHER"), timeout=10)
            wait_for(lambda: slack.calls["views.publish"] >= 2)
            time.sleep(0.5)
            assert slack.calls["views.publish"] == 2, [r.log() for r in replicas]
        finally:
            codes = [replica.stop() for replica in replicas]
    assert codes == [0] * len(replicas), [r.log() for r in replicas]
