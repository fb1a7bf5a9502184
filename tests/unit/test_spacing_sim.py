"""The spacing simulation's pieces, at tiny sizes: memory, quiz days, policies, determinism."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.calendar import Availability, DateRange, SchoolCalendar, england_bank_holidays
from tests.bench import spacing_sim as sim
from tests.bench.spacing_sim import (
    MAKERS,
    Memory,
    MemoryModel,
    QstreamPolicy,
    demo_calendar,
    quiz_days,
    run_seed,
    school_year,
)

MODEL = MemoryModel()
DAY = date(2026, 9, 3)


class Always:
    """A stand-in for random.Random whose draw makes every answer right (0.0) or wrong (~1)."""

    def __init__(self, draw: float) -> None:
        self.draw = draw

    def random(self) -> float:
        return self.draw


RIGHT, WRONG = Always(0.0), Always(0.999999)


def memory(stability: float = 10.0, floor: float = 5.0) -> Memory:
    """A memory last refreshed on DAY."""
    return Memory(model=MODEL, floor=floor, stability=stability, last_seen=DAY)


@pytest.fixture(scope="module")
def calendar() -> SchoolCalendar:
    """The demo school's year, read once."""
    return demo_calendar()


def test_memory_forgets_over_time() -> None:
    held = memory()
    chances = [held.recall(DAY + timedelta(days=n)) for n in (0, 1, 10, 60)]
    assert chances[0] == 1.0
    assert chances == sorted(chances, reverse=True) and chances[-1] < 0.01


def test_a_right_answer_strengthens_memory_and_a_harder_one_more() -> None:
    soon, late = memory(), memory()
    soon.answer(DAY + timedelta(days=1), RIGHT)
    late.answer(DAY + timedelta(days=20), RIGHT)
    assert 10.0 < soon.stability < late.stability
    # Stabler memory forgets more slowly: a week after, the later-reviewed one holds better.
    assert late.recall(DAY + timedelta(days=27)) > soon.recall(DAY + timedelta(days=8))


def test_a_wrong_answer_shrinks_stability_but_not_below_the_floor() -> None:
    held = memory(stability=40.0, floor=15.0)
    assert held.answer(DAY + timedelta(days=5), WRONG) is False
    assert held.stability == 20.0
    held.answer(DAY + timedelta(days=6), WRONG)
    assert held.stability == 15.0 and held.last_seen == DAY + timedelta(days=6)


def test_quiz_days_are_school_tuesdays_and_thursdays(calendar: SchoolCalendar) -> None:
    first, last = school_year(calendar)
    days = quiz_days(calendar, Availability(), first, last)
    assert {d.isoweekday() for d in days} == {2, 4}
    # Tuesday 1 September is an INSET day; Thursday 3 September is the first quiz day.
    assert days[0] == date(2026, 9, 3)
    assert not [d for d in days if date(2026, 10, 24) <= d <= date(2026, 11, 1)]  # half term
    assert not [d for d in days if date(2026, 12, 19) <= d <= date(2027, 1, 4)]  # Christmas
    assert days[-1] <= date(2027, 7, 21)


def test_quiz_days_skip_bank_holidays() -> None:
    # Boxing Day 2028 is a Tuesday; a term over it shows it is skipped.
    term = DateRange(date(2028, 12, 18), date(2028, 12, 29))
    calendar = SchoolCalendar(
        timezone=ZoneInfo("Europe/London"),
        window_start=time(8),
        window_end=time(17),
        terms=(term,),
        bank_holidays=england_bank_holidays([2028]),
    )
    days = quiz_days(calendar, Availability(), term.first, term.last)
    assert date(2028, 12, 26) not in days
    assert days == [date(2028, 12, 19), date(2028, 12, 21), date(2028, 12, 28)]


def test_a_part_timer_is_quizzed_only_on_their_working_days(calendar: SchoolCalendar) -> None:
    first, last = school_year(calendar)
    thursday_friday = Availability(working_days=frozenset({4, 5}))
    days = quiz_days(calendar, thursday_friday, first, last)
    assert days and {d.isoweekday() for d in days} == {4}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_every_policy_fills_every_round_from_a_small_bank(
    name: str, calendar: SchoolCalendar
) -> None:
    policy = MAKERS[name](4)
    first, last = school_year(calendar)
    for n, day in enumerate(quiz_days(calendar, Availability(), first, last)[:30]):
        chosen, _early = policy.pick(day, 3)
        assert len(chosen) == 3 == len(set(chosen)) and set(chosen) <= set(range(4))
        for question in chosen:
            policy.record(question, day, correct=(n + question) % 3 != 0)


def test_every_policy_sends_each_person_the_same_number(calendar: SchoolCalendar) -> None:
    population = sim.draw_population(sim.random.Random(7), 8, 10)
    first, last = school_year(calendar)
    expected = [
        sim.PER_QUIZ_DAY * len(quiz_days(calendar, p.availability, first, last))
        for p in population.people
    ]
    for name in sim.POLICIES:
        assert sim.simulate(name, population, calendar, 7, MODEL).sent == expected


def test_qstream_brings_a_wrong_answer_back_after_12_days_and_retires_two_right() -> None:
    policy = QstreamPolicy(3)
    policy.record(0, DAY, correct=False)
    assert policy.due[0] == DAY + timedelta(days=12)
    policy.record(1, DAY, correct=True)
    policy.record(1, DAY + timedelta(days=24), correct=True)
    assert 1 in policy.retired
    chosen, early = policy.pick(DAY + timedelta(days=30), 2)
    assert chosen == [0, 2] and early == 0  # overdue first, then new; the retired one waits


def test_fsrs_asks_a_due_review_before_a_new_question() -> None:
    policy = MAKERS["FSRS"](5)
    policy.record(3, DAY, correct=True)
    chosen, _early = policy.pick(DAY + timedelta(days=30), 2)
    assert chosen == [3, 0]


def test_results_are_deterministic_for_a_seed(calendar: SchoolCalendar) -> None:
    def figures(seed: int) -> dict[str, tuple[list[float], int, list[int]]]:
        runs = run_seed(seed, calendar, staff=4, questions=8)
        return {n: (o.final_recall, o.correct, o.sent) for n, o in runs.items()}

    assert figures(3) == figures(3)
    assert figures(3) != figures(4)


def test_section_has_a_row_per_policy_and_per_assumption(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sim, "STAFF", 3)
    monkeypatch.setattr(sim, "QUESTIONS", 6)
    monkeypatch.setattr(sim, "SEEDS", 1)
    monkeypatch.setattr(sim, "VARIANTS", {"larger gain (8)": MemoryModel(gain=8.0)})
    text = sim.section()
    assert text.startswith("## Spacing simulation: 3 staff, a 6-question bank")
    for row in ("| FSRS |", "| Qstream |", "| Rotation |", "| as above |", "| larger gain (8) |"):
        assert row in text
    assert "FSRS / Rotation, recalled on the last day: **" in text
