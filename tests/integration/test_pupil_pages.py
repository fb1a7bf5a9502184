"""The pupil page, an alert's list, the SENDCO's register page, and "profiles read on time"."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli import app
from bot.content.targets_csv import read_targets_csv
from bot.domain.people import Role
from bot.domain.targets import Metric, Period, Status
from bot.services.clock import FixedClock
from bot.services.errors import UserError
from bot.services.progress import target_progress
from bot.services.targets import check_wanted, import_targets
from bot.storage.audit import AuditEvent
from bot.storage.database import Database
from bot.storage.quiz import Target
from bot.storage.register import ProfileRead
from bot.storage.school import School
from bot.storage.staff import Staff
from tests import factories
from tests.integration.webapp import demo_client, sign_in

# Tuesday 3 November 2026, 10:00 (the conftest clock).
NOW = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
AUTUMN = Period("Autumn term 2026", date(2026, 9, 2), date(2026, 12, 18))


@pytest.fixture
def ids(db: Database) -> dict[str, int]:
    """Staff linked to Jay Smith in every way, one who is not, the SENDCO and an admin, the
    SENDCO of another school; an alert to the teacher, sent this morning; an erased pupil."""

    def setup(s: Session) -> dict[str, int]:
        school = factories.school(s)
        people = {
            key: factories.person(s, school, name, roles=roles)
            for key, name, roles in (
                ("teacher", "Tia Teacher", None),
                ("support", "Sam Support", None),
                ("tutor", "Tom Tutor", None),
                ("head", "Hana Head", None),
                ("alerted", "Al Alerted", None),
                ("unlinked", "Una Unlinked", None),
                ("sendco", "Sue Sendco", {Role.SENDCO}),
                ("admin", "Ada Admin", {Role.ADMIN}),
            )
        }
        elsewhere = factories.school(s, "Elm Park School", with_terms=False)
        people["elsewhere"] = factories.person(s, elsewhere, "Eve Elsewhere", roles={Role.SENDCO})
        factories.teaching_link(s, people["teacher"], pupil_mis_id="P1")
        factories.teaching_link(s, people["support"], pupil_mis_id="P1", role="support")
        factories.teaching_link(s, people["tutor"], role="tutor", group="8RW")
        factories.teaching_link(s, people["head"], role="head_of_year", group="8")
        # Links that name someone else, another form, another year: no way in.
        factories.teaching_link(s, people["unlinked"], pupil_mis_id="P2")
        factories.teaching_link(s, people["unlinked"], role="tutor", group="8KT")
        factories.teaching_link(s, people["unlinked"], role="head_of_year", group="9")
        jay = factories.pupil(
            s, school, "P1", "Jamie", "Smith", preferred_first="Jay", secondary_need="SEMH"
        )
        gone = factories.pupil(s, school, "P9", "", "", upn="", profile_url="")
        gone.erased_at = NOW
        run = factories.register_import(s, school, datetime(2026, 11, 2, 7, 0, tzinfo=UTC))
        change = factories.register_change(s, run, jay, "added")
        gone_change = factories.register_change(s, run, gone, "added")
        alert, [read] = factories.profile_alert(s, run, people["teacher"], [change], sent_at=NOW)
        alerted, _ = factories.profile_alert(
            s, run, people["alerted"], [change, gone_change], sent_at=NOW, linked=False
        )
        return {
            **{key: row.id for key, row in people.items()},  # type: ignore[misc]
            "school": school.id,
            "jay": jay.id,
            "gone": gone.id,
            "alert": alert.id,
            "alerted_alert": alerted.id,
            "read": read.id,
        }  # type: ignore[return-value]

    return db.work(setup)


def _audit(db: Database, action: str) -> list[tuple[int | None, str, str, str]]:
    return [
        (e.actor_staff_id, e.subject_type, e.subject_id, e.detail)
        for e in db.work(
            lambda s: s.exec(select(AuditEvent).where(AuditEvent.action == action)).all()
        )
    ]


@pytest.mark.parametrize("who", ["teacher", "support", "tutor", "head", "sendco", "admin"])
def test_linked_staff_and_the_sendco_see_the_pupil_and_each_view_is_audited(
    db: Database, clock: FixedClock, ids: dict[str, int], who: str
) -> None:
    sendbot, client = demo_client(db, clock, ids[who])
    page = client.get(f"/pupils/{ids['jay']}")
    assert page.status_code == 200, page.text
    assert "Jay Smith" in page.text and "Legal name: Jamie Smith" in page.text
    assert "Year 8" in page.text and "8RW" in page.text
    assert "SEN support" in page.text and "since 10 Sep 2026" in page.text
    assert "Speech, language and communication needs" in page.text
    assert "Social, emotional and mental health" in page.text
    assert 'href="https://mis.example/profiles/P1"' in page.text
    assert "Now on SEN support" in page.text
    assert factories.UPN not in page.text
    client.get(f"/pupils/{ids['jay']}")
    views = [(ids[who], "pupil", str(ids["jay"]), "")] * 2
    assert _audit(db, "pupil_viewed") == views
    sendbot.db.dispose()


# Al was alerted about Jay but the teaching groups do not link him to Jay: an alert opens
# nothing by itself. (The SENDCO of another school: tests/integration/test_pupil_access.py.)
@pytest.mark.parametrize("who", ["unlinked", "alerted"])
def test_anyone_else_is_refused_and_the_refusal_is_audited(
    db: Database, clock: FixedClock, ids: dict[str, int], who: str
) -> None:
    sendbot, client = demo_client(db, clock, ids[who])
    page = client.get(f"/pupils/{ids['jay']}")
    assert page.status_code == 403
    assert "only for staff who teach or support the pupil" in page.text
    assert "Smith" not in page.text and "Speech" not in page.text
    assert _audit(db, "pupil_view_refused") == [(ids[who], "pupil", str(ids["jay"]), "")]
    assert _audit(db, "pupil_viewed") == []
    # Nor may they mark it read, or see someone's alert.
    client.post(f"/pupils/{ids['jay']}/read")
    assert db.work(lambda s: s.get(ProfileRead, ids["read"]).read_at) is None
    assert client.get(f"/alerts/{ids['alert']}").status_code == 403
    sendbot.db.dispose()


def test_an_unknown_pupil_is_not_found_and_a_visitor_must_sign_in(
    db: Database, clock: FixedClock, ids: dict[str, int]
) -> None:
    sendbot, client = demo_client(db, clock, None)
    assert client.get(f"/pupils/{ids['jay']}").headers["location"].startswith("/sign-in")
    sign_in(client, ids["sendco"])
    assert client.get("/pupils/99999999").status_code == 404
    sendbot.db.dispose()


def test_an_erased_pupil_shows_only_that_their_details_were_removed(
    db: Database, clock: FixedClock, ids: dict[str, int]
) -> None:
    sendbot, client = demo_client(db, clock, ids["sendco"])
    page = client.get(f"/pupils/{ids['gone']}")
    assert page.status_code == 200
    assert "removed under the school's retention policy" in page.text
    assert "SEN support" not in page.text
    assert _audit(db, "pupil_viewed") == [(ids["sendco"], "pupil", str(ids["gone"]), "")]
    sendbot.db.dispose()


def test_the_web_read_button_records_a_web_read_once(
    db: Database, clock: FixedClock, ids: dict[str, int]
) -> None:
    sendbot, client = demo_client(db, clock, ids["teacher"])
    assert 'data-action="read">I\'ve read the profile' in client.get(f"/pupils/{ids['jay']}").text
    pressed = client.post(f"/pupils/{ids['jay']}/read")
    assert pressed.status_code == 303 and pressed.headers["location"] == f"/pupils/{ids['jay']}"
    read = db.work(lambda s: s.get(ProfileRead, ids["read"]))
    assert (read.read_at, read.read_via) == (NOW, "web")
    page = client.get(f"/pupils/{ids['jay']}").text
    assert "Thanks: recorded" in page and "You said you had read the profile" in page
    assert 'data-action="read"' not in page
    clock.moment = NOW.replace(hour=12)
    client.post(f"/pupils/{ids['jay']}/read")
    assert db.work(lambda s: s.get(ProfileRead, ids["read"]).read_at) == NOW
    sendbot.db.dispose()


def test_an_alerts_list_is_for_its_recipient_and_the_sendco(
    db: Database, clock: FixedClock, ids: dict[str, int]
) -> None:
    db.work(
        lambda s: factories.teaching_link(s, s.get(Staff, ids["alerted"]), pupil_mis_id="P1")  # type: ignore[arg-type]
    )
    sendbot, client = demo_client(db, clock, ids["alerted"])
    url = f"/alerts/{ids['alerted_alert']}"
    page = client.get(url).text
    assert "Jay Smith" in page and "now on SEN support" in page
    assert "removed under the school's retention policy" in page
    assert page.count('data-action="read"') == 1
    assert factories.UPN not in page
    pressed = client.post(f"/pupils/{ids['jay']}/read", data={"back": url})
    assert pressed.headers["location"] == url
    assert 'data-read="yes"' in client.get(url).text
    # Somewhere else is never where the button sends you.
    elsewhere = client.post(f"/pupils/{ids['jay']}/read", data={"back": "https://evil.example/"})
    assert elsewhere.headers["location"] == f"/pupils/{ids['jay']}"
    assert (
        _audit(db, "alert_viewed")
        == [
            (
                ids["alerted"],
                "alert",
                str(ids["alerted_alert"]),
                f"pupils={ids['jay']},{ids['gone']}",
            )
        ]
        * 2
    )
    sign_in(client, ids["teacher"])
    assert client.get(url).status_code == 403
    sign_in(client, ids["sendco"])
    assert client.get(url).status_code == 200
    sendbot.db.dispose()


def test_the_sendco_page_shows_who_has_read_and_who_has_not(
    db: Database, clock: FixedClock, ids: dict[str, int]
) -> None:
    sendbot, client = demo_client(db, clock, ids["sendco"])
    page = client.get("/sendco/register").text
    assert 'data-reader="tia.teacher@oakhill.example" data-status="not read yet"' in page
    assert 'data-count="alerted">3<' in page and 'data-count="read" class="ok">0<' in page
    assert f'<a href="/pupils/{ids["jay"]}">Jay Smith</a>' in page
    assert "(details removed)" in page
    assert factories.UPN not in page

    def read(s: Session) -> None:
        row = s.get(ProfileRead, ids["read"])
        row.read_at, row.read_via = datetime(2026, 11, 5, 9, 0, tzinfo=UTC), "chat"
        s.add(row)

    db.work(read)
    page = client.get("/sendco/register").text
    assert 'data-reader="tia.teacher@oakhill.example" data-status="read on time"' in page
    assert 'data-count="read" class="ok">1<' in page
    unread = client.get("/sendco/register?unread=1").text
    assert "tia.teacher@oakhill.example" not in unread
    assert 'data-reader="al.alerted@oakhill.example" data-status="not read yet"' in unread
    # Ten school days on, an unread profile is overdue.
    clock.moment = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)
    sign_in(client, ids["sendco"])  # a fortnight idle ended the last sign-in
    assert 'data-status="not read, overdue"' in client.get("/sendco/register").text
    csv = client.get("/sendco/register.csv")
    assert csv.text.startswith("\ufeffImported,Pupil,")
    assert "Jay Smith" in csv.text and factories.UPN not in csv.text
    assert "read on time" in csv.text
    assert _audit(db, "register_report_exported") == [
        (ids["sendco"], "", "", f"unread=0 pupils={ids['jay']},{ids['gone']}")
    ]
    sign_in(client, ids["teacher"])
    assert client.get("/sendco/register").status_code == 403
    sendbot.db.dispose()


def test_the_sendco_csv_keeps_formulas_as_text(
    db: Database, clock: FixedClock, ids: dict[str, int]
) -> None:
    def rename(s: Session) -> None:
        person = s.get(Staff, ids["teacher"])
        person.name = "=HYPERLINK(1)"
        s.add(person)

    db.work(rename)
    sendbot, client = demo_client(db, clock, ids["sendco"])
    assert "'=HYPERLINK(1)" in client.get("/sendco/register.csv").text
    sendbot.db.dispose()


def _profile_target(db: Database, staff_id: int) -> Target:
    return db.work(
        lambda s: factories.target(
            s,
            s.get(Staff, staff_id),  # type: ignore[arg-type]
            Metric.PROFILES_READ_ON_TIME_SHARE.value,
            80,
            AUTUMN.label,
            AUTUMN.starts_on,
            AUTUMN.ends_on,
        )
    )


def test_profiles_read_on_time_counts_school_days_and_waits_for_the_unread(
    db: Database, ids: dict[str, int]
) -> None:
    """Four alerts to one person: read on time, read late, unread past its days, unread
    with days still to go (not counted yet)."""

    def setup(s: Session) -> None:
        school = s.get(School, ids["school"])
        person = s.get(Staff, ids["unlinked"])
        for n, (sent, read) in enumerate(
            (
                # Thursday 22 Oct; read Friday 6 Nov: 1 + 5 school days (half term between).
                (datetime(2026, 10, 22, 9, tzinfo=UTC), datetime(2026, 11, 6, 9, tzinfo=UTC)),
                # Thursday 22 Oct; read Thursday 5 Nov: exactly 5 school days, on time.
                (datetime(2026, 10, 22, 9, tzinfo=UTC), datetime(2026, 11, 5, 15, tzinfo=UTC)),
                (datetime(2026, 10, 1, 9, tzinfo=UTC), None),  # never read: overdue
                (datetime(2026, 11, 19, 9, tzinfo=UTC), None),  # sent yesterday
            )
        ):
            pupil = factories.pupil(s, school, f"T{n}", "Pat", f"Pupil{n}")  # type: ignore[arg-type]
            run = factories.register_import(s, school, sent.replace(hour=7, minute=n))  # type: ignore[arg-type]
            change = factories.register_change(s, run, pupil, "added")
            _, [row] = factories.profile_alert(s, run, person, [change], sent_at=sent)  # type: ignore[arg-type]
            row.read_at = read
            s.add(row)

    target = _profile_target(db, ids["unlinked"])
    empty = db.work(lambda s: target_progress(s, [target], "Europe/London", date(2026, 11, 20)))
    assert (empty[target.id].denominator, empty[target.id].status) == (0, Status.NOT_STARTED)  # type: ignore[index]
    db.work(setup)
    progress = db.work(lambda s: target_progress(s, [target], "Europe/London", date(2026, 11, 20)))[
        target.id
    ]  # type: ignore[index]
    assert (progress.numerator, progress.denominator) == (1, 3)
    assert progress.status is Status.AT_RISK
    # Once the last one's days have gone by unread, it counts against.
    later = db.work(lambda s: target_progress(s, [target], "Europe/London", date(2026, 12, 18)))
    assert (later[target.id].numerator, later[target.id].denominator) == (1, 4)  # type: ignore[index]


def test_no_alerts_yet_shows_as_such_not_as_zero(
    db: Database, clock: FixedClock, ids: dict[str, int]
) -> None:
    target = _profile_target(db, ids["unlinked"])
    sendbot, client = demo_client(db, clock, ids["unlinked"])
    page = client.get("/me").text
    row = page.split(f'data-target="{target.id}"')[1].split("</tr>")[0]
    assert "profiles read on time at least 80%" in row
    assert '<span class="so-far">no alerts yet</span>' in row
    assert "0 of 0" not in row and "0%" not in row.replace("80%", "")
    sendbot.db.dispose()


def test_the_team_form_the_csv_import_and_the_command_take_the_metric(
    cli: Database, clock: FixedClock, ids: dict[str, int]
) -> None:
    db = cli
    sendbot, client = demo_client(db, clock, ids["sendco"])
    client.post(
        "/team/targets",
        data={
            "staff_id": ids["teacher"],
            "metric": "profiles_read_on_time_share",
            "threshold": "90",
            "period": "Autumn term 2026",
        },
    )
    text = (
        "email,metric,threshold,period,area,topic\n"
        "sam.support@oakhill.example,profiles read,85,2026-27,,\n"
    )
    added = db.work(
        lambda s: import_targets(
            s,
            s.get(Staff, ids["sendco"]),
            read_targets_csv(text.encode()),
            NOW,  # type: ignore[arg-type]
        )
    )
    assert added == (1, 0)
    result = CliRunner().invoke(
        app,
        [
            "target", "set", "tom.tutor@oakhill.example", "--metric", "profiles read on time",
            "--threshold", "75", "--period", "2026-27", "--by", "sue.sendco@oakhill.example",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "profiles read on time at least 75% in 2026-27" in result.output
    stored = db.work(lambda s: s.exec(select(Target.staff_id, Target.metric)).all())
    assert sorted(stored) == sorted(
        (ids[who], "profiles_read_on_time_share") for who in ("teacher", "support", "tutor")
    )
    with pytest.raises(UserError, match="alerts have none"):
        db.work(
            lambda s: check_wanted(
                s, ids["school"], "profiles read", "80", "2026-27", "cognition_and_learning"
            )
        )
    sendbot.db.dispose()
