"""One small httpcore connection pool per origin instead of one big shared pool.

httpcore's pool re-scans every connection for every request it assigns, and counts idle connections inside a
loop over the connections: with one keep-alive connection or two per site and a few dozen sites that is
thousands of checks per request, more CPU than the request itself. One pool per origin keeps each scan to
the handful of connections that site may have (the per-host limit), whatever the number of sites.
"""

from __future__ import annotations

from collections.abc import Callable

import httpcore

__all__ = ["OriginPools"]

Origin = tuple[bytes, bytes, int | None]  # scheme, host, port


class OriginPools:
    """The connection pool of each origin (scheme, host, port), made by `factory` on first use."""

    def __init__(self, factory: Callable[[], httpcore.AsyncConnectionPool]) -> None:
        self._factory = factory
        self._pools: dict[Origin, httpcore.AsyncConnectionPool] = {}

    def pool(self, origin: Origin) -> httpcore.AsyncConnectionPool:
        """The pool for `origin`, made now if this is its first request."""
        pool = self._pools.get(origin)
        if pool is None:
            pool = self._pools[origin] = self._factory()
        return pool

    async def aclose(self) -> None:
        """Close every origin's pool."""
        pools = list(self._pools.values())
        self._pools.clear()
        for pool in pools:
            await pool.aclose()
