"""The operations port: /metrics (Prometheus text) and /healthz, on the tornado server of bot.web.server.

/healthz is 200 when the database answers `SELECT 1` and every loop that has started (called
bot.metrics.heartbeat at least once) has ticked within the staleness limit, database-writes among them (the
liveness beat written, `follow_writes`); otherwise 503 with one reason per line. /metrics refreshes the
database-backed gauges before answering.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import CONTENT_TYPE_LATEST

from bot import metrics
from bot.web.server import PlainHandler, Route, WebServer, serve
from feeds.liveness import ProcessLiveness
from storage.db import Database, is_write_locked
from storage.settings import Settings
from storage.stats import operational_counts, ping

log = logging.getLogger(__name__)

# the handle start_health_server returns (a bot.web.server.WebServer)
HealthServer = WebServer
# the heartbeat of the database taking this process's writes (follow_writes)
WRITES_HEARTBEAT = "database-writes"


@dataclass(frozen=True)
class _Probe:
    db: Database
    staleness: float
    heartbeats: metrics.LoopHeartbeats
    clock: Callable[[], float]
    db_timeout: float


async def start_health_server(
    db: Database,
    settings: Settings,
    *,
    port: int | None = None,
    host: str | None = None,
    staleness: float | None = None,
    heartbeats: metrics.LoopHeartbeats | None = None,
    clock: Callable[[], float] = time.monotonic,
    db_timeout: float = 5.0,
) -> HealthServer:
    """Serve /metrics and /healthz on BORDERWATCH_METRICS_PORT (or `port`; 0 picks a free one).

    Without a port the returned handle is disabled and its close() does nothing, so callers need no branch.
    `clock` must be the clock the heartbeats were recorded with (monotonic by default).
    """
    port = settings.metrics_port if port is None else port
    if port is None:
        return HealthServer()
    probe = _Probe(
        db=db,
        staleness=settings.health_staleness if staleness is None else staleness,
        heartbeats=metrics.HEARTBEATS if heartbeats is None else heartbeats,
        clock=clock,
        db_timeout=db_timeout,
    )
    bind_host = settings.metrics_host if host is None else host
    routes: list[Route] = [
        ("/metrics", _MetricsHandler, {"probe": probe}),
        ("/healthz", _HealthHandler, {"probe": probe}),
    ]
    server = await serve(
        routes,
        host=bind_host,
        port=port,
        setting="BORDERWATCH_METRICS_PORT",
        not_found_hint="try /metrics or /healthz",
    )
    log.info("metrics and health on http://%s:%d/metrics and /healthz", bind_host, server.port)
    return server


async def health_problems(
    db: Database,
    *,
    staleness: float,
    heartbeats: metrics.LoopHeartbeats,
    now: float,
    db_timeout: float = 5.0,
) -> list[str]:
    """Why the service is unhealthy, one reason each; empty when the database answers and no loop is stale."""
    problems: list[str] = []
    try:
        await asyncio.wait_for(ping(db), db_timeout)
    except TimeoutError:
        problems.append(f"database: no answer within {db_timeout:g} s")
    except Exception as exc:
        problems.append(f"database: {_first_line(exc)}")
    for name, age in sorted(heartbeats.stale(now, staleness).items()):
        problems.append(f"loop {name}: no heartbeat for {age:.0f} s (limit {staleness:g} s)")
    return problems


def follow_writes(liveness: ProcessLiveness, heartbeat: Callable[[str], None] = metrics.heartbeat) -> None:
    """Make the liveness beat (a write each second) a heartbeat of its own, database-writes: SELECT 1 and
    the loops' ticks go on when the database refuses writes (a full disk), this heartbeat does not. A beat
    that waited out SQLite's busy timeout behind another process's write (a long import or migration) counts:
    the database takes writes, and restarting this process would not make it wait less."""

    def beaten(error: BaseException | None) -> None:
        if error is None or is_write_locked(error):
            heartbeat(WRITES_HEARTBEAT)

    liveness.on_beat(beaten)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200] if text else ''}".rstrip(": ")


class _MetricsHandler(PlainHandler):
    def initialize(self, probe: _Probe) -> None:
        self.probe = probe

    async def get(self, *args: str) -> None:
        await _refresh_gauges(self.probe)
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.set_header("Cache-Control", "no-store")
        self.finish(metrics.exposition())


class _HealthHandler(PlainHandler):
    def initialize(self, probe: _Probe) -> None:
        self.probe = probe

    async def get(self, *args: str) -> None:
        probe = self.probe
        problems = await health_problems(
            probe.db,
            staleness=probe.staleness,
            heartbeats=probe.heartbeats,
            now=probe.clock(),
            db_timeout=probe.db_timeout,
        )
        if problems:
            self.plain(503, "\n".join(problems))
        else:
            self.plain(200, "ok")


async def _refresh_gauges(probe: _Probe) -> None:
    """Read the database-backed gauges; on failure keep the last values (healthz reports the database)."""
    try:
        counts = await asyncio.wait_for(operational_counts(probe.db), probe.db_timeout)
    except Exception as exc:
        log.warning("metrics: could not read counts from the database: %s", _first_line(exc))
        return
    quarantined = counts.quarantined
    metrics.refresh_from_counts(
        counts.deliveries_by_status,
        counts.feeds_by_state,
        {"alert": quarantined.alerts, "update": quarantined.updates, "digest": quarantined.digests},
    )
