"""When to poll a feed next: adaptive after a success, exponential backoff with jitter after a failure.

Pure functions: the caller passes the clock reading and the random source, so tests never sleep.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_BACKOFF_SECONDS = 6 * 3600
# a server's lower bound (Retry-After, max-age, Expires, <ttl>) is honoured up to this much, so a hostile or
# mistaken header cannot park a feed for days
MAX_SERVER_DELAY_SECONDS = MAX_BACKOFF_SECONDS
# poll about this many times per expected new entry
POLLS_PER_ENTRY = 4
WINDOW = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class NextPoll:
    """The decision: the feed's base interval from now on, and when exactly to poll next."""

    interval_seconds: int
    at: datetime


def adaptive_interval(entry_times: Iterable[datetime], now: datetime, minimum: int, maximum: int) -> int:
    """An interval from how often the feed published lately, clamped to [minimum, maximum].

    Uses the entries of the last 7 days: the mean gap between them divided by POLLS_PER_ENTRY. A feed with no
    recent entries is polled at the maximum.
    """
    maximum = max(maximum, minimum)
    recent = sorted(t for t in entry_times if now - WINDOW <= t <= now)
    if len(recent) < 2:
        return maximum
    mean_gap = (recent[-1] - recent[0]).total_seconds() / (len(recent) - 1)
    # the time since the newest entry also counts, so a feed that went quiet slows down
    quiet = (now - recent[-1]).total_seconds()
    gap = max(mean_gap, quiet / 2)
    return int(min(maximum, max(minimum, gap / POLLS_PER_ENTRY)))


def _server_floor(now: datetime, not_before: datetime | None, ttl_seconds: int | None) -> datetime:
    floor = now
    if not_before is not None:
        floor = max(floor, min(not_before, now + timedelta(seconds=MAX_SERVER_DELAY_SECONDS)))
    if ttl_seconds:
        floor = max(floor, now + timedelta(seconds=min(ttl_seconds, MAX_SERVER_DELAY_SECONDS)))
    return floor


def after_success(
    now: datetime,
    interval_seconds: int,
    *,
    minimum: int,
    maximum: int,
    not_before: datetime | None = None,
    ttl_seconds: int | None = None,
) -> NextPoll:
    """Next poll after a fetch that worked: `interval_seconds` (clamped) from now, but never before the
    server's lower bounds (Retry-After, Cache-Control max-age, Expires) nor the feed's <ttl>."""
    interval = int(min(max(interval_seconds, minimum), max(maximum, minimum)))
    at = max(now + timedelta(seconds=interval), _server_floor(now, not_before, ttl_seconds))
    return NextPoll(interval, at)


def after_failure(
    now: datetime,
    consecutive_failures: int,
    *,
    interval_seconds: int,
    rng: random.Random,
    retry_after: float | None = None,
) -> datetime:
    """Next poll after the n-th failure in a row (n >= 1): interval * 2**(n-1), jittered down by up to a half,
    capped at 6 hours, and never before the server's Retry-After. A feed is never disabled for good."""
    exponent = min(max(consecutive_failures, 1) - 1, 30)
    delay = min(float(MAX_BACKOFF_SECONDS), interval_seconds * 2.0**exponent)
    delay *= 0.5 + 0.5 * rng.random()
    at = now + timedelta(seconds=max(delay, 1.0))
    if retry_after is not None:
        at = max(at, now + timedelta(seconds=min(retry_after, MAX_SERVER_DELAY_SECONDS)))
    return at
