"""With Teams settings, sendbot reaches staff on Teams and serves /api/messages, refusing any
activity without a valid token."""

from __future__ import annotations

from bot.services.clock import FixedClock
from bot.storage.database import Database
from tests.integration.webapp import client_for, sendbot_for

TEAMS = {
    "teams_client_id": "11111111-2222-3333-4444-555555555555",
    "teams_client_secret": "not-a-real-secret",
    "teams_tenant_id": "66666666-7777-8888-9999-000000000000",
}


def test_teams_settings_choose_teams_and_mount_the_messaging_endpoint(
    db: Database, clock: FixedClock
) -> None:
    sendbot = sendbot_for(db.engine.url.render_as_string(hide_password=False), clock, **TEAMS)
    assert sendbot.platform == "teams" and "teams" in sendbot.ports
    with client_for(sendbot) as client:
        unsigned = client.post("/api/messages", json={"type": "message", "text": "help"})
        forged = client.post(
            "/api/messages",
            json={"type": "message", "text": "help"},
            headers={"Authorization": "Bearer not.a.token"},
        )
    assert (unsigned.status_code, forged.status_code) == (401, 401)
    sendbot.db.dispose()


def test_without_teams_settings_there_is_no_messaging_endpoint(
    db: Database, clock: FixedClock
) -> None:
    sendbot = sendbot_for(db.engine.url.render_as_string(hide_password=False), clock)
    with client_for(sendbot) as client:
        assert client.post("/api/messages", json={}).status_code in (404, 405)
    sendbot.db.dispose()
