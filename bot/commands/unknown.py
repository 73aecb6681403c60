"""A command the bot does not know gets one plain line naming /help: in a private chat any command, in
groups and channels only one addressed to this bot (/foo@this_bot), never a command meant for another bot."""

from __future__ import annotations

from typing import Any

from telegram import Chat, MessageEntity, Update
from telegram.ext import Application, MessageHandler, filters

from bot.context import BotCallbackContext
from bot.i18n import N_, _
from bot.replies import escape, reply

UNKNOWN_COMMAND = N_("Unknown command {command}. /help lists every command.")


def _command_word(update: Update) -> tuple[str, str | None] | None:
    """The command the message starts with and the bot it names (/foo@bot → ("/foo", "bot")), or None."""
    message = update.effective_message
    if message is None or not message.text or not message.entities:
        return None
    entity = message.entities[0]
    if entity.type != MessageEntity.BOT_COMMAND or entity.offset != 0:
        return None
    word = message.parse_entity(entity)
    command, _at, mention = word.partition("@")
    return command, mention or None


async def unknown_command(update: Update, context: BotCallbackContext) -> None:
    """Runs only when no command handler took the message (it is registered last)."""
    found = _command_word(update)
    chat = update.effective_chat
    if found is None or chat is None:
        return
    command, mention = found
    me = (context.bot.username or "").casefold()
    addressed = mention is not None and mention.casefold() == me
    if mention is not None and not addressed:
        return  # meant for another bot
    if chat.type != Chat.PRIVATE and not addressed:
        return  # in a group a bare /foo may be another bot's command
    await reply(update, _(UNKNOWN_COMMAND).format(command=escape(command)))


def register_unknown_command(
    application: Application[Any, Any, Any, Any, Any, Any], updates: filters.BaseFilter
) -> None:
    """Add the fallback for commands no other handler took; call it after every command is registered."""
    application.add_handler(MessageHandler(filters.COMMAND & updates, unknown_command))
