"""Every page each kind of person can open, in a real headless Chromium at a phone's width
(390 × 844): the page never scrolls sideways, each person sees only their own links, and
axe-core finds nothing wrong. Error pages are pages too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.storage.database import Database
from tests.e2e.a11y import assert_accessible
from tests.e2e.process import ROOT, start
from tests.e2e.test_browser import sign_in_as
from tests.e2e.test_sendbot_run import demo_env

PHONE = {"width": 390, "height": 844}
# axe-core is put into each page as a script, which the pages' own CSP would refuse.
MANAGER_LINKS = {"/team", "/sendco", "/sendco/briefings", "/sendco/questions", "/sendco/register"}


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The walk tests the pages, not the engine; the HTTP e2e tests cover both engines."""
    return request.getfixturevalue(f"{request.param}_url")


def nav_links(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator('nav[aria-label="Main"] a').evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )


def check_page(page, url: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Open `url` (or take the page as it is): it fits the phone's width and passes axe-core."""
    if url is not None:
        answer = page.goto(url)
        assert answer is not None and answer.status == 200, (url, answer and answer.status)
    url = page.url
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{url} is {widths[0]} px wide at {widths[1]} px"
    assert_accessible(page)


def import_the_demo_register(db: Database, tmp_path: Path) -> None:
    """The demo's SEN register, teaching groups and a later export, so the register page and a
    pupil's page have rows to show."""
    env = demo_env(db) | {"PYTHONPATH": str(ROOT)}
    for args in (
        ["import-register", str(ROOT / "demo" / "register.csv")],
        ["import-teaching", str(ROOT / "demo" / "teaching-groups.csv")],
        ["import-register", str(ROOT / "demo" / "register-update.csv"), "--now"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr


def test_every_page_fits_a_phone_and_passes_axe_for_each_role(
    browser, db: Database, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    running = start(tmp_path, demo_env(db))
    try:
        import_the_demo_register(db, tmp_path)
        base = running.base_url
        visitor = browser.new_context(viewport=PHONE, bypass_csp=True).new_page()
        for path in ("/", "/local", "/sign-in"):
            check_page(visitor, f"{base}{path}")
        assert nav_links(visitor) == ["/local"]

        for name, first, expected in (
            ("Sarah Pemberton", "/sendco/register", MANAGER_LINKS | {"/sendco/people"}),
            ("Priya Raman", "/team", {"/team"}),
            ("Mo Rahman", "/me", set()),
        ):
            page = browser.new_context(viewport=PHONE, bypass_csp=True).new_page()
            sign_in_as(page, base, first, name)
            links = nav_links(page)
            assert set(links) == {"/local", "/me"} | expected, name
            assert name in page.locator("header").inner_text()
            extra = []
            if "/sendco/register" in links:
                extra.append("/sendco/register/import")
                extra += ["/sendco/briefings/new", "/sendco/questions/new"]
                extra += ["/sendco/questions/import", "/sendco/questions?show=retired"]
                pupil = page.locator("tr[data-pupil] a").first.get_attribute("href")
                extra.append(pupil)
            for path in ["/", *links, *extra]:
                check_page(page, f"{base}{path}")
                assert page.locator('a[aria-current="page"]').count() <= 1, path
            # The demo's picker opens a person's messages at the newest, as a chat opens.
            page.goto(f"{base}/local")
            page.get_by_role("link", name=name).click()
            page.wait_for_url("**/local/*#newest")
            page.wait_for_load_state()
            newest_in_view = page.evaluate(
                "() => { const r = document.querySelector('#newest + article')"
                ".getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; }"
            )
            assert newest_in_view, name
            check_page(page)
            if not expected:
                header = page.locator("header").inner_html()
                for link in MANAGER_LINKS:
                    assert f'href="{link}"' not in header, (name, link)
    finally:
        running.stop()


def test_not_found_and_wrong_method_are_pages_of_the_site(
    browser, db: Database, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    running = start(tmp_path, demo_env(db))
    try:
        page = browser.new_context(viewport=PHONE, bypass_csp=True).new_page()
        for path, status, title in (
            ("/no/such/page", 404, "Page not found"),
            ("/local/abc", 404, "Page not found"),
            ("/sign-out", 405, "Not opened that way"),
        ):
            answer = page.goto(f"{running.base_url}{path}")
            assert answer is not None and answer.status == status, path
            assert answer.headers["content-type"].startswith("text/html"), path
            assert page.get_by_role("heading", level=1).inner_text() == title
            assert page.get_by_role("link", name="Go to the start page").count() == 1
            widths = page.evaluate(
                "() => [document.documentElement.scrollWidth, window.innerWidth]"
            )
            assert widths[0] <= widths[1], path
            assert_accessible(page)
        page.get_by_role("link", name="Go to the start page").click()
        assert page.get_by_role("heading", name="Welcome to sendbot").count() == 1
    finally:
        running.stop()
