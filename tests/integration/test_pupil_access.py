"""Pupil pages follow the teaching groups as they stand today: an old alert opens nothing, and a
page closed to someone looks the same whether or not the pupil exists."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete
from sqlmodel import Session, select

from bot.domain.people import Role
from bot.services.clock import FixedClock
from bot.services.profile_reads import render_alerts
from bot.storage.audit import AuditEvent
from bot.storage.database import Database
from bot.storage.register import ProfileRead, TeachingLink
from tests import factories
from tests.integration.webapp import demo_client, sign_in

NOW = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
# Tia taught Jay and Kit when the register alert went to her; this export leaves her Kit only.
TEACHING_TODAY = (
    "Group,Staff email,Pupil ID,Role\n"
    "8X/Sc1,sam.support@oakhill.example,P1,support\n"
    "8X/Sc1,tia.teacher@oakhill.example,P2,teacher\n"
)


@pytest.fixture
def ids(db: Database) -> dict[str, int]:
    """Tia alerted about Jay and Kit while she taught both; a pupil at another school."""

    def setup(s: Session) -> dict[str, int]:
        school = factories.school(s)
        tia = factories.person(s, school, "Tia Teacher")
        sam = factories.person(s, school, "Sam Support")
        sue = factories.person(s, school, "Sue Sendco", roles={Role.SENDCO})
        ada = factories.person(s, school, "Ada Admin", roles={Role.ADMIN})
        factories.teaching_link(s, tia, pupil_mis_id="P1")
        factories.teaching_link(s, tia, pupil_mis_id="P2")
        jay = factories.pupil(s, school, "P1", "Jamie", "Smith", preferred_first="Jay")
        kit = factories.pupil(s, school, "P2", "Kit", "Jones", profile_url="")
        run = factories.register_import(s, school, datetime(2026, 11, 2, 7, 0, tzinfo=UTC))
        changes = [factories.register_change(s, run, p, "added") for p in (jay, kit)]
        alert, reads = factories.profile_alert(s, run, tia, changes, sent_at=NOW)
        elm = factories.school(s, "Elm Park School", with_terms=False)
        eve = factories.person(s, elm, "Eve Elsewhere", roles={Role.SENDCO})
        far = factories.pupil(s, elm, "E1", "Fay", "Far")
        return {
            "tia": tia.id,
            "sam": sam.id,
            "sue": sue.id,
            "ada": ada.id,
            "eve": eve.id,
            "jay": jay.id,
            "kit": kit.id,
            "far": far.id,
            "alert": alert.id,
            "jay_read": reads[0].id,
        }  # type: ignore[return-value]

    return db.work(setup)


def _reimport_teaching(client) -> None:  # type: ignore[no-untyped-def]
    files = {"teaching": ("teaching.csv", TEACHING_TODAY.encode(), "text/csv")}
    done = client.post("/sendco/register/teaching", files=files)
    assert done.status_code == 200 and "2 teaching links" in done.text, done.text


def _audit(db: Database, action: str) -> list[tuple[int | None, str, str]]:
    rows = db.work(lambda s: s.exec(select(AuditEvent).where(AuditEvent.action == action)).all())
    return [(e.actor_staff_id, e.subject_id, e.detail) for e in rows]


def test_after_the_teaching_groups_leave_her_out_her_old_alert_opens_nothing(
    db: Database, clock: FixedClock, ids: dict[str, int]
) -> None:
    sendbot, client = demo_client(db, clock, ids["tia"])
    assert client.get(f"/pupils/{ids['jay']}").status_code == 200
    sign_in(client, ids["sue"])
    _reimport_teaching(client)

    sign_in(client, ids["tia"])
    closed = client.get(f"/pupils/{ids['jay']}")
    assert closed.status_code == 403
    assert "Jay" not in closed.text and "Smith" not in closed.text and "8RW" not in closed.text
    assert "teaching groups" in closed.text and "closed to you" in closed.text
    assert "ask the SENDCO, Sue Sendco," in closed.text
    # The pupil she still teaches is open to her.
    assert "Kit Jones" in client.get(f"/pupils/{ids['kit']}").text

    # Nor can the web button record a read of a profile she may no longer open.
    client.post(f"/pupils/{ids['jay']}/read")
    assert db.work(lambda s: s.get(ProfileRead, ids["jay_read"]).read_at) is None
    assert (ids["tia"], str(ids["jay"]), "") in _audit(db, "pupil_view_refused")
    sendbot.db.dispose()


def test_her_alerts_list_names_only_the_pupils_she_still_teaches(
    db: Database, clock: FixedClock, ids: dict[str, int]
) -> None:
    sendbot, client = demo_client(db, clock, ids["sue"])
    _reimport_teaching(client)
    sign_in(client, ids["tia"])
    page = client.get(f"/alerts/{ids['alert']}")
    assert page.status_code == 200
    assert "Kit Jones" in page.text
    assert "Jay" not in page.text and "Smith" not in page.text
    assert f'href="/pupils/{ids["jay"]}"' not in page.text
    assert "no longer" in page.text and "teaching groups" in page.text
    # One read button: Kit's.
    assert page.text.count('data-action="read"') == 1
    assert _audit(db, "alert_viewed") == [(ids["tia"], str(ids["alert"]), f"pupils={ids['kit']}")]
    # The SENDCO still sees both.
    sign_in(client, ids["sue"])
    both = client.get(f"/alerts/{ids['alert']}").text
    assert "Jay Smith" in both and "Kit Jones" in both
    sendbot.db.dispose()


def test_a_closed_page_and_a_missing_pupil_get_the_same_answer(
    db: Database, clock: FixedClock, ids: dict[str, int]
) -> None:
    sendbot, client = demo_client(db, clock, ids["sam"])
    answers = [
        client.get(f"/pupils/{pupil_id}")
        for pupil_id in (ids["kit"], ids["far"], 99_999_999, ids["jay"] + ids["kit"] + 1_000)
    ]
    first = answers[0]
    assert first.status_code == 403 and "Kit" not in first.text
    for other in answers[1:]:
        assert (other.status_code, other.text) == (first.status_code, first.text)
    # The same goes for an alert that is not hers and one that does not exist.
    alerts = [client.get(f"/alerts/{alert_id}") for alert_id in (ids["alert"], 99_999_999)]
    assert alerts[0].status_code == 403
    assert (alerts[1].status_code, alerts[1].text) == (alerts[0].status_code, alerts[0].text)
    sendbot.db.dispose()


@pytest.mark.parametrize("who", ["sue", "ada", "eve"])
def test_for_the_sendco_a_pupil_not_at_the_school_is_plainly_not_found(
    db: Database, clock: FixedClock, ids: dict[str, int], who: str
) -> None:
    sendbot, client = demo_client(db, clock, ids[who])
    elsewhere = ids["jay"] if who == "eve" else ids["far"]
    missing = client.get("/pupils/99999999")
    assert missing.status_code == 404 and "no such pupil" in missing.text
    other = client.get(f"/pupils/{elsewhere}")
    assert (other.status_code, other.text) == (404, missing.text)
    assert client.get("/alerts/99999999").status_code == 404
    if who != "eve":
        assert client.get(f"/pupils/{ids['jay']}").status_code == 200
    sendbot.db.dispose()


def test_a_reminder_names_only_the_pupils_she_still_teaches(
    db: Database, clock: FixedClock, ids: dict[str, int]
) -> None:
    """Chat follows the teaching groups too: Jay is not named to Tia once she no longer
    teaches him; with neither pupil hers, there is no reminder at all."""
    sendbot, client = demo_client(db, clock, ids["sue"])
    _reimport_teaching(client)

    def reminder(s: Session) -> str:
        message = render_alerts(s, {ids["alert"]}, reminder=True)[ids["alert"]]
        assert message is not None
        return json.dumps(message.to_dict())

    text = db.work(reminder)
    assert "K.J." in text and "J.S." not in text
    db.work(lambda s: s.execute(delete(TeachingLink)))
    assert db.work(lambda s: render_alerts(s, {ids["alert"]}, reminder=True)) == {
        ids["alert"]: None
    }
    sendbot.db.dispose()
