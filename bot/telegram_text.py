"""How Telegram measures a message: UTF-16 code units of the text the user reads, after HTML entity
parsing (tags removed, entities decoded); an astral character such as an emoji counts two. One way for every
message the bot sends: alerts, digests and command replies."""

from __future__ import annotations

import html
import re

MAX_MESSAGE = 4096
# Telegram also refuses request bodies far beyond the visible limit; markup may double a text at most
MAX_MARKUP_FACTOR = 2


def utf16_units(text: str) -> int:
    """Length of `text` in UTF-16 code units, as Telegram counts."""
    return len(text.encode("utf-16-le")) // 2


def plain_text(message_html: str) -> str:
    """What the user reads: `message_html` without tags, entities decoded (console mode prints this)."""
    return html.unescape(re.sub(r"<[^>]+>", "", message_html))


def fits(message_html: str, limit: int = MAX_MESSAGE) -> bool:
    """Whether Telegram accepts `message_html` as one message of at most `limit` units."""
    return utf16_units(plain_text(message_html)) <= limit and len(message_html) <= limit * MAX_MARKUP_FACTOR


__all__ = ["MAX_MESSAGE", "fits", "plain_text", "utf16_units"]
