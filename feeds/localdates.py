"""Dates as statement pages print them: ISO, numeric (day first), or with a month name in English, Russian,
Armenian or Azerbaijani, with an optional time; "today" and "yesterday" in those languages too.

A date without a time of day is "some time that day": when that day is today or yesterday (by the page's
time zone) its item is treated as published when first seen, else as published at noon that day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from feeds.normalize import in_utc

__all__ = ["PageDate", "parse_page_date", "published_at"]

_MONTH_FORMS: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "январь", "января", "янв", "հունվար", "հունվարի", "հնվ", "yanvar"),
    2: ("february", "feb", "февраль", "февраля", "фев", "февр", "փետրվար", "փետրվարի", "փտվ", "fevral"),
    3: ("march", "mar", "март", "марта", "мар", "մարտ", "մարտի", "մրտ", "mart"),
    4: ("april", "apr", "апрель", "апреля", "апр", "ապրիլ", "ապրիլի", "ապր", "aprel"),
    5: ("may", "май", "мая", "մայիս", "մայիսի", "մյս", "may"),
    6: ("june", "jun", "июнь", "июня", "июн", "հունիս", "հունիսի", "հնս", "iyun"),
    7: ("july", "jul", "июль", "июля", "июл", "հուլիս", "հուլիսի", "հլս", "iyul"),
    8: ("august", "aug", "август", "августа", "авг", "օգոստոս", "օգոստոսի", "օգս", "avqust"),
    9: (
        "september",
        "sep",
        "sept",
        "сентябрь",
        "сентября",
        "сен",
        "сент",
        "սեպտեմբեր",
        "սեպտեմբերի",
        "սպտ",
        "sentyabr",
    ),
    10: ("october", "oct", "октябрь", "октября", "окт", "հոկտեմբեր", "հոկտեմբերի", "հկտ", "oktyabr"),
    11: ("november", "nov", "ноябрь", "ноября", "ноя", "нояб", "նոյեմբեր", "նոյեմբերի", "նյմ", "noyabr"),
    12: ("december", "dec", "декабрь", "декабря", "дек", "դեկտեմբեր", "դեկտեմբերի", "դկտ", "dekabr"),
}
_MONTHS = {form: month for month, forms in _MONTH_FORMS.items() for form in forms}
# Azerbaijani inflects month names with suffixes ("martın", "yanvarda"): a word starting with a full name
_AZ_STEMS = tuple((forms[-1], month) for month, forms in _MONTH_FORMS.items())
_TODAY = frozenset({"today", "сегодня", "այսօր", "bugün", "bu gün"})
_YESTERDAY = frozenset({"yesterday", "вчера", "երեկ", "dünən"})

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_TIME = re.compile(r"(?<!\d)(\d{1,2})[:.](\d{2})(?::(\d{2}))?(?:\s*([aApP])\.?\s*[mM]\.?)?(?!\d)")
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?"
)
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})(?!\d)")
_YEAR_FIRST = re.compile(r"(?<!\d)(\d{4})[./](\d{1,2})[./](\d{1,2})(?!\d)")
_OFFSET = re.compile(r"(?:UTC|GMT)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.I)
_NUMBER = re.compile(r"(?<![\d:.])\d{1,4}(?![\d:])")


@dataclass(frozen=True, slots=True)
class PageDate:
    """A date read from a page: the moment (in UTC) and whether the page gave a time of day."""

    at: datetime
    has_time: bool


def parse_page_date(text: str, zone: tzinfo, now: datetime) -> PageDate | None:
    """The date in `text`, read in `zone` unless the text names its own offset; None when there is none.

    Understands ISO 8601 (2024-03-12T14:30:00+04:00), day-first numeric dates (12.03.2024, 12/03/24),
    year-first numeric dates (2024/03/12), month names in English, Russian, Armenian and Azerbaijani in
    either order (12 March 2024, March 12, 2024, 12 մարտի 2024 թ., 2024 թ. մարտի 12, 12 mart 2024,
    12 марта 2024 г.), an optional time (14:30, 14.30, 2:30 pm) and "today"/"yesterday" in those
    languages. A date without a year is the latest such date not after `now`.
    """
    text = " ".join(text.split())
    if not text:
        return None
    iso = _ISO.search(text)
    if iso:
        return _from_iso(iso, zone)
    offset = _OFFSET.search(text)
    if offset:
        sign = 1 if offset.group(1) == "+" else -1
        zone = _fixed(sign * (int(offset.group(2)) * 60 + int(offset.group(3) or 0))) or zone
        text = text[: offset.start()] + " " + text[offset.end() :]
    today = now.astimezone(zone).date()
    lowered = text.lower()
    numeric = _YEAR_FIRST.search(text) or _NUMERIC.search(text)
    rest = text[: numeric.start()] + " " + text[numeric.end() :] if numeric else text
    clock = _TIME.search(rest)  # after the numeric date is taken out: "12.03" is not a time there
    day: date | None = None
    if numeric:
        day = _numeric_day(numeric)
    elif any(word in lowered for word in _TODAY):
        day = today
    elif any(word in lowered for word in _YESTERDAY):
        day = today - timedelta(days=1)
    else:
        day = _named_day(rest[: clock.start()] + " " + rest[clock.end() :] if clock else rest, today)
    if day is None:
        return None
    time_of_day = _time_of_day(clock) if clock else None
    at = in_utc(datetime.combine(day, time_of_day or time(12, 0), tzinfo=zone))
    return PageDate(at, time_of_day is not None) if at is not None else None


def published_at(page_date: PageDate | None, zone: tzinfo, now: datetime) -> datetime | None:
    """When an item with this page date counts as published: its time; for a date alone, None (first seen)
    when the day is today or yesterday in `zone`, else noon that day."""
    if page_date is None:
        return None
    if page_date.has_time:
        return page_date.at
    day = page_date.at.astimezone(zone).date()
    return None if day >= now.astimezone(zone).date() - timedelta(days=1) else page_date.at


def _from_iso(match: re.Match[str], zone: tzinfo) -> PageDate | None:
    year, month, day, hour, minute, second, offset = match.groups()
    if offset:
        if offset == "Z":
            zone = UTC
        else:
            digits = offset[1:].replace(":", "")
            minutes = int(digits[:2]) * 60 + int(digits[2:])
            fixed = _fixed(minutes if offset[0] == "+" else -minutes)
            if fixed is None:
                return None
            zone = fixed
    try:
        local = datetime(
            int(year), int(month), int(day), int(hour or 12), int(minute or 0), int(second or 0), tzinfo=zone
        )
    except ValueError:
        return None
    at = in_utc(local)
    return PageDate(at, hour is not None) if at is not None else None


def _numeric_day(match: re.Match[str]) -> date | None:
    if match.re is _YEAR_FIRST:
        return _day(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    first, second, year = int(match.group(1)), int(match.group(2)), _year(match.group(3))
    if second > 12 >= first:  # 03/12/2024 is day first; 12/31/2024 can only be month first
        first, second = second, first
    return _day(year, second, first)


def _named_day(text: str, today: date) -> date | None:
    month = _month(text)
    if month is None:
        return None
    numbers = [int(found) for found in _NUMBER.findall(text)]
    years = [n for n in numbers if 1900 <= n <= 2100]
    days = [n for n in numbers if 1 <= n <= 31]
    if not days:
        return None
    if years:
        return _day(years[0], month, days[0])
    for year in (today.year, today.year - 1):
        candidate = _day(year, month, days[0])
        if candidate is not None and candidate <= today:
            return candidate
    return None


def _month(text: str) -> int | None:
    for word in _WORD.findall(text.lower()):
        month = _MONTHS.get(word)
        if month is None and len(word) > 4:
            month = next((m for stem, m in _AZ_STEMS if word.startswith(stem)), None)
        if month is not None:
            return month
    return None


def _time_of_day(match: re.Match[str]) -> time | None:
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    meridiem = (match.group(4) or "").lower()
    if meridiem == "p" and hour < 12:
        hour += 12
    elif meridiem == "a" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def _year(text: str) -> int:
    value = int(text)
    return value + 2000 if value < 100 else value


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _fixed(minutes: int) -> tzinfo | None:
    """The fixed offset of `minutes` east of UTC; None beyond a day either way (no such offset exists)."""
    from datetime import timezone

    return timezone(timedelta(minutes=minutes)) if abs(minutes) < 24 * 60 else None
