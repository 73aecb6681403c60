"""The start/stop of a loop that runs in the background (the delivery loop, the digest job): one definition.

`start()` runs `round()` again and again until `stop()`. After a round that says there is more to do the next
starts at once; otherwise the loop sleeps until `wake()`, `stop()`, one of `waiting_on()` finishing, or
`pause()` seconds. A round that raises is logged and the loop goes on. `stop()` lets the round in progress
finish, then calls `finish()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Iterable
from typing import Any

from storage.db import log_failure

logger = logging.getLogger(__name__)


class BackgroundLoop(ABC):
    """See the module docstring."""

    def __init__(self, name: str) -> None:
        self._loop_name = name
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()

    @abstractmethod
    async def round(self) -> bool:
        """One round of work; True when there is more to do at once."""

    @abstractmethod
    def pause(self) -> float:
        """The longest sleep between two rounds, in seconds."""

    def waiting_on(self) -> Iterable[Awaitable[Any]]:
        """Work in progress whose end should start the next round early (none by default)."""
        return ()

    async def finish(self) -> None:  # noqa: B027 (a hook: nothing to do by default)
        """Called by stop() once the loop has ended (nothing by default)."""

    @property
    def stopping(self) -> bool:
        """stop() was called."""
        return self._stopping.is_set()

    def start(self) -> None:
        """Run the loop in the background until stop()."""
        if self._task is None:
            self._stopping = asyncio.Event()
            self._task = asyncio.create_task(self._run(), name=self._loop_name)

    async def stop(self) -> None:
        """Stop: the round in progress finishes, then finish()."""
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.finish()

    def wake(self) -> None:
        """There may be work now: start the next round without waiting for the pause to end."""
        self._wake.set()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                more = await self.round()
            except Exception as exc:
                log_failure(logger, "%s: round failed; retrying", exc, self._loop_name)
                more = False
            if more or self._stopping.is_set():
                continue
            waiters: list[asyncio.Future[Any]] = [asyncio.ensure_future(self._wake.wait())]
            waiters.extend(asyncio.ensure_future(work) for work in self.waiting_on())
            await asyncio.wait(waiters, timeout=self.pause(), return_when=asyncio.FIRST_COMPLETED)
            waiters[0].cancel()
            self._wake.clear()


__all__ = ["BackgroundLoop"]
