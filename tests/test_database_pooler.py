"""Borderwatch through a connection pooler in front of PostgreSQL. PgBouncer refuses a client whose startup
packet carries a parameter it does not know ("unsupported startup parameter", unless listed in its
`ignore_startup_parameters`): the server's limits that borderwatch asks for on every connection
(storage.db.FORGET_LOST_CLIENTS) must not ride in it."""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterator

from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import IDLE_IN_TRANSACTION_SECONDS, Database
from tests.conftest import POSTGRES_ONLY

_SSL_REQUEST, _GSS_REQUEST = 80877103, 80877104
# what PgBouncer takes in a startup packet without configuration
_POOLER_KNOWS = {
    "user",
    "database",
    "replication",
    "application_name",
    "client_encoding",
    "datestyle",
    "timezone",
    "standard_conforming_strings",
}


def _refusal(name: str) -> bytes:
    fields = (
        b"SFATAL\x00VFATAL\x00C08P01\x00M" + f"unsupported startup parameter: {name}".encode() + b"\x00\x00"
    )
    return b"E" + struct.pack("!I", len(fields) + 4) + fields


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


@contextlib.asynccontextmanager
async def pooler_in_front_of(host: str, port: int) -> AsyncIterator[int]:
    """A port that checks each startup packet as PgBouncer does, then passes the connection through."""
    tasks: set[asyncio.Task[None]] = set()

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            (length,) = struct.unpack("!I", await reader.readexactly(4))
            body = await reader.readexactly(length - 4)
            if struct.unpack("!I", body[:4])[0] in (_SSL_REQUEST, _GSS_REQUEST):
                writer.write(b"N")
                continue
            break
        parts = body[4:].split(b"\x00")
        names = [part.decode() for part in parts[0:-2:2]]
        unknown = [name for name in names if name.lower() not in _POOLER_KNOWS]
        if unknown:
            writer.write(_refusal(unknown[0]))
            await writer.drain()
            writer.close()
            return
        server_reader, server_writer = await asyncio.open_connection(host, port)
        server_writer.write(struct.pack("!I", length) + body)
        await asyncio.gather(_pipe(reader, server_writer), _pipe(server_reader, writer))

    def spawn(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.create_task(accept(reader, writer))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    server = await asyncio.start_server(spawn, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


@POSTGRES_ONLY
async def test_borderwatch_works_through_a_pooler_and_still_bounds_idle_transactions(
    database_url: str,
) -> None:
    # before: every connection refused, "unsupported startup parameter: idle_in_transaction_session_timeout"
    url = make_url(database_url)
    async with pooler_in_front_of(url.host or "127.0.0.1", url.port or 5432) as port:
        db = Database(url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False))
        try:
            async with db.transaction() as session:
                idle = (await session.execute(text("SHOW idle_in_transaction_session_timeout"))).scalar_one()
                keepalive = (await session.execute(text("SHOW tcp_keepalives_idle"))).scalar_one()
        finally:
            await db.dispose()
    assert idle == f"{IDLE_IN_TRANSACTION_SECONDS // 60}min"
    assert keepalive == "60"  # seconds
