"""What every fake service on loopback shares: it starts and stops as a context manager, and
counts and keeps the requests it was sent, under one lock."""

from __future__ import annotations

import copy
import threading
from collections import Counter
from types import TracebackType
from typing import Any, Self


class RecordingFake:
    """Base of the fakes: subclasses define start() and stop(), and record into the counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._rate_limited: Counter[str] = Counter()
        self._requests: list[tuple[str, dict[str, Any]]] = []
        # When (time.monotonic) each call the limits admitted was admitted, for the share of
        # an allowance that a sender used, as the platform saw it.
        self._admitted_at: list[float] = []

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def calls(self) -> Counter[str]:
        """Requests received per method or operation, including refused and failed ones."""
        with self._lock:
            return Counter(self._calls)

    @property
    def rate_limited(self) -> Counter[str]:
        """429 answers per method or operation from the limits (not from fail_next)."""
        with self._lock:
            return Counter(self._rate_limited)

    @property
    def admitted_span(self) -> tuple[int, float]:
        """How many calls the limits admitted, and the seconds from the first to the last."""
        with self._lock:
            stamps = list(self._admitted_at)
        return len(stamps), (max(stamps) - min(stamps)) if stamps else 0.0

    def requests(self, name: str | None = None) -> list[dict[str, Any]]:
        """What every request carried (for one method or operation), in order."""
        with self._lock:
            return [copy.deepcopy(body) for n, body in self._requests if name in (None, n)]
