"""Replies in the chat's language: the Russian, Armenian and Azerbaijani catalogues are complete and well
formed, /lang switches a chat (replies and its command menu), a user whose Telegram is in one of them gets it
without asking, and the command menu is per scope: users see user commands, bot admins also admin commands."""

from __future__ import annotations

import ast
import asyncio
import re
import string
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.i18n import (
    LANGUAGES,
    LOCALE_DIR,
    choose_language,
    compile_po,
    parse_po,
    supported,
    translation,
    translator_for,
)
from bot.menu import admin_commands, user_commands
from bot.runtime import run
from storage.chats import ChatInfo, get_chat
from storage.db import Database
from storage.settings import load_settings
from tests.botapi.emulator import BotApiEmulator
from tests.harness import Bot, empty_feed_list, running_user_bot

pytestmark = pytest.mark.usefixtures("fast_private_chats")


ROOT = Path(__file__).resolve().parent.parent
TRANSLATED_MODULES = (
    "bot/replies.py",
    "bot/commands/subscriptions.py",
    "bot/commands/history.py",
    "bot/commands/charts.py",
    "bot/commands/language.py",
    "bot/commands/stories.py",
    "bot/commands/admin.py",
    "bot/admin_auth.py",
    "bot/validate.py",
    "bot/format.py",
    "bot/commands/crisis.py",
    "bot/commands/review.py",
    "bot/report_button.py",
    "bot/fairness.py",
    "bot/error_reply.py",
    "bot/commands/unknown.py",
)
RU_USER = 7001
EN_USER = 7002
GROUP = -100900
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


def _marked_messages() -> set[tuple[str, str | None]]:
    """Every literal given to _(), N_() and ngettext() in the translated modules: (msgid, plural or None),
    and the command menu's descriptions."""
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
    found |= {(description, None) for _name, description in user_commands() + admin_commands()}
    return found


def _fields(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name is not None}


def _catalogue(language: str) -> dict[str, str]:
    return parse_po((LOCALE_DIR / language / "LC_MESSAGES" / "borderwatch.po").read_text(encoding="utf-8"))


TRANSLATED = [language for language in LANGUAGES if language != "en"]
PLURAL_FORMS = {"ru": 3, "hy": 2, "az": 2}
# a letter of each language's own script or alphabet that English never uses
OWN_LETTERS = {"ru": CYRILLIC, "hy": re.compile("[\u0531-\u0587]"), "az": re.compile("[əğıöüçşƏĞİÖÜÇŞ]")}


def test_the_bot_speaks_english_russian_armenian_and_azerbaijani() -> None:
    assert LANGUAGES == ("en", "ru", "hy", "az")


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_marked_message_has_a_translation_with_the_same_placeholders_and_markup(language: str) -> None:
    catalogue = _catalogue(language)
    marked = _marked_messages()
    assert len(marked) > 100
    for msgid, plural in sorted(marked, key=str):
        key = msgid if plural is None else f"{msgid}\0{plural}"
        assert key in catalogue, f"no {language} for {msgid!r}"
        forms = catalogue[key].split("\0")
        assert len(forms) == (1 if plural is None else PLURAL_FORMS[language]), msgid
        for form in forms:
            assert _fields(form) == _fields(msgid), f"placeholders differ in the {language} of {msgid!r}"
            for tag in ("<b>", "</b>", "\n"):
                assert form.count(tag) == msgid.count(tag), f"{tag!r} differs in the {language} of {msgid!r}"
            commands = set(re.findall(r"/[a-z]+", msgid))
            assert commands <= set(re.findall(r"/[a-z]+", form)), f"a command lost in {language}: {msgid!r}"
    stale = {key for key in catalogue if key and (key.split("\0")[0], None) not in marked} - {
        f"{m}\0{p}" for m, p in marked if p is not None
    }
    assert not stale, f"translations of messages no longer in the code: {stale}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_are_in_the_language_and_not_english_left_over(language: str) -> None:
    catalogue = {msgid: text for msgid, text in _catalogue(language).items() if msgid}
    same_as_english = [msgid for msgid, text in catalogue.items() if text == msgid.split("\0")[0]]
    assert same_as_english == ["URL"]  # a word every language writes the same
    # most messages carry a letter of the language's own script or alphabet (some are all names and numbers)
    own = [msgid for msgid, text in catalogue.items() if OWN_LETTERS[language].search(text)]
    assert len(own) >= 0.9 * len(catalogue), sorted(set(catalogue) - set(own))


