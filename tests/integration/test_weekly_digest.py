"""The weekly digest on both engines: who gets it and when (the school week, holidays,
part-timers, turning it off), what it says for a known team, that nobody outside the team
appears, the local chat showing it and its button, and the form on /me."""

from __future__ import annotations

import asyncio
import re
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from bot.domain.people import Role
from bot.services.clock import FixedClock
from bot.services.digest_messages import KIND, TURN_OFF, TURNED_OFF
from bot.services.digests import plan_digests, render_digests
from bot.storage.database import Database
from bot.storage.digest import WeeklyDigest
from bot.storage.local_chat import LocalMessage
from bot.storage.outbox import Delivery
from bot.storage.staff import ChatIdentity, Staff
from tests import factories
from tests.integration.webapp import demo_client, sendbot_for
from tests.web_forms import form_token

# Monday 16 November 2026, 06:00 in London (GMT): before the sending window opens at 07:30.
MONDAY = datetime(2026, 11, 16, 6, 0, tzinfo=UTC)
LAST_WEEK, WEEK_BEFORE = date(2026, 11, 10), date(2026, 11, 3)  # Tuesdays
STAFF = (
    "Lena Manager",  # line manager: Ann, Bo and Cy
    "Ann A",
    "Bo B",
    "Cy C",  # part-time (Wed, Thu): asked nothing
    "Olly Other",  # line manager: Zed
    "Zed Outsider",
    "Pat Parttime",  # line manager working Wed and Thu: Una
    "Una U",
    "Mo Muted",  # line manager who turned the digest off: Vic
    "Vic V",
    "Sam Sendco",  # the SENDCO, managing nobody
    "Tom Teacher",  # no team
)


@pytest.fixture
def school(db: Database) -> dict[str, int]:
    """The school above, with a fortnight of quiz answers, targets, a briefing half read, a
    register alert unread past its days and a topic three people are forgetting."""

    def make(s: Session) -> dict[str, int]:
        sch = factories.school(s)
        ids: dict[str, int] = {}
        for name in STAFF:
            roles = {Role.SENDCO} if name == "Sam Sendco" else None
            if name in ("Lena Manager", "Olly Other", "Pat Parttime", "Mo Muted"):
                roles = {Role.LINE_MANAGER}
            days = "34" if name in ("Cy C", "Pat Parttime") else "12345"
            person = factories.person(s, sch, name, roles=roles, working_days=days)
            ids[name] = person.id  # type: ignore[assignment]
        teams = {
            "Lena Manager": ("Ann A", "Bo B", "Cy C"),
            "Olly Other": ("Zed Outsider",),
            "Pat Parttime": ("Una U",),
            "Mo Muted": ("Vic V",),
        }
        for manager, members in teams.items():
            for member in members:
                s.get(Staff, ids[member]).line_manager_id = ids[manager]  # type: ignore[union-attr]
        s.get(Staff, ids["Mo Muted"]).weekly_digest = False  # type: ignore[union-attr]
        questions = [factories.question(s, sch, f"q{n}") for n in range(4)]

        def asked(name: str, day: date, answered: int, total: int) -> None:
            for n in range(total):
                chosen = [0] if n < answered else None
                factories.quiz_item(
                    s, sch, s.get(Staff, ids[name]), questions[n], day, chosen=chosen
                )  # type: ignore[arg-type]

        asked("Ann A", WEEK_BEFORE, 1, 2)
        asked("Bo B", WEEK_BEFORE, 2, 2)
        asked("Ann A", LAST_WEEK, 2, 2)
        asked("Bo B", LAST_WEEK, 0, 2)
        asked("Zed Outsider", LAST_WEEK, 0, 2)
        for name in ("Ann A", "Zed Outsider"):
            factories.target(
                s,
                s.get(Staff, ids[name]),  # type: ignore[arg-type]
                "answered_share",
                90,
                "Autumn term 2026",
                date(2026, 9, 1),
                date(2026, 12, 31),
            )
        briefing = factories.briefing(s, sch, MONDAY, send_on=date(2026, 11, 4))
        for name, read in (("Ann A", True), ("Bo B", False), ("Zed Outsider", False)):
            factories.briefing_received(
                s,
                briefing,
                s.get(Staff, ids[name]),
                date(2026, 11, 4),
                acknowledged=read,  # type: ignore[arg-type]
            )
        dyslexia = factories.question(s, sch, "dys", tags=["dyslexia"])
        for name in ("Ann A", "Bo B", "Zed Outsider"):
            factories.remembered(
                s,
                s.get(Staff, ids[name]),
                dyslexia,
                False,
                datetime(2026, 9, 8, tzinfo=UTC),  # type: ignore[arg-type]
            )
        pupil = factories.pupil(s, sch)
        imported = factories.register_import(s, sch, datetime(2026, 11, 2, 8, tzinfo=UTC))
        change = factories.register_change(s, imported, pupil)
        factories.profile_alert(
            s,
            imported,
            s.get(Staff, ids["Tom Teacher"]),  # type: ignore[arg-type]
            [change],
            sent_at=datetime(2026, 11, 2, 9, tzinfo=UTC),
        )
        return ids

    return db.work(make)


