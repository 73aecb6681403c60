"""Statement pages: a web page without a feed (a ministry's press releases), read with CSS selectors.

`selector-item` picks each statement; inside it `selector-title`, `selector-link`, `selector-date` (and the
optional `selector-summary`) pick its parts. A selector that stops matching is a feed error naming it: a
redesigned site must show up in /feeds, not fall silent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from urllib.parse import urljoin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from selectolax.lexbor import LexborHTMLParser, LexborNode

from feeds.errors import ParseError
from feeds.headline import split_headline
from feeds.htmltext import SelectolaxError, check_selector, element_text, parse_html, text_lines
from feeds.localdates import parse_page_date, published_at
from feeds.model import FeedEntry, ParsedFeed
from feeds.normalize import canonical_link, normalize_text
from storage.errors import BorderwatchError

__all__ = ["PageSelectors", "SelectorError", "parse_statement_page"]

MAX_ITEMS = 300
MAX_SELECTOR_LENGTH = 300
PARTS = ("item", "title", "link", "date", "summary")
# `/addfeed <url> --html item=… title=…`: a key starts a new value only after a space (so "a[title=x]" stays)
_ARGUMENT = re.compile(r"(?:^|\s)(item|title|link|date|summary|tz|timezone)=", re.IGNORECASE)
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'"})
_OFFSET = re.compile(r"(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)


class SelectorError(BorderwatchError):
    """The selectors of a statement page are unusable (missing item selector, not CSS, unknown time zone)."""


@dataclass(frozen=True, slots=True)
class PageSelectors:
    """How to read a statement page: CSS selectors (all but `item` optional) and the page's time zone."""

    item: str
    title: str | None = None
    link: str | None = None
    date: str | None = None
    summary: str | None = None
    timezone: str | None = None  # IANA name (Asia/Yerevan) or offset (+04:00); default UTC

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> PageSelectors:
        """Selectors from a mapping with the keys of PARTS and `timezone` (stored form, OPML attributes);
        raises SelectorError naming what is wrong."""
        parts: dict[str, str | None] = {}
        for name in (*PARTS, "timezone"):
            value = values.get(name)
            text = " ".join(str(value).split()) if value is not None else ""
            parts[name] = text or None
        item = parts.pop("item")
        if not item:
            raise SelectorError("a statement page needs an item selector (selector-item, or item= in chat)")
        for name in PARTS:
            selector = item if name == "item" else parts.get(name)
            if selector is None:
                continue
            if len(selector) > MAX_SELECTOR_LENGTH:
                raise SelectorError(f"the {name} selector is longer than {MAX_SELECTOR_LENGTH} characters")
            try:
                check_selector(selector)
            except SelectolaxError:
                raise SelectorError(f"the {name} selector {selector!r} is not a CSS selector") from None
        if parts["timezone"] is not None:
            _zone(parts["timezone"])
        return cls(item=item, **parts)

    @classmethod
    def from_arguments(cls, text: str) -> PageSelectors:
        """Selectors from chat: `item=div.news title=h3 a link=h3 a date=.date tz=Asia/Yerevan` (values may be
        quoted; a value runs until the next key)."""
        text = text.translate(_QUOTES)
        keys = list(_ARGUMENT.finditer(text))
        if not keys:
            raise SelectorError("give the selectors as item=… title=… link=… date=…")
        if text[: keys[0].start()].strip():
            raise SelectorError(f"unexpected {text[: keys[0].start()].strip()!r} before the selectors")
        values: dict[str, str] = {}
        for number, key in enumerate(keys):
            end = keys[number + 1].start() if number + 1 < len(keys) else len(text)
            name = key.group(1).lower()
            name = "timezone" if name == "tz" else name
            if name in values:
                raise SelectorError(f"{name}= is given twice")
            value = text[key.end() : end].strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1].strip()
            values[name] = value
        return cls.from_mapping(values)

    def as_mapping(self) -> dict[str, str]:
        """The stored form: only the parts that are set."""
        values = {name: getattr(self, name) for name in (*PARTS, "timezone")}
        return {name: value for name, value in values.items() if value}

    @property
    def zone(self) -> tzinfo:
        return _zone(self.timezone) if self.timezone else UTC


def _zone(name: str) -> tzinfo:
    offset = _OFFSET.fullmatch(name.strip())
    if offset:
        minutes = int(offset.group(2)) * 60 + int(offset.group(3) or 0)
        if minutes <= 14 * 60:
            return timezone(timedelta(minutes=minutes if offset.group(1) == "+" else -minutes))
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise SelectorError(
            f"unknown time zone {name!r} (use a name such as Asia/Yerevan, or +04:00)"
        ) from None


