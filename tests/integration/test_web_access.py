"""Every route, walked as every role: staff see themselves, the SENDCO sees the school."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from bot.domain.people import Role
from bot.services.briefings import plan_due_briefings
from bot.services.clock import FixedClock
from bot.storage.audit import AuditEvent
from bot.storage.briefing import Acknowledgement, Briefing
from bot.storage.database import Database
from bot.storage.local_chat import LocalMessage
from bot.storage.school import School
from bot.storage.staff import Staff
from tests import factories
from tests.integration.webapp import client_for, sendbot_for, sign_in
from tests.web_forms import arm

ROLES = {
    "staff": set(),
    "line_manager": {Role.LINE_MANAGER},
    "sendco": {Role.SENDCO},
    "admin": {Role.ADMIN},
}


@pytest.fixture
def school(db: Database, clock: FixedClock) -> dict[str, int]:
    """One person per role, and a briefing sent to all of them."""

    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        ids = {
            role: factories.person(s, school, f"{role.title()} Person", roles=roles).id
            for role, roles in ROLES.items()
        }
        ids["briefing"] = factories.briefing(s, school, clock.now()).id
        return ids

    ids = db.work(setup)
    db.work(lambda s: plan_due_briefings(s, clock.now(), "local"))
    sendbot = sendbot_for(str(db.engine.url.render_as_string(hide_password=False)), clock)
    asyncio.run(sendbot.dispatcher.drain())
    sendbot.db.dispose()
    return ids


# route -> the roles that may use it (anonymous visitors are sent to sign in or refused)
EXPECTED = {
    ("GET", "/sendco/briefings"): {"sendco", "admin"},
    ("GET", "/sendco/briefings/new"): {"sendco", "admin"},
    ("GET", "/sendco/briefings/{briefing}/edit"): {"sendco", "admin"},
    ("POST", "/sendco/briefings/check"): {"sendco", "admin"},
    ("POST", "/sendco/briefings/{briefing}/withdraw"): {"sendco", "admin"},
    ("GET", "/sendco/register/import"): {"sendco", "admin"},
    ("POST", "/sendco/register/import"): {"sendco", "admin"},
    ("POST", "/sendco/register/teaching"): {"sendco", "admin"},
}


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_sendco_pages_are_for_the_sendco_and_admins(
    db: Database, clock: FixedClock, school: dict[str, int], role: str
) -> None:
    sendbot = sendbot_for(str(db.engine.url.render_as_string(hide_password=False)), clock)
    client = client_for(sendbot)
    if role != "anonymous":
        sign_in(client, school[role])
    else:
        arm(client)  # with the form token, so the POSTs are refused for want of a sign-in
    for (method, path), allowed in EXPECTED.items():
        url = path.format(briefing=school["briefing"])
        response = client.request(method, url)
        if role == "anonymous":
            assert response.status_code == 303
            assert response.headers["location"].startswith("/sign-in")
        elif role in allowed:
            assert response.status_code in (200, 303), (method, url, response.status_code)
        else:
            assert response.status_code == 403, (method, url, role)
            assert "for the SENDCO" in response.text
    withdrawn = db.work(lambda s: s.get(Briefing, school["briefing"]).status)
    assert (withdrawn == "withdrawn") == (role in {"sendco", "admin"})
    sendbot.db.dispose()


def test_the_sendco_page_shows_who_has_read_a_briefing(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    sendbot = sendbot_for(str(db.engine.url.render_as_string(hide_password=False)), clock)
    client = client_for(sendbot)
    arm(client)
    staff_message = db.work(
        lambda s: s.exec(
            select(LocalMessage.id).where(LocalMessage.recipient.like("staff.person%"))
        ).one()
    )
    pressed = client.post(
        f"/local/{school['staff']}/press",
        data={
            "message_id": staff_message,
            "action_id": "briefing.ack",
            "value": school["briefing"],
        },
        headers={"accept": "application/json"},
    )
    assert pressed.json()["notice"].startswith("Thanks")
    sign_in(client, school["sendco"])
    page = client.get("/sendco/briefings").text
    assert 'data-count="acknowledged" class="ok">1<' in page
    assert 'data-count="waiting" class="warn">3<' in page
    assert "Staff Person" in page
    sendbot.db.dispose()


def test_a_press_on_someone_elses_message_is_refused(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    sendbot = sendbot_for(str(db.engine.url.render_as_string(hide_password=False)), clock)
    client = client_for(sendbot)
    arm(client)
    sendco_message = db.work(
        lambda s: s.exec(
            select(LocalMessage.id).where(LocalMessage.recipient.like("sendco.person%"))
        ).one()
    )
    response = client.post(
        f"/local/{school['staff']}/press",
        data={
            "message_id": sendco_message,
            "action_id": "briefing.ack",
            "value": school["briefing"],
        },
        headers={"accept": "application/json"},
    )
    assert "not in your chat" in response.json()["notice"]
    assert db.work(lambda s: len(s.exec(select(Acknowledgement)).all())) == 0
    sendbot.db.dispose()


def test_without_demo_mode_there_is_no_persona_picker_and_no_open_chat(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    sendbot = sendbot_for(
        str(db.engine.url.render_as_string(hide_password=False)),
        clock,
        host="0.0.0.0",
        secret_key="k" * 40,
    )
    client = client_for(sendbot)
    # Refused either way: there is no form token to be had, and no picker behind it.
    assert client.post("/sign-in/demo", data={"staff_id": school["sendco"]}).status_code in (
        403,
        404,
    )
    assert client.get("/sendco/briefings").headers["location"].startswith("/sign-in")
    assert client.get("/local").headers["location"].startswith("/sign-in")
    assert client.get(f"/local/{school['staff']}").headers["location"].startswith("/sign-in")
    assert "not set up" in client.get("/sign-in").text
    sendbot.db.dispose()


def test_demo_sign_in_is_written_to_the_audit_log(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    sendbot = sendbot_for(str(db.engine.url.render_as_string(hide_password=False)), clock)
    sign_in(client_for(sendbot), school["sendco"])
    events = db.work(lambda s: s.exec(select(AuditEvent)).all())
    assert [(e.action, e.actor_staff_id) for e in events] == [("signed_in", school["sendco"])]
    sendbot.db.dispose()


def test_pages_answer_in_html_and_unknown_people_are_not_found(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    sendbot = sendbot_for(str(db.engine.url.render_as_string(hide_password=False)), clock)
    client = client_for(sendbot)
    assert client.get("/").status_code == 200
    assert "Staff Person" in client.get("/local").text
    mailbox = client.get(f"/local/{school['staff']}")
    assert mailbox.status_code == 200 and "Got it" in mailbox.text
    missing = client.get("/local/999999")
    assert missing.status_code == 404 and "Nobody with that number" in missing.text
    assert client.get("/local/not-a-number").status_code == 404
    sendbot.db.dispose()


@pytest.fixture
def register(db: Database, clock: FixedClock, school: dict[str, int]) -> dict[str, int]:
    """A pupil new on the register and an alert about them to the member of staff."""

    def setup(s):  # type: ignore[no-untyped-def]
        school_row = s.exec(select(School)).one()
        pupil = factories.pupil(s, school_row)
        factories.teaching_link(s, s.get(Staff, school["staff"]), pupil_mis_id=pupil.mis_id)
        run = factories.register_import(s, school_row, clock.now())
        change = factories.register_change(s, run, pupil, "added")
        alert, _ = factories.profile_alert(
            s, run, s.get(Staff, school["staff"]), [change], sent_at=clock.now()
        )
        return {"pupil": pupil.id, "alert": alert.id}

    return db.work(setup)


# The pupil pages: the person who teaches the pupil (and was alerted), the SENDCO and admins;
# the register page: the SENDCO.
REGISTER_EXPECTED = {
    ("GET", "/pupils/{pupil}"): {"staff", "sendco", "admin"},
    ("GET", "/alerts/{alert}"): {"staff", "sendco", "admin"},
    # Anyone signed in may press it; it only ever marks their own alerts read.
    ("POST", "/pupils/{pupil}/read"): {"staff", "line_manager", "sendco", "admin"},
    ("GET", "/sendco/register"): {"sendco", "admin"},
    ("GET", "/sendco/register.csv"): {"sendco", "admin"},
}


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_pupil_and_register_pages_check_role_and_link(
    db: Database,
    clock: FixedClock,
    school: dict[str, int],
    register: dict[str, int],
    role: str,
) -> None:
    sendbot = sendbot_for(str(db.engine.url.render_as_string(hide_password=False)), clock)
    client = client_for(sendbot)
    if role != "anonymous":
        sign_in(client, school[role])
    else:
        arm(client)  # with the form token, so the POSTs are refused for want of a sign-in
    for (method, path), allowed in REGISTER_EXPECTED.items():
        url = path.format(**register)
        response = client.request(method, url)
        if role == "anonymous":
            assert response.status_code == 303
            assert response.headers["location"].startswith("/sign-in")
        elif role in allowed:
            assert response.status_code in (200, 303), (method, url, response.status_code)
            assert factories.UPN not in response.text
        else:
            assert response.status_code == 403, (method, url, role)
    refused = db.work(
        lambda s: s.exec(select(AuditEvent).where(AuditEvent.action.like("%refused"))).all()  # type: ignore[attr-defined]
    )
    assert len(refused) == (2 if role == "line_manager" else 0)
    sendbot.db.dispose()
