"""Parse a fetched feed body into a ParsedFeed, refusing entity bombs, parser bombs and HTML pages, in worker
processes with a deadline.

Every document feedparser reads is first checked as feedparser will read it: decoded the way feedparser
decodes it (UTF-16/32, UTF-7, EBCDIC, byte-order marks, charset headers …), then refused if it declares XML
entities, and pre-scanned (a possessive regex and expat, both linear) for elements with too many
attributes or nested too deep (see feeds.limits). Whatever else is slow is cut by the deadline: the worker
process is killed and replaced.
"""

from __future__ import annotations

import asyncio
import codecs
import collections
import contextlib
import functools
import hashlib
import io
import multiprocessing
import os
import pickle
import re
import threading
import time
import xml.parsers.expat
import zlib
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TypeVar

import feedparser
from feedparser.encodings import convert_to_utf8
from feedparser.exceptions import NonXMLContentType
from feedparser.mixin import _FeedParserMixin
from feedparser.sanitizer import replace_doctype

from feeds.blocks import block_digest, split_document
from feeds.errors import ParseError
from feeds.identity import newest_entries
from feeds.jsonfeed import looks_like_json, parse_json_feed
from feeds.lanes import Lanes, Slowness
from feeds.limits import (
    MAX_FEED_TITLE_CHARS,
    MAX_ITEMS_PER_DOCUMENT,
    PARSE_TIMEOUT_BACKOFF_SECONDS,
    ParseLimits,
    clip_text,
)
from feeds.model import FeedEntry, ParsedFeed
from feeds.normalize import field_text, language_tag, normalize_entry

__all__ = ["ParseError", "ParserPool", "parse_feed"]


_DEFAULT_LIMITS = ParseLimits()
_Result = TypeVar("_Result")
# Only these response headers change how feedparser reads the bytes (charset, default language).
_HEADERS_USED = ("content-type", "content-language")
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.I)
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.I)
_ENTITY_REFUSAL = "refused: the document declares XML entities (a possible entity bomb)"
_PROLOG_PART = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>", re.S | re.I)
_ELEMENT_NAME = re.compile(r"<([A-Za-z_][\w:.-]*)")
_HTML_ROOTS = frozenset({"html", "head", "body"})
_ROOT_SEARCH_LIMIT = 64 * 1024
_MAX_TTL_MINUTES = 7 * 24 * 60
# feedparser looks for an e-mail address in every author (and publisher) name with a regex that is quadratic
# in the name's length: 20,000 characters took 3 s, 80,000 about 50 s. No author name is that long, and
# borderwatch reads none: a longer one is cut to this before feedparser looks.
_MAX_AUTHOR_CHARS = 500
_feedparser_sync_author_detail = _FeedParserMixin._sync_author_detail


def _sync_author_detail(self: Any, key: str = "author") -> None:
    context = self._get_context()
    name = context.get(key)
    if isinstance(name, str) and len(name) > _MAX_AUTHOR_CHARS:
        context[key] = name[:_MAX_AUTHOR_CHARS]
    _feedparser_sync_author_detail(self, key)


_FeedParserMixin._sync_author_detail = _sync_author_detail


def parse_feed(
    body: bytes, headers: Mapping[str, str], url: str, *, limits: ParseLimits = _DEFAULT_LIMITS
) -> ParsedFeed:
    """Parse a fetched feed body (already content-decoded) with its HTTP response headers, in this process
    (no deadline: ParserPool gives one).

    Relative links resolve against `url`; the charset comes from the headers or the XML prolog. A malformed
    but recoverable feed yields the entries that could be read. Raises ParseError, before any XML parsing, for
    a document declaring entities (billion laughs, external entities) in any encoding, for one beyond
    `limits`, or an HTML page, and after parsing for anything that is not a feed. The result holds plain text
    only and pickles (for ParserPool). A JSON body (by media type or content) is read as a JSON Feed.
    """
    if _is_json(body, headers):
        return parse_json_feed(body, url)
    _check_body(body, url)
    return _read(_feedparser(body, headers, url, limits), url)


