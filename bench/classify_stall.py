"""One hostile feed's poll against everything else in the process: how long the event loop stalls, and how
long a healthy feed's item waits to be stored, while the hostile poll's items are classified.

The real ingest service polls two feeds on the loopback feed server into a SQLite file with the shipped
gazetteer's classifier: a hostile feed publishing ITEMS new items whose summaries repeat a tracked name to the
summary cap (bench/classify_repeats.py: a few hundred ms of classifier work each), and a healthy feed
publishing one ordinary item about the Lachin corridor. Both are polled in one round; a ticker task asks to
wake every TICK seconds and notes the longest it waited beyond that (the event loop's longest stall), and the
healthy feed's poll result notes when its item was stored.

The same-run baseline is the same round with the items classified on the event loop, one item between two
turns of the loop (feeds.ingest before classification moved to a worker thread).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

from feeds.gazetteer import load_gazetteer
from feeds.ingest import FeedPoller, PollResult
from feeds.limits import MAX_SUMMARY_CHARS
from feeds.model import NewItem
from feeds.service import IngestService
from storage.db import Database
from storage.feeds import add_feed
from storage.migrate import upgrade
from storage.settings import Settings
from tests.clock import Clock
from tests.feedserver import FeedServer, rss, running

ITEMS = int(os.environ.get("BENCH_CLASSIFY_STALL_ITEMS", "24"))
TICK = 0.005
START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
# names whose repetition costs most (bench/classify_repeats.py), in the language that makes them count
NAMES = [("Laçın yolu", "az"), ("Шуши", "ru"), ("дорога Ханкенди-Лачин", "ru"), ("ՄԱԿ", "hy")]
HEALTHY_TITLE = "Lachin corridor closed to traffic, officials say"


@dataclass(frozen=True, slots=True)
class Side:
    longest_stall: float
    healthy_stored: float
    round_seconds: float
    hostile_stored: int


def _hostile_feed() -> str:
    items = []
    for n in range(ITEMS):
        name, _language = NAMES[n % len(NAMES)]
        summary = ((name + " ") * (MAX_SUMMARY_CHARS // (len(name) + 1)))[:MAX_SUMMARY_CHARS]
        items.append((f"hostile-{n}", f"{name} {n}", f"http://hostile.example/{n}", summary))
    stamp = int((START + timedelta(minutes=1)).timestamp())
    return rss("Hostile Wire", items, language=None, dates=[stamp - n for n in range(ITEMS)])


async def _classified_on_the_loop(
    self: FeedPoller, items: Sequence[NewItem], feed_language: str | None
) -> list[NewItem]:
    """The baseline: each item classified on the event loop, the loop turning between two items."""
    classified = []
    for item in items:
        classified.append(self._classified(item, feed_language))
        await asyncio.sleep(0)
    return classified


async def _side(server: FeedServer, folder: Path, label: str) -> Side:
    url = f"sqlite+aiosqlite:///{folder / (label + '.db')}"
    await upgrade(url)
    db = Database(url)
    try:
        settings = Settings(database_url=url, allow_private_urls=True, fetch_timeout=60)
        gazetteer = await load_gazetteer(db, settings)
        hostile_path, healthy_path = f"/{label}/hostile.xml", f"/{label}/healthy.xml"
        hostile_url = server.add(hostile_path, rss("Hostile Wire", []))
        healthy_url = server.add(healthy_path, rss("Border Wire", []))
        await add_feed(db, hostile_url, now=START)
        await add_feed(db, healthy_url, now=START)
        clock = Clock(START)
        healthy_stored_at: list[float] = []

        def on_result(result: PollResult) -> None:
            if result.feed.url == healthy_url and result.new_items:
                healthy_stored_at.append(time.perf_counter())

        async with IngestService(
            db, settings, gazetteer.classifier.classify, clock=clock, on_result=on_result
        ) as ingest:
            await ingest.poll_all_once()  # history
            server.add(hostile_path, _hostile_feed())
            server.publish(
                healthy_path,
                "Border Wire",
                ("w1", HEALTHY_TITLE, "http://wire.example/1", "Closed."),
                START + timedelta(minutes=1),
            )
            clock.now += timedelta(minutes=2)
            longest = 0.0
            started = time.perf_counter()
            polling = asyncio.ensure_future(ingest.poll_all_once())
            last = time.perf_counter()
            while not polling.done():
                await asyncio.sleep(TICK)
                at = time.perf_counter()
                longest, last = max(longest, at - last - TICK), at
            report = polling.result()
            took = time.perf_counter() - started
        hostile = sum(len(r.new_items) for r in report.results if r.feed.url == hostile_url)
        if not healthy_stored_at or hostile != ITEMS:
            raise SystemExit(f"{label}: the round did not store every item ({hostile} hostile)")
        return Side(longest, healthy_stored_at[0] - started, took, hostile)
    finally:
        await db.dispose()


async def _run() -> tuple[Side, Side]:
    with running() as server, tempfile.TemporaryDirectory() as folder:
        # both sides start with the same warm caches: one round first, not counted
        await _side(server, Path(folder), "warmup")
        with mock.patch.object(FeedPoller, "_classified_items", _classified_on_the_loop):
            baseline = await _side(server, Path(folder), "baseline")
        after = await _side(server, Path(folder), "thread")
    return baseline, after


def main() -> None:
    baseline, after = asyncio.run(_run())
    for label, side in (("baseline (classified on the event loop)", baseline), ("worker thread", after)):
        print(
            f"{label}: {side.hostile_stored} hostile items in {side.round_seconds:.2f} s; event loop stalled "
            f"at most {side.longest_stall * 1000:.0f} ms; healthy item stored after "
            f"{side.healthy_stored * 1000:.0f} ms",
            flush=True,
        )
    print(
        f"longest stall {after.longest_stall * 1000:.0f} ms vs {baseline.longest_stall * 1000:.0f} ms "
        f"({after.longest_stall / baseline.longest_stall:.3f}x); healthy item stored after "
        f"{after.healthy_stored * 1000:.0f} ms vs {baseline.healthy_stored * 1000:.0f} ms "
        f"({after.healthy_stored / baseline.healthy_stored:.3f}x); "
        f"whole round {after.round_seconds:.2f} s vs {baseline.round_seconds:.2f} s "
        f"({after.round_seconds / baseline.round_seconds:.2f}x)"
    )


if __name__ == "__main__":
    main()
