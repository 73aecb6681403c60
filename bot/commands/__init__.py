"""Chat command handlers, registered on the Application in one place (`register`)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.commands import admin, charts, history, language, review, stories, subscriptions
from bot.commands.membership import register_membership
from bot.commands.unknown import register_unknown_command
from bot.context import BotCallbackContext

Callback = Callable[[Update, BotCallbackContext], Coroutine[Any, Any, None]]

# Commands arrive as messages in chats and groups and as posts in channels; edits are not commands.
COMMAND_UPDATES = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST

# (command, callback, description for the command menu). Admin commands are appended after these.
USER_COMMANDS: list[tuple[str, Callback, str]] = [
    ("start", subscriptions.start, "What this bot does"),
    ("help", subscriptions.help_command, "Every command with an example"),
    ("subscribe", subscriptions.subscribe, "Follow entities: /subscribe Sev Lake, or a keyboard"),
    ("unsubscribe", subscriptions.unsubscribe, "Stop following entities"),
    ("mysubs", subscriptions.mysubs, "What this chat follows"),
    ("status", history.status, "Counts for your entities, or /status <entity>"),
    ("latest", history.latest, "Latest stories: /latest [n] [entity]"),
    ("search", history.search, "Search stored history: /search <words>"),
    ("entities", history.entities, "Every tracked entity"),
    ("quiet", subscriptions.quiet, "Hold alerts at night: /quiet 23:00-07:00"),
    ("chart", charts.chart, "Chart of daily stories: /chart Sev Lake 30"),
    ("lang", language.lang, "Reply language: /lang en, ru, hy, az or auto"),
    ("digest", stories.digest, "A daily digest: /digest daily 08:00 or off"),
    ("alerts", stories.alerts, "Alerts as they happen: /alerts on or off (P1 always)"),
]


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add every user command handler, the /subscribe keyboard's callback handler, the handler of a group's
    move to a supergroup, the bot's own membership changes (bot.commands.membership) and, last, the answer
    to an unknown command to `application`."""
    language.register_language_detection(application)
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, subscriptions.chat_migrated))
    register_membership(application)
    for name, callback, _description in USER_COMMANDS:
        application.add_handler(CommandHandler(name, callback, filters=COMMAND_UPDATES))
    application.add_handler(
        CallbackQueryHandler(subscriptions.keyboard_pressed, pattern=f"^{subscriptions.KEYBOARD_PREFIX}")
    )
    admin.register_admin_commands(application)
    review.register_review_commands(application)
    application.add_handler(CommandHandler("story", stories.story, filters=COMMAND_UPDATES))
    # last: only a command no handler above took
    register_unknown_command(application, COMMAND_UPDATES)
