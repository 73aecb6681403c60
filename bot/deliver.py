"""The delivery loop: pending outbox rows become Telegram messages, each exactly once, none lost.

Rows are leased from storage (each chat's alerts, then its edits and replies, source by source in turn, P1
first then oldest within a turn: storage.deliveries._queue), grouped by chat and sent chat by chat in order,
many chats at once. The rate limiter (bot.ratelimit) paces the sends; this loop decides what a failure means:
RetryAfter postpones the chat's rows, 5xx/network/timeouts retry with backoff and end dead after repeated
failures over a day (storage.deliveries.RETRY_WINDOW), 403/"chat not found" deactivate the chat,
ChatMigrated moves it and resends, a deleted forum topic sends the chat's alerts to its General topic (and a
closed one until it is reopened: bot.topics), a chat where the bot may not post holds its alerts without
counting attempts (storage.deliveries.hold_chat) until it may again. A sent
alert is marked sent together with the others that finished meanwhile (bot.sent_record), and with
BORDERWATCH_PAID_BROADCAST alerts go with allow_paid_broadcast (TelegramSender).

Once an alert is sent, later sources of its story edit it ("also reported by …", editMessageText, rate-limited
like messages) and a rise in severity sends one reply to it (storage.alert_updates). When two stories a chat
was alerted to turn out to be one, the newer alert is edited into a pointer to the older ("same story as …").
An edit that Telegram refuses because the message is gone, too old or unchanged is dropped: it never becomes a
second alert.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import math
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol, TextIO

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot import metrics
from bot.context import BotContext
from bot.format import format_alert, format_pointer, message_link, plain_text
from bot.ratelimit import NO_RETRIES, retry_after_seconds
from bot.report_button import ButtonChat, report_button_chats, report_buttons
from bot.sent_record import MAX_BATCH, SentRecorder
from bot.telegram_errors import chat_is_gone, may_not_send, topic_is_closed, topic_is_gone
from bot.worker import BackgroundLoop
from feeds.liveness import ProcessLiveness
from storage import alert_updates, chats, deliveries, quarantine
from storage.alert_updates import ClaimedUpdate, SentUpdate
from storage.db import is_unavailable, log_failure
from storage.deliveries import Alert, ClaimedDelivery, SentAlert

logger = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 1.0
# Telegram's "this message cannot be edited" answers: the edit is dropped, nothing else is sent.
_EDIT_GONE = (
    "message to edit not found",
    "message can't be edited",
    "message is not modified",
    "message_id_invalid",
)

Claimed = ClaimedDelivery | ClaimedUpdate
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # Telegram objects are immutable: one serves every send
FORMATTED_KEPT = 256  # alerts whose HTML is kept while they are sent (a broadcast sends one to every chat)


class AlertSender(Protocol):
    """Puts one alert (Telegram HTML) into a chat and returns the message id; edits a sent one."""

    async def send(
        self,
        chat_id: int,
        thread_id: int | None,
        html: str,
        reply_to: int | None = None,
        buttons: InlineKeyboardMarkup | None = None,
    ) -> int: ...

    async def edit(
        self, chat_id: int, message_id: int, html: str, buttons: InlineKeyboardMarkup | None = None
    ) -> None: ...


class TelegramSender:
    """Sends through python-telegram-bot; RetryAfter comes back to the loop at once (no in-limiter retry).
    It says its parse mode (HTML) itself: it works with any Bot, not only the Application's (whose default
    parse mode is HTML too). With `paid_broadcast`, messages go with allow_paid_broadcast (Telegram lets
    them past its free 30 messages/s and charges Stars for each); edits have no such option."""

    def __init__(self, bot: Bot, *, paid_broadcast: bool = False) -> None:
        self.bot = bot
        self.paid_broadcast = paid_broadcast

    def _limits(self) -> dict[str, Any]:
        if hasattr(self.bot, "rate_limiter") and self.bot.rate_limiter is not None:
            return {"rate_limit_args": NO_RETRIES}
        return {}

    async def send(
        self,
        chat_id: int,
        thread_id: int | None,
        html: str,
        reply_to: int | None = None,
        buttons: InlineKeyboardMarkup | None = None,
    ) -> int:
        """Send `html` to the chat (topic `thread_id` in a forum) without link previews, as a reply to
        message `reply_to` when given (sent anyway if that message is gone), with `buttons` under it."""
        kwargs = self._limits()
        if self.paid_broadcast:
            kwargs["allow_paid_broadcast"] = True
        if reply_to is not None:
            kwargs["reply_parameters"] = ReplyParameters(
                message_id=reply_to, allow_sending_without_reply=True
            )
        message = await self.bot.send_message(
            chat_id,
            html,
            parse_mode=ParseMode.HTML,
            message_thread_id=thread_id,
            link_preview_options=NO_PREVIEW,
            reply_markup=buttons,
            **kwargs,
        )
        return message.message_id

    async def edit(
        self, chat_id: int, message_id: int, html: str, buttons: InlineKeyboardMarkup | None = None
    ) -> None:
        """Replace the text of a sent alert (editMessageText; counted by the rate limiter like a message)."""
        await self.bot.edit_message_text(
            html,
            chat_id=chat_id,
            message_id=message_id,
            parse_mode=ParseMode.HTML,
            link_preview_options=NO_PREVIEW,
            reply_markup=buttons,
            **self._limits(),
        )


class ConsoleSender:
    """Console mode (no token): prints each alert as the user would read it."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream
        self._ids = itertools.count(1)

    async def send(
        self,
        chat_id: int,
        thread_id: int | None,
        html: str,
        reply_to: int | None = None,
        buttons: InlineKeyboardMarkup | None = None,
    ) -> int:
        """Print the alert with the chat it was for (buttons are not shown)."""
        stream = self.stream or sys.stdout
        where = f"chat {chat_id}" + (f" topic {thread_id}" if thread_id else "")
        reply = f" (reply to alert {reply_to})" if reply_to is not None else ""
        print(f"── alert for {where}{reply} ──\n{plain_text(html)}\n", file=stream, flush=True)
        return next(self._ids)

    async def edit(
        self, chat_id: int, message_id: int, html: str, buttons: InlineKeyboardMarkup | None = None
    ) -> None:
        """Print the alert as edited."""
        stream = self.stream or sys.stdout
        print(
            f"── alert {message_id} for chat {chat_id}, updated ──\n{plain_text(html)}\n",
            file=stream,
            flush=True,
        )