def _is_json(body: bytes, headers: Mapping[str, str]) -> bool:
    content_type = next((value for key, value in headers.items() if key.lower() == "content-type"), "")
    return looks_like_json(body, content_type)


def _check_body(body: bytes, url: str) -> None:
    """Refuse, before any XML parsing, an empty body and an HTML page."""
    if not body.strip():
        raise ParseError(f"{url}: empty response body, not a feed")
    if _root_element(body.decode(_sniff_codec(body), errors="ignore")) in _HTML_ROOTS:
        raise ParseError(f"{url}: got an HTML page, not a feed")


def _feedparser(body: bytes, headers: Mapping[str, str], url: str, limits: ParseLimits) -> Any:
    """feedparser's reading of `body`, after `_check_markup` passed the document it will read."""
    response_headers = {key.lower(): value for key, value in headers.items() if key.lower() in _HEADERS_USED}
    response_headers["content-location"] = url
    _check_markup(body, response_headers, url, limits)
    try:
        return feedparser.parse(
            io.BytesIO(body),
            response_headers=response_headers,
            sanitize_html=False,  # we strip every field to text; sanitising markup first is wasted work
            resolve_relative_uris=False,  # same: only links inside markup, which we drop
        )
    except Exception as exc:  # feedparser has crash bugs on hostile input; that is this feed's problem only
        raise ParseError(f"{url}: the feed could not be parsed ({type(exc).__name__}: {exc})") from exc


class _Refused(Exception):
    """Raised from an expat handler to stop the pre-scan; the message says why."""


def _check_markup(body: bytes, response_headers: dict[str, str], url: str, limits: ParseLimits) -> None:
    """Refuse what feedparser must not read: entity declarations, and for its XML parser (the one with
    quadratic attribute handling) elements beyond `limits`.

    The checks run on feedparser's own decoding of the bytes and on exactly what its XML parser is given
    (the document after feedparser's DOCTYPE rewriting), so no encoding (UTF-7, UTF-16/32, EBCDIC …) can
    hide anything from them. Each is linear in the size of the document.
    """
    data = convert_to_utf8(dict(response_headers), body, {})  # what both of feedparser's parsers read
    # and the text its bytes spell (a byte-order mark), when feedparser decodes them otherwise
    codec = _sniff_codec(body)
    sniffed = (
        body if codec == "latin-1" else body.decode(codec, errors="ignore").encode("utf-8", "surrogatepass")
    )
    for text in (data, sniffed):
        # anywhere, in either order: feedparser keeps declarations that precede the DOCTYPE too
        if _DOCTYPE.search(text) and _ENTITY_DECLARATION.search(text):
            raise ParseError(f"{url}: {_ENTITY_REFUSAL}")
    _version, data, _entities = replace_doctype(data)
    # before expat, which would hand every attribute of an element over as a Python string
    crowded = _many_attributes(limits.max_attributes).search(data)
    if crowded:
        raise ParseError(f"{url}: refused: {_crowded(crowded.group(1).decode('utf-8', 'replace'), limits)}")
    try:
        _scan(data, limits)
    except _Refused as exc:
        raise ParseError(f"{url}: refused: {exc}") from None


def _scan(data: bytes, limits: ParseLimits) -> None:
    """Raise _Refused for elements nested deeper than `limits` allow (or with more attributes, or entity
    declarations, should the checks before have missed them). Stops where the XML stops being well-formed,
    as feedparser's XML parser does; its lenient fallback reads in linear time."""
    depth = 0

    def start(name: str, attributes: list[str]) -> None:
        nonlocal depth
        depth += 1
        if depth > limits.max_depth:
            raise _Refused(f"elements are nested more than {limits.max_depth} deep")
        if len(attributes) > 2 * limits.max_attributes:  # ordered: name, value, name, value …
            raise _Refused(_crowded(name, limits))

    def end(_name: str) -> None:
        nonlocal depth
        depth -= 1

    def entity(*_declaration: object) -> None:
        raise _Refused(_ENTITY_REFUSAL.removeprefix("refused: "))

    scanner = xml.parsers.expat.ParserCreate()
    scanner.ordered_attributes = True
    scanner.StartElementHandler = start
    scanner.EndElementHandler = end
    scanner.EntityDeclHandler = entity
    # not well-formed from some point on: feedparser's XML parser stops there too
    with contextlib.suppress(xml.parsers.expat.ExpatError):
        scanner.Parse(data, True)


