"""A quiz round on both engines: planned once, sent, answered once, reminded, closed."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from bot.chat.local.adapter import LocalChat
from bot.domain.quiz import Area, QuestionDraft
from bot.services.answers import answer_question
from bot.services.chat_port import Interaction, MessageRef
from bot.services.clock import FixedClock
from bot.services.dispatcher import Dispatcher, DispatchPolicy
from bot.services.inbound import Inbound
from bot.services.question_bank import save_questions
from bot.services.quiz_housekeeping import QuizHousekeeping
from bot.services.rounds import plan_rounds
from bot.storage.database import Database
from bot.storage.outbox import Delivery
from bot.storage.quiz import MemoryState, Question, QuizItem, QuizRound
from bot.storage.staff import Staff
from tests import factories

TUESDAY = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def drafts() -> list[QuestionDraft]:
    made = [
        QuestionDraft(
            qid=f"q-{n}",
            prompt=f"Question {n}?",
            options=("Right", "Wrong", "Also wrong"),
            correct=frozenset({0}),
            explanation=f"Because {n}.",
            area=Area.GENERAL,
            source="SEND Code of Practice 6.44",
        )
        for n in range(1, 6)
    ]
    made.append(
        QuestionDraft(
            qid="q-ta",
            prompt="For teaching assistants only?",
            options=("Yes", "No"),
            correct=frozenset({0}),
            explanation="Aimed at TAs.",
            area=Area.GENERAL,
            source="EEF 2020",
            audience=("teaching_assistant",),
        )
    )
    made.append(
        QuestionDraft(
            qid="q-multi",
            prompt="Tick both?",
            options=("One", "Two", "Three"),
            correct=frozenset({0, 2}),
            explanation="One and three.",
            area=Area.GENERAL,
            source="EEF 2020",
            multi=True,
        )
    )
    return made


def setup(db: Database, clock: FixedClock) -> dict[str, int]:
    def make(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        ids = {
            "ann": factories.person(s, school, "Ann Teacher").id,
            "bob": factories.person(s, school, "Bob Teacher").id,
            "wed": factories.person(
                s, school, "Wendy Ta", job_role="teaching_assistant", working_days="3"
            ).id,
        }
        save_questions(s, school.id, drafts(), clock.now())
        return ids

    return db.work(make)


def wire(db: Database, clock: FixedClock) -> tuple[LocalChat, Dispatcher, Inbound]:
    local = LocalChat(db, clock)
    ports = {"local": local}
    return local, Dispatcher(db, ports, clock, DispatchPolicy(), "t"), Inbound(db, ports, clock)


def items_of(db: Database, staff_id: int) -> list[QuizItem]:
    return db.work(
        lambda s: s.exec(
            select(QuizItem).where(QuizItem.staff_id == staff_id).order_by(QuizItem.id)
        ).all()
    )


def test_a_round_goes_out_once_and_each_person_gets_the_cap(db: Database) -> None:
    clock = FixedClock(TUESDAY)
    ids = setup(db, clock)
    assert db.work(lambda s: plan_rounds(s, clock.now(), "local")) == 6
    assert db.work(lambda s: plan_rounds(s, clock.now(), "local")) == 0
    ann = items_of(db, ids["ann"])
    assert [i.position for i in ann] == [1, 2, 3]
    assert len({i.question_id for i in ann}) == 3
    assert items_of(db, ids["wed"]) == []  # Wendy works Wednesdays only

    clock.moment = TUESDAY + timedelta(days=1)
    assert db.work(lambda s: plan_rounds(s, clock.now(), "local")) == 3
    wendy_questions = {i.question_id for i in items_of(db, ids["wed"])}
    teacher_questions = {i.question_id for i in ann}
    # Teachers never get the TA-only question.
    ta_only = db.work(lambda s: s.exec(select(Question.id).where(Question.qid == "q-ta")).one())
    assert ta_only not in teacher_questions
    assert len(wendy_questions) == 3


def test_first_answer_counts_and_wrong_answers_come_back_sooner(db: Database) -> None:
    clock = FixedClock(TUESDAY)
    ids = setup(db, clock)
    local, dispatcher, inbound = wire(db, clock)
    db.work(lambda s: plan_rounds(s, clock.now(), "local"))
    assert asyncio.run(dispatcher.drain()).sent == 6
    ann_email = "ann.teacher@oakhill.example"
    cards = list(reversed(db.work(lambda s: local.mailbox(s, ann_email))))
    assert [c.message.title for c in cards] == [f"SEND quiz: question {n}" for n in (1, 2, 3)]
    first, second = cards[0], cards[1]
    assert all(i.status == "sent" for i in items_of(db, ids["ann"]))

    clock.moment += timedelta(seconds=42)
    right = first.message.buttons[0].value
    outcome = asyncio.run(
        inbound.handle(
            Interaction(
                "local", ann_email, "quiz.answer", right, MessageRef("local", {"id": first.id})
            )
        )
    )
    assert outcome.notice == "Answer recorded."
    shown = db.work(lambda s: local.mailbox(s, ann_email))
    answered = next(c for c in shown if c.id == first.id).message
    assert answered.title.startswith("✓ Right") and answered.buttons == ()
    assert any(line.startswith("Because") for line in answered.lines)
    assert answered.footer == "Source: SEND Code of Practice 6.44"

    wrong = second.message.buttons[1].value
    asyncio.run(
        inbound.handle(
            Interaction(
                "local", ann_email, "quiz.answer", wrong, MessageRef("local", {"id": second.id})
            )
        )
    )
    again = asyncio.run(
        inbound.handle(
            Interaction(
                "local", ann_email, "quiz.answer", right, MessageRef("local", {"id": first.id})
            )
        )
    )
    assert "first answer is the one that counts" in again.notice

    items = items_of(db, ids["ann"])
    assert [(i.status, i.correct, i.seconds_taken) for i in items[:2]] == [
        ("answered", True, 42),
        ("answered", False, 42),
    ]
    states = db.work(
        lambda s: s.exec(select(MemoryState).where(MemoryState.staff_id == ids["ann"])).all()
    )
    due = {s.question_id: s.due for s in states}
    assert due[items[1].question_id] < due[items[0].question_id]
    assert {s.lapses for s in states} == {0, 1}


def test_presses_by_others_and_tampered_values_change_nothing(db: Database) -> None:
    clock = FixedClock(TUESDAY)
    ids = setup(db, clock)
    _local, dispatcher, inbound = wire(db, clock)
    db.work(lambda s: plan_rounds(s, clock.now(), "local"))
    asyncio.run(dispatcher.drain())
    ann_item = items_of(db, ids["ann"])[0].id
    bob = "bob.teacher@oakhill.example"
    by_bob = asyncio.run(inbound.handle(Interaction("local", bob, "quiz.answer", f"{ann_item}:0")))
    assert "not sent to you" in by_bob.notice
    ann = "ann.teacher@oakhill.example"
    for tampered in (
        f"{ann_item}:9",
        "x:0",
        f"{ann_item}:0,1",
        "",
        f"{ann_item}:-1",
    ):
        outcome = asyncio.run(inbound.handle(Interaction("local", ann, "quiz.answer", tampered)))
        assert "damaged" in outcome.notice, tampered
    nothing_ticked = asyncio.run(
        inbound.handle(Interaction("local", ann, "quiz.answer", f"{ann_item}:"))
    )
    assert nothing_ticked.notice == "Tick at least one answer, then press Submit."
    assert all(i.status == "sent" for i in items_of(db, ids["ann"]))


def test_multi_select_needs_every_right_option(db: Database) -> None:
    clock = FixedClock(TUESDAY)

    def make(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        person = factories.person(s, school, "Mia Multi")
        save_questions(s, school.id, [d for d in drafts() if d.qid == "q-multi"], clock.now())
        return person

    person = db.work(make)
    _local, dispatcher, _inbound = wire(db, clock)
    db.work(lambda s: plan_rounds(s, clock.now(), "local"))
    asyncio.run(dispatcher.drain())
    item = items_of(db, person.id)[0]

    def answer(value: str):  # type: ignore[no-untyped-def]
        return db.work(lambda s: answer_question(s, s.get(Staff, person.id), value, clock.now()))

    outcome = answer(f"{item.id}:0,2")
    assert outcome.updated.title.startswith("✓ Right")
    assert items_of(db, person.id)[0].chosen == [0, 2]


def test_one_reminder_after_two_school_days_then_the_question_closes(db: Database) -> None:
    clock = FixedClock(TUESDAY)
    ids = setup(db, clock)
    local, dispatcher, inbound = wire(db, clock)
    housekeeping = QuizHousekeeping(db, {"local": local}, clock, "local")
    db.work(lambda s: plan_rounds(s, clock.now(), "local"))
    asyncio.run(dispatcher.drain())

    clock.moment = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)  # one school day later
    assert asyncio.run(housekeeping.run()).reminders == 0
    clock.moment = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)  # two
    assert asyncio.run(housekeeping.run()).reminders == 6
    assert asyncio.run(housekeeping.run()).reminders == 0
    report = asyncio.run(dispatcher.drain())
    assert report.counts.get("sent") == 6  # the reminders (Thursday's round is not planned here)
    ann = "ann.teacher@oakhill.example"
    newest = db.work(lambda s: local.mailbox(s, ann))[0].message
    assert newest.lines[0].startswith("Reminder")

    clock.moment = datetime(2026, 11, 10, 17, 0, tzinfo=UTC)  # five school days after Tuesday
    closed = asyncio.run(housekeeping.run())
    assert len(closed.closed) == 6
    assert all(i.status == "expired" for i in items_of(db, ids["ann"]))
    late = asyncio.run(
        inbound.handle(Interaction("local", ann, "quiz.answer", newest.buttons[0].value))
    )
    assert "closed" in late.notice
    originals = [
        m.message
        for m in db.work(lambda s: local.mailbox(s, ann))
        if not m.message.lines[0].startswith("Reminder")
    ]
    assert all(m.title.startswith("Closed") for m in originals)
    statuses = db.work(lambda s: s.exec(select(Delivery.kind, Delivery.status)).all())
    assert ("question_reminder", "sent") in statuses


def test_a_pause_over_a_break_never_brings_more_than_the_cap(db: Database) -> None:
    clock = FixedClock(TUESDAY)
    ids = setup(db, clock)
    _local, dispatcher, inbound = wire(db, clock)
    db.work(lambda s: plan_rounds(s, clock.now(), "local"))
    asyncio.run(dispatcher.drain())
    ann = "ann.teacher@oakhill.example"
    for item in items_of(db, ids["ann"]):
        asyncio.run(inbound.handle(Interaction("local", ann, "quiz.answer", f"{item.id}:1")))

    def pause(s):  # type: ignore[no-untyped-def]
        person = s.get(Staff, ids["ann"])
        person.paused_until = date(2026, 12, 4)
        s.add(person)

    db.work(pause)
    for day in range(1, 38):
        clock.moment = TUESDAY + timedelta(days=day)
        db.work(lambda s: plan_rounds(s, clock.now(), "local"))
    per_round: dict[int, int] = {}
    for item in items_of(db, ids["ann"]):
        per_round[item.round_id] = per_round.get(item.round_id, 0) + 1
    assert max(per_round.values()) <= 3
    days = db.work(lambda s: sorted(s.get(QuizRound, round_id).held_on for round_id in per_round))
    # Back on Monday 7 December: one round for all the quiz days missed, then Tuesday's as usual.
    assert days == [date(2026, 11, 3), date(2026, 12, 7), date(2026, 12, 8)]
