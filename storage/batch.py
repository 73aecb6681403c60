"""Group commit: work items queued by concurrent tasks are handled together, one transaction per batch.

A thousand polls finishing within a second each need a short transaction (record the fetch, store the new
items). Run one by one, the fixed cost of a transaction (connection checkout, BEGIN, COMMIT, and on SQLite the
wait for the single writer) and of one statement per poll dominates. Here whichever caller finds no batch
running takes every item queued so far and hands them all to one handler call in one transaction (which can
then use one statement for many items), while the next callers queue up behind it. Each caller still
returns only once its own item is committed, so nothing changes for the caller but the time it takes.

When items trickle in (polls finishing one by one) each batch would hold only the few that arrived during
the last commit; a short linger before taking a batch lets more join it, as PostgreSQL's commit_delay does.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Generic, TypeVar

__all__ = ["GroupCommit"]

Item = TypeVar("Item")
Result = TypeVar("Result")
Transaction = TypeVar("Transaction")
Handler = Callable[[Transaction, Sequence[Item]], Awaitable[Sequence[Result]]]


class GroupCommit(Generic[Transaction, Item, Result]):
    """Handles the items of concurrent `run(item)` calls in batches of at most `max_batch`.

    `begin()` opens one transaction (committed when its block ends: Database.transaction,
    storage.ingest.ingest_transaction); `handle(transaction, items)` gets the items of one batch, in the
    order they were queued, inside it, and returns one result per item, in the same order. A batch that is
    not full waits `linger` seconds for more items before it starts.
    """

    def __init__(
        self,
        begin: Callable[[], AbstractAsyncContextManager[Transaction]],
        handle: Handler[Transaction, Item, Result],
        *,
        max_batch: int = 200,
        linger: float = 0.0,
    ) -> None:
        self._begin = begin
        self._handle = handle
        self._max_batch = max_batch
        self._linger = linger
        self._queue: list[tuple[Item, asyncio.Future[Result]]] = []
        self._lock = asyncio.Lock()

    async def run(self, item: Item) -> Result:
        """Handle `item` in a transaction shared with the other queued items; return its result once
        committed. If the shared transaction fails, every item of that batch is handled again in a
        transaction of its own, so an item that fails raises its own error and leaves the others committed.
        An item may thus be handled twice (the first time rolled back): handling must have no effect outside
        the session.
        """
        own: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        entry = (item, own)
        self._queue.append(entry)
        try:
            while not own.done():
                async with self._lock:
                    if own.done():
                        break
                    if self._linger and len(self._queue) < self._max_batch:
                        await asyncio.sleep(self._linger)
                    batch = self._queue[: self._max_batch]
                    del self._queue[: self._max_batch]
                    try:
                        await self._commit(batch)
                    except BaseException:
                        # cancelled half-way: the other callers' unfinished jobs go back to the queue
                        self._queue[:0] = [e for e in batch if e is not entry and not e[1].done()]
                        raise
        except asyncio.CancelledError:
            if entry in self._queue:
                self._queue.remove(entry)
            own.cancel()
            raise
        return own.result()

    @contextlib.asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        """Hold off batches while the caller writes on its own (no waiting on SQLite's writer lock)."""
        async with self._lock:
            yield

    async def _commit(self, batch: list[tuple[Item, asyncio.Future[Result]]]) -> None:
        try:
            async with self._begin() as transaction:
                results = await self._handle(transaction, [item for item, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0][1], error=exc)
                return
            for item, future in batch:
                try:
                    async with self._begin() as transaction:
                        (result,) = await self._handle(transaction, [item])
                except Exception as error:
                    _settle(future, error=error)
                else:
                    _settle(future, result=result)
            return
        for (_, future), result in zip(batch, results, strict=True):
            _settle(future, result=result)


def _settle(future: asyncio.Future[Any], *, result: Any = None, error: BaseException | None = None) -> None:
    if future.done():  # its caller was cancelled meanwhile
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
