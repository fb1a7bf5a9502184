"""End to end on Teams: a real `sendbot run` (through tests/e2e/teams_launcher.py) signs in to
the fake Microsoft sign-in, learns a person from their install, sends a briefing card through
the fake Bot Connector, and a "Got it" press posted with a signed token is answered with the
replacement card and recorded once. Ctrl-C then stops it cleanly."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from bot.storage.briefing import Acknowledgement
from bot.storage.database import Database
from bot.storage.staff import ChatIdentity
from tests import factories
from tests.e2e import teams_launcher
from tests.e2e.process import ROOT
from tests.fakes.teams_activities import card_action_activity, install_activity
from tests.fakes.teams_cards import ADAPTIVE_CARD, card_actions, card_problem
from tests.fakes.teams_connector import FakeTeams
from tests.fakes.teams_identity import FakeIdentity

pytestmark = pytest.mark.e2e

AAD = "aad-e2e-teams"
THANKS = "Thanks: recorded that you have read it."


def wait_for(condition: Callable[[], Any], seconds: float = 20) -> Any:
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.05)
    return found


def sendbot(identity: FakeIdentity, env: dict[str, str], workdir: Path, *args: str) -> str:
    """One `sendbot` command (not `run`) with the same settings, away from any .env; its
    output."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "DEMO"))}
    done = subprocess.run(
        teams_launcher.command(identity, *args),
        env=inherited | env | {"PYTHONPATH": str(ROOT)},
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def post(base_url: str, activity: dict[str, Any], token: str) -> httpx.Response:
    return httpx.post(
        f"{base_url}/api/messages",
        json=activity,
        headers={"Authorization": f"Bearer {token}"},
        timeout=15,  # Teams gives a bot 10 to 15 seconds
    )


def execute_actions(element: Any) -> list[dict[str, Any]]:
    """Every Action.Execute in a card, as the fake Teams finds actions (fallbacks aside)."""
    return [action for action in card_actions(element) if action.get("type") == "Action.Execute"]


def got_it(card_activity: dict[str, Any]) -> dict[str, Any]:
    """The card's one button, after checking the card is one Teams renders."""
    [attachment] = card_activity["attachments"]
    assert attachment["contentType"] == ADAPTIVE_CARD
    assert card_problem(attachment["content"]) is None
    [action] = execute_actions(attachment["content"])
    return action


def test_a_briefing_goes_out_on_teams_and_a_press_comes_back(db: Database, tmp_path: Path) -> None:
    now = datetime.now(UTC)

    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s, with_terms=False)
        person = factories.person(s, school, "Tia Teams", platform=None)
        # Linked by the staff import, never seen in Teams: nothing to reach them by yet.
        s.add(ChatIdentity(staff_id=person.id, platform="teams", platform_user_id=AAD, extra={}))
        # Due next month, so only the SENDCO's `--now` below sends it (not the scheduler).
        factories.briefing(s, school, now, send_on=now.date() + timedelta(days=30))

    db.work(setup)
    with FakeIdentity() as identity, FakeTeams(identity) as teams:
        teams.add_user(AAD, "Tia Teams", "tia.teams@oakhill.example", installed=True)
        teams.tenant.conversation(teams.user(AAD))  # the 1:1 chat Teams makes on install
        env = {
            "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
            "DEMO_MODE": "false",
            "SECRET_KEY": "teams-run-" + "k" * 40,
            "TEAMS_CLIENT_ID": identity.client_id,
            "TEAMS_CLIENT_SECRET": identity.client_secret,
            "TEAMS_TENANT_ID": identity.tenant_id,
            "TEAMS_AUTHORITY": identity.base_url,
            "TEAMS_GRAPH_URL": teams.graph_url,
            "DISPATCH_INTERVAL_SECONDS": "0.3",
        }
        running = teams_launcher.start(tmp_path, env, identity)
        try:
            assert "chat: teams" in running.log()
            token = identity.inbound_token(teams.service_url)

            # Teams tells sendbot the app was installed: the reference is kept, a welcome sent.
            installed = post(running.base_url, install_activity(teams, AAD), token)
            assert installed.status_code == 200, running.log()
            [welcome] = wait_for(lambda: teams.messages_to(AAD))
            assert "Welcome to sendbot" in str(welcome["attachments"][0]["content"])
            stored = db.work(
                lambda s: s.exec(
                    select(ChatIdentity.extra).where(ChatIdentity.platform_user_id == AAD)
                ).one()
            )
            assert stored["conversation_id"] == teams.conversation_id(AAD)

            # The SENDCO sends the briefing now; the running process sends the card.
            planned = sendbot(
                identity, env, tmp_path, "briefing", "send", "graduated-approach", "--now"
            )
            assert planned.startswith("1 new deliveries planned"), planned
            card = wait_for(lambda: teams.messages_to(AAD)[1:])[0]
            assert "The graduated approach" in str(card["attachments"][0]["content"])
            assert teams.calls["create_conversation"] == 0  # the stored conversation was used
            assert teams.rate_limited == {}

            # The person presses "Got it": an adaptiveCard/action invoke, signed as Teams signs.
            action = got_it(card)
            press = card_action_activity(teams, AAD, action["verb"], action["data"], card["id"])
            started = time.monotonic()
            answer = post(running.base_url, press, token)
            took = time.monotonic() - started
            assert answer.status_code == 200 and took < 3.0, running.log()
            body = answer.json()
            assert body["statusCode"] == 200 and body["type"] == ADAPTIVE_CARD
            assert card_problem(body["value"]) is None
            assert THANKS in [block.get("text") for block in body["value"]["body"]]
            assert execute_actions(body["value"]) == []  # the button has gone

            # Teams delivers the same press again: the same answer, recorded once.
            assert post(running.base_url, press, token).json() == body
            [ack] = db.work(lambda s: s.exec(select(Acknowledgement)).all())
            assert ack.briefing_id == int(action["data"]["value"])
            listed = sendbot(identity, env, tmp_path, "briefing", "list")
            assert "sent 1, read 1" in listed, listed

            # A press with a forged token is refused and changes nothing.
            forged = card_action_activity(teams, AAD, action["verb"], action["data"], card["id"])
            refused = post(running.base_url, forged, identity.forged_token(teams.service_url))
            assert refused.status_code == 401
        finally:
            code = running.stop()
    assert code == 0, running.log()
    assert len(db.work(lambda s: s.exec(select(Acknowledgement)).all())) == 1
