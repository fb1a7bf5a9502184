"""In a real headless Chromium against a running sendbot: the SENDCO writes a briefing on the web
with a mistake, sees the message beside the field, puts it right, chooses one named person for
it, previews it as Slack and Teams would show it, sends it now, and that person gets it in the
local chat."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage.database import Database
from tests.e2e.a11y import assert_accessible
from tests.e2e.process import start
from tests.e2e.test_browser import sign_in_as
from tests.e2e.test_sendbot_run import demo_env

TITLE = "Give pupils time to answer"
TOO_LONG = "Count to ten in your head before you repeat a question to the class. " * 5


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The walk tests the pages, not the engine; the integration tests cover both engines."""
    return request.getfixturevalue(f"{request.param}_url")


def test_the_sendco_writes_previews_and_sends_a_briefing_that_staff_receive(
    browser, db: Database, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    running = start(tmp_path, demo_env(db))
    try:
        base = running.base_url
        sendco = browser.new_context(bypass_csp=True).new_page()  # axe-core is put in as a script
        sign_in_as(sendco, base, "/sendco/briefings", "Sarah Pemberton")
        sendco.get_by_role("link", name="Write a briefing").click()
        sendco.wait_for_url("**/sendco/briefings/new")
        assert_accessible(sendco)

        sendco.get_by_label("Title").fill(TITLE)
        assert sendco.get_by_label("Everyone").is_checked()
        sendco.get_by_label("Point 1").fill(TOO_LONG)
        sendco.get_by_label("Point 2").fill(
            "Pupils with speech, language and communication needs (SLCN) may need longer."
        )
        # The page's script shows the server's message beside the point as it is typed.
        beside = sendco.locator("#point-1-messages")
        beside.get_by_text("at most 280 fit a chat card").wait_for()
        sendco.get_by_role("button", name="Send now").click()

        sendco.wait_for_load_state()
        assert "was not saved" in sendco.get_by_role("alert").inner_text()
        assert "at most 280 fit a chat card" in sendco.locator("#point-1-messages").inner_text()
        point = sendco.get_by_label("Point 1")
        assert point.get_attribute("aria-invalid") == "true"
        assert point.input_value() == TOO_LONG.strip() or point.input_value() == TOO_LONG
        assert sendco.get_by_label("Title").input_value() == TITLE
        assert_accessible(sendco)

        point.fill("Count to ten in your head before you repeat a question (wait time).")
        # For one person only: Everyone off, and Tom picked by name from the folded list.
        sendco.get_by_label("Everyone").uncheck()
        tom = sendco.get_by_label("Tom Hargreaves (teacher)")
        assert not tom.is_visible()
        sendco.get_by_text("Named people", exact=True).click()
        tom.check()
        assert_accessible(sendco)
        sendco.get_by_role("button", name="Preview").click()
        assert sendco.get_by_label("Tom Hargreaves (teacher)").is_checked()
        assert sendco.locator("[data-audience]").inner_text() == "For: Tom Hargreaves."
        slack = sendco.locator('[data-preview="slack"]')
        teams = sendco.locator('[data-preview="teams"]')
        assert TITLE in slack.locator(".slack-header").inner_text()
        assert "• Count to ten" in slack.locator(".slack-section").first.inner_text()
        assert slack.locator(".slack-button.slack-primary").inner_text() == "Got it"
        assert TITLE in teams.locator(".teams-large").inner_text()
        assert teams.locator("li").count() == 2
        assert teams.locator(".teams-button.teams-positive").inner_text() == "Got it"
        assert_accessible(sendco)
        sendco.screenshot(path=str(tmp_path / "briefing-preview.png"), full_page=True)

        sendco.get_by_role("button", name="Send now").click()
        sendco.wait_for_url("**/sendco/briefings")
        assert "is on its way to 1 person now" in sendco.get_by_role("status").inner_text()
        listed = sendco.locator("section[data-briefing]", has_text=TITLE)
        assert "For Tom Hargreaves ·" in listed.inner_text()
        assert_accessible(sendco)

        staff = browser.new_context().new_page()
        staff.goto(f"{base}/local")
        staff.get_by_role("link", name="Tom Hargreaves").click()
        card = staff.locator('article[data-kind="briefing"]', has_text=TITLE)
        for _ in range(50):
            if card.count():
                break
            staff.wait_for_timeout(200)
            staff.reload()
        assert "Count to ten in your head" in card.inner_text()
        card.get_by_role("button", name="Got it").click()
        assert "Thanks: recorded" in staff.get_by_role("status").inner_text()
    finally:
        running.stop()
