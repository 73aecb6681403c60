"""Fair update handling: one chat's flood of commands never holds the bot for everyone else.

python-telegram-bot runs each update as soon as one of its concurrent slots is free, and a reply then waits
inside that slot for its chat's send limit (1 message/s): 200 commands from one chat held every slot for
minutes. `FairUpdateProcessor` handles updates one chat at a time instead, each chat with a short queue:

- at most one update per chat is handled at once, in the order they came;
- a chat's command or button press takes a shared slot only once its chat may be sent to
  (ChatRateLimiter.until_free), so a slot is never held waiting for one chat's limit; an update the bot
  never answers (the bot's membership, a service message) does not wait for that limit at all;
- a free shared slot goes to a waiting command or button press before a waiting update the bot never
  answers, so another user's /start does not wait behind hundreds of groups removing the bot; but never
  more than `concurrency` times in a row while such an update waits, so those are all still handled;
- beyond `per_chat_queue` waiting updates, a chat's other updates are dropped (its membership changes and
  the service messages that move it or reopen a topic never are), and the chat gets one notice per burst
  ("Too many commands at once; the rest were ignored.");
- `close()` (called when the Application stops) drops whatever waits and gives the updates being handled
  `grace` seconds before cancelling them, so shutdown is prompt under any backlog.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseUpdateProcessor

from bot.arguments import message_text
from bot.i18n import N_, choose_language, translation
from storage.db import answer_within

logger = logging.getLogger(__name__)

FLOOD_NOTICE = N_("Too many commands at once; the rest were ignored.")
PER_CHAT_QUEUE = 4  # waiting besides the one being handled: a user pasting a few commands gets every answer
SHUTDOWN_GRACE = 5.0
# updates admitted to the processor at once (python-telegram-bot's own semaphore); the shared slots that
# actually run handlers are `concurrency`
ADMITTED = 10_000

Notify = Callable[[int, int | None, str], Awaitable[object]]
ChatLanguage = Callable[[int], Awaitable[str | None]]  # a chat's /lang choice, None when it made none


class _Slots:
    """The shared handling slots. A freed slot goes to the longest-waiting command or button press
    (`answered`) before an update the bot never answers, but after `concurrency` such turns in a row while
    one of those waits, that one gets the next: precedence for people, no starvation for the rest."""

    def __init__(self, concurrency: int) -> None:
        self.concurrency = concurrency
        self._free = concurrency
        self._waiting: dict[bool, deque[asyncio.Future[None]]] = {True: deque(), False: deque()}
        self._passed_over = 0  # turns given to answered updates while an unanswered one waited

    @contextlib.asynccontextmanager
    async def taken(self, *, answered: bool) -> AsyncIterator[None]:
        """Hold one slot for the block, waiting for it by `answered`'s precedence."""
        await self._acquire(answered)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, answered: bool) -> None:
        if self._free > 0 and not any(self._waiting.values()):
            self._free -= 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[answered].append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release()  # handed over just as the waiter was cancelled: pass it on
            elif turn in self._waiting[answered]:  # else _release already skipped it
                self._waiting[answered].remove(turn)
            raise

    def _release(self) -> None:
        while (queue := self._next_queue()) is not None:
            turn = queue.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self._free += 1

    def _next_queue(self) -> deque[asyncio.Future[None]] | None:
        answered, unanswered = self._waiting[True], self._waiting[False]
        if answered and (not unanswered or self._passed_over < self.concurrency):
            if unanswered:
                self._passed_over += 1
            return answered
        self._passed_over = 0
        return unanswered or None


@dataclass
class _Work:
    update: object
    coroutine: Awaitable[Any]
    done: asyncio.Future[None]

    def discard(self) -> None:
        if isinstance(self.coroutine, Coroutine):
            self.coroutine.close()  # never started: no "was never awaited" warning
        if not self.done.done():
            self.done.set_result(None)


