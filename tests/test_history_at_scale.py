"""History at scale (migration 0014): tags carry their item's time, upgrading a populated database keeps and
backfills everything, and the shortcuts the history queries take for many matches give the same answers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import select, text, update

import storage.history
from storage.db import Database
from storage.history import count_by_severity, daily_counts, last_alert, latest_stories, search_items
from storage.migrate import alembic_config, upgrade
from storage.models import Feed, Item, ItemEntity, Story

NOW = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)

INSERT_FEED = text(
    "INSERT INTO feeds (id, url, title, kind, enabled, history_loaded, interval_seconds, next_poll_at,"
    " consecutive_failures, failure_notified, created_at)"
    " VALUES (1, 'https://a.example/rss', 'A', 'feed', true, true, 60, :at, 0, false, :at)"
)
INSERT_CHAT = text(
    "INSERT INTO chats (id, type, active, quiet_tz, p1_breaks_quiet, alerts_enabled, created_at,"
    " report_button) VALUES (7, 'private', true, 'UTC', true, true, :at, false)"
)
INSERT_STORY = text(
    "INSERT INTO stories (id, title, severity, created_at, updated_at, first_item_id)"
    " VALUES (:id, :title, :severity, :at, :at, :id)"
)
INSERT_ITEM = text(
    "INSERT INTO items (id, feed_id, story_id, identity_key, title, summary, published_at, fetched_at,"
    " content_hash, severity, alertable) VALUES (:id, 1, :id, :key, :title, :summary, :published, :published,"
    " :key, :severity, true)"
)
INSERT_TAG = text("INSERT INTO item_entities (item_id, entity_id, spans) VALUES (:id, :entity, '[]')")
INSERT_DELIVERY = text(
    "INSERT INTO deliveries (chat_id, story_id, item_id, severity, status, attempts, next_attempt_at,"
    " created_at, sent_at) VALUES (7, :id, :id, :severity, 'sent', 1, :at, :at, :at)"
)

# title, summary, entity, severity, age in hours
ROWS = [
    ("Shots near Sev Lake", "gunfire at the border", "sev_lake", "P1", 2),
    ("Обстрел у озера Сев", "стрельба на границе", "sev_lake", "P2", 30),
    ("Lachin road closed", "traffic stopped", "lachin_corridor", None, 24 * 5),
    ("Talks in Brussels", "border commission met", "delimitation", "P4", 24 * 20),
]


async def test_upgrading_a_populated_database_keeps_every_row_and_backfills(database_url: str) -> None:
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0013")
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            await session.execute(INSERT_FEED, {"at": NOW})
            await session.execute(INSERT_CHAT, {"at": NOW})
            for number, (title, summary, entity, severity, age) in enumerate(ROWS, start=1):
                published = NOW - timedelta(hours=age)
                await session.execute(
                    INSERT_STORY, {"id": number, "title": title, "severity": severity, "at": published}
                )
                await session.execute(
                    INSERT_ITEM,
                    {
                        "id": number,
                        "key": f"{number:064d}",
                        "title": title,
                        "summary": summary,
                        "published": published,
                        "severity": severity,
                    },
                )
                await session.execute(INSERT_TAG, {"id": number, "entity": entity})
                await session.execute(
                    INSERT_DELIVERY,
                    {"id": number, "severity": severity, "at": published + timedelta(minutes=1)},
                )
        await db.dispose()

        await upgrade(database_url)

        async with db.transaction() as session:
            tags = (
                await session.execute(
                    select(ItemEntity.item_id, ItemEntity.published_at, Item.published_at)
                    .join(Item, Item.id == ItemEntity.item_id)
                    .order_by(ItemEntity.item_id)
                )
            ).all()
            counts = [
                await session.scalar(text(f"SELECT COUNT(*) FROM {name}"))
                for name in ("items", "stories", "item_entities", "deliveries")
            ]
        assert counts == [len(ROWS)] * 4
        assert [(item_id, tagged) for item_id, tagged, _published in tags] == [
            (item_id, published) for item_id, _tagged, published in tags
        ]
        week = await count_by_severity(
            db, ["sev_lake", "lachin_corridor", "delimitation"], NOW - timedelta(days=7), NOW
        )
        assert week == {"sev_lake": {"P1": 1, "P2": 1}, "lachin_corridor": {"-": 1}}
        assert await daily_counts(db, "sev_lake", 3, NOW) == [0, 1, 1]
        assert [line.title for line in await latest_stories(db, ["sev_lake", "delimitation"], 5)] == [
            "Shots near Sev Lake",
            "Обстрел у озера Сев",
            "Talks in Brussels",
        ]
        assert [line.title for line in await search_items(db, "border", 5)] == [
            "Shots near Sev Lake",
            "Talks in Brussels",
        ]
        alert = await last_alert(db, 7)
        assert alert is not None and alert.title == "Shots near Sev Lake"
    finally:
        await db.dispose()


async def _feed(db: Database) -> int:
    async with db.transaction() as session:
        feed = Feed(url="https://b.example/rss", title="B")
        session.add(feed)
        await session.flush()
        return feed.id


async def _item(
    db: Database, feed_id: int, key: str, title: str, published: datetime, entities: tuple[str, ...]
) -> int:
    """One item in a story of its own, tagged with `entities` (the tags written without their time)."""
    async with db.transaction() as session:
        story = Story(title=title, created_at=published, updated_at=published)
        session.add(story)
        await session.flush()
        item = Item(
            feed_id=feed_id,
            story_id=story.id,
            identity_key=key,
            title=title,
            summary="",
            published_at=published,
            fetched_at=NOW,
            content_hash=key,
        )
        session.add(item)
        await session.flush()
        session.add_all([ItemEntity(item_id=item.id, entity_id=entity, spans=[]) for entity in entities])
        return item.id


async def test_a_tag_takes_its_items_time_and_follows_it(db: Database) -> None:
    feed_id = await _feed(db)
    item_id = await _item(db, feed_id, "k1", "Shots", NOW - timedelta(hours=3), ("sev_lake", "goris"))
    async with db.transaction() as session:
        times = set(await session.scalars(select(ItemEntity.published_at)))
    assert times == {NOW - timedelta(hours=3)}
    async with db.transaction() as session:
        await session.execute(
            update(Item).where(Item.id == item_id).values(published_at=NOW - timedelta(days=9))
        )
    async with db.transaction() as session:
        times = set(await session.scalars(select(ItemEntity.published_at)))
    assert times == {NOW - timedelta(days=9)}
    assert await count_by_severity(db, ["sev_lake"], NOW - timedelta(days=7), NOW) == {}


async def test_a_common_word_walks_newest_first_with_the_same_answer(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed_id = await _feed(db)
    published = [NOW - timedelta(hours=hours) for hours in (5, 1, 9, 3, 7)]
    for number, at in enumerate(published):
        await _item(db, feed_id, f"w{number}", f"Border report {number}", at, ())
    await _item(db, feed_id, "other", "Nothing to see", NOW, ())
    few = [line.title for line in await search_items(db, "border", 3)]
    monkeypatch.setattr(storage.history, "SEARCH_CANDIDATES", 2)
    many = [line.title for line in await search_items(db, "border", 3)]
    assert few == many == ["Border report 1", "Border report 3", "Border report 0"]
    assert await search_items(db, "zzqxv", 3) == []


async def test_latest_across_entities_reads_further_when_one_entity_fills_its_share(db: Database) -> None:
    feed_id = await _feed(db)
    # ten recent reports of one story on sev_lake, then older single stories on goris and sev_lake
    story_items = []
    for number in range(10):
        story_items.append(
            await _item(
                db, feed_id, f"s{number}", f"Sev report {number}", NOW - timedelta(minutes=number), ()
            )
        )
    async with db.transaction() as session:
        first = await session.get(Item, story_items[0])
        assert first is not None
        await session.execute(update(Item).where(Item.id.in_(story_items)).values(story_id=first.story_id))
        for item_id in story_items:
            session.add(ItemEntity(item_id=item_id, entity_id="sev_lake", spans=[]))
    await _item(db, feed_id, "g1", "Goris news", NOW - timedelta(hours=5), ("goris",))
    await _item(db, feed_id, "s-old", "Old Sev story", NOW - timedelta(hours=8), ("sev_lake",))
    # two stories asked: each entity's newest 8 tags hold only the one story of sev_lake
    lines = await latest_stories(db, ["sev_lake", "goris"], 2)
    assert [line.title for line in lines] == ["Sev report 0", "Goris news"]
    lines = await latest_stories(db, ["sev_lake", "goris"], 3)
    assert [line.title for line in lines] == ["Sev report 0", "Goris news", "Old Sev story"]
    until = await latest_stories(db, ["sev_lake"], 5, until=NOW - timedelta(hours=1))
    assert [line.title for line in until] == ["Old Sev story"]
