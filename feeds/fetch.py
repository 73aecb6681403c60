"""Polite, hardened feed fetching: keep-alive connections, conditional GET, guarded redirects, capped bodies.

`Fetcher.fetch` returns a `FetchResponse` (200 with a body, or 304) or raises a `FetchError` subclass whose
message names the URL. Every hop of a redirect chain is checked by the URL guard; the body is counted after
decompression so a gzip bomb is cut off; the total deadline cuts a server that drips one byte a second.

Requests go over feeds.http11: h11 on asyncio protocols, with keep-alive connections per origin. Feed
polling needs nothing of an HTTP client's cookies, auth, header merging or response models (it follows
redirects itself, hop by hop through the guard, and decodes the body itself, under the cap), and in a round
of 304s those cost more CPU than the rest of the poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import functools
import hashlib
import re
import ssl
import zlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urljoin

import httpx

from feeds.errors import (
    BadStatus,
    BlockedURL,
    BodyTooLarge,
    ConnectionFailed,
    FetchError,
    FetchTimeout,
    NotAFeed,
    RateLimited,
    TooManyRedirects,
    TruncatedBody,
)
from feeds.guard import AddressGuard, AddressPolicy, Resolver, check_url
from feeds.http11 import (
    ConnectError,
    Connection,
    ConnectionBroken,
    ConnectionPool,
    Origin,
    ResponseHead,
    ServerClosedEarly,
)
from feeds.lanes import Lanes, Slowness
from feeds.limits import MAX_SERVER_DELAY_SECONDS, SLOW_FETCH_SECONDS, SLOW_FETCH_SHARE
from feeds.normalize import in_utc
from storage.clock import Clock, system_clock
from storage.settings import Settings

__all__ = ["FetchError", "FetchResponse", "Fetcher"]

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.9, */*;q=0.5"
)
ACCEPT_HTML = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.IGNORECASE)
_FEED_START = re.compile(rb"^\s*(<\?xml|<rss|<feed|<rdf:rdf|<channel)", re.IGNORECASE)
_HEADER_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_HTML_START = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body)", re.IGNORECASE)


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return in_utc(parsed)  # None for a date no UTC time holds (year 9999 at -23:59)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); None when absent or invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    when = _http_date(value)
    if when is None:
        return None
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True, slots=True)
class FetchResponse:
    """One successful answer for a feed (200 with a body, or 304), answering what the poller needs to know."""

    url: str
    status_code: int
    headers: Mapping[str, str]
    body: bytes
    received_at: datetime

    @property
    def is_modified(self) -> bool:
        """False for 304 Not Modified: the feed did not change since the validators we sent."""
        return self.status_code != 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag") or None

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified") or None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def body_hash(self) -> str:
        """sha256 of the decoded body, to skip parsing a 200 that repeats the last body."""
        return hashlib.sha256(self.body).hexdigest()

    def cache_lifetime(self) -> float | None:
        """Seconds the server says the response stays fresh (Cache-Control max-age, else Expires), or None."""
        cache_control = self.headers.get("cache-control", "")
        match = _MAX_AGE.search(cache_control)
        if match:
            return float(match.group(1))
        expires = _http_date(self.headers.get("expires"))
        if expires is not None:
            served = _http_date(self.headers.get("date")) or self.received_at
            return max(0.0, (expires - served).total_seconds())
        return None

    def retry_delay(self) -> float | None:
        """Seconds from Retry-After, when the server sent one."""
        return parse_retry_after(self.headers.get("retry-after"), self.received_at)

    def not_before(self) -> datetime | None:
        """The earliest next poll the server asks for (later of Retry-After and cache lifetime), or None."""
        delays = [d for d in (self.cache_lifetime(), self.retry_delay()) if d]
        if not delays:
            return None
        # the schedule honours no more than this; a lifetime of millennia (max-age=99999999999999) is past
        # what a date holds
        return self.received_at + timedelta(seconds=min(max(delays), MAX_SERVER_DELAY_SECONDS))


@dataclass(frozen=True, slots=True)
class _Target:
    """Where a request for one URL goes: its host (for the per-host limit), origin, and request target."""

    host: str
    origin: Origin
    target: bytes
    host_header: bytes


_DEFAULT_PORTS = {"http": 80, "https": 443}


@functools.lru_cache(maxsize=8192)  # feed URLs repeat on every poll: parse each once
def _target(url: str) -> _Target:
    """Raises BlockedURL for a URL that cannot be requested (`check_url` has passed it: http or https with a
    host)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise BlockedURL(url, f"not a fetchable URL ({exc})") from None
    scheme = parsed.scheme
    host = parsed.raw_host.decode("ascii")  # IDNA-encoded
    return _Target(
        parsed.host.lower(),
        (scheme, host.lower(), parsed.port or _DEFAULT_PORTS[scheme]),
        parsed.raw_path,
        parsed.netloc,
    )


