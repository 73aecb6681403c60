"""Memory of the main process: `borderwatch run` with 1,000 loopback feeds over several rounds, peak RSS.

Each side runs the real process (`python -m bot.cli run`, role all, the bot talking to the Bot API emulator)
on its own SQLite file against one loopback feed server (`tests/feedserver.py`: 1,000 synthetic feeds of 50
items on 25 loopback hosts), polled every 10 s. Round 1 stores every feed's history (50,000 items); before
each later round every feed gains one item. The figures: the main process's RSS after each round and its
peak (VmHWM), the parser workers' peaks apart, and the RSS of the bare imports (`import bot.runtime`).

The baseline is the same process on the code before issue 19 (BASELINE_REF, exported with `git archive`),
run the same way in this run. With `--history N` the database first gets N stored items (bulk inserts, as in
bench/disk.py), for the issue's million-item case.

    python -m bench memory                       # 1,000 feeds, 4 rounds, both sides: about 3 minutes
    python -m bench.memory --history 1000000     # with a million stored items (long fill)
    python -m bench.memory --history 1000000 --history-cache /tmp/bw-1m.db  # fill once, copy it afterwards
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from tests.botapi import BotApiEmulator
from tests.feedserver import loopback_hosts
from tests.reliability.processes import borderwatch_env, start, terminate

ROOT = Path(__file__).resolve().parent.parent
BASELINE_REF = "86f96ce"  # main before issue 19's memory work
FEEDS = 1000
HOSTS = 25
ROUNDS = 4
POLL_INTERVAL = 10
GOAL_MB = 200


@dataclass
class Side:
    name: str
    root: Path
    after_rounds: list[float] = field(default_factory=list)
    peak: float = 0.0
    workers: list[float] = field(default_factory=list)
    imports: float = 0.0
    # where the RSS after the last round is, in MB: the brk heap, other anonymous maps, files
    breakdown: dict[str, float] = field(default_factory=dict)


def _status(pid: int, key: str) -> float:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _breakdown(pid: int) -> dict[str, float]:
    """The process's resident memory by kind (/proc/<pid>/smaps): malloc's main heap, other anonymous maps
    (thread arenas, large allocations, stacks), and file-backed pages (code, the SQLite file)."""
    kinds = {"heap": 0.0, "anonymous": 0.0, "files": 0.0}
    region = ""
    with contextlib.suppress(OSError), open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            fields = line.split()
            if not fields[0].endswith(":"):
                region = fields[5] if len(fields) > 5 else ""
            elif fields[0] == "Rss:":
                mb = int(fields[1]) / 1024
                kind = "files" if region.startswith("/") else "heap" if region == "[heap]" else "anonymous"
                kinds[kind] += mb
    return kinds


def _children(pid: int) -> list[int]:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{pid}/children") as children:
        return [int(p) for p in children.read().split()]
    return []


def _imports_mb(root: Path) -> float:
    code = (
        "import bot.runtime\n"
        "for line in open('/proc/self/status'):\n"
        "    line.startswith('VmRSS') and print(line.split()[1])"
    )
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True)
    return int(out.stdout.split()[0]) / 1024 if out.stdout.strip() else 0.0


def _fetches(database: Path) -> int:
    try:
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
            return int(connection.execute("SELECT count(*) FROM fetch_log").fetchone()[0])
    except sqlite3.Error:
        return 0


def _urls(port: int) -> list[str]:
    hosts = loopback_hosts(HOSTS)
    return [f"http://{hosts[n % HOSTS]}:{port}/synthetic/{n}.xml" for n in range(FEEDS)]


def _opml(port: int) -> str:
    outlines = "".join(
        f'<outline type="rss" text="Synthetic {n}" xmlUrl="{url}"/>' for n, url in enumerate(_urls(port))
    )
    return f'<?xml version="1.0"?><opml version="2.0"><head/><body>{outlines}</body></opml>'


async def _fill_history(url: str, port: int, items: int) -> None:
    """`items` stored items (bench/disk.py's fill) under the loopback feeds, before the process starts."""
    from bench.disk import FEEDS as FILL_FEEDS
    from bench.disk import ITEMS_PER_DAY, Fill, _insert
    from storage.db import Database
    from storage.migrate import upgrade
    from storage.models import Feed, Item, ItemEntity, Story

    await upgrade(url)
    db = Database(url)
    feeds = [{"id": n + 1, "url": url, "title": f"Synthetic {n}"} for n, url in enumerate(_urls(port))]
    await _insert(db, Feed, feeds)
    assert FILL_FEEDS <= FEEDS
    days = 730
    fill = Fill(days, items / (ITEMS_PER_DAY * days), datetime.now(UTC))
    for stories, rows, tags in fill.items():
        await _insert(db, Story, stories)
        await _insert(db, Item, rows)
        await _insert(db, ItemEntity, tags)
    await db.dispose()


def _point_feeds_at(database: Path, port: int) -> None:
    """A cached fill's feeds, moved to this run's feed server (their URLs carry its port)."""
    with contextlib.closing(sqlite3.connect(database)) as connection, connection:
        connection.executemany(
            "UPDATE feeds SET url = ? WHERE id = ?", [(url, n + 1) for n, url in enumerate(_urls(port))]
        )


def _copied(cache: Path, database: Path) -> bool:
    if not cache.exists():
        return False
    shutil.copyfile(cache, database)
    return True


async def _prepare_history(database: Path, port: int, history: int, cache: Path | None) -> None:
    """`history` stored items in `database`: a copy of `cache` when it holds them, else filled (and kept
    in `cache` when named, for the next run: a million items take minutes to fill)."""
    if cache is not None and _copied(cache, database):
        _point_feeds_at(database, port)
        return
    await _fill_history(f"sqlite+aiosqlite:///{database}", port, history)
    if cache is not None:
        with contextlib.closing(sqlite3.connect(database)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(database, cache)


def _newest_revision(root: Path) -> str:
    """The newest migration of the tree at `root` (the revision ids are the files' numbered prefixes)."""
    return max(path.name.split("_")[0] for path in (root / "storage/migrations/versions").glob("0*.py"))


def _downgrade(url: str, revision: str) -> None:
    from alembic import command

    from storage.migrate import alembic_config

    command.downgrade(alembic_config(url), revision)


async def _run_side(side: Side, port: int, history: int, rounds: int, cache: Path | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        database = workdir / "bw.db"
        url = f"sqlite+aiosqlite:///{database}"
        (workdir / "feeds.opml").write_text(_opml(port), encoding="utf-8")
        if history:
            await _prepare_history(database, port, history, cache)
            if side.root != ROOT:
                # the fill is at this tree's schema; the older code refuses a revision it does not know
                await asyncio.to_thread(_downgrade, url, _newest_revision(side.root))
        async with BotApiEmulator(enforce_limits=False) as telegram:
            env = borderwatch_env(
                url,
                workdir,
                feeds=workdir / "feeds.opml",
                allow_private_urls="true",
                poll_interval=POLL_INTERVAL,
                telegram_token=telegram.token,
                telegram_api_url=telegram.base_url,
            )
            env["PYTHONPATH"] = str(side.root)
            env["BORDERWATCH_ENTITIES"] = str(side.root / "config" / "entities.yaml")
            with (workdir / "output.log").open("wb") as output:
                process = await start(["run"], env, side.root, output=output)
                try:
                    await _rounds(side, process.pid, database, port, rounds)
                finally:
                    await terminate(process)


async def _rounds(side: Side, pid: int, database: Path, port: int, rounds: int) -> None:
    deadline = time.monotonic() + 120 * rounds
    async with httpx.AsyncClient(trust_env=False) as client:
        for round_number in range(1, rounds + 1):
            while _fetches(database) < round_number * FEEDS:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{side.name}: round {round_number} did not finish")
                await asyncio.sleep(0.5)
            side.after_rounds.append(_status(pid, "VmRSS"))
            await client.post(f"http://127.0.0.1:{port}/_bump")
    side.peak = _status(pid, "VmHWM")
    side.breakdown = _breakdown(pid)
    side.workers = [_status(child, "VmHWM") for child in _children(pid)]


def _export(ref: str, into: Path) -> Path | None:
    """The tree of `ref` in `into`, or None when git cannot give it."""
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True)
    if archive.returncode != 0:
        return None
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def _start_server() -> tuple[subprocess.Popen[str], int]:
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.feedserver", "--synthetic", str(FEEDS), "--hosts", str(HOSTS)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert server.stdout is not None
    return server, int(server.stdout.readline())


def _report(sides: list[Side]) -> None:
    for side in sides:
        rounds = ", ".join(f"{mb:.0f}" for mb in side.after_rounds)
        workers = ", ".join(f"{mb:.0f}" for mb in side.workers) or "none seen"
        print(
            f"{side.name:>9}: imports alone {side.imports:.0f} MB; RSS after each round {rounds} MB; "
            f"peak {side.peak:.0f} MB; parser workers' peaks {workers} MB"
        )
        kinds = ", ".join(f"{kind} {mb:.0f}" for kind, mb in side.breakdown.items())
        print(f"{'':>9}  after the last round: {kinds} MB")
    if len(sides) == 2:
        ours, base = sides[0], sides[1]
        print(
            f"peak RSS of the main process: {ours.peak:.0f} MB vs {base.peak:.0f} MB before issue 19: "
            f"{ours.peak / base.peak:.2f}x; after the last round {ours.after_rounds[-1]:.0f} vs "
            f"{base.after_rounds[-1]:.0f} MB: {ours.after_rounds[-1] / base.after_rounds[-1]:.2f}x "
            f"(goal: under {GOAL_MB} MB after several rounds)"
        )


async def _run(rounds: int, history: int, baseline: bool, cache: Path | None) -> None:
    sides = [Side("now", ROOT)]
    with tempfile.TemporaryDirectory() as folder:
        if baseline:
            exported = _export(BASELINE_REF, Path(folder))
            if exported is None:
                print(f"baseline skipped: git archive {BASELINE_REF} failed")
            else:
                sides.append(Side("baseline", exported))
        server, port = _start_server()
        try:
            for side in sides:
                side.imports = _imports_mb(side.root)
                print(
                    f"{side.name}: {FEEDS} feeds, {rounds} rounds, {history:,} stored items ...", flush=True
                )
                await _run_side(side, port, history, rounds, cache)
        finally:
            assert server.stdin is not None
            server.stdin.close()
            server.wait()
    _report(sides)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--history", type=int, default=0, help="stored items before the start (default 0)")
    parser.add_argument("--no-baseline", action="store_true", help="only this tree")
    parser.add_argument(
        "--history-cache",
        type=Path,
        help="SQLite file holding the --history fill: copied when it exists, else written after the fill",
    )
    args = parser.parse_args(argv if argv is not None else sys.argv[1:] if __name__ == "__main__" else [])
    asyncio.run(_run(args.rounds, args.history, not args.no_baseline, args.history_cache))


if __name__ == "__main__":
    main()
