"""Telegram's HTML parse mode, as the Bot API applies it: text plus entities, or the error Telegram gives."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_TAG_TO_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));")
_ATTRIBUTE = re.compile(r"""\s*([a-zA-Z_-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""")


class EntityParseError(ValueError):
    """Not valid Telegram HTML; the message is Telegram's wording after "can't parse entities: "."""


@dataclass
class _Open:
    name: str
    attributes: dict[str, str]
    start: int  # offset in UTF-16 code units of the plain text


@dataclass
class ParsedText:
    """Plain text as the user sees it and Telegram's entities over it (offsets in UTF-16 code units)."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def utf16_length(text: str) -> int:
    """Length of `text` in UTF-16 code units, the unit Telegram counts in."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _decode_entity(source: str, index: int) -> tuple[str, int]:
    """The character of the HTML entity at `index` (which holds "&") and the index after it."""
    match = _ENTITY.match(source, index)
    if match is None:
        return "&", index + 1
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        if name not in _NAMED:
            return "&", index + 1
        return _NAMED[name], match.end()
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return "&", index + 1
    return chr(code), match.end()


def parse_html(source: str) -> ParsedText:
    """Parse `source` like Telegram's HTML mode; raise EntityParseError where Telegram answers 400."""
    out: list[str] = []
    length = 0  # UTF-16 length of the text so far
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "&":
            decoded, i = _decode_entity(source, i)
            out.append(decoded)
            length += utf16_length(decoded)
            continue
        if char != "<":
            out.append(char)
            length += utf16_length(char)
            i += 1
            continue
        close = source.find(">", i)
        if source.startswith("</", i):
            if close == -1:
                raise EntityParseError(f"Unclosed end tag at byte offset {_byte_offset(source, i)}")
            name = source[i + 2 : close].strip().lower()
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {_byte_offset(source, i)}")
            if name != stack[-1].name:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(source, i)}, "
                    f'expected "</{stack[-1].name}>", found "</{name}>"'
                )
            opened = stack.pop()
            entity = _entity_for(opened, length)
            if entity is not None:
                entities.append(entity)
            i = close + 1
            continue
        name_match = re.match(r"[a-zA-Z0-9-]*", source[i + 1 :])
        name = name_match.group(0).lower() if name_match else ""
        if name not in _TAG_TO_ENTITY:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, i)}')
        if close == -1:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(source, i)}")
        attributes = _attributes(source[i + 1 + len(name) : close])
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise EntityParseError(f'Unsupported start tag "span" at byte offset {_byte_offset(source, i)}')
        stack.append(_Open(name, attributes, length))
        i = close + 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText("".join(out), entities)


def _attributes(raw: str) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(raw):
        value = next((v for v in match.groups()[1:] if v is not None), "")
        decoded: list[str] = []
        j = 0
        while j < len(value):
            if value[j] == "&":
                text, j = _decode_entity(value, j)
                decoded.append(text)
            else:
                decoded.append(value[j])
                j += 1
        attributes[match.group(1).lower()] = "".join(decoded)
    return attributes


def _entity_for(opened: _Open, end: int) -> dict[str, Any] | None:
    if end == opened.start:
        return None
    entity: dict[str, Any] = {
        "type": _TAG_TO_ENTITY[opened.name],
        "offset": opened.start,
        "length": end - opened.start,
    }
    if opened.name == "a":
        href = opened.attributes.get("href", "")
        if not href:
            return None
        entity["url"] = href
    if opened.name == "blockquote" and "expandable" in opened.attributes:
        entity["type"] = "expandable_blockquote"
    if opened.name == "tg-emoji":
        entity["custom_emoji_id"] = opened.attributes.get("emoji-id", "")
    return entity
