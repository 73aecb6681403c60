"""Scheduling: busy feeds are polled often, quiet ones rarely, server bounds win, failures back off."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from feeds.schedule import MAX_BACKOFF_SECONDS, adaptive_interval, after_failure, after_success

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def every(minutes: float, count: int) -> list[datetime]:
    return [NOW - timedelta(minutes=minutes * n) for n in range(count)]


def test_busy_feed_is_polled_at_the_fastest_interval() -> None:
    assert adaptive_interval(every(1, 30), NOW, 60, 1800) == 60


def test_feed_with_an_entry_every_ten_minutes_is_polled_about_four_times_per_entry() -> None:
    assert adaptive_interval(every(10, 30), NOW, 60, 1800) == 150


def test_quiet_or_empty_feeds_are_polled_at_the_slowest_interval() -> None:
    assert adaptive_interval([], NOW, 60, 1800) == 1800
    assert adaptive_interval([NOW - timedelta(days=30), NOW - timedelta(days=31)], NOW, 60, 1800) == 1800
    went_quiet = [NOW - timedelta(days=2) - timedelta(minutes=n) for n in range(20)]
    assert adaptive_interval(went_quiet, NOW, 60, 1800) == 1800


def test_success_keeps_the_interval_within_bounds() -> None:
    assert after_success(NOW, 5, minimum=60, maximum=1800).at == NOW + timedelta(seconds=60)
    assert after_success(NOW, 99999, minimum=60, maximum=1800).interval_seconds == 1800


def test_server_lower_bounds_and_ttl_push_the_next_poll_later() -> None:
    later = NOW + timedelta(minutes=20)
    assert after_success(NOW, 60, minimum=60, maximum=1800, not_before=later).at == later
    assert after_success(NOW, 60, minimum=60, maximum=1800, ttl_seconds=3600).at == NOW + timedelta(hours=1)
    # a bound further out than the backoff cap is capped: a header cannot park a feed for days
    far = NOW + timedelta(days=30)
    capped = after_success(NOW, 60, minimum=60, maximum=1800, not_before=far).at
    assert capped == NOW + timedelta(seconds=MAX_BACKOFF_SECONDS)


def test_failures_back_off_exponentially_with_jitter_up_to_six_hours() -> None:
    rng = random.Random(7)
    delays = [
        (after_failure(NOW, n, interval_seconds=60, rng=rng) - NOW).total_seconds() for n in range(1, 15)
    ]
    for n, delay in enumerate(delays, start=1):
        nominal = min(60 * 2 ** (n - 1), MAX_BACKOFF_SECONDS)
        assert nominal * 0.5 <= delay <= nominal
    assert delays[-1] <= MAX_BACKOFF_SECONDS
    assert len({round(d) for d in delays[:5]}) == 5


def test_jitter_spreads_feeds_that_failed_together() -> None:
    rng = random.Random(1)
    times = {after_failure(NOW, 5, interval_seconds=60, rng=rng) for _ in range(20)}
    assert len(times) == 20


def test_a_feed_failing_forever_is_still_retried_within_six_hours() -> None:
    at = after_failure(NOW, 10_000, interval_seconds=60, rng=random.Random(3))
    assert NOW < at <= NOW + timedelta(hours=6)


def test_retry_after_is_a_lower_bound_on_the_retry() -> None:
    at = after_failure(NOW, 1, interval_seconds=60, rng=random.Random(3), retry_after=900)
    assert at == NOW + timedelta(seconds=900)
