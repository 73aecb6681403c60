"""A strict reading of an Atom 1.0 document against the rules of RFC 4287 that a schema can state (elements
required, allowed once, their attributes, dates, ids, language tags). Tests use it beside feedparser's bozo
flag, which only tells whether the XML parsed."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# RFC 3339 date-time, as RFC 4287 section 3.3 requires (an uppercase T and Z)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")
_LANGUAGE = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_FEED_CHILDREN = {
    "author", "category", "contributor", "generator", "icon", "id", "link", "logo", "rights", "subtitle",
    "title", "updated", "entry",
}  # fmt: skip
_ENTRY_CHILDREN = {
    "author", "category", "content", "contributor", "id", "link", "published", "rights", "source", "summary",
    "title", "updated",
}  # fmt: skip
_TEXT_CONSTRUCTS = {"title", "subtitle", "rights", "summary"}


def atom_problems(document: bytes) -> list[str]:
    """Every departure from RFC 4287 found in `document` (empty: valid as far as these rules go)."""
    problems: list[str] = []
    try:
        root = ET.fromstring(document)
    except ET.ParseError as exc:
        return [f"not well-formed XML: {exc}"]
    if root.tag != f"{ATOM}feed":
        return [f"root element is {root.tag}, not atom:feed"]
    _check_children(root, "feed", _FEED_CHILDREN, problems)
    _check_common(root, "feed", problems)
    entries = root.findall(f"{ATOM}entry")
    feed_has_author = root.find(f"{ATOM}author") is not None
    if not feed_has_author and any(e.find(f"{ATOM}author") is None for e in entries):
        problems.append("feed: no atom:author, and an entry has none either (4.1.1)")
    if not any(link.get("rel") == "self" for link in root.findall(f"{ATOM}link")):
        problems.append("feed: no link rel=self (4.1.1 SHOULD)")
    ids = Counter(entry.findtext(f"{ATOM}id") for entry in entries)
    problems += [f"entry id {id_!r} appears {n} times" for id_, n in ids.items() if n > 1]
    for index, entry in enumerate(entries):
        where = f"entry {index + 1}"
        _check_children(entry, where, _ENTRY_CHILDREN, problems)
        _check_common(entry, where, problems)
        for once in ("published", "content", "summary", "rights", "source"):
            if len(entry.findall(f"{ATOM}{once}")) > 1:
                problems.append(f"{where}: more than one atom:{once} (4.1.2)")
        content = entry.find(f"{ATOM}content")
        alternate = [
            link for link in entry.findall(f"{ATOM}link") if link.get("rel", "alternate") == "alternate"
        ]
        if content is None and not alternate:
            problems.append(f"{where}: neither atom:content nor a link rel=alternate (4.1.2)")
        if content is not None:
            if content.get("src") is not None and entry.find(f"{ATOM}summary") is None:
                problems.append(f"{where}: content with src needs a summary (4.1.2)")
            _check_text(content, f"{where} content", problems, allow_media=True)
        published = entry.findtext(f"{ATOM}published")
        if published is not None and not _DATE.fullmatch(published.strip()):
            problems.append(f"{where}: published {published!r} is not an RFC 3339 date-time (3.3)")
    return problems


def _check_children(element: ET.Element, where: str, allowed: set[str], problems: list[str]) -> None:
    for child in element:
        if child.tag.startswith(ATOM) and child.tag[len(ATOM) :] not in allowed:
            problems.append(f"{where}: atom:{child.tag[len(ATOM) :]} is not allowed here")
    for once in ("id", "title", "updated"):
        count = len(element.findall(f"{ATOM}{once}"))
        if count != 1:
            problems.append(f"{where}: {count} atom:{once} elements, exactly one required")


def _check_common(element: ET.Element, where: str, problems: list[str]) -> None:
    id_ = (element.findtext(f"{ATOM}id") or "").strip()
    if not _IRI.fullmatch(id_):
        problems.append(f"{where}: id {id_!r} is not an absolute IRI (4.2.6)")
    updated = (element.findtext(f"{ATOM}updated") or "").strip()
    if not _DATE.fullmatch(updated):
        problems.append(f"{where}: updated {updated!r} is not an RFC 3339 date-time (3.3)")
    for name in _TEXT_CONSTRUCTS:
        for text in element.findall(f"{ATOM}{name}"):
            _check_text(text, f"{where} {name}", problems)
    for person in element.findall(f"{ATOM}author") + element.findall(f"{ATOM}contributor"):
        names = person.findall(f"{ATOM}name")
        if len(names) != 1 or not (names[0].text or "").strip():
            problems.append(f"{where}: a person construct needs exactly one non-empty name (3.2)")
    alternates: Counter[tuple[str | None, str | None]] = Counter()
    for link in element.findall(f"{ATOM}link"):
        href = link.get("href")
        if not href or not _IRI.fullmatch(href):
            problems.append(f"{where}: link without an absolute href ({href!r}) (4.2.7)")
        if link.get("rel", "alternate") == "alternate":
            alternates[(link.get("type"), link.get("hreflang"))] += 1
    if any(n > 1 for n in alternates.values()):
        problems.append(f"{where}: two alternate links with the same type and hreflang (4.1.1)")
    for category in element.findall(f"{ATOM}category"):
        if not category.get("term"):
            problems.append(f"{where}: category without a term (4.2.2)")
        scheme = category.get("scheme")
        if scheme is not None and not _IRI.fullmatch(scheme):
            problems.append(f"{where}: category scheme {scheme!r} is not an IRI (4.2.2)")
    for node in element.iter():
        language = node.get(XML_LANG)
        if language is not None and not _LANGUAGE.fullmatch(language):
            problems.append(f"{where}: xml:lang {language!r} is not a language tag (2)")


def _check_text(element: ET.Element, where: str, problems: list[str], allow_media: bool = False) -> None:
    kind = element.get("type", "text")
    if kind == "xhtml":
        children = list(element)
        if len(children) != 1 or children[0].tag != "{http://www.w3.org/1999/xhtml}div":
            problems.append(f"{where}: xhtml content must be one xhtml:div (3.1.1.3)")
    elif kind not in ("text", "html") and not (allow_media and "/" in kind):
        problems.append(f"{where}: type {kind!r} is not text, html or xhtml (3.1.1)")
    elif kind in ("text", "html") and len(element):
        problems.append(f"{where}: {kind} content has child elements (3.1.1)")
