"""The delivery loop: pending outbox rows become Telegram messages, each exactly once, none lost.

Rows are leased from storage (P1 first, then oldest), grouped by chat and sent chat by chat in order, many
chats at once. The rate limiter (bot.ratelimit) paces the sends; this loop decides what a failure means:
RetryAfter postpones the chat's rows, 5xx/network/timeouts retry with backoff and end dead after repeated
failures, 403/"chat not found" deactivate the chat, ChatMigrated moves it and resends.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol, TextIO

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot import metrics
from bot.context import BotContext
from bot.format import format_alert, plain_text
from bot.ratelimit import NO_RETRIES, retry_after_seconds
from storage import deliveries
from storage.deliveries import ClaimedDelivery

logger = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 1.0
# Telegram's "the chat is gone for us" answers; anything else that is a 400 is a message Telegram refuses.
_CHAT_GONE = ("chat not found", "bot was blocked", "bot was kicked", "user is deactivated", "not a member")


class AlertSender(Protocol):
    """Puts one alert (Telegram HTML) into a chat and returns the message id."""

    async def send(self, chat_id: int, thread_id: int | None, html: str) -> int: ...


class TelegramSender:
    """Sends through python-telegram-bot; RetryAfter comes back to the loop at once (no in-limiter retry)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: int, thread_id: int | None, html: str) -> int:
        """Send `html` to the chat (topic `thread_id` in a forum) without link previews."""
        kwargs: dict[str, Any] = {}
        if hasattr(self.bot, "rate_limiter") and self.bot.rate_limiter is not None:
            kwargs["rate_limit_args"] = NO_RETRIES
        message = await self.bot.send_message(
            chat_id,
            html,
            parse_mode=ParseMode.HTML,
            message_thread_id=thread_id,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            **kwargs,
        )
        return message.message_id


