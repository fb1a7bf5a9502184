"""Keeps a sender under a rate: evenly spaced (Pacer), or within an allowance a window."""

from __future__ import annotations

import asyncio
import time
from collections import deque


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
