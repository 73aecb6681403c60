"""One poll bringing many P1/P2 stories: how long entering their crisis mode holds the ingest's writes.

Crisis mode is entered after a poll's items are stored, under the poller's exclusive hold on its batched
writes (feeds.service): every other feed's items wait until it is done. The database holds a history of
FEEDS feeds with ITEMS tagged items each (entities drawn from ENTITIES); the poll brings STORIES new P2
stories, each on one or two of those entities.

The same-run baseline enters the crises as feeds.service did before: one transaction, and one look over the
tagged history for the feeds reporting on the story's entities, per story (storage.crises.enter_crisis in a
loop). Both sides start from copies of the same database file. `BENCH_CRISIS_DATABASE_URL` (a PostgreSQL URL
of an empty database) runs the PostgreSQL side too; each side then starts from a freshly built history.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select, update

from feeds.model import Classification, EntityMatch, FeedEntry, NewItem
from feeds.schedule import tightened
from feeds.store import FeedItems, store_new_items_of_feeds
from storage.crises import CrisisStart, enter_crises, enter_crisis
from storage.db import Database
from storage.feeds import FeedSchedule, add_feed
from storage.migrate import upgrade
from storage.models import Crisis, Feed, Story

FEEDS = int(os.environ.get("BENCH_CRISIS_FEEDS", "40"))
ITEMS = int(os.environ.get("BENCH_CRISIS_ITEMS", "25"))
ENTITIES = [f"place_{n}" for n in range(12)]
STORIES = int(os.environ.get("BENCH_CRISIS_STORIES", "300"))
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _sooner(kind: str, schedule: FeedSchedule) -> datetime | None:
    return tightened(schedule, NOW, 10)


async def _history(db: Database) -> list[CrisisStart]:
    """FEEDS feeds with ITEMS tagged items each; the crises of STORIES of their stories."""
    polls = []
    for f in range(FEEDS):
        feed, _ = await add_feed(db, f"https://feed{f}.example/rss", now=NOW)
        items = []
        for n in range(ITEMS):
            entity = ENTITIES[(f * 7 + n) % len(ENTITIES)]
            key = f"{f:08d}{n:056d}"
            items.append(
                NewItem(
                    FeedEntry(f"g{f}-{n}", None, f"Report {f}-{n} on {entity}", "", "en", None),
                    key,
                    key,
                    NOW - timedelta(days=2, minutes=n),
                    Classification((EntityMatch(entity, ()),), "P4"),
                )
            )
        polls.append(FeedItems(feed.id, items, alert=False, now=NOW))
    for start in range(0, len(polls), 20):
        await store_new_items_of_feeds(db, polls[start : start + 20])
    async with db.transaction() as session:
        story_ids = list(await session.scalars(select(Story.id).order_by(Story.id).limit(STORIES)))
    return [
        CrisisStart(
            story_id,
            "P2",
            tuple(dict.fromkeys([ENTITIES[n % len(ENTITIES)], ENTITIES[(n * 5) % len(ENTITIES)]])),
            NOW + HOUR,
        )
        for n, story_id in enumerate(story_ids)
    ]


async def _one_by_one(db: Database, crises: list[CrisisStart]) -> None:
    for crisis in crises:
        await enter_crisis(db, crisis, NOW, sooner=_sooner)


async def _all_at_once(db: Database, crises: list[CrisisStart]) -> None:
    await enter_crises(db, crises, NOW, sooner=_sooner)


Enter = Callable[[Database, list[CrisisStart]], Awaitable[None]]


async def _timed(url: str, crises: list[CrisisStart], enter: Enter) -> float:
    db = Database(url)
    try:
        started = time.perf_counter()
        await enter(db, crises)
        return time.perf_counter() - started
    finally:
        await db.dispose()


async def _sqlite(folder: Path) -> tuple[float, float]:
    template = folder / "history.db"
    url = f"sqlite+aiosqlite:///{template}"
    await upgrade(url)
    db = Database(url)
    try:
        crises = await _history(db)
    finally:
        await db.dispose()
    seconds = []
    for label, enter in (("baseline", _one_by_one), ("batched", _all_at_once)):
        copy = folder / f"{label}.db"
        shutil.copyfile(template, copy)
        seconds.append(await _timed(f"sqlite+aiosqlite:///{copy}", crises, enter))
    return seconds[0], seconds[1]


async def _postgres(url: str) -> tuple[float, float]:
    await upgrade(url)
    db = Database(url)
    try:
        crises = await _history(db)
        seconds = []
        for enter in (_one_by_one, _all_at_once):
            async with db.transaction() as session:  # both sides start from the same state
                await session.execute(delete(Crisis))
                await session.execute(update(Feed).values(crisis_until=None, next_poll_at=NOW + HOUR))
            seconds.append(await _timed(url, crises, enter))
    finally:
        await db.dispose()
    return seconds[0], seconds[1]


def _report(backend: str, baseline: float, batched: float) -> None:
    print(
        f"{backend}: {STORIES} crises over {FEEDS} feeds x {ITEMS} tagged items: other feeds' writes "
        f"held {batched * 1000:.0f} ms vs {baseline * 1000:.0f} ms one story at a time "
        f"({batched / baseline:.3f}x)",
        flush=True,
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        _report("SQLite", *asyncio.run(_sqlite(Path(folder))))
    postgres = os.environ.get("BENCH_CRISIS_DATABASE_URL")
    if postgres:
        _report("PostgreSQL", *asyncio.run(_postgres(postgres)))


if __name__ == "__main__":
    main()
