"""Keeps a sender under a rate: evenly spaced (Pacer), within an allowance a window
(AllowancePacer), within one it learns from the platform's 429s (AdaptiveAllowance), or within
several windows per key (WindowPacer, for Teams' conversations)."""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable


class LoopLock:
    """An asyncio.Lock for the running event loop. A lock belongs to one loop, and tests (and
    restarts) may bring another, so a new loop gets a new lock."""

    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            self._lock, self._loop = asyncio.Lock(), loop
        return self._lock


class Pacer:
    """Waits just long enough before each send to stay under the rate (0 means no limit)."""

    def __init__(self, rate_per_second: float) -> None:
        self.interval = 1.0 / rate_per_second if rate_per_second > 0 else 0.0
        self._next = 0.0
        self._lock = LoopLock()

    async def wait(self) -> None:
        if not self.interval:
            return
        async with self._lock.get():
            now = time.monotonic()
            if self._next > now:
                await asyncio.sleep(self._next - now)
            self._next = max(now, self._next) + self.interval


class KeyedPacer:
    """One Pacer per key (a conversation): Slack allows about one message a second in each."""

    def __init__(self, rate_per_second: float, most_keys: int = 10_000) -> None:
        self.rate = rate_per_second
        self.most_keys = most_keys
        self._pacers: dict[str, Pacer] = {}

    async def wait(self, key: str) -> None:
        pacer = self._pacers.get(key)
        if pacer is None:
            if len(self._pacers) >= self.most_keys:
                # Forget the oldest conversations; their pacing has long since lapsed.
                for old in list(self._pacers)[: self.most_keys // 2]:
                    del self._pacers[old]
            pacer = self._pacers[key] = Pacer(self.rate)
        await pacer.wait()


class AllowancePacer:
    """At most `most` sends in any `window` seconds, and never two closer than `spacing`.

    This counts an allowance the way Slack counts one ("N a minute"), so time lost between
    sends (the database work between batches) is made up later in the same minute, where an
    even pace would lose it for good; `spacing` keeps the making up from becoming a burst.
    """

    def __init__(
        self,
        most: int,
        window: float = 60.0,
        spacing: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.most, self.window, self.spacing = most, window, spacing
        self.clock = clock
        self._sent: deque[float] = deque()  # when the last `most` sends went, oldest first
        self._lock = LoopLock()

    async def wait(self) -> None:
        """Wait for a place in the allowance (none when `most` is 0, meaning no limit)."""
        if self.most <= 0:
            return
        async with self._lock.get():
            # Asked again after each sleep: what the sleep was for may have changed meanwhile.
            while True:
                now = self.clock()
                at = self.ready_at(now)
                if at <= now:
                    break
                await asyncio.sleep(at - now)
            self.take(now)

    def ready_at(self, now: float) -> float:
        """The moment (on `clock`) from which one more send fits."""
        at = max(now, self._sent[-1] + self.spacing) if self._sent else now
        # The oldest send leaves the window `window` seconds after it went.
        while self._sent and (len(self._sent) >= self.most or self._sent[0] <= at - self.window):
            at = max(at, self._sent.popleft() + self.window)
        return at

    def take(self, now: float) -> None:
        """A send goes now."""
        self._sent.append(now)

    def remember(self, ages: list[float]) -> None:
        """Sends made elsewhere (by the replica that sent before this one), `ages` seconds
        ago on `clock`, that still count in the window."""
        now = self.clock()
        went = [now - age for age in ages if 0 <= age < self.window]
        self._sent = deque(sorted([*self._sent, *went]))


# How AdaptiveAllowance moves its rate (sends a window). A 429 cuts it to DECREASE of what the
# platform let through (TCP's multiplicative decrease; its usual half would throw away half a
# fan-out's pace on every 429). Busy spells with no 429 raise it: by FIRST_RAISE each SPELL of a
# window before any 429 (a fan-out of minutes must find an allowance twice the setting within
# the first minute), by RAISE after one back to TARGET of the level that met it, just under it
# so a platform counting arrivals a little unevenly seldom sees one too many; above that, by
# PROBE of the setting (the additive increase). CEILING and FLOOR are times the setting.
DECREASE = 0.8
RAISE = 1.25
FIRST_RAISE = 1.5
SPELL = 0.125
TARGET = 0.97
PROBE = 0.05
CEILING = 3.0
FLOOR = 0.05
HALF = 0.5
# A spell counts as busy when sends went at BUSY of the rate or more.
BUSY = 0.8


class AdaptiveAllowance(AllowancePacer):
    """An AllowancePacer that finds the platform's real allowance from its 429s.

    Slack does not publish a workspace's chat.postMessage allowance and Teams' may differ from
    the setting, so the setting is only where it starts. A 429 means the allowance was used up:
    the platform counted about as many sends in its window as went in ours (`learnt`), so the
    rate drops to DECREASE of that and every send waits out the platform's Retry-After. Sends
    that keep the allowance busy with no 429 for a spell raise it again: by FIRST_RAISE each
    SPELL of a window until the first 429 (the setting may be far below the allowance), by
    RAISE back to TARGET of the level that met the last 429; above that level, by PROBE of the
    setting after every `probe_after` quiet windows, in case the platform allows more now. It
    never goes above CEILING times the setting, nor below FLOOR of it.
    """

    def __init__(
        self,
        setting: float,
        window: float,
        *,
        share: float = 1.0,
        catch_up: float = 1.1,
        missing_retry_after: float = 1.0,
        probe_after: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`setting` is the allowance a window sendbot was told; sends start at `share` of it
        and never go faster than `catch_up` times the even pace of the current rate (see
        AllowancePacer). `missing_retry_after` is the pause, in seconds, after a 429 that
        gave no Retry-After."""
        super().__init__(0, window, 0.0, clock)
        self.setting, self.catch_up = setting, catch_up
        self.missing_retry_after, self.probe_after = missing_retry_after, probe_after
        self.ceiling = setting * CEILING
        self.floor = max(1.0, setting * FLOOR)
        self.learnt: float | None = None  # the level that met the last 429, sends a window
        self.paused_until = -math.inf
        self._cut_until = -math.inf  # 429s until then answer requests sent before the cut
        self._spell_started, self._spell_sends = clock(), 0
        self.rate = 0.0
        self._set_rate(setting * share)

    def _set_rate(self, rate: float) -> None:
        self.rate = min(self.ceiling, max(self.floor, rate))
        # The decrease slows the pace, but the window may still hold what the platform is
        # known to allow: a window that waited to empty down to the slower rate would stand
        # idle long after Retry-After, where the platform had room.
        known = self.learnt * TARGET if self.learnt is not None else 0.0
        self.most = max(1, int(max(self.rate, known)))
        self.spacing = self.window / (self.rate * self.catch_up)

    def ready_at(self, now: float) -> float:
        return super().ready_at(max(now, self.paused_until))

    def take(self, now: float) -> None:
        super().take(now)
        self._spell_sends += 1
        below = self.learnt is None or self.rate < self.learnt * TARGET
        spell = self.window * (SPELL if below else self.probe_after)
        elapsed = now - self._spell_started
        if elapsed < spell:
            return
        # Raised only while sends kept the allowance busy: an idle hour proves nothing.
        if self._spell_sends >= BUSY * self.rate * elapsed / self.window:
            if self.learnt is None:
                rate = self.rate * FIRST_RAISE
            elif below:
                rate = min(self.rate * RAISE, self.learnt * TARGET)
            else:
                rate = self.rate + PROBE * self.setting
            self._set_rate(rate)
        self._spell_started, self._spell_sends = now, 0

    def limited(self, retry_after: float | None) -> float:
        """The platform answered 429: slow down, and pause every send for `retry_after`
        seconds (or `missing_retry_after` without one). Returns the pause."""
        now = self.clock()
        pause = self.missing_retry_after if retry_after is None else max(retry_after, 0.0)
        if now >= self._cut_until:
            # What went in the window but this refused send. One 429 at most halves the
            # rate: one about something else (a conversation's own limit) while few sends
            # went must not make the next fan-out crawl.
            sent = sum(1 for at in self._sent if at > now - self.window) - 1
            self.learnt = max(self.floor, min(self.rate, max(sent, self.rate * HALF)))
            self._set_rate(self.learnt * DECREASE)
            # Requests already on their way when the first 429 came meet it too: one cut.
            self._cut_until = now + max(pause, self.window * SPELL)
        self.paused_until = max(self.paused_until, now + pause)
        self._spell_started, self._spell_sends = self.paused_until, 0
        return pause


class Locks:
    """One asyncio lock per key (a conversation, a person), forgotten when nobody holds it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class WindowPacer:
    """Per key (a conversation): at most `n` requests in any `seconds`, for every window at once.

    Requests to one conversation take turns (which also keeps a person's messages in order);
    a turn waits until every window has room, and the request's time is recorded just before
    it goes (after any wait for the tenant allowance), so the windows count what Teams sees."""

    def __init__(self, windows: tuple[tuple[float, int], ...], most_keys: int = 10_000) -> None:
        self.windows = windows
        self.longest = max((seconds for seconds, _ in windows), default=0.0)
        self.most_keys = most_keys
        self._sent: dict[str, deque[float]] = {}
        self._turns = Locks()

    def ready_at(self, key: str, now: float) -> float:
        """The moment (monotonic clock) from which one more request to `key` fits."""
        times = self._sent.get(key)
        if not times:
            return now
        while times and times[0] <= now - self.longest:
            times.popleft()
        at = now
        for seconds, most in self.windows:
            if len(times) >= most:
                at = max(at, times[-most] + seconds)
        return at

    def record(self, key: str) -> None:
        """A request to `key` goes now."""
        if not self.windows:
            return
        times = self._sent.get(key)
        if times is None:
            if len(self._sent) >= self.most_keys:
                # Forget the least recently added conversations; most have long lapsed.
                for old in list(self._sent)[: self.most_keys // 2]:
                    del self._sent[old]
            times = self._sent[key] = deque()
        times.append(time.monotonic())

    @contextlib.asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[None]:
        """Hold the conversation's turn, once its windows have room; `record` when sending."""
        async with self._turns.hold(key):
            while True:
                now = time.monotonic()
                at = self.ready_at(key, now)
                if at <= now:
                    break
                await asyncio.sleep(at - now)
            yield