def plan_at(db: Database, moment: datetime) -> int:
    return db.work(lambda s: plan_digests(s, moment, "local"))


def planned(db: Database) -> dict[int, Delivery]:
    """Digest deliveries by the person they are for."""
    rows = db.work(lambda s: s.exec(select(Delivery).where(Delivery.kind == KIND)).all())
    return {row.staff_id: row for row in rows}


def digest_of(db: Database, staff_id: int) -> str:
    """The text of a person's planned digest, as it would go out now."""

    def read(s: Session) -> str:
        row = s.exec(select(WeeklyDigest).where(WeeklyDigest.staff_id == staff_id)).one()
        message = render_digests(s, {row.id})[row.id]  # type: ignore[index]
        assert message is not None
        return "\n".join([message.title, *message.lines, message.link.url])  # type: ignore[union-attr]

    return db.work(read)


def test_line_managers_and_the_sendco_get_it_at_their_first_sending_moment_of_the_week(
    db: Database, school: dict[str, int]
) -> None:
    assert plan_at(db, MONDAY) == 3
    due = planned(db)
    # Lena and Olly manage a team, Sam is the SENDCO; Pat works Wednesdays and Thursdays, Mo
    # turned it off, Tom and the team members manage nobody.
    assert set(due) == {school["Lena Manager"], school["Olly Other"], school["Sam Sendco"]}
    # At the start of the sending window (07:30 in London, GMT in November), not at planning.
    assert {d.not_before for d in due.values()} == {datetime(2026, 11, 16, 7, 30, tzinfo=UTC)}
    assert {d.idempotency_key for d in due.values()} == {
        f"digest:{d.subject_id}:{d.staff_id}" for d in due.values()
    }

    # Every later tick that week plans nothing more for them.
    assert plan_at(db, MONDAY + timedelta(hours=4)) == 0
    assert plan_at(db, MONDAY + timedelta(days=1, hours=3)) == 0
    # The part-time line manager gets hers on her first working day of the week, once.
    assert plan_at(db, MONDAY + timedelta(days=2, hours=3)) == 1
    assert set(planned(db)) - set(due) == {school["Pat Parttime"]}
    assert plan_at(db, MONDAY + timedelta(days=3, hours=3)) == 0
    # The next school week brings the next digest.
    assert plan_at(db, MONDAY + timedelta(days=7)) == 3


def test_nothing_is_planned_in_the_holidays_or_at_the_weekend(
    db: Database, school: dict[str, int]
) -> None:
    half_term = datetime(2026, 10, 26, 9, 0, tzinfo=UTC)  # Monday of the October half term
    for day in range(5):
        assert plan_at(db, half_term + timedelta(days=day)) == 0
    assert plan_at(db, datetime(2026, 11, 14, 9, 0, tzinfo=UTC)) == 0  # a Saturday
    assert planned(db) == {}


def test_a_missed_first_day_is_caught_up_later_that_week_but_never_the_week_after(
    db: Database, school: dict[str, int]
) -> None:
    # sendbot was stopped all Monday: Tuesday's first tick plans the week's digests.
    assert plan_at(db, MONDAY + timedelta(days=1, hours=3)) == 3
    assert all(d.not_before == MONDAY + timedelta(days=1, hours=3) for d in planned(db).values())


def test_after_the_last_window_of_the_week_it_waits_for_the_next_weeks_own_digest(
    db: Database, school: dict[str, int]
) -> None:
    friday_evening = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # the window closed at 16:30
    assert plan_at(db, friday_evening) == 0
    assert plan_at(db, MONDAY + timedelta(days=7)) == 3
    assert {d.not_before for d in planned(db).values()} == {
        datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
    }


