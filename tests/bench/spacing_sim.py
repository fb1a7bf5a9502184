"""Benchmark: simulated staff over one school year, three ways of choosing their quiz questions.

Each simulated person is sent the same number of questions under every policy (FSRS selection,
Qstream-style, a fixed rotation); a memory model that is NOT FSRS's own decides whether each
answer is right, and how much of the bank each person still recalls on the last day of the year.
`make bench` runs it with the others (tests/bench/__main__.py); run it alone with
`python -m tests.bench.spacing_sim`.
"""

from __future__ import annotations

import math
import os
import random
import statistics
import time as clock
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.content.calendar_file import load_calendar_file
from bot.domain.calendar import (
    Availability,
    DateRange,
    SchoolCalendar,
    england_bank_holidays,
    is_sending_day,
)
from bot.domain.selection import Candidate, choose_questions
from bot.domain.spacing import SpacingPolicy, new_card, retrievability, review

STAFF = int(os.environ.get("SENDBOT_SIM_STAFF", "200"))
QUESTIONS = int(os.environ.get("SENDBOT_SIM_QUESTIONS", "60"))
SEEDS = int(os.environ.get("SENDBOT_SIM_SEEDS", "3"))
PER_QUIZ_DAY = 3
QUIZ_WEEKDAYS = frozenset({2, 4})  # Tuesday and Thursday
PART_TIME_SHARE = 0.25
# Common part-time patterns; each includes a quiz day, since a person who works neither Tuesday
# nor Thursday is sent nothing and would tell us nothing about the policies.
PART_TIME_PATTERNS = ({1, 2, 3}, {3, 4, 5}, {1, 2}, {4, 5}, {2, 3, 4}, {1, 4, 5})

# How people and questions differ (sigma of the log-normal factors on every stability).
ABILITY_SPREAD = 0.35
EASE_SPREAD = 0.5

# Qstream-style spacing (Kerfoot): wrong back after 12 days, right after 24, retired at 2 in a row.
QSTREAM_WRONG_DAYS = 12
QSTREAM_RIGHT_DAYS = 24
QSTREAM_RETIRE_STREAK = 2

ROOT = Path(__file__).resolve().parents[2]
DEMO_CALENDAR = ROOT / "demo" / "calendar.yaml"
LONDON = ZoneInfo("Europe/London")
POLICIES = ("FSRS", "Qstream", "Rotation")


# --- the calendar -------------------------------------------------------------------------


def demo_calendar(path: Path = DEMO_CALENDAR) -> SchoolCalendar:
    """The demo school's year: its terms and closures, and England's bank holidays."""
    loaded = load_calendar_file(path)
    years = {t.first.year for t in loaded.terms} | {t.last.year for t in loaded.terms}
    return SchoolCalendar(
        timezone=LONDON,
        window_start=time(8, 0),
        window_end=time(17, 0),
        terms=tuple(DateRange(t.first, t.last) for t in loaded.terms),
        closures=tuple(DateRange(c.first, c.last) for c in loaded.closures),
        bank_holidays=england_bank_holidays(years),
    )


def school_year(calendar: SchoolCalendar) -> tuple[date, date]:
    """The first and last day of the calendar's terms."""
    return min(t.first for t in calendar.terms), max(t.last for t in calendar.terms)


def quiz_days(
    calendar: SchoolCalendar, person: Availability, first: date, last: date
) -> list[date]:
    """The Tuesdays and Thursdays on which the school is open and this person works."""
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [
        d for d in days if d.isoweekday() in QUIZ_WEEKDAYS and is_sending_day(calendar, person, d)
    ]


def moment(day: date) -> datetime:
    """The sending moment on a day, for FSRS.

    Noon UTC every day, so the clock changes never make a card due at 09:00 one day look
    not yet due at 09:00 on a later one.
    """
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


# --- the simulated people and their memory --------------------------------------------------


@dataclass(frozen=True)
class Person:
    """One simulated member of staff."""

    ability: float  # multiplies every stability of theirs
    availability: Availability


@dataclass(frozen=True)
class Population:
    """The simulated staff and the bank's questions, drawn once per seed for every policy."""

    people: tuple[Person, ...]
    ease: tuple[float, ...]  # per question; multiplies every stability for it


