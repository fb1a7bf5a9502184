"""Keeps a sender under a rate: at most `rate` sends a second, evenly spaced."""

from __future__ import annotations

import asyncio
import time


class Pacer:
    """Waits just long enough before each send to stay under the rate (0 means no limit)."""

    def __init__(self, rate_per_second: float) -> None:
        self.interval = 1.0 / rate_per_second if rate_per_second > 0 else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        if not self.interval:
            return
        async with self._lock:
            now = time.monotonic()
            if self._next > now:
                await asyncio.sleep(self._next - now)
            self._next = max(now, self._next) + self.interval
