"""Parse a fetched feed body into a ParsedFeed, refusing entity bombs and HTML pages, off the event loop."""

from __future__ import annotations

import asyncio
import codecs
import io
import multiprocessing
import os
import re
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any

import feedparser

from feeds.model import ParsedFeed
from feeds.normalize import field_text, language_tag, normalize_entry
from storage.errors import BorderwatchError

__all__ = ["ParseError", "ParserPool", "parse_feed"]


class ParseError(BorderwatchError):
    """The body is not a usable feed (entity bomb, HTML page, garbage); the message names the URL and why."""


# Only these response headers change how feedparser reads the bytes (charset, default language).
_HEADERS_USED = ("content-type", "content-language")
_DOCTYPE = re.compile(r"<!DOCTYPE", re.I)
_ENTITY_DECLARATION = re.compile(r"<!ENTITY", re.I)
_PROLOG_PART = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>", re.S | re.I)
_ELEMENT_NAME = re.compile(r"<([A-Za-z_][\w:.-]*)")
_HTML_ROOTS = frozenset({"html", "head", "body"})
_ROOT_SEARCH_LIMIT = 64 * 1024
_MAX_TTL_MINUTES = 7 * 24 * 60


def parse_feed(body: bytes, headers: Mapping[str, str], url: str) -> ParsedFeed:
    """Parse a fetched feed body (already content-decoded) with its HTTP response headers.

    Relative links resolve against `url`; the charset comes from the headers or the XML prolog. A malformed
    but recoverable feed yields the entries that could be read. Raises ParseError, before any XML parsing, for
    a document declaring entities (billion laughs, external entities) or an HTML page, and after parsing for
    anything that is not a feed. The result holds plain text only and pickles (for ParserPool).
    """
    if not body.strip():
        raise ParseError(f"{url}: empty response body, not a feed")
    text = body.decode(_sniff_codec(body), errors="ignore")
    doctype = _DOCTYPE.search(text)
    if doctype and _ENTITY_DECLARATION.search(text, doctype.start()):
        raise ParseError(f"{url}: refused: the document declares XML entities (a possible entity bomb)")
    if _root_element(text) in _HTML_ROOTS:
        raise ParseError(f"{url}: got an HTML page, not a feed")

    response_headers = {key.lower(): value for key, value in headers.items() if key.lower() in _HEADERS_USED}
    response_headers["content-location"] = url
    try:
        raw = feedparser.parse(
            io.BytesIO(body),
            response_headers=response_headers,
            sanitize_html=False,  # we strip every field to text; sanitising markup first is wasted work
            resolve_relative_uris=False,  # same: only links inside markup, which we drop
        )
    except Exception as exc:  # feedparser has crash bugs on hostile input; that is this feed's problem only
        raise ParseError(f"{url}: the feed could not be parsed ({type(exc).__name__}: {exc})") from exc

    entries = raw.get("entries") or []
    feed = raw.get("feed") or {}
    if not entries and not raw.get("version") and not feed.get("title"):
        reason = _describe(raw.get("bozo_exception")) if raw.get("bozo") else "no RSS, Atom or RDF document"
        raise ParseError(f"{url}: not a feed ({reason})")
    title_detail = feed.get("title_detail") or {}
    language = language_tag(feed.get("language")) or language_tag(title_detail.get("language"))
    return ParsedFeed(
        title=field_text(feed.get("title"), title_detail.get("type", "text/plain")) or None,
        language=language,
        ttl_seconds=_ttl_seconds(feed.get("ttl")),
        entries=tuple(normalize_entry(entry, language) for entry in entries),
    )


def _sniff_codec(body: bytes) -> str:
    """A codec good enough to see the document's markup (not its text): UTF-16/32 and EBCDIC need decoding."""
    if body.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    start = body[:4]
    if start == b"\x00\x00\x00<":
        return "utf-32-be"
    if start == b"<\x00\x00\x00":
        return "utf-32-le"
    if start.startswith(b"\x00<"):
        return "utf-16-be"
    if start.startswith(b"<\x00"):
        return "utf-16-le"
    if start == b"\x4c\x6f\xa7\x94":  # "<?xm" in EBCDIC
        return "cp037"
    return "latin-1"


def _root_element(text: str) -> str | None:
    """The lower-cased name of the first element, after the XML declaration, comments and DOCTYPE."""
    text = text[:_ROOT_SEARCH_LIMIT].lstrip("\ufeff\u00ef\u00bb\u00bf")
    position = 0
    while (part := _PROLOG_PART.match(text, position)) and part.end() > position:
        position = part.end()
    element = _ELEMENT_NAME.match(text, position)
    return element.group(1).lower() if element else None


def _ttl_seconds(value: Any) -> int | None:
    """RSS <ttl> (minutes) in seconds; None when absent, not a number, or absurd."""
    try:
        minutes = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return minutes * 60 if 0 < minutes <= _MAX_TTL_MINUTES else None


def _describe(exception: Any) -> str:
    text = str(exception).strip() or type(exception).__name__
    return text if len(text) <= 200 else text[:200] + "…"


def _process_context() -> multiprocessing.context.BaseContext:
    # fork from a process running an event loop and threads is unsafe; forkserver forks from a clean process.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["feeds.parse"])
        return context
    return multiprocessing.get_context("spawn")


class ParserPool:
    """Parses feeds in worker processes (one per core by default) so the event loop is never blocked."""

    def __init__(self, workers: int | None = None) -> None:
        self._workers = workers or os.cpu_count() or 1
        self._executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self._workers, mp_context=_process_context())

    async def parse(self, body: bytes, headers: Mapping[str, str], url: str) -> ParsedFeed:
        """`parse_feed` in a worker process; raises ParseError as it does, and also if the worker dies."""
        executor = self._executor
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(executor, parse_feed, body, dict(headers), url)
        except BrokenProcessPool as exc:
            if self._executor is executor:  # the first caller to notice replaces the pool
                executor.shutdown(wait=False, cancel_futures=True)
                self._executor = self._new_executor()
            raise ParseError(f"{url}: the parser process died while parsing this feed") from exc

    def close(self) -> None:
        """Stop the worker processes; parses still queued are cancelled."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    async def __aenter__(self) -> ParserPool:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
