"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1): detection and parsing into a ParsedFeed."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from feeds.errors import ParseError
from feeds.headline import split_headline
from feeds.model import FeedEntry, ParsedFeed
from feeds.normalize import (
    canonical_link,
    day_only,
    html_to_text,
    in_utc,
    language_tag,
    noon_of,
    normalize_text,
)

__all__ = ["looks_like_json", "parse_json_feed"]

_JSON_TYPES = ("application/feed+json", "application/json")
_VERSION_PREFIX = "https://jsonfeed.org/version/1"
_MAX_ITEMS = 5000


def looks_like_json(body: bytes, content_type: str) -> bool:
    """Whether the response is JSON: by its media type, or by its first character when the type says
    nothing more precise (servers send JSON Feeds as text/plain or application/octet-stream too)."""
    media_type = content_type.split(";")[0].strip().lower()
    if media_type in _JSON_TYPES or media_type.endswith("+json"):
        return True
    head = body[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{") and "xml" not in media_type and "html" not in media_type


def parse_json_feed(body: bytes, url: str) -> ParsedFeed:
    """A JSON Feed 1.0/1.1 document as a ParsedFeed (plain text, canonical links, UTC times).

    Items without an id are identified by their link; an item's title, when it has none (a microblog post),
    is the first line or sentence of its text. Raises ParseError for JSON that is not a JSON Feed.
    """
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ParseError(f"{url}: not a feed (invalid JSON: {exc})") from None
    if not isinstance(document, Mapping) or not str(document.get("version", "")).startswith(_VERSION_PREFIX):
        raise ParseError(f"{url}: JSON, but not a JSON Feed (no https://jsonfeed.org/version/1 version)")
    items = document.get("items")
    if not isinstance(items, list):
        raise ParseError(f"{url}: a JSON Feed without an items list")
    language = language_tag(_text(document.get("language")))
    base = _text(document.get("home_page_url")) or url
    entries = [
        entry
        for raw in items[:_MAX_ITEMS]
        if isinstance(raw, Mapping) and (entry := _entry(raw, base, language)) is not None
    ]
    return ParsedFeed(
        title=normalize_text(_text(document.get("title"))) or None,
        language=language,
        ttl_seconds=None,
        entries=tuple(entries),
    )


def _entry(raw: Mapping[str, Any], base: str, feed_language: str | None) -> FeedEntry | None:
    link = _link(raw.get("url"), base) or _link(raw.get("external_url"), base)
    content_text = _text(raw.get("content_text"))
    content = normalize_text(content_text) if content_text else html_to_text(_text(raw.get("content_html")))
    summary = normalize_text(_text(raw.get("summary"))) or content
    title = normalize_text(_text(raw.get("title")))
    if not title:
        # a microblog item: its text is the headline (line breaks of content_text kept for the split)
        text = content_text or content or summary
        title, summary = split_headline(text)
    if not title and not link:
        return None
    raw_id = raw.get("id")
    usable_id = isinstance(raw_id, str | int) and not isinstance(raw_id, bool)  # 1.0 feeds use numbers too
    guid = normalize_text(str(raw_id)) if usable_id else ""
    published, written = _time(raw.get("date_published")), raw.get("date_published")
    if published is None:
        published, written = _time(raw.get("date_modified")), raw.get("date_modified")
    dated_only = published is not None and day_only(written)
    return FeedEntry(
        guid=guid or None,
        link=link,
        title=title,
        summary=summary,
        language=language_tag(_text(raw.get("language"))) or feed_language,
        published=noon_of(published) if published is not None and dated_only else published,
        published_day_only=dated_only,
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _link(value: Any, base: str) -> str | None:
    return canonical_link(urljoin(base, value)) if isinstance(value, str) and value.strip() else None


def _time(value: Any) -> datetime | None:
    """An RFC 3339 time in UTC; None when absent, not a time, or not a time in UTC's years 1-9999 (a time
    without an offset is UTC)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return in_utc(parsed)
