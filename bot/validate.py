"""Validation of what admins type into commands; every error message can be shown to the user as it is."""

from __future__ import annotations

import re
import unicodedata

from bot.i18n import N_, _
from bot.replies import escape
from storage.errors import BorderwatchError

MAX_URL_LENGTH = 2048
MAX_ALIAS_LENGTH = 100
MAX_NAME_LENGTH = 200
MAX_TITLE_LENGTH = 500
ENTITY_ID_PATTERN = re.compile(r"[a-z0-9_]{2,64}")


class InvalidArgument(BorderwatchError):
    """An argument a user typed is not acceptable; the message says why (user text already escaped)."""


def _shorten(text: str, limit: int = 60) -> str:
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


def has_control_characters(text: str) -> bool:
    """Whether `text` holds control or format characters (newlines, NUL, bidi overrides…)."""
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text)


def _plain(text: str, what: str, limit: int) -> str:
    """`text` stripped, or InvalidArgument naming the field `what` (an N_() word, translated here)."""
    value = text.strip()
    field = _(what)
    if not value:
        raise InvalidArgument(_("The {what} is empty.").format(what=field))
    if has_control_characters(value):
        raise InvalidArgument(_("The {what} contains control characters.").format(what=field))
    if len(value) > limit:
        raise InvalidArgument(
            _("The {what} is too long ({length} characters, at most {limit}).").format(
                what=field, length=len(value), limit=limit
            )
        )
    return value


def validate_url(text: str) -> str:
    """A feed URL as typed, stripped: at most 2048 characters, no control characters or spaces.

    Scheme and address checks belong to the private-address guard (feeds.guard).
    """
    value = _plain(text, N_("URL"), MAX_URL_LENGTH)
    if any(ch.isspace() for ch in value):
        raise InvalidArgument(_("The URL contains spaces."))
    return value


def validate_alias(text: str) -> str:
    """An alias: not empty, at most 100 characters, no control characters (surrounding spaces removed)."""
    return _plain(text, N_("alias"), MAX_ALIAS_LENGTH)


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


def validate_user_id(text: str) -> int:
    """A Telegram user id: a positive integer."""
    value = text.strip()
    if not value.isascii() or not value.isdigit() or int(value) <= 0 or len(value) > 19:
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
