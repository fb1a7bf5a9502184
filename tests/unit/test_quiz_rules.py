"""Pure quiz rules: who has a round when, which questions they get, how answers are spaced."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.calendar import Availability, DateRange, SchoolCalendar, england_bank_holidays
from bot.domain.quiz import Area, QuestionDraft, check_question, is_correct
from bot.domain.rounds import has_round_on, school_days_since
from bot.domain.selection import Candidate, choose_questions
from bot.domain.spacing import SpacingPolicy, new_card, retrievability, review

CALENDAR = SchoolCalendar(
    timezone=ZoneInfo("Europe/London"),
    window_start=time(7, 30),
    window_end=time(16, 30),
    terms=(
        DateRange(date(2026, 9, 2), date(2026, 10, 23)),
        DateRange(date(2026, 11, 2), date(2026, 12, 18)),
    ),
    bank_holidays=england_bank_holidays([2026, 2027]),
)
TUE_THU = frozenset({2, 4})
FULL_TIME = Availability()
NOW = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)


def test_full_time_staff_have_rounds_on_quiz_days_only() -> None:
    week = [date(2026, 11, 2) + timedelta(days=n) for n in range(5)]
    assert [has_round_on(CALENDAR, FULL_TIME, TUE_THU, d) for d in week] == [
        False,
        True,
        False,
        True,
        False,
    ]


def test_a_part_timer_gets_the_missed_round_on_their_next_working_day_once() -> None:
    monday_and_friday = Availability(working_days=frozenset({1, 5}))
    week = [date(2026, 11, 2) + timedelta(days=n) for n in range(12)]
    days = [d for d in week if has_round_on(CALENDAR, monday_and_friday, TUE_THU, d)]
    # Tue and Thu are collapsed into one round on Friday; the next week's Monday has none.
    assert days == [date(2026, 11, 6), date(2026, 11, 13)]


def test_quiz_days_in_half_term_do_not_carry_over() -> None:
    # Half term 26-30 October: the first day back (Mon 2 Nov) has no round.
    assert not has_round_on(CALENDAR, FULL_TIME, TUE_THU, date(2026, 11, 2))


def test_school_days_since_skips_weekends() -> None:
    assert school_days_since(CALENDAR, date(2026, 11, 5), date(2026, 11, 10)) == 3


def candidates(*specs: tuple[int, str, datetime | None, float]) -> list[Candidate]:
    return [Candidate(qid, frozenset({tag}), due, recall) for qid, tag, due, recall in specs]


def test_due_questions_come_first_most_forgotten_first_then_focus_then_others() -> None:
    pool = candidates(
        (1, "parents", None, 1.0),
        (2, "ehcp", None, 1.0),
        (3, "parents", NOW - timedelta(days=1), 0.85),
        (4, "ehcp", NOW - timedelta(days=9), 0.60),
        (5, "ehcp", NOW + timedelta(days=3), 0.95),
    )
    assert choose_questions(pool, frozenset({"ehcp"}), 3, NOW) == [4, 3, 2]
    assert choose_questions(pool, frozenset({"ehcp"}), 2, NOW) == [4, 3]
    # With a slot kept for new questions: one due review, then the focus topic's new one.
    assert choose_questions(pool, frozenset({"ehcp"}), 2, NOW, new_at_least=1) == [4, 2]
    assert choose_questions(pool, frozenset({"ehcp"}), 10, NOW) == [4, 3, 2, 1]


def test_when_no_new_question_is_left_reviews_fill_the_round() -> None:
    pool = candidates(*[(n, "t", NOW - timedelta(days=n), 0.5 + n / 100) for n in range(1, 6)])
    assert choose_questions(pool, frozenset(), 3, NOW) == [1, 2, 3]


def test_a_long_break_never_piles_up_more_than_the_cap() -> None:
    overdue = candidates(*[(n, "t", NOW - timedelta(days=30 + n), 0.5) for n in range(40)])
    assert len(choose_questions(overdue, frozenset(), 3, NOW)) == 3


def test_a_wrong_answer_comes_back_sooner_than_a_right_one() -> None:
    policy = SpacingPolicy()
    card = new_card(1, NOW)
    right, right_due = review(policy, card, True, NOW)
    wrong, wrong_due = review(policy, card, False, NOW)
    assert wrong_due < right_due
    # Two right answers: the interval grows.
    _again, later_due = review(policy, right, True, right_due)
    assert later_due - right_due > right_due - NOW
    assert 0 < retrievability(policy, wrong, NOW + timedelta(days=5)) < 1


def test_intervals_are_capped() -> None:
    policy = SpacingPolicy(maximum_interval_days=30)
    card, due = new_card(1, NOW), NOW
    for _ in range(12):
        card, new_due = review(policy, card, True, due)
        assert new_due - due <= timedelta(days=30)
        due = new_due


def test_spacing_refuses_naive_times() -> None:
    with pytest.raises(ValueError):
        new_card(1, datetime(2026, 11, 3, 10, 0))


def draft(**changes: object) -> QuestionDraft:
    base = {
        "qid": "cop-cycle",
        "prompt": "What cycle does SEN support follow?",
        "options": ("Assess, plan, do, review", "Refer and wait"),
        "correct": frozenset({0}),
        "explanation": "The graduated approach: assess, plan, do, review.",
        "area": Area.GENERAL,
        "source": "SEND Code of Practice 6.44",
    }
    return QuestionDraft(**(base | changes))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"qid": "Bad Id"}, "id"),
        ({"prompt": " "}, "prompt"),
        ({"options": ("Only one",)}, "options"),
        ({"correct": frozenset()}, "answer"),
        ({"correct": frozenset({4})}, "answer"),
        ({"correct": frozenset({0, 1})}, "answer"),
        ({"explanation": "x" * 301}, "explanation"),
        ({"source": ""}, "source"),
        ({"options": ("Same", "same")}, "options"),
    ],
)
def test_question_checks_name_the_field(changes: dict[str, object], field: str) -> None:
    problems = check_question(draft(**changes))
    assert problems and problems[0].field == field


def test_a_good_question_has_no_problems_and_multi_select_needs_every_right_option() -> None:
    assert check_question(draft()) == []
    assert (
        check_question(draft(correct=frozenset({0, 1}), options=("a", "b", "c"), multi=True)) == []
    )
    assert is_correct(frozenset({0, 2}), frozenset({0, 2}))
    assert not is_correct(frozenset({0, 2}), frozenset({0}))
    assert not is_correct(frozenset({0}), frozenset())


def test_rewording_changes_the_content_hash_but_retagging_does_not() -> None:
    assert draft().content_hash != draft(prompt="Which cycle?").content_hash
    assert draft().content_hash == draft(tags=("graduated",)).content_hash
