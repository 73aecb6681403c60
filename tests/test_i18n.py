"""Replies in the chat's language: the Russian catalogue is complete and well formed, /lang switches a chat,
and a user whose Telegram is in Russian gets Russian replies without asking."""

from __future__ import annotations

import ast
import functools
import re
import string
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import bot.app
from bot.i18n import LOCALE_DIR, choose_language, compile_po, parse_po, supported, translation, translator_for
from bot.ratelimit import ChatRateLimiter
from storage.chats import ChatInfo, get_chat
from storage.db import Database
from tests.botapi.emulator import BotApiEmulator
from tests.test_commands_user import Bot, running_bot

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED_MODULES = (
    "bot/replies.py",
    "bot/commands/subscriptions.py",
    "bot/commands/history.py",
    "bot/commands/charts.py",
    "bot/commands/language.py",
    "bot/commands/crisis.py",
)
RU_USER = 7001
EN_USER = 7002
GROUP = -100900
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


def _marked_messages() -> set[tuple[str, str | None]]:
    """Every literal given to _(), N_() and ngettext() in the translated modules: (msgid, plural or None)."""
    found: set[tuple[str, str | None]] = set()
    for module in TRANSLATED_MODULES:
        for node in ast.walk(ast.parse((ROOT / module).read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            literals = [
                a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
            ]
            if node.func.id in ("_", "N_") and literals:
                found.add((literals[0], None))
            elif node.func.id == "ngettext" and len(literals) >= 2:
                found.add((literals[0], literals[1]))
    return found


def _fields(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name is not None}


def _ru_catalogue() -> dict[str, str]:
    return parse_po((LOCALE_DIR / "ru" / "LC_MESSAGES" / "borderwatch.po").read_text(encoding="utf-8"))


def test_every_marked_message_has_a_russian_translation_with_the_same_placeholders() -> None:
    catalogue = _ru_catalogue()
    marked = _marked_messages()
    assert len(marked) > 80
    for msgid, plural in sorted(marked, key=str):
        key = msgid if plural is None else f"{msgid}\0{plural}"
        assert key in catalogue, f"no Russian for {msgid!r}"
        forms = catalogue[key].split("\0")
        assert len(forms) == (1 if plural is None else 3), msgid
        for form in forms:
            assert _fields(form) == _fields(msgid), f"placeholders differ in the Russian of {msgid!r}"
            assert form.count("<b>") == msgid.count("<b>") == form.count("</b>"), msgid
    stale = {key for key in catalogue if key and (key.split("\0")[0], None) not in marked} - {
        f"{m}\0{p}" for m, p in marked if p is not None
    }
    assert not stale, f"translations of messages no longer in the code: {stale}"


def test_the_catalogue_compiles_in_memory_to_a_gettext_catalogue_with_russian_plurals() -> None:
    mo = compile_po((LOCALE_DIR / "ru" / "LC_MESSAGES" / "borderwatch.po").read_text(encoding="utf-8"))
    assert mo[:4] == (0x950412DE).to_bytes(4, "little")
    ru = translation("ru")
    assert ru.gettext("Quiet hours: off.") == "Тихие часы: выключены."
    forms = [ru.ngettext("Latest {n} story:", "Latest {n} stories:", n).format(n=n) for n in (1, 3, 5, 21)]
    assert forms == [
        "Последний 1 сюжет:",
        "Последние 3 сюжета:",
        "Последние 5 сюжетов:",
        "Последний 21 сюжет:",
    ]
    # English is the source language: messages come back as written
    assert translation("en").gettext("Quiet hours: off.") == "Quiet hours: off."


def test_po_parsing_skips_fuzzy_and_untranslated_entries_and_joins_continued_strings() -> None:
    messages = parse_po(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#, fuzzy\nmsgid "Guess"\nmsgstr "Догадка"\n\n'
        'msgid "Empty"\nmsgstr ""\n\n'
        'msgid ""\n"Two "\n"lines\\n"\nmsgstr ""\n"Две "\n"строки\\n"\n'
    )
    assert messages == {"": "Content-Type: text/plain; charset=UTF-8\n", "Two lines\n": "Две строки\n"}


@pytest.mark.parametrize(
    ("chat_language", "user_language", "expected"),
    [
        (None, "ru", "ru"),
        (None, "ru-RU", "ru"),
        (None, "de", "en"),
        (None, None, "en"),
        ("en", "ru", "en"),
        ("ru", "en", "ru"),
    ],
)
def test_the_chat_choice_wins_then_the_users_telegram_language_then_english(
    chat_language: str | None, user_language: str | None, expected: str
) -> None:
    assert choose_language(chat_language, user_language) == expected
    chat = ChatInfo(
        id=1,
        type="private",
        title=None,
        thread_id=None,
        active=True,
        quiet_start=None,
        quiet_end=None,
        quiet_tz="UTC",
        p1_breaks_quiet=True,
        language=chat_language,
    )
    assert translator_for(chat, user_language)("Quiet hours: off.") == (
        "Тихие часы: выключены." if expected == "ru" else "Quiet hours: off."
    )
    assert supported("EN") == "en" and supported("pt-BR") is None


# ------------------------------------------------------------------------------------ through Telegram


@pytest.fixture(autouse=True)
def _fast_private_chats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        bot.app,
        "ChatRateLimiter",
        functools.partial(ChatRateLimiter, private_per_period=1000, group_per_minute=1000),
    )


@pytest.fixture
async def polyglot(db: Database) -> AsyncIterator[Bot]:
    async with BotApiEmulator(enforce_limits=False) as telegram:
        telegram.add_user(RU_USER, "Аня", language_code="ru")
        telegram.add_user(EN_USER, "Ann", language_code="en")
        telegram.add_chat(GROUP, "group", title="Border group")
        telegram.set_chat_admins(GROUP, [EN_USER])
        async with running_bot(db, telegram) as running:
            yield running


async def test_help_is_in_russian_for_a_user_whose_telegram_is_in_russian(polyglot: Bot) -> None:
    lines = (await polyglot.say(RU_USER, "/help")).splitlines()
    assert lines[0] == "Команды"
    assert any(line.startswith("/subscribe — выбрать объекты на клавиатуре") for line in lines)
    assert (await polyglot.say(EN_USER, "/help")).splitlines()[0] == "Commands"


async def test_a_reply_comes_in_russian_after_lang_ru_and_in_english_after_lang_en(polyglot: Bot) -> None:
    assert (
        await polyglot.say(EN_USER, "/mysubs")
        == "This chat follows nothing yet. /subscribe to pick entities."
    )
    assert await polyglot.say(EN_USER, "/lang ru") == "Теперь ответы в этом чате на языке: Русский."
    chat = await get_chat(polyglot.ctx.db, EN_USER)
    assert chat is not None and chat.language == "ru"
    assert await polyglot.say(EN_USER, "/subscribe Sev Lake, Goris") == "Подписка оформлена: Sev Lake, Goris."
    assert await polyglot.say(EN_USER, "/mysubs") == (
        "Этот чат подписан на 2 объекта: Goris, Sev Lake.\nТихие часы: выключены."
    )
    # entity names and user text stay as they are; only the bot's own words change
    answer = await polyglot.say(EN_USER, "/subscribe Sev Lak")
    assert (
        answer
        == "Неизвестный объект “Sev Lak”. Может быть, вы имели в виду Sev Lake? Полный список: /entities."
    )

    # a chat's choice wins over the user's Telegram language, both ways
    assert await polyglot.say(RU_USER, "/lang en") == "Replies in this chat will be in English."
    assert (await polyglot.say(RU_USER, "/help")).splitlines()[0] == "Commands"
    assert await polyglot.say(RU_USER, "/lang auto") == "Ответы будут на языке Telegram каждого пользователя."
    assert (await polyglot.say(RU_USER, "/help")).splitlines()[0] == "Команды"


async def test_lang_without_or_with_a_bad_argument_says_the_current_language_and_usage(polyglot: Bot) -> None:
    answer = await polyglot.say(RU_USER, "/lang")
    assert answer.splitlines()[0] == "Язык ответов в этом чате: Русский."
    assert answer.splitlines()[1].startswith("Использование: /lang en|ru|auto")
    assert (await polyglot.say(EN_USER, "/lang klingon")).startswith("Usage: /lang en|ru|auto")


async def test_in_a_group_only_admins_change_the_language_and_members_get_it(polyglot: Bot) -> None:
    refusal = await polyglot.say(RU_USER, "/lang en", chat_id=GROUP)
    assert refusal == "Менять язык этой группы могут только её администраторы."
    assert await polyglot.say(EN_USER, "/lang ru", chat_id=GROUP) == (
        "Теперь ответы в этом чате на языке: Русский."
    )
    answer = await polyglot.say(EN_USER, "/quiet", chat_id=GROUP)
    assert CYRILLIC.search(answer) and answer.startswith("Тихие часы: выключены.")
