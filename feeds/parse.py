"""Parse a fetched feed body into a ParsedFeed, refusing entity bombs and HTML pages, off the event loop."""

from __future__ import annotations

import asyncio
import codecs
import io
import multiprocessing
import os
import re
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any

import feedparser
from feedparser.exceptions import NonXMLContentType

from feeds.blocks import block_digest, split_document
from feeds.errors import ParseError
from feeds.jsonfeed import looks_like_json, parse_json_feed
from feeds.model import FeedEntry, ParsedFeed
from feeds.normalize import field_text, language_tag, normalize_entry

__all__ = ["ParseError", "ParserPool", "parse_feed"]


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
    anything that is not a feed. The result holds plain text only and pickles (for ParserPool). A JSON
    body (by media type or content) is read as a JSON Feed.
    """
    if _is_json(body, headers):
        return parse_json_feed(body, url)
    _check_body(body, url)
    return _read(_feedparser(body, headers, url), url)


def _is_json(body: bytes, headers: Mapping[str, str]) -> bool:
    content_type = next((value for key, value in headers.items() if key.lower() == "content-type"), "")
    return looks_like_json(body, content_type)


def _check_body(body: bytes, url: str) -> None:
    """Refuse, before any XML parsing, an empty body, a document declaring entities, and an HTML page."""
    if not body.strip():
        raise ParseError(f"{url}: empty response body, not a feed")
    text = body.decode(_sniff_codec(body), errors="ignore")
    doctype = _DOCTYPE.search(text)
    if doctype and _ENTITY_DECLARATION.search(text, doctype.start()):
        raise ParseError(f"{url}: refused: the document declares XML entities (a possible entity bomb)")
    if _root_element(text) in _HTML_ROOTS:
        raise ParseError(f"{url}: got an HTML page, not a feed")


def _feedparser(body: bytes, headers: Mapping[str, str], url: str) -> Any:
    response_headers = {key.lower(): value for key, value in headers.items() if key.lower() in _HEADERS_USED}
    response_headers["content-location"] = url
    try:
        return feedparser.parse(
            io.BytesIO(body),
            response_headers=response_headers,
            sanitize_html=False,  # we strip every field to text; sanitising markup first is wasted work
            resolve_relative_uris=False,  # same: only links inside markup, which we drop
        )
    except Exception as exc:  # feedparser has crash bugs on hostile input; that is this feed's problem only
        raise ParseError(f"{url}: the feed could not be parsed ({type(exc).__name__}: {exc})") from exc


def _read(raw: Any, url: str) -> ParsedFeed:
    """feedparser's result as a ParsedFeed; ParseError when it is not a feed."""
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


@dataclass(frozen=True, slots=True)
class _Memory:
    """What a parse of one URL leaves behind for the next: its context and the entry of each block digest.

    An entry is a pure function of its block's bytes and the context (URL, charset and language headers,
    the document around the blocks), read strictly (the document was well-formed) in `encoding`.
    """

    context: bytes
    encoding: str
    version: str
    entries: dict[bytes, FeedEntry]


@dataclass(frozen=True, slots=True)
class _Outcome:
    """A worker's answer: the parsed feed, and how to merge and remember it.

    When `new` is set, `feed.entries` holds only the blocks flagged True there, in order, and every other
    block's entry comes from the memory the request was made with. `digests` (block digests in document
    order) is None when this document must not be remembered.
    """

    feed: ParsedFeed
    new: tuple[bool, ...] | None
    digests: tuple[bytes, ...] | None
    context: bytes
    encoding: str
    version: str


def _parse_remembering(
    body: bytes,
    headers: Mapping[str, str],
    url: str,
    remembered: tuple[bytes, str, str] | None,
    seen: frozenset[bytes],
) -> _Outcome:
    """Parse `body` in a worker, feeding feedparser only the blocks not in `seen` when that is exact.

    `remembered` is the (context, encoding, version) the entries of `seen` were read under. Exact means:
    the same checks on the whole body; the document splits into flat blocks; its context equals the
    remembered one; and the reduced document reads strictly (not bozo) in the remembered encoding and
    version, one entry per block. Otherwise the whole body is parsed, exactly as parse_feed does (a JSON
    Feed included).
    """
    if _is_json(body, headers):
        return _Outcome(parse_json_feed(body, url), None, None, b"", "", "")
    _check_body(body, url)
    split = split_document(body, headers, url)
    if split is not None and remembered is not None and split.context == remembered[0]:
        digests = tuple(block_digest(block) for block in split.blocks)
        new = tuple(digest not in seen for digest in digests)
        if not all(new):
            kept = [block for block, fresh in zip(split.blocks, new, strict=True) if fresh]
            outcome = _read_reduced(split.with_blocks(kept), headers, url, len(kept))
            if outcome is not None and outcome[1:] == remembered[1:]:
                feed, encoding, version = outcome
                return _Outcome(feed, new, digests, split.context, encoding, version)
    raw = _feedparser(body, headers, url)
    feed = _read(raw, url)
    encoding, version = str(raw.get("encoding") or ""), str(raw.get("version") or "")
    remember = (
        split is not None
        and _read_strictly(raw)
        and _byte_transparent(encoding)
        and len(feed.entries) == len(split.blocks)
    )
    kept_digests = tuple(block_digest(block) for block in split.blocks) if remember and split else None
    return _Outcome(feed, None, kept_digests, split.context if split else b"", encoding, version)


