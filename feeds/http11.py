"""HTTP/1.1 connections for the feed fetcher: h11's protocol state machine on asyncio protocols, kept alive
per origin.

httpcore (the transport under httpx) wraps every request in anyio locks, cancel shields, sniffio lookups and
a pool's request queue. In a round of 1,000 conditional GETs on loopback that machinery cost more than the
exchange itself: 0.34 ms of CPU per 304 through httpcore, 0.15 ms through this module, which drives h11 (the
HTTP/1.1 library under httpcore) on an asyncio protocol. The fetcher needs little of it: one request at a
time per connection, as many connections per site as its per-host limit lets through, idle ones kept alive.

What arrives from the socket is buffered by `_Wire` and handed to h11 only when the reader asks for more;
reading pauses while too much sits unread, so a huge body is held back by TCP, not buffered here.
"""

from __future__ import annotations

import asyncio
import collections
import ipaddress
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass

import h11

__all__ = [
    "ConnectError",
    "Connection",
    "ConnectionBroken",
    "ConnectionPool",
    "Origin",
    "ResponseHead",
    "ServerClosedEarly",
]

Origin = tuple[str, str, int]  # scheme, host, port
# the addresses a host may be reached at, already checked (feeds.guard); raises to refuse the host
AddressLookup = Callable[[str, int], Awaitable[Sequence[ipaddress.IPv4Address | ipaddress.IPv6Address]]]

KEEPALIVE_SECONDS = 60.0
_PAUSE_ABOVE = 256 * 1024  # bytes received but not yet read before the socket stops being read
_RESUME_BELOW = 64 * 1024


class ConnectError(Exception):
    """No connection could be made: refused, unreachable, timed out, or the TLS handshake failed."""


class ConnectionBroken(Exception):
    """The connection failed mid-exchange, or the server broke HTTP/1.1."""


class ServerClosedEarly(ConnectionBroken):
    """The server closed the connection before it sent any response to the request."""


@dataclass(frozen=True, slots=True)
class ResponseHead:
    status: int
    reason: str
    headers: list[tuple[bytes, bytes]]  # names lower-cased, in the order received


class _Wire(asyncio.Protocol):
    """The socket side of one connection: keeps what arrives until it is read, and whether the server has
    closed its side."""

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._chunks: collections.deque[bytes] = collections.deque()
        self._buffered = 0
        self._paused = False
        self.at_eof = False
        self._error: Exception | None = None
        self._waiter: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._chunks.append(data)
        self._buffered += len(data)
        if self._buffered > _PAUSE_ABOVE and not self._paused and self._transport is not None:
            self._transport.pause_reading()
            self._paused = True
        self._wake()

    def eof_received(self) -> bool:
        self.at_eof = True
        self._wake()
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.at_eof = True
        self._error = exc
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    @property
    def is_usable(self) -> bool:
        """Open, and holding nothing unread (an idle connection the server sent nothing unasked)."""
        transport = self._transport
        return not (self.at_eof or self._chunks or transport is None or transport.is_closing())

    def write(self, data: bytes) -> None:
        assert self._transport is not None
        self._transport.write(data)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    async def read(self) -> bytes:
        """The next bytes received; b"" once the server has closed its side and everything was read."""
        while not self._chunks:
            if self._error is not None:
                raise ConnectionBroken(_describe(self._error))
            if self.at_eof:
                return b""
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        data = self._chunks.popleft()
        self._buffered -= len(data)
        if self._paused and self._buffered < _RESUME_BELOW and self._transport is not None:
            self._transport.resume_reading()
            self._paused = False
        return data


class Connection:
    """One keep-alive HTTP/1.1 connection, one exchange at a time."""

    def __init__(self, origin: Origin, wire: _Wire) -> None:
        self.origin = origin
        self._wire = wire
        self._h11 = h11.Connection(h11.CLIENT)
        self.exchanges = 0
        self.idle_since = 0.0
        self._received = False  # whether any byte of the current exchange's response arrived

    @property
    def is_usable(self) -> bool:
        """An idle connection can carry a new request: open, and the server sent nothing unasked."""
        return self._wire.is_usable

    async def request(self, target: bytes, headers: list[tuple[bytes, bytes]]) -> ResponseHead:
        """Send a GET for `target` and wait for the response's status line and headers."""
        self.exchanges += 1
        self._received = False
        try:
            data = self._h11.send(h11.Request(method=b"GET", target=target, headers=headers))
            end = self._h11.send(h11.EndOfMessage())
        except h11.LocalProtocolError as exc:
            raise ConnectionBroken(f"cannot send this request: {exc}") from None
        assert data is not None and end is not None
        self._wire.write(data + end)
        while True:
            event = await self._next_event()
            if isinstance(event, h11.Response):
                return ResponseHead(event.status_code, event.reason.decode("latin-1"), list(event.headers))
            if not isinstance(event, h11.InformationalResponse):  # 1xx: the real answer follows
                raise ConnectionBroken(f"unexpected {type(event).__name__} before the response")

    async def body(self) -> AsyncIterator[bytes]:
        """The response body as it arrives (the connection decodes chunked transfer, not Content-Encoding)."""
        while True:
            event = await self._next_event()
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                return
            else:
                raise ConnectionBroken(f"unexpected {type(event).__name__} in the response body")

    async def _next_event(self) -> object:
        while True:
            try:
                event = self._h11.next_event()
            except h11.RemoteProtocolError as exc:
                if not self._received and self._wire.at_eof:
                    raise ServerClosedEarly("the server closed the connection without a response") from None
                raise ConnectionBroken(str(exc)) from None
            if event is not h11.NEED_DATA:
                return event
            try:
                data = await self._wire.read()
            except ConnectionBroken as exc:
                if not self._received:
                    raise ServerClosedEarly(f"the connection was lost before a response ({exc})") from None
                raise
            self._received = self._received or bool(data)
            self._h11.receive_data(data)

    def ready_for_next(self) -> bool:
        """After an exchange: whether it completed on a connection the server keeps open (then the
        connection is readied for the next request)."""
        protocol = self._h11
        if (
            protocol.our_state is h11.DONE
            and protocol.their_state is h11.DONE
            and not protocol.trailing_data[0]  # bytes after the response: not a server to trust again
            and self.is_usable
        ):
            protocol.start_next_cycle()
            return True
        return False

    def close(self) -> None:
        self._wire.close()


