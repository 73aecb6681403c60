"""The daily digest job: at each chat's digest time, one message listing the stories since its last digest.

`run_due()` sends every digest due at the clock's time (tests drive it with a controllable clock);
`start()`/`stop()` run it every `Settings.digest_interval` seconds. Each digest is claimed in the database
before it is sent (storage.digests.claim_digest), so it goes out once however many bot processes run; a send
that fails for a passing reason gives the slot back and is tried again on the next tick.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError

from bot.context import BotContext
from bot.deliver import AlertSender, ConsoleSender, TelegramSender
from bot.format import format_digest
from bot.i18n import DEFAULT_LANGUAGE, set_current_language
from bot.telegram_errors import chat_is_gone, may_not_send, topic_is_closed, topic_is_gone
from bot.worker import BackgroundLoop
from storage import chats, deliveries, digests
from storage.chats import get_chat
from storage.db import is_database_error
from storage.quarantine import quarantine_digest

logger = logging.getLogger(__name__)


class DigestJob(BackgroundLoop):
    """Sends due digests; one instance per bot process (started and stopped as bot.worker says)."""

    def __init__(
        self,
        ctx: BotContext,
        bot: Bot | None = None,
        *,
        sender: AlertSender | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__("digests")
        self.ctx = ctx
        self.sender: AlertSender = sender or (TelegramSender(bot) if bot is not None else ConsoleSender())
        self.clock = clock or ctx.clock
        # chats where the bot may not post: their digest waits, tried again at this time (HOLD_RETRY apart)
        self._held: dict[int, datetime] = {}

    def _name(self, entity_id: str) -> str:
        gazetteer = self.ctx.gazetteer
        info = gazetteer.get(entity_id) if gazetteer is not None else None
        return str(info.name) if info is not None else entity_id

    async def run_due(self, *, after_migration: bool = False) -> int:
        """Send every digest due now (an empty one is not sent, its slot is used); returns digests sent.
        A digest that cannot be made is quarantined and the others go on. A group that became a supergroup
        is moved there (with its subscriptions, modes and digest slot) and its digest sent there now."""
        sent = 0
        migrated = False
        now = self.clock()
        # a hold that has passed is no hold: dropped, so a chat that turned its digest off or is gone is
        # not remembered for the process's life
        self._held = {chat: until for chat, until in self._held.items() if until > now}
        for due in await digests.due_digests(self.ctx.db, now):
            if self._held.get(due.chat_id, now) > now:
                continue  # the bot may not post there: not tried before HOLD_RETRY has passed
            if not await digests.claim_digest(self.ctx.db, due):
                continue  # another process has it
            try:
                html = await self._make(due)
            except Exception as exc:  # one chat's digest must never stop the others'
                if is_database_error(exc):
                    logger.warning("digest for chat %s: database error (%s); retrying", due.chat_id, exc)
                    await digests.release_digest(self.ctx.db, due)
                    continue
                logger.exception("digest for chat %s cannot be made; quarantined", due.chat_id)
                await quarantine_digest(self.ctx.db, due.chat_id, exc)
                continue
            if html is None:
                continue
            thread = self.ctx.closed_topics.route(due.chat_id, due.thread_id, now)
            try:
                await self.sender.send(due.chat_id, thread, html)
            except ChatMigrated as exc:
                logger.info("chat %s became %s; moving it and its digest", due.chat_id, exc.new_chat_id)
                await digests.release_digest(self.ctx.db, due)
                await deliveries.migrate_chat(self.ctx.db, due.chat_id, int(exc.new_chat_id), now)
                migrated = True
                continue
            except (Forbidden, BadRequest) as exc:
                if thread is not None and topic_is_closed(exc):
                    logger.info(
                        "chat %s: forum topic %s is closed; digests go to General", due.chat_id, thread
                    )
                    self.ctx.closed_topics.close(due.chat_id, thread, now)  # until reopened (bot.topics)
                    await digests.release_digest(self.ctx.db, due)  # sent to General on the next tick
                    continue
                if may_not_send(exc) or topic_is_closed(exc):
                    logger.warning(
                        "chat %s: the bot may not send there (%s); its digest waits", due.chat_id, exc.message
                    )
                    self._held[due.chat_id] = now + deliveries.HOLD_RETRY
                    await digests.release_digest(self.ctx.db, due)
                    continue
                if due.thread_id is not None and topic_is_gone(exc):
                    logger.info(
                        "chat %s: forum topic %s is gone; digests go to General", due.chat_id, due.thread_id
                    )
                    await chats.leave_topic(self.ctx.db, due.chat_id, due.thread_id)
                    await digests.release_digest(self.ctx.db, due)  # sent there on the next tick
                    continue
                if not chat_is_gone(exc):
                    logger.error("Telegram refused the digest for chat %s: %s", due.chat_id, exc.message)
                    continue
                await deliveries.deactivate_chat(self.ctx.db, due.chat_id, exc.message[:200])
                continue
            except (TelegramError, OSError) as exc:
                logger.warning("digest for chat %s failed (%s); retrying on the next tick", due.chat_id, exc)
                await digests.release_digest(self.ctx.db, due)
                continue
            self._held.pop(due.chat_id, None)
            sent += 1
        if migrated and not after_migration:
            sent += await self.run_due(after_migration=True)
        return sent

    async def _make(self, due: digests.DueDigest) -> str | None:
        """The digest's HTML in its chat's /lang language, or None when no story is in it."""
        stories = await digests.digest_stories(self.ctx.db, due.chat_id, due.since, due.slot)
        if not stories:
            return None
        chat = await get_chat(self.ctx.db, due.chat_id)
        set_current_language(chat.language if chat is not None and chat.language else DEFAULT_LANGUAGE)
        return format_digest(stories, self._name, due.since, due.slot)

    async def round(self) -> bool:
        """Send the digests due now; the next look is Settings.digest_interval seconds later."""
        await self.run_due()
        return False

    def pause(self) -> float:
        return self.ctx.settings.digest_interval
