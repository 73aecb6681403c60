"""Recording sent alerts by group commit: the sends that finish while one write is under way share the next.
The same recorder marks sent edits and severity replies (storage.alert_updates.mark_updates_sent): Telegram
has those too, and one given back to the outbox would reach the chat twice.

Each send waits until its row is marked sent, as before, so a crash can still repeat only the sends in flight
(the delivery loop's SEND_CONCURRENCY); what changes is that one transaction and one UPDATE mark every row
whose send finished meanwhile, instead of one each. No timer is involved: a lone send is written at once, and
batches grow by themselves as sends come faster than the database commits.

A write the database cannot take (it is down, restarting or locked) is tried again until it can: Telegram has
those messages, so a row left "sending" would be given back to the outbox and sent a second time. The sends
keep waiting meanwhile, holding their slots, so no more alerts go out than can be recorded (the crash bound
holds through an outage). Only a stopping loop (`giving_up`) stops trying.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from storage.db import is_database_error

logger = logging.getLogger(__name__)

Sent = TypeVar(
    "Sent"
)  # what one send leaves to record (storage.deliveries.SentAlert, alert_updates.SentUpdate)
MAX_BATCH = 200  # rows per write, far below any database's parameter limit
RETRY_FIRST, RETRY_MOST = 0.25, 2.0  # seconds between tries of a write the database failed (doubling)


class SentRecorder(Generic[Sent]):
    """Marks sent rows with `write` (storage.deliveries.mark_sent, alert_updates.mark_updates_sent), at most
    `max_batch` rows a time; `what` names them in the log."""

    def __init__(
        self,
        write: Callable[[Sequence[Sent]], Awaitable[None]],
        *,
        max_batch: int = MAX_BATCH,
        giving_up: Callable[[], bool] = lambda: False,
        what: str = "sent alerts",
    ) -> None:
        self._write = write
        self.max_batch = max(1, max_batch)
        self._giving_up = giving_up
        self._what = what
        self._waiting: list[tuple[Sent, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.writes = 0  # transactions so far (the benchmark reports rows per write)

    async def record(self, sent: Sent) -> None:
        """Return once `sent` is in the database. A database failure is tried again until the write works;
        what a write raised otherwise, or while `giving_up`, is raised here (the row stays leased and is sent
        again once its lease runs out, as after a crash)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((sent, done))
        if self._writer is None:
            self._writer = asyncio.create_task(
                self._write_all(), name=f"record-{self._what}".replace(" ", "-")
            )
        await done

    async def _write_all(self) -> None:
        try:
            while self._waiting:
                # the sends finishing in this same turn of the event loop join this write
                await asyncio.sleep(0)
                batch = self._waiting[: self.max_batch]
                del self._waiting[: len(batch)]
                try:
                    await self._written([sent for sent, _ in batch])
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

    async def _written(self, batch: list[Sent]) -> None:
        """`write(batch)`, tried again while the database fails and the loop is not giving up."""
        pause = RETRY_FIRST
        failed = False
        while True:
            try:
                await self._write(batch)
            except Exception as exc:
                if not is_database_error(exc) or self._giving_up():
                    raise
                if not failed:
                    logger.warning(
                        "could not record %d %s (%s); trying again until the database answers",
                        len(batch),
                        self._what,
                        type(exc).__name__,
                    )
                    failed = True
                await asyncio.sleep(pause)
                pause = min(pause * 2, RETRY_MOST)
            else:
                if failed:
                    logger.warning("recorded %d %s once the database answered", len(batch), self._what)
                return
