"""An id in a page's address that no row can have is "not found" on every route, never a failure;
and no browser or proxy may keep a page or a download with personal data."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from bot.domain.people import Role
from bot.services.clock import FixedClock
from bot.storage.database import Database
from bot.storage.staff import Staff
from tests import factories
from tests.integration.webapp import demo_client, sign_in

NOW = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
# Past PostgreSQL's integer ids, past 64 bits, below the first id, and not a number.
NO_ROW_CAN_HAVE = [str(2**31), "99999999999999999999999", "0", "-1", "abc"]


@pytest.fixture
def ids(db: Database) -> dict[str, int]:
    """The SENDCO (a line manager of Tia's too), Tia who teaches Jay, and an alert to Tia."""

    def setup(s: Session) -> dict[str, int]:
        school = factories.school(s)
        sue = factories.person(s, school, "Sue Sendco", roles={Role.SENDCO, Role.LINE_MANAGER})
        tia = factories.person(s, school, "Tia Teacher")
        tia.line_manager_id = sue.id
        factories.teaching_link(s, tia, pupil_mis_id="P1")
        jay = factories.pupil(s, school, "P1", "Jamie", "Smith")
        run = factories.register_import(s, school, NOW)
        change = factories.register_change(s, run, jay, "added")
        alert, _ = factories.profile_alert(s, run, tia, [change], sent_at=NOW)
        return {"sue": sue.id, "tia": tia.id, "jay": jay.id, "alert": alert.id}  # type: ignore[dict-item]

    return db.work(setup)


def _routes_with_ids(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Every (method, path) whose path holds a whole number, from the app's own route table."""
    found = []
    for path, methods in app.openapi()["paths"].items():
        for method, operation in methods.items():
            params = operation.get("parameters", [])
            if any(p["in"] == "path" and p["schema"].get("type") == "integer" for p in params):
                found.append((method.upper(), path))
    return sorted(found)


@pytest.mark.parametrize("bad", NO_ROW_CAN_HAVE)
def test_an_id_no_row_can_have_is_not_found_on_every_route(
    db: Database, clock: FixedClock, ids: dict[str, int], bad: str
) -> None:
    sendbot, client = demo_client(db, clock, ids["sue"])
    routes = _routes_with_ids(client.app)
    # The routes known today; a new one is walked too.
    assert {
        ("GET", "/pupils/{pupil_id}"),
        ("POST", "/pupils/{pupil_id}/read"),
        ("GET", "/alerts/{alert_id}"),
        ("GET", "/local/{staff_id}"),
        ("POST", "/local/{staff_id}/press"),
        ("POST", "/sendco/briefings/{briefing_id}/withdraw"),
        ("POST", "/team/targets/{target_id}/delete"),
    } <= set(routes)
    for method, path in routes:
        url = re.sub(r"\{[a-z_]+\}", bad, path)
        answer = client.request(method, url)
        assert answer.status_code == 404, (method, url, answer.status_code)
        assert "Something went wrong" not in answer.text
    sendbot.db.dispose()


def _cache_control(response) -> str:  # type: ignore[no-untyped-def]
    return response.headers.get("cache-control", "")


def test_pages_and_downloads_with_personal_data_are_never_stored(
    db: Database, clock: FixedClock, ids: dict[str, int]
) -> None:
    sendbot, client = demo_client(db, clock, ids["sue"])
    for url in (
        f"/pupils/{ids['jay']}",
        f"/alerts/{ids['alert']}",
        "/sendco/register",
        "/sendco/register?unread=1",
        "/sendco/register.csv",
        "/team",
        "/team.csv",
        "/me",
        "/sendco/people",
        f"/local/{ids['tia']}",
        "/pupils/99999999",  # an error page too
        "/",
    ):
        answer = client.get(url)
        assert answer.status_code in (200, 404), (url, answer.status_code)
        assert _cache_control(answer) == "no-store", url
    # As Tia: her pupil's page, and one closed to her.
    sign_in(client, ids["tia"])
    assert _cache_control(client.get(f"/pupils/{ids['jay']}")) == "no-store"
    assert _cache_control(client.get(f"/pupils/{ids['jay'] + 1}")) == "no-store"

    # The stylesheet is the same for everyone and may be kept.
    style = client.get("/static/sendbot.css")
    assert style.status_code == 200 and "no-store" not in _cache_control(style)
    sendbot.db.dispose()


def test_a_leaver_cannot_see_her_old_pages_from_the_cache(
    db: Database, clock: FixedClock, ids: dict[str, int]
) -> None:
    """The redirect that sends a signed-out person to sign in is not stored either."""
    sendbot, client = demo_client(db, clock, ids["tia"])

    def leave(s: Session) -> None:
        person = s.get(Staff, ids["tia"])
        person.active = False  # type: ignore[union-attr]
        s.add(person)

    db.work(leave)
    answer = client.get(f"/pupils/{ids['jay']}")
    assert answer.status_code == 303 and _cache_control(answer) == "no-store"
    sendbot.db.dispose()
