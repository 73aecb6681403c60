"""Builds the python-telegram-bot Application from the settings and registers every handler in one place."""

from __future__ import annotations

import functools
import importlib
import logging
from typing import Any

from telegram import BotCommand
from telegram.ext import Application, ApplicationBuilder

from bot.context import BotContext
from bot.fairness import BorderwatchApplication, FairUpdateProcessor
from bot.ratelimit import ChatRateLimiter

logger = logging.getLogger(__name__)

COMMAND_CONCURRENCY = 16  # updates handled at once across chats (one per chat: bot.fairness)

# The menu everyone sees (admin commands are answered but not advertised).
MENU: tuple[tuple[str, str], ...] = (
    ("start", "Register this chat and see what the bot does"),
    ("help", "Every command with an example"),
    ("subscribe", "Alerts for an entity: /subscribe Sev Lake, or all"),
    ("unsubscribe", "Stop alerts for an entity, or all"),
    ("mysubs", "What this chat is subscribed to"),
    ("status", "Last 24 h and 7 days, or /status <entity>"),
    ("latest", "Latest stories: /latest [n] [entity]"),
    ("search", "Search stored news: /search <words>"),
    ("entities", "Everything that can be tracked"),
    ("quiet", "Quiet hours: /quiet 23:00-07:00 or off"),
)


def file_url_for(api_url: str) -> str:
    """The Bot API file URL matching `api_url` (…/bot → …/file/bot), as Telegram lays it out."""
    base = api_url.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("/bot")] + "/file/bot"
    return base + "/file/bot"


def build_application(ctx: BotContext) -> Application[Any, Any, Any, Any, Any, Any]:
    """The Application for `ctx.settings` (token, Bot API URL and its file URL), with ctx in
    bot_data["ctx"], the chat-aware rate limiter shared by replies and alerts, updates handled fairly per
    chat (bot.fairness), every command handler registered, and the command menu set on start. Raises
    ValueError without a token."""
    settings = ctx.settings
    token = settings.token
    if token is None:
        raise ValueError(
            "build_application needs BORDERWATCH_TELEGRAM_TOKEN (console mode has no Application)"
        )
    limiter = ChatRateLimiter(settings.send_rate, max_in_flight=settings.send_concurrency)
    processor = FairUpdateProcessor(COMMAND_CONCURRENCY, until_free=limiter.until_free)
    application = (
        ApplicationBuilder()
        .application_class(BorderwatchApplication)
        .token(token)
        .base_url(settings.telegram_api_url)
        .base_file_url(file_url_for(settings.telegram_api_url))
        .rate_limiter(limiter)
        .concurrent_updates(processor)
        .connect_timeout(10)
        .read_timeout(15)
        .write_timeout(15)
        .pool_timeout(30)
        .connection_pool_size(max(16, settings.send_concurrency * 2))
        .post_init(_post_init)
        .build()
    )
    application.bot_data["ctx"] = ctx
    processor.notify = functools.partial(_send_notice, application)
    _register_handlers(application)
    return application


async def _send_notice(
    application: Application[Any, Any, Any, Any, Any, Any], chat_id: int, topic: int | None, text: str
) -> None:
    await application.bot.send_message(chat_id, text, message_thread_id=topic)


def _register_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    from bot.commands import register
    from bot.error_reply import answer_failed_update

    register(application)
    application.add_error_handler(answer_failed_update)


def menu() -> list[BotCommand]:
    """The commands shown in Telegram's menu (the user commands of bot.commands)."""
    commands = importlib.import_module("bot.commands")
    entries = commands.user_command_menu() if hasattr(commands, "user_command_menu") else MENU
    return [BotCommand(name, description) for name, description in entries]


async def register_menu(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Set the command menu with setMyCommands (runtime calls it on start; run_polling via post_init)."""
    await application.bot.set_my_commands(menu())


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await register_menu(application)