@dataclass
class _Lane:
    """One chat's updates: the waiting ones, the worker handling them, the notice of this burst."""

    waiting: deque[_Work] = field(default_factory=deque)
    worker: asyncio.Task[None] | None = None
    current: asyncio.Future[Any] | None = None
    busy: bool = False  # one of its updates is out of `waiting` and being handled
    notice_to: tuple[int | None, str | None] | None = None  # (forum topic, user's language) once owed
    noticed: bool = False


class FairUpdateProcessor(BaseUpdateProcessor):
    """python-telegram-bot update processor: per-chat order and queue, shared slots, prompt close."""

    def __init__(
        self,
        concurrency: int,
        *,
        until_free: Callable[[int], float] = lambda _chat_id: 0.0,
        notify: Notify | None = None,
        per_chat_queue: int = PER_CHAT_QUEUE,
        grace: float = SHUTDOWN_GRACE,
    ) -> None:
        super().__init__(max_concurrent_updates=ADMITTED)
        self.concurrency = concurrency
        self.per_chat_queue = per_chat_queue
        self.grace = grace
        self._until_free = until_free
        self.notify = notify  # set once the Application (and so its bot) exists
        self.chat_language: ChatLanguage | None = None  # the notice is in the chat's /lang choice when set
        self._slots = _Slots(concurrency)
        self._lanes: dict[int, _Lane] = {}
        self._closed = asyncio.Event()
        self.dropped = 0

    async def initialize(self) -> None:
        """Open for updates (again)."""
        self._closed = asyncio.Event()
        self._slots = _Slots(self.concurrency)

    async def shutdown(self) -> None:
        """Close, if the Application did not already."""
        await self.close()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Queue the update behind its chat's others (or drop it), and return once it was handled."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        work = _Work(update, coroutine, done)
        if self._closed.is_set():
            work.discard()
            return
        chat_id = _chat_id(update)
        if chat_id is None:
            async with self._slots.taken(answered=_may_be_answered(update)):
                if self._closed.is_set():  # closed while it waited for a slot
                    work.discard()
                    return
                await coroutine
            return
        lane = self._lanes.setdefault(chat_id, _Lane())
        if len(lane.waiting) + lane.busy > self.per_chat_queue and _droppable(update):
            self._drop(lane, work)
            return
        lane.waiting.append(work)
        if lane.worker is None or lane.worker.done():
            lane.worker = asyncio.create_task(self._work_through(chat_id, lane), name=f"chat-{chat_id}")
        await done

    def _drop(self, lane: _Lane, work: _Work) -> None:
        self.dropped += 1
        if not lane.noticed and _is_command(work.update):
            lane.noticed = True
            lane.notice_to = _notice_target(work.update)
        work.discard()

    async def _work_through(self, chat_id: int, lane: _Lane) -> None:
        try:
            while lane.waiting and not self._closed.is_set():
                work = lane.waiting.popleft()
                lane.busy = True
                try:
                    await self._handle(chat_id, lane, work)
                finally:
                    lane.busy = False
                if not lane.waiting and lane.notice_to is not None:
                    await self._send_notice(chat_id, lane)
        finally:
            for work in lane.waiting:
                work.discard()
            lane.waiting.clear()
            if self._lanes.get(chat_id) is lane:
                del self._lanes[chat_id]

    async def _handle(self, chat_id: int, lane: _Lane, work: _Work) -> None:
        answered = _may_be_answered(work.update)
        if answered and not await self._room(chat_id):
            work.discard()
            return
        async with self._slots.taken(answered=answered):
            if self._closed.is_set():  # closed while it waited for a slot: dropped like the waiting ones
                work.discard()
                return
            lane.current = asyncio.ensure_future(work.coroutine)
            await asyncio.wait([lane.current])
        finished, lane.current = lane.current, None
        if work.done.done():
            return
        if finished.cancelled():
            work.done.set_result(None)
        elif finished.exception() is not None:
            work.done.set_exception(finished.exception())  # type: ignore[arg-type]
        else:
            work.done.set_result(None)

    async def _room(self, chat_id: int) -> bool:
        """Wait (holding nothing) until the chat may be sent to; False when closing meanwhile."""
        while (wait := self._until_free(chat_id)) > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), wait)
            if self._closed.is_set():
                return False
        return not self._closed.is_set()

    async def _send_notice(self, chat_id: int, lane: _Lane) -> None:
        assert lane.notice_to is not None
        topic, user_language = lane.notice_to
        lane.notice_to = None
        if self.notify is None or not await self._room(chat_id):
            return
        try:
            async with self._slots.taken(answered=True):
                chosen = await self.chat_language(chat_id) if self.chat_language is not None else None
                language = choose_language(chosen, user_language)
                await self.notify(chat_id, topic, translation(language).gettext(FLOOD_NOTICE))
        except Exception as exc:  # a notice is a courtesy: never let it stop the chat's lane
            logger.info("flood notice to chat %s not sent: %s", chat_id, exc)

    async def close(self) -> None:
        """Stop taking updates: drop every waiting one, give those being handled `grace` seconds, then
        cancel them."""
        self._closed.set()
        for lane in self._lanes.values():
            for work in lane.waiting:
                work.discard()
            lane.waiting.clear()
        running = [lane.current for lane in self._lanes.values() if lane.current is not None]
        if running:
            _done, late = await asyncio.wait(running, timeout=self.grace)
            for task in late:
                task.cancel()
            if late:
                logger.info("cancelled %d command(s) still running at shutdown", len(late))
                await asyncio.wait(late)
        workers = [lane.worker for lane in self._lanes.values() if lane.worker is not None]
        if workers:
            await asyncio.wait(workers, timeout=self.grace)


