"""Every look at the SENDCO's register report, on the page or as CSV, is in the audit log: who,
when, with which filters, and every pupil shown, by id, however many there are."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, col, select

from bot.domain.people import Role
from bot.services import audit
from bot.services.clock import FixedClock
from bot.storage.audit import AuditEvent
from bot.storage.database import Database
from bot.storage.staff import Staff
from tests import factories
from tests.integration.webapp import client_for, sendbot_for, sign_in

NOW = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
PUPILS = 160  # enough that their ids cannot fit in one audit event's detail


@pytest.fixture
def ids(db: Database) -> dict[str, object]:
    """Two imports: the first's pupils all read, the second's every third one unread; and a
    pupil with a change nobody was alerted about."""

    def setup(s: Session) -> dict[str, object]:
        school = factories.school(s)
        sue = factories.person(s, school, "Sue Sendco", roles={Role.SENDCO})
        tia = factories.person(s, school, "Tia Teacher")
        pupils = [factories.pupil(s, school, f"P{n}", "Pat", f"Pupil{n}") for n in range(PUPILS)]
        unread: set[int] = set()
        for number, group in enumerate((pupils[:40], pupils[40:])):
            run = factories.register_import(
                s, school, datetime(2026, 10, 1 + number, 7, 0, tzinfo=UTC)
            )
            changes = [factories.register_change(s, run, p, "added") for p in group]
            _, reads = factories.profile_alert(s, run, tia, changes, sent_at=run.at)
            for pupil, read in zip(group, reads, strict=True):
                if number == 0 or pupil.id % 3:
                    read.read_at, read.read_via = NOW, "chat"
                else:
                    unread.add(pupil.id)  # type: ignore[arg-type]
        lonely = factories.pupil(s, school, "L1", "Lou", "Lonely")
        late = factories.register_import(s, school, datetime(2026, 10, 9, 7, 0, tzinfo=UTC))
        factories.register_change(s, late, lonely, "added")
        return {
            "sue": sue.id,
            "tia": tia.id,
            "everyone": {p.id for p in pupils} | {lonely.id},
            "unread": unread,
        }

    return db.work(setup)


def _events(db: Database, action: str) -> list[AuditEvent]:
    return db.work(
        lambda s: s.exec(
            select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))
        ).all()
    )


def _ids_in(events: list[AuditEvent], filters: str) -> list[int]:
    """Every pupil id the events name, after checking each names the filters and its part."""
    found: list[int] = []
    for number, event in enumerate(events, start=1):
        assert len(event.detail) <= 500
        marker = f" part={number}/{len(events)}" if len(events) > 1 else ""
        head, listed = event.detail.split(" pupils=")
        assert head == f"{filters}{marker}", event.detail
        found += [int(i) for i in listed.split(",")] if listed != "none" else []
    return found


def _shown(page: str) -> set[int]:
    return {int(i) for i in re.findall(r'<tr data-pupil="(\d+)"', page)}


@pytest.mark.parametrize(("query", "filters"), [("", "unread=0"), ("?unread=1", "unread=1")])
def test_each_view_of_the_register_page_names_every_pupil_shown(
    db: Database, clock: FixedClock, ids: dict[str, object], query: str, filters: str
) -> None:
    sendbot = sendbot_for(db.engine.url.render_as_string(hide_password=False), clock)
    client = client_for(sendbot)
    sign_in(client, ids["sue"])  # type: ignore[arg-type]
    page = client.get(f"/sendco/register{query}")
    assert page.status_code == 200
    shown = _shown(page.text)
    assert shown == (ids["unread"] if query else ids["everyone"])
    events = _events(db, "register_report_viewed")
    if not query:
        assert len(events) > 1  # too many ids for one event
    assert {(e.actor_staff_id, e.at) for e in events} == {(ids["sue"], NOW)}
    named = _ids_in(events, filters)
    assert sorted(named) == sorted(shown)  # each id once, none lost

    csv = client.get(f"/sendco/register.csv{query}")
    assert csv.status_code == 200
    exported = _events(db, "register_report_exported")
    assert {e.actor_staff_id for e in exported} == {ids["sue"]}
    assert sorted(_ids_in(exported, filters)) == sorted(shown)
    sendbot.db.dispose()


def test_a_page_that_shows_no_pupil_says_so(db: Database, clock: FixedClock) -> None:
    def setup(s: Session) -> int:
        school = factories.school(s)
        return factories.person(s, school, "Sue Sendco", roles={Role.SENDCO}).id  # type: ignore[return-value]

    sue = db.work(setup)
    sendbot = sendbot_for(db.engine.url.render_as_string(hide_password=False), clock)
    client = client_for(sendbot)
    sign_in(client, sue)
    assert "Everyone has read every profile" in client.get("/sendco/register?unread=1").text
    [event] = _events(db, "register_report_viewed")
    assert (event.actor_staff_id, event.detail) == (sue, "unread=1 pupils=none")
    sendbot.db.dispose()


def test_ids_are_split_over_events_without_losing_or_cutting_one(db: Database) -> None:
    """The widest ids a row can have, thousands of them, and long filters."""

    def setup(s: Session) -> int:
        school = factories.school(s)
        return factories.person(s, school, "Sue Sendco", roles={Role.SENDCO}).id  # type: ignore[return-value]

    sue = db.work(setup)
    many = list(range(2**31 - 3_000, 2**31))
    filters = "department=" + "x" * 200

    def work(s: Session) -> int:
        return audit.record_pupils(s, s.get(Staff, sue), "looked", NOW, many, filters=filters)  # type: ignore[arg-type]

    written = db.work(work)
    events = _events(db, "looked")
    assert written == len(events) > 1
    assert _ids_in(events, filters) == many
