"""Slots in two lanes: work known to be slow may hold only some of the slots at once, so other work always
finds a free one instead of waiting behind it. The parser processes (feeds.parse) and the fetcher's global
slots (feeds.fetch) both hand out their slots this way; `Slowness` is what is known of one feed's work."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass


@dataclass(slots=True)
class Slowness:
    """Whether a feed's last fetch and its last parse were slow, so its next ones take the slow lane.

    The poller passes the values stored on the feed (storage.feeds: every process and every restart knows
    them from the first poll on); the fetcher and the parser pool choose the lane by them and set them to
    what they measure, and the poller stores them with the poll's outcome."""

    fetch: bool = False
    parse: bool = False


class Lanes:
    """`size` slots handed out first come first served; a slow caller waits while `slow_limit` slots are
    held by slow callers already (the other callers pass it in the queue)."""

    def __init__(self, size: int, slow_limit: int) -> None:
        if size < 1 or not 1 <= slow_limit <= size:
            raise ValueError(f"bad lanes: {size} slots, at most {slow_limit} slow")
        self._free = size
        self._slow_limit = slow_limit
        self._slow_busy = 0
        self._waiters: collections.deque[tuple[asyncio.Future[None], bool]] = collections.deque()

    @property
    def slow_busy(self) -> int:
        """Slots held by slow callers now."""
        return self._slow_busy

    async def acquire(self, *, slow: bool = False) -> None:
        """A slot, now or as soon as one is handed to this caller; give it back with `release(slow=…)`."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((waiter, slow))
        self._dispatch()
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release(slow=slow)  # handed over just as this caller gave up
            self._waiters = collections.deque(entry for entry in self._waiters if entry[0] is not waiter)
            raise

    def release(self, *, slow: bool = False) -> None:
        """Give back a slot taken with `acquire(slow=slow)`."""
        self._free += 1
        if slow:
            self._slow_busy -= 1
        self._dispatch()

    @asynccontextmanager
    async def slot(self, *, slow: bool = False) -> AsyncIterator[None]:
        """Hold a slot for the body of a `with`."""
        await self.acquire(slow=slow)
        try:
            yield
        finally:
            self.release(slow=slow)

    def _dispatch(self) -> None:
        """Hand free slots to the waiters in order, skipping slow ones while the slow lane is full."""
        while self._free:
            for index, (waiter, slow) in enumerate(self._waiters):
                if waiter.done():
                    continue
                if not slow or self._slow_busy < self._slow_limit:
                    del self._waiters[index]
                    self._free -= 1
                    if slow:
                        self._slow_busy += 1
                    waiter.set_result(None)
                    break
            else:
                return
