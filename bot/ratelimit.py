"""Telegram's flood limits, kept before Telegram has to enforce them, shared by alerts and command replies.

Each limit is a pool of slots: a request takes a slot, and the slot comes back one period after the request
*finished*. Telegram counts a message when it arrives, which is before the response is back, so no window
Telegram looks at can hold more than the limit, whatever the network jitter. Limits: `overall_rate` messages
per second overall, 2 per 2 seconds in any one chat (1/s sustained, a reply may follow a reply at once),
and at most 20 per minute in a group or channel besides. With paid broadcast the overall rate may be up to
1,000/s, but only for messages sent with allow_paid_broadcast: the others (command replies, edits) keep
to `free_rate` among themselves. A RetryAfter pauses only the chat it came from.
`until_free` tells how long a chat's next message would wait, so a caller can wait for it outside any
shared slot (bot.fairness).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import math
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

logger = logging.getLogger(__name__)

# Endpoints that put a message into a chat; Telegram's per-chat limits apply to these.
_MESSAGE_ENDPOINTS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendVideo",
        "sendAudio",
        "sendAnimation",
        "sendVoice",
        "sendSticker",
        "sendMediaGroup",
        "sendLocation",
        "sendPoll",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
    }
)
_EDIT_ENDPOINTS = frozenset({"editMessageText", "editMessageCaption", "editMessageReplyMarkup"})
# rate_limit_args meaning "do not retry": ExtBot silently drops a falsy 0, so "none" is spelled -1.
NO_RETRIES = -1
MAX_RETRY_WAIT = 60.0  # a reply that would wait longer than this for Telegram is given up, not held
HOLD_AT_MOST = 1.0  # longest a caller without retries waits here for a chat Telegram told to wait
# longest wait taken from Telegram: a bigger retry_after is a fault (10^12 s is past the year 9999)
LONGEST_RETRY_AFTER = 86_400.0
# chats known before the idle ones are forgotten; while the others are busy, the next look waits until there
# are twice as many as the look left (else each new chat of a fan-out would look at every chat again)
FORGET_IDLE_ABOVE = 5000


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds (a timedelta since bot/__init__ opts in to PTB_TIMEDELTA), one
    day at most."""
    value = error.retry_after
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return min(seconds, LONGEST_RETRY_AFTER)


