"""Normalise feedparser's view of an entry: plain text, canonical link, UTC time, short language tag."""

from __future__ import annotations

import html
import re
import time
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote_plus, urlsplit

from feeds.model import FeedEntry

# C0/C1 controls (whitespace is folded separately), lone surrogates, BOM and noncharacters: none is text, and
# PostgreSQL refuses NUL. Also the bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and
# the deprecated format controls (U+206A-U+206F): a feed's U+202E would reverse whatever is shown after its
# text (the source and time of an alert). The bidi marks (LRM, RLM, ALM) stay: they reorder nothing, and
# right-to-left text uses them.
_NOT_TEXT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u206f\ud800-\udfff\ufeff\ufffe\uffff]"
)

_CDATA = re.compile(r"<!\[CDATA\[(.*?)(?:\]\]>|$)", re.S)
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
# A tag's attributes: quoted values may hold '>' and '<'; outside quotes '<' ends the tag. Each character has
# one way to be read (possessive), so a tag that never closes (`<abbb…`) costs one scan, not one per split.
_ATTRIBUTES = r"(?:[^<>\"']|\"[^\"]*+\"|'[^']*+')*+"
# A script or style that never closes its start tag hides the rest of the text (as one cut off at the end):
# else every later `<script` would be scanned to the end again.
_INVISIBLE_BLOCK = re.compile(
    r"<(script|style|noscript|template|head)\b[^>]*+(?:>.*?(?:</\1\s*>|$)|$)", re.I | re.S
)
# Tags that separate words when rendered; removing them without a space would glue words together.
_BREAKING_TAG = re.compile(
    r"</?(?:address|article|aside|blockquote|br|dd|div|dl|dt|figcaption|figure|footer|h[1-6]|header|hr|li|"
    rf"ol|p|pre|section|table|td|th|tr|ul)\b{_ATTRIBUTES}>",
    re.I,
)
_TAG = re.compile(rf"</?[A-Za-z][^\s/<>]*+{_ATTRIBUTES}>|<![^<>]*>|<\?[^<>]*>")
# Second pass for tags the first missed (an unquoted value holding a quote: `<a href=x">`), and a tag cut off
# at the end.
_LEFTOVER_TAG = re.compile(r"</?[A-Za-z][^<>]*(?:>|$)")