def _header_bytes(value: str) -> bytes:
    """A request header value as bytes; control characters (CR/LF among them, from a stored User-Agent or
    validator) are dropped, since one would make every request of the feed fail."""
    value = _HEADER_CONTROL.sub("", value).strip()
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def _response_headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Response headers by (lower-cased) name; a repeated header's values joined with ", " (as httpx does)."""
    headers: dict[str, str] = {}
    for key, value in raw:
        name, text = key.decode("latin-1"), value.decode("latin-1")
        headers[name] = f"{headers[name]}, {text}" if name in headers else text
    return headers


class _Decoder:
    """Content-Encoding decoding that never produces more than the allowed number of bytes."""

    def __init__(self, encoding: str, url: str) -> None:
        self._url = url
        codings = [c.strip().lower() for c in encoding.split(",") if c.strip() and c.strip() != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise ConnectionFailed(url, f"unsupported Content-Encoding {encoding!r}")
        self._coding = codings[0] if codings else None
        self._zlib: zlib._Decompress | None = None
        if self._coding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif self._coding == "deflate":
            self._zlib = zlib.decompressobj()
        self._first = True

    def decode(self, data: bytes, limit: int) -> bytes:
        """Decode `data`, producing at most `limit` bytes (a longer output means the cap is exceeded)."""
        if self._zlib is None:
            return data
        try:
            out = self._zlib.decompress(self._zlib.unconsumed_tail + data, limit)
        except zlib.error:
            if self._coding == "deflate" and self._first:
                # some servers send raw deflate without the zlib header
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                self._first = False
                return self.decode(data, limit)
            raise TruncatedBody(self._url, "the compressed body is corrupt") from None
        self._first = False
        return out

    @property
    def has_pending_output(self) -> bool:
        return self._zlib is not None and bool(self._zlib.unconsumed_tail)

    def finish(self) -> None:
        if self._zlib is not None and not self._zlib.eof:
            raise TruncatedBody(self._url, "the compressed body ended early")


def _looks_like_html(content_type: str, body: bytes) -> bool:
    head = body[:1024].lstrip(b"\xef\xbb\xbf")
    if _FEED_START.match(head):
        return False
    if _HTML_START.match(head):
        return True
    return "html" in content_type.lower() and "xml" not in content_type.lower()


def slow_lane_size(slots: int) -> int:
    """Global fetch slots the slow lane may hold: a quarter, at least one, never the last one of several."""
    return max(1, min(int(slots * SLOW_FETCH_SHARE), slots - 1))


@dataclass
class _Held:
    """Seconds a fetch held its slots (its hops' time), the measure of a slow fetch."""

    seconds: float = 0.0


@dataclass(slots=True)
class _HostSlots:
    semaphore: asyncio.Semaphore
    users: int = 0  # fetches holding or waiting for a slot


class Fetcher:
    """The one shared HTTP client of the ingest side, with global and per-host concurrency limits.

    A feed whose last fetch took `SLOW_FETCH_SECONDS` or more (or ran out of time) takes its global slot in
    the slow lane, which holds at most `SLOW_FETCH_SHARE` of the slots: feeds that drip bytes or answer
    slowly leave the other slots to the healthy feeds. What the last fetch was comes from the caller's
    `Slowness` (stored on the feed) when given, else from this fetcher's memory of the URL.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        policy: AddressPolicy | None = None,
        resolver: Resolver | None = None,
        clock: Clock = system_clock,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """`ssl_context`: how servers' certificates are checked (default: the CA bundle httpx ships)."""
        self._settings = settings
        self._policy = policy or AddressPolicy(allow_private=settings.allow_private_urls)
        self._clock = clock
        # one TLS context serves every connection (loading CA certificates is slow)
        self._connections = ConnectionPool(
            AddressGuard(self._policy, resolver).addresses,
            ssl_context or httpx.create_ssl_context(trust_env=False),
            connect_timeout=settings.connect_timeout,
            keep_per_origin=settings.per_host_concurrency,
        )
        self._accept = [(b"Accept", ACCEPT.encode()), (b"Accept-Encoding", b"gzip, deflate")]
        self._accept_html = [(b"Accept", ACCEPT_HTML.encode()), (b"Accept-Encoding", b"gzip, deflate")]
        slow_lane = slow_lane_size(settings.fetch_concurrency)
        self._global = Lanes(settings.fetch_concurrency, slow_lane)
        # a slow fetch takes its global slot before its host's only while the slow lane leaves a global slot
        # to the others (the fast lane takes them the other way round: with one slot, that could deadlock)
        self._slow_global_first = slow_lane < settings.fetch_concurrency
        # URLs whose last fetch here was slow or ran out of time (for callers without a stored Slowness)
        self._slow: set[str] = set()
        # host → its slots and how many fetches hold or wait for them; dropped when none does, so hosts a
        # redirect named once (a load balancer's node, a session host) are not kept for the process's life
        self._hosts: dict[str, _HostSlots] = {}

    async def aclose(self) -> None:
        """Close every connection."""
        self._connections.close()

    @contextlib.asynccontextmanager
    async def _host_slot(self, host: str) -> AsyncIterator[None]:
        slots = self._hosts.get(host)
        if slots is None:
            slots = self._hosts[host] = _HostSlots(asyncio.Semaphore(self._settings.per_host_concurrency))
        slots.users += 1
        try:
            async with slots.semaphore:
                yield
        finally:
            slots.users -= 1
            if slots.users == 0:
                del self._hosts[host]

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        user_agent: str | None = None,
        html: bool = False,
        slowness: Slowness | None = None,
    ) -> FetchResponse:
        """GET a feed, conditionally when validators are given; follow up to 5 guarded redirects.

        Returns a 200 (decoded body, at most max_body_bytes, not HTML unless `html` asks for a web page) or a
        304; raises a FetchError subclass otherwise. Only time spent holding a global and a per-host slot
        counts against the total deadline. `slowness.fetch` (when given) says whether the feed's last fetch
        was slow, wherever it ran, and is set to whether this one was.
        """
        accept = self._accept_html if html else self._accept
        headers = [*accept, (b"User-Agent", _header_bytes(user_agent or self._settings.user_agent))]
        if etag:
            headers.append((b"If-None-Match", _header_bytes(etag)))
        if last_modified:
            headers.append((b"If-Modified-Since", _header_bytes(last_modified)))
        held = _Held()
        timed_out = False
        slow = slowness.fetch if slowness is not None else url in self._slow
        try:
            return await self._fetch_hops(url, headers, html, slow=slow, held=held)
        except FetchTimeout:
            timed_out = True
            raise
        finally:
            slow = timed_out or held.seconds >= SLOW_FETCH_SECONDS
            if slow:
                self._slow.add(url)
            else:
                self._slow.discard(url)
            if slowness is not None:
                slowness.fetch = slow

    async def _fetch_hops(
        self, url: str, headers: list[tuple[bytes, bytes]], html: bool, *, slow: bool, held: _Held
    ) -> FetchResponse:
        """The request and up to 5 guarded redirects, within the total deadline; adds the seconds the slots
        were held to `held`."""
        loop = asyncio.get_running_loop()
        budget = self._settings.fetch_timeout
        seen: set[str] = set()
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            check_url(current, self._policy)
            seen.add(current)
            target = _target(current)
            async with self._slots(target.host, slow=slow):
                started = loop.time()
                try:
                    async with asyncio.timeout(budget):
                        outcome = await self._one_hop(current, target, headers, html)
                except TimeoutError:
                    raise FetchTimeout(
                        current, f"no complete response within {self._settings.fetch_timeout:g} s"
                    ) from None
                finally:
                    spent = loop.time() - started
                    budget -= spent
                    held.seconds += spent
            if isinstance(outcome, FetchResponse):
                return outcome
            if outcome in seen:
                raise TooManyRedirects(url, f"redirect loop at {outcome}")
            current = outcome
        raise TooManyRedirects(url, f"more than {MAX_REDIRECTS} redirects")

    @contextlib.asynccontextmanager
    async def _slots(self, host: str, *, slow: bool) -> AsyncIterator[None]:
        """A global slot and a slot of `host`. In the fast lane the host's slot is waited for first, so
        fetches queued behind a busy host hold no global slot; in the slow lane the global slot is taken
        first, so a slow fetch never holds its host's slot (keeping that host's other feeds waiting) while
        the slow lane is full."""
        if slow and self._slow_global_first:
            async with self._global.slot(slow=True), self._host_slot(host):
                yield
        else:
            async with self._host_slot(host), self._global.slot(slow=slow):
                yield

    async def _one_hop(
        self, url: str, target: _Target, headers: list[tuple[bytes, bytes]], html: bool
    ) -> FetchResponse | str:
        """One request: a final response, or the absolute URL a redirect points to."""
        headers = [(b"Host", target.host_header), *headers]
        connection = await self._connect(url, target, fresh=False)
        try:
            try:
                head = await connection.request(target.target, headers)
            except ServerClosedEarly:
                if connection.exchanges == 1:  # a new connection: the server means it
                    raise
                # a kept-alive connection the server closed just as it was reused: a GET may be sent again
                self._connections.release(connection)
                connection = await self._connect(url, target, fresh=True)
                head = await connection.request(target.target, headers)
            return await self._answer(url, connection, head, html)
        except ConnectionBroken as exc:
            raise ConnectionFailed(url, str(exc)) from None
        finally:
            self._connections.release(connection)

    async def _connect(self, url: str, target: _Target, *, fresh: bool) -> Connection:
        try:
            if fresh:
                return await self._connections.connect(target.origin)
            return await self._connections.acquire(target.origin)
        except BlockedURL as exc:
            raise BlockedURL(url, exc.detail) from None
        except ConnectError as exc:
            raise ConnectionFailed(url, str(exc)) from None

    async def _answer(
        self, url: str, connection: Connection, head: ResponseHead, html: bool
    ) -> FetchResponse | str:
        status = head.status
        headers = _response_headers(head.headers)
        if status in REDIRECT_STATUSES:
            location = headers.get("location")
            if not location:
                raise BadStatus(url, f"HTTP {status} redirect without a Location", status_code=status)
            return str(urljoin(url, location.strip()))
        now = self._clock()
        if status == 304:
            # a 304 has no body, but reading its end readies the connection for the next poll
            await self._read_body(url, connection, headers)
            return FetchResponse(url, status, headers, b"", now)
        if status in (429, 503):
            delay = parse_retry_after(headers.get("retry-after"), now)
            hint = f", retry after {delay:g} s" if delay is not None else ""
            raise RateLimited(url, f"HTTP {status}{hint}", status_code=status, retry_after=delay)
        if status >= 400 or status < 200:
            raise BadStatus(url, f"HTTP {status} {head.reason}".rstrip(), status_code=status)
        body = await self._read_body(url, connection, headers)
        content_type = headers.get("content-type", "")
        if not html and _looks_like_html(content_type, body):
            raise NotAFeed(url, f"got an HTML page ({content_type or 'no content type'}), not a feed")
        return FetchResponse(url, status, headers, body, now)

    async def _read_body(self, url: str, connection: Connection, headers: Mapping[str, str]) -> bytes:
        cap = self._settings.max_body_bytes
        declared = headers.get("content-length", "")
        if not headers.get("content-encoding") and declared.isdigit() and int(declared) > cap:
            raise BodyTooLarge(url, f"body of {int(declared)} bytes exceeds the {cap}-byte limit")
        decoder = _Decoder(headers.get("content-encoding", ""), url)
        parts: list[bytes] = []
        size = 0
        try:
            async for raw in connection.body():
                chunk = decoder.decode(raw, cap - size + 1)
                size += len(chunk)
                parts.append(chunk)
                while decoder.has_pending_output and size <= cap:
                    chunk = decoder.decode(b"", cap - size + 1)
                    size += len(chunk)
                    parts.append(chunk)
                if size > cap:
                    raise BodyTooLarge(url, f"decoded body exceeds the {cap}-byte limit")
        except ConnectionBroken as exc:
            raise TruncatedBody(url, f"connection closed before the whole body arrived ({exc})") from None
        decoder.finish()
        return b"".join(parts)
