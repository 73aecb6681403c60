"""Validation of what admins type into commands; every error message can be shown to the user as it is."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import yaml

from bot.i18n import N_, _
from bot.replies import escape, quoted
from feeds.limits import MAX_FEED_URL_CHARS, url_length
from storage.errors import BorderwatchError

MAX_ALIAS_LENGTH = 100
MAX_NAME_LENGTH = 200
MAX_TITLE_LENGTH = 500
ENTITY_ID_PATTERN = re.compile(r"[a-z0-9_]{2,64}")
MIN_ALIAS_LETTERS = 3  # letters or digits; fewer match inside almost every text
EXACT = "exact"  # the word that confirms a short or common alias, matched only as written
STOPWORDS_FILE = "stopwords.yaml"


class InvalidArgument(BorderwatchError):
    """An argument a user typed is not acceptable; the message says why (user text already escaped)."""


def _shorten(text: str, limit: int = 60) -> str:
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


def has_control_characters(text: str) -> bool:
    """Whether `text` holds control or format characters (newlines, NUL, bidi overrides…)."""
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text)


def _plain(text: str, what: str, limit: int, measure: Callable[[str], int] = len) -> str:
    """`text` stripped, or InvalidArgument naming the field `what` (an N_() word, translated here)."""
    value = text.strip()
    field = _(what)
    if not value:
        raise InvalidArgument(_("The {what} is empty.").format(what=field))
    if has_control_characters(value):
        raise InvalidArgument(_("The {what} contains control characters.").format(what=field))
    if measure(value) > limit:
        raise InvalidArgument(
            _("The {what} is too long ({length} characters, at most {limit}).").format(
                what=field, length=measure(value), limit=limit
            )
        )
    return value


def validate_url(text: str) -> str:
    """A feed URL as typed, stripped: at most 2048 characters as sent (feeds.limits.url_length), no control
    characters or spaces.

    Scheme and address checks belong to the private-address guard (feeds.guard).
    """
    value = _plain(text, N_("URL"), MAX_FEED_URL_CHARS, url_length)  # non-ASCII counted as sent, %XX
    if any(ch.isspace() for ch in value):
        raise InvalidArgument(_("The URL contains spaces."))
    return value


def validate_alias(text: str) -> str:
    """An alias: not empty, at most 100 characters, no control characters (surrounding spaces removed)."""
    return _plain(text, N_("alias"), MAX_ALIAS_LENGTH)


@functools.cache
def common_words(path: Path) -> frozenset[str]:
    """The most common words of every language in `path` (a YAML mapping of language to word list),
    casefolded."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return frozenset(str(word).casefold() for words in document.values() for word in words or ())


def common_words_beside(entities_file: Path, bundled: Path) -> frozenset[str]:
    """The stop-word list beside the gazetteer file (BORDERWATCH_ENTITIES), else the bundled one."""
    beside = entities_file.parent / STOPWORDS_FILE
    return common_words(beside if beside.is_file() else bundled / STOPWORDS_FILE)


def check_alias_is_specific(text: str, *, exact: bool, common: frozenset[str], hint: str) -> None:
    """Refuse an alias that would tag almost every item: under 3 letters, or made only of the most common
    words of a language. Such an alias is accepted only `exact` (matched only as written, so it must hold
    a capital letter, as an acronym does); `hint` says how to ask for that."""
    letters = sum(ch.isalnum() for ch in text)
    words = [word for word in re.split(r"\W+", text.casefold()) if word]
    too_short = letters < MIN_ALIAS_LETTERS
    too_common = bool(words) and all(word in common for word in words)
    if not too_short and not too_common:
        return
    has_capital = text != text.casefold()
    if exact and has_capital and letters >= 2:
        return
    if exact:
        why = (
            _("{text} is shorter than {n} letters.")
            if too_short
            else _("{text} is one of the most common words in news text.")
        )
        raise InvalidArgument(
            why.format(text=quoted(text), n=MIN_ALIAS_LETTERS)
            + " "
            + _(
                "An alias that matches only as written needs at least 2 letters and a capital letter, "
                "as an acronym has (e.g. UN)."
            )
        )
    why = (
        _("{text} is shorter than {n} letters: it would tag almost every item.")
        if too_short
        else _("{text} is one of the most common words in news text: it would tag almost every item.")
    )
    refusal = why.format(text=quoted(text), n=MIN_ALIAS_LETTERS)
    if has_capital and letters >= 2:
        refusal += " " + _("An acronym can match only as written: {command}").format(command=escape(hint))
    raise InvalidArgument(refusal)


def validate_name(text: str) -> str:
    """An entity's display name: not empty, at most 200 characters, no control characters."""
    return _plain(text, N_("name"), MAX_NAME_LENGTH)


def validate_title(text: str) -> str:
    """A feed title given by an admin: not empty, at most 500 characters, no control characters."""
    return _plain(text, N_("title"), MAX_TITLE_LENGTH)


def validate_entity_id(text: str) -> str:
    """An entity id: 2 to 64 characters of a-z, 0-9 and _."""
    value = text.strip()
    if not ENTITY_ID_PATTERN.fullmatch(value):
        raise InvalidArgument(
            _("“{text}” is not a valid entity id: use 2 to 64 characters of a-z, 0-9 and _.").format(
                text=_shorten(value)
            )
        )
    return value


MAX_STORED_ID = 2**63 - 1  # a BIGINT column; Telegram's user ids use at most 52 bits
MAX_ROW_ID = 2**31 - 1  # an INTEGER primary key (feeds, stories)


def row_id(text: str) -> int | None:
    """A row number typed by a user ("12" or "#12"), or None when it cannot name a row (not a number, or
    one no INTEGER column holds)."""
    value = text.strip().removeprefix("#")
    if not value.isascii() or not value.isdigit() or len(value) > 10 or not 0 < int(value) <= MAX_ROW_ID:
        return None
    return int(value)


def validate_user_id(text: str) -> int:
    """A Telegram user id: a positive integer (that a 64-bit column holds)."""
    value = text.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 19 or not 0 < int(value) <= MAX_STORED_ID:
        raise InvalidArgument(
            _("“{text}” is not a Telegram user id (a positive number).").format(text=_shorten(value))
        )
    return int(value)


def validate_count(text: str, *, maximum: int) -> int:
    """A count between 1 and `maximum`."""
    value = text.strip()
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= maximum:
        raise InvalidArgument(
            _("“{text}” is not a number between 1 and {most}.").format(text=_shorten(value), most=maximum)
        )
    return int(value)