class BorderwatchApplication(Application[Any, Any, Any, Any, Any, Any]):
    """The Application, stopping promptly: its FairUpdateProcessor closes before python-telegram-bot waits
    for every update it fetched to be handled. With `answer_seconds` (bot.app sets the command time limit),
    each database transaction an update's handlers open must be done within that time, so a database that
    does not answer makes the command fail in time (storage.db.answer_within) rather than leave it hanging."""

    answer_seconds: float | None = None

    async def process_update(self, update: object) -> None:
        """Handle `update` as python-telegram-bot does, with its transactions limited by `answer_seconds`."""
        if self.answer_seconds is None:
            await super().process_update(update)
            return
        with answer_within(self.answer_seconds):
            await super().process_update(update)

    async def stop(self) -> None:
        """Close the update processor, then stop as python-telegram-bot does."""
        processor = self.update_processor
        if isinstance(processor, FairUpdateProcessor):
            await processor.close()
        await super().stop()


def _chat_id(update: object) -> int | None:
    if not isinstance(update, Update) or update.effective_chat is None:
        return None
    return update.effective_chat.id


def _droppable(update: object) -> bool:
    """Whether `update` may be dropped from a full queue: anything but the bot's membership changes and the
    service messages that move the chat to a supergroup or reopen a forum topic (their handlers change the
    chat's state, which nothing else would until its next alert)."""
    if not isinstance(update, Update):
        return False
    if update.my_chat_member is not None:
        return False
    message = update.effective_message
    return message is None or not (
        message.migrate_to_chat_id or message.migrate_from_chat_id or message.forum_topic_reopened
    )


def _may_be_answered(update: object) -> bool:
    """Whether handling `update` may send a message to its chat: a command or a button press."""
    return isinstance(update, Update) and (update.callback_query is not None or _is_command(update))


def _is_command(update: object) -> bool:
    return message_text(update).startswith("/")


def _notice_target(update: object) -> tuple[int | None, str | None]:
    assert isinstance(update, Update)
    message = update.effective_message
    topic = message.message_thread_id if message is not None and message.is_topic_message else None
    user = update.effective_user
    return topic, user.language_code if user is not None else None


__all__ = ["FLOOD_NOTICE", "BorderwatchApplication", "FairUpdateProcessor"]
