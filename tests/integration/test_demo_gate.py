"""The demo's open doors (the sign-in-as-anyone picker, the local chat without signing in) open
only to a request from this computer, asked for by a loopback name, not passed on by a proxy;
and every request body is bounded by its route before anything reads it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from sqlmodel import select

from bot.domain.people import Role
from bot.services.briefings import plan_due_briefings
from bot.services.clock import FixedClock
from bot.storage.briefing import Acknowledgement
from bot.storage.database import Database
from bot.storage.local_chat import LocalMessage
from bot.storage.staff import Staff
from tests import factories
from tests.fakes.oidc_provider import FakeOidcProvider
from tests.integration.signing_in import signed_in_client, signing_in_sendbot
from tests.integration.webapp import (
    SLACK_SIGNING_SECRET,
    client_for,
    sendbot_for,
    sign_in,
    slack_sendbot_for,
)
from tests.web_forms import arm, form_token


def _url(db: Database) -> str:
    return str(db.engine.url.render_as_string(hide_password=False))


@pytest.fixture
def school(db: Database, clock: FixedClock) -> dict[str, int]:
    """The SENDCO and a teacher, and a briefing in the teacher's local chat."""

    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        return {
            "sendco": factories.person(s, school, "Sam Sendco", roles={Role.SENDCO}).id,
            "teacher": factories.person(s, school, "Tess Teacher").id,
            "briefing": factories.briefing(s, school, clock.now()).id,
        }

    ids = db.work(setup)
    db.work(lambda s: plan_due_briefings(s, clock.now(), "local"))
    sendbot = sendbot_for(_url(db), clock)
    asyncio.run(sendbot.dispatcher.drain())
    sendbot.db.dispose()
    return ids


# What a reverse proxy, a load balancer or another site's page makes a request look like.
NOT_FROM_HERE = {
    "another computer": {"client": ("203.0.113.7", 51000)},
    "nginx (X-Forwarded-For)": {"headers": {"X-Forwarded-For": "203.0.113.7"}},
    "a load balancer (X-Forwarded-Proto)": {"headers": {"X-Forwarded-Proto": "https"}},
    "Caddy or Apache (Forwarded)": {"headers": {"Forwarded": "for=203.0.113.7;proto=https"}},
    "a proxy that says so (Via)": {"headers": {"Via": "1.1 proxy.school.org"}},
    "DNS rebinding (another site's name)": {"headers": {"Host": "evil.example:8000"}},
}


@pytest.fixture
def demo(db: Database, clock: FixedClock) -> Iterator[object]:
    # With a key, a session begun by one test client opens in another's app too.
    sendbot = sendbot_for(_url(db), clock, secret_key="k" * 40)
    yield sendbot
    sendbot.db.dispose()


