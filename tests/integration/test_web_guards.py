"""With DEMO_MODE=false and staff signing in through the school's provider: every route walked as
every role, every POST refused without its form token, security headers on every page, and
sessions ended for a person everywhere (by command, or when they leave)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app as cli_app
from bot.domain.people import Role
from bot.services.clock import FixedClock
from bot.storage.database import Database
from bot.storage.school import School
from bot.storage.staff import Staff
from bot.storage.tables import metadata
from bot.storage.web_session import WebSession
from bot.web.headers import POLICY
from tests import factories
from tests.fakes.oidc_provider import FakeOidcProvider
from tests.integration.signing_in import provider_settings, signed_in_client, signing_in_sendbot
from tests.integration.webapp import client_for

ROLES = {
    "staff": set(),
    "line_manager": {Role.LINE_MANAGER},
    "sendco": {Role.SENDCO},
    "admin": {Role.ADMIN},
}
EVERYONE = {"staff", "line_manager", "sendco", "admin"}
RUNS_THE_SCHOOL = {"sendco", "admin"}
# Each page route -> the roles that may open it. The pupil pages: the person who teaches the
# pupil and was alerted (staff here), the SENDCO and admins.
PAGES = {
    "/me": EVERYONE,
    "/team": {"line_manager", "sendco", "admin"},
    "/team.csv": {"line_manager", "sendco", "admin"},
    "/sendco": RUNS_THE_SCHOOL,
    "/sendco?period=2026-27": RUNS_THE_SCHOOL,
    "/sendco/briefings": RUNS_THE_SCHOOL,
    "/sendco/briefings/new": RUNS_THE_SCHOOL,
    "/sendco/briefings/{briefing}/edit": RUNS_THE_SCHOOL,
    "/sendco/questions": RUNS_THE_SCHOOL,
    "/sendco/questions?show=retired": RUNS_THE_SCHOOL,
    "/sendco/questions/new": RUNS_THE_SCHOOL,
    "/sendco/questions/{question}/edit": RUNS_THE_SCHOOL,
    "/sendco/questions/import": RUNS_THE_SCHOOL,
    "/sendco/questions/export?format=gift": RUNS_THE_SCHOOL,
    "/sendco/people": RUNS_THE_SCHOOL,
    "/sendco/register": RUNS_THE_SCHOOL,
    "/sendco/register.csv": RUNS_THE_SCHOOL,
    "/sendco/register/import": RUNS_THE_SCHOOL,
    "/pupils/{pupil}": {"staff", "sendco", "admin"},
    "/alerts/{alert}": {"staff", "sendco", "admin"},
}
# Routes that platforms call, signed by the platform rather than by a form token.
PLATFORM_ROUTES = {"/api/messages", "/slack/events"}


@pytest.fixture
def idp() -> Iterator[FakeOidcProvider]:
    with FakeOidcProvider("microsoft") as provider:
        yield provider


@pytest.fixture
def school(db: Database, clock: FixedClock, idp: FakeOidcProvider) -> dict[str, int]:
    """One person per role with a school account, a pupil, and an alert to the staff member."""

    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        ids = {
            role: factories.person(s, school, f"{role.title()} Person", roles=roles).id
            for role, roles in ROLES.items()
        }
        s.get(Staff, ids["staff"]).line_manager_id = ids["line_manager"]
        pupil = factories.pupil(s, school)
        factories.teaching_link(s, s.get(Staff, ids["staff"]), pupil_mis_id=pupil.mis_id)
        run = factories.register_import(s, school, clock.now())
        change = factories.register_change(s, run, pupil, "added")
        alert, _ = factories.profile_alert(
            s, run, s.get(Staff, ids["staff"]), [change], sent_at=clock.now()
        )
        ids["briefing"] = factories.briefing(s, school, clock.now()).id
        ids["question"] = factories.question(s, school, "cop-cycle").id
        return ids | {"pupil": pupil.id, "alert": alert.id}

    ids = db.work(setup)
    for role in ROLES:
        idp.add_account(_email(role))
    return ids


def _email(role: str) -> str:
    return f"{role}.person@oakhill.example"


def _url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_every_page_as_every_role_when_signing_in_with_school_accounts(
    db: Database, clock: FixedClock, idp: FakeOidcProvider, school: dict[str, int], role: str
) -> None:
    sendbot = signing_in_sendbot(_url(db), clock, idp)
    if role == "anonymous":
        client = client_for(sendbot)
    else:
        client = signed_in_client(sendbot, idp, _email(role))
    for path, allowed in PAGES.items():
        url = path.format(**school)
        response = client.get(url)
        where = (url, role, response.status_code)
        if role == "anonymous":
            assert response.status_code == 303, where
            assert response.headers["location"] == f"/sign-in?next={quote(url, safe='/')}", where
        elif role in allowed:
            assert response.status_code == 200, where
            assert factories.UPN not in response.text
        else:
            assert response.status_code == 403, where
        assert response.headers["content-security-policy"] == POLICY
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
    sendbot.db.dispose()


def _row_counts(db: Database) -> dict[str, int]:
    """Rows in every table but the session and audit tables (which a visit may touch)."""
    skip = {"websession", "auditevent"}

    def count(s):  # type: ignore[no-untyped-def]
        return {
            t.name: s.exec(select(func.count()).select_from(t)).one()
            for t in metadata.sorted_tables
            if t.name not in skip
        }

    return db.work(count)


def _post_routes(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Every POST route the app serves, from its own route table (as its OpenAPI lists it)."""
    paths = app.openapi()["paths"]
    return sorted(
        p for p, methods in paths.items() if "post" in methods and p not in PLATFORM_ROUTES
    )


