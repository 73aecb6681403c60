"""Politeness towards one host that is not a feed server (Telegram's web previews): a few requests at a time,
a minimum gap between their starts, and a pause for everyone when the host says "too many requests"."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from feeds.errors import RateLimited

__all__ = ["HostPacer"]

MAX_PAUSE_SECONDS = 15 * 60


class HostPacer:
    """At most `concurrency` requests in flight, starts at least `gap` seconds apart; after a 429, every
    request fails at once (RateLimited, with the time left) until the host's Retry-After has passed."""

    def __init__(
        self,
        concurrency: int,
        gap: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._starts = asyncio.Lock()
        self._gap = gap
        self._clock = clock
        self._sleep = sleep
        self._next_start = 0.0
        self._paused_until = 0.0

    @contextlib.asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        """Hold one request slot for a request to `url`; raises RateLimited while the host asked to wait."""
        self._check_pause(url)
        async with self._slots:
            async with self._starts:
                wait = self._next_start - self._clock()
                if wait > 0:
                    await self._sleep(wait)
                self._next_start = self._clock() + self._gap
            self._check_pause(url)
            try:
                yield
            except RateLimited as exc:
                self.pause(exc.retry_after if exc.retry_after is not None else 60.0)
                raise

    def pause(self, seconds: float) -> None:
        """Send nothing to the host for `seconds` (at most 15 minutes)."""
        until = self._clock() + min(max(seconds, 0.0), MAX_PAUSE_SECONDS)
        self._paused_until = max(self._paused_until, until)

    def _check_pause(self, url: str) -> None:
        left = self._paused_until - self._clock()
        if left > 0:
            raise RateLimited(
                url, f"the host asked for a pause, {left:.0f} s left", status_code=429, retry_after=left
            )
