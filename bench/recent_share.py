"""The newest tagged items as story candidates, with a flooding feed: what each feed's share of them
(`StoryRules.recent_candidates_per_source`) costs and what it keeps.

One feed posts 500 tagged items every 10 minutes for POLLS polls, after another feed's 20 reports. Measured
on the stored items (SQLite file): the query of a batch's candidates (storage.stories._candidate_items, the
300 newest tagged items of the window whatever their entities) with each feed's share capped at 100,
against the same-run baseline without the cap (the rule before: the newest 300, all of the flood's). Printed:
the query's median time of 5, and how many of the other feed's reports are candidates.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from bench.flood import START, _items
from feeds.gazetteer import load_gazetteer
from feeds.model import FeedEntry, NewItem
from feeds.store import candidate_ranges, store_new_items
from feeds.stories import StoryRules
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Feed
from storage.settings import Settings
from storage.stories import _candidate_items

POLLS = int(os.environ.get("BENCH_RECENT_POLLS", "6"))
_REPORTS = 20


async def _measure(db: Database, end: datetime, recent_per_source: int | None) -> tuple[float, list[int]]:
    rules = StoryRules()
    published = candidate_ranges([end], rules.window)
    times: list[float] = []
    feeds: list[int] = []
    for _ in range(5):
        async with db.transaction() as session:
            started = time.perf_counter()
            found = await _candidate_items(
                session, [], published, recent=rules.recent_candidates, recent_per_source=recent_per_source
            )
            times.append(time.perf_counter() - started)
        feeds = [item.feed_id for item in found]
    return statistics.median(times), feeds


async def _run() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'recent.db'}"
        await upgrade(url)
        db = Database(url)
        try:
            gazetteer = await load_gazetteer(db, Settings(database_url=url))
            async with db.transaction() as session:
                flood = Feed(url="https://flood.example/rss", title="Flood", history_loaded=True)
                other = Feed(url="https://other.example/rss", title="Other", history_loaded=True)
                session.add_all([flood, other])
                await session.flush()
                flood_id, other_id = flood.id, other.id
            reports = []
            for n in range(_REPORTS):
                title = f"Shots fired near Sev Lake, report {n}"
                at = START - timedelta(minutes=n + 1)
                key = hashlib.sha256(title.encode()).hexdigest()
                entry = FeedEntry(key, f"https://other.example/{n}", title, "", "en", at)
                reports.append(NewItem(entry, key, key, at, gazetteer.classifier.classify(title, "", "en")))
            await store_new_items(db, other_id, reports, alert=False, now=START)
            rng = random.Random(1)
            now = START
            for poll in range(POLLS):
                now = START + timedelta(minutes=10 * poll)
                await store_new_items(db, flood_id, _items(gazetteer, poll, now, rng), alert=False, now=now)
            capped, capped_feeds = await _measure(db, now, StoryRules().recent_candidates_per_source)
            uncapped, uncapped_feeds = await _measure(db, now, None)
        finally:
            await db.dispose()
    kept, base_kept = capped_feeds.count(other_id), uncapped_feeds.count(other_id)
    print(
        f"{POLLS * 500} tagged items of one feed in the window, {_REPORTS} of another: the newest-candidates "
        f"query takes {capped * 1000:.1f} ms with each feed's share capped at "
        f"{StoryRules().recent_candidates_per_source} vs {uncapped * 1000:.1f} ms without "
        f"({capped / uncapped:.2f}x); the other feed's reports among the candidates: {kept} vs {base_kept}; "
        f"the flood's: {capped_feeds.count(flood_id)} vs {uncapped_feeds.count(flood_id)}"
    )


def main() -> None:
    asyncio.run(_run())


if __name__ == "__main__":
    main()