@pytest.mark.parametrize("language", TRANSLATED)
def test_examples_in_translations_name_entities_the_gazetteer_knows(language: str) -> None:
    from feeds.definitions import parse_entities
    from feeds.gazetteer import BUNDLED_CONFIG, Gazetteer, read_yaml

    gazetteer = Gazetteer(parse_entities(read_yaml(BUNDLED_CONFIG / "entities.yaml", "entities")))
    examples = {
        "/subscribe [entity …|all] — e.g. /subscribe Sev Lake, Lachin corridor": [
            "sev_lake",
            "lachin_corridor",
        ],
        "/latest [n] [entity] — n from 1 to 20, e.g. /latest 10 Goris": ["goris"],
        "/chart [entity] [days] — days from 1 to 90, e.g. /chart Sev Lake 30": ["sev_lake"],
    }
    catalogue = _catalogue(language)
    for msgid, wanted in examples.items():
        example = catalogue[msgid].split("/", 2)[2].split(" ", 1)[1]  # after the second command word
        names = re.sub(r"^(\d+ )|( \d+)$", "", example.strip()).split(", ")
        assert [getattr(gazetteer.resolve(name), "id", None) for name in names] == wanted, example


def test_the_catalogues_compile_in_memory_with_each_languages_plurals() -> None:
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
    hy, az = translation("hy"), translation("az")
    assert [hy.ngettext("Latest {n} story:", "Latest {n} stories:", n).format(n=n) for n in (1, 2)] == [
        "Վերջին 1 լուրը՝",
        "Վերջին 2 լուրերը՝",
    ]
    assert az.gettext("Quiet hours: off.") == "Sakit saatlar: söndürülüb."
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


@pytest.fixture
async def polyglot(db: Database) -> AsyncIterator[Bot]:
    async with BotApiEmulator(enforce_limits=False) as telegram:
        telegram.add_user(RU_USER, "Аня", language_code="ru")
        telegram.add_user(EN_USER, "Ann", language_code="en")
        telegram.add_chat(GROUP, "group", title="Border group")
        telegram.set_chat_admins(GROUP, [EN_USER])
        async with running_user_bot(db, telegram) as running:
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
    assert answer.splitlines()[1].startswith("Использование: /lang en|ru|hy|az|auto")
    assert (await polyglot.say(EN_USER, "/lang klingon")).startswith("Usage: /lang en|ru|hy|az|auto")


async def test_in_a_group_only_admins_change_the_language_and_members_get_it(polyglot: Bot) -> None:
    refusal = await polyglot.say(RU_USER, "/lang en", chat_id=GROUP)
    assert refusal == "Менять язык этой группы могут только её администраторы."
    assert await polyglot.say(EN_USER, "/lang ru", chat_id=GROUP) == (
        "Теперь ответы в этом чате на языке: Русский."
    )
    answer = await polyglot.say(EN_USER, "/quiet", chat_id=GROUP)
    assert CYRILLIC.search(answer) and answer.startswith("Тихие часы: выключены.")


# ------------------------------------------------------------------------------------ the command menu

HY_USER = 7003


async def test_the_menu_is_per_scope_and_language_and_follows_admins_and_lang(
    tmp_path: Path, database_url: str
) -> None:
    user_menu = [name for name, _description in user_commands()]
    admin_menu = user_menu + [name for name, _description in admin_commands()]
    async with BotApiEmulator(enforce_limits=False) as telegram:
        telegram.add_user(EN_USER, "Ann", language_code="en")  # a bot admin
        telegram.add_user(RU_USER, "Аня", language_code="ru")
        telegram.add_user(HY_USER, "Անի", language_code="hy")
        settings = load_settings(
            telegram_token=telegram.token,
            telegram_api_url=telegram.base_url,
            database_url=database_url,
            feeds=empty_feed_list(tmp_path),
            admins=str(EN_USER),
        )
        stop = asyncio.Event()
        task = asyncio.create_task(run(settings, "bot", stop=stop))
        try:
            # the admin's menu in the last language is the last one published on start
            await telegram.wait_until(lambda: bool(telegram.commands_for("chat", EN_USER, "az")), within=30)
            assert telegram.menu_seen(EN_USER) == admin_menu
            assert telegram.menu_seen(RU_USER, language_code="ru") == user_menu
            assert telegram.menu_seen(HY_USER, language_code="hy") == user_menu
            descriptions = {c["command"]: c["description"] for c in telegram.commands_for(language_code="hy")}
            assert descriptions["subscribe"] == "Հետևել օբյեկտներին՝ /subscribe Սև լիճ կամ ստեղնաշար"
            ru = {c["command"]: c["description"] for c in telegram.commands_for(language_code="ru")}
            assert ru["lang"] == "Язык ответов: /lang en, ru, hy, az или auto"
            admin_ru = telegram.commands_for("chat", EN_USER, language_code="ru")
            assert {c["command"]: c["description"] for c in admin_ru}[
                "pause"
            ] == "Приостановить все оповещения"

            # a chat that chose its language gets its menu in it, whatever the user's Telegram language
            await _say(telegram, RU_USER, "/lang az")
            chosen = {c["command"]: c["description"] for c in telegram.commands_for("chat", RU_USER)}
            assert list(chosen) == user_menu and chosen["alerts"].startswith("Bildirişlər dərhal")
            assert telegram.menu_seen(RU_USER, language_code="ru") == user_menu

            # an admin added or removed in chat gets or loses the admin commands, in the chat's language
            await _say(telegram, EN_USER, f"/addadmin {RU_USER}")
            assert telegram.menu_seen(RU_USER, language_code="ru") == admin_menu
            az = {c["command"]: c["description"] for c in telegram.commands_for("chat", RU_USER)}
            assert az["addfeed"] == "Lent əlavə etmək: /addfeed <url> [ad]"
            await _say(telegram, EN_USER, f"/rmadmin {RU_USER}")
            assert telegram.menu_seen(RU_USER, language_code="ru") == user_menu

            # /lang auto hands the menu back to each user's Telegram language
            await _say(telegram, RU_USER, "/lang auto")
            assert telegram.commands_for("chat", RU_USER) == []
            assert telegram.menu_seen(RU_USER, language_code="ru") == user_menu
        finally:
            stop.set()
            assert await asyncio.wait_for(task, 30) == 0