def _crowded(name: str, limits: ParseLimits) -> str:
    return f"an element <{name[:50]}> has more than {limits.max_attributes} attributes"


@functools.lru_cache(maxsize=4)
def _many_attributes(limit: int) -> re.Pattern[bytes]:
    """A start tag with more than `limit` attributes (exactly, for well-formed XML; also in a comment or
    CDATA, where no feed needs one). Possessive, so linear and without backtracking memory."""
    attribute = rb"\s++[^\s=/<>]++\s*+=\s*+(?:\"[^\"]*+\"|'[^']*+')"
    return re.compile(rb"<([^\s/<>!?][^\s/<>]*+)(?:%s){%d}" % (attribute, limit + 1))


def _read(raw: Any, url: str) -> ParsedFeed:
    """feedparser's result as a ParsedFeed; ParseError when it is not a feed."""
    entries = raw.get("entries") or []
    feed = raw.get("feed") or {}
    if not entries and not raw.get("version") and not feed.get("title"):
        reason = _describe(raw.get("bozo_exception")) if raw.get("bozo") else "no RSS, Atom or RDF document"
        raise ParseError(f"{url}: not a feed ({reason})")
    title_detail = feed.get("title_detail") or {}
    language = language_tag(feed.get("language")) or language_tag(title_detail.get("language"))
    title = field_text(feed.get("title"), title_detail.get("type", "text/plain"))
    return ParsedFeed(
        title=clip_text(title, MAX_FEED_TITLE_CHARS) or None,
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
    # {block digest: entry}, pickled and compressed: a few kB a feed, where the entries as objects took about
    # 40 kB (40 MB of the main process for 1,000 feeds of 50 entries); unpacked only when the feed changed
    packed: bytes

    @classmethod
    def of(cls, context: bytes, encoding: str, version: str, entries: dict[bytes, FeedEntry]) -> _Memory:
        packed = zlib.compress(pickle.dumps(entries, pickle.HIGHEST_PROTOCOL), 1)
        return cls(context, encoding, version, packed)

    def entries(self) -> dict[bytes, FeedEntry]:
        """The entry of each block digest of the remembered document."""
        entries: dict[bytes, FeedEntry] = pickle.loads(zlib.decompress(self.packed))
        return entries


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
    limits: ParseLimits = _DEFAULT_LIMITS,
) -> _Outcome:
    """Parse `body` in a worker, feeding feedparser only the blocks not in `seen` when that is exact.

    `remembered` is the (context, encoding, version) the entries of `seen` were read under. Exact means:
    the same checks on the whole body; the document splits into flat blocks; its context equals the
    remembered one; and the reduced document reads strictly (not bozo) in the remembered encoding and
    version, one entry per block. Otherwise the whole body is parsed, exactly as parse_feed does (a JSON
    Feed included).
    """
    if _is_json(body, headers):
        return _Outcome(_newest_only(parse_json_feed(body, url)), None, None, b"", "", "")
    _check_body(body, url)
    split = split_document(body, headers, url)
    if (
        split is not None
        and len(split.blocks) <= MAX_ITEMS_PER_DOCUMENT
        and remembered is not None
        and split.context == remembered[0]
    ):
        digests = tuple(block_digest(block) for block in split.blocks)
        new = tuple(digest not in seen for digest in digests)
        if not all(new):
            kept = [block for block, fresh in zip(split.blocks, new, strict=True) if fresh]
            outcome = _read_reduced(split.with_blocks(kept), headers, url, len(kept), limits)
            if outcome is not None and outcome[1:] == remembered[1:]:
                feed, encoding, version = outcome
                return _Outcome(feed, new, digests, split.context, encoding, version)
    raw = _feedparser(body, headers, url, limits)
    feed = _read(raw, url)
    encoding, version = str(raw.get("encoding") or ""), str(raw.get("version") or "")
    remember = (
        split is not None
        and len(feed.entries) <= MAX_ITEMS_PER_DOCUMENT
        and _read_strictly(raw)
        and _byte_transparent(encoding)
        and len(feed.entries) == len(split.blocks)
    )
    kept_digests = tuple(block_digest(block) for block in split.blocks) if remember and split else None
    context = split.context if split else b""
    return _Outcome(_newest_only(feed), None, kept_digests, context, encoding, version)


