"""Keeps a sender under a rate: at most `rate` sends a second, evenly spaced."""

from __future__ import annotations

import asyncio
import time


class Pacer:
    """Waits just long enough before each send to stay under the rate (0 means no limit)."""

    def __init__(self, rate_per_second: float) -> None:
        self.interval = 1.0 / rate_per_second if rate_per_second > 0 else 0.0
        self._next = 0.0
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def wait(self) -> None:
        if not self.interval:
            return
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            # A lock belongs to one event loop; tests (and restarts) may bring another.
            self._lock, self._loop = asyncio.Lock(), loop
        async with self._lock:
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
