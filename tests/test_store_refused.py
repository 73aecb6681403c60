"""A database that takes small writes but refuses a poll's store (a nearly full disk: claiming a feed fits,
storing its items does not) must not make the poller fetch the same feed again and again: the feed waits
longer after each refusal (never longer than its own interval), and its items are stored once the database
takes them again."""

from __future__ import annotations

import asyncio
import contextlib
import random
import sqlite3
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select, text, update

from feeds.model import Classification
from feeds.parse import ParserPool
from feeds.service import IngestService
from storage.db import Database
from storage.feeds import add_feed, get_feed
from storage.models import Feed, Item
from storage.settings import Settings
from tests.conftest import SUMMARY_LINES
from tests.feedserver import FeedServer, rss

SETTINGS = Settings(allow_private_urls=True, fetch_timeout=5, connect_timeout=2, poll_interval=60)
REFUSED_SECONDS = 20.0  # how long the database refuses the store
BALLAST_BYTES = 512 * 1024


def _untagged(title: str, summary: str, language: str | None) -> Classification:
    return Classification()


def _items(prefix: str, count: int) -> list[tuple[str, str, str, str]]:
    # summaries long enough that storing the batch needs pages the full database no longer has
    return [
        (f"{prefix}{n}", f"{prefix} report {n}", f"http://example.com/{prefix}{n}", "Border news. " * 60)
        for n in range(count)
    ]


async def _refuse_stores(db: Database) -> Callable[[], Awaitable[None]]:
    """Make the database refuse inserting items while small updates still work, as a disk with a few bytes
    left does; returns what makes room again.

    SQLite: the database may not grow past its present size (`PRAGMA max_page_count`, what a full disk
    is to SQLite: SQLITE_FULL, "database or disk is full"); a ballast table dropped later gives its pages
    back to the free list. PostgreSQL: inserting items fails with 53100 (disk_full), as when the server
    cannot extend the table's file."""
    if db.dialect == "sqlite":
        path = db.engine.url.database
        assert path is not None
        with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as connection:
            connection.execute("CREATE TABLE ballast (data BLOB)")
            connection.execute("INSERT INTO ballast VALUES (randomblob(?))", (BALLAST_BYTES,))
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            pages = connection.execute("PRAGMA page_count").fetchone()[0]

        def limit(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA max_page_count={pages}")
            cursor.close()

        event.listen(db.engine.sync_engine, "connect", limit)
        await db.engine.dispose()  # every connection from now on is limited

        async def make_room() -> None:
            with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as connection:
                connection.execute("DROP TABLE ballast")

        return make_room

    async with db.transaction() as session:
        await session.execute(
            text(
                "CREATE FUNCTION refuse_items() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'could not extend file: No space left on device' "
                "USING ERRCODE = 'disk_full'; "
                "END $$"
            )
        )
        await session.execute(
            text("CREATE TRIGGER disk_full BEFORE INSERT ON items EXECUTE FUNCTION refuse_items()")
        )

    async def make_room_pg() -> None:
        async with db.transaction() as session:
            await session.execute(text("DROP TRIGGER disk_full ON items"))

    return make_room_pg


async def _history_loaded(db: Database, feed_ids: list[int]) -> None:
    deadline = time.monotonic() + 30
    for feed_id in feed_ids:
        # the database is polled, not watched: no event to wait for
        while time.monotonic() < deadline:
            record = await get_feed(db, feed_id)
            if record is not None and record.history_loaded:
                break
            await asyncio.sleep(0.1)


async def _due_now(db: Database, feed_id: int) -> None:
    async with db.transaction() as session:
        await session.execute(update(Feed).where(Feed.id == feed_id).values(next_poll_at=datetime.now(UTC)))


async def _titles(db: Database) -> set[str]:
    async with db.transaction() as session:
        return set((await session.scalars(select(Item.title))).all())


async def test_a_feed_whose_store_is_refused_waits_before_it_is_fetched_again(db: Database) -> None:
    parser = ParserPool(workers=1)
    with FeedServer() as server:
        url = server.add("/wire.xml", rss("Wire", _items("old", 5)))
        feed, _ = await add_feed(db, url, now=datetime.now(UTC))
        # a feed publishing nothing new: its polls are answered 304, and recorded without new items
        quiet, _ = await add_feed(
            db, server.add("/quiet.xml", rss("Quiet", _items("q", 2))), now=datetime.now(UTC)
        )
        ingest = IngestService(db, SETTINGS, _untagged, rng=random.Random(0), parser=parser, tick_seconds=0.1)
        try:
            await ingest.start()
            await _history_loaded(db, [feed.id, quiet.id])
            make_room = await _refuse_stores(db)
            server.add("/wire.xml", rss("Wire", [*_items("new", 40), *_items("old", 5)]))
            before = len(server.requests("/wire.xml"))
            await _due_now(db, feed.id)
            # meanwhile the quiet feed comes due every 5 s: the refused feed never holds it up
            quiet_polled: list[bool] = []
            for _ in range(int(REFUSED_SECONDS // 5)):
                quiet_before = len(server.requests("/quiet.xml"))
                await _due_now(db, quiet.id)
                await asyncio.sleep(5)
                quiet_polled.append(len(server.requests("/quiet.xml")) > quiet_before)
            fetched_while_refused = len(server.requests("/wire.xml")) - before
            assert "new report 0" not in await _titles(db), (
                "the store was not refused: the test proves nothing"
            )
            await make_room()
            room_at = time.monotonic()
            while time.monotonic() - room_at < 90 and "new report 0" not in await _titles(db):  # noqa: ASYNC110
                await asyncio.sleep(0.1)
            stored_after = time.monotonic() - room_at
            titles = await _titles(db)
            after = await get_feed(db, feed.id)
        finally:
            await ingest.stop()
            parser.close()
    per_minute = fetched_while_refused * 60 / REFUSED_SECONDS
    SUMMARY_LINES.append(
        f"store refused ({db.dialect}): {fetched_while_refused} fetches in {REFUSED_SECONDS:.0f} s "
        f"({per_minute:.0f}/min); a quiet feed polled {sum(quiet_polled)} of {len(quiet_polled)} times due; "
        f"items stored {stored_after:.1f} s after the database took writes again"
    )
    # from a few seconds, doubling: about 2, 4, 8 s apart, never the fetch loop's own pace
    assert fetched_while_refused <= 5, f"fetched {fetched_while_refused} times in {REFUSED_SECONDS} s"
    # nothing lost: every item stored once the database takes it, within the feed's interval
    assert {f"new report {n}" for n in range(40)} <= titles
    assert stored_after <= SETTINGS.poll_interval + 5
    assert after is not None and after.consecutive_failures == 0 and after.last_error is None
    assert all(quiet_polled), f"the quiet feed was not polled when due: {quiet_polled}"