def draw_population(rng: random.Random, staff: int, questions: int) -> Population:
    """People (about a quarter part-time) and question eases, log-normally spread."""
    people = []
    for _ in range(staff):
        ability = rng.lognormvariate(0.0, ABILITY_SPREAD)
        days = {1, 2, 3, 4, 5}
        if rng.random() < PART_TIME_SHARE:
            days = rng.choice(PART_TIME_PATTERNS)
        people.append(Person(ability, Availability(working_days=frozenset(days))))
    ease = tuple(rng.lognormvariate(0.0, EASE_SPREAD) for _ in range(questions))
    return Population(tuple(people), ease)


@dataclass(frozen=True)
class MemoryModel:
    """The memory model's parameters: an assumption, not fitted to any data."""

    inset_days: float = 30.0  # typical stability of what was learnt at INSET on the first day
    relearn_days: float = 7.0  # typical floor after a wrong answer and its explanation
    gain: float = 4.0  # a recall multiplies stability by 1 + gain * (1 - chance it had)
    lapse: float = 0.5  # a failure multiplies stability by this, never below the floor


# Other plausible assumptions, to show how much the comparison depends on them.
VARIANTS = {
    "smaller gain (2)": MemoryModel(gain=2.0),
    "larger gain (8)": MemoryModel(gain=8.0),
    "INSET remembered less (10 days)": MemoryModel(inset_days=10.0),
    "INSET remembered more (90 days)": MemoryModel(inset_days=90.0),
    "failures forget less (lapse 0.8)": MemoryModel(lapse=0.8),
}


@dataclass
class Memory:
    """One person's memory of one question: exponential forgetting, p(recall) = exp(-t / S)."""

    model: MemoryModel
    floor: float  # a wrong answer, with its explanation, never leaves stability below this
    stability: float  # S, in days
    last_seen: date  # INSET, until the question is first asked

    def recall(self, day: date) -> float:
        """The chance of recalling the answer on this day."""
        return math.exp(-(day - self.last_seen).days / self.stability)

    def answer(self, day: date, rng: random.Random) -> bool:
        """Answer the question on this day, then learn from the feedback."""
        chance = self.recall(day)
        correct = rng.random() < chance
        if correct:
            # The spacing effect: a harder recall (lower chance) strengthens memory more.
            self.stability *= 1.0 + self.model.gain * (1.0 - chance)
        else:
            self.stability = max(self.floor, self.stability * self.model.lapse)
        self.last_seen = day
        return correct


def memories_of(
    person: Person, ease: tuple[float, ...], inset: date, model: MemoryModel
) -> list[Memory]:
    """This person's memory of each question in the bank, as INSET left it."""
    memories = []
    for question_ease in ease:
        factor = person.ability * question_ease
        memories.append(
            Memory(
                model=model,
                floor=model.relearn_days * factor,
                stability=model.inset_days * factor,
                last_seen=inset,
            )
        )
    return memories


# --- the three policies ---------------------------------------------------------------------


class Policy(Protocol):
    """Chooses one person's questions on a quiz day and hears how they answered."""

    def pick(self, day: date, count: int) -> tuple[list[int], int]:
        """`count` distinct question ids, and how many of them came from the fallback."""

    def record(self, question: int, day: date, correct: bool) -> None:
        """The person answered this question on this day."""


def fill_soonest(chosen: list[int], soonest_first: list[int], count: int) -> tuple[list[int], int]:
    """Top up with the questions whose review is soonest, so every policy sends `count`."""
    extra = [q for q in soonest_first if q not in chosen][: count - len(chosen)]
    return chosen + extra, len(extra)


