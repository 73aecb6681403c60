"""/lang: the language the bot replies in for this chat (the Telegram user's own by default), and the language
of the chat's command menu."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, TypeHandler

from bot.arguments import command_arguments
from bot.commands.subscriptions import may_change_chat
from bot.context import BotCallbackContext
from bot.i18n import (
    LANGUAGE_NAMES,
    LANGUAGES,
    _,
    choose_language,
    current_language,
    set_current_language,
    use_update_language,
)
from bot.menu import sync_chat_menu
from bot.replies import reply, usage
from storage import chats
from storage.admins import is_admin

AUTOMATIC = "auto"


def register_language_detection(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Before any other handler (group -1), choose the language of the update's replies."""
    application.add_handler(TypeHandler(Update, use_update_language), group=-1)


async def lang(update: Update, context: BotCallbackContext) -> None:
    """/lang en|ru|hy|az|auto: reply in that language in this chat (auto: each user's Telegram language),
    and show the command menu in it."""
    ctx = context.ctx
    chat = update.effective_chat
    if chat is None:
        return
    word = command_arguments(update).lower()
    if not word:
        name = LANGUAGE_NAMES[current_language()]
        await reply(
            update, _("Replies in this chat are in {language}.").format(language=name) + "\n" + usage("lang")
        )
        return
    if word not in (*LANGUAGES, AUTOMATIC):
        await reply(update, usage("lang"))
        return
    if not await may_change_chat(update, context):
        await reply(update, _("Only this group's admins can change its language."))
        return
    await chats.register_chat(ctx.db, chat.id, chat.type, chat.title)
    chosen = None if word == AUTOMATIC else word
    await chats.set_language(ctx.db, chat.id, chosen)
    # a bot admin's private chat keeps the admin commands in its menu
    admin = chat.type == "private" and await is_admin(ctx.db, chat.id, ctx.settings.admin_ids)
    await sync_chat_menu(context.bot, chat.id, admin=admin, chat_language=chosen)
    if chosen is None:
        user = update.effective_user
        set_current_language(choose_language(None, user.language_code if user is not None else None))
        await reply(update, _("Replies will be in each user's own Telegram language."))
        return
    set_current_language(chosen)
    await reply(
        update, _("Replies in this chat will be in {language}.").format(language=LANGUAGE_NAMES[chosen])
    )
