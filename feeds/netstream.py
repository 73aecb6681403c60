"""httpcore network streams on asyncio's own streams, for the feed fetcher's connections.

httpcore's asyncio support goes through anyio, which wraps every read and write in a cancel scope and a
deadline object and rebuilds a dict of socket attributes on each idle-connection check; in a round of 304s
that costs a fifth of the fetcher's CPU. asyncio's streams do the same work with `asyncio.timeout`. The
mapping of errors to httpcore's exceptions is the one httpcore's anyio backend uses, so everything above
this (the pool, h11, the fetcher) sees the same failures.
"""

from __future__ import annotations

import asyncio
import select
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore

__all__ = ["AsyncioStream", "open_tcp"]


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One TCP (or TLS) connection, read and written through asyncio's StreamReader and StreamWriter."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        """Up to `max_bytes` bytes as soon as some arrive; b"" when the peer has closed."""
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError:
            raise httpcore.ReadTimeout(f"no data within {timeout} s") from None
        except OSError as exc:
            raise httpcore.ReadError(str(exc) or type(exc).__name__) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Send all of `buffer` (waiting while the socket's send buffer is full)."""
        if not buffer:
            return
        if self._writer.is_closing():
            raise httpcore.WriteError("the connection is closed")
        try:
            self._writer.write(buffer)
            async with asyncio.timeout(timeout):
                await self._writer.drain()
        except TimeoutError:
            raise httpcore.WriteTimeout(f"could not send within {timeout} s") from None
        except OSError as exc:
            raise httpcore.WriteError(str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        """Close the connection (for TLS the close_notify goes out in the background)."""
        self._writer.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> httpcore.AsyncNetworkStream:
        """Upgrade this connection to TLS, verifying the certificate against `server_hostname`."""
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError:
            await self.aclose()
            raise httpcore.ConnectTimeout(f"TLS handshake not done within {timeout} s") from None
        except (ssl.SSLError, OSError) as exc:
            await self.aclose()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        return self

    def get_extra_info(self, info: str) -> Any:
        """What httpcore asks of a connection: TLS object, addresses, socket, whether it is readable."""
        if info == "ssl_object":
            return self._writer.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        if info == "socket":
            return self._writer.get_extra_info("socket")
        if info == "is_readable":
            return self._is_readable()
        return None

    def _is_readable(self) -> bool:
        """True when an idle connection has something to read: the peer closed it or sent data unasked.

        asyncio reads the socket as soon as data arrives, so what the peer sent may already sit in the
        reader (or have closed the transport) rather than in the socket.
        """
        if self._writer.is_closing() or self._reader.at_eof():
            return True
        sock = self._writer.get_extra_info("socket")
        if sock is None or sock.fileno() < 0:
            return True
        poller = select.poll()
        poller.register(sock.fileno(), select.POLLIN)
        return bool(poller.poll(0))


async def open_tcp(
    address: str,
    port: int,
    *,
    timeout: float | None = None,  # noqa: ASYNC109
    local_address: str | None = None,
    socket_options: Iterable[Any] | None = None,
) -> AsyncioStream:
    """Connect to `address` (an IP address the caller has already checked) on `port`."""
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(
                address, port, local_addr=(local_address, 0) if local_address else None
            )
    except TimeoutError:
        raise httpcore.ConnectTimeout(f"no connection to {address}:{port} within {timeout} s") from None
    except OSError as exc:
        raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
    sock: socket.socket | None = writer.get_extra_info("socket")
    if sock is not None:
        for option in socket_options or ():
            sock.setsockopt(*option)
    return AsyncioStream(reader, writer)
