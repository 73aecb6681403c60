"""The operations port: /metrics (Prometheus text) and /healthz, on a small stdlib asyncio HTTP server.

/healthz is 200 when the database answers `SELECT 1` and every loop that has started (called
bot.metrics.heartbeat at least once) has ticked within the staleness limit; otherwise 503 with one reason
per line. /metrics refreshes the database-backed gauges before answering.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field

from prometheus_client import CONTENT_TYPE_LATEST

from bot import metrics
from storage.db import Database
from storage.settings import Settings
from storage.stats import operational_counts, ping

log = logging.getLogger(__name__)

_READ_TIMEOUT = 10.0
_MAX_HEADER_LINES = 100
_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    503: "Service Unavailable",
}


@dataclass
class HealthServer:
    """A running (or, without a port, disabled) operations server; `close()` stops it and frees the port."""

    host: str | None = None
    port: int | None = None
    _server: asyncio.Server | None = field(default=None, repr=False)

    @property
    def enabled(self) -> bool:
        return self._server is not None

    async def close(self) -> None:
        """Stop listening and wait until the server is closed; safe to call twice."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()


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

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _serve_one(probe, reader, writer)

    server = await asyncio.start_server(handle, host=bind_host, port=port)
    bound_port = int(server.sockets[0].getsockname()[1])
    log.info("metrics and health on http://%s:%d/metrics and /healthz", bind_host, bound_port)
    return HealthServer(host=bind_host, port=bound_port, _server=server)


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


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200] if text else ''}".rstrip(": ")


async def _serve_one(probe: _Probe, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        request_line = await asyncio.wait_for(reader.readline(), _READ_TIMEOUT)
        for _ in range(_MAX_HEADER_LINES):
            line = await asyncio.wait_for(reader.readline(), _READ_TIMEOUT)
            if line in (b"\r\n", b"\n", b""):
                break
        parts = request_line.decode("latin-1").split()
        if len(parts) < 2:
            status, content_type, body = 400, "text/plain; charset=utf-8", b"bad request\n"
        else:
            status, content_type, body = await _route(probe, parts[0], parts[1].split("?", 1)[0])
        head = (
            f"HTTP/1.1 {status} {_REASONS[status]}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"
        )
        writer.write(head.encode("latin-1") + (b"" if parts[:1] == ["HEAD"] else body))
        await writer.drain()
    except (TimeoutError, ConnectionError, ValueError):
        pass  # a client that hung up or sent garbage gets nothing more
    finally:
        writer.close()
        with suppress(ConnectionError, TimeoutError):
            await writer.wait_closed()


async def _route(probe: _Probe, method: str, path: str) -> tuple[int, str, bytes]:
    if path not in ("/metrics", "/healthz"):
        return 404, "text/plain; charset=utf-8", b"not found: try /metrics or /healthz\n"
    if method not in ("GET", "HEAD"):
        return 405, "text/plain; charset=utf-8", b"method not allowed\n"
    if path == "/metrics":
        await _refresh_gauges(probe)
        return 200, CONTENT_TYPE_LATEST, metrics.exposition()
    problems = await health_problems(
        probe.db,
        staleness=probe.staleness,
        heartbeats=probe.heartbeats,
        now=probe.clock(),
        db_timeout=probe.db_timeout,
    )
    if problems:
        return 503, "text/plain; charset=utf-8", ("\n".join(problems) + "\n").encode()
    return 200, "text/plain; charset=utf-8", b"ok\n"


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
