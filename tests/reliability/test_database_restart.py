"""PostgreSQL restarts under a running `borderwatch run --role bot`: the process survives, answers again and
catches up with the alerts that came due while the database was down. The test starts its own PostgreSQL
instance (initdb/pg_ctl on a free loopback port in a temp dir), never the machine's shared server."""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.db import Database
from storage.migrate import upgrade
from tests.botapi.emulator import BotApiEmulator
from tests.reliability.conftest import record
from tests.reliability.processes import REALISTIC_TOKEN, borderwatch_env, seed_fan_out, start, terminate

pytestmark = [pytest.mark.reliability, pytest.mark.postgres]

BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
CHATS = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivatePostgres:
    """A throwaway PostgreSQL cluster: initdb into a temp dir, pg_ctl start/stop on its own port."""

    def __init__(self, bindir: str, directory: Path) -> None:
        self.bindir = bindir
        self.data = directory / "data"
        self.log = directory / "postgres.log"
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0  # PostgreSQL refuses to run as root
        if self.as_postgres:
            shutil.chown(directory, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        command = [f"{self.bindir}/{args[0]}", *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    if not BINARIES:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin")
    # directly under the temp root: the postgres user must be able to reach it (pytest's tmp dirs are 0700)
    directory = Path(tempfile.mkdtemp(prefix="borderwatch-pg-"))
    server = PrivatePostgres(BINARIES[-1], directory)
    server.init()
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)


async def test_the_bot_survives_a_postgresql_restart_and_catches_up(
    postgres: PrivatePostgres, tmp_path: Path
) -> None:
    await upgrade(postgres.url)
    db = Database(postgres.url)
    first = list(range(100, 100 + CHATS))
    second = list(range(200, 200 + CHATS))
    await seed_fan_out(db, first)
    await db.dispose()
    async with BotApiEmulator(token=REALISTIC_TOKEN, enforce_limits=False) as telegram:
        for chat_id in [*first, *second, 7]:
            telegram.add_user(chat_id)
        env = borderwatch_env(
            postgres.url,
            tmp_path,
            telegram_token=REALISTIC_TOKEN,
            telegram_api_url=telegram.base_url,
            send_rate=1000,
            paid_broadcast=True,  # above Telegram's free 30/s (the emulator does not limit here)
            delivery_lease_seconds=2,
        )
        process = await start(["run", "--role", "bot"], env, tmp_path)
        try:
            await telegram.wait_until(lambda: all(telegram.sent(c) for c in first), within=60)
            # alerts that come due while the database is down
            db = Database(postgres.url)
            await seed_fan_out(db, second, now=datetime.now(UTC) + timedelta(seconds=3), batch="b")
            await db.dispose()

            await asyncio.to_thread(postgres.stop)
            down_at = time.monotonic()
            telegram.inject_command(7, 7, "/mysubs")  # handled while the database is gone
            await asyncio.sleep(5)
            assert process.returncode is None, "borderwatch died with its database"
            await asyncio.to_thread(postgres.start)
            up_at = time.monotonic()
            await telegram.wait_until(lambda: all(telegram.sent(c) for c in second), within=90)
            caught_up = time.monotonic() - up_at
            before = len(telegram.sent(7))
            telegram.inject_command(7, 7, "/start")
            await telegram.wait_for_messages(7, before + 1, within=30)
            assert await terminate(process) == 0
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        counts = {c: len(telegram.sent(c)) for c in [*first, *second]}
    assert set(counts.values()) == {1}  # each alert once, before and after the restart
    record(
        "database restart (private postgresql)",
        f"PostgreSQL stopped {up_at - down_at:.1f} s under a running bot: process survived, {CHATS} alerts "
        f"due meanwhile delivered {caught_up:.1f} s after the restart, each once; commands answered again",
    )
