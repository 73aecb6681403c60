"""The schema migrates on both backends and keeps timestamps in UTC."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta, timezone
from string import ascii_letters
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, select, text

import storage.db
from storage.audit import count_audit, latest_audit, record_audit
from storage.db import Database
from storage.history import search_items
from storage.migrate import alembic_config, upgrade, upgrade_sync
from storage.models import Base, Feed, Item
from storage.reports import item_text_by_link
from storage.stories import story_details


async def test_migrated_database_stores_and_returns_aware_utc_times(db: Database) -> None:
    yerevan = timezone(timedelta(hours=4))
    when = datetime(2021, 5, 12, 9, 30, tzinfo=yerevan)
    async with db.transaction() as session:
        session.add(Feed(url="https://news.am/eng/rss/", next_poll_at=when))
    async with db.transaction() as session:
        feed = (await session.execute(select(Feed))).scalar_one()
    assert feed.next_poll_at == when
    assert feed.next_poll_at.tzinfo is not None
    assert feed.next_poll_at.utcoffset() == timedelta(0)
    assert feed.next_poll_at == datetime(2021, 5, 12, 5, 30, tzinfo=UTC)


async def test_migrations_build_exactly_the_schema_the_models_declare(db: Database) -> None:
    """Every model change has its migration: Alembic finds nothing to add, drop or alter."""

    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [
            change
            for change in compare_metadata(context, Base.metadata)
            # full-text search is not a model (SQLite FTS5 tables of migration 0002; PostgreSQL's stored
            # items.search_vector and its GIN index, migration 0014)
            if not (change[0] in ("remove_table", "remove_index") and "items_fts" in change[1].name)
            and not (change[0] == "remove_index" and change[1].name == "ix_items_search_vector")
            and not (change[0] == "remove_column" and change[3].name == "search_vector")
        ]

    async with db.transaction() as session:
        connection = await session.connection()
        assert await connection.run_sync(differences) == []


INSERT_FEED = text(
    "INSERT INTO feeds (id, url, title, kind, enabled, history_loaded, interval_seconds, next_poll_at,"
    " consecutive_failures, failure_notified, created_at)"
    " VALUES (1, 'https://a.example/rss', 'A', 'feed', true, true, 60, :at, 0, false, :at)"
)
INSERT_ITEM = text(
    "INSERT INTO items (id, feed_id, identity_key, title, summary, published_at, fetched_at, content_hash,"
    " alertable) VALUES (:id, 1, :key, :title, '', :at, :at, :key, true)"
)


@asynccontextmanager
async def opened(database_url: str) -> AsyncIterator[Database]:
    """The database at `database_url` for one step of a migration test, disposed when the step ends (the
    next migration step runs on its own connections)."""
    database = Database(database_url)
    try:
        yield database
    finally:
        await database.dispose()


async def _columns(database_url: str, table: str) -> set[str]:
    async with opened(database_url) as database, database.transaction() as session:
        connection = await session.connection()
        columns = await connection.run_sync(lambda sync: inspect(sync).get_columns(table))
    return {column["name"] for column in columns}


async def test_migration_0015_keeps_every_item_as_an_exact_time_and_goes_back(database_url: str) -> None:
    """Upgrading a populated database adds items.published_day_only (false: every stored time was exact),
    keeps the rows and their search; downgrading drops the column and keeps the rows."""
    at = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0014")
    assert "published_day_only" not in await _columns(database_url, "items")
    async with opened(database_url) as database, database.transaction() as session:
        await session.execute(INSERT_FEED, {"at": at})
        for number, title in enumerate(["Shots near Sev Lake", "Обстрел у озера Сев"], start=1):
            await session.execute(
                INSERT_ITEM, {"id": number, "key": f"{number:064d}", "title": title, "at": at}
            )

    await upgrade(database_url)
    async with opened(database_url) as database:
        async with database.transaction() as session:
            rows = (await session.execute(select(Item.id, Item.published_day_only).order_by(Item.id))).all()
            session.add(
                Item(
                    id=3, feed_id=1, identity_key="3" * 64, title="Lachin road closed", published_at=at,
                    content_hash="3" * 64, published_day_only=True,
                )
            )  # fmt: skip
        found = [line.title for line in await search_items(database, "Sev", 5)]
        async with database.transaction() as session:
            day_only = (await session.execute(select(Item.id).where(Item.published_day_only))).scalars().all()
    assert [tuple(row) for row in rows] == [(1, False), (2, False)]
    assert found == ["Shots near Sev Lake"]
    assert day_only == [3]

    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0014")
    assert "published_day_only" not in await _columns(database_url, "items")
    async with opened(database_url) as database, database.transaction() as session:
        titles = (await session.execute(text("SELECT title FROM items ORDER BY id"))).scalars().all()
    assert titles == ["Shots near Sev Lake", "Обстрел у озера Сев", "Lachin road closed"]
    await upgrade(database_url)


async def test_migration_0016_keeps_every_feed_as_not_slow_and_goes_back(database_url: str) -> None:
    """Upgrading a populated database adds feeds.slow_fetch and feeds.slow_parse (false: nothing was stored
    of any fetch or parse before) and keeps every feed and its fetch log; downgrading drops the columns and
    keeps the rows."""
    at = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0015")
    assert not {"slow_fetch", "slow_parse"} & await _columns(database_url, "feeds")
    async with opened(database_url) as database, database.transaction() as session:
        await session.execute(INSERT_FEED, {"at": at})
        await session.execute(
            text(
                "INSERT INTO fetch_log (feed_id, started_at, duration_ms, outcome, new_items)"
                " VALUES (1, :at, 30000, 'error', 0)"
            ),
            {"at": at},
        )

    await upgrade(database_url)
    async with opened(database_url) as database:
        async with database.transaction() as session:
            stored = (await session.execute(select(Feed.url, Feed.slow_fetch, Feed.slow_parse))).all()
            session.add(Feed(id=2, url="https://b.example/rss", next_poll_at=at, slow_fetch=True))
        async with database.transaction() as session:
            slow = (await session.execute(select(Feed.id).where(Feed.slow_fetch))).scalars().all()
    assert [tuple(row) for row in stored] == [("https://a.example/rss", False, False)]
    assert slow == [2]

    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0015")
    assert not {"slow_fetch", "slow_parse"} & await _columns(database_url, "feeds")
    async with opened(database_url) as database, database.transaction() as session:
        urls = (await session.execute(text("SELECT url FROM feeds ORDER BY id"))).scalars().all()
        logged = (await session.execute(text("SELECT duration_ms FROM fetch_log"))).scalars().all()
    assert urls == ["https://a.example/rss", "https://b.example/rss"]
    assert logged == [30000]
    await upgrade(database_url)


async def test_migration_0017_keeps_every_audit_entry_as_one_attempt_and_goes_back(database_url: str) -> None:
    """Upgrading a populated database adds audit_log.repeats (1: each entry was one attempt) and last_at
    (NULL: the one attempt was at `at`), so the audit log still accounts for every attempt; downgrading drops
    the columns and keeps the rows."""
    at = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0016")
    assert not {"repeats", "last_at"} & await _columns(database_url, "audit_log")
    async with opened(database_url) as database, database.transaction() as session:
        for second, outcome in enumerate(["refused", "refused", "allowed"]):
            await session.execute(
                text(
                    "INSERT INTO audit_log (at, user_id, chat_id, command, arguments, outcome)"
                    " VALUES (:at, 5, 5, 'pause', '', :outcome)"
                ),
                {"at": at + timedelta(seconds=second), "outcome": outcome},
            )

    await upgrade(database_url)
    async with opened(database_url) as database:
        assert await count_audit(database) == 3
        entries = await latest_audit(database, 10)
        # a refusal right after the stored ones adds to the latest refused entry
        await record_audit(
            database,
            at=at + timedelta(seconds=30),
            user_id=5,
            chat_id=5,
            command="pause",
            arguments="",
            outcome="refused",
        )
        after = await latest_audit(database, 10)
    assert [(e.outcome, e.repeats, e.last_at) for e in entries] == [
        ("allowed", 1, None),
        ("refused", 1, None),
        ("refused", 1, None),
    ]
    assert [(e.repeats, e.last_at) for e in after] == [(1, None), (2, at + timedelta(seconds=30)), (1, None)]

    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0016")
    assert not {"repeats", "last_at"} & await _columns(database_url, "audit_log")
    async with opened(database_url) as database, database.transaction() as session:
        kept = (await session.execute(text("SELECT outcome FROM audit_log ORDER BY id"))).scalars().all()
    assert kept == ["refused", "refused", "allowed"]
    await upgrade(database_url)


async def _indexes(database_url: str, table: str) -> set[str]:
    async with opened(database_url) as database, database.transaction() as session:
        connection = await session.connection()
        indexes = await connection.run_sync(lambda sync: inspect(sync).get_indexes(table))
    return {str(index["name"]) for index in indexes}


async def test_migration_0018_indexes_every_stored_link_and_goes_back(database_url: str) -> None:
    """Upgrading a populated database indexes items.link, a 10,000-character link among the stored ones (a
    btree on PostgreSQL would refuse it and fail the upgrade), and keeps every item; /missed's lookup finds
    the newest item with a link; downgrading drops the index and keeps the rows."""
    at = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
    long_link = "https://hostile.example/" + "".join(random.Random(18).choices(ascii_letters, k=10_000))
    links = ["https://news.example/1", long_link, "https://news.example/1", None]
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0017")
    assert "ix_items_link" not in await _indexes(database_url, "items")
    async with opened(database_url) as database, database.transaction() as session:
        await session.execute(INSERT_FEED, {"at": at})
        for number, link in enumerate(links, start=1):
            await session.execute(
                INSERT_ITEM, {"id": number, "key": f"{number:064d}", "title": f"Item {number}", "at": at}
            )
            await session.execute(
                text("UPDATE items SET link = :link WHERE id = :id"), {"link": link, "id": number}
            )

    await upgrade(database_url)
    assert "ix_items_link" in await _indexes(database_url, "items")
    async with opened(database_url) as database:
        async with database.transaction() as session:
            count = await session.scalar(text("SELECT COUNT(*) FROM items"))
        newest = await item_text_by_link(database, "https://news.example/1")
        hostile = await item_text_by_link(database, long_link)
    assert count == len(links)
    assert newest == ("Item 3", "", None)
    assert hostile == ("Item 2", "", None)

    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0017")
    assert "ix_items_link" not in await _indexes(database_url, "items")
    async with opened(database_url) as database, database.transaction() as session:
        kept = (await session.execute(text("SELECT link FROM items ORDER BY id"))).scalars().all()
    assert kept == links
    await upgrade(database_url)


async def test_migration_0019_indexes_merged_stories_keeps_every_story_and_goes_back(
    database_url: str,
) -> None:
    """Upgrading a populated database indexes stories.merged_into_id and keeps every story, its items and
    which story each was merged into; /story finds the merged ones; downgrading drops the index and keeps the
    rows, and upgrading again builds it again."""
    at = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
    merged = {1: None, 2: 1, 3: 1, 4: None}
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0018")
    assert "ix_stories_merged_into_id" not in await _indexes(database_url, "stories")
    async with opened(database_url) as database, database.transaction() as session:
        await session.execute(INSERT_FEED, {"at": at})
        for story, into in merged.items():
            await session.execute(
                text(
                    "INSERT INTO stories (id, title, created_at, updated_at, merged_into_id)"
                    " VALUES (:id, :title, :at, :at, :into)"
                ),
                {"id": story, "title": f"Story {story}", "at": at, "into": into},
            )
        await session.execute(INSERT_ITEM, {"id": 1, "key": f"{1:064d}", "title": "Item 1", "at": at})
        await session.execute(text("UPDATE items SET story_id = 1"))

    async def stored() -> list[tuple[Any, ...]]:
        async with opened(database_url) as database, database.transaction() as session:
            rows = await session.execute(
                text(
                    "SELECT stories.id, stories.title, stories.merged_into_id, COUNT(items.id) FROM stories"
                    " LEFT JOIN items ON items.story_id = stories.id"
                    " GROUP BY stories.id, stories.title, stories.merged_into_id ORDER BY stories.id"
                )
            )
            return [tuple(row) for row in rows.all()]

    kept = [(story, f"Story {story}", into, 1 if story == 1 else 0) for story, into in merged.items()]
    assert await stored() == kept
    await upgrade(database_url)
    assert "ix_stories_merged_into_id" in await _indexes(database_url, "stories")
    assert await stored() == kept
    async with opened(database_url) as database:
        details = await story_details(database, 1)
    assert details is not None and details.merged_from == (2, 3) and len(details.members) == 1

    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0018")
    assert "ix_stories_merged_into_id" not in await _indexes(database_url, "stories")
    assert await stored() == kept
    await upgrade(database_url)
    assert "ix_stories_merged_into_id" in await _indexes(database_url, "stories")
    assert await stored() == kept


async def test_a_migration_that_waits_past_the_round_trip_limit_still_finishes(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a round trip the server leaves unanswered for ANSWER_SECONDS is cut off (a frozen
    server); a migration is not: one statement may rewrite a large table, or wait for a lock, for longer.
    Here the upgrade's ALTER TABLE waits 2 s for a lock another connection holds, with the limit at 0.5 s."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite's connections have no round-trip limit")
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0015")
    monkeypatch.setattr(storage.db, "ANSWER_SECONDS", 0.5)
    async with opened(database_url) as database, database.transaction() as session:
        await session.execute(text("LOCK TABLE feeds IN ACCESS EXCLUSIVE MODE"))
        migrating = asyncio.create_task(asyncio.to_thread(upgrade_sync, database_url))
        await asyncio.sleep(2)
        assert not migrating.done()
    await migrating
    assert {"slow_fetch", "slow_parse"} <= await _columns(database_url, "feeds")
