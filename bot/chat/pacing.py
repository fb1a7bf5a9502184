"""Keeps a sender under a rate: evenly spaced (Pacer), within an allowance a window
(AllowancePacer), or within several windows per key (WindowPacer, for Teams' conversations)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator


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

    def __init__(self, most: int, window: float = 60.0, spacing: float = 0.0) -> None:
        self.most, self.window, self.spacing = most, window, spacing
        self._sent: deque[float] = deque()  # when the last `most` sends went, oldest first
        self._lock = LoopLock()

    async def wait(self) -> None:
        """Wait for a place in the allowance (none when `most` is 0, meaning no limit)."""
        if self.most <= 0:
            return
        async with self._lock.get():
            now = time.monotonic()
            at = max(now, self._sent[-1] + self.spacing) if self._sent else now
            # The oldest send leaves the window `window` seconds after it went.
            while self._sent and (
                len(self._sent) >= self.most or self._sent[0] <= at - self.window
            ):
                at = max(at, self._sent.popleft() + self.window)
            if at > now:
                await asyncio.sleep(at - now)
            self._sent.append(at)


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
