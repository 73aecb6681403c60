"""Polling 1,000 feeds of 50 items on a loopback server, each figure next to a baseline measured in this run.

1. A round where nothing changed (every feed answers 304) against fetching the same feeds one after another:
   the same conditional GETs, so the same 304s, on keep-alive connections (goal: <= 5 s and >= 20x faster).
   The round's time is the median of five such rounds (the fastest and slowest are printed too).
   Plain GETs of the whole bodies one after another are printed too; they are slower, so not the baseline.
2. A round where every feed changed (one new item each) against `feedparser.parse` with default options on
   the same bodies one after another in this process (goal: <= 0.6x that time). As in a real feed, the new
   item is added on top and every older item keeps its bytes, date included.
3. Peak memory (high-water RSS) of this process and of each parser worker process.

The server runs in its own process on 25 loopback addresses (so the two-per-host limit models 25 sites) and
waits LATENCY seconds before each answer, standing in for the round trip to a real news site; the baselines
pay the same latency per request from the same server. 20 ms is short for a real site (tens to hundreds of
ms), which favours the one-after-another baseline: the ratio only grows with the latency. The database is a
SQLite file, the classifier is the shipped gazetteer's, the settings are the defaults.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import httpx

from feeds.parse import ParserPool

FEEDS = int(os.environ.get("BENCH_POLL_FEEDS", "1000"))
ITEMS = 50
HOSTS = 25
LATENCY = float(os.environ.get("BENCH_POLL_LATENCY", "0.02"))
NOT_MODIFIED_ROUNDS = 5


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


def _sequential_fetch(urls: list[str]) -> tuple[float, list[bytes], list[str]]:
    bodies, etags = [], []
    started = time.perf_counter()
    with httpx.Client(trust_env=False) as client:
        for url in urls:
            response = client.get(url)
            bodies.append(response.content)
            etags.append(response.headers["etag"])
    return time.perf_counter() - started, bodies, etags


def _sequential_conditional(urls: list[str], etags: list[str]) -> float:
    """The same conditional GETs the pipeline sends in its nothing-changed round, one after another."""
    started = time.perf_counter()
    with httpx.Client(trust_env=False) as client:
        for url, etag in zip(urls, etags, strict=True):
            response = client.get(url, headers={"If-None-Match": etag})
            assert response.status_code == 304, response.status_code
    return time.perf_counter() - started


def _worker_peaks_mb(pool: ParserPool) -> list[float]:
    """High-water RSS of each parser worker process (Linux /proc), read before the pool stops."""
    peaks = []
    for pid in pool.worker_pids():
        with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
    return peaks


def _sequential_feedparser(bodies: list[bytes]) -> float:
    started = time.perf_counter()
    for body in bodies:
        feedparser.parse(body)
    return time.perf_counter() - started


async def _pipeline(db_url: str, urls: list[str], port: int) -> tuple[dict[str, float], list[float]]:
    from feeds.feed_commands import default_classifier
    from feeds.service import IngestService
    from storage.db import Database
    from storage.feeds import NewFeed, add_feeds
    from storage.migrate import upgrade
    from storage.settings import Settings

    settings = Settings(database_url=db_url, allow_private_urls=True, fetch_timeout=60)
    await upgrade(db_url)
    db = Database(db_url)
    figures: dict[str, float] = {}
    await add_feeds(db, [NewFeed(url) for url in urls], now=datetime.now(UTC), interval_seconds=60)
    classify = await default_classifier(db, settings)
    parser = ParserPool()
    async with IngestService(db, settings, classify, parser=parser) as service:
        started = time.perf_counter()
        first = await service.poll_all_once()
        figures["history"] = time.perf_counter() - started
        figures["history_items"] = len(first.new_items)
        figures["history_errors"] = len(first.errors)

        # one round of 304s lasts about a second, so the machine's other work shows: the median of a few
        # rounds, with the fastest and slowest printed beside it
        times = []
        for _ in range(NOT_MODIFIED_ROUNDS):
            started = time.perf_counter()
            unchanged = await service.poll_all_once()
            times.append(time.perf_counter() - started)
        figures["not_modified"] = statistics.median(times)
        figures["not_modified_min"], figures["not_modified_max"] = min(times), max(times)
        figures["not_modified_count"] = sum(r.outcome == "not_modified" for r in unchanged.results)

        await asyncio.to_thread(httpx.post, f"http://127.0.0.1:{port}/_bump", trust_env=False)
        started = time.perf_counter()
        changed = await service.poll_all_once()
        figures["changed"] = time.perf_counter() - started
        figures["changed_items"] = len(changed.new_items)
        figures["changed_errors"] = len(changed.errors)
        worker_peaks = _worker_peaks_mb(parser)
    parser.close()
    await db.dispose()
    return figures, worker_peaks


def main() -> None:
    """Run the bench and print each figure with its baseline and the ratio."""
    server, port = _start_server()
    try:
        urls = _urls(port)
        with tempfile.TemporaryDirectory() as folder:
            db_url = f"sqlite+aiosqlite:///{os.path.join(folder, 'bench.db')}"
            figures, worker_peaks = asyncio.run(_pipeline(db_url, urls, port))
        own_peak = _peak_mb(resource.RUSAGE_SELF)
        # baselines on the server's current state (the changed round's bodies)
        plain_gets, bodies, etags = _sequential_fetch(urls)
        sequential = _sequential_conditional(urls, etags)
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
    spread = f"{figures['not_modified_min']:.2f}-{figures['not_modified_max']:.2f} s"
    print(
        f"nothing changed ({int(figures['not_modified_count'])} x 304, median of "
        f"{NOT_MODIFIED_ROUNDS} rounds of {spread}): {figures['not_modified']:.2f} s"
        f"  vs  the same conditional GETs one after another {sequential:.2f} s  ->  {ratio:.1f}x faster "
        f"(goal <= 5 s and >= 20x; plain GETs one after another: {plain_gets:.2f} s)"
    )
    ratio = figures["changed"] / parse_baseline
    print(
        f"every feed changed ({int(figures['changed_items'])} new items, {int(figures['changed_errors'])} "
        f"errors): {figures['changed']:.2f} s  vs  feedparser.parse one after another {parse_baseline:.2f} s"
        f"  ->  {ratio:.2f}x the time (goal <= 0.6x)"
    )
    # parser workers are forked by the forkserver, not by us, so RUSAGE_CHILDREN cannot see them: /proc can
    workers = " + ".join(f"{peak:.0f}" for peak in worker_peaks) or "?"
    total = own_peak + sum(worker_peaks)
    print(f"peak memory: this process {own_peak:.0f} MB, parser workers {workers} MB (sum {total:.0f} MB)")


if __name__ == "__main__":
    main()
