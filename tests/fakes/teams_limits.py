"""Teams' rate limits for the fake Bot Connector: per conversation and per app in the tenant.

Time inside the limiter is "fake time", as in slack_limits.py: real seconds from the clock
multiplied by `time_scale`, so with `time_scale=60` an hour's allowance passes in a minute.

- Per conversation (Microsoft's "per bot per thread" limits for sends and updates): 7 in any
  second, 8 in any 2 seconds, 60 in any 30 seconds, 1,800 in any hour. Each is a sliding window:
  a call is admitted when fewer than `limit` calls were admitted in the last `seconds`.
- Per app per tenant: every request the app makes (creating conversations, sends, updates) counts
  against one allowance, 30 a second by default (Microsoft documents 50; PLATFORMS.md budgets 30).
- Graph (optional, `graph_per_second`): every Graph call by one app counts against one more
  allowance, in the same fake seconds; off by default.
- A refused call uses no allowance, so a client that waits `Retry-After` and retries gets in.
- `Retry-After` is in real seconds: the fake wait divided by `time_scale`, rounded up to a whole
  second and never less than 1, as the Slack fake does.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

# (window in seconds, calls allowed in it), from Microsoft's "Optimize your bot with rate
# limiting in Teams": per bot per thread 7/1 s, 8/2 s, 60/30 s, 1,800/3,600 s.
CONVERSATION_WINDOWS: tuple[tuple[float, int], ...] = (
    (1.0, 7),
    (2.0, 8),
    (30.0, 60),
    (3600.0, 1800),
)


@dataclass(frozen=True)
class TeamsLimits:
    """What Teams allows one app; windows are (fake seconds, calls)."""

    per_conversation: tuple[tuple[float, int], ...] = CONVERSATION_WINDOWS
    per_app_per_second: int | None = 30
    graph_per_second: int | None = None

    @classmethod
    def unlimited(cls) -> TeamsLimits:
        """No limits at all, for tests about something else."""
        return cls(per_conversation=(), per_app_per_second=None)


class Window:
    """A sliding window of admitted calls: at most `limit` in any `seconds`."""

    def __init__(self, seconds: float, limit: int) -> None:
        self.seconds, self.limit = seconds, limit
        self.admitted: deque[float] = deque()

    def wait(self, now: float) -> float:
        """Fake seconds until one more call would fit (0 when it fits now)."""
        while self.admitted and self.admitted[0] <= now - self.seconds:
            self.admitted.popleft()
        if len(self.admitted) < self.limit:
            return 0.0
        return self.admitted[len(self.admitted) - self.limit] + self.seconds - now

    def take(self, now: float) -> None:
        self.admitted.append(now)


class TeamsRateLimiter:
    """Admits or refuses calls for one tenant; thread-safe."""

    def __init__(
        self,
        limits: TeamsLimits,
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.limits, self.time_scale, self.clock = limits, time_scale, clock
        self._start = clock()
        self._lock = threading.Lock()
        self._apps: dict[str, Window] = {}
        self._graph: dict[str, Window] = {}
        self._conversations: dict[str, list[Window]] = {}

    def now(self) -> float:
        """Fake seconds since the limiter started."""
        return (self.clock() - self._start) * self.time_scale

    def retry_after(self, fake_wait: float) -> int:
        """The Retry-After header for a fake wait: real seconds, rounded up, at least 1."""
        return max(1, math.ceil(fake_wait / self.time_scale - 1e-9))

    def admit(self, app_id: str, conversation: str | None = None) -> int | None:
        """None when the call may go ahead (and it is counted), else the Retry-After seconds."""
        with self._lock:
            now = self.now()
            gates = self._gates(app_id, conversation)
            wait = max((gate.wait(now) for gate in gates), default=0.0)
            if wait > 0:
                return self.retry_after(wait)
            for gate in gates:
                gate.take(now)
            return None

    def admit_graph(self, app_id: str) -> int | None:
        """As `admit`, for a Graph call (always admitted without `graph_per_second`)."""
        if not self.limits.graph_per_second:
            return None
        with self._lock:
            now = self.now()
            gate = self._graph.setdefault(app_id, Window(1.0, self.limits.graph_per_second))
            wait = gate.wait(now)
            if wait > 0:
                return self.retry_after(wait)
            gate.take(now)
            return None

    def _gates(self, app_id: str, conversation: str | None) -> list[Window]:
        gates: list[Window] = []
        if self.limits.per_app_per_second:
            app = self._apps.setdefault(app_id, Window(1.0, self.limits.per_app_per_second))
            gates.append(app)
        if conversation is not None and self.limits.per_conversation:
            windows = self._conversations.get(conversation)
            if windows is None:
                windows = [Window(s, n) for s, n in self.limits.per_conversation]
                self._conversations[conversation] = windows
            gates.extend(windows)
        return gates
