"""The site as a whole: one navigation by role, friendly error pages, the local chat read like a
chat, the SEN register's way to its import, and quiet migrations."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bot.domain.people import Role
from bot.services.briefings import plan_due_briefings
from bot.services.clock import FixedClock
from bot.storage.database import Database
from bot.storage.local_chat import LocalMessage
from bot.storage.staff import Staff
from tests import factories
from tests.fakes.oidc_provider import FakeOidcProvider
from tests.integration.signing_in import school_sign_in, signing_in_sendbot
from tests.integration.webapp import LOOPBACK_CLIENT, client_for, demo_client, sendbot_for
from tests.web_forms import arm

ROOT = Path(__file__).parents[2]
SENDCO_PAGES = [
    "/sendco",
    "/sendco/briefings",
    "/sendco/questions",
    "/sendco/register",
    "/sendco/people",
]


@pytest.fixture
def school(db: Database, clock: FixedClock) -> dict[str, int]:
    """A teaching assistant, a teacher, a line manager and the SENDCO, each sent a briefing."""

    def setup(s: Session) -> dict[str, int]:
        sch = factories.school(s)
        ids = {
            "ta": factories.person(s, sch, "Tess Assistant", job_role="teaching_assistant").id,
            "teacher": factories.person(s, sch, "Tom Teacher").id,
            "manager": factories.person(s, sch, "Mia Manager", roles={Role.LINE_MANAGER}).id,
            "sendco": factories.person(s, sch, "Sue Sendco", roles={Role.SENDCO}).id,
        }
        ids["briefing"] = factories.briefing(s, sch, clock.now()).id
        return ids

    ids = db.work(setup)
    db.work(lambda s: plan_due_briefings(s, clock.now(), "local"))
    sendbot = sendbot_for(db.engine.url.render_as_string(hide_password=False), clock)
    asyncio.run(sendbot.dispatcher.drain())
    sendbot.db.dispose()
    return ids


def nav_links(page: str) -> list[str]:
    """The addresses in the page's one navigation landmark, in order."""
    found = re.findall(r'<nav aria-label="Main">(.*?)</nav>', page, re.S)
    assert len(found) == 1, "one navigation on every page"
    return re.findall(r'<a href="([^"]+)"', found[0])


def header(page: str) -> str:
    return re.search(r"<header>.*?</header>", page, re.S).group(0)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("who", "links"),
    [
        ("ta", ["/local", "/me"]),
        ("teacher", ["/local", "/me"]),
        ("manager", ["/local", "/me", "/team"]),
        ("sendco", ["/local", "/me", "/team", *SENDCO_PAGES]),
    ],
)
def test_each_person_sees_only_the_pages_their_roles_open(
    db: Database, clock: FixedClock, school: dict[str, int], who: str, links: list[str]
) -> None:
    sendbot, client = demo_client(db, clock, school[who])
    name = db.work(lambda s: s.get(Staff, school[who]).name)
    for path in ["/", f"/local/{school[who]}", *links]:
        page = client.get(path)
        assert page.status_code == 200, (path, page.status_code)
        assert nav_links(page.text) == links, path
        top = header(page.text)
        assert name in top and ">Sign out</button>" in top, path
        assert 'href="/sign-in?next=' in top and ">Switch person</a>" in top  # the demo
        assert '<a class="skip" href="#main">' in page.text and '<main id="main"' in page.text
    # Every link shown opens; a page not shown is refused, and was never offered.
    for path in {"/team", *SENDCO_PAGES} - set(links):
        assert client.get(path).status_code == 403, path
    sendbot.db.dispose()


