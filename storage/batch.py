"""Group commit: transaction jobs queued by concurrent tasks run together, one transaction per batch.

A thousand polls finishing within a second each need a short transaction (record the fetch, store the new
items). Run one by one, the fixed cost of a transaction (connection checkout, BEGIN, COMMIT, and on SQLite the
wait for the single writer) dominates. Here whichever caller finds no batch running takes every job queued so
far and runs them in one transaction, while the next callers queue up behind it. Each caller still returns
only once its own job is committed, so nothing changes for the caller but the time it takes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database

__all__ = ["GroupCommit"]

T = TypeVar("T")
Job = Callable[[AsyncSession], Awaitable[Any]]
_Entry = tuple[Job, "asyncio.Future[Any]"]


class GroupCommit:
    """Runs `run(job)` calls of concurrent tasks in shared transactions, at most `max_batch` jobs each."""

    def __init__(self, db: Database, *, max_batch: int = 200) -> None:
        self._db = db
        self._max_batch = max_batch
        self._queue: list[_Entry] = []
        self._lock = asyncio.Lock()

    async def run(self, job: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `job(session)` inside a transaction shared with other queued jobs; return its result once
        committed. If the shared transaction fails, every job of that batch is retried in a transaction of
        its own, so a job that fails raises its own error and leaves the others committed. A job may thus
        run twice (the first run rolled back): it must not have effects outside the session.
        """
        own: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        entry: _Entry = (job, own)
        self._queue.append(entry)
        try:
            while not own.done():
                async with self._lock:
                    if own.done():
                        break
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
        result: T = own.result()
        return result

    async def _commit(self, batch: list[_Entry]) -> None:
        try:
            async with self._db.transaction() as session:
                results = [await job(session) for job, _ in batch]
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0][1], error=exc)
                return
            for job, future in batch:
                try:
                    async with self._db.transaction() as session:
                        result = await job(session)
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
