"""A real HTTP/1.1 feed server on loopback for tests and benches: asyncio streams in a background thread.

It serves registered resources with ETag/Last-Modified and answers 304 to matching conditional requests,
records every request with its headers and the loopback address it arrived on, and plays the faults a feed
poller must survive (hang, slow drip, 5xx, 429 + Retry-After, HTML, truncated body, 50 MB body, gzip bomb,
redirect loop, redirect to a private address, billion-laughs XML, new guids on every request). It can listen
on several loopback addresses (127.0.0.1, 127.0.0.2, …) on one port, so tests can tell hosts apart and
benches can model many sites.

Run standalone for benches: `python -m tests.feedserver --synthetic 1000 --hosts 20` prints the port and
serves `/synthetic/<n>.xml`; `POST /_bump` makes every synthetic feed gain one new item.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import gzip
import hashlib
import ssl
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import formatdate
from functools import cache
from typing import Any, Self

FAULTS = (
    "hang",
    "drip",
    "status",
    "html",
    "truncated",
    "huge",
    "gzip_bomb",
    "redirect",
    "churn",
    "close_unanswered",  # a connection's first request answered; on a later one it closes, unanswered
    "drop",  # every request: the connection closed, unanswered
    "close",  # a whole answer, then the connection closed without saying so (an idle keep-alive timeout)
)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title><link>http://example.com/</link>
<description>bomb</description><item><title>&lol9;</title><link>http://example.com/1</link></item>
</channel></rss>
"""


def _utf7_shifted(text: str) -> bytes:
    """`text` in UTF-7 with every character base64-shifted: not one '<' byte shows."""
    return b"+" + base64.b64encode(text.encode("utf-16-be")).rstrip(b"=") + b"-"


# The entity bomb of issue 14: its DOCTYPE in UTF-7's base64 form, so the bytes spell no "<!ENTITY"; 489 KB
# that feedparser expands to a 45 MB summary (one 180,000-character entity used 250 times).
UTF7_ENTITY_BOMB = (
    b'<?xml version="1.0" encoding="utf-7"?>\n'
    + _utf7_shifted('<!DOCTYPE rss [\n<!ENTITY big "' + "lol " * 45_000 + '">\n]>\n')
    + b'<rss version="2.0"><channel><title>Seven</title><item><title>x</title><description>'
    + b"&big; " * 250
    + b"</description></item></channel></rss>"
)


@cache
def attribute_bomb(attributes: int = 130_000) -> bytes:
    """One <item> with this many attributes (130,000: 1.4 MB, minutes in feedparser's XML parser)."""
    flood = " ".join(f'a{n}="x"' for n in range(attributes))
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Bomb</title><item {flood}>'
        "<title>x</title></item></channel></rss>"
    ).encode()


HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head>"
    b"<body><p>Checking your browser before accessing the site.</p></body></html>"
)


def rss(
    title: str,
    items: list[tuple[str, str, str, str]],
    *,
    language: str | None = "en",
    ttl: int | None = None,
    dates: list[int] | None = None,
) -> str:
    """An RSS 2.0 document; each item is (guid, title, link, description). Items get fixed pubDates: by
    position, ten minutes apart, or `dates` (Unix times, one per item). `language` None: no <language>."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>',
        f"<title>{title}</title><link>http://example.com/</link><description>{title}</description>",
    ]
    if language is not None:
        parts.append(f"<language>{language}</language>")
    if ttl is not None:
        parts.append(f"<ttl>{ttl}</ttl>")
    for n, (guid, item_title, link, description) in enumerate(items):
        date = formatdate(dates[n] if dates is not None else 1_780_000_000 - n * 600, usegmt=True)
        parts.append(
            f'<item><guid isPermaLink="false">{guid}</guid><title>{item_title}</title><link>{link}</link>'
            f"<description>{description}</description><pubDate>{date}</pubDate></item>"
        )
    parts.append("</channel></rss>\n")
    return "".join(parts)


@cache
def gzip_bomb(decoded_megabytes: int = 64) -> bytes:
    """A gzip body that inflates to `decoded_megabytes` MB of zeros (about 1,000 times its size)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1024 * 1024)
    out = [compressor.compress(block) for _ in range(decoded_megabytes)]
    out.append(compressor.flush())
    return b"".join(out)


