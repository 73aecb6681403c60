"""Builds the python-telegram-bot Application from the settings and registers every handler in one place."""

from __future__ import annotations

import functools
import logging
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, Defaults
from telegram.request import BaseRequest

from bot.aiohttp_request import AiohttpRequest
from bot.context import CONTEXT_TYPES, BotContext, attach
from bot.fairness import BorderwatchApplication, FairUpdateProcessor
from bot.ratelimit import ChatRateLimiter
from storage.chats import get_chat
from storage.db import answer_within
from storage.settings import FREE_SEND_RATE

logger = logging.getLogger(__name__)

COMMAND_CONCURRENCY = 16  # updates handled at once across chats (one per chat: bot.fairness)
# The update kinds asked of Telegram: those a handler reads. Others (members joining a group, reactions, join
# requests, edits, inline queries) would each take a turn in their chat's queue and a database read
# for nothing.
ALLOWED_UPDATES = (Update.MESSAGE, Update.CHANNEL_POST, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER)


def file_url_for(api_url: str) -> str:
    """The Bot API file URL matching `api_url` (…/bot → …/file/bot), as Telegram lays it out."""
    base = api_url.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("/bot")] + "/file/bot"
    return base + "/file/bot"


def request_settings(ctx: BotContext) -> dict[str, Any]:
    """Pool size and timeouts of the HTTP layer sending to the Bot API (the keyword arguments that
    AiohttpRequest and PTB's HTTPXRequest share)."""
    return {
        "connection_pool_size": max(16, ctx.settings.send_concurrency * 2),
        "connect_timeout": 10,
        "read_timeout": 15,
        "write_timeout": 15,
        "pool_timeout": 30,
    }


def build_application(
    ctx: BotContext, *, request: BaseRequest | None = None
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The Application for `ctx.settings` (token, Bot API URL and its file URL): handlers get `ctx` as
    `context.ctx` (bot.context), replies are HTML by default, the chat-aware rate limiter is shared by
    replies and alerts, updates are handled fairly per chat (bot.fairness), every command handler and the
    one error handler are registered (the command menus are bot.menu's, set by the runtime on start).
    Bot API calls but getUpdates go through `request` (default: AiohttpRequest, bot.aiohttp_request; the
    paid-broadcast benchmark passes PTB's HTTPXRequest as its baseline). Raises ValueError without a token."""
    settings = ctx.settings
    token = settings.token
    if token is None:
        raise ValueError(
            "build_application needs BORDERWATCH_TELEGRAM_TOKEN (console mode has no Application)"
        )
    limiter = ChatRateLimiter(
        settings.send_rate, max_in_flight=settings.send_concurrency, free_rate=FREE_SEND_RATE
    )
    processor = FairUpdateProcessor(COMMAND_CONCURRENCY, until_free=limiter.until_free)
    application = (
        ApplicationBuilder()
        .application_class(BorderwatchApplication)
        .context_types(CONTEXT_TYPES)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .token(token)
        .base_url(settings.telegram_api_url)
        .base_file_url(file_url_for(settings.telegram_api_url))
        .rate_limiter(limiter)
        .concurrent_updates(processor)
        .request(request or AiohttpRequest(**request_settings(ctx)))
        .build()
    )
    attach(application, ctx)
    if isinstance(application, BorderwatchApplication):
        application.answer_seconds = settings.command_timeout
    processor.notify = functools.partial(_send_notice, application)
    processor.chat_language = functools.partial(_chat_language, ctx)
    _register_handlers(application)
    return application


async def _send_notice(
    application: Application[Any, Any, Any, Any, Any, Any], chat_id: int, topic: int | None, text: str
) -> None:
    await application.bot.send_message(chat_id, text, message_thread_id=topic)


async def _chat_language(ctx: BotContext, chat_id: int) -> str | None:
    with answer_within(ctx.settings.command_timeout):  # a notice, sent in a chat's turn: never let it hang
        info = await get_chat(ctx.db, chat_id)
    return info.language if info is not None else None


def _register_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    from bot.commands import register
    from bot.error_reply import answer_failed_update

    register(application)
    application.add_error_handler(answer_failed_update)
