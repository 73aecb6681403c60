"""Polling 1,000 feeds of 50 items on a loopback server, each figure next to a baseline measured in this run.

1. A round where nothing changed (every feed answers 304) against fetching the same feeds one after another
   with plain GETs on one keep-alive connection (goal: <= 5 s and >= 20x faster).
2. A round where every feed changed (one new item each) against `feedparser.parse` with default options on
   the same bodies one after another in this process (goal: <= 0.6x that time).
3. Peak memory of this process and of the parser worker processes.

The server runs in its own process on 25 loopback addresses (so the two-per-host limit models 25 sites) and
waits LATENCY seconds before each answer, standing in for the round trip to a real news site; the baseline
pays the same latency. The database is a SQLite file, the classifier is the shipped gazetteer's.
"""

from __future__ import annotations

import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import httpx

FEEDS = int(os.environ.get("BENCH_POLL_FEEDS", "1000"))
ITEMS = 50
HOSTS = 25
LATENCY = float(os.environ.get("BENCH_POLL_LATENCY", "0.02"))


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _start_server() -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.feedserver",
            "--synthetic",
            str(FEEDS),
            "--items",
            str(ITEMS),
            "--hosts",
            str(HOSTS),
            "--latency",
            str(LATENCY),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert process.stdout is not None
    port = int(process.stdout.readline())
    return process, port


def _urls(port: int) -> list[str]:
    from tests.feedserver import loopback_hosts

    hosts = loopback_hosts(HOSTS)
    return [f"http://{hosts[n % HOSTS]}:{port}/synthetic/{n}.xml" for n in range(FEEDS)]


def _sequential_fetch(urls: list[str]) -> tuple[float, list[bytes]]:
    bodies = []
    started = time.perf_counter()
    with httpx.Client(trust_env=False) as client:
        for url in urls:
            bodies.append(client.get(url).content)
    return time.perf_counter() - started, bodies


def _sequential_feedparser(bodies: list[bytes]) -> float:
    started = time.perf_counter()
    for body in bodies:
        feedparser.parse(body)
    return time.perf_counter() - started


async def _pipeline(db_url: str, urls: list[str], port: int) -> dict[str, float]:
    from feeds.feed_commands import default_classifier
    from feeds.service import IngestService
    from storage.db import Database
    from storage.feeds import add_feed
    from storage.migrate import upgrade
    from storage.settings import Settings

    settings = Settings(database_url=db_url, allow_private_urls=True, fetch_timeout=60)
    await upgrade(db_url)
    db = Database(db_url)
    figures: dict[str, float] = {}
    async with db.transaction() as session:
        for url in urls:
            await add_feed(session, url, now=datetime.now(UTC))
    classify = await default_classifier(db, settings)
    async with IngestService(db, settings, classify) as service:
        started = time.perf_counter()
        first = await service.poll_all_once()
        figures["history"] = time.perf_counter() - started
        figures["history_items"] = len(first.new_items)
        figures["history_errors"] = len(first.errors)

        started = time.perf_counter()
        unchanged = await service.poll_all_once()
        figures["not_modified"] = time.perf_counter() - started
        figures["not_modified_count"] = sum(r.outcome == "not_modified" for r in unchanged.results)

        await asyncio.to_thread(httpx.post, f"http://127.0.0.1:{port}/_bump", trust_env=False)
        started = time.perf_counter()
        changed = await service.poll_all_once()
        figures["changed"] = time.perf_counter() - started
        figures["changed_items"] = len(changed.new_items)
        figures["changed_errors"] = len(changed.errors)
    await db.dispose()
    return figures


def main() -> None:
    """Run the bench and print each figure with its baseline and the ratio."""
    server, port = _start_server()
    try:
        urls = _urls(port)
        with tempfile.TemporaryDirectory() as folder:
            db_url = f"sqlite+aiosqlite:///{os.path.join(folder, 'bench.db')}"
            figures = asyncio.run(_pipeline(db_url, urls, port))
        own_peak = _peak_mb(resource.RUSAGE_SELF)
        # baselines on the server's current state (the changed round's bodies)
        sequential, bodies = _sequential_fetch(urls)
        parse_baseline = _sequential_feedparser(bodies)
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(10)

    print(f"{FEEDS} feeds x {ITEMS} items, {HOSTS} loopback hosts, {LATENCY * 1000:.0f} ms server latency")
    print(
        f"first round (history, {int(figures['history_items'])} items stored, "
        f"{int(figures['history_errors'])} errors): {figures['history']:.2f} s"
    )
    ratio = sequential / figures["not_modified"]
    print(
        f"nothing changed ({int(figures['not_modified_count'])} x 304): {figures['not_modified']:.2f} s  vs  "
        f"sequential GETs {sequential:.2f} s  ->  {ratio:.1f}x faster (goal <= 5 s and >= 20x)"
    )
    ratio = figures["changed"] / parse_baseline
    print(
        f"every feed changed ({int(figures['changed_items'])} new items, {int(figures['changed_errors'])} "
        f"errors): {figures['changed']:.2f} s  vs  feedparser.parse one after another {parse_baseline:.2f} s"
        f"  ->  {ratio:.2f}x the time (goal <= 0.6x)"
    )
    # parser workers are forked by the forkserver, not by us, so RUSAGE_CHILDREN cannot see them
    print(f"peak memory: this process {own_peak:.0f} MB (parser worker processes not included)")


if __name__ == "__main__":
    main()
