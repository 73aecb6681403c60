"""A loopback TCP proxy between borderwatch and PostgreSQL that a test cuts like a network, without root or
firewall rules: it forwards, blackholes (nothing passes either way, no RST, no FIN: every socket stays open,
as a partition looks to both ends) or half-opens (the server's side of every open connection is reset, the
client's stays open and silent for good: a server that forgot the connection, its RST lost on the way).

A partition only delays: what was sent meanwhile (a query, a FIN) arrives once it heals, as TCP's
retransmissions would deliver it. A connection opened during a partition waits, unanswered, like a SYN.

It can also lose one transaction's connection for good (`sever_next_commit`): the server has run every
statement of the transaction and waits for a COMMIT that never comes, nor any FIN or RST, as when a partition
outlasts the client's retransmissions; the server's session is left "idle in transaction", holding its row
locks, until the server itself ends it."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import struct
import time
from dataclasses import dataclass, field


@dataclass(eq=False)
class _Link:
    """One client connection and the proxy's connection to the server for it."""

    client: asyncio.StreamWriter
    server: asyncio.StreamWriter | None = None
    half_open: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    # rows the transaction under way wrote (the server's UPDATE/INSERT/DELETE command tags); lost for good
    written: int = 0
    severed: bool = False


# linux/tcp.h: a socket in repair mode closes without sending anything
_TCP_REPAIR = 19


def can_forget() -> bool:
    """Whether this process may put sockets in repair mode (`PartitionProxy.forget`)."""
    with socket.socket() as probe:
        try:
            probe.setsockopt(socket.SOL_TCP, _TCP_REPAIR, 1)
        except OSError:
            return False
    return True


# the PostgreSQL wire protocol, read loosely: a simple-protocol BEGIN/COMMIT/ROLLBACK from the client (how
# asyncpg ends a transaction), and the server's CommandComplete tags of writes
_CLIENT_COMMAND = re.compile(rb"Q\x00\x00\x00.(BEGIN|COMMIT|ROLLBACK)", re.DOTALL)
_WRITE_TAG = re.compile(rb"C\x00\x00\x00.(?:UPDATE|DELETE|INSERT \d+) (\d+)\x00", re.DOTALL)


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with an RST (SO_LINGER 0), not a FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class PartitionProxy:
    """`async with PartitionProxy(port) as proxy`: clients connect to 127.0.0.1:`proxy.port`."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._open = asyncio.Event()
        self._open.set()
        self._links: set[_Link] = set()
        self._server: asyncio.Server | None = None
        self.connections = 0
        self._sever_after_rows: int | None = None
        # time.monotonic() of each severed transaction's loss, and of the server ending its session
        self.severed_at: list[float] = []
        self.ghost_ended_at: list[float] = []

    async def __aenter__(self) -> PartitionProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *_: object) -> None:
        self._open.set()
        assert self._server is not None
        self._server.close()
        for link in list(self._links):
            for task in link.tasks:
                task.cancel()
            _reset(link.client)
            if link.server is not None:
                _reset(link.server)
        with contextlib.suppress(Exception):
            await self._server.wait_closed()

    def url(self, url: str, server_port: int) -> str:
        """`url` (to the server's port) through the proxy."""
        return url.replace(f"127.0.0.1:{server_port}/", f"127.0.0.1:{self.port}/")

    @property
    def partitioned(self) -> bool:
        return not self._open.is_set()

    def blackhole(self) -> None:
        """From now on nothing passes, either way, on any connection, old or new."""
        self._open.clear()

    def heal(self) -> None:
        """Everything passes again, what was held back first."""
        self._open.set()

    def half_open(self) -> None:
        """Reset the server's side of every open connection; their client sides stay open and get nothing,
        ever. New connections pass as before."""
        for link in list(self._links):
            link.half_open = True
            if link.server is not None:
                _reset(link.server)

    def forget(self) -> None:
        """Every open connection is lost for good on the client's side, as when a partition outlasts the
        client's retransmissions and its kernel drops the connection: the client is reset (and reconnects),
        the server's side is closed without a FIN or RST (TCP_REPAIR), so the server learns of it only when
        it next sends something (a keepalive probe, which a reset answers). Needs CAP_NET_ADMIN."""
        for link in list(self._links):
            link.severed = True
            for task in link.tasks:
                task.cancel()
            if link.server is not None:
                link.server.get_extra_info("socket").setsockopt(socket.SOL_TCP, _TCP_REPAIR, 1)
                link.server.transport.abort()
            _reset(link.client)
            self._links.discard(link)

    def sever_next_commit(self, min_rows: int = 1) -> None:
        """The next transaction to commit having written at least `min_rows` rows loses its connection for
        good, its COMMIT included: nothing more passes either way, the server's side stays open and silent
        (never a FIN or RST), the client's side gets nothing more."""
        self._sever_after_rows = min_rows

    def _watch_client(self, link: _Link, data: bytes) -> bytes:
        """`data` as far as it may pass; severs `link` at the COMMIT when armed."""
        for command in _CLIENT_COMMAND.finditer(data):
            if command.group(1) != b"COMMIT":
                link.written = 0
                continue
            armed = self._sever_after_rows
            if armed is not None and link.written >= armed:
                self._sever_after_rows = None
                link.severed = True
                self.severed_at.append(time.monotonic())
                return data[: command.start()]
            link.written = 0
        return data

    def _watch_server(self, link: _Link, data: bytes) -> None:
        link.written += sum(int(tag.group(1)) for tag in _WRITE_TAG.finditer(data))

    async def _hold_severed(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, link: _Link
    ) -> None:
        """A severed link: nothing passes; the server's side is kept open until the server ends it."""
        if sink is link.client:  # reading the server: its end of the session is what the test measures
            while await source.read(65536):
                pass
            self.ghost_ended_at.append(time.monotonic())
        else:
            while await source.read(65536):
                pass  # the client's bytes (and its FIN) go nowhere

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        link = _Link(client=writer)
        self._links.add(link)
        try:
            await self._open.wait()  # a SYN during a partition: no answer until it heals
            server_reader, link.server = await asyncio.open_connection(*self.target)
        except (OSError, asyncio.CancelledError):
            _reset(writer)
            self._links.discard(link)
            return
        link.tasks = [
            asyncio.create_task(self._pump(reader, link.server, link)),
            asyncio.create_task(self._pump(server_reader, writer, link)),
        ]

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, link: _Link) -> None:
        try:
            while True:
                await self._open.wait()
                data = await source.read(65536)
                await self._open.wait()  # read just before the cut: held back until it heals
                if link.half_open:
                    if sink is link.client or not data:
                        return  # nothing from a server that forgot the connection
                    continue  # the client's bytes go nowhere
                if link.severed:
                    await self._hold_severed(source, sink, link)
                    return
                if sink is link.client:
                    self._watch_server(link, data)
                else:
                    data = self._watch_client(link, data)
                    if link.severed:
                        if data:
                            sink.write(data)
                        await self._hold_severed(source, sink, link)
                        return
                if not data:
                    sink.write_eof() if sink.can_write_eof() else sink.close()
                    return
                sink.write(data)
                await sink.drain()
        except (OSError, RuntimeError):
            if link.severed:
                if sink is link.client:  # the server reset its side: the session has ended
                    self.ghost_ended_at.append(time.monotonic())
            elif not link.half_open:
                _reset(link.client)
                if link.server is not None:
                    _reset(link.server)
        finally:
            if (link.half_open and sink is link.client) or link.severed:
                pass  # the client's side stays open and silent; a severed server side too
            elif all(task.done() or task is asyncio.current_task() for task in link.tasks):
                self._links.discard(link)