@dataclass
class Resource:
    """What the server answers on one path. `fault` selects a misbehaviour (see FAULTS)."""

    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    fault: str | None = None
    status: int = 200
    location: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    gzip: bool = False
    drip_interval: float = 1.0
    served: int = 0


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it: the loopback address it arrived on, method, path, headers."""

    local_host: str
    method: str
    path: str
    headers: dict[str, str]
    at: float


class FeedServer:
    """The loopback feed server. Use as a context manager; `url(path)` gives the address of a resource."""

    def __init__(
        self,
        hosts: tuple[str, ...] = ("127.0.0.1",),
        latency: float = 0.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """`ssl_context`: serve HTTPS with it (its certificate must name the host the client asks for)."""
        self.hosts = hosts
        self.latency = latency
        self.ssl_context = ssl_context
        self.connections = 0  # connections accepted so far
        self.port = 0
        self.resources: dict[str, Resource] = {}
        self.log: list[RecordedRequest] = []
        self.synthetic_count = 0
        self.synthetic_items = 50
        self.generation = 0
        self._synthetic_cache: dict[tuple[int, int], bytes] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.Server] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._ready = threading.Event()
        # requests being answered right now, and the most ever at once, per loopback host and in total
        self.active: dict[str, int] = {}
        self.peak: dict[str, int] = {}
        self.peak_total = 0

    # -- registration ---------------------------------------------------------------------------------------
    def url(self, path: str, host: str | None = None) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{host or self.hosts[0]}:{self.port}{path}"

    def add(self, path: str, body: bytes | str = b"", **options: Any) -> str:
        """Serve `body` on `path` (ETag and Last-Modified derived from it unless given); returns its URL."""
        data = body.encode() if isinstance(body, str) else body
        host = options.pop("host", None)  # every path is served on every host; `host` only picks the URL
        resource = Resource(body=data, **options)
        if resource.etag is None and resource.fault is None:
            resource.etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
        if resource.last_modified is None and resource.fault is None:
            resource.last_modified = formatdate(1_780_000_000, usegmt=True)
        with self._lock:
            self.resources[path] = resource
        return self.url(path, host)

    def publish(self, path: str, feed: str, item: tuple[str, str, str, str], at: datetime) -> str:
        """`path` serves the RSS feed titled `feed` with its one `item` (guid, title, link, description),
        dated `at`; its URL."""
        return self.add(path, rss(feed, [item], dates=[int(at.timestamp())]))

    def synthetic(self, count: int, items: int = 50) -> None:
        """Serve `count` generated feeds of `items` items at /synthetic/<n>.xml; bump() adds one to each."""
        self.synthetic_count = count
        self.synthetic_items = items

    def bump(self) -> None:
        with self._lock:
            self.generation += 1
            self._synthetic_cache.clear()

    def requests(self, path: str | None = None) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.log if path is None or r.path == path]

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()

    # -- life cycle -----------------------------------------------------------------------------------------
    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="feedserver", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("feed server did not start")

    def stop(self) -> None:
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop = None

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        loop.run_until_complete(self._bind())
        self._ready.set()
        loop.run_forever()
        loop.close()

    async def _bind(self) -> None:
        for host in self.hosts:
            server = await asyncio.start_server(
                self._connection, host, self.port, backlog=1024, ssl=self.ssl_context
            )
            self.port = server.sockets[0].getsockname()[1]
            self._servers.append(server)

    async def _shutdown(self) -> None:
        for server in self._servers:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- serving --------------------------------------------------------------------------------------------
    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        local_host = writer.get_extra_info("sockname")[0]
        answered = 0  # requests answered on this connection
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, target, _version = [*lines[0].split(" "), "", ""][:3]
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                with self._lock:
                    self.log.append(RecordedRequest(local_host, method, target, headers, time.monotonic()))
                self._enter(local_host)
                try:
                    if self.latency:
                        await asyncio.sleep(self.latency)
                    keep_alive = await self._respond(method, target, headers, reader, writer, answered)
                finally:
                    self.active[local_host] -= 1
                if not keep_alive:
                    return
                answered += 1
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            self._tasks.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    def _enter(self, host: str) -> None:
        self.active[host] = self.active.get(host, 0) + 1
        self.peak[host] = max(self.peak.get(host, 0), self.active[host])
        self.peak_total = max(self.peak_total, sum(self.active.values()))

    def _resource(self, method: str, path: str) -> Resource | None:
        if method == "POST" and path == "/_bump":
            self.bump()
            return Resource(body=b"ok", content_type="text/plain")
        if path.startswith("/synthetic/") and path.endswith(".xml"):
            try:
                number = int(path[len("/synthetic/") : -len(".xml")])
            except ValueError:
                return None
            if 0 <= number < self.synthetic_count:
                return self._synthetic_resource(number)
        with self._lock:
            return self.resources.get(path)

    def _synthetic_resource(self, number: int) -> Resource:
        generation = self.generation
        key = (number, generation)
        body = self._synthetic_cache.get(key)
        if body is None:
            numbers = range(generation + self.synthetic_items - 1, generation - 1, -1)
            items = [
                (
                    f"feed-{number}-item-{k}",
                    f"Synthetic feed {number} item {k}: border post report",
                    f"http://example.com/{number}/{k}",
                    f"<p>Report <b>{k}</b> from feed {number} about the border &amp; the villages.</p>",
                )
                for k in numbers
            ]
            # like a real feed, an item keeps its bytes (and date) when newer ones are added above it
            dates = [1_780_000_000 + k * 600 for k in numbers]
            body = rss(f"Synthetic {number}", items, dates=dates).encode()
            self._synthetic_cache[key] = body
        return Resource(
            body=body,
            etag=f'"s{number}-g{generation}"',
            last_modified=formatdate(1_780_000_000 + generation, usegmt=True),
        )

    async def _respond(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        answered: int,
    ) -> bool:
        """Answer one request (`answered` requests came before it on this connection); False closes."""
        resource = self._resource(method, path)
        if resource is None:
            await _send(writer, 404, {"Content-Type": "text/plain"}, b"not found")
            return True
        fault = resource.fault
        if fault == "drop" or (fault == "close_unanswered" and answered):
            return False
        extra = dict(resource.headers)
        if fault == "hang":
            with contextlib.suppress(ConnectionError):
                await asyncio.wait_for(reader.read(), 3600)  # until the client gives up and disconnects
            return False
        if fault == "redirect":
            extra["Location"] = resource.location or path
            await _send(
                writer, resource.status if resource.status in (301, 302, 303, 307, 308) else 302, extra, b""
            )
            return True
        if fault == "status":
            await _send(writer, resource.status, {"Content-Type": "text/plain", **extra}, b"error")
            return True
        if fault == "html":
            await _send(writer, 200, {"Content-Type": "text/html; charset=utf-8", **extra}, HTML_PAGE)
            return True
        if fault == "gzip_bomb":
            body = gzip_bomb()
            extra.update({"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"})
            await _send(writer, 200, extra, body)
            return True
        if fault == "huge":
            await _stream_huge(writer, 50 * 1024 * 1024)
            return False
        if fault == "truncated":
            extra.update(
                {"Content-Type": resource.content_type, "Content-Length": str(len(resource.body) + 5000)}
            )
            await _send(writer, 200, extra, resource.body, length=False)
            return False
        if fault == "churn":  # every request: the same items under new guids ("@GEN@" in the body)
            with self._lock:
                resource.served += 1
                body = resource.body.replace(b"@GEN@", str(resource.served).encode())
            await _send(writer, 200, {"Content-Type": resource.content_type, **extra}, body)
            return True
        if fault == "drip":
            extra.update({"Content-Type": resource.content_type, "Content-Length": str(len(resource.body))})
            writer.write(_head(200, extra))
            for byte in resource.body:
                if writer.is_closing() or writer.transport.get_extra_info("socket") is None:
                    return False
                await asyncio.sleep(resource.drip_interval)
                writer.write(bytes([byte]))
                await writer.drain()
            return True
        validators: dict[str, str] = {}
        if resource.etag:
            validators["ETag"] = resource.etag
        if resource.last_modified:
            validators["Last-Modified"] = resource.last_modified
        if _not_modified(resource, headers):
            await _send(writer, 304, {**validators, **extra}, b"", length=False)
            return True
        body = resource.body
        if resource.gzip:
            body = gzip.compress(body)
            extra["Content-Encoding"] = "gzip"
        await _send(
            writer, resource.status, {"Content-Type": resource.content_type, **validators, **extra}, body
        )
        return fault != "close"


def _not_modified(resource: Resource, headers: dict[str, str]) -> bool:
    if resource.etag and "if-none-match" in headers:
        return headers["if-none-match"] == resource.etag
    return bool(resource.last_modified and headers.get("if-modified-since") == resource.last_modified)


_REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 304: "Not Modified", 404: "Not Found",
            429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
            503: "Service Unavailable"}  # fmt: skip


def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _send(
    writer: asyncio.StreamWriter, status: int, headers: dict[str, str], body: bytes, *, length: bool = True
) -> None:
    if length:
        headers = {**headers, "Content-Length": str(len(body))}
    writer.write(_head(status, headers) + body)
    await writer.drain()


async def _stream_huge(writer: asyncio.StreamWriter, size: int) -> None:
    writer.write(_head(200, {"Content-Type": "application/rss+xml", "Connection": "close"}))
    chunk = b"<rss>" + b" " * (256 * 1024 - 5)
    sent = 0
    while sent < size:
        writer.write(chunk)
        await writer.drain()
        sent += len(chunk)


@contextlib.contextmanager
def running(hosts: tuple[str, ...] = ("127.0.0.1",), latency: float = 0.0) -> Iterator[FeedServer]:
    """A started FeedServer, stopped on exit."""
    server = FeedServer(hosts, latency)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def loopback_hosts(count: int) -> tuple[str, ...]:
    """`count` distinct loopback addresses: 127.0.0.1, 127.0.0.2, … (all of 127/8 is loopback on Linux)."""
    return tuple(f"127.0.{n // 250}.{n % 250 + 1}" for n in range(count))


def _main() -> None:
    parser = argparse.ArgumentParser(description="loopback feed server for benches")
    parser.add_argument("--synthetic", type=int, default=1000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--hosts", type=int, default=1)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    server = FeedServer(loopback_hosts(args.hosts), args.latency)
    server.synthetic(args.synthetic, args.items)
    server.start()
    print(server.port, flush=True)
    try:
        sys.stdin.read()  # serve until the parent closes our stdin
    finally:
        server.stop()


if __name__ == "__main__":
    _main()
