"""In a real headless Chromium: staff press Got it, and the SENDCO sees who has read it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from bot.storage.database import Database
from bot.storage.register import Pupil
from tests.e2e.process import start
from tests.e2e.test_sendbot_run import demo_env


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The browser walk tests the pages, not the engine; the HTTP e2e tests cover both engines."""
    return request.getfixturevalue(f"{request.param}_url")


def test_staff_acknowledge_in_the_local_chat_and_the_sendco_sees_it(
    browser, db: Database, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    running = start(tmp_path, demo_env(db))
    try:
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(f"{running.base_url}/local")
        page.get_by_role("link", name="Tom Hargreaves").click()
        got_it = page.get_by_role("button", name="Got it")
        for _ in range(50):
            if got_it.count():
                break
            page.wait_for_timeout(200)
            page.reload()
        got_it.click()
        assert "Thanks: recorded" in page.get_by_role("status").inner_text()
        assert "You acknowledged this" in page.locator('article[data-kind="briefing"]').inner_text()
        assert page.get_by_role("button", name="Got it").count() == 0

        # The demo's quiz round: answer the first question on its card.
        question = page.locator('article[data-kind="question"]').last
        if question.locator("input[type=checkbox]").count():
            question.locator("input[type=checkbox]").first.check()
            question.get_by_role("button", name="Submit").click()
        else:
            assert question.locator("button").count() >= 2
            question.locator("button").first.click()
        assert page.get_by_role("status").inner_text() == "Answer recorded."
        answered = page.locator('article[data-kind="question"]').last.inner_text()
        assert ("Right" in answered or "Not quite" in answered) and "Source:" in answered
        page.screenshot(path=str(tmp_path / "local-chat.png"), full_page=True)

        page.goto(f"{running.base_url}/sendco/briefings")
        assert "/sign-in" in page.url
        page.get_by_label("Person").select_option(
            label="Sarah Pemberton — teacher (SENDCO) (line manager)"
        )
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/sendco/briefings")
        first = page.locator('section[data-briefing="graduated-approach"]')
        assert first.locator('[data-count="acknowledged"]').inner_text() == "1"
        first.get_by_text("Acknowledged (1)").click()
        assert "Tom Hargreaves" in first.inner_text()
        page.screenshot(path=str(tmp_path / "sendco-briefings.png"), full_page=True)
        if os.environ.get("SENDBOT_SCREENSHOTS"):
            for shot in tmp_path.glob("*.png"):
                shutil.copy(shot, os.environ["SENDBOT_SCREENSHOTS"])
    finally:
        running.stop()


def sign_in_as(page, base_url: str, path: str, name: str) -> None:  # type: ignore[no-untyped-def]
    """Open a signed-in page and sign in as `name` with the demo's persona picker."""
    page.goto(f"{base_url}{path}")
    assert "/sign-in" in page.url
    value = page.locator("option", has_text=name).first.get_attribute("value")
    page.get_by_label("Person").select_option(value=value)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{path}")


def test_the_sendco_uploads_the_register_and_a_teacher_reads_the_pupils_page(
    browser, db: Database, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    root = Path(__file__).parents[2]
    running = start(tmp_path, demo_env(db))
    try:
        sendco = browser.new_context().new_page()
        sign_in_as(sendco, running.base_url, "/sendco/register/import", "Sarah Pemberton")
        register_form = sendco.locator("form", has=sendco.get_by_label("Register export"))

        # A bad file is refused with its line and column, and nothing is stored.
        register_form.get_by_label("Register export").set_input_files(
            str(root / "tests" / "fixtures" / "register" / "bad_upn.csv")
        )
        register_form.get_by_role("button", name="Import the register").click()
        refused = sendco.get_by_role("alert").inner_text()
        assert "Nothing was imported" in refused or "problem" in refused, refused
        assert "line" in refused.lower() and "UPN" in refused

        for field, file, button in (
            ("Register export", "register.csv", "Import the register"),
            ("Teaching-groups export", "teaching-groups.csv", "Import the teaching groups"),
            ("Register export", "register-update.csv", "Import the register"),
        ):
            sendco.get_by_label(field).set_input_files(str(root / "demo" / file))
            sendco.get_by_role("button", name=button).click()
            assert "Imported" in sendco.get_by_role("status").inner_text(), file
        assert "alerts planned" in sendco.get_by_role("status").inner_text()

        ben = db.work(lambda s: s.exec(select(Pupil.id).where(Pupil.mis_id == "002401")).one())
        lucy = browser.new_context().new_page()
        sign_in_as(lucy, running.base_url, f"/pupils/{ben}", "Lucy Fenwick")
        assert "Ben Birtle" in lucy.locator("main").inner_text()
        assert "801432125102" not in lucy.content()  # the UPN stays in the database
        lucy.get_by_role("button", name="I've read the profile").click()
        assert "recorded" in lucy.get_by_role("status").inner_text()

        tom = browser.new_context().new_page()
        sign_in_as(tom, running.base_url, "/me", "Tom Hargreaves")
        refusal = tom.goto(f"{running.base_url}/pupils/{ben}")
        assert refusal is not None and refusal.status == 403
        assert "Birtle" not in tom.content()

        sendco.goto(f"{running.base_url}/sendco/register")
        row = sendco.locator(f'tr[data-pupil="{ben}"]')
        reader = row.locator('[data-reader="lucy.fenwick@oakhill.example"]')
        assert reader.get_attribute("data-status") == "read on time"
        sendco.screenshot(path=str(tmp_path / "sendco-register.png"), full_page=True)
    finally:
        running.stop()
