"""Read and write OPML feed lists, keeping each feed's kind, title, language and User-Agent override.

A Telegram channel is an outline whose xmlUrl is a t.me address (type="telegram" when written); a statement
page is an outline with type="html" and CSS selectors in `selector-item`, `selector-title`, `selector-link`,
`selector-date` (and `selector-summary`), with its time zone in `timezone`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import xml.parsers.expat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from feeds.htmlpage import PARTS, PageSelectors
from feeds.limits import MAX_FEED_URL_CHARS, url_length
from feeds.normalize import normalize_text
from feeds.sources import FEED, HTML, TELEGRAM, source_spec
from storage.errors import BorderwatchError

_DECLARATIONS_REFUSED = "DOCTYPE and ENTITY declarations are not allowed in OPML"
# An outline: its attributes, as expat gives them.
_Outline = Mapping[str, str]


class OpmlError(BorderwatchError):
    """The OPML document is unusable; the message says why."""


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One feed outline: its URL and optional title, language and User-Agent; its kind (feed, telegram,
    html) and an html feed's selectors (the stored form: item, title, link, date, summary, timezone)."""

    url: str
    title: str | None = None
    language: str | None = None
    user_agent: str | None = None
    kind: str = FEED
    selectors: Mapping[str, str] | None = None

    @classmethod
    def of(cls, feed: Any) -> OpmlFeed:
        """The outline of a stored feed (a FeedRecord): its title is the OPML/admin title, else its own."""
        return cls(
            feed.url,
            feed.title_override or feed.title,
            feed.language,
            feed.user_agent,
            feed.kind,
            feed.selectors,
        )


def read_opml(data: bytes | str, source: str = "OPML", *, invalid: list[str] | None = None) -> list[OpmlFeed]:
    """The feeds of an OPML document, in order, each URL once (outlines nested in folders included).

    A document whose body has no outline at all is an empty list (what write_opml makes of no feeds). Raises
    OpmlError for anything that is not OPML, for a DTD or entity declaration anywhere in the document
    (in any encoding: refused as the XML parser meets it), for outlines none of which is a feed, and for an
    outline whose xmlUrl is not an http/https URL of at most 2,048 characters without spaces (unless
    `invalid` is given: such URLs are then appended to it and skipped). Titles, languages and User-Agents
    are plain one-line text (control and bidi characters dropped: a CR/LF in a User-Agent would make every
    request of the feed fail).
    """
    raw = data.encode() if isinstance(data, str) else data
    feeds: dict[str, OpmlFeed] = {}
    outlines = _outlines(raw, source)
    for outline in outlines:
        try:
            feed = _outline_feed(outline)
        except BorderwatchError as exc:
            if invalid is not None:
                invalid.append(_outline_url(outline) or str(exc))
                continue
            raise OpmlError(f"{source}: {exc}") from None
        if feed is not None:
            feeds.setdefault(feed.url, feed)
    if outlines and not feeds and not invalid:
        raise OpmlError(f"{source}: no feed outlines (outline elements with an xmlUrl)")
    return list(feeds.values())


def read_opml_listing(data: bytes, source: str) -> tuple[list[OpmlFeed], list[str]]:
    """read_opml with invalid outlines skipped: the feeds, and the invalid outlines' URLs (for a parser
    process, feeds.parse.ParserPool.run)."""
    invalid: list[str] = []
    return read_opml(data, source, invalid=invalid), invalid


def _outline_url(outline: _Outline) -> str:
    kind = (outline.get("type") or "").strip().lower()
    url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
    if not url and kind == HTML:  # a page without a feed may be given as the page's own address
        url = (outline.get("htmlUrl") or outline.get("htmlurl") or "").strip()
    return url


def _outline_feed(outline: _Outline) -> OpmlFeed | None:
    """The feed of one outline; None for a folder; raises BorderwatchError for an unusable outline."""
    url = _outline_url(outline)
    if not url:
        return None
    kind = (outline.get("type") or "").strip().lower()
    selectors = None
    if kind == HTML:
        selectors = PageSelectors.from_mapping(
            {part: outline.get(f"selector-{part}") for part in PARTS} | {"timezone": outline.get("timezone")}
        )
    spec = source_spec(url, selectors, kind=kind if kind in (TELEGRAM, HTML) else None)
    parts = urlsplit(spec.url)
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.netloc
        or any(ord(c) <= 0x20 or 0x7F <= ord(c) <= 0x9F for c in spec.url)
    ):
        raise OpmlError(f"outline {url!r} is not an http or https feed URL")
    if url_length(spec.url) > MAX_FEED_URL_CHARS:
        raise OpmlError(
            f"outline {url[:100]!r}… is longer than {MAX_FEED_URL_CHARS:,} characters as a URL "
            f"({url_length(spec.url):,}, non-ASCII characters written %XX)"
        )
    title = _text(outline.get("title")) or _text(outline.get("text"))
    if title == url:  # write_opml puts the URL in the required text attribute of an untitled feed
        title = None
    language, user_agent = _text(outline.get("language")), _text(outline.get("userAgent"))
    return OpmlFeed(spec.url, title, language, user_agent, spec.kind, spec.stored_selectors)


def _text(value: str | None) -> str | None:
    return normalize_text(value or "") or None


class _Refused(Exception):
    """Raised from an expat handler: the document declares a DTD or entities."""


def _outlines(raw: bytes, source: str) -> list[dict[str, str]]:
    """The attributes of every <outline> inside the first <body> of the <opml> root, in document order.

    Read with expat, which decodes the document itself, and stopped at a DOCTYPE or entity declaration
    before anything in it is expanded.
    """
    outlines: list[dict[str, str]] = []
    path: list[str] = []
    root: list[str] = []
    body: list[bool] = []  # [True] once the first <body> under the root has been entered

    def start(name: str, attributes: dict[str, str]) -> None:
        if not path:
            root.append(name)
        elif len(path) == 1 and name == "body" and not body:
            body.append(True)
            path.append("body:first")
            return
        elif path[1:2] == ["body:first"] and name == "outline":
            outlines.append(attributes)
        path.append(name)

    def end(_name: str) -> None:
        path.pop()

    def refuse(*_declaration: object) -> None:
        raise _Refused

    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(raw, True)
    except _Refused:
        raise OpmlError(f"{source}: {_DECLARATIONS_REFUSED}") from None
    except xml.parsers.expat.ExpatError as exc:
        raise OpmlError(f"{source}: not well-formed XML ({exc})") from None
    if root[0].lower() != "opml":
        raise OpmlError(f"{source}: the root element is <{root[0]}>, not <opml>")
    if not body:
        raise OpmlError(f"{source}: no <body> element")
    return outlines


def write_opml(feeds: Iterable[OpmlFeed], title: str = "borderwatch feeds") -> str:
    """An OPML 2.0 document listing `feeds`, readable back by read_opml with the same attributes."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    for feed in feeds:
        kind = "rss" if feed.kind == FEED else feed.kind
        attributes = {"type": kind, "text": feed.title or feed.url, "xmlUrl": feed.url}
        if feed.title:
            attributes["title"] = feed.title
        if feed.language:
            attributes["language"] = feed.language
        if feed.user_agent:
            attributes["userAgent"] = feed.user_agent
        for name, value in (feed.selectors or {}).items():
            if value and feed.kind == HTML:
                attributes["timezone" if name == "timezone" else f"selector-{name}"] = str(value)
        ET.SubElement(body, "outline", attributes)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
