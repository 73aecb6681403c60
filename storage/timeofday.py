"""Times of day and time zones that chats choose (quiet hours, the digest time): one strict reading, used
when a value is typed, when it is stored and when it is read back.

Users type digits of their own script: ٢٣:٠٠ (Arabic-Indic), ２３：００ (fullwidth), २३:०० (Devanagari)
mean 23:00 and are read so. Anything else is refused with ValueError, so only `HH:MM` in ASCII is stored.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import zoneinfo
from datetime import time

MAX_ZONE_LENGTH = 64  # chats.quiet_tz; the longest IANA name is 32 characters
_HH_MM = re.compile(r"(\d{1,2}):(\d{2})", re.ASCII)


def ascii_digits(text: str) -> str:
    """`text` with compatibility forms folded (NFKC: fullwidth digits and colon) and every other Unicode
    decimal digit (Arabic-Indic, Devanagari, Bengali …) replaced by its ASCII digit."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in folded)


def parse_time_of_day(text: str) -> time:
    """`H:MM` or `HH:MM` (00:00 to 23:59, digits of any script) as a time. Raises ValueError otherwise."""
    match = _HH_MM.fullmatch(ascii_digits(text.strip()))
    if match is None:
        raise ValueError(f"not a time of day (HH:MM): {text[:20]!r}")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        raise ValueError(f"not a time of day (00:00 to 23:59): {text[:20]!r}")
    return time(hours, minutes)


def canonical_time_of_day(text: str) -> str:
    """The stored form of a time of day: `HH:MM` in ASCII digits. Raises ValueError like parse_time_of_day."""
    return parse_time_of_day(text).strftime("%H:%M")


@functools.cache
def _zones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in zoneinfo.available_timezones()}


def canonical_zone(name: str) -> str:
    """The IANA time zone `name` as tzdata spells it ("asia/yerevan" → "Asia/Yerevan"). Only names tzdata
    lists are accepted: never a path, a directory or an over-long name. Raises ValueError otherwise."""
    value = name.strip()
    zone = _zones_by_folded_name().get(value.casefold()) if len(value) <= MAX_ZONE_LENGTH else None
    if zone is None:
        raise ValueError(f"unknown time zone: {value[:40]!r}")
    return zone


def zone_info(name: str | None) -> zoneinfo.ZoneInfo:
    """The ZoneInfo of a stored zone name; UTC for no name or one that canonical_zone refuses."""
    try:
        return zoneinfo.ZoneInfo(canonical_zone(name or "UTC"))
    except ValueError:
        return zoneinfo.ZoneInfo("UTC")


__all__ = ["ascii_digits", "canonical_time_of_day", "canonical_zone", "parse_time_of_day", "zone_info"]
