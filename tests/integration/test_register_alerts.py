"""Register alerts on both engines: what chat shows at each privacy level, "I've read the
profile", the one reminder, and alerts that must no longer go out."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from bot.chat.local.adapter import LocalChat
from bot.chat.slack.blocks import render as slack_render
from bot.chat.teams.cards import render as teams_render
from bot.domain.people import Role
from bot.services.chat_port import Interaction, Message, MessageRef
from bot.services.clock import FixedClock
from bot.services.dispatcher import Dispatcher, DispatchPolicy
from bot.services.inbound import Inbound
from bot.services.register.kinds import ALERT, ALERT_REMINDER
from bot.services.register.reminders import plan_register_reminders
from bot.services.renderers import RENDERERS
from bot.storage.database import Database
from bot.storage.local_chat import LocalMessage
from bot.storage.outbox import Delivery
from bot.storage.register import ProfileAlert, ProfileRead, Pupil
from bot.storage.school import School
from bot.storage.staff import Staff
from tests import factories
from tests.integration.webapp import sendbot_for

BASE = "https://sendbot.oakhill.example"
# Tuesday 3 November 2026, 10:00 (the conftest clock): Autumn 2 started on Monday.
NOW = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
# What chat must never show: names, the UPN, need codes and names, the profile link, dates.
NEVER_IN_CHAT = (
    "Jamie",
    "Smith",
    "Ava",
    "Brown",
    "Noah",
    "Jones",
    factories.UPN,
    "SLCN",
    "Speech",
    "ASD",
    "Autistic",
    "mis.example",
    "2026",
)


@pytest.fixture
def school(db: Database) -> dict[str, int]:
    """A teacher alerted about three pupils (new on K, K to E, off the register), another
    teacher, and the SENDCO."""

    def setup(s: Session) -> dict[str, int]:
        school = factories.school(s)
        tia = factories.person(s, school, "Tia Teacher")
        olly = factories.person(s, school, "Olly Other")
        sendco = factories.person(s, school, "Sue Sendco", roles={Role.SENDCO})
        jamie = factories.pupil(s, school, "P1", "Jamie", "Smith")
        ava = factories.pupil(
            s, school, "P2", "Ava", "Brown", year_group="9", reg_group="9KT", provision="E",
            primary_need="ASD",
        )  # fmt: skip
        noah = factories.pupil(
            s, school, "P3", "Noah", "Jones", year_group="7", reg_group="7LM", provision="N",
            primary_need="",
        )  # fmt: skip
        run = factories.register_import(s, school, NOW.replace(hour=7))
        changes = [
            factories.register_change(s, run, jamie, "added"),
            factories.register_change(s, run, ava, "plan_issued", old_provision="K"),
            factories.register_change(s, run, noah, "removed", old_provision="K"),
        ]
        alert, reads = factories.profile_alert(s, run, tia, changes)
        return {
            "school": school.id,
            "tia": tia.id,
            "olly": olly.id,
            "sendco": sendco.id,
            "jamie": jamie.id,
            "ava": ava.id,
            "noah": noah.id,
            "alert": alert.id,
            **{f"read_{n}": r.id for n, r in enumerate(reads)},
        }

    return db.work(setup)


def _set_detail(db: Database, school_id: int, detail: str) -> None:
    def change(s: Session) -> None:
        row = s.get(School, school_id)
        row.register_chat_detail = detail
        s.add(row)

    db.work(change)


def _send(db: Database, clock: FixedClock) -> dict[str, int]:
    """Drain the outbox through the local chat, links pointed at BASE; the delivery counts."""
    local = LocalChat(db, clock)
    dispatcher = Dispatcher(db, {"local": local}, clock, DispatchPolicy(), "test", base_url=BASE)
    return asyncio.run(dispatcher.drain()).counts


def _mailbox(db: Database, who: str) -> list[tuple[int, Message]]:
    rows = db.work(
        lambda s: s.exec(
            select(LocalMessage).where(LocalMessage.recipient.like(f"{who}%"))  # type: ignore[attr-defined]
        ).all()
    )
    return [(r.id, Message.from_dict(r.body)) for r in rows]  # type: ignore[misc]


def _everywhere(message: Message) -> list[str]:
    """The message as text, and as Slack and Teams would show it."""
    text = json.dumps(message.to_dict(), ensure_ascii=False)
    _, blocks = slack_render(message)
    card = teams_render(message)
    return [
        text,
        json.dumps(blocks, ensure_ascii=False),
        json.dumps(card, ensure_ascii=False).replace("\\\\", ""),
    ]


def test_the_default_alert_shows_initials_year_group_and_provision_only(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    assert _send(db, clock) == {"sent": 1}
    [(_, message)] = _mailbox(db, "tia.teacher")
    assert message.bullets == (
        "J.S., Year 8, 8RW: now on SEN support",
        "A.B., Year 9, 9KT: now has an EHC plan",
        "N.J., Year 7, 7LM: is no longer on the SEN register",
    )
    assert message.link is not None and message.link.url == f"{BASE}/alerts/{school['alert']}"
    assert [(b.action_id, b.value) for b in message.buttons] == [
        ("profile.read", str(school[f"read_{n}"])) for n in range(3)
    ]
    assert [b.label for b in message.buttons] == [
        "I've read J.S.'s profile",
        "I've read A.B.'s profile",
        "I've read N.J.'s profile",
    ]
    for shown in _everywhere(message):
        assert "J.S." in shown and "8RW" in shown
        for secret in NEVER_IN_CHAT:
            assert secret not in shown, secret
        assert "Communication" not in shown
    # Sent: the alert knows when.
    assert db.work(lambda s: s.get(ProfileAlert, school["alert"]).sent_at) == NOW
    assert _mailbox(db, "olly.other") == []


def test_the_area_level_adds_the_broad_area_but_never_the_need(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    _set_detail(db, school["school"], "area")
    _send(db, clock)
    [(_, message)] = _mailbox(db, "tia.teacher")
    assert message.bullets == (
        "J.S., Year 8, 8RW: now on SEN support (area of need: communication and interaction)",
        "A.B., Year 9, 9KT: now has an EHC plan (area of need: communication and interaction)",
        "N.J., Year 7, 7LM: is no longer on the SEN register",
    )
    for shown in _everywhere(message):
        for secret in NEVER_IN_CHAT:
            assert secret not in shown, secret


def test_the_count_level_says_how_many_and_links_to_the_list(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    _set_detail(db, school["school"], "count")
    _send(db, clock)
    [(_, message)] = _mailbox(db, "tia.teacher")
    assert message.lines[0] == "3 pupils you teach have a change on the SEN register."
    assert message.bullets == () and message.buttons == ()
    assert message.link is not None and message.link.url == f"{BASE}/alerts/{school['alert']}"
    for shown in _everywhere(message):
        for secret in (*NEVER_IN_CHAT, "J.S.", "8RW", "Year 8", "EHC"):
            assert secret not in shown, secret


def test_one_pupil_links_to_their_page_with_one_button(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    def one_pupil(s: Session) -> int:
        school_row = s.get(School, school["school"])
        person = s.get(Staff, school["olly"])
        pupil = s.get(Pupil, school["jamie"])
        run = factories.register_import(s, school_row, NOW.replace(hour=8))  # type: ignore[arg-type]
        change = factories.register_change(s, run, pupil, "need_changed", old_need="MLD")  # type: ignore[arg-type]
        _, [read] = factories.profile_alert(s, run, person, [change])  # type: ignore[arg-type]
        return read.id  # type: ignore[return-value]

    read_id = db.work(one_pupil)
    _send(db, clock)
    [(_, message)] = _mailbox(db, "olly.other")
    assert message.bullets == ("J.S., Year 8, 8RW: has a new primary need",)
    assert message.link is not None and message.link.url == f"{BASE}/pupils/{school['jamie']}"
    assert [(b.label, b.value) for b in message.buttons] == [
        ("I've read the profile", str(read_id))
    ]
    for shown in _everywhere(message):
        for secret in (*NEVER_IN_CHAT, "MLD", "Moderate"):
            assert secret not in shown, secret


def _press(db: Database, clock: FixedClock, who: str, value: str, message_id: int):  # type: ignore[no-untyped-def]
    inbound = Inbound(db, {"local": LocalChat(db, clock)}, clock, base_url=BASE)
    ref = MessageRef("local", {"id": message_id})
    interaction = Interaction("local", f"{who}@oakhill.example", "profile.read", value, ref)
    return asyncio.run(inbound.handle(interaction))


def _reads(db: Database) -> dict[int, tuple[datetime | None, str]]:
    return {
        r.id: (r.read_at, r.read_via)  # type: ignore[misc]
        for r in db.work(lambda s: s.exec(select(ProfileRead)).all())
    }


def test_the_first_press_counts_and_the_card_shows_it(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    _send(db, clock)
    [(message_id, _)] = _mailbox(db, "tia.teacher")
    first = _press(db, clock, "tia.teacher", str(school["read_1"]), message_id)
    assert first.notice == "Thanks: recorded that you have read the profile."
    assert _reads(db)[school["read_1"]] == (NOW, "chat")
    assert _reads(db)[school["read_0"]] == (None, "")
    [(_, card)] = _mailbox(db, "tia.teacher")
    assert card.bullets[1] == "A.B., Year 9, 9KT: now has an EHC plan – read ✓"
    assert [b.value for b in card.buttons] == [str(school["read_0"]), str(school["read_2"])]
    assert card.link is not None and card.link.url.startswith(BASE)
    # A second press, later: polite, and the first time stays.
    clock.moment = NOW.replace(hour=11)
    again = _press(db, clock, "tia.teacher", str(school["read_1"]), message_id)
    assert "already" in again.notice
    assert _reads(db)[school["read_1"]] == (NOW, "chat")
    # Pressing the rest: the card thanks them and has no buttons left.
    _press(db, clock, "tia.teacher", str(school["read_0"]), message_id)
    _press(db, clock, "tia.teacher", str(school["read_2"]), message_id)
    [(_, card)] = _mailbox(db, "tia.teacher")
    assert card.buttons == () and "read every profile" in card.lines[0]


def test_presses_that_are_not_yours_damaged_or_on_an_erased_pupil_change_nothing(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    _send(db, clock)
    [(message_id, _)] = _mailbox(db, "tia.teacher")
    before = _reads(db)
    other = _press(db, clock, "olly.other", str(school["read_0"]), message_id)
    assert other.notice == "This alert was not sent to you, so your press was not recorded."
    assert "damaged" in _press(db, clock, "tia.teacher", "1; drop table", message_id).notice
    assert "not sent to you" in _press(db, clock, "tia.teacher", "99999999", message_id).notice

    def erase(s: Session) -> None:
        pupil = s.get(Pupil, school["noah"])
        pupil.legal_first = pupil.legal_last = pupil.upn = ""
        pupil.erased_at = NOW
        s.add(pupil)

    db.work(erase)
    erased = _press(db, clock, "tia.teacher", str(school["read_2"]), message_id)
    assert "removed under the school's retention policy" in erased.notice
    assert _reads(db) == before


def test_an_alert_with_nothing_left_to_read_or_for_someone_who_left_does_not_go(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    render = RENDERERS[ALERT]
    assert db.work(lambda s: render(s, {school["alert"]}))[school["alert"]] is not None

    def read_all(s: Session) -> None:
        for read in s.exec(select(ProfileRead)).all():
            read.read_at, read.read_via = NOW, "web"
            s.add(read)

    db.work(read_all)
    assert db.work(lambda s: render(s, {school["alert"]})) == {school["alert"]: None}
    assert db.work(lambda s: RENDERERS[ALERT_REMINDER](s, {school["alert"]})) == {
        school["alert"]: None
    }
    assert _send(db, clock) == {"cancelled": 1}
    assert _mailbox(db, "tia.teacher") == []


def test_an_alert_for_someone_who_has_left_is_not_rendered(
    db: Database, school: dict[str, int]
) -> None:
    def leave(s: Session) -> None:
        person = s.get(Staff, school["tia"])
        person.active = False
        s.add(person)

    db.work(leave)
    assert db.work(lambda s: RENDERERS[ALERT](s, {school["alert"]})) == {school["alert"]: None}


def _sent_on(db: Database, alert_id: int, moment: datetime) -> None:
    def sent(s: Session) -> None:
        alert = s.get(ProfileAlert, alert_id)
        alert.sent_at = moment
        s.add(alert)
        delivery = s.exec(select(Delivery).where(Delivery.subject_id == alert_id)).one()
        delivery.status, delivery.sent_at = "sent", moment
        s.add(delivery)

    db.work(sent)


def _reminders(db: Database) -> list[Delivery]:
    return db.work(lambda s: s.exec(select(Delivery).where(Delivery.kind == ALERT_REMINDER)).all())


def test_one_reminder_after_three_school_days_only_for_the_unread(
    db: Database, school: dict[str, int]
) -> None:
    # Sent on Friday 6 November; Monday, Tuesday and Wednesday are its three school days.
    friday = datetime(2026, 11, 6, 9, 0, tzinfo=UTC)
    _sent_on(db, school["alert"], friday)

    def second_alert_all_read(s: Session) -> int:
        school_row = s.get(School, school["school"])
        run = factories.register_import(s, school_row, friday.replace(hour=7))  # type: ignore[arg-type]
        change = factories.register_change(s, run, s.get(Pupil, school["ava"]), "need_changed")  # type: ignore[arg-type]
        alert, [read] = factories.profile_alert(
            s,
            run,
            s.get(Staff, school["olly"]),
            [change],
            sent_at=friday,  # type: ignore[arg-type]
        )
        read.read_at, read.read_via = friday.replace(hour=10), "chat"
        s.add(read)
        return alert.id  # type: ignore[return-value]

    db.work(second_alert_all_read)
    plan = lambda now: db.work(lambda s: plan_register_reminders(s, now, "local"))  # noqa: E731
    # The weekend does not count: on Tuesday only two school days have gone by.
    assert plan(datetime(2026, 11, 8, 10, 0, tzinfo=UTC)) == 0
    assert plan(datetime(2026, 11, 10, 15, 0, tzinfo=UTC)) == 0
    wednesday = datetime(2026, 11, 11, 6, 0, tzinfo=UTC)
    assert plan(wednesday) == 1
    [reminder] = _reminders(db)
    assert (reminder.subject_id, reminder.staff_id) == (school["alert"], school["tia"])
    # At the person's next sending moment: 07:30 in London, inside the window.
    assert reminder.not_before == datetime(2026, 11, 11, 7, 30, tzinfo=UTC)
    assert reminder.idempotency_key == f"{ALERT_REMINDER}:{school['alert']}:{school['tia']}"
    # Only one reminder ever, however often the planner runs.
    assert plan(wednesday) == 0
    assert plan(datetime(2026, 11, 20, 10, 0, tzinfo=UTC)) == 0
    assert len(_reminders(db)) == 1


def test_half_term_does_not_count_towards_the_reminder(
    db: Database, school: dict[str, int]
) -> None:
    # Sent on Thursday 22 October; Autumn 1 ends on Friday 23, half term until Sunday 1 Nov.
    _sent_on(db, school["alert"], datetime(2026, 10, 22, 9, 0, tzinfo=UTC))
    plan = lambda now: db.work(lambda s: plan_register_reminders(s, now, "local"))  # noqa: E731
    assert plan(datetime(2026, 10, 30, 10, 0, tzinfo=UTC)) == 0  # 1 school day (Friday 23)
    assert plan(datetime(2026, 11, 2, 10, 0, tzinfo=UTC)) == 0  # 2
    assert plan(datetime(2026, 11, 3, 10, 0, tzinfo=UTC)) == 1  # 3


def test_the_reminder_names_only_the_unread_and_is_recorded_once_sent(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    _send(db, clock)
    [(message_id, _)] = _mailbox(db, "tia.teacher")
    _press(db, clock, "tia.teacher", str(school["read_0"]), message_id)
    clock.moment = datetime(2026, 11, 6, 10, 0, tzinfo=UTC)  # Tue 3 + 3 school days
    assert db.work(lambda s: plan_register_reminders(s, clock.now(), "local")) == 1
    assert _send(db, clock) == {"sent": 1}
    reminder = next(m for _, m in _mailbox(db, "tia.teacher") if m.title.startswith("Reminder"))
    assert reminder.bullets == (
        "A.B., Year 9, 9KT: now has an EHC plan",
        "N.J., Year 7, 7LM: is no longer on the SEN register",
    )
    assert [b.value for b in reminder.buttons] == [str(school["read_1"]), str(school["read_2"])]
    assert db.work(lambda s: s.get(ProfileAlert, school["alert"]).reminded_at) == clock.now()


def test_the_ticker_plans_register_reminders(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    _sent_on(db, school["alert"], datetime(2026, 10, 21, 9, 0, tzinfo=UTC))
    url = db.engine.url.render_as_string(hide_password=False)
    sendbot = sendbot_for(url, clock)
    planned = asyncio.run(sendbot.ticker.plan())
    assert len(_reminders(db)) == 1
    # The SENDCO's weekly digest is planned on the same tick; nothing else is.
    digests = db.work(lambda s: s.exec(select(Delivery).where(Delivery.kind == "digest")).all())
    assert planned == 1 + len(digests)
    sendbot.db.dispose()
