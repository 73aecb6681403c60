"""Reading a command from an update: its text, its command word, its arguments. The one place that does."""

from __future__ import annotations

import re

from telegram import Update

# A lone UTF-16 surrogate (JSON's "\\ud800" decodes to one): no reply quoting it can be encoded for Telegram
# and no database stores it, so a command holding one got "that command failed" instead of its answer.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def message_text(update: object) -> str:
    """The text (or a document's caption) of the update's message, each lone surrogate read as U+FFFD;
    "" when it has none."""
    message = update.effective_message if isinstance(update, Update) else None
    if message is None:
        return ""
    return _LONE_SURROGATE.sub("\ufffd", message.text or message.caption or "")


def command_word(update: Update) -> str:
    """The first word of the message ("/subscribe", "/subscribe@borderwatch_bot"); "" when there is none."""
    words = message_text(update).split(maxsplit=1)
    return words[0] if words else ""


def command_arguments(update: Update) -> str:
    """Everything after the command word (and its @bot suffix), surrounding spaces removed."""
    parts = message_text(update).strip().split(maxsplit=1)
    return parts[1].strip() if len(parts) == 2 else ""


__all__ = ["command_arguments", "command_word", "message_text"]
