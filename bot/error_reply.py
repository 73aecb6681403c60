"""The application's one error handler: a command whose input is wrong gets the reason; any other failure is
logged (log handlers redact the token) and answered in one plain line, never silent."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.arguments import command_word
from bot.context import BotCallbackContext
from bot.i18n import N_, _
from bot.replies import reply
from bot.validate import InvalidArgument
from storage.db import StatementTimeout, is_disk_full, log_failure

logger = logging.getLogger(__name__)

FAILED = N_("Sorry, that command failed on our side and nothing was changed by it. Please try again later.")
DISK_FULL = N_(
    "Sorry, nothing was changed: the bot's storage is full, so it cannot save anything right now. Please "
    "try again later."
)
TOO_LONG = N_(
    "That took too long, so I stopped. Try again later, or ask for less: a narrower search, fewer days."
)


async def answer_failed_update(update: object, context: BotCallbackContext) -> None:
    """python-telegram-bot error handler. An InvalidArgument (a malformed command, an unknown entity…) is
    answered with its message. Anything else is logged with the update's chat and command, and the user is
    told in one plain line (an alert on a button press)."""
    if isinstance(update, Update) and isinstance(context.error, InvalidArgument):
        await reply(update, str(context.error))
        return
    if not isinstance(update, Update):
        # a job-queue job (the failing-feed notices, every minute): a traceback for a bug, one line when
        # the database is unavailable (before: a 40-line traceback every minute of a network partition)
        if context.error is not None:
            job = getattr(context, "job", None)
            where = f"job {job.name}" if job is not None else "work outside any update"
            log_failure(logger, "%s failed", context.error, where)
        return
    message = update.effective_message
    chat = update.effective_chat
    command = command_word(update)
    answer = FAILED
    if isinstance(context.error, StatementTimeout):
        # not our failure: the history asked for is too much to read within BORDERWATCH_COMMAND_TIMEOUT
        answer = TOO_LONG
        logger.warning(
            "update %s in chat %s (%s) ran out of time: %s",
            update.update_id,
            chat.id if chat is not None else "-",
            command[:40] or "no command",
            context.error,
        )
    else:
        _log_failure(update, context, command)
        if context.error is not None and is_disk_full(context.error):
            answer = DISK_FULL
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(_(answer), show_alert=True)
        elif message is not None:
            await message.reply_text(_(answer), do_quote=False)
    except TelegramError as exc:  # Telegram cannot take even this: the log line is what is left
        logger.warning("could not tell chat %s that its command failed: %s", chat.id if chat else "-", exc)


def _log_failure(update: Update, context: BotCallbackContext, command: str) -> None:
    """With the traceback when it is a bug; in one line when the database was unavailable (or did not
    answer within the command's time), which a traceback explains nothing of."""
    chat = update.effective_chat
    assert context.error is not None
    log_failure(
        logger,
        "update %s in chat %s (%s) failed",
        context.error,
        update.update_id,
        chat.id if chat is not None else "-",
        command[:40] or "no command",
    )
