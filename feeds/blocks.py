"""Cut a feed document into its header, its raw <item>/<entry> blocks and its trailer, without parsing it.

This is what lets ParserPool parse only the entries it has not seen: a block whose bytes are unchanged, in a
document whose surroundings (the "context") are unchanged, parses to the same entry as before. The split is
deliberately strict; whenever the document is not a plain sequence of top-level blocks separated by
whitespace (nested or self-closing items, comments or CDATA left open, markup between items, non-ASCII-
compatible encodings) `split_document` returns None and the caller parses the whole document.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Split", "block_digest", "split_document"]

# Comments and CDATA sections are consumed whole so an "<item>" written inside one is not taken for a tag;
# an opener without its closer (the last two alternatives) makes the document unsplittable.
_TOKEN = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<(/?)(item|entry)(?=[\s/>])|<!--|<!\[CDATA\[", re.S)
# Possessive: a start tag with 130,000 attributes would otherwise cost the regex engine 40 MB of backtracking.
_START_TAG = re.compile(rb"<(?:item|entry)(?:\s++[^\s=/>]++\s*+=\s*+(?:\"[^\"]*+\"|'[^']*+'))*+\s*+(/?)>")
_END_TAG = re.compile(rb"</(?:item|entry)\s*>")
# Feed-level dates change on every update but cannot change how an entry reads, so they are left out of the
# context (leaf elements only: text without markup or entity references).
_VOLATILE = re.compile(rb"<(lastBuildDate|pubDate|updated|modified|dc:date)>[^<&]*</\1>")
_WIDE_STARTS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# The response headers parse_feed passes to feedparser; they decide charset and default language too.
_CONTEXT_HEADERS = ("content-type", "content-language")


@dataclass(frozen=True, slots=True)
class Split:
    """A document as header + blocks + trailer; `context` digests all but the blocks, dates and spacing."""

    header: bytes
    blocks: tuple[bytes, ...]
    trailer: bytes
    context: bytes

    def with_blocks(self, blocks: list[bytes]) -> bytes:
        """The same document holding only `blocks` (one per line) between its header and trailer."""
        return self.header + b"\n".join(blocks) + self.trailer


def block_digest(block: bytes) -> bytes:
    """A 16-byte digest naming a raw block."""
    return hashlib.blake2b(block, digest_size=16).digest()


def split_document(body: bytes, headers: Mapping[str, str], url: str) -> Split | None:
    """Split a feed body into header, item/entry blocks and trailer, or None when that is not safe.

    The context digest covers the URL (relative links resolve against it), the charset and language
    response headers, and header and trailer bytes minus feed-level date elements.
    """
    if body.startswith(_WIDE_STARTS) or b"\x00" in body[:4] or body.startswith(b"\x4c\x6f\xa7\x94"):
        return None  # UTF-16/32 or EBCDIC: byte patterns do not find the markup
    blocks: list[bytes] = []
    header_end = -1
    last_end = -1
    position = 0
    while match := _TOKEN.search(body, position):
        position = match.end()
        name = match.group(2)
        if name is None:
            if match.group(0) in (b"<!--", b"<![CDATA["):
                return None  # never closed
            continue
        if match.group(1):  # an end tag outside any block
            return None
        start = _START_TAG.match(body, match.start())
        if start is None or start.group(1):  # unreadable or self-closing start tag
            return None
        end = _block_end(body, start.end(), name)
        if end is None:
            return None
        if blocks:
            if body[last_end : match.start()].strip():
                return None  # something other than whitespace between two blocks
        else:
            header_end = match.start()
        blocks.append(body[match.start() : end])
        last_end = position = end
    if not blocks:
        return None
    header, trailer = body[:header_end], body[last_end:]
    digest = hashlib.blake2b(digest_size=16)
    for part in (url.encode("utf-8", "surrogatepass"), *_header_values(headers)):
        digest.update(len(part).to_bytes(8, "big") + part)
    # whitespace next to the blocks is whitespace between elements, so it is left out too
    for part in (_VOLATILE.sub(b"", header).rstrip(), trailer.lstrip()):
        digest.update(len(part).to_bytes(8, "big") + part)
    return Split(header, tuple(blocks), trailer, digest.digest())


def _block_end(body: bytes, position: int, name: bytes) -> int | None:
    """The end of the `name` block whose start tag ends at `position`: after its end tag, or None if it is
    not one flat block (a nested item/entry start, an unclosed comment or CDATA, no matching end tag)."""
    while match := _TOKEN.search(body, position):
        found = match.group(2)
        if found is None:
            if match.group(0) in (b"<!--", b"<![CDATA["):
                return None
            position = match.end()
            continue
        if not match.group(1) or found != name:
            return None  # a start tag inside a block, or </entry> closing an <item>
        end = _END_TAG.match(body, match.start())
        return end.end() if end is not None else None
    return None


def _header_values(headers: Mapping[str, str]) -> list[bytes]:
    lowered = {key.lower(): value for key, value in headers.items()}
    return [lowered.get(name, "").encode("utf-8", "surrogatepass") for name in _CONTEXT_HEADERS]
