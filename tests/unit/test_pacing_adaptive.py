"""AdaptiveAllowance: a 429 lowers the rate and pauses, busy quiet spells raise it, within a
ceiling. Driven by a hand-moved clock through the pacer's own ready_at/take/limited, the steps
its wait() takes, so no test sleeps."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.chat.pacing import CEILING, DECREASE, PROBE, TARGET, AdaptiveAllowance

WINDOW = 60.0
SETTING = 300


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def send_for(pacer: AdaptiveAllowance, clock: Clock, seconds: float) -> int:
    """Send as fast as the pacer lets for `seconds` of the clock; how many went."""
    end, sent = clock.now + seconds, 0
    while True:
        at = pacer.ready_at(clock.now)
        if at > end:
            clock.now = end
            return sent
        clock.now = at
        pacer.take(at)
        sent += 1


def pacer(clock: Clock, **options: float) -> AdaptiveAllowance:
    return AdaptiveAllowance(SETTING, WINDOW, clock=clock, **options)  # type: ignore[arg-type]


def test_it_starts_from_the_setting() -> None:
    p = pacer(Clock(), share=0.97)
    assert p.rate == pytest.approx(SETTING * 0.97)
    assert p.most == int(SETTING * 0.97)


def test_a_429_lowers_the_rate_to_a_share_of_what_went_in_the_window() -> None:
    clock = Clock()
    p = pacer(clock)
    sent = send_for(p, clock, 40) - 1  # the platform allowed only these in its minute,
    before = p.rate
    p.limited(2.0)  # and refused the last
    assert p.learnt == pytest.approx(sent)
    assert p.rate == pytest.approx(sent * DECREASE)
    assert p.rate < before


def test_a_429_pauses_every_send_for_its_retry_after() -> None:
    clock = Clock()
    p = pacer(clock)
    send_for(p, clock, 10)
    assert p.limited(7.0) == 7.0
    assert p.ready_at(clock.now) >= clock.now + 7.0


def test_a_429_without_retry_after_pauses_for_the_default() -> None:
    clock = Clock()
    p = pacer(clock, missing_retry_after=1.5)
    send_for(p, clock, 10)
    assert p.limited(None) == 1.5
    assert p.ready_at(clock.now) == pytest.approx(clock.now + 1.5)


def test_429s_from_requests_already_in_flight_cut_the_rate_once() -> None:
    clock = Clock()
    p = pacer(clock)
    send_for(p, clock, 60)
    p.limited(1.0)
    once = p.rate
    clock.now += 0.01
    p.limited(1.0)
    assert p.rate == once


def test_one_429_at_most_halves_the_rate() -> None:
    """A 429 while few sends went (a conversation's own limit) is not the allowance."""
    clock = Clock()
    p = pacer(clock)
    send_for(p, clock, 1)
    before = p.rate
    p.limited(1.0)
    assert p.rate == pytest.approx(before * 0.5 * DECREASE)


def test_a_busy_quiet_spell_raises_the_rate_above_the_setting() -> None:
    clock = Clock()
    p = pacer(clock)
    send_for(p, clock, WINDOW)
    assert p.rate > SETTING
    sent = send_for(p, clock, WINDOW)
    assert sent > SETTING  # the raised rate is what goes


def test_an_idle_spell_does_not_raise_it() -> None:
    clock = Clock()
    p = pacer(clock)
    for _ in range(20):
        clock.now += WINDOW
        p.take(clock.now)  # one send a minute: nowhere near the allowance
    assert p.rate == SETTING


def recover(p: AdaptiveAllowance, clock: Clock) -> float:
    """Send after a 429 until the rate is back at its level (or two windows pass); the
    seconds it took."""
    started = clock.now
    while p.rate < p.learnt * TARGET - 1e-9 and clock.now - started < 2 * WINDOW:  # type: ignore[operator]
        send_for(p, clock, WINDOW / 16)
    return clock.now - started


def test_after_a_429_it_comes_back_to_just_under_the_level_that_met_it() -> None:
    clock = Clock()
    p = pacer(clock, probe_after=4)
    send_for(p, clock, 30)
    p.limited(1.0)
    learnt = p.learnt
    assert learnt is not None
    assert recover(p, clock) < WINDOW  # quickly, not by a probe's small steps
    assert p.rate == pytest.approx(learnt * TARGET)


def test_above_that_level_it_probes_by_a_share_of_the_setting_each_quiet_window() -> None:
    clock = Clock()
    p = pacer(clock, probe_after=2)
    send_for(p, clock, 30)
    p.limited(1.0)
    recover(p, clock)
    level = p.rate
    assert level == pytest.approx(p.learnt * TARGET)  # type: ignore[operator]
    send_for(p, clock, WINDOW)
    assert p.rate == level  # not yet `probe_after` quiet windows
    send_for(p, clock, WINDOW)
    assert p.rate == pytest.approx(level + PROBE * SETTING)


def test_after_a_429_the_window_may_still_hold_what_the_platform_allowed() -> None:
    """The slower pace does not make the pacer sit idle until its window empties down to it."""
    clock = Clock()
    p = pacer(clock)
    send_for(p, clock, 30)
    p.limited(1.0)
    assert p.learnt is not None
    assert p.most == int(p.learnt * TARGET)
    assert p.ready_at(clock.now) == pytest.approx(clock.now + 1.0)


def test_it_never_goes_above_the_ceiling() -> None:
    clock = Clock()
    p = pacer(clock)
    send_for(p, clock, 40 * WINDOW)
    assert p.rate == pytest.approx(SETTING * CEILING)
    assert send_for(p, clock, WINDOW - 0.001) <= SETTING * CEILING


def test_wait_keeps_to_the_pause_on_the_real_clock() -> None:
    """wait() itself, on time.monotonic, with a small window: a 429 holds the next send."""
    p = AdaptiveAllowance(1000, 1.0)

    async def go() -> float:
        await p.wait()
        p.limited(0.2)
        started = time.monotonic()
        await p.wait()
        return time.monotonic() - started

    assert asyncio.run(go()) >= 0.19


def test_a_new_sender_counts_what_the_last_one_sent_in_the_window() -> None:
    clock = Clock()
    fresh, taken_over = pacer(clock), pacer(clock)
    most = taken_over.most
    # The sender before it used the whole allowance in the last half minute; one send an hour
    # ago and one "in the future" (a clock a little ahead) do not count.
    taken_over.remember([30.0] * most + [3600.0, -1.0])
    assert fresh.ready_at(clock.now) == clock.now
    # Its first send waits until the oldest of those leaves the window.
    assert taken_over.ready_at(clock.now) == pytest.approx(clock.now + WINDOW - 30.0)
