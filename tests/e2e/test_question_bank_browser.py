"""In a real headless Chromium against a running sendbot: the SENDCO keeps the question bank on
the web. They add a question (after a mistake shown beside its field), reword it (a new version),
retire it, and import a Moodle GIFT file; every page passes axe-core's checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.storage.database import Database
from tests.e2e.a11y import assert_accessible
from tests.e2e.process import start
from tests.e2e.test_browser import sign_in_as
from tests.e2e.test_sendbot_run import demo_env

PROMPT = "What should a teacher try first when a pupil falls behind?"
REWORDED = "What should a teacher try first when a pupil with SEN falls behind?"
GIFT = """// Exported from Moodle: Question bank > Export > GIFT format
::Wait time::How long should you wait after asking a pupil with SLCN a question? {
=Ten seconds or more
~One second
~No time: answer it for them
####Many pupils with speech, language and communication needs need longer to answer.
}
"""


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The walk tests the pages, not the engine; the integration tests cover both engines."""
    return request.getfixturevalue(f"{request.param}_url")


def test_the_sendco_adds_rewords_retires_and_imports_questions(
    browser, db: Database, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    running = start(tmp_path, demo_env(db))
    try:
        base = running.base_url
        page = browser.new_context(bypass_csp=True).new_page()  # axe-core is put in as a script
        page.on("dialog", lambda dialog: dialog.accept())  # "Retire this question?"
        sign_in_as(page, base, "/sendco/questions", "Sarah Pemberton")
        assert_accessible(page)
        first = page.locator("table.bank > tbody > tr").first
        first.locator("summary").click()
        assert first.locator("table.options tr").count() >= 3  # the options, unfolded
        assert_accessible(page)

        page.get_by_role("link", name="Add a question").click()
        page.wait_for_url("**/sendco/questions/new")
        page.get_by_label("Question", exact=True).fill(PROMPT)
        page.get_by_label("Option 1", exact=True).fill("Ask the SENDCO to take over")
        page.get_by_label("Option 2", exact=True).fill("Adapt their own teaching")
        page.get_by_label("Option 2 is right").check()
        page.get_by_label("Source").fill("SEND Code of Practice 6.37")
        page.get_by_label("Area of need").select_option(label="General")
        page.get_by_role("button", name="Add the question").click()

        page.wait_for_load_state()
        assert "was not saved" in page.get_by_role("alert").inner_text()
        assert "Write the explanation" in page.locator("#explanation-messages").inner_text()
        assert page.get_by_label("Explanation").get_attribute("aria-invalid") == "true"
        assert page.get_by_label("Option 2 is right").is_checked()  # what was typed is kept
        assert_accessible(page)

        page.get_by_label("Explanation").fill(
            "High-quality teaching, adapted for the pupil, comes first (Code of Practice 6.37)."
        )
        page.get_by_role("button", name="Add the question").click()
        page.wait_for_url("**/sendco/questions")
        assert "Added" in page.get_by_role("status").first.inner_text()

        page.get_by_label("Words in the question").fill("falls behind")
        page.get_by_role("button", name="Show").click()
        rows = page.locator("table.bank > tbody > tr")
        assert rows.count() == 1
        rows.get_by_role("link", name=re.compile("^Edit")).click()
        page.wait_for_url("**/edit")
        assert page.locator("[data-version]").get_attribute("data-version") == "1"
        assert_accessible(page)
        page.get_by_label("Question", exact=True).fill(REWORDED)
        page.get_by_role("button", name="Save the change").click()
        page.wait_for_url("**/sendco/questions")
        assert "as version 2" in page.get_by_role("status").first.inner_text()

        page.get_by_label("Words in the question").fill("with SEN falls behind")
        page.get_by_role("button", name="Show").click()
        page.locator("table.bank > tbody > tr").get_by_role(
            "button", name=re.compile("^Retire")
        ).click()
        page.wait_for_url("**/sendco/questions")
        assert "Retired" in page.get_by_role("status").first.inner_text()
        page.get_by_role("link", name="Retired questions").click()
        page.wait_for_url("**/sendco/questions?show=retired")
        assert REWORDED in page.locator("table.bank").inner_text()
        assert_accessible(page)

        gift = tmp_path / "moodle-questions.txt"
        gift.write_text(GIFT, encoding="utf-8")
        page.goto(f"{base}/sendco/questions/import")
        assert_accessible(page)
        page.locator("input[type=file]").set_input_files(str(gift))
        page.get_by_label("Its format").select_option(label="GIFT (Moodle)")
        page.get_by_label("Area of need").select_option(label="Communication and interaction")
        page.get_by_label("Source").fill("EEF SEND in mainstream schools")
        page.get_by_role("button", name="Import the questions").click()
        page.wait_for_load_state()
        outcome = page.locator('[data-outcome="imported"]').inner_text()
        assert "1 new" in outcome
        assert_accessible(page)
        page.goto(f"{base}/sendco/questions?words=SLCN")
        assert "How long should you wait" in page.locator("table.bank").inner_text()
        page.screenshot(path=str(tmp_path / "question-bank.png"), full_page=True)
    finally:
        running.stop()