def _newest_only(feed: ParsedFeed) -> ParsedFeed:
    """`feed` with only the entries feeds.ingest reads (MAX_ITEMS_PER_DOCUMENT, the newest): the rest never
    leave the worker process (a document of 50,000 entries was all sent back to be cut there)."""
    if len(feed.entries) <= MAX_ITEMS_PER_DOCUMENT:
        return feed
    kept = newest_entries(feed.entries, MAX_ITEMS_PER_DOCUMENT, datetime.now(UTC))
    return replace(feed, entries=tuple(kept))


def _read_reduced(
    reduced: bytes, headers: Mapping[str, str], url: str, blocks: int, limits: ParseLimits
) -> tuple[ParsedFeed, str, str] | None:
    """The reduced document's feed, encoding and version; None unless it read strictly, one entry a block."""
    try:
        raw = _feedparser(reduced, headers, url, limits)
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


class _Workers:
    """Worker processes, each a one-process executor, handed out one parse at a time, first come first served,
    in two lanes: slow parses (feeds whose last parse was slow) may hold all workers but one at once, so
    the others' parses never wait behind them; there are at least two workers for that.

    One process per executor is what lets a parse past its deadline be stopped alone: its process is killed
    and replaced, and parses running in the other processes go on.
    """

    def __init__(self, count: int) -> None:
        size = max(count, 2)
        self._idle: collections.deque[ProcessPoolExecutor] = collections.deque(
            _new_worker() for _ in range(size)
        )
        self._lanes = Lanes(size, slow_limit=size - 1)
        self._busy: dict[ProcessPoolExecutor, bool] = {}  # worker → whether it runs a slow parse

    async def acquire(self, *, slow: bool = False) -> ProcessPoolExecutor:
        """An idle worker, now or as soon as one is handed to this caller (a slow parse: one that leaves
        another worker to the fast lane)."""
        await self._lanes.acquire(slow=slow)
        # a slot granted means an idle worker: every slot given back brings its worker back first
        worker = self._idle.popleft()
        self._busy[worker] = slow
        return worker

    def release(self, worker: ProcessPoolExecutor, *, replace: bool = False) -> None:
        """Give a worker back; `replace` kills its process (still parsing, or dead) and gives a new one."""
        slow = self._busy.pop(worker, False)
        if replace:
            _kill(worker)
            worker = _new_worker()
        self._idle.append(worker)
        self._lanes.release(slow=slow)

    def pids(self) -> list[int]:
        return [pid for worker in (*self._idle, *self._busy) for pid in _pids(worker)]

    def close(self) -> None:
        """Stop every worker: idle ones when their process exits, busy ones at once (killed)."""
        for worker in list(self._busy):
            _kill(worker)
        for worker in (*self._idle, *self._busy):
            worker.shutdown(wait=True, cancel_futures=True)
        self._idle.clear()
        self._busy.clear()


def _digest(body: bytes) -> bytes:
    return hashlib.blake2b(body, digest_size=16).digest()


def _new_worker() -> ProcessPoolExecutor:
    # the process itself starts at the first parse
    return ProcessPoolExecutor(
        max_workers=1, mp_context=_process_context(), initializer=_exit_with_owner, initargs=(os.getpid(),)
    )


