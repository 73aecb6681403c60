"""A poll the database cannot take (another process holds SQLite's write lock past the busy timeout, a
PostgreSQL restart, its connections used up) is not the feed's failure: the feed is polled again as soon as
the database answers, and what it published is stored then."""

from __future__ import annotations

import asyncio
import random
import shutil
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

import storage.db
from feeds.model import Classification
from feeds.parse import ParserPool
from feeds.service import IngestService
from storage.db import Database, pool_capacity, time_limit
from storage.deliveries import claim_due
from storage.feeds import add_feed, claim_due_feeds, get_feed, next_due_at
from storage.models import Feed, Item
from storage.settings import Settings
from tests.feedserver import FeedServer, rss
from tests.harness import hold_sqlite_write_lock
from tests.reliability.processes import seed_fan_out

SETTINGS = Settings(allow_private_urls=True, fetch_timeout=5, connect_timeout=2, poll_interval=60)
LATENCY = 0.6  # seconds the feed server takes to answer: the write lock is taken meanwhile


def _untagged(title: str, summary: str, language: str | None) -> Classification:
    return Classification()


async def test_a_poll_the_locked_database_could_not_store_is_polled_again_once_it_answers(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the busy timeout (30 s in production) made short, so the lock outlasts it within a short test
    monkeypatch.setattr(storage.db, "_BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "borderwatch.db"
    shutil.copyfile(sqlite_template, path)
    db = Database(f"sqlite+aiosqlite:///{path}")
    parser = ParserPool(workers=1)
    with FeedServer(latency=LATENCY) as server:
        first = [("a1", "First report", "http://example.com/a1", "text")]
        url = server.add("/news.xml", rss("Wire", first))
        feed, _ = await add_feed(db, url, now=datetime.now(UTC))
        ingest = IngestService(db, SETTINGS, _untagged, rng=random.Random(0), parser=parser, tick_seconds=0.1)
        try:
            await ingest.start()
            deadline = time.monotonic() + 30
            # the database is polled, not watched: no event to wait for
            while not (await get_feed(db, feed.id) or feed).history_loaded and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
            # news, and the feed due now: its poll is in flight when another process takes the write lock
            fresh = [("a2", "Second report", "http://example.com/a2", "text"), *first]
            server.add("/news.xml", rss("Wire", fresh, dates=[1_780_000_600, 1_780_000_000]))
            requests = len(server.requests("/news.xml"))
            async with db.transaction() as session:
                await session.execute(
                    update(Feed).where(Feed.id == feed.id).values(next_poll_at=datetime.now(UTC))
                )
            while len(server.requests("/news.xml")) == requests:  # noqa: ASYNC110 (the server's thread)
                await asyncio.sleep(0.01)
            taken = threading.Event()
            holder = threading.Thread(target=hold_sqlite_write_lock, args=(path, taken, 2.0))
            holder.start()
            taken.wait(10)
            await asyncio.to_thread(holder.join)
            released_at = time.monotonic()
            stored: list[str] = []
            while time.monotonic() - released_at < 10 and "Second report" not in stored:
                async with db.transaction() as session:
                    stored = list((await session.scalars(select(Item.title))).all())
                await asyncio.sleep(0.2)
            after = await get_feed(db, feed.id)
        finally:
            await ingest.stop()
            parser.close()
            await db.dispose()
    assert "Second report" in stored, "the feed was left leased: not polled again after the lock"
    assert after is not None and after.consecutive_failures == 0 and after.last_error is None


async def test_slow_commands_holding_connections_never_stop_polling_and_delivery(db: Database) -> None:
    """As many slow history commands as the pool has connections (a crisis: every chat asks /search at
    once): polling and delivery still get a connection while they run, and every command is still
    answered once a connection is free."""
    capacity = pool_capacity(db.engine)
    assert capacity is not None
    now = datetime.now(UTC)
    feed, _ = await add_feed(db, "https://agency.example/rss", now=now)
    await seed_fan_out(db, [1, 2, 3], now=now)
    release = asyncio.Event()
    holding = 0

    async def slow_command() -> int:
        nonlocal holding
        with time_limit(60):
            async with db.transaction() as session:
                holding += 1
                value = int(await session.scalar(text("SELECT 1")) or 0)
                await release.wait()
                return value

    commands = [asyncio.create_task(slow_command()) for _ in range(capacity)]
    while holding < capacity // 2:  # noqa: ASYNC110 (counted in the tasks: no event)
        await asyncio.sleep(0.01)
    try:
        # polling's look and claim, and delivery's lease, while every command still holds on
        assert await next_due_at(db, now) is not None
        assert [f.id for f in await claim_due_feeds(db, "worker", now, 10, 60)] == [feed.id]
        claimed = await claim_due(db, now=now, limit=10, owner=None)
        assert sorted(row.chat_id for row in claimed) == [1, 2, 3]
        assert not release.is_set() and not any(task.done() for task in commands)
    finally:
        release.set()
    assert await asyncio.gather(*commands) == [1] * capacity