async def _say(telegram: BotApiEmulator, user_id: int, text: str) -> str:
    before = len(telegram.sent(user_id))
    telegram.inject_command(user_id, user_id, text)
    return (await telegram.wait_for_messages(user_id, before + 1, within=30))[before].text


@pytest.mark.parametrize(
    ("command", "language", "answer"),
    [
        ("/lang hy", "hy", "Այս զրուցարանում պատասխանները կլինեն՝ Հայերեն։"),
        ("/lang az", "az", "Bu söhbətdə cavablar bu dildə olacaq: Azərbaycanca."),
    ],
)
async def test_lang_hy_and_az_switch_replies_to_armenian_and_azerbaijani(
    polyglot: Bot, command: str, language: str, answer: str
) -> None:
    assert await polyglot.say(EN_USER, command) == answer
    help_first_line = (await polyglot.say(EN_USER, "/help")).splitlines()[0]
    assert help_first_line == {"hy": "Հրամաններ", "az": "Əmrlər"}[language]
    assert OWN_LETTERS[language].search(await polyglot.say(EN_USER, "/mysubs"))


async def test_digest_and_alerts_settings_answer_in_the_chats_language(polyglot: Bot) -> None:
    await polyglot.say(EN_USER, "/lang az")
    assert await polyglot.say(EN_USER, "/alerts off") == (
        "Bu söhbət yalnız P1 bildirişlərini alır, icmalsız. İcmalı qoşun: /digest daily SS:DD."
    )
    assert await polyglot.say(EN_USER, "/digest daily 08:00") == (
        "Hər gün saat 08:00 UTC-də icmal: əvvəlkindən sonrakı xəbərlər. "
        "Bu söhbət yalnız P1 bildirişlərini, icmalı isə hər gün saat 08:00 UTC-də alır."
    )
    assert (await polyglot.say(EN_USER, "/digest weekly")).startswith("İstifadə: /digest daily SS:DD (UTC)")


@pytest.mark.parametrize(
    ("language", "heading", "count"),
    [("ru", "Сводка: 2 сюжета", "(3 источника)"), ("hy", "Ամփոփում՝ 2 լուր", "(3 աղբյուր)")],
)
def test_the_digest_speaks_the_chats_language_and_keeps_the_sources_titles(
    language: str, heading: str, count: str
) -> None:
    from datetime import UTC, datetime

    from bot.format import format_digest, plain_text
    from bot.i18n import set_current_language
    from storage.digests import DigestStory

    stories = [
        DigestStory("sev_lake", 1, "Shelling near Sev Lake", "https://a.example/1", "P1", 3, 3),
        DigestStory("sev_lake", 2, "Обстрел у озера Сев", None, None, 1, 1),
    ]
    set_current_language(language)
    try:
        text = plain_text(
            format_digest(
                stories,
                lambda _id: "Sev Lake",
                datetime(2025, 8, 7, tzinfo=UTC),
                datetime(2025, 8, 8, tzinfo=UTC),
            )
        )
    finally:
        set_current_language("en")
    assert text.startswith(heading)
    assert "Shelling near Sev Lake " + count in text and "Обстрел у озера Сев" in text


async def test_admin_replies_refusals_and_input_errors_come_in_the_readers_language(polyglot: Bot) -> None:
    # RU_USER is no bot admin: the refusal is in Russian
    assert await polyglot.say(RU_USER, "/pause") == "Извините, /pause — только для администраторов бота."
    admin = polyglot.ctx.settings.admin_ids
    assert admin, "running_bot makes a bot admin"
    (admin_id,) = admin
    polyglot.telegram.add_user(admin_id, "Ada", language_code="hy")
    assert await polyglot.say(admin_id, "/pause") == "Առաքումը դադարեցված է։ Սպասող ծանուցումները պահված են։"
    assert await polyglot.say(admin_id, "/addadmin abc") == (
        "“abc”-ն Telegram-ի օգտատիրոջ id չէ (դրական թիվ)։"
    )
    await polyglot.say(admin_id, "/lang az")
    assert await polyglot.say(admin_id, "/resume") == "Çatdırılma bərpa edildi."
    assert (await polyglot.say(admin_id, "/audit 500")) == "“500” 1 ilə 50 arasında ədəd deyil."
    assert (await polyglot.say(admin_id, "/rmfeed")).startswith("İstifadə: /rmfeed <id|url>")
