"""Admin authorisation and the audit trail, as one wrapper every admin command handler goes through.

The check is on the sender's USER id (the seed ids of BORDERWATCH_ADMINS plus the admins table), never on the
chat: an admin of a group is not a bot admin. Every call, allowed or refused, is written to the audit log.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Any

from telegram import Update

from bot.arguments import command_arguments
from bot.context import BotCallbackContext, BotContext
from bot.i18n import _
from bot.replies import answer_press
from bot.validate import InvalidArgument
from storage.admins import is_admin, remember_admin_name
from storage.audit import AuditOutcome, record_audit

log = logging.getLogger(__name__)

# the handler's own body: returns a short detail for the audit log (or None)
AdminHandler = Callable[[Update, BotCallbackContext, BotContext], Awaitable[str | None]]
TelegramCallback = Callable[[Update, BotCallbackContext], Coroutine[Any, Any, None]]

MAX_AUDITED_ARGUMENTS = 4000


def refusal_line(command: str) -> str:
    """The one plain line a non-admin gets."""
    return _("Sorry, /{command} is only for bot admins.").format(command=command)


def _arguments(update: Update) -> str:
    if update.callback_query is not None:
        return update.callback_query.data or ""
    return command_arguments(update)


def admin_command(command: str) -> Callable[[AdminHandler], TelegramCallback]:
    """Wrap an admin handler (command or inline button): refuse non-admins with one plain line, audit every
    call with its outcome (allowed, refused, error).

    An `InvalidArgument` raised by the handler is audited as "error" with its message, which the application's
    error handler (bot.error_reply) then answers.
    """

    def decorate(handler: AdminHandler) -> TelegramCallback:
        @functools.wraps(handler)
        async def callback(update: Update, context: BotCallbackContext) -> None:
            ctx = context.ctx
            user = update.effective_user
            entry = _Entry(ctx, update, command, ctx.clock())
            if user is None or not await is_admin(ctx.db, user.id, ctx.settings.admin_ids):
                await entry.write("refused", None)
                await _refuse(update, command)
                return
            outcome: AuditOutcome = "error"
            detail: str | None = None
            try:
                await remember_admin_name(ctx.db, user.id, user.full_name)
                try:
                    detail = await handler(update, context, ctx)
                    outcome = "allowed"
                except InvalidArgument as exc:
                    detail = str(exc)
                    raise
            finally:
                await entry.write(outcome, detail)

        return callback

    return decorate


async def _refuse(update: Update, command: str) -> None:
    if update.callback_query is not None:
        await answer_press(update.callback_query, refusal_line(command), show_alert=True)
        return
    message = update.effective_message
    if message is not None:
        await message.reply_text(refusal_line(command), do_quote=False)


class _Entry:
    """One audit entry in the making: who, where, what, and when the command arrived."""

    def __init__(self, ctx: BotContext, update: Update, command: str, at: datetime) -> None:
        self._ctx = ctx
        self._user = update.effective_user
        self._chat = update.effective_chat
        self._command = command
        self._arguments = _arguments(update)[:MAX_AUDITED_ARGUMENTS]
        self._at = at

    async def write(self, outcome: AuditOutcome, detail: str | None) -> None:
        try:
            await record_audit(
                self._ctx.db,
                at=self._at,
                user_id=self._user.id if self._user else None,
                chat_id=self._chat.id if self._chat else None,
                command=self._command,
                arguments=self._arguments,
                outcome=outcome,
                detail=detail,
            )
        except Exception:  # a failed audit write must not hide the command's own outcome from the user
            log.exception("could not write the audit entry for /%s", self._command)
