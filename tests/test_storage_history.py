"""Stored history: counts by severity, latest stories, daily counts, search (same on both backends)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, MetaData, Table, delete, insert, select, update
from sqlalchemy.engine import make_url

from feeds.model import NewItem
from feeds.store import store_new_items
from storage.db import Database
from storage.history import (
    UNRATED,
    FeedHealth,
    count_by_severity,
    daily_counts,
    delivery_backlog,
    feed_health,
    last_alert,
    latest_stories,
    search_items,
    search_words,
)
from storage.migrate import upgrade
from storage.models import Chat, Delivery, Feed, Item, Story
from tests.conftest import POSTGRES_URL, _admin_execute
from tests.harness import new_item

NOW = datetime(2024, 5, 20, 12, 0, tzinfo=UTC)

# key, title, summary, entities, severity, age in hours
CORPUS: list[tuple[str, str, str, tuple[str, ...], str | None, float]] = [
    ("a1", "Shots fired near Sev Lake", "Armenian MoD reports gunfire at the border", ("sev_lake",), "P1", 1),
    ("a2", "Обстрел у озера Сев", "Минобороны Армении сообщает о стрельбе", ("sev_lake",), "P2", 3),
    ("a3", "Սև լճի մոտ կրակոցներ", "ՊՆ-ն հայտնում է", ("sev_lake",), None, 30),
    ("a4", "Qaragöl yaxınlığında atəş", "Azərbaycan MN məlumat verir", ("sev_lake",), "P3", 50),
    (
        "a5",
        "Лачинский коридор закрыт",
        "Движение по Лачинской дороге прекращено",
        ("lachin_corridor",),
        "P2",
        2,
    ),
    ("a6", "Laçın yolu açıldı", "Nagorno-Karabakh traffic resumes", ("lachin_corridor",), "P4", 100),
    ("a7", "Old news from Goris", "Tourism in Goris", ("goris",), "P4", 24 * 10),
    (
        "a8",
        'Quotes "and" <tags> & ampersands',
        "Goris: AND OR NOT NEAR( * are words here",
        ("goris",),
        None,
        5,
    ),
]


def _new_item(
    key: str, title: str, summary: str, entities: tuple[str, ...], severity: str | None, age: float
) -> NewItem:
    return new_item(
        title,
        *entities,
        severity=severity,
        published=NOW - timedelta(hours=age),
        key=key,
        summary=summary,
        link=f"https://example.am/{key}",
        language=None,
        content_hash=key.rjust(64, "c"),
    )


async def _corpus(db: Database) -> tuple[int, int]:
    async with db.transaction() as session:
        news = Feed(url="https://example.am/rss", title="Example AM", title_override=None)
        other = Feed(url="https://other.az/rss", title="Other feed", title_override="Other AZ")
        session.add_all([news, other])
        await session.flush()
    for index, row in enumerate(CORPUS):
        feed_id = news.id if index % 2 == 0 else other.id
        await store_new_items(db, feed_id, [_new_item(*row)], alert=False, now=NOW)
    return news.id, other.id


async def test_counts_by_entity_and_severity_over_windows(db: Database) -> None:
    await _corpus(db)
    day = await count_by_severity(
        db, ["sev_lake", "lachin_corridor", "goris"], NOW - timedelta(hours=24), NOW
    )
    assert day == {"sev_lake": {"P1": 1, "P2": 1}, "lachin_corridor": {"P2": 1}, "goris": {UNRATED: 1}}
    week = await count_by_severity(db, ["sev_lake"], NOW - timedelta(days=7), NOW)
    assert week == {"sev_lake": {"P1": 1, "P2": 1, UNRATED: 1, "P3": 1}}
    everything = await count_by_severity(db, None, NOW - timedelta(days=30), NOW)
    assert everything["goris"] == {"P4": 1, UNRATED: 1}


async def test_latest_stories_newest_first_with_source(db: Database) -> None:
    await _corpus(db)
    lines = await latest_stories(db, ["sev_lake"], 3)
    assert [line.title for line in lines] == [
        "Shots fired near Sev Lake",
        "Обстрел у озера Сев",
        "Սև լճի մոտ կրակոցներ",
    ]
    assert [line.source for line in lines] == ["Example AM", "Other AZ", "Example AM"]
    assert lines[0].severity == "P1" and lines[0].link == "https://example.am/a1"
    assert lines[0].published == NOW - timedelta(hours=1)
    everything = await latest_stories(db, None, 20)
    assert len(everything) == len(CORPUS)
    assert everything[-1].title == "Old news from Goris"


async def test_latest_keeps_one_line_per_story(db: Database) -> None:
    await _corpus(db)
    async with db.transaction() as session:
        # a second report joins the first story
        story_of_a1 = (await session.get(Item, 1)) or None
        assert story_of_a1 is not None
        await session.execute(update(Item).where(Item.id == 2).values(story_id=story_of_a1.story_id))
    lines = await latest_stories(db, ["sev_lake"], 5)
    assert [line.title for line in lines] == [
        "Shots fired near Sev Lake",
        "Սև լճի մոտ կրակոցներ",
        "Qaragöl yaxınlığında atəş",
    ]


async def test_daily_counts_oldest_first(db: Database) -> None:
    await _corpus(db)
    # NOW is 12:00: ages 1 h, 3 h are today; 30 h is yesterday; 50 h is two days ago
    assert await daily_counts(db, "sev_lake", 7, NOW) == [0, 0, 0, 0, 1, 1, 2]
    assert await daily_counts(db, "goris", 7, NOW) == [0, 0, 0, 0, 0, 0, 1]
    assert await daily_counts(db, "nobody", 3, NOW) == [0, 0, 0]


SEARCHES: list[tuple[str, list[str]]] = [
    ("sev lake", ["a1"]),
    ("SEV", ["a1"]),  # Latin letters: the Cyrillic Сев is another word
    ("озера", ["a2"]),
    ("ОЗЕР", ["a2"]),  # a word's start, in any case
    ("озеро", []),
    ("Лачин", ["a5"]),  # prefix of Лачинский, inflected forms found
    ("лачинской дороге", ["a5"]),
    ("Սև", ["a3"]),
    ("qaragöl", ["a4"]),
    ("qaragol", []),  # diacritics are significant on both backends
    ("laçın", ["a6"]),
    ("karabakh", ["a6"]),
    ("goris", ["a8", "a7"]),
    ("AND OR NOT", ["a8"]),
    ('NEAR( "quotes', ["a8"]),
    ("ampersands <tags>", ["a8"]),
    ("' OR 1=1 --", []),
    ("border gunfire", ["a1"]),
    ("border nothing", []),
    ("* : ^ -", []),
]


async def test_search_finds_the_same_items_on_every_backend(db: Database) -> None:
    await _corpus(db)
    titles = {row[0]: row[1] for row in CORPUS}
    for query, keys in SEARCHES:
        found = [line.title for line in await search_items(db, query, 10)]
        assert found == [titles[key] for key in keys], query


async def test_search_covers_items_stored_and_changed_later(db: Database) -> None:
    await _corpus(db)
    async with db.transaction() as session:
        await session.execute(update(Item).where(Item.id == 1).values(title="Renamed headline"))
        await session.execute(delete(Item).where(Item.id == 2))
    assert [line.title for line in await search_items(db, "renamed", 5)] == ["Renamed headline"]
    assert await search_items(db, "shots", 5) == []
    assert await search_items(db, "обстрел", 5) == []
    assert len(await search_items(db, "goris", 1)) == 1


def test_search_words_drop_syntax() -> None:
    assert search_words('"Sev" AND lake* OR -x_y') == ["Sev", "AND", "lake", "OR", "x", "y"]
    assert search_words("…!?") == []


async def test_feed_health_backlog_and_last_alert(db: Database) -> None:
    _news_id, other_id = await _corpus(db)
    async with db.transaction() as session:
        await session.execute(update(Feed).where(Feed.id == other_id).values(consecutive_failures=3))
        session.add(
            Feed(url="https://off.example/rss", title="Disabled", enabled=False, consecutive_failures=9)
        )
        session.add(Chat(id=11, type="private"))
        await session.flush()
        item = await session.get(Item, 1)
        assert item is not None and item.story_id is not None
        session.add_all(
            [
                Delivery(
                    chat_id=11, story_id=item.story_id, item_id=1, status="sent", sent_at=NOW, severity="P1"
                ),
                Delivery(chat_id=11, story_id=item.story_id + 1, item_id=2, status="pending"),
                Delivery(chat_id=11, story_id=item.story_id + 2, item_id=3, status="sending"),
                Delivery(chat_id=11, story_id=item.story_id + 3, item_id=4, status="dead"),
            ]
        )
    assert await feed_health(db) == FeedHealth(ok=1, failing=("Other AZ",))
    backlog = await delivery_backlog(db)
    assert (backlog.pending, backlog.dead) == (2, 1)
    alert = await last_alert(db, 11)
    assert alert is not None
    assert (alert.title, alert.source, alert.sent_at, alert.severity) == (
        "Shots fired near Sev Lake",
        "Example AM",
        NOW,
        "P1",
    )
    assert await last_alert(db, 12) is None


async def _backfill_case(url: str) -> None:
    """History written under the first schema survives every later migration: rows, search, stories."""
    await upgrade(url, "0001")
    db = Database(url)
    try:
        await _first_schema_corpus(db)
        await upgrade(url, "head")
        assert [line.title for line in await search_items(db, "gunfire", 5)] == ["Shots fired near Sev Lake"]
        async with db.transaction() as session:
            items = (await session.execute(select(Item.id, Item.story_id).order_by(Item.id))).all()
            stories = (await session.execute(select(Story.id, Story.first_item_id).order_by(Story.id))).all()
        assert len(items) == len(CORPUS)
        # a story's first item is its oldest one (migration 0004)
        assert [tuple(row) for row in stories] == [(1, 1), (2, 3), (3, 5), (4, 7)]
        assert [story for _, story in items] == [1, 1, 2, 2, 3, 3, 4, 4]
        # a feed stored before feed kinds is a syndication feed (migration 0007)
        async with db.transaction() as session:
            kinds = (await session.execute(select(Feed.kind, Feed.selectors, Feed.last_post_id))).all()
        assert [tuple(row) for row in kinds] == [("feed", None, None)]
    finally:
        await db.dispose()


async def _first_schema_corpus(db: Database) -> None:
    """The corpus written with plain inserts into the tables as revision 0001 made them, two items a story."""

    def reflect(connection: Connection) -> dict[str, Table]:
        metadata = MetaData()
        return {
            name: Table(name, metadata, autoload_with=connection) for name in ("feeds", "stories", "items")
        }

    async with db.transaction() as session:
        connection = await session.connection()
        tables = await connection.run_sync(reflect)
        old = NOW.replace(tzinfo=None)
        await session.execute(
            insert(tables["feeds"]),
            [
                {
                    "id": 1,
                    "url": "https://example.am/rss",
                    "title": "Example AM",
                    "enabled": True,
                    "history_loaded": True,
                    "interval_seconds": 300,
                    "next_poll_at": old,
                    "consecutive_failures": 0,
                    "failure_notified": False,
                    "created_at": old,
                }
            ],
        )
        await session.execute(
            insert(tables["stories"]),
            [
                {"id": n, "title": CORPUS[2 * n - 2][1], "created_at": old, "updated_at": old}
                for n in range(1, len(CORPUS) // 2 + 1)
            ],
        )
        await session.execute(
            insert(tables["items"]),
            [
                {
                    "id": index + 1,
                    "feed_id": 1,
                    "story_id": index // 2 + 1,
                    "identity_key": key.rjust(64, "0"),
                    "guid": key,
                    "title": title,
                    "summary": summary,
                    "published_at": old - timedelta(hours=age),
                    "fetched_at": old,
                    "content_hash": key.rjust(64, "c"),
                    "severity": severity,
                }
                for index, (key, title, summary, _entities, severity, age) in enumerate(CORPUS)
            ],
        )


async def test_upgrade_from_the_first_schema_keeps_history_sqlite(tmp_path: Path) -> None:
    await _backfill_case(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")


@pytest.mark.postgres
async def test_upgrade_from_the_first_schema_keeps_history_postgres() -> None:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set BORDERWATCH_TEST_DATABASE_URL to run these cases")
    name = f"bw_backfill_{uuid.uuid4().hex[:8]}"
    await asyncio.to_thread(_admin_execute, f'CREATE DATABASE "{name}"')
    try:
        await _backfill_case(make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False))
    finally:
        await asyncio.to_thread(_admin_execute, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