class DeliveryLoop(BackgroundLoop):
    """Sends the outbox. `start()`/`stop()` run it in the background (bot.worker); `run_until_idle()` drives
    it by hand (tests with a controllable clock)."""

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
        liveness: ProcessLiveness | None = None,
        mark_batch: int = MAX_BATCH,
    ) -> None:
        super().__init__("delivery-loop")
        self.ctx = ctx
        # the process instance the rows are leased to (None: leases end only when they run out)
        self.liveness = liveness
        self.sender: AlertSender = sender or (
            TelegramSender(bot, paid_broadcast=ctx.settings.paid_broadcast)
            if bot is not None
            else ConsoleSender()
        )
        self.clock = clock or ctx.clock
        self.max_attempts = max_attempts
        self.idle_poll = idle_poll
        # Chats worked on at once: only what is about to be sent is leased (twice what may be in flight, so
        # the next sends are ready when one finishes); the limiter caps requests actually in flight.
        # At a paid broadcast's 1,000 messages/s that is a tenth of a second of sends (a lease per 50 sends).
        self.batch = batch or max(
            16, ctx.settings.send_concurrency * 2, math.ceil(ctx.settings.send_rate / 10)
        )
        self._paused = False  # what the last lease found (/pause), so each send need not ask the database
        # A send is in flight until its outcome is recorded: Telegram may have the message while the database
        # does not say so yet, which is what a crash can repeat, so that window is capped too.
        self._unrecorded = asyncio.Semaphore(ctx.settings.send_concurrency)
        # sends that finish together are marked sent in one transaction (bot.sent_record); each still waits
        # for its mark inside `_unrecorded`, so the crash bound stays SEND_CONCURRENCY
        self.recorder = SentRecorder[SentAlert](
            functools.partial(deliveries.mark_sent, ctx.db),
            max_batch=mark_batch,
            giving_up=lambda: self.stopping,
        )
        # and so are sent edits and replies: one given back to the outbox would reach the chat again
        self.update_recorder = SentRecorder[SentUpdate](
            functools.partial(alert_updates.mark_updates_sent, ctx.db),
            max_batch=mark_batch,
            giving_up=lambda: self.stopping,
            what="sent alert updates",
        )
        self._busy: dict[int, asyncio.Task[None]] = {}
        self._formatted: dict[Alert, str] = {}

    # ------------------------------------------------------------ the background loop (bot.worker)

    async def round(self) -> bool:
        """Lease and start sending what is due; True while rows keep coming and there is room for more."""
        try:
            claimed = await self.step()
        finally:
            metrics.heartbeat("delivery")
        return bool(claimed) and len(self._busy) < self.batch

    def pause(self) -> float:
        return self.idle_poll

    def waiting_on(self) -> list[asyncio.Task[None]]:
        """A chat finishing makes room: the next round starts then."""
        return list(self._busy.values())

    async def finish(self) -> None:
        """The sends in flight finish (unsent leased rows of a stopping loop are given back)."""
        if self._busy:
            await asyncio.gather(*self._busy.values(), return_exceptions=True)

    # ------------------------------------------------------------ one round

    async def step(self) -> int:
        """Lease what is due for chats not already being sent to and start sending; returns rows leased.
        While chats are being sent to, it waits until half the batch is free: leases come in chunks."""
        room = self.batch - len(self._busy)
        if room <= 0 or (self._busy and room < self.batch // 2):
            return 0
        self._paused = await deliveries.delivery_paused(self.ctx.db)
        if self._paused:
            return 0
        lease = timedelta(seconds=self.ctx.settings.delivery_lease_seconds)
        owner = self.liveness.id if self.liveness is not None else None
        # the chats being sent to as the alerts are leased: a chat that finishes while they are leased had
        # no alert leased, so none of its edits may be either (its new alerts go before its edits)
        sending = set(self._busy)
        claimed: list[Claimed] = list(
            await deliveries.claim_due(
                self.ctx.db,
                now=self.clock(),
                limit=room,
                exclude_chats=sorted(sending),
                lease=lease,
                owner=owner,
            )
        )
        # edits and replies of chats not being sent to (an alert is always sent before its edits)
        busy = sending | set(self._busy) | {row.chat_id for row in claimed}
        claimed.extend(
            await alert_updates.claim_due_updates(
                self.ctx.db,
                now=self.clock(),
                limit=room,
                exclude_chats=sorted(busy),
                lease=lease,
                owner=owner,
            )
        )
        by_chat: dict[int, list[Claimed]] = {}
        for row in claimed:
            by_chat.setdefault(row.chat_id, []).append(row)
        buttons = await report_button_chats(self.ctx, by_chat) if by_chat else {}
        for chat_id, rows in by_chat.items():
            task = asyncio.create_task(
                self._send_chat(rows, owner, buttons.get(chat_id)), name=f"deliver-{chat_id}"
            )
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
            # a chat that finished while the step ran was left out of it as busy: look again then
            was_busy = bool(self._busy)
            claimed = await self.step()
            total += claimed
            if not claimed and not self._busy and not was_busy:
                return total
            if self._busy and not claimed:
                await asyncio.wait(list(self._busy.values()), return_when=asyncio.FIRST_COMPLETED)

    # ------------------------------------------------------------ one chat

    async def _postpone(
        self, rows: list[Claimed], until: datetime, reason: str | None = None, *, owner: str | None = None
    ) -> None:
        db = self.ctx.db
        await deliveries.postpone(
            db, [r.id for r in rows if isinstance(r, ClaimedDelivery)], until, reason, owner=owner
        )
        await alert_updates.postpone_updates(
            db, [r.id for r in rows if isinstance(r, ClaimedUpdate)], until, reason, owner=owner
        )

    def _holds(self, owner: str | None) -> bool:
        """Whether rows leased as `owner` are still this process's to send (no other process can have seen
        it dead and taken them up)."""
        return self.liveness is None or self.liveness.holds(owner)

    async def _send_chat(
        self, rows: list[Claimed], owner: str | None = None, buttons: ButtonChat | None = None
    ) -> None:
        for index, row in enumerate(rows):
            if self.stopping or not self._holds(owner) or self._paused:
                await self._postpone(rows[index:], self.clock(), owner=owner)
                return
            try:
                async with self._unrecorded:
                    if isinstance(row, ClaimedUpdate):
                        keep_going = await self._send_update(row, rows[index + 1 :], buttons)
                    else:
                        keep_going = await self._send_one(row, rows[index + 1 :], buttons)
            except Exception as exc:
                # the outcome could not be recorded: the lease runs out and the row is sent again later
                if is_unavailable(exc):
                    # every chat in flight meets the same outage at once (a stop while the database does
                    # not answer): one line for them all, as the loops log it
                    log_failure(logger, "delivery: could not record the outcome of a send", exc)
                else:
                    logger.exception(
                        "delivery %s for chat %s: could not record the outcome", row.id, row.chat_id
                    )
                return
            if not keep_going:
                return

    async def _send_one(
        self, row: ClaimedDelivery, rest: list[Claimed], button_chat: ButtonChat | None = None
    ) -> bool:
        """Send one row; False when the chat's other leased rows are settled (postponed, dropped, moved)."""
        db = self.ctx.db
        html = await self._render(row)
        if html is None:
            return True
        try:
            buttons = await report_buttons(self.ctx, row.chat_id, row.id, row.alert.entity_ids, button_chat)
            message_id = await self.sender.send(row.chat_id, self._topic(row), html, buttons=buttons)
        except (TelegramError, OSError) as exc:
            if await self._settle_chat(row, rest, exc):
                return False
            if isinstance(exc, BadRequest):
                metrics.record_telegram_error(400)
                logger.error("Telegram refused alert %s for chat %s: %s", row.id, row.chat_id, exc.message)
                await deliveries.mark_dead(db, row.id, f"400 {exc.message}")
                metrics.record_alert_failed()
                return True
            # network errors, timeouts (TimedOut is a NetworkError) and 5xx
            metrics.record_telegram_error("network")
            status = await deliveries.retry_later(
                db, row.id, f"{type(exc).__name__}: {exc}", self.clock(), max_attempts=self.max_attempts
            )
            if status == "dead":
                logger.warning(
                    "alert %s for chat %s is dead after repeated failures: %s", row.id, row.chat_id, exc
                )
                metrics.record_alert_failed()
            return await self._hold_rest(rest)
        await self.recorder.record(SentAlert(row.id, message_id, self.clock(), shown=row.alert))
        metrics.record_alert_sent((self.clock() - row.queued_at).total_seconds())
        return True

    async def _send_update(
        self, row: ClaimedUpdate, rest: list[Claimed], button_chat: ButtonChat | None = None
    ) -> bool:
        """Edit the alert or reply to it; False when the chat's other leased rows are settled."""
        db, now = self.ctx.db, self.clock()
        if not row.needed:
            await alert_updates.finish_update(db, row.id, "skipped", now, reason="nothing new to show")
            return True
        html = await self._render(row)
        if html is None:
            return True
        reply_id: int | None = None
        try:
            if row.kind in ("edit", "pointer"):
                # an edited alert keeps its "not about" buttons; a pointer to an earlier alert has none
                buttons = (
                    await report_buttons(
                        self.ctx, row.chat_id, row.delivery_id, row.alert.entity_ids, button_chat
                    )
                    if row.kind == "edit"
                    else None
                )
                await self.sender.edit(row.chat_id, row.message_id, html, buttons=buttons)
            else:
                reply_id = await self.sender.send(
                    row.chat_id, self._topic(row), html, reply_to=row.message_id
                )
        except (TelegramError, OSError) as exc:
            if await self._settle_chat(row, rest, exc):
                return False
            if isinstance(exc, BadRequest):
                metrics.record_telegram_error(400)
                message = exc.message.lower()
                gone = any(reason in message for reason in _EDIT_GONE)
                if not gone:
                    logger.error(
                        "Telegram refused %s %s for chat %s: %s", row.kind, row.id, row.chat_id, exc.message
                    )
                await alert_updates.finish_update(
                    db, row.id, "skipped" if gone else "dead", self.clock(), reason=f"400 {exc.message}"
                )
                return True
            metrics.record_telegram_error("network")
            await alert_updates.retry_update_later(
                db, row.id, f"{type(exc).__name__}: {exc}", self.clock(), max_attempts=self.max_attempts
            )
            return await self._hold_rest(rest)
        await self.update_recorder.record(SentUpdate(row, self.clock(), reply_id))
        return True

    def _topic(self, row: Claimed) -> int | None:
        """The forum topic a new message of `row` goes to: the chat's, or General while that is closed."""
        return self.ctx.closed_topics.route(row.chat_id, row.thread_id, self.clock())

    async def _hold_rest(self, rest: list[Claimed]) -> bool:
        """After a 5xx, network error or timeout, the chat's other leased rows wait as long as the failed one
        does at first: each would likely fail the same way, holding a send slot for its own timeout one after
        another (a few such chats then hold delivery for everyone), and sent now they would overtake it.
        False when there were any (the chat's rows are settled)."""
        if not rest:
            return True
        await self._postpone(rest, self.clock() + deliveries.BACKOFF_BASE)
        return False

    async def _render(self, row: Claimed) -> str | None:
        """The alert's HTML (or the pointer's, for an alert whose story was merged into another); None when it
        cannot be made (the row is quarantined, the chat's others go on)."""
        try:
            if isinstance(row, ClaimedUpdate) and row.kind == "pointer" and row.pointer_to is not None:
                return format_pointer(row.alert, row.was, link=message_link(row.chat_id, row.pointer_to))
            return self._alert_html(row.alert)
        except Exception as exc:
            logger.exception("alert of row %s for chat %s cannot be formatted", row.id, row.chat_id)
            if isinstance(row, ClaimedUpdate):
                await quarantine.quarantine_update(self.ctx.db, row.id, exc)
            else:
                await quarantine.quarantine_delivery(self.ctx.db, row.id, exc)
            metrics.record_alert_failed()
            return None

    def _alert_html(self, alert: Alert) -> str:
        """format_alert, once per alert rather than once per chat (a broadcast sends one alert to every
        chat); a failure is not kept."""
        html = self._formatted.get(alert)
        if html is None:
            html = format_alert(alert)
            if len(self._formatted) >= FORMATTED_KEPT:
                self._formatted.clear()
            self._formatted[alert] = html
        return html

    async def _settle_chat(self, row: Claimed, rest: list[Claimed], exc: Exception) -> bool:
        """Handle an error about the whole chat rather than this row (told to wait, moved, gone) for this row
        and the chat's other leased rows; False when the error concerns this row only."""
        if isinstance(exc, RetryAfter):
            metrics.record_telegram_error(429)
            until = self.clock() + timedelta(seconds=retry_after_seconds(exc))
            await self._postpone([row, *rest], until, "429 retry after")
            return True
        if isinstance(exc, ChatMigrated):
            logger.info(
                "chat %s became %s; moving its subscriptions and alerts", row.chat_id, exc.new_chat_id
            )
            await deliveries.migrate_chat(self.ctx.db, row.chat_id, int(exc.new_chat_id), self.clock())
            self.wake()
            return True
        if isinstance(exc, TelegramError) and chat_is_gone(exc):
            metrics.record_telegram_error(403 if isinstance(exc, Forbidden) else 400)
            await self._chat_gone(row, exc)
            return True
        sends = not (isinstance(row, ClaimedUpdate) and row.kind in ("edit", "pointer"))
        topic = self._topic(row)
        if sends and topic is not None and topic_is_closed(exc):
            # closed, not deleted: admins may reopen it, so the chat keeps it (bot.topics); meanwhile these
            # and the chat's later alerts go to its General topic
            metrics.record_telegram_error(400)
            logger.info("chat %s: forum topic %s is closed; alerts go to General", row.chat_id, topic)
            self.ctx.closed_topics.close(row.chat_id, topic, self.clock())
            await self._postpone([row, *rest], self.clock(), "forum topic closed")
            self.wake()
            return True
        if isinstance(exc, BadRequest) and (may_not_send(exc) or (sends and topic_is_closed(exc))):
            # the bot is in the chat but may not post (restricted, no right to post, General closed too);
            # an edit Telegram refuses so holds the chat as a message does, rather than ending dead
            metrics.record_telegram_error(400)
            await self._hold_chat(row, exc)
            return True
        if row.thread_id is not None and topic_is_gone(exc):
            # the forum topic was deleted: the chat's alerts go to its General topic, starting with these
            metrics.record_telegram_error(400)
            logger.info("chat %s: forum topic %s is gone; alerts go to General", row.chat_id, row.thread_id)
            await chats.leave_topic(self.ctx.db, row.chat_id, row.thread_id)
            await self._postpone([row, *rest], self.clock(), "forum topic deleted")
            self.wake()
            return True
        return False

    async def _hold_chat(self, row: Claimed, exc: TelegramError) -> None:
        """Every unsent row of the chat waits (deliveries.hold_chat): tried again every HOLD_RETRY, or at
        once when Telegram says the bot may send there again (bot.commands.membership); others go on."""
        now = self.clock()
        logger.warning(
            "chat %s: the bot may not send there (%s); its alerts wait and are tried again every %s",
            row.chat_id,
            exc.message,
            deliveries.HOLD_RETRY,
        )
        dead = await deliveries.hold_chat(
            self.ctx.db, row.chat_id, f"400 {exc.message}", now, until=now + deliveries.HOLD_RETRY
        )
        for _ in range(dead):
            metrics.record_alert_failed()

    async def _chat_gone(self, row: Claimed, exc: TelegramError) -> None:
        logger.info("chat %s cannot receive alerts (%s); deactivating it", row.chat_id, exc.message)
        dropped = await deliveries.deactivate_chat(self.ctx.db, row.chat_id, exc.message[:200])
        for _ in range(dropped):
            metrics.record_alert_failed()