def test_the_current_page_is_marked_in_the_navigation(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    sendbot, client = demo_client(db, clock, school["sendco"])
    for path, current in [
        ("/me", "/me"),
        ("/team", "/team"),
        ("/sendco/register", "/sendco/register"),
        ("/sendco/register/import", "/sendco/register"),
        (f"/local/{school['ta']}", "/local"),
    ]:
        marked = re.findall(r'<a href="([^"]+)" aria-current="page">', client.get(path).text)
        assert marked == [current], path
    sendbot.db.dispose()


def test_nobody_signed_in_sees_the_chat_and_a_way_to_sign_in(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    sendbot, client = demo_client(db, clock, None)
    page = client.get("/").text
    assert nav_links(page) == ["/local"]
    assert "Sign out" not in page and "Switch person" not in page
    assert '<a href="/sign-in?next=%2F">Sign in</a>' in header(page)
    sign_in_page = client.get("/sign-in").text
    assert '<a href="/sign-in" aria-current="page">Sign in</a>' in sign_in_page
    sendbot.db.dispose()


def test_outside_the_demo_there_is_no_switch_person(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    email = db.work(lambda s: s.get(Staff, school["manager"]).email)
    with FakeOidcProvider("microsoft") as idp:
        idp.add_account(email)
        url = db.engine.url.render_as_string(hide_password=False)
        sendbot = signing_in_sendbot(url, clock, idp)
        client = client_for(sendbot)
        assert school_sign_in(client, idp, email).status_code == 303
        top = header(client.get("/team").text)
    assert "Mia Manager" in top and "Sign out" in top and "Switch person" not in top
    sendbot.db.dispose()


# Friendly errors: a page in the site's style that says what happened and where to go next.


def assert_error_page(answer, status: int, words: str) -> None:  # type: ignore[no-untyped-def]
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")
    assert words in answer.text
    assert '<a href="/">Go to the start page</a>' in answer.text
    assert nav_links(answer.text)  # the site's header, not a bare message
    assert "{&#34;detail&#34;" not in answer.text and '{"detail"' not in answer.text


def test_errors_are_pages_that_say_where_to_go(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    sendbot, client = demo_client(db, clock, None)
    browser = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    missing = client.get("/no/such/page", headers=browser)
    assert_error_page(missing, 404, "There is no page at this address")
    # Signing in from here goes to the start page, not back to an address that failed.
    assert '<a href="/sign-in">Sign in</a> to see your own pages' in missing.text
    assert "next=" not in header(missing.text)
    assert_error_page(client.get("/local/abc", headers=browser), 404, "There is no page")
    assert_error_page(client.get("/local/0", headers=browser), 404, "There is no page")
    wrong_method = client.get("/sign-out", headers=browser)
    assert_error_page(wrong_method, 405, "Not opened that way")
    assert wrong_method.headers["allow"] == "POST"
    assert_error_page(client.get("/sign-in/demo"), 405, "a button on one of sendbot")

    sign_in_response = client.get("/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', sign_in_response.text).group(1)  # type: ignore[union-attr]
    unusable = client.post(
        "/sign-in/demo", data={"staff_id": "someone", "csrf_token": token}, headers=browser
    )
    assert_error_page(unusable, 422, "Nothing changed")
    assert "staff_id" in unusable.text
    sendbot.db.dispose()


def test_a_script_asking_for_json_and_the_platform_endpoints_get_json(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    sendbot, client = demo_client(db, clock, school["teacher"])
    answer = client.get("/no/such/page", headers={"accept": "application/json"})
    assert answer.status_code == 404 and "no page" in answer.json()["detail"]
    for path in ("/slack/events", "/api/messages"):
        # Not set up on the local chat: still answered as the platforms read answers.
        for method in ("GET", "POST"):
            answer = client.request(method, path, headers={"accept": "*/*"})
            assert answer.status_code in (404, 405), (method, path)
            assert answer.headers["content-type"] == "application/json", (method, path)
            assert answer.json()["detail"]
    sendbot.db.dispose()


def test_an_unexpected_failure_shows_the_incident_id_that_is_logged(
    db: Database, clock: FixedClock, school: dict[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    # A message stored broken (no kind, no title): the mailbox cannot show it.
    ta = db.work(lambda s: s.get(Staff, school["ta"]))
    now = clock.now()
    db.work(
        lambda s: s.add(LocalMessage(recipient=ta.email, body={}, created_at=now, updated_at=now))
    )
    sendbot, client = demo_client(db, clock, school["ta"])
    # As a browser sees it: the page, not the exception the test client would re-raise.
    quiet = TestClient(
        client.app,
        base_url=str(client.base_url),
        client=LOOPBACK_CLIENT,
        raise_server_exceptions=False,
        cookies=client.cookies,
    )
    caplog.set_level(logging.ERROR)
    answer = quiet.get(f"/local/{school['ta']}", headers={"accept": "text/html"})
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("text/html")
    shown = re.search(r"incident ([0-9a-f]{8})", answer.text)
    assert shown, answer.text
    logged = [r.getMessage() for r in caplog.records if "incident" in r.getMessage()]
    assert logged == [f"incident {shown.group(1)} while serving /local/{school['ta']}"]
    assert '<a href="/">Go to the start page</a>' in answer.text
    assert "Tess Assistant" in header(answer.text)  # still the site, still signed in
    assert answer.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    sendbot.db.dispose()


# The local chat reads like a chat.


def test_the_chat_runs_oldest_first_and_opens_at_the_newest(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    ta = db.work(lambda s: s.get(Staff, school["ta"]))
    later = clock.now() + timedelta(hours=1)
    db.work(
        lambda s: s.add(
            LocalMessage(
                recipient=ta.email,
                body={"kind": "notice", "title": "A later note", "lines": ["Read me last."]},
                created_at=later,
                updated_at=later,
            )
        )
    )
    sendbot, client = demo_client(db, clock, None)
    page = client.get(f"/local/{school['ta']}").text
    titles = re.findall(r'<article class="card" id="m\d+" data-kind="(\w+)">', page)
    assert titles == ["briefing", "notice"]
    assert page.index('id="newest"') < page.index("A later note")
    assert page.index('id="newest"') > page.index('data-kind="briefing"')
    picker = client.get("/local").text
    assert f'href="/local/{school["ta"]}#newest"' in picker
    sendbot.db.dispose()


def test_the_picker_counts_each_persons_unread_messages(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    sendbot, client = demo_client(db, clock, None)
    picker = client.get("/local").text
    for who in ("ta", "teacher", "manager", "sendco"):
        email = db.work(lambda s, who=who: s.get(Staff, school[who]).email)
        row = re.search(rf'<li data-person="{re.escape(email)}">.*?</li>', picker, re.S)
        assert row and 'data-unread="1">1 unread<' in row.group(0), who
    # Tess presses Got it: her briefing is read, the others' are not.
    message = db.work(
        lambda s: s.exec(select(LocalMessage.id).where(LocalMessage.recipient == ta_email(s))).one()
    )
    arm(client, f"/local/{school['ta']}")
    pressed = client.post(
        f"/local/{school['ta']}/press",
        data={"message_id": message, "action_id": "briefing.ack", "value": school["briefing"]},
    )
    assert pressed.status_code == 303
    picker = client.get("/local").text
    tess = re.search(r'<li data-person="tess.assistant@[^"]+">.*?</li>', picker, re.S)
    tom = re.search(r'<li data-person="tom.teacher@[^"]+">.*?</li>', picker, re.S)
    assert tess and "unread" not in tess.group(0)
    assert tom and "1 unread" in tom.group(0)
    assert 'data-unread="0"' in client.get(f"/local/{school['ta']}").text
    sendbot.db.dispose()


def ta_email(session: Session) -> str:
    return session.exec(select(Staff.email).where(Staff.name == "Tess Assistant")).one()


# Words, and the way from the SEN register to its import.


def test_the_register_page_leads_to_its_import_even_when_empty(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    sendbot, client = demo_client(db, clock, school["sendco"])
    page = client.get("/sendco/register").text
    assert "No SEN register imported yet." in page
    empty = re.search(r"No SEN register imported yet\..*?</p>", page, re.S).group(0)  # type: ignore[union-attr]
    assert 'href="/sendco/register/import"' in empty
    assert page.count('href="/sendco/register/import"') == 2  # beside the title, too
    assert '<h1 class="page">SEN register</h1>' in page and "SEND register" not in page
    sendbot.db.dispose()


def test_migrations_print_no_alembic_info_lines(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "DEMO", "LOG"))}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        cwd=tmp_path,
        env=env | {"DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "The database is up to date."
    assert "alembic" not in done.stderr and "INFO" not in done.stderr, done.stderr
