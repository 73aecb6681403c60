"""Read and write OPML feed lists, keeping each feed's title, language and User-Agent override."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from storage.errors import BorderwatchError

_DECLARATIONS = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


class OpmlError(BorderwatchError):
    """The OPML document is unusable; the message says why."""


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One feed outline: its URL and optional title, language and User-Agent."""

    url: str
    title: str | None = None
    language: str | None = None
    user_agent: str | None = None


def read_opml(data: bytes | str, source: str = "OPML", *, invalid: list[str] | None = None) -> list[OpmlFeed]:
    """The feeds of an OPML document, in order, each URL once (outlines nested in folders included).

    Raises OpmlError for anything that is not OPML, for DTDs and entity declarations (refused outright), for
    a document without feeds, and for an outline whose xmlUrl is not an http/https URL (unless `invalid` is
    given: such URLs are then appended to it and skipped).
    """
    raw = data.encode() if isinstance(data, str) else data
    if _DECLARATIONS.search(raw[:65536]):
        raise OpmlError(f"{source}: DOCTYPE and ENTITY declarations are not allowed in OPML")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise OpmlError(f"{source}: not well-formed XML ({exc})") from None
    if root.tag.lower() != "opml":
        raise OpmlError(f"{source}: the root element is <{root.tag}>, not <opml>")
    body = root.find("body")
    if body is None:
        raise OpmlError(f"{source}: no <body> element")
    feeds: dict[str, OpmlFeed] = {}
    for outline in body.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url:
            continue
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            if invalid is not None:
                invalid.append(url)
                continue
            raise OpmlError(f"{source}: outline {url!r} is not an http or https feed URL")
        title = (outline.get("title") or outline.get("text") or "").strip() or None
        if title == url:  # write_opml puts the URL in the required text attribute of an untitled feed
            title = None
        language = (outline.get("language") or "").strip() or None
        user_agent = (outline.get("userAgent") or "").strip() or None
        feeds.setdefault(url, OpmlFeed(url, title, language, user_agent))
    if not feeds and not invalid:
        raise OpmlError(f"{source}: no feed outlines (outline elements with an xmlUrl)")
    return list(feeds.values())


def write_opml(feeds: Iterable[OpmlFeed], title: str = "borderwatch feeds") -> str:
    """An OPML 2.0 document listing `feeds`, readable back by read_opml with the same attributes."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    for feed in feeds:
        attributes = {"type": "rss", "text": feed.title or feed.url, "xmlUrl": feed.url}
        if feed.title:
            attributes["title"] = feed.title
        if feed.language:
            attributes["language"] = feed.language
        if feed.user_agent:
            attributes["userAgent"] = feed.user_agent
        ET.SubElement(body, "outline", attributes)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