class ConnectionPool:
    """Connections by origin: an idle one is reused (the most recent first), else a new one is opened.

    It does not limit how many connections are open: the fetcher's per-host limit does. It keeps at most
    `keep_per_origin` idle connections per origin, each for at most `keepalive` seconds.
    """

    def __init__(
        self,
        lookup: AddressLookup,
        ssl_context: ssl.SSLContext,
        *,
        connect_timeout: float,
        keep_per_origin: int,
        keepalive: float = KEEPALIVE_SECONDS,
    ) -> None:
        self._lookup = lookup
        self._ssl_context = ssl_context
        self._connect_timeout = connect_timeout
        self._keep = keep_per_origin
        self._keepalive = keepalive
        self._idle: dict[Origin, list[Connection]] = {}
        self._open: set[Connection] = set()
        self._last_sweep = 0.0

    async def acquire(self, origin: Origin) -> Connection:
        """A connection to `origin`: an idle one if any is still usable, else a new one.

        Raises what `lookup` raises for a refused host, ConnectError when no connection could be made.
        """
        now = asyncio.get_running_loop().time()
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            if connection.is_usable and self._fresh(connection, now):
                return connection
            self._discard(connection)
        return await self.connect(origin)

    async def connect(self, origin: Origin) -> Connection:
        """A new connection to `origin`, to the first checked address that answers."""
        _scheme, host, port = origin
        last_error: Exception | None = None
        try:
            async with asyncio.timeout(self._connect_timeout):
                try:
                    addresses = await self._lookup(host, port)
                except OSError as exc:
                    raise ConnectError(f"cannot resolve {host}: {exc}") from None
                if not addresses:
                    raise ConnectError(f"cannot resolve {host}: no addresses")
                for address in addresses:
                    try:
                        return await self._open_connection(origin, str(address))
                    except OSError as exc:  # ssl.SSLError included
                        last_error = exc
        except TimeoutError:
            raise ConnectError(f"no connection to {host}:{port} within {self._connect_timeout:g} s") from None
        assert last_error is not None
        raise ConnectError(_describe(last_error))

    async def _open_connection(self, origin: Origin, address: str) -> Connection:
        scheme, host, port = origin
        tls = scheme == "https"
        _transport, wire = await asyncio.get_running_loop().create_connection(
            _Wire,
            address,
            port,
            ssl=self._ssl_context if tls else None,
            server_hostname=host.strip("[]") if tls else None,
        )
        connection = Connection(origin, wire)
        self._open.add(connection)
        return connection

    def release(self, connection: Connection) -> None:
        """Give back a connection after an exchange (finished or not): kept for reuse, or closed."""
        idle = self._idle.setdefault(connection.origin, [])
        if len(idle) >= self._keep or not connection.ready_for_next():
            self._discard(connection)
            return
        now = asyncio.get_running_loop().time()
        connection.idle_since = now
        idle.append(connection)
        if now - self._last_sweep > self._keepalive:
            self._sweep(now)

    def _sweep(self, now: float) -> None:
        """Close idle connections past their keep-alive (origins that are not polled again hold them)."""
        self._last_sweep = now
        for origin, idle in list(self._idle.items()):
            keep = []
            for connection in idle:
                if self._fresh(connection, now):
                    keep.append(connection)
                else:
                    self._discard(connection)
            if keep:
                self._idle[origin] = keep
            else:
                del self._idle[origin]

    def _fresh(self, connection: Connection, now: float) -> bool:
        return now - connection.idle_since < self._keepalive

    def _discard(self, connection: Connection) -> None:
        connection.close()
        self._open.discard(connection)

    def close(self) -> None:
        """Close every connection, idle or in use."""
        for connection in list(self._open):
            self._discard(connection)
        self._idle.clear()


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__
