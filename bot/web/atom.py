"""Stories as an Atom 1.0 document (RFC 4287): one entry per story, updated as sources join it.

Each entry carries the story's id (a tag: URI that never changes), its title and first link, when it started
and last changed, every source as an author, the other reports' links as related links, the severity and the
entities as categories, and the list of reports as HTML content. Everything from feeds is text; the XML
writer escapes it, and characters XML cannot carry are dropped.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from storage.public_stories import PublicStory

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
# an empty feed has no story to date it; this fixed date keeps its ETag stable
NEVER = datetime(1970, 1, 1, tzinfo=UTC)

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_SEVERITY_MEANING = {
    "P1": "P1: fighting, casualties",
    "P2": "P2: territory, blockade, captives",
    "P3": "P3: posture and threats",
    "P4": "P4: politics, talks, statements",
}

ET.register_namespace("", ATOM)


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """What names the feed: its title, its own URL, the base URL of the outputs and the tag: authority
    (a host name) that ids are minted under."""

    title: str
    self_url: str
    base_url: str
    authority: str
    path: str  # "atom" or "atom/<entity id>": part of the feed's id


def story_id(authority: str, story: int) -> str:
    """The Atom id of a story: the same for every feed it appears in, and for as long as it exists."""
    return f"tag:{authority},2025:story/{story}"


def last_modified(stories: Sequence[PublicStory]) -> datetime:
    """When the feed last changed: the latest change of its stories (NEVER when it has none)."""
    return max((story.updated for story in stories), default=NEVER)


def render_feed(info: FeedInfo, stories: Sequence[PublicStory]) -> bytes:
    """The Atom document (UTF-8 bytes) listing `stories` in the order given."""
    feed = ET.Element(_tag("feed"))
    _text(feed, "id", f"tag:{info.authority},2025:{info.path}")
    _text(feed, "title", info.title)
    _text(feed, "updated", rfc3339(last_modified(stories)))
    ET.SubElement(feed, _tag("link"), rel="self", type="application/atom+xml", href=_clean(info.self_url))
    author = ET.SubElement(feed, _tag("author"))
    _text(author, "name", "borderwatch")
    _text(feed, "generator", "borderwatch")
    for story in stories:
        _entry(feed, info, story)
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


def _entry(feed: ET.Element, info: FeedInfo, story: PublicStory) -> None:
    entry = ET.SubElement(feed, _tag("entry"))
    first = story.reports[0] if story.reports else None
    if first is not None and first.language and _LANGUAGE_TAG.fullmatch(first.language):
        entry.set(XML_LANG, first.language)
    _text(entry, "id", story_id(info.authority, story.id))
    _text(entry, "title", story.title or "(untitled)")
    _text(entry, "published", rfc3339(story.published))
    _text(entry, "updated", rfc3339(story.updated))
    for source in story.sources:
        author = ET.SubElement(entry, _tag("author"))
        _text(author, "name", source)
    links = [report.link for report in story.reports if _is_web(report.link)]
    main = story.link if _is_web(story.link) else (links[0] if links else None)
    if main is not None:
        ET.SubElement(entry, _tag("link"), rel="alternate", type="text/html", href=_clean(main))
    for link in dict.fromkeys(links):
        if link != main and link is not None:
            ET.SubElement(entry, _tag("link"), rel="related", type="text/html", href=_clean(link))
    if story.severity:
        ET.SubElement(
            entry,
            _tag("category"),
            term=story.severity,
            scheme=f"{info.base_url}/severity",
            label=_SEVERITY_MEANING.get(story.severity, story.severity),
        )
    for entity in story.entities:
        ET.SubElement(
            entry,
            _tag("category"),
            term=entity.id,
            scheme=f"{info.base_url}/entity",
            label=_clean(entity.name),
        )
    content = ET.SubElement(entry, _tag("content"), type="html")
    content.text = _clean(_reports_html(story))


def _reports_html(story: PublicStory) -> str:
    """The reports as an HTML list: source, linked title, UTC time."""
    items = []
    for report in story.reports:
        title = html.escape(report.title or "(untitled)")
        if _is_web(report.link):
            title = f'<a href="{html.escape(report.link or "")}">{title}</a>'
        when = report.published.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        items.append(f"<li>{html.escape(report.source)}: {title} ({when})</li>")
    level = f"<p>Severity {html.escape(story.severity)}</p>" if story.severity else ""
    return f"{level}<ul>{''.join(items)}</ul>"


def rfc3339(moment: datetime) -> str:
    """A moment as an RFC 3339 UTC timestamp (seconds, "Z")."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _is_web(url: str | None) -> bool:
    return bool(url) and str(url).lower().startswith(("http://", "https://"))


def _tag(name: str) -> str:
    return f"{{{ATOM}}}{name}"


def _text(parent: ET.Element, name: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, _tag(name))
    element.text = _clean(value)
    return element


def _clean(text: str) -> str:
    """`text` without the characters an XML 1.0 document cannot contain."""
    return _NOT_XML.sub("", text)