def test_every_post_without_its_form_token_or_from_another_site_is_refused(
    db: Database, clock: FixedClock, idp: FakeOidcProvider, school: dict[str, int]
) -> None:
    sendbot = signing_in_sendbot(_url(db), clock, idp)
    client = signed_in_client(sendbot, idp, _email("sendco"))
    token = client.headers.pop("x-csrf-token")
    routes = _post_routes(client.app)
    # The forms this suite knows of; a new POST route must be added here and so be walked.
    assert routes == [
        "/local/{staff_id}/press",
        "/me/digest",
        "/pupils/{pupil_id}/read",
        "/sendco/briefings/check",
        "/sendco/briefings/new",
        "/sendco/briefings/{briefing_id}/edit",
        "/sendco/briefings/{briefing_id}/withdraw",
        "/sendco/questions/import",
        "/sendco/questions/new",
        "/sendco/questions/{question_id}/edit",
        "/sendco/questions/{question_id}/restore",
        "/sendco/questions/{question_id}/retire",
        "/sendco/register/import",
        "/sendco/register/teaching",
        "/sign-in/demo",
        "/sign-out",
        "/team/targets",
        "/team/targets/{target_id}/delete",
    ]
    before = _row_counts(db)
    values = {
        "staff_id": school["staff"],
        "pupil_id": school["pupil"],
        "briefing_id": school["briefing"],
        "question_id": school["question"],
        "target_id": 1,
    }
    form = {"staff_id": str(school["staff"]), "metric": "answered", "threshold": "90"}
    for path in routes:
        url = path.format(**values)
        for attempt in (
            {"data": form},
            {"data": form | {"csrf_token": "not-the-token"}},
            {"data": form | {"csrf_token": token}, "headers": {"origin": "https://evil.example"}},
            {"data": form, "headers": {"x-csrf-token": token, "sec-fetch-site": "cross-site"}},
        ):
            response = client.post(url, **attempt)  # type: ignore[arg-type]
            assert response.status_code == 403, (url, attempt, response.status_code)
            assert "did not come from sendbot" in response.text
    assert _row_counts(db) == before
    assert db.work(lambda s: s.exec(select(WebSession.staff_id)).all()) == [school["sendco"]]
    # With the token and from this site, the same form works.
    withdrawn = client.post(
        f"/sendco/briefings/{school['briefing']}/withdraw",
        data={"csrf_token": token},
        headers={"origin": "http://testserver"},
    )
    assert withdrawn.status_code == 303
    sendbot.db.dispose()


def test_sign_out_everywhere_and_leaving_end_every_session(
    db: Database,
    clock: FixedClock,
    idp: FakeOidcProvider,
    school: dict[str, int],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    sendbot = signing_in_sendbot(_url(db), clock, idp)
    phone = signed_in_client(sendbot, idp, _email("staff"))
    laptop = signed_in_client(sendbot, idp, _email("staff"))
    manager = signed_in_client(sendbot, idp, _email("line_manager"))
    monkeypatch.chdir(tmp_path)
    for name, value in provider_settings(idp).items():
        monkeypatch.setenv(name.upper(), str(value))
    monkeypatch.setenv("DATABASE_URL", database_url)
    result = CliRunner().invoke(cli_app, ["staff", "sign-out-everywhere", _email("staff")])
    assert result.exit_code == 0, result.output
    assert "Staff Person" in result.output and "2 sign-ins ended" in result.output
    assert phone.get("/me").status_code == 303 and laptop.get("/me").status_code == 303
    assert manager.get("/me").status_code == 200

    # The line manager leaves: the staff list imported with --deactivate-missing lacks them.
    phone = signed_in_client(sendbot, idp, _email("staff"))
    school_name = db.work(lambda s: s.exec(select(School.name)).one())
    staff_csv = tmp_path / "staff.csv"
    rows = ["Name,Email,Job role,Department,Line manager email,Roles,Working days"]
    for role in ("staff", "sendco", "admin"):
        rows.append(f"{role.title()} Person,{_email(role)},Teacher,Science,,,")
    staff_csv.write_text("\n".join(rows) + "\n")
    imported = CliRunner().invoke(
        cli_app, ["import-staff", str(staff_csv), "--school", school_name, "--deactivate-missing"]
    )
    assert imported.exit_code == 0, imported.output
    assert manager.get("/me").status_code == 303
    assert db.work(lambda s: s.exec(select(WebSession.staff_id)).all()) == [school["staff"]]
    assert phone.get("/me").status_code == 200
    sendbot.db.dispose()


def test_the_demo_picker_is_never_offered_once_school_sign_in_is_set_up(
    db: Database, clock: FixedClock, idp: FakeOidcProvider, school: dict[str, int]
) -> None:
    sendbot = signing_in_sendbot(_url(db), clock, idp, demo_mode=True, host="127.0.0.1")
    client = client_for(sendbot)
    page = client.get("/sign-in").text
    assert "Sign in with Microsoft" in page and 'action="/sign-in/demo"' not in page
    assert sendbot.settings.demo_sign_in_allowed is False
    refused = client.post("/sign-in/demo", data={"staff_id": school["sendco"]})
    assert refused.status_code in (403, 404)
    assert client.get("/me").status_code == 303
    sendbot.db.dispose()