def test_from_this_computer_the_demo_picker_signs_in(demo, school: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    client = client_for(demo)
    assert "Sam Sendco" in client.get("/sign-in").text
    sign_in(client, school["sendco"])
    assert client.get("/sendco/briefings").status_code == 200


@pytest.mark.parametrize("way", NOT_FROM_HERE)
def test_the_demo_picker_is_not_there_for_a_request_from_elsewhere(
    demo,  # type: ignore[no-untyped-def]
    school: dict[str, int],
    way: str,
) -> None:
    how = NOT_FROM_HERE[way]
    # A form token got from this computer, so that only the way the request came differs.
    here = client_for(demo)
    token = form_token(here)
    client = client_for(demo, **({"client": how["client"]} if "client" in how else {}))
    client.cookies = here.cookies
    client.headers.update(how.get("headers", {}))
    page = client.get("/sign-in")
    assert page.status_code == 200 and "Sam Sendco" not in page.text
    answer = client.post(
        "/sign-in/demo", data={"staff_id": school["sendco"], "next": "/", "csrf_token": token}
    )
    assert answer.status_code == 404
    assert "set-cookie" not in answer.headers
    assert client.get("/sendco/register").headers["location"].startswith("/sign-in")
    # The local chat asks who you are, rather than showing anyone's messages.
    assert client.get("/local").headers["location"].startswith("/sign-in")
    assert client.get(f"/local/{school['teacher']}").headers["location"].startswith("/sign-in")
    assert "Sam Sendco" not in client.get("/").text


def test_a_public_url_closes_the_demo_even_from_this_computer(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    """Behind a reverse proxy that adds no headers at all, PUBLIC_URL still gives it away."""
    sendbot = sendbot_for(_url(db), clock, public_url="https://sendbot.school.org")
    client = client_for(sendbot)
    client.headers["host"] = "127.0.0.1"
    assert "Sam Sendco" not in client.get("/sign-in").text
    # No page hands this visitor a form token, and the picker is not there behind one.
    answer = client.post("/sign-in/demo", data={"staff_id": school["sendco"]})
    assert answer.status_code in (403, 404)
    assert client.get("/sendco/register").headers["location"].startswith("/sign-in")
    sendbot.db.dispose()


def _briefing_message(db: Database, staff_id: int) -> int:
    def find(s):  # type: ignore[no-untyped-def]
        email = s.get(Staff, staff_id).email  # factories.person's local chat user id
        return s.exec(select(LocalMessage.id).where(LocalMessage.recipient == email)).one()

    return int(db.work(find))


def _acknowledgements(db: Database) -> int:
    return len(db.work(lambda s: s.exec(select(Acknowledgement)).all()))


def test_a_press_from_another_site_is_refused(
    db: Database,
    demo,
    school: dict[str, int],  # type: ignore[no-untyped-def]
) -> None:
    """A page on another site that the teacher has open cannot answer in her name."""
    teacher = school["teacher"]
    message = _briefing_message(db, teacher)
    client = client_for(demo)
    arm(client, f"/local/{teacher}")
    press = {"message_id": message, "action_id": "briefing.ack", "value": school["briefing"]}
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        answer = client.post(f"/local/{teacher}/press", data=press, headers=headers)
        assert answer.status_code == 403
    client.headers.pop("x-csrf-token")
    assert client.post(f"/local/{teacher}/press", data=press).status_code == 403
    assert _acknowledgements(db) == 0
    arm(client, f"/local/{teacher}")
    assert client.post(f"/local/{teacher}/press", data=press).status_code == 303
    assert _acknowledgements(db) == 1


def test_outside_the_demo_only_the_recipient_may_press(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    teacher = school["teacher"]
    message = _briefing_message(db, teacher)
    press = {"message_id": message, "action_id": "briefing.ack", "value": school["briefing"]}
    with FakeOidcProvider("microsoft") as idp:
        for email in ("sam.sendco@oakhill.example", "tess.teacher@oakhill.example"):
            idp.add_account(email)
        sendbot = signing_in_sendbot(_url(db), clock, idp)
        anonymous = client_for(sendbot)
        assert anonymous.post(f"/local/{teacher}/press", data=press).status_code == 403
        someone_else = signed_in_client(sendbot, idp, "sam.sendco@oakhill.example")
        assert someone_else.post(f"/local/{teacher}/press", data=press).status_code == 403
        assert _acknowledgements(db) == 0
        herself = signed_in_client(sendbot, idp, "tess.teacher@oakhill.example")
        assert herself.post(f"/local/{teacher}/press", data=press).status_code == 303
        assert _acknowledgements(db) == 1
        sendbot.db.dispose()


def test_api_docs_are_off_unless_asked_for(db: Database, clock: FixedClock) -> None:
    for docs, status in ((False, 404), (True, 200)):
        sendbot = sendbot_for(_url(db), clock, api_docs=docs)
        client = client_for(sendbot)
        assert client.get("/openapi.json").status_code == status
        assert client.get("/docs").status_code == status
        sendbot.db.dispose()


def test_a_form_larger_than_its_page_takes_is_refused_unread(
    demo,
    school: dict[str, int],  # type: ignore[no-untyped-def]
) -> None:
    client = client_for(demo)
    token = form_token(client)
    padding = "x" * 200_000
    answer = client.post(
        "/sign-in/demo",
        data={"staff_id": school["sendco"], "csrf_token": token, "padding": padding},
    )
    assert answer.status_code == 413
    assert "larger than this page accepts (100 KB)" in answer.text
    assert "set-cookie" not in answer.headers
    many = {f"field{n}": "1" for n in range(400)}
    answer = client.post(
        "/sign-in/demo", data={"staff_id": school["sendco"], "csrf_token": token} | many
    )
    assert answer.status_code == 400


def test_an_upload_larger_than_the_setting_is_refused_unread(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    sendbot = sendbot_for(_url(db), clock, upload_max_mb=1)
    client = client_for(sendbot)
    sign_in(client, school["sendco"])
    big = b"UPN,Surname\n" + b"A123456789012,Smith\n" * 150_000  # 3 MB
    answer = client.post("/sendco/register/import", files={"register": ("big.csv", big)})
    assert answer.status_code == 413
    assert "(2 MB)" in answer.text  # the file's 1 MB, and room for the form around it
    sendbot.db.dispose()


def test_slack_bodies_are_bounded_before_the_signature_is_checked(
    db: Database, clock: FixedClock
) -> None:
    from tests.fakes.slack_api import FakeSlack

    with FakeSlack() as slack:
        sendbot = slack_sendbot_for(_url(db), clock, slack)
        client = client_for(sendbot)
        body = b"payload=" + b"x" * 2_000_000
        answer = client.post(
            "/slack/events",
            content=body,
            headers={
                "content-type": "application/x-www-form-urlencoded",
                "x-slack-request-timestamp": str(int(time.time())),  # Slack's, the real time
                "x-slack-signature": "v0=" + "0" * 64,
            },
        )
        assert answer.status_code == 413
        assert SLACK_SIGNING_SECRET  # the app was built to check signatures
        sendbot.db.dispose()


def test_an_id_no_row_can_have_in_a_form_is_named_not_a_failure(
    demo,
    school: dict[str, int],  # type: ignore[no-untyped-def]
) -> None:
    client = client_for(demo)
    token = form_token(client)
    huge = "99999999999999999999999"
    answer = client.post("/sign-in/demo", data={"staff_id": huge, "csrf_token": token})
    assert answer.status_code == 422 and "staff_id" in answer.text
    arm(client, f"/local/{school['teacher']}")
    press = {"message_id": huge, "action_id": "briefing.ack", "value": school["briefing"]}
    answer = client.post(f"/local/{school['teacher']}/press", data=press)
    assert answer.status_code == 422 and "message_id" in answer.text
