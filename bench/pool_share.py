"""Slow chat commands holding the database's connections: how long polling waits for one.

COMMANDS chats at once (the bot handles 16 commands at a time) each run a history read that holds its
connection for HOLD seconds under the command time limit, over and over, for SECONDS, and OUTPUTS readers of
the public outputs (4 at once) do the same without a time limit; meanwhile the ingest
scheduler's look for due feeds (storage.feeds.next_due_at, a one-row read on an index) runs every 0.1 s and
its latency is measured. The same-run baseline is the database without the command share (every connection
of the pool open to commands, as before): polling then waits for a command to end. An idle run (no
commands) shows the floor. `BENCH_POOL_DATABASE_URL` (an empty, migrated PostgreSQL database) runs the
PostgreSQL side too.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from storage.db import COMMAND_SHARE, Database, StatementTimeout, time_limit
from storage.feeds import next_due_at
from storage.migrate import upgrade

COMMANDS = int(os.environ.get("BENCH_POOL_COMMANDS", "16"))
OUTPUTS = int(os.environ.get("BENCH_POOL_OUTPUTS", "4"))
HOLD = float(os.environ.get("BENCH_POOL_HOLD", "2.0"))
SECONDS = float(os.environ.get("BENCH_POOL_SECONDS", "8.0"))
LIMIT = 5.0  # BORDERWATCH_COMMAND_TIMEOUT's default


async def _slow_reader(db: Database, until: float, *, command: bool) -> tuple[int, int]:
    """A command (under the time limit) or an output reader whose read holds its connection HOLD seconds
    (as a slow /search does), again and again; how many reads ended and how many ran out of time."""
    done = timed_out = 0
    while time.monotonic() < until:
        try:
            with time_limit(LIMIT) if command else contextlib.nullcontext():
                async with db.transaction() as session:
                    await session.execute(text("SELECT 1"))
                    await asyncio.sleep(HOLD)
            done += 1
        except StatementTimeout:
            timed_out += 1
    return done, timed_out


async def _looks(db: Database, until: float) -> list[float]:
    waits = []
    while time.monotonic() < until:
        started = time.monotonic()
        await next_due_at(db, datetime.now(UTC))
        waits.append(time.monotonic() - started)
        await asyncio.sleep(0.1)
    return waits


async def _run(url: str, share: float | None, load: bool) -> tuple[list[float], int, int]:
    """The looks' waits, and how many command reads ended and ran out of time."""
    db = Database(url, command_share=share)
    try:
        await next_due_at(db, datetime.now(UTC))  # a first connection, as a running process has
        until = time.monotonic() + SECONDS
        commands = [
            asyncio.create_task(_slow_reader(db, until, command=True)) for _ in range(COMMANDS if load else 0)
        ]
        outputs = [
            asyncio.create_task(_slow_reader(db, until, command=False)) for _ in range(OUTPUTS if load else 0)
        ]
        waits = await _looks(db, until)
        ended = await asyncio.gather(*commands)
        await asyncio.gather(*outputs)
    finally:
        await db.dispose()
    return waits, sum(done for done, _ in ended), sum(late for _, late in ended)


def _line(name: str, run: tuple[list[float], int, int]) -> str:
    waits, done, late = run
    return (
        f"{name:<34} looks {len(waits):4d}  median {statistics.median(waits) * 1000:8.1f} ms"
        f"  max {max(waits) * 1000:8.1f} ms   command reads {done:3d} ended, {late:3d} out of time"
    )


async def _side(label: str, url: str) -> None:
    idle = await _run(url, COMMAND_SHARE, False)
    before = await _run(url, None, True)
    after = await _run(url, COMMAND_SHARE, True)
    print(
        f"{label}: {COMMANDS} commands and {OUTPUTS} output readers holding a connection {HOLD:g} s each, "
        f"for {SECONDS:g} s"
    )
    print(_line("idle (no commands)", idle))
    print(_line("before (commands may take all)", before))
    print(_line(f"now (commands take at most {COMMAND_SHARE:.0%})", after))
    now, was = after[0], before[0]
    print(
        f"{label}: worst wait of polling now/before: {max(now) / max(was):.3f}x; "
        f"median {statistics.median(now) / statistics.median(was):.3f}x"
    )


async def _main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await upgrade(url)
        await _side("SQLite", url)
    postgres = os.environ.get("BENCH_POOL_DATABASE_URL")
    if postgres:
        await upgrade(postgres)
        await _side("PostgreSQL", postgres)


def main() -> None:
    asyncio.run(_main())


if __name__ == "__main__":
    main()