def parse_statement_page(
    body: bytes,
    headers: Mapping[str, str],
    url: str,
    selectors: PageSelectors,
    now: datetime,
    language: str | None = None,
) -> ParsedFeed:
    """The statements of a page as feed entries: title, link (absolute, canonical), date, summary.

    Items without a title are skipped. Raises ParseError naming the selector when the item selector matches
    nothing, or a part's selector matches in none of the items, or no item has a title.
    """
    tree = parse_html(body, headers)
    base = _base_url(tree, url)
    items = tree.css(selectors.item)[:MAX_ITEMS]
    if not items:
        raise ParseError(f"{url}: selector item matched nothing ({selectors.item})")
    matched = {"title": False, "link": False, "date": False, "summary": False}
    dates_seen: list[str] = []
    entries: list[FeedEntry] = []
    zone = selectors.zone
    for item in items:
        title_node = _part(item, selectors.title)
        link_node = _part(item, selectors.link)
        date_node = _part(item, selectors.date)
        summary_node = _part(item, selectors.summary)
        for name, node in (("title", title_node), ("link", link_node), ("date", date_node)):
            matched[name] = matched[name] or node is not None
        matched["summary"] = matched["summary"] or summary_node is not None
        if selectors.title:
            title, rest = (element_text(title_node), "") if title_node is not None else ("", "")
        else:
            title, rest = split_headline("\n".join(text_lines(item)))
        if not title:
            continue
        summary = element_text(summary_node) if summary_node is not None else rest
        link = _link(link_node if selectors.link else None, title_node, item, base)
        published, dated_only = None, False
        if date_node is not None:
            text = _date_text(date_node)
            dates_seen.append(text)
            page_date = parse_page_date(text, zone, now)
            published = published_at(page_date, zone, now)
            # a bare date read as that day's noon in the page's zone (a recent one is the first-seen time)
            dated_only = published is not None and page_date is not None and not page_date.has_time
        entries.append(FeedEntry(None, link, title[:1000], summary, language, published, dated_only))
    for name in ("title", "link", "date", "summary"):
        selector = getattr(selectors, name)
        if selector and not matched[name]:
            raise ParseError(f"{url}: selector {name} matched nothing in the items ({selector})")
    if not entries:
        raise ParseError(f"{url}: no item has a title (selector item: {selectors.item})")
    if dates_seen and not any(parse_page_date(text, zone, now) for text in dates_seen):
        raise ParseError(f"{url}: selector date matched, but no date could be read (e.g. {dates_seen[0]!r})")
    title_node = tree.css_first("title")
    page_title = normalize_text(title_node.text()) if title_node is not None else ""
    return ParsedFeed(title=page_title or None, language=language, ttl_seconds=None, entries=tuple(entries))


def _part(item: LexborNode, selector: str | None) -> LexborNode | None:
    if not selector:
        return None
    return item.css_first(selector)  # the item itself when it matches (an <a> that is the whole item)


def _base_url(tree: LexborHTMLParser, url: str) -> str:
    base = tree.css_first("base[href]")
    href = base.attributes.get("href") if base is not None else None
    return urljoin(url, href) if href else url


def _link(chosen: LexborNode | None, title: LexborNode | None, item: LexborNode, base: str) -> str | None:
    """The statement's address: the link selector's element (or the first link in it); else the title's own
    link or one around it; else the item's first link."""
    candidates: list[LexborNode | None] = []
    if chosen is not None:
        candidates += [chosen, chosen.css_first("a[href]")]
    else:
        if title is not None:
            candidates += [title, title.css_first("a[href]"), _link_around(title, item)]
        candidates += [item, item.css_first("a[href]")]
    for node in candidates:
        href = node.attributes.get("href") if node is not None else None
        if href and href.strip() and not href.strip().lower().startswith(("javascript:", "#", "mailto:")):
            return canonical_link(urljoin(base, href.strip()))
    return None


def _link_around(node: LexborNode, item: LexborNode) -> LexborNode | None:
    current: LexborNode | None = node.parent
    while current is not None and current.mem_id != item.mem_id:
        if (current.tag or "").lower() == "a" and current.attributes.get("href"):
            return current
        current = current.parent
    return None


def _date_text(node: LexborNode) -> str:
    """A date element's machine-readable date when it has one (datetime, content, title), else its text."""
    for attribute in ("datetime", "content", "title"):
        value = node.attributes.get(attribute)
        if value and any(ch.isdigit() for ch in value):
            return value
    return element_text(node)
