"""A Telegram Bot API emulator on loopback, for tests, the offline demo and benchmarks."""

from tests.botapi.emulator import BotApiEmulator, Fault, SentMessage
from tests.botapi.telegram_html import EntityParseError, parse_html, utf16_length

__all__ = ["BotApiEmulator", "EntityParseError", "Fault", "SentMessage", "parse_html", "utf16_length"]
