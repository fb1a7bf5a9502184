"""Reaching staff on Teams: matched by email through Microsoft Graph, the app installed for those
without it (with TEAMS_INSTALL_FOR_STAFF), and everyone else marked not reached with a reason the
SENDCO can act on. sendbot is built by bootstrap from Settings and talks with the real msal and
aiohttp clients to the fake sign-in service, the fake Graph and the fake Bot Connector."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import select

from bot.bootstrap import Sendbot
from bot.chat.teams import directory, installs
from bot.chat.teams.adapter import NOT_INSTALLED_ASK_IT, TeamsChat
from bot.domain.people import Role
from bot.services.briefings import plan_briefing
from bot.services.chat_port import Message, MessageRef, Recipient
from bot.services.clock import FixedClock
from bot.services.linking import UNREACHABLE, LinkReport, LinkStatus, link_people
from bot.storage.database import Database
from bot.storage.linking import PersonLink
from bot.storage.outbox import Delivery
from bot.storage.school import School
from bot.storage.staff import ChatIdentity, Staff
from tests import factories
from tests.fakes.teams_connector import FakeTeams
from tests.fakes.teams_identity import GRAPH_INSTALL_ROLE, GRAPH_USER_READ_ROLE, FakeIdentity
from tests.fakes.teams_limits import TeamsLimits
from tests.fakes.teams_sdk import sdk_pointed_at
from tests.integration.test_teams_sending import run
from tests.integration.webapp import client_for, sign_in, teams_sendbot_for

EVERY_ROLE = (GRAPH_USER_READ_ROLE, GRAPH_INSTALL_ROLE)


@contextlib.contextmanager
def tenant(roles: tuple[str, ...] = EVERY_ROLE, **limits: Any) -> Iterator[FakeTeams]:
    """A school's Teams whose app registration was granted `roles` in Graph."""
    with FakeIdentity(roles=roles) as identity, sdk_pointed_at(identity):
        with FakeTeams(identity, limits=TeamsLimits(**limits) if limits else None) as fake:
            yield fake


@pytest.fixture
def teams() -> Iterator[FakeTeams]:
    with tenant(per_conversation=(), per_app_per_second=None) as fake:
        yield fake


def email_of(name: str) -> str:
    return f"{name.lower().replace(' ', '.')}@oakhill.example"


def staff(db: Database, *names: str) -> dict[str, int]:
    """A school with these people on its staff list (the first is the SENDCO), none linked."""

    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        return {
            name: factories.person(
                s, school, name, platform=None, roles={Role.SENDCO} if n == 0 else None
            ).id
            for n, name in enumerate(names)
        }

    return db.work(setup)


def in_tenant(teams: FakeTeams, name: str, **options: Any) -> str:
    """The person's Microsoft 365 account, found by their school email; returns its id."""
    aad_id = "aad-" + name.split()[0].lower()
    teams.add_user(aad_id, name, email_of(name), **options)
    return aad_id


def heard_from(db: Database, teams: FakeTeams, staff_id: int, aad_id: str) -> None:
    """The app was installed for them and Teams told sendbot (the conversation is stored)."""
    reference = {"service_url": teams.service_url, "teams_user_id": teams.user(aad_id).teams_id}
    db.work(
        lambda s: s.add(
            ChatIdentity(
                staff_id=staff_id, platform="teams", platform_user_id=aad_id, extra=reference
            )
        )
    )


def sendbot(db: Database, clock: FixedClock, teams: FakeTeams, **settings: Any) -> Sendbot:
    return teams_sendbot_for(
        db.engine.url.render_as_string(hide_password=False),
        clock,
        teams.identity,
        teams_graph_url=teams.graph_url,
        teams_service_url=teams.service_url,
        **settings,
    )


def link(app: Sendbot) -> LinkReport:
    """The daily linking job as the ticker runs it: look-ups, then what Teams does after."""

    async def go() -> LinkReport:
        assert app.directory is not None and app.ticker.after_link is not None
        try:
            return await link_people(app.db, app.directory, app.clock)
        finally:
            await app.ticker.after_link()

    return asyncio.run(go())


