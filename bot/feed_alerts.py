"""Failing-feed notices: every admin hears once when a feed has failed for a while, and once when it recovers.

`feeds.failure_notified` is the memory: set when the failure notice is claimed, cleared when the recovery
notice is claimed (storage.feeds.record_fetch leaves it alone), so nothing repeats in between, across restarts
and across processes. The time comes from `ctx.clock`, so tests move it instead of sleeping.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import Application

from bot.context import BotCallbackContext, BotContext
from bot.replies import NO_PREVIEW, escape, utc_time
from storage.admins import admin_ids
from storage.feed_admin import FeedNotice, claim_failure_notices, claim_recovery_notices

log = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 60.0
MAX_ERROR_SHOWN = 500


@dataclass(frozen=True, slots=True)
class NoticeRound:
    """What one check did: the feeds announced as failing and as recovered, and messages sent."""

    failing: tuple[int, ...]
    recovered: tuple[int, ...]
    messages: int


def failure_text(notice: FeedNotice) -> str:
    """The notice of a failing feed: its name, URL, since when, and the last error."""
    error = notice.last_error or "unknown error"
    if len(error) > MAX_ERROR_SHOWN:
        error = error[: MAX_ERROR_SHOWN - 1] + "…"
    since = utc_time(notice.failing_since) if notice.failing_since else "a while"
    return (
        f"⚠️ Feed #{notice.id} <b>{escape(notice.name)}</b> has been failing since {since}.\n"
        f"{escape(notice.url)}\nLast error: {escape(error)}"
    )


def recovery_text(notice: FeedNotice) -> str:
    """The notice of a feed that fetches fine again."""
    return f"✅ Feed #{notice.id} <b>{escape(notice.name)}</b> works again.\n{escape(notice.url)}"


async def send_feed_notices(bot: Bot, ctx: BotContext) -> NoticeRound:
    """Claim and send the due failure and recovery notices to every admin (their private chat).

    A notice that cannot reach one admin (never started the bot, blocked it) is logged; others still get it.
    """
    failing = await claim_failure_notices(ctx.db, ctx.clock(), ctx.settings.feed_failure_notice_after)
    recovered = await claim_recovery_notices(ctx.db)
    texts = [failure_text(n) for n in failing] + [recovery_text(n) for n in recovered]
    sent = 0
    if texts:
        for admin in sorted(await admin_ids(ctx.db, ctx.settings.admin_ids)):
            for text in texts:
                try:
                    await bot.send_message(admin, text, link_preview_options=NO_PREVIEW)
                    sent += 1
                except TelegramError as exc:
                    log.warning("could not send a feed notice to admin %s: %s", admin, exc)
    return NoticeRound(tuple(n.id for n in failing), tuple(n.id for n in recovered), sent)


async def feed_notices_job(context: BotCallbackContext) -> None:
    """JobQueue callback: one round of `send_feed_notices` with the application's BotContext."""
    await send_feed_notices(context.bot, context.ctx)


def schedule_feed_notices(
    application: Application[Any, Any, Any, Any, Any, Any], every_seconds: float = CHECK_EVERY_SECONDS
) -> None:
    """Run `feed_notices_job` every `every_seconds` on the application's job queue."""
    if application.job_queue is None:
        raise RuntimeError("python-telegram-bot's job-queue extra is required for failing-feed notices")
    application.job_queue.run_repeating(
        feed_notices_job, interval=every_seconds, first=every_seconds, name="feed-notices"
    )
