"""Replies in the chat's language: gettext catalogues (bot/locale/<lang>/LC_MESSAGES/borderwatch.po), compiled
to the .mo format in memory on first use, so no binary is committed and no build step is needed.

A chat's language is the one chosen with /lang, else the Telegram user's own language when we have it, else
English. Handlers call `_()` / `ngettext()`: they translate into the language of the update being handled
(set by `use_update_language`, which runs before every handler), English outside updates. Alerts are not
translated: they keep the source's own text.
"""

from __future__ import annotations

import ast
import contextvars
import functools
import gettext
import io
import logging
import struct
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from telegram import Update

    from bot.context import BotCallbackContext
    from storage.chats import ChatInfo

logger = logging.getLogger(__name__)

DOMAIN = "borderwatch"
LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LANGUAGE = "en"
# English is the source language; every other one has a catalogue
LANGUAGES: tuple[str, ...] = ("en", "ru", "hy", "az")
# each language by its own name, as a user looking for theirs reads it
LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "hy": "Հայերեն", "az": "Azərbaycanca"}

Translate = Callable[[str], str]

_current: contextvars.ContextVar[str] = contextvars.ContextVar(
    "borderwatch_language", default=DEFAULT_LANGUAGE
)


def N_(message: str) -> str:
    """Mark a constant for the catalogue; it is translated where it is used, with `_()`."""
    return message


def supported(language: str | None) -> str | None:
    """The supported language of an IETF tag such as "ru", "ru-RU" or "EN", or None."""
    if not language:
        return None
    primary = language.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else None


def choose_language(chat_language: str | None, user_language: str | None) -> str:
    """The reply language: the chat's choice (/lang), else the user's Telegram language, else English."""
    return supported(chat_language) or supported(user_language) or DEFAULT_LANGUAGE


def translator_for(chat: ChatInfo | None, user_language: str | None = None) -> Translate:
    """The gettext function for replies to `chat` (its /lang choice, else `user_language`, else English)."""
    language = choose_language(chat.language if chat is not None else None, user_language)
    return translation(language).gettext


@functools.cache
def translation(language: str) -> gettext.NullTranslations:
    """The catalogue of `language` (English and unknown languages: the messages as written)."""
    if language == DEFAULT_LANGUAGE or language not in LANGUAGES:
        return gettext.NullTranslations()
    po_file = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    return gettext.GNUTranslations(io.BytesIO(compile_po(po_file.read_text(encoding="utf-8"))))


def current_language() -> str:
    """The language replies of the update being handled are in."""
    return _current.get()


def set_current_language(language: str) -> None:
    """Translate what the current task says next into `language` (tests and non-update code)."""
    _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def _(message: str) -> str:
    """`message` in the language of the update being handled."""
    return translation(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of `singular`/`plural` for `n` in the language of the update (three forms in Russian)."""
    return translation(_current.get()).ngettext(singular, plural, n)


async def use_update_language(update: object, context: BotCallbackContext) -> None:
    """Runs before every handler (group -1): pick the language for this update's replies.

    Every handler of the update runs in the same task, so the choice holds for all of them.
    """
    from storage.chats import get_chat
    from storage.db import log_failure

    set_current_language(DEFAULT_LANGUAGE)
    if not isinstance(update, _update_type()):
        return
    user = update.effective_user
    user_language = user.language_code if user is not None else None
    chat = update.effective_chat
    info = None
    if chat is not None:
        try:
            info = await get_chat(context.ctx.db, chat.id)
        except Exception as exc:  # the reply itself will report a broken database; English is fine meanwhile
            log_failure(logger, "cannot read the language of chat %s", exc, chat.id)
    set_current_language(choose_language(info.language if info is not None else None, user_language))


def _update_type() -> type[Update]:
    from telegram import Update

    return Update


# ---------------------------------------------------------------- .po → .mo (as CPython's msgfmt.py does)


def parse_po(text: str) -> dict[str, str]:
    """The translated messages of a .po file: {msgid: msgstr}; plural forms are keyed "singular\\0plural" with
    the forms joined by NUL, as in .mo files. Fuzzy and untranslated entries are left out; the header is kept
    under "" (it carries the charset and the Plural-Forms rule)."""
    messages: dict[str, str] = {}
    entry: dict[str, Any] = {}
    section: tuple[str, int] | None = None
    fuzzy = False

    def finish() -> None:
        nonlocal entry, fuzzy
        if "msgid" in entry and not fuzzy:
            key = entry["msgid"]
            if "msgid_plural" in entry:
                key += "\0" + entry["msgid_plural"]
                count = sum(1 for keyword in entry if keyword.startswith("msgstr["))
                value = "\0".join(entry.get(f"msgstr[{i}]", "") for i in range(count))
            else:
                value = entry.get("msgstr", "")
            if value.replace("\0", ""):
                messages[key] = value
        entry, fuzzy = {}, False

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith(("#", "msgid ")) and any(seen.startswith("msgstr") for seen in entry):
            finish()  # a comment or a msgid after a msgstr starts the next entry
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
            continue
        if not line or line.startswith("#"):
            continue
        if line.startswith('"'):
            if section is None:
                raise ValueError(f"line {number}: a string outside an entry")
            entry[section[0]] += ast.literal_eval(line)
            continue
        keyword, _space, rest = line.partition(" ")
        if keyword not in ("msgid", "msgid_plural", "msgstr") and not keyword.startswith("msgstr["):
            raise ValueError(f"line {number}: unknown keyword {keyword!r}")
        entry[keyword] = ast.literal_eval(rest.strip())
        section = (keyword, number)
    finish()
    return messages


def compile_po(text: str) -> bytes:
    """A .po file's text as the bytes of a .mo file that gettext.GNUTranslations reads."""
    messages = parse_po(text)
    keys = sorted(messages)
    ids = b""
    strs = b""
    offsets: list[tuple[int, int, int, int]] = []
    for key in keys:
        encoded_id, encoded_str = key.encode("utf-8"), messages[key].encode("utf-8")
        offsets.append((len(ids), len(encoded_id), len(strs), len(encoded_str)))
        ids += encoded_id + b"\0"
        strs += encoded_str + b"\0"
    count = len(keys)
    key_start = 7 * 4 + 16 * count
    value_start = key_start + len(ids)
    table: list[int] = []
    for id_offset, id_length, _str_offset, _str_length in offsets:
        table += [id_length, id_offset + key_start]
    for _id_offset, _id_length, str_offset, str_length in offsets:
        table += [str_length, str_offset + value_start]
    header = struct.pack("Iiiiiii", 0x950412DE, 0, count, 7 * 4, 7 * 4 + count * 8, 0, 0)
    return header + struct.pack(f"{len(table)}i", *table) + ids + strs