@dataclass
class FsrsPolicy:
    """bot.domain.spacing cards and bot.domain.selection.choose_questions, as the bot will."""

    questions: int
    spacing: SpacingPolicy = field(default_factory=SpacingPolicy)
    cards: dict[int, tuple[dict[str, Any], datetime]] = field(default_factory=dict)

    def pick(self, day: date, count: int) -> tuple[list[int], int]:
        """Due first (lowest retrievability), then new in bank order, then soonest due."""
        now = moment(day)
        candidates = [self._candidate(q, now) for q in range(self.questions)]
        chosen = choose_questions(candidates, frozenset(), count, now)
        soonest = sorted(self.cards, key=lambda q: (self.cards[q][1], q))
        return fill_soonest(chosen, soonest, count)

    def _candidate(self, question: int, now: datetime) -> Candidate:
        """What selection needs; retrievability only for due cards, the only ones it sorts."""
        if question not in self.cards:
            return Candidate(question, frozenset())
        card, due = self.cards[question]
        chance = retrievability(self.spacing, card, now) if due <= now else 1.0
        return Candidate(question, frozenset(), due=due, retrievability=chance)

    def record(self, question: int, day: date, correct: bool) -> None:
        """Review the card with what the memory model answered."""
        now = moment(day)
        card = self.cards[question][0] if question in self.cards else new_card(question, now)
        self.cards[question] = review(self.spacing, card, correct, now)


@dataclass
class QstreamPolicy:
    """Wrong back after about 12 days, right after about 24, retired after two right in a row."""

    questions: int
    due: dict[int, date] = field(default_factory=dict)
    streak: dict[int, int] = field(default_factory=dict)
    retired: dict[int, date] = field(default_factory=dict)  # question: day last answered

    def pick(self, day: date, count: int) -> tuple[list[int], int]:
        """Most overdue first, then new in bank order, then soonest due, then longest retired."""
        waiting = sorted((q for q in self.due if q not in self.retired), key=self._due_key)
        due = [q for q in waiting if self.due[q] <= day]
        new = [q for q in range(self.questions) if q not in self.due]
        chosen = (due + new)[:count]
        # With everything retired there is no review to come; the longest retired goes first.
        later = waiting + sorted(self.retired, key=lambda q: (self.retired[q], q))
        return fill_soonest(chosen, later, count)

    def _due_key(self, question: int) -> tuple[date, int]:
        """Earliest due first; bank order breaks ties."""
        return self.due[question], question

    def record(self, question: int, day: date, correct: bool) -> None:
        """Schedule the question again, or retire it."""
        streak = self.streak.get(question, 0) + 1 if correct else 0
        self.streak[question] = streak
        gap = QSTREAM_RIGHT_DAYS if correct else QSTREAM_WRONG_DAYS
        self.due[question] = day + timedelta(days=gap)
        if streak >= QSTREAM_RETIRE_STREAK or question in self.retired:
            self.retired[question] = day


@dataclass
class RotationPolicy:
    """The bank in order, round and round; nothing is ever due, so it never needs a fallback."""

    questions: int
    next_question: int = 0

    def pick(self, day: date, count: int) -> tuple[list[int], int]:
        """The next `count` questions in bank order."""
        chosen = [(self.next_question + n) % self.questions for n in range(count)]
        self.next_question = (self.next_question + count) % self.questions
        return chosen, 0

    def record(self, question: int, day: date, correct: bool) -> None:
        """A rotation ignores answers."""


MAKERS: dict[str, Callable[[int], Policy]] = {
    "FSRS": FsrsPolicy,
    "Qstream": QstreamPolicy,
    "Rotation": RotationPolicy,
}


# --- the simulation --------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one policy did for the whole population over the year, for one seed."""

    final_recall: list[float] = field(default_factory=list)  # per person, mean over the bank
    sent: list[int] = field(default_factory=list)  # per person
    asked: list[float] = field(default_factory=list)  # per person, share of the bank ever asked
    correct: int = 0
    fallback: int = 0
    seconds: float = 0.0

    @property
    def answers(self) -> int:
        """Questions sent (and answered) to everyone over the year."""
        return sum(self.sent)


def simulate(
    policy_name: str,
    population: Population,
    calendar: SchoolCalendar,
    seed: int,
    model: MemoryModel,
    per_day: int = PER_QUIZ_DAY,
) -> Outcome:
    """Run one policy for every person over the school year."""
    first, last = school_year(calendar)
    outcome = Outcome()
    started = clock.perf_counter()
    for index, person in enumerate(population.people):
        # The same stream of chances per person under every policy (common random numbers).
        rng = random.Random(f"{seed}:{index}")
        memories = memories_of(person, population.ease, first, model)
        policy = MAKERS[policy_name](len(population.ease))
        sent = 0
        asked: set[int] = set()
        for day in quiz_days(calendar, person.availability, first, last):
            chosen, fallback = policy.pick(day, per_day)
            outcome.fallback += fallback
            for question in chosen:
                correct = memories[question].answer(day, rng)
                policy.record(question, day, correct)
                outcome.correct += correct
                sent += 1
                asked.add(question)
        outcome.sent.append(sent)
        outcome.asked.append(len(asked) / len(memories))
        outcome.final_recall.append(statistics.fmean(m.recall(last) for m in memories))
    outcome.seconds = clock.perf_counter() - started
    return outcome


