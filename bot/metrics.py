"""Prometheus metrics of borderwatch and the small typed functions every other module calls to move them.

Importing this module costs nothing but prometheus-client: no Telegram, no database. The database-backed
gauges (pending deliveries, feeds by state) are set by `refresh_from_counts`, which bot.health calls on
every scrape of /metrics.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

# The *_created series only double the output; Prometheus does not need them.
disable_created_metrics()  # type: ignore[no-untyped-call]

# Our own registry, so tests and embedders see only borderwatch's metrics plus the process ones.
REGISTRY = CollectorRegistry(auto_describe=True)
for _collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
    REGISTRY.register(_collector)

FETCH_OUTCOMES = ("ok", "not_modified", "unchanged", "error")
FEED_STATES = ("healthy", "new", "failing", "disabled")
DELIVERY_STATUSES = ("pending", "sending", "sent", "dead", "dropped", "quarantine")
QUARANTINE_KINDS = ("alert", "update", "digest")
LOOP_NAMES = ("scheduler", "delivery")

ITEMS_STORED = Counter("borderwatch_items_stored", "Items stored for the first time.", registry=REGISTRY)
ITEMS_TAGGED = Counter(
    "borderwatch_items_tagged",
    "Stored items tagged with an entity, by entity and severity (none when ungraded).",
    ["entity", "severity"],
    registry=REGISTRY,
)
FEED_FETCHES = Counter("borderwatch_feed_fetches", "Feed fetches by outcome.", ["outcome"], registry=REGISTRY)
FEED_FETCHES_BY_FEED = Counter(
    "borderwatch_feed_fetches_by_feed",
    "Feed fetches by feed id and outcome (only when the caller names the feed).",
    ["feed_id", "outcome"],
    registry=REGISTRY,
)
FETCH_DURATION = Histogram(
    "borderwatch_feed_fetch_duration_seconds",
    "Time to fetch one feed, request to parsed body, by outcome.",
    ["outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60),
    registry=REGISTRY,
)
ALERTS_SENT = Counter("borderwatch_alerts_sent", "Alerts delivered to a chat.", registry=REGISTRY)
ALERTS_FAILED = Counter(
    "borderwatch_alerts_failed", "Alerts given up on (dead or dropped deliveries).", registry=REGISTRY
)
SEND_LATENCY = Histogram(
    "borderwatch_alert_send_latency_seconds",
    "Time from an item being stored to its alert being sent.",
    buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600),
    registry=REGISTRY,
)
TELEGRAM_ERRORS = Counter(
    "borderwatch_telegram_errors",
    "Errors from the Telegram Bot API by error code (HTTP code, or network / timeout).",
    ["code"],
    registry=REGISTRY,
)
DELIVERIES_PENDING = Gauge(
    "borderwatch_deliveries_pending",
    "Deliveries not sent yet (pending or in flight), read from the database.",
    registry=REGISTRY,
)
DELIVERIES = Gauge(
    "borderwatch_deliveries", "Deliveries by status, read from the database.", ["status"], registry=REGISTRY
)
DELIVERIES_QUARANTINED = Gauge(
    "borderwatch_deliveries_quarantined",
    "Alerts, alert edits/replies (update) and chats' digests set aside because they cannot be processed "
    "(storage.quarantine), read from the database.",
    ["kind"],
    registry=REGISTRY,
)
FEEDS = Gauge("borderwatch_feeds", "Feeds by state, read from the database.", ["state"], registry=REGISTRY)
LOOP_HEARTBEAT = Gauge(
    "borderwatch_loop_heartbeat_timestamp_seconds",
    "Unix time of the last tick of each background loop.",
    ["loop"],
    registry=REGISTRY,
)

# Label values that exist from the start, so dashboards and alerts see zeros rather than missing series.
for _outcome in FETCH_OUTCOMES:
    FEED_FETCHES.labels(outcome=_outcome)
    FETCH_DURATION.labels(outcome=_outcome)
for _state in FEED_STATES:
    FEEDS.labels(state=_state)
for _status in DELIVERY_STATUSES:
    DELIVERIES.labels(status=_status)
for _kind in QUARANTINE_KINDS:
    DELIVERIES_QUARANTINED.labels(kind=_kind)


class LoopHeartbeats:
    """The last tick of each background loop, on the monotonic clock; safe from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._beats: dict[str, float] = {}

    def beat(self, loop_name: str, now: float) -> None:
        """Record that `loop_name` is alive at monotonic time `now`."""
        with self._lock:
            self._beats[loop_name] = now

    def snapshot(self) -> dict[str, float]:
        """Every loop that has ticked at least once, with its last tick."""
        with self._lock:
            return dict(self._beats)

    def stale(self, now: float, staleness: float) -> dict[str, float]:
        """The loops whose last tick is more than `staleness` seconds before `now`, with their age."""
        return {name: now - at for name, at in self.snapshot().items() if now - at > staleness}