def send_briefing(app: Sendbot) -> dict[int, tuple[str, str]]:
    """Plan a briefing for everyone now, drain the outbox; each person's (status, why)."""

    def plan(s):  # type: ignore[no-untyped-def]
        school = s.exec(select(School)).one()
        plan_briefing(
            s, factories.briefing(s, school, app.clock.now()), app.clock.now(), "teams", True
        )

    app.db.work(plan)

    async def drain() -> None:
        assert app.teams is not None
        try:
            await app.dispatcher.drain()
        finally:
            await app.teams.close()

    asyncio.run(drain())
    return app.db.work(
        lambda s: {d.staff_id: (d.status, d.last_error) for d in s.exec(select(Delivery)).all()}
    )


def outcomes(db: Database) -> dict[int, tuple[str, str, str]]:
    """Each person's stored look-up: status, reason, account id."""
    return db.work(
        lambda s: {
            k.staff_id: (k.status, k.reason, k.platform_user_id)
            for k in s.exec(select(PersonLink).where(PersonLink.platform == "teams"))
        }
    )


def identities(db: Database) -> dict[int, tuple[str, dict[str, Any]]]:
    return db.work(
        lambda s: {
            i.staff_id: (i.platform_user_id, dict(i.extra))
            for i in s.exec(select(ChatIdentity).where(ChatIdentity.platform == "teams"))
        }
    )


# --- matching by email ------------------------------------------------------------------------


def test_staff_are_matched_by_email_and_the_sendco_sees_who_was_not_and_why(
    db: Database, clock: FixedClock, teams: FakeTeams
) -> None:
    people = staff(db, "Sue Sendco", "Ann Able", "Ben Absent", "Cat Blocked", "Gus Guest")
    for name, options in (
        ("Sue Sendco", {}),
        ("Ann Able", {"installed": True}),
        ("Cat Blocked", {"enabled": False}),
        ("Gus Guest", {"guest": True}),
    ):
        in_tenant(teams, name, **options)
    app = sendbot(db, clock, teams)

    report = link(app)

    assert (report.looked_up, report.matched, report.problem) == (5, 2, "")
    assert outcomes(db) == {
        people["Sue Sendco"]: (LinkStatus.LINKED, "", "aad-sue"),
        people["Ann Able"]: (LinkStatus.LINKED, "", "aad-ann"),
        people["Ben Absent"]: (LinkStatus.NOT_IN_WORKSPACE, directory.NOT_FOUND, ""),
        people["Cat Blocked"]: (LinkStatus.DEACTIVATED, directory.DISABLED, "aad-cat"),
        people["Gus Guest"]: (LinkStatus.NOT_IN_WORKSPACE, directory.GUEST, "aad-gus"),
    }
    assert {k: v[0] for k, v in identities(db).items()} == {
        people["Sue Sendco"]: "aad-sue",
        people["Ann Able"]: "aad-ann",
    }
    assert teams.calls["get_user"] == 5 and teams.calls["install"] == 0

    with client_for(app) as client:
        sign_in(client, people["Sue Sendco"])
        page = client.get("/sendco/people").text
    assert 'data-count="matched" class="ok">2<' in page
    for name, reason in (
        ("Ben Absent", directory.NOT_FOUND),
        ("Cat Blocked", directory.DISABLED),
        ("Gus Guest", directory.GUEST),
    ):
        row = page.split(f'data-person="{email_of(name)}"')[1].split("</tr>")[0]
        assert name in row and reason in html.unescape(row)
    app.db.dispose()