def run_seed(
    seed: int,
    calendar: SchoolCalendar,
    staff: int = STAFF,
    questions: int = QUESTIONS,
    model: MemoryModel = MemoryModel(),  # noqa: B008 - frozen, so sharing it is safe
) -> dict[str, Outcome]:
    """Every policy on the same population, drawn from this seed."""
    population = draw_population(random.Random(seed), staff, questions)
    return {name: simulate(name, population, calendar, seed, model) for name in POLICIES}


def run_seeds(calendar: SchoolCalendar, model: MemoryModel) -> dict[str, dict[str, float]]:
    """Seeds 1 to SEEDS, medians across them."""
    # STAFF and QUESTIONS read now, not as defaults bound at import, so tests can shrink them.
    runs = [run_seed(seed, calendar, STAFF, QUESTIONS, model) for seed in range(1, SEEDS + 1)]
    return medians(runs)


# --- the report ------------------------------------------------------------------------------


def spread(values: list[float]) -> dict[str, float]:
    """Mean, median and 10th and 90th percentiles across people."""
    deciles = statistics.quantiles(values, n=10) if len(values) > 1 else values * 9
    return {
        "mean": statistics.fmean(values),
        "median": statistics.median(values),
        "p10": deciles[0],
        "p90": deciles[-1],
    }


def summary(outcome: Outcome) -> dict[str, float]:
    """The figures the table shows for one policy and one seed."""
    return {
        **spread(outcome.final_recall),
        "correct": outcome.correct / outcome.answers,
        "fallback": outcome.fallback / outcome.answers,
        "sent": statistics.fmean(outcome.sent),
        "asked": statistics.fmean(outcome.asked),
        "seconds": outcome.seconds,
    }


def medians(runs: list[dict[str, Outcome]]) -> dict[str, dict[str, float]]:
    """Per policy, the median of each figure across seeds."""
    table = {}
    for name in POLICIES:
        per_seed = [summary(run[name]) for run in runs]
        table[name] = {key: statistics.median(s[key] for s in per_seed) for key in per_seed[0]}
    return table


def _row(name: str, figures: dict[str, float]) -> str:
    """One policy's line of the main table."""
    return (
        f"| {name} | {figures['mean']:.1%} | {figures['median']:.1%} | "
        f"{figures['p10']:.1%} to {figures['p90']:.1%} | {figures['correct']:.1%} | "
        f"{figures['asked']:.0%} | {figures['fallback']:.1%} | {figures['seconds']:.1f} |"
    )


def _variant_row(name: str, table: dict[str, dict[str, float]]) -> str:
    """One assumption's line of the sensitivity table: last-day recall per policy, and the ratio."""
    shares = " | ".join(f"{table[policy]['mean']:.1%}" for policy in POLICIES)
    return f"| {name} | {shares} | {table['FSRS']['mean'] / table['Rotation']['mean']:.2f} |"


def _robustness(
    table: dict[str, dict[str, float]], variants: dict[str, dict[str, dict[str, float]]]
) -> str:
    """Whether FSRS stays ahead of (or behind) the rotation under the other assumptions."""
    ahead = table["FSRS"]["mean"] > table["Rotation"]["mean"]
    flipped = [
        name
        for name, other in variants.items()
        if (other["FSRS"]["mean"] > other["Rotation"]["mean"]) != ahead
    ]
    if not flipped:
        return "FSRS stayed on the same side of the rotation under every other one tried."
    return f"FSRS and the rotation swap places with {', '.join(flipped)}."


