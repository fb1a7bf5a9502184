"""Slack's rate limits for the fake Web API: per method, per conversation and per workspace.

Time inside the limiter is "fake time": real seconds from the clock multiplied by `time_scale`,
so with `time_scale=60` one fake minute passes in one real second and a benchmark of a
several-minute fan-out runs in seconds.

- Per-method limits (Slack's tiers) and the workspace-wide `chat.postMessage` allowance use a
  sliding one-minute window: a call is admitted when fewer than `limit` calls were admitted in the
  last 60 fake seconds. It never lets more than `limit` through in any minute, which is the
  strictest reading of Slack's "N per minute" and so the safest one to test a dispatcher against.
- `chat.postMessage` per conversation is a token bucket: `post_burst` calls at once, then one per
  `1 / post_per_second` fake seconds ("about one a second, short bursts tolerated").
- A refused call does not use up allowance (Slack does not count what it turned away), so a client
  that waits `Retry-After` and tries again is admitted.
- `Retry-After` is in real seconds, since that is what a client sleeps: the fake wait divided by
  `time_scale`, rounded up to a whole second, and never less than 1 (Slack sends whole seconds).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

WINDOW = 60.0

# PLATFORMS.md: Tier 3 (50+/min) and Tier 4 (100+/min); the lower edge of each tier.
TIER_LIMITS: Mapping[str, int] = {
    "users.lookupByEmail": 50,
    "chat.update": 50,
    "conversations.open": 50,
    "conversations.history": 50,
    "views.publish": 100,
    "views.open": 100,
    "chat.postEphemeral": 100,
}


@dataclass(frozen=True)
class SlackLimits:
    """What one workspace allows; every figure is per fake minute or fake second."""

    per_minute: Mapping[str, int] = field(default_factory=lambda: dict(TIER_LIMITS))
    post_per_minute: int | None = 600
    post_per_second: float | None = 1.0
    post_burst: int = 3

    @classmethod
    def unlimited(cls) -> SlackLimits:
        """No limits at all, for tests about something else."""
        return cls(per_minute={}, post_per_minute=None, post_per_second=None)


class _Window:
    """A sliding one-minute window of admitted calls."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.admitted: deque[float] = deque()

    def wait(self, now: float) -> float:
        while self.admitted and self.admitted[0] <= now - WINDOW:
            self.admitted.popleft()
        if len(self.admitted) < self.limit:
            return 0.0
        return self.admitted[0] + WINDOW - now

    def take(self, now: float) -> None:
        self.admitted.append(now)


class _Bucket:
    """A token bucket: `burst` calls at once, refilled at `rate` a second."""

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.updated = float(burst), now

    def wait(self, now: float) -> float:
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self.tokens -= 1


class RateLimiter:
    """Admits or refuses calls for one workspace; thread-safe."""

    def __init__(
        self,
        limits: SlackLimits,
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.limits, self.time_scale, self.clock = limits, time_scale, clock
        self._start = clock()
        self._lock = threading.Lock()
        self._methods = {m: _Window(n) for m, n in limits.per_minute.items()}
        self._posts = _Window(limits.post_per_minute) if limits.post_per_minute else None
        self._conversations: dict[str, _Bucket] = {}

    def now(self) -> float:
        """Fake seconds since the limiter started."""
        return (self.clock() - self._start) * self.time_scale

    def retry_after(self, fake_wait: float) -> int:
        """The Retry-After header for a fake wait: real seconds, rounded up, at least 1."""
        return max(1, math.ceil(fake_wait / self.time_scale - 1e-9))

    def admit(self, method: str, conversation: str | None = None) -> int | None:
        """None when the call may go ahead (and it is counted), else the Retry-After seconds."""
        with self._lock:
            now = self.now()
            gates = self._gates(method, conversation, now)
            wait = max((gate.wait(now) for gate in gates), default=0.0)
            if wait > 0:
                return self.retry_after(wait)
            for gate in gates:
                gate.take(now)
            return None

    def _gates(self, method: str, conversation: str | None, now: float) -> list[_Window | _Bucket]:
        gates: list[_Window | _Bucket] = []
        if method in self._methods:
            gates.append(self._methods[method])
        if method == "chat.postMessage":
            if self._posts is not None:
                gates.append(self._posts)
            rate = self.limits.post_per_second
            if rate and conversation is not None:
                bucket = self._conversations.get(conversation)
                if bucket is None:
                    bucket = _Bucket(rate, self.limits.post_burst, now)
                    self._conversations[conversation] = bucket
                gates.append(bucket)
        return gates
