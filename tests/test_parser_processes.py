"""Parser worker processes: they never outlive the borderwatch process that started them, even after kill -9,
and feeds whose parses run long never take every one of them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from feeds.errors import ParseError
from feeds.limits import ParseLimits
from feeds.parse import ParserPool
from tests.feedserver import attribute_bomb, rss

CHILD = """
import asyncio, sys
from feeds.parse import ParserPool

FEED = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b'<item><title>a</title></item></channel></rss>')

async def main():
    pool = ParserPool(workers=2)
    await pool.parse(FEED, {}, "http://example.com/feed")
    print(" ".join(str(pid) for pid in pool.worker_pids()), flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rpartition(b")")[2].split()[0]
    except FileNotFoundError:
        return False
    return state != b"Z"


def test_workers_exit_when_their_owner_is_killed() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        assert child.stdout is not None
        workers = [int(pid) for pid in child.stdout.readline().split()]
        assert workers and all(_alive(pid) for pid in workers)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        deadline = time.monotonic() + 15
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(pid) for pid in workers), f"parser workers {workers} outlived their owner"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


async def test_feeds_whose_parses_run_long_leave_a_worker_to_a_healthy_feed() -> None:
    # the attribute cap lifted: the bombs stand for documents that take close to (here past) the deadline
    limits = ParseLimits(max_attributes=10**9, timeout_seconds=3.0, timeout_seconds_per_mib=0.0)
    slow = [f"http://example.com/slow-{n}" for n in (1, 2)]
    healthy = rss("Fine", [("g1", "Report", "http://example.com/1", "text")]).encode()
    finished: list[str] = []

    async def parse(body: bytes, url: str) -> None:
        with contextlib.suppress(ParseError):
            await pool.parse(body, {}, url)
        finished.append(url)

    async with ParserPool(workers=2, limits=limits) as pool:
        # their first parses run out of time: from then on these feeds are known to be slow
        await asyncio.gather(*(parse(attribute_bomb(), url) for url in slow))
        assert finished == slow or finished == slow[::-1]
        finished.clear()
        # both change (a changed body is parsed again) and are due together, the healthy feed just after
        slow_polls = [asyncio.create_task(parse(attribute_bomb(130_001), url)) for url in slow]
        await asyncio.sleep(0)
        await parse(healthy, "http://example.com/healthy")
        await asyncio.gather(*slow_polls)
    # before: the two slow parses held both workers, and the healthy feed waited for one to be stopped
    assert finished[0] == "http://example.com/healthy", finished
    assert sorted(finished[1:]) == slow
