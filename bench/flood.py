"""One feed posting 500 new, distinct items every poll about the same places, polled POLLS times.

Each poll's items are stored (feeds.store.store_new_items, the shipped gazetteer's classifier, the default
story rules) in a SQLite file; printed per poll: the time the store took, the longest the event loop was held
in it (a task beside it notes the gaps between its turns) and the candidates the batch was compared with. The
same-run baseline is the same polls with every tagged item of the window a candidate
(`candidates_per_source=None`, the rule before the bound): there the cost grows with every poll.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import tempfile
import time
from collections.abc import Awaitable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from feeds.gazetteer import Gazetteer, load_gazetteer
from feeds.model import FeedEntry, NewItem
from feeds.store import store_new_items
from feeds.stories import StoryRules
from storage.db import Database
from storage.ingest import IngestWrite, StoryContext
from storage.migrate import upgrade
from storage.models import Feed
from storage.settings import Settings

T = TypeVar("T")
POLLS = int(os.environ.get("BENCH_FLOOD_POLLS", "10"))
PER_POLL = 500
START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PLACES = ("Sev Lake", "Jermuk", "Lachin corridor", "Syunik", "Nakhchivan")
WORDS = ("road", "patrol", "convoy", "notice", "drill", "fence", "post", "village", "farmers", "water")


def _items(gazetteer: Gazetteer, poll: int, now: datetime, rng: random.Random) -> list[NewItem]:
    items = []
    for n in range(PER_POLL):
        title = f"{rng.choice(PLACES)}: {' '.join(rng.sample(WORDS, 6))} {poll}-{n}"
        published = now - timedelta(seconds=n)
        key = hashlib.sha256(title.encode()).hexdigest()
        entry = FeedEntry(key, f"https://flood.example/{key[:16]}", title, "", "en", published)
        items.append(NewItem(entry, key, key, published, gazetteer.classifier.classify(title, "", "en")))
    return items


async def _timed(work: Awaitable[T]) -> tuple[T, float, float]:
    """`work`'s result, the seconds it took and the longest the event loop was held meanwhile."""
    held = 0.0
    task = asyncio.ensure_future(work)
    started = last = time.perf_counter()
    while not task.done():
        await asyncio.sleep(0)
        at = time.perf_counter()
        held, last = max(held, at - last), at
    return task.result(), time.perf_counter() - started, held


async def _run(rules: StoryRules, label: str) -> tuple[float, float, int]:
    """The last poll's store time, the longest the event loop was held over all polls, and the last
    poll's candidates."""
    candidates: list[int] = []
    last_took = longest_held = 0.0
    real_context = IngestWrite.story_context

    async def counted(self: IngestWrite, *args: Any, **kwargs: Any) -> StoryContext:
        context = await real_context(self, *args, **kwargs)
        candidates.append(len(context.candidates))
        return context

    IngestWrite.story_context = counted  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'flood.db'}"
            await upgrade(url)
            db = Database(url)
            try:
                gazetteer = await load_gazetteer(db, Settings(database_url=url))
                async with db.transaction() as session:
                    feed = Feed(url="https://flood.example/rss", title="Flood", history_loaded=True)
                    session.add(feed)
                    await session.flush()
                    feed_id = feed.id
                rng = random.Random(1)
                for poll in range(POLLS):
                    now = START + timedelta(minutes=10 * poll)
                    items = _items(gazetteer, poll, now, rng)
                    stored, took, held = await _timed(
                        store_new_items(db, feed_id, items, alert=True, now=now, stories=rules)
                    )
                    last_took, longest_held = took, max(longest_held, held)
                    print(
                        f"{label} poll {poll + 1}: {len(stored)} stored in {took:.2f} s, "
                        f"event loop held at most {held:.2f} s, {candidates[-1]} candidates",
                        flush=True,
                    )
            finally:
                await db.dispose()
    finally:
        IngestWrite.story_context = real_context  # type: ignore[method-assign]
    return last_took, longest_held, candidates[-1]


def main() -> None:
    took, held, candidates = asyncio.run(_run(StoryRules(), "bounded (default rules)"))
    unbounded = replace(StoryRules(), candidates_per_source=None)
    base_took, base_held, base_candidates = asyncio.run(_run(unbounded, "baseline (no per-feed bound)"))
    print(
        f"after {POLLS} polls: last store {took:.2f} s vs baseline {base_took:.2f} s "
        f"({took / base_took:.2f}x); event loop held at most {held:.2f} s vs {base_held:.2f} s "
        f"({held / base_held:.2f}x); candidates {candidates} vs {base_candidates} "
        f"({candidates / base_candidates:.2f}x)"
    )


if __name__ == "__main__":
    main()