def test_without_user_read_all_nobody_is_matched_and_the_permission_is_named(
    db: Database, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    with tenant(roles=(GRAPH_INSTALL_ROLE,)) as teams:
        people = staff(db, "Sue Sendco", "Ann Able")
        for name in people:
            in_tenant(teams, name)
        app = sendbot(db, clock, teams)
        with caplog.at_level(logging.WARNING):
            report = link(app)

    assert report.problem == directory.NO_PERMISSION and "User.Read.All" in report.problem
    assert (report.looked_up, report.postponed) == (0, 2)
    assert identities(db) == {}
    assert all(status == LinkStatus.UNCHECKED for status, _, _ in outcomes(db).values())
    assert "User.Read.All" in caplog.text
    assert teams.calls["get_user"] == 1  # the first refusal stops the run
    app.db.dispose()


def test_graph_asking_to_slow_down_is_waited_out(
    db: Database, clock: FixedClock, teams: FakeTeams
) -> None:
    people = staff(db, "Sue Sendco", "Ann Able")
    for name in people:
        in_tenant(teams, name)
    teams.fail_next("get_user", status=429)  # Retry-After: 1
    report = link(sendbot(db, clock, teams))
    assert (report.looked_up, report.matched, report.problem) == (2, 2, "")
    assert teams.calls["get_user"] == 3


# --- installing the app for staff -------------------------------------------------------------


def test_the_app_is_installed_for_staff_without_it_and_the_briefing_arrives(
    db: Database, clock: FixedClock, teams: FakeTeams
) -> None:
    people = staff(db, "Sue Sendco", "Ann Able", "Bea Ready", "Cara Known")
    sue = in_tenant(teams, "Sue Sendco")
    ann = in_tenant(teams, "Ann Able")
    bea = in_tenant(teams, "Bea Ready", installed=True)  # by a setup policy, not heard from yet
    cara = in_tenant(teams, "Cara Known", installed=True)
    heard_from(db, teams, people["Cara Known"], cara)
    app = sendbot(db, clock, teams, teams_install_for_staff=True, teams_app_id=teams.teams_app_id)

    link(app)

    assert teams.calls["install"] == 3  # Sue, Ann and Bea (already there: 409); not Cara
    assert all(teams.user(who).installed for who in (sue, ann, bea))
    [bind] = {r["teamsApp@odata.bind"] for r in teams.requests("install")}
    assert bind == f"{teams.graph_url}/appCatalogs/teamsApps/{teams.teams_app_id}"

    sent = send_briefing(app)
    assert sent == dict.fromkeys(people.values(), ("sent", ""))
    for who in (sue, ann, bea, cara):
        assert len(teams.messages_to(who)) == 1
    # The conversation opened at Teams' global address is kept, so nothing is installed again.
    stored = identities(db)[people["Ann Able"]][1]
    assert stored["conversation_id"] == teams.conversation_id(ann)
    assert stored["service_url"] == teams.service_url
    link(app)
    assert teams.calls["install"] == 3
    app.db.dispose()


def test_without_install_for_staff_a_person_without_the_app_is_not_reached_with_the_reason(
    db: Database, clock: FixedClock, teams: FakeTeams
) -> None:
    people = staff(db, "Sue Sendco", "Ann Able")
    sue = in_tenant(teams, "Sue Sendco", installed=True)
    in_tenant(teams, "Ann Able")
    app = sendbot(db, clock, teams)

    link(app)
    sent = send_briefing(app)

    assert sent == {
        people["Sue Sendco"]: ("sent", ""),
        people["Ann Able"]: ("not_reached", NOT_INSTALLED_ASK_IT),
    }
    assert "TEAMS_INSTALL_FOR_STAFF" in NOT_INSTALLED_ASK_IT
    assert len(teams.messages_to(sue)) == 1
    assert teams.calls["install"] == 0
    app.db.dispose()


@pytest.mark.parametrize(
    ("roles", "app_id", "reason", "install_calls"),
    [
        # A missing permission refuses everyone alike: asked once, everyone marked.
        ((GRAPH_USER_READ_ROLE,), None, installs.NOT_PERMITTED, 1),
        # An app id Teams does not know: asked for each person.
        (EVERY_ROLE, "00000000-0000-4000-8000-000000000bad", installs.NOT_FOUND, 2),
    ],
)
def test_a_refused_install_is_kept_with_a_clear_reason_and_the_others_get_their_messages(
    db: Database,
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
    roles: tuple[str, ...],
    app_id: str | None,
    reason: str,
    install_calls: int,
) -> None:
    with tenant(roles=roles, per_conversation=(), per_app_per_second=None) as teams:
        people = staff(db, "Sue Sendco", "Ann Able", "Dan Doe")
        sue = in_tenant(teams, "Sue Sendco", installed=True)
        heard_from(db, teams, people["Sue Sendco"], sue)
        ann, dan = in_tenant(teams, "Ann Able"), in_tenant(teams, "Dan Doe")
        app = sendbot(
            db,
            clock,
            teams,
            teams_install_for_staff=True,
            teams_app_id=app_id or teams.teams_app_id,
        )
        with caplog.at_level(logging.INFO):
            report = link(app)
        sent = send_briefing(app)

    assert report.matched == 3
    assert teams.calls["install"] == install_calls
    assert not teams.user(ann).installed and not teams.user(dan).installed
    marks = {staff_id: extra.get(UNREACHABLE) for staff_id, (_, extra) in identities(db).items()}
    assert marks == {
        people["Sue Sendco"]: None,
        people["Ann Able"]: reason,
        people["Dan Doe"]: reason,
    }
    assert sent == {
        people["Sue Sendco"]: ("sent", ""),
        people["Ann Able"]: ("not_reached", reason),
        people["Dan Doe"]: ("not_reached", reason),
    }
    assert len(teams.messages_to(sue)) == 1
    assert "2 refused" in caplog.text
    if install_calls == 1:
        assert "TeamsAppInstallation.ReadWriteSelfForUser.All" in caplog.text
    # Found but not reachable: the SENDCO's people page lists them with the reason.
    with client_for(app) as client:
        sign_in(client, people["Sue Sendco"])
        page = client.get("/sendco/people").text
    assert 'data-count="matched" class="ok">1<' in page
    for name in ("Ann Able", "Dan Doe"):
        row = page.split(f'data-person="{email_of(name)}"')[1].split("</tr>")[0]
        assert reason in html.unescape(row)
    app.db.dispose()


def test_a_mark_from_a_refused_install_is_cleared_once_the_install_works(
    db: Database, clock: FixedClock
) -> None:
    with tenant(roles=(GRAPH_USER_READ_ROLE,), per_conversation=(), per_app_per_second=None) as t:
        people = staff(db, "Ann Able")
        in_tenant(t, "Ann Able")
        link(sendbot(db, clock, t, teams_install_for_staff=True, teams_app_id=t.teams_app_id))
        assert identities(db)[people["Ann Able"]][1][UNREACHABLE] == installs.NOT_PERMITTED
    # IT adds the permission: the next day's run installs the app and clears the mark.
    with tenant(per_conversation=(), per_app_per_second=None) as teams:
        in_tenant(teams, "Ann Able")
        later = FixedClock(clock.now().replace(day=clock.now().day + 1))
        app = sendbot(
            db, later, teams, teams_install_for_staff=True, teams_app_id=teams.teams_app_id
        )
        link(app)
        assert teams.user("aad-ann").installed
        assert UNREACHABLE not in identities(db)[people["Ann Able"]][1]
        assert send_briefing(app) == {people["Ann Able"]: ("sent", "")}
    app.db.dispose()


def test_only_active_staff_are_looked_up(db: Database, clock: FixedClock, teams: FakeTeams) -> None:
    people = staff(db, "Sue Sendco", "Lea Left")
    db.work(lambda s: setattr(s.get(Staff, people["Lea Left"]), "active", False))
    for name in people:
        in_tenant(teams, name)
    assert link(sendbot(db, clock, teams)).looked_up == 1


# --- where a conversation is opened -----------------------------------------------------------


def test_a_person_never_heard_from_is_reached_at_the_address_seen_on_others(
    teams: FakeTeams,
) -> None:
    """The tenant's own service URL, seen on a stored conversation, beats TEAMS_SERVICE_URL
    (here an address where nothing listens, so using it would fail the send)."""
    in_tenant(teams, "Sue Sendco", installed=True)
    in_tenant(teams, "Ann Able", installed=True)
    sue = Recipient(
        "aad-sue",
        {"service_url": teams.service_url, "teams_user_id": teams.user("aad-sue").teams_id},
    )
    message = Message(kind="briefing", title="Monday briefing", lines=("Read me.",))

    async def work(adapter: TeamsChat) -> MessageRef:
        await adapter.send(sue, message, "k1")
        return await adapter.send(Recipient("aad-ann"), message, "k2")

    ref = run(teams, work, service_url="http://127.0.0.1:9/nowhere/")
    assert ref.data["service_url"] == teams.service_url
    assert ref.data["conversation_id"] == teams.conversation_id("aad-ann")
    assert teams.requests("create_conversation")[-1]["members"] == [{"id": "aad-ann"}]
    assert len(teams.messages_to("aad-ann")) == 1
