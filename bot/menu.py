"""The command menu (setMyCommands), per scope and language: the one way the bot builds it.

- Everyone: the user commands, in English by default and in Russian, Armenian and Azerbaijani for users whose
  Telegram is in one of them (the default scope with a language code).
- A bot admin's private chat (its chat scope): the user commands and the admin commands, set on start for
  every admin and whenever an admin is added or removed.
- A chat that chose its language with /lang gets its menu in that language (its chat scope), whatever each
  user's Telegram language; /lang auto gives the menu back to the users' own languages.

A chat that Telegram does not know yet (an admin who never opened the bot) cannot have a menu of its own:
that is logged and skipped, and the menu is set when the admin is next added or the bot restarts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import BadRequest, Forbidden

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, translation
from storage.admins import admin_ids
from storage.chats import get_chat
from storage.db import Database

log = logging.getLogger(__name__)


def user_commands() -> list[tuple[str, str]]:
    """(command, English description) of the commands everyone has, in menu order."""
    from bot.commands import USER_COMMANDS

    return [(name, description) for name, _callback, description in USER_COMMANDS]


def admin_commands() -> list[tuple[str, str]]:
    """(command, English description) of the bot admins' commands, in menu order."""
    from bot.commands.admin import ADMIN_COMMANDS
    from bot.commands.review import REVIEW_COMMANDS

    return [(name, description) for name, _callback, description in ADMIN_COMMANDS + REVIEW_COMMANDS]


def menu(language: str, *, admin: bool = False) -> list[BotCommand]:
    """The menu in `language`: the user commands, then the admin commands when `admin`."""
    entries = user_commands() + (admin_commands() if admin else [])
    translate = translation(language).gettext
    return [BotCommand(name, translate(description)) for name, description in entries]


async def publish_default_menus(bot: Bot) -> None:
    """The menu everyone sees: English without a language code, and each other language under its code."""
    await bot.set_my_commands(menu(DEFAULT_LANGUAGE))
    for language in _other_languages():
        await bot.set_my_commands(menu(language), language_code=language)


async def sync_chat_menu(bot: Bot, chat_id: int, *, admin: bool, chat_language: str | None) -> bool:
    """Give `chat_id` the menu it should have: its own (with the admin commands when `admin`, in
    `chat_language` when the chat chose one), or none, so the default menus apply. Returns False when
    Telegram refused (a chat it does not know, or a user who blocked the bot)."""
    scope = BotCommandScopeChat(chat_id)
    try:
        if chat_language is not None:
            await bot.set_my_commands(menu(chat_language, admin=admin), scope=scope)
            await _clear(bot, scope, _other_languages())
        elif admin:
            await bot.set_my_commands(menu(DEFAULT_LANGUAGE, admin=True), scope=scope)
            for language in _other_languages():
                await bot.set_my_commands(menu(language, admin=True), scope=scope, language_code=language)
        else:
            await bot.delete_my_commands(scope=scope)
            await _clear(bot, scope, _other_languages())
    except (BadRequest, Forbidden) as exc:
        log.info("no command menu of its own for chat %s: %s", chat_id, exc.message)
        return False
    return True


async def sync_admin_menu(bot: Bot, db: Database, user_id: int, *, admin: bool) -> bool:
    """Give a user's private chat the admin menu (or take it away), in the language the chat chose."""
    chat = await get_chat(db, user_id)
    return await sync_chat_menu(
        bot, user_id, admin=admin, chat_language=chat.language if chat is not None else None
    )


async def publish_menus(bot: Bot, db: Database, seed_admins: frozenset[int]) -> None:
    """On start: the default menus in every language, and the admin menu in each bot admin's chat."""
    await publish_default_menus(bot)
    for user_id in sorted(await admin_ids(db, seed_admins)):
        await sync_admin_menu(bot, db, user_id, admin=True)


async def _clear(bot: Bot, scope: BotCommandScopeChat, languages: Sequence[str]) -> None:
    for language in languages:
        await bot.delete_my_commands(scope=scope, language_code=language)


def _other_languages() -> list[str]:
    return [language for language in LANGUAGES if language != DEFAULT_LANGUAGE]