def _read_reduced(
    reduced: bytes, headers: Mapping[str, str], url: str, blocks: int
) -> tuple[ParsedFeed, str, str] | None:
    """The reduced document's feed, encoding and version; None unless it read strictly, one entry a block."""
    try:
        raw = _feedparser(reduced, headers, url)
        feed = _read(raw, url)
    except ParseError:
        return None
    if not _read_strictly(raw) or len(feed.entries) != blocks:
        return None
    return feed, str(raw.get("encoding") or ""), str(raw.get("version") or "")


def _read_strictly(raw: Any) -> bool:
    """Whether feedparser read the whole document with its XML parser in the charset the headers declare.

    Not so when it fell back to its lenient parser (the XML is malformed somewhere), or the declared
    charset failed somewhere and another was tried: both depend on every byte of the document. A media
    type that is not XML is also "bozo" but depends only on the response headers.
    """
    if not raw.get("encoding"):
        return False
    return not raw.get("bozo") or isinstance(raw.get("bozo_exception"), NonXMLContentType)


def _byte_transparent(encoding: str) -> bool:
    """Whether text in `encoding` can be cut at any "<" byte: ASCII, UTF-8 and the single-byte charsets."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return False
    return name in ("ascii", "utf-8", "latin-1", "koi8-r", "koi8-u") or name.startswith(("iso8859-", "cp125"))


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


def _exit_with_owner(owner_pid: int) -> None:
    """Runs in each worker: end it when the process that owns the pool is gone, even after a kill -9.

    Workers are children of the forkserver, not of the owner, so nothing else tells them; without this a
    killed borderwatch process would leave its parser processes (and the forkserver) running for ever.
    """

    def watch() -> None:
        while _process_alive(owner_pid):
            time.sleep(_OWNER_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="owner-watch", daemon=True).start()


_OWNER_CHECK_SECONDS = 1.0


def _process_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            # the state follows the parenthesised command name; a zombie has exited already
            return stat.read().rpartition(b")")[2].split()[0] != b"Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: fall back to signal 0
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


class ParserPool:
    """Parses feeds in worker processes (one per core by default) so the event loop is never blocked.

    It remembers, per URL, the entry each raw <item>/<entry> block of the last document parsed to, so a
    document that only gained a few entries costs feedparser only those (see `_parse_remembering`); the
    result is the same ParsedFeed that `parse_feed` gives for the whole document.
    """

    def __init__(self, workers: int | None = None, *, remember: bool = True, inline: bool = False) -> None:
        """`remember=False` parses every document whole; `inline=True` parses in this process (tests)."""
        self._workers = workers or os.cpu_count() or 1
        self._executor: ProcessPoolExecutor | None = None if inline else self._new_executor()
        self._remember = remember
        self._memory: dict[str, _Memory] = {}

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self._workers,
            mp_context=_process_context(),
            initializer=_exit_with_owner,
            initargs=(os.getpid(),),
        )

    async def parse(self, body: bytes, headers: Mapping[str, str], url: str) -> ParsedFeed:
        """`parse_feed` in a worker process; raises ParseError as it does, and also if the worker dies."""
        executor = self._executor
        memory = self._memory.get(url) if self._remember else None
        remembered = (memory.context, memory.encoding, memory.version) if memory is not None else None
        seen = frozenset(memory.entries) if memory is not None else frozenset()
        arguments = (body, dict(headers), url, remembered, seen)
        try:
            if executor is None:
                outcome = _parse_remembering(*arguments)
            else:
                loop = asyncio.get_running_loop()
                outcome = await loop.run_in_executor(executor, _parse_remembering, *arguments)
        except BrokenProcessPool as exc:
            if executor is not None and self._executor is executor:  # the first to notice replaces it
                executor.shutdown(wait=False, cancel_futures=True)
                self._executor = self._new_executor()
            raise ParseError(f"{url}: the parser process died while parsing this feed") from exc
        feed = outcome.feed
        if outcome.new is not None and memory is not None:
            fresh = iter(feed.entries)
            entries = tuple(
                next(fresh) if new else memory.entries[digest]
                for digest, new in zip(outcome.digests or (), outcome.new, strict=True)
            )
            feed = replace(feed, entries=entries)
        if self._remember:
            if outcome.digests is not None:
                self._memory[url] = _Memory(
                    outcome.context,
                    outcome.encoding,
                    outcome.version,
                    dict(zip(outcome.digests, feed.entries, strict=True)),
                )
            else:
                self._memory.pop(url, None)
        return feed

    def worker_pids(self) -> list[int]:
        """The process ids of the live worker processes (for measuring them)."""
        processes = getattr(self._executor, "_processes", None) or {}
        return [int(pid) for pid in processes]

    def close(self) -> None:
        """Stop the worker processes; parses still queued are cancelled."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)

    async def __aenter__(self) -> ParserPool:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
