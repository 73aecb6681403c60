"""Migration 0011 on a database with history: items that alerted (or would have) become public, history
does not, and nothing stored is lost."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import text

from storage.db import Database
from storage.migrate import alembic_config, upgrade

T0 = datetime(2025, 8, 1, 9, 0, tzinfo=UTC)
# the 0004 schema, written without the models (they describe the newest one)
INSERT_FEED = text(
    "INSERT INTO feeds (id, url, enabled, history_loaded, interval_seconds, next_poll_at,"
    " consecutive_failures, failure_notified, created_at)"
    " VALUES (1, 'https://a.example/rss', true, true, 60, :at, 0, false, :at)"
)
INSERT_CHAT = text(
    "INSERT INTO chats (id, type, active, quiet_tz, p1_breaks_quiet, created_at)"
    " VALUES (7, 'private', true, 'UTC', true, :at)"
)
INSERT_STORY = text(
    "INSERT INTO stories (id, title, created_at, updated_at, first_item_id)"
    " VALUES (:id, :title, :at, :at, :id)"
)
INSERT_ITEM = text(
    "INSERT INTO items (id, feed_id, story_id, identity_key, title, summary, published_at, fetched_at,"
    " content_hash) VALUES (:id, 1, :id, :key, :title, '', :published, :fetched, :key)"
)
INSERT_TAG = text("INSERT INTO item_entities (item_id, entity_id, spans) VALUES (:id, 'sev_lake', '[]')")
INSERT_DELIVERY = text(
    "INSERT INTO deliveries (chat_id, story_id, item_id, status, attempts, next_attempt_at, created_at)"
    " VALUES (7, :id, :id, 'sent', 1, :at, :at)"
)


async def test_upgrading_a_populated_database_marks_the_items_that_were_news(database_url: str) -> None:
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0004")
    items = {
        # name: (fetched, published, tagged)
        "first fetch": (T0, T0 - timedelta(hours=1), True),
        "fresh": (T0 + timedelta(hours=2), T0 + timedelta(hours=1), True),
        "old when seen": (T0 + timedelta(hours=2), T0 - timedelta(days=3), True),
        "untagged": (T0 + timedelta(hours=2), T0 + timedelta(hours=1), False),
        "alerted though old": (T0 + timedelta(hours=3), T0 - timedelta(days=2), True),
    }
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            await session.execute(INSERT_FEED, {"at": T0})
            await session.execute(INSERT_CHAT, {"at": T0})
            for number, (name, (fetched, published, tagged)) in enumerate(items.items(), start=1):
                await session.execute(INSERT_STORY, {"id": number, "title": name, "at": fetched})
                row = {"id": number, "key": f"k{number}", "title": name, "published": published}
                await session.execute(INSERT_ITEM, {**row, "fetched": fetched})
                if tagged:
                    await session.execute(INSERT_TAG, {"id": number})
            await session.execute(INSERT_DELIVERY, {"id": 5, "at": T0})
        await db.dispose()

        await upgrade(database_url)

        async with db.transaction() as session:
            rows = (await session.execute(text("SELECT title, alertable FROM items ORDER BY id"))).all()
            stories = await session.scalar(text("SELECT COUNT(*) FROM stories"))
    finally:
        await db.dispose()
    assert {title: bool(alertable) for title, alertable in rows} == {
        "first fetch": False,
        "fresh": True,
        "old when seen": False,
        "untagged": False,
        "alerted though old": True,
    }
    assert stories == len(items)
