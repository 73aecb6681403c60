"""Recording sent alerts by group commit: the sends that finish while one write is under way share the next.

Each send waits until its row is marked sent, as before, so a crash can still repeat only the sends in flight
(the delivery loop's SEND_CONCURRENCY); what changes is that one transaction and one UPDATE mark every row
whose send finished meanwhile, instead of one each. No timer is involved: a lone send is written at once, and
batches grow by themselves as sends come faster than the database commits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from storage.deliveries import SentAlert

Write = Callable[[Sequence[SentAlert]], Awaitable[None]]
MAX_BATCH = 200  # rows per write, far below any database's parameter limit


class SentRecorder:
    """Marks sent alerts with `write` (storage.deliveries.mark_sent), at most `max_batch` rows a time."""

    def __init__(self, write: Write, *, max_batch: int = MAX_BATCH) -> None:
        self._write = write
        self.max_batch = max(1, max_batch)
        self._waiting: list[tuple[SentAlert, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.writes = 0  # transactions so far (the benchmark reports rows per write)

    async def record(self, sent: SentAlert) -> None:
        """Return once `sent` is in the database; raise what the write raised (the row stays leased and is
        sent again once its lease runs out, as when a lone write fails)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((sent, done))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_all(), name="record-sent-alerts")
        await done

    async def _write_all(self) -> None:
        try:
            while self._waiting:
                # the sends finishing in this same turn of the event loop join this write
                await asyncio.sleep(0)
                batch = self._waiting[: self.max_batch]
                del self._waiting[: len(batch)]
                try:
                    await self._write([sent for sent, _ in batch])
                except Exception as exc:
                    for _, done in batch:
                        if not done.done():
                            done.set_exception(exc)
                else:
                    for _, done in batch:
                        if not done.done():
                            done.set_result(None)
                self.writes += 1
        finally:
            self._writer = None
