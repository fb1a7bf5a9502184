"""The outbox's retry timing: the platform's Retry-After first, else backoff with jitter."""

from __future__ import annotations

from datetime import timedelta

from bot.services.outbox import retry_delay


def test_backoff_doubles_and_jitter_stretches_it_by_at_most_a_half() -> None:
    assert retry_delay(1, 30, None) == timedelta(seconds=30)
    assert retry_delay(3, 30, None) == timedelta(seconds=120)
    assert retry_delay(3, 30, None, jitter=1.0) == timedelta(seconds=180)
    assert retry_delay(3, 30, None, jitter=0.5) == timedelta(seconds=150)
    assert retry_delay(3, 30, None, jitter=7) == timedelta(seconds=180)  # a bad draw is capped


def test_the_platforms_retry_after_is_followed_without_jitter() -> None:
    assert retry_delay(4, 30, 2.5, jitter=1.0) == timedelta(seconds=2.5)
    assert retry_delay(4, 30, -1) == timedelta(0)