def _description(calendar: SchoolCalendar, sent: float) -> list[str]:
    """What was simulated, with every parameter."""
    first, last = school_year(calendar)
    full_time = len(quiz_days(calendar, Availability(), first, last))
    model = MemoryModel()
    return [
        f"The demo school's calendar ({first} to {last}: half terms, INSET days and England's "
        f"bank holidays). {PER_QUIZ_DAY} questions on each Tuesday and Thursday that is a school "
        f"day and one of the person's working days: {full_time} quiz days for full-time staff, "
        f"fewer for the {PART_TIME_SHARE:.0%} or so who are part-time; {sent:.0f} questions per "
        "person on average, the same for every policy.",
        "",
        "- **FSRS**: a bot.domain.spacing card per person and question (retention 0.9, intervals "
        "up to 180 days), chosen by bot.domain.selection (due first, lowest retrievability "
        "first, then new in bank order).",
        f"- **Qstream**: wrong back after {QSTREAM_WRONG_DAYS} days, right after "
        f"{QSTREAM_RIGHT_DAYS}, retired after {QSTREAM_RETIRE_STREAK} right in a row; most "
        "overdue first, then new in bank order.",
        "- **Rotation**: the bank in order, round and round.",
        "- When nothing is due and no new question is left, FSRS and Qstream send the questions "
        "whose review is soonest (Qstream, with everything retired, the longest retired), so "
        "every policy sends the same number: the *Early* column is the share of such sends.",
        "",
        "The memory model is not FSRS's: recall is exp(-t / S), t days since the question was "
        "last asked, or since INSET on the first day for one never asked (learnt there, some "
        f"forgotten since). At INSET S = {model.inset_days:g} x f days, where f = person "
        f"ability x question ease, each log-normal (sigma {ABILITY_SPREAD} and {EASE_SPREAD}). "
        f"A right answer given with chance r multiplies S by 1 + {model.gain:g} x (1 - r) (the "
        f"harder the recall, the more it helps); a wrong one multiplies it by {model.lapse:g}, "
        f"never below {model.relearn_days:g} x f days (the explanation re-teaches it). "
        "*Recalled on the last day* is each person's mean chance over the whole bank on the "
        "last day of term; *Asked*, the share of the bank a person was asked at least once. "
        f"Seeds 1 to {SEEDS}; every figure is the median across seeds.",
        "",
    ]


def section() -> str:
    """The spacing simulation section of BENCHMARKS.md."""
    started = clock.perf_counter()
    calendar = demo_calendar()
    table = run_seeds(calendar, MemoryModel())
    main_seconds = clock.perf_counter() - started
    variants = {name: run_seeds(calendar, model) for name, model in VARIANTS.items()}
    total = clock.perf_counter() - started
    ratio = table["FSRS"]["mean"] / table["Rotation"]["mean"]
    return "\n".join(
        [
            f"## Spacing simulation: {STAFF} staff, a {QUESTIONS}-question bank, one school year",
            "",
            *_description(calendar, table["FSRS"]["sent"]),
            "| Policy | Recalled on the last day (mean) | Median person | 10th to 90th "
            "percentile | Answers right in the year | Asked | Early | Seconds |",
            "|---|---|---|---|---|---|---|---|",
            *(_row(name, table[name]) for name in POLICIES),
            "",
            f"FSRS / Rotation, recalled on the last day: **{ratio:.2f}**. The same comparison "
            "under other assumptions (mean recalled on the last day):",
            "",
            f"| Memory model | {' | '.join(POLICIES)} | FSRS / Rotation |",
            "|---|---|---|---|---|",
            _variant_row("as above", table),
            *(_variant_row(name, figures) for name, figures in variants.items()),
            "",
            f"Time: {main_seconds:.1f} s for the main table ({len(POLICIES)} policies x {SEEDS} "
            f"seeds), {total:.0f} s for the whole section.",
            "",
            f"What it means: with the same number of questions, FSRS keeps "
            f"{table['FSRS']['correct']:.0%} of answers right during the year but, with due "
            f"reviews first, asks each person only {table['FSRS']['asked']:.0%} of the bank; a "
            f"rotation asks all of it but gets {table['Rotation']['correct']:.0%} right, as it "
            "rarely catches a memory before it fades. "
            "Which ends the year ahead depends on the memory model, an assumption, not data "
            f"from staff: {_robustness(table, variants)} Read this as a check that the "
            "scheduling behaves sensibly, not as a measured effect.",
            "",
        ]
    )


if __name__ == "__main__":
    print(section())