HEARTBEATS = LoopHeartbeats()


class _FeedRef(Protocol):
    @property
    def id(self) -> int: ...


class _TaggedItem(Protocol):
    @property
    def entity_ids(self) -> Iterable[str]: ...

    @property
    def severity(self) -> str | None: ...


class PollOutcome(Protocol):
    """What record_poll_result reads; feeds.ingest.PollResult has exactly this shape."""

    @property
    def feed(self) -> _FeedRef: ...

    @property
    def outcome(self) -> str: ...

    @property
    def seconds(self) -> float: ...

    @property
    def new_items(self) -> Sequence[_TaggedItem]: ...


def record_fetch(outcome: str, seconds: float, feed_id: int | None = None) -> None:
    """Count one feed fetch with its outcome (ok, not_modified, unchanged, error) and its duration."""
    FEED_FETCHES.labels(outcome=outcome).inc()
    FETCH_DURATION.labels(outcome=outcome).observe(max(seconds, 0.0))
    if feed_id is not None:
        FEED_FETCHES_BY_FEED.labels(feed_id=str(feed_id), outcome=outcome).inc()


def record_items_stored(n: int) -> None:
    """Count `n` items stored for the first time (zero or negative counts nothing)."""
    if n > 0:
        ITEMS_STORED.inc(n)


def record_tags(entity_ids: Iterable[str], severity: str | None) -> None:
    """Count one stored item under each of its entities with its severity (P1–P4, or none)."""
    label = severity or "none"
    for entity_id in set(entity_ids):
        ITEMS_TAGGED.labels(entity=entity_id, severity=label).inc()


def record_poll_result(result: PollOutcome) -> None:
    """Record one poll of one feed: the fetch, the items it stored and their tags.

    Fits IngestService's `on_result` hook as it is: `IngestService(..., on_result=record_poll_result)`.
    """
    record_fetch(result.outcome, result.seconds, feed_id=result.feed.id)
    record_items_stored(len(result.new_items))
    for item in result.new_items:
        record_tags(item.entity_ids, item.severity)


def record_alert_sent(latency_seconds: float) -> None:
    """Count one alert sent, `latency_seconds` after its item was stored."""
    ALERTS_SENT.inc()
    SEND_LATENCY.observe(max(latency_seconds, 0.0))


def record_alert_failed() -> None:
    """Count one alert given up on (delivery dead, or chat dropped)."""
    ALERTS_FAILED.inc()


def record_telegram_error(code: int | str) -> None:
    """Count one Bot API error: its HTTP error code (429, 403, …) or a word such as network or timeout."""
    TELEGRAM_ERRORS.labels(code=str(code)).inc()


def heartbeat(loop_name: str, *, now: float | None = None) -> None:
    """Mark `loop_name` (scheduler, delivery; database-writes, bot.health.follow_writes) alive now; /healthz
    turns 503 when it stops doing so.

    Call it once when the loop starts and then on every tick, including idle or paused ticks.
    """
    HEARTBEATS.beat(loop_name, time.monotonic() if now is None else now)
    LOOP_HEARTBEAT.labels(loop=loop_name).set(time.time())


def refresh_from_counts(
    deliveries_by_status: Mapping[str, int],
    feeds_by_state: Mapping[str, int],
    quarantined: Mapping[str, int] | None = None,
) -> None:
    """Set the database-backed gauges from counts read by storage.stats (statuses, states or quarantine
    kinds absent are 0)."""
    for kind in QUARANTINE_KINDS:
        DELIVERIES_QUARANTINED.labels(kind=kind).set((quarantined or {}).get(kind, 0))
    for status in {*DELIVERY_STATUSES, *deliveries_by_status}:
        DELIVERIES.labels(status=status).set(deliveries_by_status.get(status, 0))
    DELIVERIES_PENDING.set(deliveries_by_status.get("pending", 0) + deliveries_by_status.get("sending", 0))
    for state in {*FEED_STATES, *feeds_by_state}:
        FEEDS.labels(state=state).set(feeds_by_state.get(state, 0))


def exposition() -> bytes:
    """Every metric in the Prometheus text format."""
    return generate_latest(REGISTRY)