def test_replicas_ticking_at_once_plan_each_digest_once(
    db: Database, school: dict[str, int]
) -> None:
    barrier = threading.Barrier(3)
    counts: list[int] = []

    def tick() -> None:
        barrier.wait()
        counts.append(plan_at(db, MONDAY))

    threads = [threading.Thread(target=tick) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == [0, 0, 3]
    assert db.work(lambda s: len(s.exec(select(WeeklyDigest)).all())) == 3


def test_a_line_managers_digest_is_their_own_teams_week_and_names_nobody_else(
    db: Database, school: dict[str, int]
) -> None:
    plan_at(db, MONDAY)
    text = digest_of(db, school["Lena Manager"])
    assert text.splitlines() == [
        "Your weekly digest: week of 16 Nov",
        "Your team (3 people)",
        "Questions answered last week (w/c 9 Nov): 2 of 4 (50%), down from the week before "
        "(w/c 2 Nov: 75%).",
        "Sent questions but not answered any since Mon 9 Nov: Bo B.",
        "Targets at risk:",
        "• Ann A: questions answered at least 90% in Autumn term 2026, 3 of 4 (75%)",
        "/team",
    ]
    for outsider in ("Zed", "Olly", "Sam", "Tom", "Una", "Vic", "Jamie", "Smith", "dyslexia"):
        assert outsider not in text
    # Olly's digest has his own team, and nothing of Lena's.
    other = digest_of(db, school["Olly Other"])
    assert "Zed Outsider" in other and "Ann" not in other and "Bo B" not in other


def test_the_next_digest_counts_from_the_last_one(db: Database, school: dict[str, int]) -> None:
    plan_at(db, MONDAY)

    def bo_answers(s: Session) -> None:
        bo = s.get(Staff, school["Bo B"])
        sch = s.get(factories.School, bo.school_id)  # type: ignore[union-attr]
        question = factories.question(s, sch, "later")  # type: ignore[arg-type]
        factories.quiz_item(s, sch, bo, question, date(2026, 11, 17), chosen=[0])  # type: ignore[arg-type]

    db.work(bo_answers)
    plan_at(db, MONDAY + timedelta(days=7))

    def latest(s: Session) -> str:
        row = s.exec(
            select(WeeklyDigest)
            .where(WeeklyDigest.staff_id == school["Lena Manager"])
            .order_by(WeeklyDigest.week_of.desc())  # type: ignore[attr-defined]
        ).first()
        return "\n".join(render_digests(s, {row.id})[row.id].lines)  # type: ignore[union-attr,index]

    text = db.work(latest)
    assert "Everyone sent a question since Mon 16 Nov has answered since." in text
    assert "Questions answered last week (w/c 16 Nov): 1 of 1 (100%), up from" in text


def test_the_sendcos_digest_is_the_schools_figures_with_no_names_and_no_pupils(
    db: Database, school: dict[str, int]
) -> None:
    plan_at(db, MONDAY)
    text = digest_of(db, school["Sam Sendco"])
    lines = text.splitlines()
    assert lines[:5] == [
        "Your weekly digest: week of 16 Nov",
        "The school (12 members of staff)",
        "Briefings not read by everyone this term:",
        "• “The graduated approach”: 2 of 3 have not pressed Got it",
        "Register alerts: 1 pupil profile not read after 5 school days.",
    ]
    # Answered wrongly in September by three people: well forgotten by now.
    forgotten = re.fullmatch(
        r"What the school is forgetting \(likely to be recalled now\): dyslexia \((\d+)%\)\.",
        lines[5],
    )
    assert forgotten and int(forgotten.group(1)) < 50
    assert lines[6:] == ["/sendco"]
    for name in STAFF + ("Jamie", "Smith", "J.S", "8RW"):
        assert name not in text


def test_a_sendco_who_manages_a_team_gets_one_digest_with_both_parts(
    db: Database, school: dict[str, int]
) -> None:
    def promote(s: Session) -> None:
        s.get(Staff, school["Tom Teacher"]).line_manager_id = school["Sam Sendco"]  # type: ignore[union-attr]

    db.work(promote)
    plan_at(db, MONDAY)
    text = digest_of(db, school["Sam Sendco"])
    assert "Your team (1 person)" in text and "The school (12 members of staff)" in text
    assert text.endswith("/team")
    assert len([d for d in planned(db).values() if d.staff_id == school["Sam Sendco"]]) == 1


def test_turned_off_after_planning_it_is_not_sent(db: Database, school: dict[str, int]) -> None:
    plan_at(db, MONDAY)
    db.work(lambda s: setattr(s.get(Staff, school["Olly Other"]), "weekly_digest", False))
    sendbot = sendbot_for(
        db.engine.url.render_as_string(hide_password=False),
        FixedClock(MONDAY + timedelta(hours=3)),
    )
    asyncio.run(sendbot.dispatcher.drain())
    sendbot.db.dispose()
    due = planned(db)
    assert due[school["Olly Other"]].status == "cancelled"
    assert due[school["Lena Manager"]].status == "sent"


def test_the_local_chat_shows_the_digest_and_its_button_turns_it_off(
    db: Database, school: dict[str, int]
) -> None:
    plan_at(db, MONDAY)
    lena = school["Lena Manager"]
    sendbot, client = demo_client(db, FixedClock(MONDAY + timedelta(hours=3)), None)
    asyncio.run(sendbot.dispatcher.drain())
    page = client.get(f"/local/{lena}").text
    assert "Your weekly digest: week of 16 Nov" in page
    assert "Sent questions but not answered any since Mon 9 Nov: Bo B." in page
    assert '<a href="http://127.0.0.1:8000/team">Open the team page</a>' in page
    assert f'value="{TURN_OFF}"' in page and "Turn off this digest" in page
    assert "Zed" not in page

    message_id = db.work(
        lambda s: s.exec(
            select(LocalMessage.id)
            .join(ChatIdentity, ChatIdentity.platform_user_id == LocalMessage.recipient)  # type: ignore[arg-type]
            .where(ChatIdentity.staff_id == lena)
        ).one()
    )
    digest_id = planned(db)[lena].subject_id
    client.headers["x-csrf-token"] = form_token(client, f"/local/{lena}")
    pressed = client.post(
        f"/local/{lena}/press",
        data={"message_id": message_id, "action_id": TURN_OFF, "value": str(digest_id)},
    )
    assert pressed.status_code == 303
    assert db.work(lambda s: s.get(Staff, lena).weekly_digest) is False  # type: ignore[union-attr]
    page = client.get(f"/local/{lena}").text
    assert "Your weekly digest is off." in page  # the notice
    assert TURNED_OFF in page and "Turn off this digest" not in page
    sendbot.db.dispose()
    # Next week, nothing for her.
    plan_at(db, MONDAY + timedelta(days=7))
    assert lena not in {
        d.staff_id for d in planned(db).values() if d.not_before > MONDAY + timedelta(days=6)
    }


def test_the_progress_page_turns_the_digest_off_and_on_with_its_form(
    db: Database, school: dict[str, int]
) -> None:
    lena = school["Lena Manager"]
    sendbot, client = demo_client(db, FixedClock(MONDAY), lena)
    page = client.get("/me").text
    assert 'data-digest="on"' in page and "Turn the digest off" in page

    token = client.headers.pop("x-csrf-token")
    assert client.post("/me/digest", data={"digest": "off"}).status_code == 403  # no form token
    assert db.work(lambda s: s.get(Staff, lena).weekly_digest) is True  # type: ignore[union-attr]

    answer = client.post("/me/digest", data={"digest": "off", "csrf_token": token})
    assert answer.status_code == 303 and answer.headers["location"] == "/me#digest"
    assert db.work(lambda s: s.get(Staff, lena).weekly_digest) is False  # type: ignore[union-attr]
    page = client.get("/me").text
    assert 'data-digest="off"' in page and "Your weekly digest is off." in page
    assert (
        client.post("/me/digest", data={"digest": "maybe", "csrf_token": token}).status_code == 422
    )
    client.post("/me/digest", data={"digest": "on", "csrf_token": token})
    assert db.work(lambda s: s.get(Staff, lena).weekly_digest) is True  # type: ignore[union-attr]
    sendbot.db.dispose()


def test_someone_a_digest_is_not_for_sees_no_digest_form(
    db: Database, school: dict[str, int]
) -> None:
    sendbot, client = demo_client(db, FixedClock(MONDAY), school["Tom Teacher"])
    assert 'id="digest"' not in client.get("/me").text
    sendbot.db.dispose()