class ConsoleSender:
    """Console mode (no token): prints each alert as the user would read it."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream
        self._ids = itertools.count(1)

    async def send(self, chat_id: int, thread_id: int | None, html: str) -> int:
        """Print the alert with the chat it was for."""
        stream = self.stream or sys.stdout
        where = f"chat {chat_id}" + (f" topic {thread_id}" if thread_id else "")
        print(f"── alert for {where} ──\n{plain_text(html)}\n", file=stream, flush=True)
        return next(self._ids)


class DeliveryLoop:
    """Sends the outbox. `start()`/`stop()` run it in the background; `run_until_idle()` drives it by hand
    (tests with a controllable clock)."""

    def __init__(
        self,
        ctx: BotContext,
        bot: Bot | None = None,
        *,
        sender: AlertSender | None = None,
        clock: Callable[[], datetime] | None = None,
        max_attempts: int = deliveries.DEFAULT_MAX_ATTEMPTS,
        idle_poll: float = IDLE_POLL_SECONDS,
        batch: int | None = None,
    ) -> None:
        self.ctx = ctx
        self.sender: AlertSender = sender or (TelegramSender(bot) if bot is not None else ConsoleSender())
        self.clock = clock or ctx.clock
        self.max_attempts = max_attempts
        self.idle_poll = idle_poll
        # Chats worked on at once; the limiter caps requests actually in flight (Settings.send_concurrency).
        self.batch = batch or max(64, ctx.settings.send_concurrency * 8)
        self._busy: dict[int, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Run the loop in the background until stop()."""
        if self._task is None:
            self._stopping = asyncio.Event()
            self._task = asyncio.create_task(self._run(), name="delivery-loop")

    async def stop(self) -> None:
        """Stop claiming, let the sends in flight finish, and give unsent leased rows back."""
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._drain()

    def wake(self) -> None:
        """New rows may be due (a story was stored): look now instead of at the next poll."""
        self._wake.set()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                claimed = await self.step()
            except Exception:
                logger.exception("delivery loop step failed; retrying")
                claimed = 0
            metrics.heartbeat("delivery")
            if claimed and len(self._busy) < self.batch:
                continue
            waiters: list[asyncio.Future[Any]] = [asyncio.ensure_future(self._wake.wait())]
            waiters.extend(self._busy.values())
            await asyncio.wait(waiters, timeout=self.idle_poll, return_when=asyncio.FIRST_COMPLETED)
            waiters[0].cancel()
            self._wake.clear()

    async def _drain(self) -> None:
        if self._busy:
            await asyncio.gather(*self._busy.values(), return_exceptions=True)

    # ------------------------------------------------------------ one round

    async def step(self) -> int:
        """Lease what is due for chats not already being sent to and start sending; returns rows leased."""
        room = self.batch - len(self._busy)
        if room <= 0 or await deliveries.delivery_paused(self.ctx.db):
            return 0
        claimed = await deliveries.claim_due(
            self.ctx.db, now=self.clock(), limit=room, exclude_chats=list(self._busy)
        )
        by_chat: dict[int, list[ClaimedDelivery]] = {}
        for row in claimed:
            by_chat.setdefault(row.chat_id, []).append(row)
        for chat_id, rows in by_chat.items():
            task = asyncio.create_task(self._send_chat(rows), name=f"deliver-{chat_id}")
            self._busy[chat_id] = task
            task.add_done_callback(self._forget(chat_id))
        return len(claimed)

    def _forget(self, chat_id: int) -> Callable[[asyncio.Task[None]], None]:
        def done(_task: asyncio.Task[None]) -> None:
            self._busy.pop(chat_id, None)

        return done

    async def run_until_idle(self) -> int:
        """Send everything due at the current clock, then return how many rows were leased in total."""
        total = 0
        while True:
            claimed = await self.step()
            total += claimed
            if not claimed and not self._busy:
                return total
            if self._busy and not claimed:
                await asyncio.wait(list(self._busy.values()), return_when=asyncio.FIRST_COMPLETED)

    # ------------------------------------------------------------ one chat

    async def _send_chat(self, rows: list[ClaimedDelivery]) -> None:
        for index, row in enumerate(rows):
            if self._stopping.is_set() or await deliveries.delivery_paused(self.ctx.db):
                await deliveries.postpone(self.ctx.db, [r.id for r in rows[index:]], self.clock())
                return
            try:
                keep_going = await self._send_one(row, rows[index + 1 :])
            except Exception:  # the database failed: the lease runs out and the row is sent again later
                logger.exception("delivery %s for chat %s: could not record the outcome", row.id, row.chat_id)
                return
            if not keep_going:
                return

    async def _send_one(self, row: ClaimedDelivery, rest: list[ClaimedDelivery]) -> bool:
        """Send one row; False when the chat's other leased rows are settled (postponed, dropped, moved)."""
        db = self.ctx.db
        try:
            message_id = await self.sender.send(row.chat_id, row.thread_id, format_alert(row.alert))
        except RetryAfter as exc:
            metrics.record_telegram_error(429)
            until = self.clock() + timedelta(seconds=retry_after_seconds(exc))
            await deliveries.postpone(db, [row.id, *(r.id for r in rest)], until, "429 retry after")
            return False
        except ChatMigrated as exc:
            logger.info(
                "chat %s became %s; moving its subscriptions and alerts", row.chat_id, exc.new_chat_id
            )
            await deliveries.migrate_chat(db, row.chat_id, int(exc.new_chat_id), self.clock())
            self._wake.set()
            return False
        except Forbidden as exc:
            metrics.record_telegram_error(403)
            await self._chat_gone(row, exc)
            return False
        except BadRequest as exc:
            metrics.record_telegram_error(400)
            if any(reason in exc.message.lower() for reason in _CHAT_GONE):
                await self._chat_gone(row, exc)
                return False
            logger.error("Telegram refused alert %s for chat %s: %s", row.id, row.chat_id, exc.message)
            await deliveries.mark_dead(db, row.id, f"400 {exc.message}")
            metrics.record_alert_failed()
            return True
        except (NetworkError, TelegramError, OSError) as exc:  # TimedOut is a NetworkError; 5xx too
            metrics.record_telegram_error("network")
            status = await deliveries.retry_later(
                db, row.id, f"{type(exc).__name__}: {exc}", self.clock(), max_attempts=self.max_attempts
            )
            if status == "dead":
                logger.warning(
                    "alert %s for chat %s is dead after repeated failures: %s", row.id, row.chat_id, exc
                )
                metrics.record_alert_failed()
            return True
        await deliveries.mark_sent(db, row.id, message_id, self.clock())
        metrics.record_alert_sent((self.clock() - row.queued_at).total_seconds())
        return True

    async def _chat_gone(self, row: ClaimedDelivery, exc: TelegramError) -> None:
        logger.info("chat %s cannot receive alerts (%s); deactivating it", row.chat_id, exc.message)
        dropped = await deliveries.deactivate_chat(self.ctx.db, row.chat_id, exc.message[:200])
        for _ in range(dropped):
            metrics.record_alert_failed()
