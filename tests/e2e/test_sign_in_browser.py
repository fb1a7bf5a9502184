"""In Chromium, against a real `sendbot run` with DEMO_MODE=false: staff sign in with their school
(Microsoft) accounts at a fake provider on loopback. A teacher opens the pupil link from a register
alert, signs in and lands on that pupil's page; a teacher who does not teach the pupil gets 403; a
line manager sees only their team; the SENDCO reaches every SENDCO page; sign-out ends it all."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.storage.database import Database
from bot.storage.local_chat import LocalMessage
from bot.storage.register import TeachingLink
from bot.storage.staff import ChatIdentity, Staff
from tests.e2e.process import ROOT, start
from tests.e2e.test_register_alerts import sendbot_cli
from tests.fakes.oidc_provider import FakeOidcProvider

DEMO = ROOT / "demo"
SENDCO_PAGES = [
    "/sendco/briefings",
    "/sendco/questions",
    "/sendco/people",
    "/sendco/register",
    "/sendco/register/import",
]


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The browser walk tests the pages; the integration tests cover both engines."""
    return request.getfixturevalue(f"{request.param}_url")


def _pupil_alert(db: Database) -> tuple[str, str]:
    """A person whose register alert (about one pupil) links to the pupil's page, and the link."""

    def read(s):  # type: ignore[no-untyped-def]
        rows = s.exec(
            select(Staff.email, LocalMessage.body)
            .join(ChatIdentity, col(ChatIdentity.platform_user_id) == LocalMessage.recipient)
            .join(Staff, col(Staff.id) == ChatIdentity.staff_id)
        ).all()
        return [
            (email, found.group(0))
            for email, body in rows
            if (found := re.search(r"/pupils/\d+", json.dumps(body)))
        ]

    deadline = time.monotonic() + 30
    while not (alerts := db.work(read)):
        assert time.monotonic() < deadline, "no register alert arrived"
        time.sleep(0.2)
    return sorted(alerts)[0]


def _a_teacher_of_nobody(db: Database) -> str:
    """A teacher with no teaching links at all (so not of this pupil), and no school-wide role."""

    def pick(s):  # type: ignore[no-untyped-def]
        linked = set(s.exec(select(TeachingLink.staff_id)))
        for person in s.exec(select(Staff).where(Staff.job_role == "teacher").order_by(Staff.id)):
            if person.id not in linked and not {"sendco", "admin"} & set(person.roles.split()):
                return person.email
        raise AssertionError("every teacher teaches someone")

    return db.work(pick)


def _sign_in_at_provider(page, email: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("link", name="Sign in with Microsoft").click()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Sign in").click()


def test_staff_sign_in_with_school_accounts_and_links_from_chat_land_where_they_point(
    browser,
    db: Database,
    tmp_path: Path,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    with FakeOidcProvider("microsoft") as idp:
        env = {
            "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
            "DEMO_MODE": "false",
            "SECRET_KEY": "an-e2e-secret-key-for-web-sessions-0123456789",
            "WEB_SIGN_IN": "microsoft",
            "WEB_SIGN_IN_CLIENT_ID": idp.client_id,
            "WEB_SIGN_IN_CLIENT_SECRET": idp.client_secret,
            "WEB_SIGN_IN_ALLOWED": idp.tenant_id,
            "TEAMS_AUTHORITY": idp.authority,
            "DISPATCH_INTERVAL_SECONDS": "0.5",
        }
        cli_env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "DEMO"))}
        cli_env |= env | {"PYTHONPATH": str(ROOT)}
        sendbot_cli(
            cli_env, "import-staff", str(DEMO / "staff.csv"), "--school", "Oak Hill Academy"
        )
        sendbot_cli(cli_env, "calendar", "load", str(DEMO / "calendar.yaml"))
        for line in (DEMO / "staff.csv").read_text().splitlines()[1:]:
            idp.add_account(line.split(",")[1])
        running = start(tmp_path, env)
        idp.register_redirect(f"{running.base_url}/auth/callback")
        try:
            sendbot_cli(cli_env, "import-register", str(DEMO / "register.csv"))
            sendbot_cli(cli_env, "import-teaching", str(DEMO / "teaching-groups.csv"))
            sendbot_cli(cli_env, "import-register", str(DEMO / "register-update.csv"), "--now")
            teacher, link = _pupil_alert(db)
            errors: list[str] = []

            # The teacher opens the link from their alert, signs in, and is on the pupil's page.
            alerted = browser.new_context().new_page()
            alerted.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            alerted.goto(f"{running.base_url}{link}")
            assert "/sign-in?next=" in alerted.url
            _sign_in_at_provider(alerted, teacher)
            alerted.wait_for_url(f"{running.base_url}{link}")
            alerted.get_by_role("button", name="I've read the profile").click()
            assert "Thanks: recorded" in alerted.get_by_role("status").inner_text()

            # A teacher who does not teach the pupil signs in and is refused the page.
            other = _a_teacher_of_nobody(db)
            stranger = browser.new_context().new_page()
            stranger.goto(f"{running.base_url}{link}")
            _sign_in_at_provider(stranger, other)
            stranger.wait_for_url(f"{running.base_url}{link}")
            assert "Not for you" in stranger.content()
            assert stranger.evaluate("document.title").startswith("403")

            # The line manager sees her own team and nobody else's.
            priya = browser.new_context().new_page()
            priya.goto(f"{running.base_url}/team")
            _sign_in_at_provider(priya, "priya.raman@oakhill.example")
            priya.wait_for_url(f"{running.base_url}/team")
            team = priya.locator("main").inner_text()
            assert "Lucy Fenwick" in team and "Tom Hargreaves" in team
            assert "Aisha Begum" not in team and "Sarah Pemberton" not in team

            # The SENDCO reaches every SENDCO page, then signs out, which ends it.
            sarah = browser.new_context().new_page()
            sarah.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            sarah.goto(f"{running.base_url}{SENDCO_PAGES[0]}")
            _sign_in_at_provider(sarah, "sendco@oakhill.example")
            sarah.wait_for_url(f"{running.base_url}{SENDCO_PAGES[0]}")
            for path in SENDCO_PAGES:
                answer = sarah.goto(f"{running.base_url}{path}")
                assert answer is not None and answer.status == 200, path
            sarah.get_by_role("button", name="Sign out").click()
            sarah.wait_for_url(re.compile(r".*/sign-in\?signed_out=1$"))
            sarah.goto(f"{running.base_url}/sendco/register")
            assert "/sign-in?next=/sendco/register" in sarah.url
            # No page broke its own Content-Security-Policy.
            assert not [e for e in errors if "Content Security Policy" in e], errors
        finally:
            running.stop()
