"""End to end: a real `sendbot run` loads the demo, a person presses Got it, the SENDCO sees it."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bot.storage.database import Database
from tests.e2e.process import ROOT, start
from tests.web_forms import arm, demo_sign_in


def demo_env(db: Database) -> dict[str, str]:
    return {
        "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
        "DEMO_MODE": "true",
        "DEMO_DIR": str(ROOT / "demo"),
        "BRIEFINGS_DIR": str(ROOT / "briefings"),
        "QUIZZES_DIR": str(ROOT / "quizzes"),
        "DISPATCH_INTERVAL_SECONDS": "0.5",
    }


def person_id(page: str, name: str) -> int:
    found = re.search(rf'href="/local/(\d+)(?:#\w+)?">{re.escape(name)}<', page) or re.search(
        rf'<option value="(\d+)">{re.escape(name)} ', page
    )
    assert found, f"{name} is not on the page"
    return int(found.group(1))


def briefing_card(page: str) -> str:
    """The HTML of the briefing's card in a local mailbox page."""
    found = re.search(r'<article[^>]*data-kind="briefing".*?</article>', page, re.S)
    assert found, "no briefing card on the page"
    return found.group(0)


def test_demo_briefing_is_acknowledged_and_the_sendco_sees_it(db: Database, tmp_path: Path) -> None:
    running = start(tmp_path, demo_env(db))
    try:
        web = httpx.Client(base_url=running.base_url, timeout=10)
        arm(web)  # the demo session's form token, as the local chat page has
        tom = person_id(web.get("/local").text, "Tom Hargreaves")
        deadline = time.monotonic() + 30
        while "Got it" not in (mailbox := web.get(f"/local/{tom}").text):
            assert time.monotonic() < deadline, "the demo briefing never arrived"
            time.sleep(0.2)
        card = briefing_card(mailbox)
        message_id = re.search(r'name="message_id" value="(\d+)"', card).group(1)  # type: ignore[union-attr]
        value = re.search(r'name="value" value="(\d+)"', card).group(1)  # type: ignore[union-attr]
        press = {"message_id": message_id, "action_id": "briefing.ack", "value": value}
        json = {"accept": "application/json"}

        first = web.post(f"/local/{tom}/press", data=press, headers=json).json()["notice"]
        again = web.post(f"/local/{tom}/press", data=press, headers=json).json()["notice"]
        assert first.startswith("Thanks") and "already" in again
        assert "You acknowledged this" in web.get(f"/local/{tom}").text

        sendco = person_id(web.get("/sign-in").text, "Sarah Pemberton")
        demo_sign_in(web, sendco)
        while 'data-count="sent">40<' not in (page := web.get("/sendco/briefings").text):
            assert time.monotonic() < deadline, "the demo briefing did not reach all 40 staff"
            time.sleep(0.2)
        assert 'data-count="acknowledged" class="ok">1<' in page
        assert 'data-count="waiting" class="warn">39<' in page
        assert "Tom Hargreaves" in page
        health = web.get("/healthz").json()
        assert health["database"] == "ok" and health["scheduler"] == "running"
    finally:
        code = running.stop()
    assert code == 0, running.log()
    assert "sendbot stopped" in running.log()


def test_a_restart_does_not_load_the_demo_or_send_the_briefing_again(
    db: Database, tmp_path: Path
) -> None:
    first = start(tmp_path, demo_env(db))
    first.stop()
    second = start(tmp_path, demo_env(db))
    second.stop()
    assert "Loaded the demo school" in first.log()
    assert "Loaded the demo school" not in second.log()


def test_a_bad_setting_stops_start_up_with_one_clear_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PORT": "eighty", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "sendbot cannot start: Setting PORT is not valid: Input should be a valid integer, unable"
        " to parse string as an integer (given: 'eighty'). Allowed: a port number from 1 to 65535"
    ]