def _pids(worker: ProcessPoolExecutor) -> list[int]:
    processes = getattr(worker, "_processes", None) or {}
    return [int(pid) for pid in processes]


def _kill(worker: ProcessPoolExecutor) -> None:
    """Kill a worker's process (whatever it is doing) and let its executor go."""
    processes = getattr(worker, "_processes", None) or {}
    for process in list(processes.values()):
        process.kill()
    worker.shutdown(wait=False, cancel_futures=True)


class ParserPool:
    """Parses feeds in worker processes (one per core by default) so the event loop is never blocked, each
    parse within a deadline (`ParseLimits.deadline` of the body's size).

    A parse past its deadline is a ParseError for that feed (with a back-off), its worker process is killed
    and replaced, and the same body of the same URL is refused at once afterwards; other parses never wait
    behind it for longer than the deadline. It also remembers, per URL, the entry each raw <item>/<entry>
    block of the last document parsed to, so a document that only gained a few entries costs feedparser
    only those (see `_parse_remembering`); the result is the same ParsedFeed that `parse_feed` gives for the
    whole document.
    """

    def __init__(
        self,
        workers: int | None = None,
        *,
        remember: bool = True,
        inline: bool = False,
        limits: ParseLimits = _DEFAULT_LIMITS,
    ) -> None:
        """`remember=False` parses every document whole; `inline=True` parses in this process, without a
        deadline (tests)."""
        self._workers: _Workers | None = None if inline else _Workers(workers or os.cpu_count() or 1)
        self._remember = remember
        self._limits = limits
        self._memory: dict[str, _Memory] = {}
        # source address → (digest of the last body whose parse ran out of time, the error it got)
        self._timed_out: dict[str, tuple[bytes, str]] = {}
        # URLs whose last parse here took `limits.slow_seconds` or more (callers without a stored Slowness)
        self._slow: set[str] = set()
        self.stopped_parses = 0  # parses stopped at their deadline, their process killed (a measure)

    async def parse(
        self,
        body: bytes,
        headers: Mapping[str, str],
        url: str,
        *,
        source_url: str | None = None,
        slowness: Slowness | None = None,
    ) -> ParsedFeed:
        """`parse_feed` in a worker process; raises ParseError as it does, and also if the worker dies or the
        parse runs past its deadline. `slowness.parse` (when given) says whether the feed's last parse was
        slow, wherever it ran, and is set to whether this one was.

        `url` is where the document came from (after redirects), `source_url` the address the feed is polled
        at (default: `url`): what is remembered is kept under `source_url`, so a feed redirected to a new
        address on every poll (a session token in it) keeps one memory, not one more per poll."""
        key = source_url or url
        memory = self._memory.get(key) if self._remember else None
        remembered = (memory.context, memory.encoding, memory.version) if memory is not None else None
        known = memory.entries() if memory is not None else {}
        seen = frozenset(known)
        arguments = (body, dict(headers), url, remembered, seen, self._limits)
        if self._workers is None:
            outcome = _parse_remembering(*arguments)
        else:
            outcome = await self._guarded(self._workers, key, _parse_remembering, arguments, slowness)
        feed = outcome.feed
        if outcome.new is not None and memory is not None:
            fresh = iter(feed.entries)
            entries = tuple(
                next(fresh) if new else known[digest]
                for digest, new in zip(outcome.digests or (), outcome.new, strict=True)
            )
            feed = replace(feed, entries=entries)
        if self._remember:
            if outcome.digests is not None:
                self._memory[key] = _Memory.of(
                    outcome.context,
                    outcome.encoding,
                    outcome.version,
                    dict(zip(outcome.digests, feed.entries, strict=True)),
                )
            else:
                self._memory.pop(key, None)
        return feed

    async def run(
        self,
        url: str,
        function: Callable[..., _Result],
        body: bytes,
        *arguments: Any,
        slowness: Slowness | None = None,
    ) -> _Result:
        """`function(body, *arguments)` in a worker process, as `parse` parses a feed document: within the
        deadline of `body`'s size, in the slow lane when the last parse was slow (`slowness.parse` when
        given, else this pool's memory of `url`), and refused at once
        when this same body of `url` ran out of time before. For the other documents read from the web
        (statement pages, Telegram channel previews); `function` is a module-level function whose
        arguments and result pickle. `url` is the source's own address (not where a redirect or a page
        link led), so what is remembered of it stays one entry however the addresses of its documents vary."""
        if self._workers is None:
            return function(body, *arguments)
        result: _Result = await self._guarded(self._workers, url, function, (body, *arguments), slowness)
        return result

    async def _guarded(
        self,
        workers: _Workers,
        url: str,
        function: Callable[..., Any],
        arguments: tuple[Any, ...],
        slowness: Slowness | None,
    ) -> Any:
        """`function(*arguments)` (the first argument the document's bytes) in a worker, with the deadline,
        the slow lane and the memory of documents that ran out of time."""
        body: bytes = arguments[0]
        timed_out = self._timed_out.get(url)
        if timed_out is not None and timed_out[0] == _digest(body):
            raise ParseError(timed_out[1], retry_after=PARSE_TIMEOUT_BACKOFF_SECONDS)
        slow = slowness.parse if slowness is not None else url in self._slow
        try:
            deadline = self._limits.deadline(len(body))
            result, seconds = await self._in_worker(workers, function, arguments, deadline, url, slow=slow)
        except ParseError as exc:
            if exc.retry_after is not None:
                self._remember_slow(url, True, slowness)
                self._timed_out[url] = (_digest(body), str(exc))
                self.stopped_parses += 1
            raise
        # (what timed out is not forgotten when another body parses: a source's documents share `url`, one
        # page of a channel parsing well says nothing of another; one entry per source, replaced by the next)
        self._remember_slow(url, seconds >= self._limits.slow_seconds, slowness)
        return result

    def _remember_slow(self, url: str, slow: bool, slowness: Slowness | None) -> None:
        if slow:
            self._slow.add(url)
        else:
            self._slow.discard(url)
        if slowness is not None:
            slowness.parse = slow

    @staticmethod
    async def _in_worker(
        workers: _Workers,
        function: Callable[..., Any],
        arguments: tuple[Any, ...],
        deadline: float,
        url: str,
        *,
        slow: bool,
    ) -> tuple[Any, float]:
        """Run `function(*arguments)` in an idle worker (of the slow lane when `slow`); the deadline counts
        from when it starts. Gives the result and the seconds it took."""
        worker = await workers.acquire(slow=slow)
        future: Future[Any] | None = None
        try:
            started = time.monotonic()
            future = worker.submit(function, *arguments)
            async with asyncio.timeout(deadline):
                outcome = await asyncio.wrap_future(future)
            return outcome, time.monotonic() - started
        except TimeoutError:
            raise ParseError(
                f"{url}: refused: parsing took longer than {deadline:.0f} s (a parser bomb or a broken "
                "document); the parser process was stopped",
                retry_after=PARSE_TIMEOUT_BACKOFF_SECONDS,
            ) from None
        except BrokenProcessPool as exc:
            raise ParseError(f"{url}: the parser process died while parsing this document") from exc
        finally:
            # a worker still parsing (past the deadline, or its caller gave up) or dead is replaced
            healthy = (
                future is not None
                and future.done()
                and not future.cancelled()
                and not isinstance(future.exception(), BrokenProcessPool)
            )
            workers.release(worker, replace=not healthy)

    def worker_pids(self) -> list[int]:
        """The process ids of the live worker processes (for measuring them)."""
        return self._workers.pids() if self._workers is not None else []

    def close(self) -> None:
        """Stop the worker processes: parses still running are stopped, queued ones cancelled."""
        if self._workers is not None:
            self._workers.close()

    async def __aenter__(self) -> ParserPool:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
