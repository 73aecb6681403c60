"""A throwaway PostgreSQL cluster for tests that stop and start the server under running processes: initdb
into a temp dir, pg_ctl start/stop on a free loopback port, never the machine's shared server. Skips, saying
so, where the server binaries are missing."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.processes import free_port

BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


class PrivatePostgres:
    """A throwaway PostgreSQL cluster: initdb into a temp dir, pg_ctl start/stop on its own port. With a
    `password`, clients must give it (scram-sha-256) and `url` carries it."""

    def __init__(self, bindir: str, directory: Path, password: str | None = None) -> None:
        self.bindir = bindir
        self.directory = directory
        self.data = directory / "data"
        self.log = directory / "postgres.log"
        self.port = free_port()
        self.password = password
        self.as_postgres = os.geteuid() == 0  # PostgreSQL refuses to run as root
        if self.as_postgres:
            shutil.chown(directory, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        command = [f"{self.bindir}/{args[0]}", *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        if self.password is None:
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
            return
        secret = self.directory / "pwfile"
        secret.write_text(self.password + "\n")
        if self.as_postgres:
            shutil.chown(secret, "postgres", "postgres")
        self._run(
            "initdb", "-D", str(self.data), "-A", "scram-sha-256", "-U", "postgres", "--no-sync",
            f"--pwfile={secret}",
        )  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self) -> str:
        who = "postgres" if self.password is None else f"postgres:{self.password}"
        return f"postgresql+asyncpg://{who}@127.0.0.1:{self.port}/postgres"


@contextlib.contextmanager
def private_postgres(password: str | None = None) -> Iterator[PrivatePostgres]:
    """A started private cluster, stopped and removed afterwards (skips the test without the binaries)."""
    if not BINARIES:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin")
    # directly under the temp root: the postgres user must be able to reach it (pytest's tmp dirs are 0700)
    directory = Path(tempfile.mkdtemp(prefix="borderwatch-pg-"))
    server = PrivatePostgres(BINARIES[-1], directory, password)
    server.init()
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)
