"""Reading a platform's Retry-After header, which Slack, Teams and Graph all send with a 429."""

from __future__ import annotations


def retry_after_seconds(value: str | None) -> float | None:
    """The seconds to wait, or None when there is no header or it is an HTTP date (rare from
    these platforms; the caller's own backoff does then)."""
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