# A lone surrogate (a JSON Feed's "\\ud800" escape) is no character: no URL holds one, and neither quoting nor
# the database can encode it.
_SURROGATE = re.compile("[\ud800-\udfff]")
_TRACKING_PARAMETERS = frozenset({"fbclid", "gclid", "yclid", "mc_cid", "mc_eid", "_ga", "ref_src"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_BAD_HOST_CHARACTER = re.compile(r"[\x00-\x20\x7f<>\"{}|\\^`%]")
# RFC 3986 reserved characters and '%' stay as they are, so existing escapes are kept; the rest is escaped.
_SAFE_IN_PATH = "/%:@!$&'()*+,;=~"
_SAFE_IN_QUERY = "/%:@!$&'()*+,;=~?"

_LANGUAGE_TAG = re.compile(r"\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*\s*$")
_LANGUAGE_NAMES = {"english": "en", "russian": "ru", "armenian": "hy", "azerbaijani": "az", "georgian": "ka"}


def normalize_text(text: str) -> str:
    """Plain text, tidied: control characters dropped, Unicode NFC, every whitespace run one space, trimmed.

    Idempotent, and never raises on any string.
    """
    text = unicodedata.normalize("NFC", _NOT_TEXT.sub("", text))
    return " ".join(text.split())


def html_to_text(markup: str) -> str:
    """The text an HTML fragment shows: tags, comments, scripts and styles removed, entities unescaped once.

    `&lt;b&gt;` becomes the literal text `<b>`; the result is already `normalize_text`-ed.
    """
    if "<" not in markup and "&" not in markup:
        return normalize_text(markup)
    text = _CDATA.sub(r"\1", markup)
    text = _COMMENT.sub("", text)
    text = _INVISIBLE_BLOCK.sub(" ", text)
    text = _BREAKING_TAG.sub(" ", text)
    text = _TAG.sub("", text)
    text = _LEFTOVER_TAG.sub("", text)
    return normalize_text(html.unescape(text))


def is_plain_text_type(content_type: str | None) -> bool:
    """Whether feedparser's content type for a field (`title_detail.type` …) says the value is plain text.

    Anything else (HTML, XHTML, and types such as application/octet-stream) is read as markup, so that no
    markup can reach a text field.
    """
    kind = (content_type or "").split(";")[0].strip().lower()
    return kind in ("text/plain", "text")


def field_text(value: str | None, content_type: str | None) -> str:
    """A feed field as plain text: markup removed when the field is HTML-typed, kept literally in text."""
    if not value:
        return ""
    return normalize_text(value) if is_plain_text_type(content_type) else html_to_text(value)


def canonical_link(url: str | None) -> str | None:
    """The canonical form of an entry link, or None when it is not an absolute http(s) URL.

    Scheme and host lower-cased, user info, default port and fragment dropped, tracking parameters (utm_*,
    fbclid, gclid, yclid, mc_cid, mc_eid, _ga, ref_src) removed, other query parameters kept in order.
    """
    if not url or _SURROGATE.search(url):
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in _DEFAULT_PORTS or not host or _BAD_HOST_CHARACTER.search(host):
        return None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    path = quote(parts.path, safe=_SAFE_IN_PATH) or "/"
    kept = [piece for piece in parts.query.split("&") if piece and not _is_tracking(piece)]
    query = quote("&".join(kept), safe=_SAFE_IN_QUERY)
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def _is_tracking(parameter: str) -> bool:
    name = unquote_plus(parameter.partition("=")[0]).lower()
    return name.startswith("utm_") or name in _TRACKING_PARAMETERS


def utc_datetime(parsed: time.struct_time | None) -> datetime | None:
    """feedparser's parsed date (a UTC struct_time) as an aware UTC datetime; None if absent or impossible."""
    if parsed is None:
        return None
    try:
        return datetime(*parsed[:6], tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def in_utc(moment: datetime) -> datetime | None:
    """`moment` in UTC (a naive one read as UTC); None when that moment is outside what a datetime holds (year
    1 at +14:00 is in year 0, year 9999 at -12:00 in year 10000)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return None


_TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}")


def day_only(text: object) -> bool:
    """Whether a date as the source wrote it gives no time of day ("2024-09-19", "Thu, 19 Sep 2024")."""
    return isinstance(text, str) and bool(text.strip()) and _TIME_OF_DAY.search(text) is None


def noon_of(moment: datetime) -> datetime:
    """The noon of a UTC day: where a date without a time stands (feeds.model.FeedEntry)."""
    return moment.replace(hour=12, minute=0, second=0, microsecond=0)


def language_tag(value: str | None) -> str | None:
    """A short lower-case language tag (`ru-RU` → `ru`, `en_us` → `en`); None when the value is not one."""
    if not value:
        return None
    match = _LANGUAGE_TAG.match(value)
    if match:
        return match.group(1).lower()
    return _LANGUAGE_NAMES.get(value.strip().lower())


def normalize_entry(entry: Mapping[str, Any], feed_language: str | None) -> FeedEntry:
    """One feedparser entry as a FeedEntry: plain-text title and summary, canonical link, UTC time, language.

    The summary is the entry's summary/description, or its first content block when it has none.
    """
    title_detail = entry.get("title_detail") or {}
    summary_detail = entry.get("summary_detail") or {}
    summary_value = entry.get("summary")
    summary_type = summary_detail.get("type", "text/html")
    if not summary_value and entry.get("content"):
        first = entry["content"][0]
        summary_value, summary_type = first.get("value"), first.get("type", "text/html")
    guid = entry.get("id")
    guid_text = normalize_text(guid) if isinstance(guid, str) else ""
    published, written = utc_datetime(entry.get("published_parsed")), entry.get("published")
    if published is None:
        published, written = utc_datetime(entry.get("updated_parsed")), entry.get("updated")
    dated_only = published is not None and day_only(written)
    language = (
        language_tag(entry.get("language"))
        or language_tag(title_detail.get("language"))
        or language_tag(summary_detail.get("language"))
        or feed_language
    )
    return FeedEntry(
        guid=guid_text or None,
        link=canonical_link(entry.get("link")),
        title=field_text(entry.get("title"), title_detail.get("type", "text/plain")),
        summary=field_text(summary_value, summary_type),
        language=language,
        published=noon_of(published) if published is not None and dated_only else published,
        published_day_only=dated_only,
    )
