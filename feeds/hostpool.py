"""An httpx transport that keeps one small connection pool per origin instead of one big shared pool.

httpcore's pool re-scans every connection for every request it assigns, and counts idle connections inside a
loop over the connections: with one keep-alive connection or two per site and a few dozen sites that is
thousands of checks per request, more CPU than the request itself. One pool per origin keeps each scan to
the handful of connections that site may have (the per-host limit), whatever the number of sites.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

__all__ = ["PerOriginTransport"]


class PerOriginTransport(httpx.AsyncBaseTransport):
    """Routes each request to the pool of its origin (scheme, host, port), made by `factory` on first use."""

    def __init__(self, factory: Callable[[], httpx.AsyncBaseTransport]) -> None:
        self._factory = factory
        self._transports: dict[tuple[bytes, bytes, int | None], httpx.AsyncBaseTransport] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` through its origin's own pool."""
        url = request.url
        origin = (url.raw_scheme, url.raw_host, url.port)
        transport = self._transports.get(origin)
        if transport is None:
            transport = self._transports[origin] = self._factory()
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        """Close every origin's pool."""
        transports = list(self._transports.values())
        self._transports.clear()
        for transport in transports:
            await transport.aclose()