class SlotPool:
    """At most `size` uses in any `period` seconds: a slot is free again `period` after its use ended."""

    def __init__(self, size: int, period: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.size = size
        self.period = period
        self._clock = clock
        self._free_at: list[float] = [0.0] * size  # a heap of the times each idle slot comes free
        self._waiters = 0
        self._changed = asyncio.Condition()

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot for the duration of the block (waiting for one to come free first)."""
        async with self._changed:
            while True:
                if self._free_at:
                    wait = self._free_at[0] - self._clock()
                    if wait <= 0:
                        heapq.heappop(self._free_at)
                        break
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), wait)
                else:
                    await self._changed.wait()
        try:
            yield
        finally:
            async with self._changed:
                heapq.heappush(self._free_at, self._clock() + self.period)
                self._changed.notify_all()

    def wait_time(self, now: float) -> float:
        """Seconds until a slot is free at `now` (0: one is free; every slot in use: one period)."""
        if not self._free_at:
            return self.period
        return max(0.0, self._free_at[0] - now)

    def idle_since(self, now: float) -> bool:
        """Whether every slot is back and free (the pool can be forgotten)."""
        return len(self._free_at) == self.size and all(t <= now for t in self._free_at)


@dataclass
class _Chat:
    pools: tuple[SlotPool, ...]  # every one of them gives a slot to each message
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    blocked_until: float = 0.0
    users: int = 0

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a slot of each of the chat's pools (one request per chat at a time: no lock-order issue)."""
        async with contextlib.AsyncExitStack() as stack:
            for pool in self.pools:
                await stack.enter_async_context(pool.slot())
            yield

    def wait_time(self, now: float) -> float:
        return max(self.blocked_until - now, *(pool.wait_time(now) for pool in self.pools))

    def idle_since(self, now: float) -> bool:
        return self.users == 0 and self.blocked_until <= now and all(p.idle_since(now) for p in self.pools)


class ChatRateLimiter(BaseRateLimiter[int]):
    """python-telegram-bot rate limiter that keeps Telegram's limits per chat and overall.

    `rate_limit_args` (the per-call argument of ExtBot methods) is how many times to retry after a
    RetryAfter; the delivery loop passes NO_RETRIES and reschedules itself, command replies retry up to
    `max_retries`.
    """

    def __init__(
        self,
        overall_rate: float = 30.0,
        *,
        max_in_flight: int = 8,
        max_retries: int = 3,
        private_per_period: int = 2,
        private_period: float = 2.0,
        group_per_minute: int = 20,
        free_rate: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._overall = _rate_pool(overall_rate, clock)
        # messages without allow_paid_broadcast, when the overall rate is above what Telegram gives free
        self._free = _rate_pool(free_rate, clock) if free_rate and free_rate < overall_rate else None
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self._max_retries = max_retries
        self._private = (private_per_period, private_period)
        self._group = (group_per_minute, 60.0)
        self._clock = clock
        self._chats: dict[int | str, _Chat] = {}
        self._forget_idle_above = FORGET_IDLE_ABOVE

    async def initialize(self) -> None:
        """Nothing to set up: the pools are created lazily per chat."""

    async def shutdown(self) -> None:
        """Forget every chat's state."""
        self._chats.clear()

    def _chat(self, chat_id: int | str) -> _Chat:
        state = self._chats.get(chat_id)
        if state is None:
            if len(self._chats) > self._forget_idle_above:
                self._forget_idle()
                self._forget_idle_above = max(FORGET_IDLE_ABOVE, 2 * len(self._chats))
            private = isinstance(chat_id, int) and chat_id > 0
            pools = [SlotPool(*self._private, self._clock)]
            if not private:
                pools.append(SlotPool(*self._group, self._clock))
            state = _Chat(tuple(pools))
            self._chats[chat_id] = state
        return state

    def _forget_idle(self) -> None:
        now = self._clock()
        for key, state in list(self._chats.items()):
            if state.idle_since(now):
                del self._chats[key]

    def until_free(self, chat_id: int | str) -> float:
        """Seconds until a message to `chat_id` could go without waiting here (0: now)."""
        state = self._chats.get(chat_id)
        return 0.0 if state is None else state.wait_time(self._clock())

    def block_chat(self, chat_id: int | str, seconds: float) -> None:
        """Hold every request to `chat_id` for `seconds` (Telegram answered RetryAfter for it)."""
        state = self._chat(chat_id)
        state.blocked_until = max(state.blocked_until, self._clock() + seconds)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Run `callback` once the limits allow it; on RetryAfter pause only that chat, then retry."""
        chat_id = _chat_key(data.get("chat_id"))
        counted = endpoint in _MESSAGE_ENDPOINTS or endpoint in _EDIT_ENDPOINTS
        if chat_id is None or not counted:
            return await callback(*args, **kwargs)
        retries = self._max_retries if rate_limit_args is None else max(0, rate_limit_args)
        state = self._chat(chat_id)
        state.users += 1
        try:
            async with state.lock:  # one request at a time per chat keeps messages in order
                for attempt in range(retries + 1):
                    wait = state.blocked_until - self._clock()
                    if wait > (HOLD_AT_MOST if retries == 0 else MAX_RETRY_WAIT):
                        # the chat is still told to wait: a caller that reschedules itself (the delivery
                        # loop) gets that back at once instead of holding its send slot for the whole wait
                        raise RetryAfter(timedelta(seconds=math.ceil(wait)))
                    if wait > 0:
                        await asyncio.sleep(wait)
                    try:
                        result: bool | dict[str, Any] | list[dict[str, Any]] = await self._send(
                            state, endpoint, bool(data.get("allow_paid_broadcast")), callback, args, kwargs
                        )
                        return result
                    except RetryAfter as exc:
                        seconds = retry_after_seconds(exc)
                        state.blocked_until = max(state.blocked_until, self._clock() + seconds)
                        if attempt >= retries or seconds > MAX_RETRY_WAIT:
                            raise
                        logger.info("Telegram asked to wait %.0f s for chat %s; retrying", seconds, chat_id)
                raise AssertionError("unreachable")
        finally:
            state.users -= 1

    async def _send(
        self,
        state: _Chat,
        endpoint: str,
        paid: bool,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
    ) -> Any:
        async with contextlib.AsyncExitStack() as stack:
            # edits count toward the overall rate, not the chat's messages
            if endpoint not in _EDIT_ENDPOINTS:
                await stack.enter_async_context(state.slot())
            if self._free is not None and not paid:
                await stack.enter_async_context(self._free.slot())
            await stack.enter_async_context(self._in_flight)
            await stack.enter_async_context(self._overall.slot())
            return await callback(*args, **kwargs)


def _rate_pool(rate: float, clock: Callable[[], float]) -> SlotPool:
    """`rate` uses per second as a pool: floor(rate) slots, each free again floor(rate)/rate s after use."""
    size = max(1, math.floor(rate))
    return SlotPool(size, size / rate, clock)


def _chat_key(chat_id: object) -> int | str | None:
    if chat_id is None:
        return None
    if isinstance(chat_id, int):
        return chat_id
    try:
        return int(str(chat_id))
    except ValueError:
        return str(chat_id)  # @channelusername: a channel, limited like a group
