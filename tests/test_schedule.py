"""Scheduling: every feed every interval by default (quiet ones slow down only when a ceiling is set), faster
in crisis mode, server bounds win, failures back off, the scheduler sleeps until the next feed is due."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from feeds.schedule import (
    MAX_BACKOFF_SECONDS,
    FeedSchedule,
    NextPoll,
    adaptive_interval,
    after_failure,
    after_success,
    in_crisis,
    tightened,
    wait_after_refused_store,
    wait_before_next_look,
)
from storage.settings import Settings

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def every(minutes: float, count: int) -> list[datetime]:
    return [NOW - timedelta(minutes=minutes * n) for n in range(count)]


def test_by_default_every_feed_is_polled_every_interval_however_quiet() -> None:
    settings = Settings()
    assert (settings.poll_interval, settings.poll_max_interval) == (60, 60)
    assert Settings(poll_interval=20).poll_max_interval == 20
    for entries in ([], every(600, 3), [NOW - timedelta(days=30)], every(1, 30)):
        interval = adaptive_interval(entries, NOW, settings.poll_interval, settings.poll_max_interval)
        assert interval == 60
        next_poll = after_success(NOW, interval, minimum=60, maximum=settings.poll_max_interval)
        assert next_poll.at == NOW + timedelta(seconds=60)


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


def test_in_crisis_mode_a_feed_is_polled_at_the_crisis_interval_until_it_ends() -> None:
    until = NOW + timedelta(hours=1)
    assert in_crisis(until, NOW) and not in_crisis(until, until) and not in_crisis(None, NOW)
    hurried = after_success(NOW, 60, minimum=60, maximum=60, crisis_interval=10)
    # the base interval stays, so the feed is back to every minute once crisis mode is over
    assert hurried == NextPoll(60, NOW + timedelta(seconds=10))


def test_in_crisis_mode_the_servers_lower_bounds_still_win() -> None:
    later = NOW + timedelta(minutes=5)
    assert after_success(NOW, 60, minimum=60, maximum=60, not_before=later, crisis_interval=10).at == later
    assert after_success(NOW, 60, minimum=60, maximum=60, ttl_seconds=120, crisis_interval=10).at == (
        NOW + timedelta(seconds=120)
    )


def schedule(
    next_in: float, fetched_ago: float | None = 30, interval: int = 60, failing: bool = False
) -> FeedSchedule:
    fetched = None if fetched_ago is None else NOW - timedelta(seconds=fetched_ago)
    return FeedSchedule(NOW + timedelta(seconds=next_in), fetched, interval, failing)


def test_a_tightened_schedule_brings_the_next_poll_forward_but_not_into_the_past() -> None:
    # fetched 30 s ago, next in 30 s: at a 10 s interval it is due now
    assert tightened(schedule(30), NOW, 10) == NOW
    # fetched 3 s ago: 7 s from now
    assert tightened(schedule(57, fetched_ago=3), NOW, 10) == NOW + timedelta(seconds=7)
    # an adaptive 1800 s schedule brought down to a 60 s ceiling
    assert tightened(schedule(1500, fetched_ago=300, interval=1800), NOW, 60) == NOW
    # already due sooner: unchanged
    assert tightened(schedule(5, fetched_ago=3), NOW, 10) is None


def test_a_tightened_schedule_keeps_backoff_server_bounds_and_never_fetched_feeds() -> None:
    assert tightened(schedule(400, failing=True), NOW, 10) is None
    # next poll 10 minutes after the last fetch of a 60 s feed: the server asked for it (max-age, <ttl>)
    assert tightened(schedule(570, fetched_ago=30), NOW, 10) is None
    assert tightened(schedule(0, fetched_ago=None), NOW, 10) is None


def test_the_scheduler_sleeps_until_the_next_due_feed_but_looks_at_least_every_second() -> None:
    assert wait_before_next_look(NOW + timedelta(seconds=0.3), NOW, 1.0) == 0.3
    assert wait_before_next_look(NOW + timedelta(seconds=45), NOW, 1.0) == 1.0
    assert wait_before_next_look(NOW - timedelta(seconds=5), NOW, 1.0) == 0.0
    assert wait_before_next_look(None, NOW, 1.0) == 1.0


def test_a_feeds_first_poll_is_spread_over_the_interval_so_feeds_added_together_drift_apart() -> None:
    rng = random.Random(5)
    waits = [
        (after_success(NOW, 60, minimum=60, maximum=60, spread=rng).at - NOW).total_seconds()
        for _ in range(50)
    ]
    assert all(30 <= wait <= 60 for wait in waits)
    assert max(waits) - min(waits) > 20
    # never past a server's lower bound, nor later than the interval
    ttl = after_success(NOW, 60, minimum=60, maximum=60, ttl_seconds=600, spread=rng).at
    assert ttl == NOW + timedelta(seconds=600)


def test_a_feed_whose_store_was_refused_waits_longer_each_time_but_never_past_its_interval_or_30_s() -> None:
    assert [wait_after_refused_store(n, 60) for n in range(1, 8)] == [2, 4, 8, 16, 30, 30, 30]
    assert wait_after_refused_store(10_000, 3600) == 30
    assert [wait_after_refused_store(n, 10) for n in range(1, 5)] == [2, 4, 8, 10]
