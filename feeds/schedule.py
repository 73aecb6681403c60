"""When to poll a feed next: every interval after a success (slowing down adaptively only when a ceiling above
the interval is configured), faster in crisis mode, exponential backoff with jitter after a failure.

Pure functions: the caller passes the clock reading and the random source, so tests never sleep.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from feeds.limits import MAX_SERVER_DELAY_SECONDS
from storage.feeds import FeedSchedule

MAX_BACKOFF_SECONDS = 6 * 3600
# poll about this many times per expected new entry
POLLS_PER_ENTRY = 4
WINDOW = timedelta(days=7)
# a next poll later than the feed's own interval after its last fetch by more than this was set by the
# server (Retry-After, max-age, <ttl>), not by our schedule, and is left alone when a schedule is tightened
_OWN_SCHEDULE_SLACK = timedelta(seconds=2)


@dataclass(frozen=True, slots=True)
class NextPoll:
    """The decision: the feed's base interval from now on, and when exactly to poll next."""

    interval_seconds: int
    at: datetime


def adaptive_interval(entry_times: Iterable[datetime], now: datetime, minimum: int, maximum: int) -> int:
    """An interval from how often the feed published lately, clamped to [minimum, maximum].

    Uses the entries of the last 7 days: the mean gap between them divided by POLLS_PER_ENTRY. A feed with no
    recent entries is polled at the maximum. With maximum == minimum (the default settings) every feed is
    polled at the minimum: slowing down is opt-in.
    """
    maximum = max(maximum, minimum)
    if maximum == minimum:
        return minimum
    recent = sorted(t for t in entry_times if now - WINDOW <= t <= now)
    if len(recent) < 2:
        return maximum
    mean_gap = (recent[-1] - recent[0]).total_seconds() / (len(recent) - 1)
    # the time since the newest entry also counts, so a feed that went quiet slows down
    quiet = (now - recent[-1]).total_seconds()
    gap = max(mean_gap, quiet / 2)
    return int(min(maximum, max(minimum, gap / POLLS_PER_ENTRY)))


def in_crisis(crisis_until: datetime | None, now: datetime) -> bool:
    """Whether a feed whose crisis mode lasts until `crisis_until` is in crisis mode at `now`."""
    return crisis_until is not None and now < crisis_until


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
    crisis_interval: int | None = None,
    spread: random.Random | None = None,
) -> NextPoll:
    """Next poll after a fetch that worked: `interval_seconds` (clamped) from now, or `crisis_interval` when
    the feed is in crisis mode and that is sooner, but never before the server's lower bounds (Retry-After,
    Cache-Control max-age, Expires) nor the feed's <ttl>. The interval returned stays the feed's base one, so
    it is back to normal when crisis mode ends.

    With `spread` (given for a feed's first fetch) the wait is drawn between half of it and all of it, so
    feeds added together are not polled together for ever after: their news arrives as a stream, not in
    clumps that queue behind Telegram's one message a second per chat, and the load is even."""
    interval = int(min(max(interval_seconds, minimum), max(maximum, minimum)))
    wait: float = min(interval, crisis_interval) if crisis_interval else interval
    if spread is not None:
        wait *= 0.5 + 0.5 * spread.random()
    at = max(now + timedelta(seconds=wait), _server_floor(now, not_before, ttl_seconds))
    return NextPoll(interval, at)


def tightened(feed: FeedSchedule, now: datetime, interval_seconds: int) -> datetime | None:
    """The sooner next poll of a feed whose interval drops to `interval_seconds` (crisis mode begins, or the
    configured ceiling went down): that long after its last fetch, and not before `now`. None when nothing
    changes: the feed is failing (its backoff stands), has never been fetched (it is due already), its next
    poll was set by the server (Retry-After, max-age, <ttl>: honoured), or it is due sooner anyway."""
    if feed.failing or feed.last_fetched_at is None:
        return None
    own = feed.last_fetched_at + timedelta(seconds=feed.interval_seconds) + _OWN_SCHEDULE_SLACK
    if feed.next_poll_at > own:
        return None
    at = max(now, feed.last_fetched_at + timedelta(seconds=interval_seconds))
    return at if at < feed.next_poll_at else None


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


def wait_before_next_look(next_due: datetime | None, now: datetime, longest: float) -> float:
    """Seconds the scheduler sleeps before it looks for due feeds again: until the next feed is due, but no
    longer than `longest`, so that feeds added or hurried by other processes are seen within that time."""
    if next_due is None:
        return longest
    return min(longest, max(0.0, (next_due - now).total_seconds()))


# a feed whose store the database refused waits this long before it is fetched again, doubling with each
# refusal in a row
REFUSED_STORE_FIRST_WAIT = 2.0
# Never longer than this, so that once the database stores again a backed-off feed's items are stored
# within half the promised minute, whatever the feed's own interval.
REFUSED_STORE_LONGEST_WAIT = 30.0


def wait_after_refused_store(refusals: int, interval_seconds: int) -> float:
    """Seconds before a feed whose poll the database refused `refusals` times in a row is fetched again:
    from a few seconds, doubling, at most its own interval or 30 s. A database taking claims but refusing
    stores (a nearly full disk) would else have the feed fetched and parsed again as fast as the loop
    can go."""
    doubled = REFUSED_STORE_FIRST_WAIT * 2.0 ** min(max(refusals, 1) - 1, 30)
    longest = min(max(float(interval_seconds), REFUSED_STORE_FIRST_WAIT), REFUSED_STORE_LONGEST_WAIT)
    return min(doubled, longest)
