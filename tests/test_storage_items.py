"""Storing items: idempotent re-polls, tags, one story each, and the outbox rows for subscribed chats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from feeds.model import NewItem
from feeds.store import FeedItems, store_new_items, store_new_items_of_feeds
from storage.db import Database
from storage.models import ALL_ENTITIES, Chat, Delivery, Feed, Item, ItemEntity, Story, Subscription
from tests.harness import new_item

NOW = datetime(2022, 9, 13, 3, 0, tzinfo=UTC)


def _item(
    key: str, title: str, entities: tuple[str, ...] = (), severity: str | None = None, age_hours: float = 0
) -> NewItem:
    return new_item(
        title,
        *entities,
        severity=severity,
        published=NOW - timedelta(hours=age_hours),
        key=key,
        link=f"https://news.am/eng/news/{key}.html",
        content_hash="c" * 64,
        spans=((0, 5, title[:5]),),
    )


async def _setup(db: Database) -> int:
    async with db.transaction() as session:
        feed = Feed(url="https://news.am/eng/rss/", title="News.am")
        session.add(feed)
        session.add_all(
            [
                Chat(id=101, type="private"),
                Chat(id=-2002, type="supergroup"),
                Chat(id=303, type="private", active=False),
                Chat(id=404, type="private"),
            ]
        )
        await session.flush()
        session.add_all(
            [
                Subscription(chat_id=101, entity_id="sev_lake"),
                Subscription(chat_id=101, entity_id="syunik"),
                Subscription(chat_id=-2002, entity_id=ALL_ENTITIES),
                Subscription(chat_id=303, entity_id="sev_lake"),
                Subscription(chat_id=404, entity_id="csto"),
            ]
        )
        return feed.id


async def test_new_item_alerts_each_subscribed_active_chat_once(db: Database) -> None:
    feed_id = await _setup(db)
    item = _item("1", "Azerbaijani troops advance near Sev Lake in Syunik", ("sev_lake", "syunik"), "P2")
    stored = await store_new_items(db, feed_id, [item], alert=True, now=NOW)
    assert [s.entity_ids for s in stored] == [("sev_lake", "syunik")]
    assert stored[0].severity == "P2"
    async with db.transaction() as session:
        chats = (await session.execute(select(Delivery.chat_id).order_by(Delivery.chat_id))).scalars().all()
        tags = (
            (await session.execute(select(ItemEntity.entity_id).order_by(ItemEntity.entity_id)))
            .scalars()
            .all()
        )
        story = (await session.execute(select(Story))).scalar_one()
    # 101 subscribed twice over (both entities) but gets one row; 303 is inactive; 404 tracks something else
    assert list(chats) == [-2002, 101]
    assert list(tags) == ["sev_lake", "syunik"]
    assert story.severity == "P2" and story.title == item.entry.title


async def test_repolling_the_same_items_stores_and_alerts_nothing_more(db: Database) -> None:
    feed_id = await _setup(db)
    items = [_item("1", "Clashes on the border", ("sev_lake",), "P1"), _item("2", "Talks in Washington")]
    first = await store_new_items(db, feed_id, items, alert=True, now=NOW)
    again = await store_new_items(db, feed_id, [*items, items[0]], alert=True, now=NOW)
    assert len(first) == 2
    assert again == []
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Item)) == 2
        assert await session.scalar(select(func.count()).select_from(Delivery)) == 2


async def test_history_and_old_items_never_alert(db: Database) -> None:
    feed_id = await _setup(db)
    await store_new_items(db, feed_id, [_item("1", "Sev Lake", ("sev_lake",))], alert=False, now=NOW)
    await store_new_items(db, feed_id, [_item("2", "Old", ("sev_lake",), age_hours=30)], alert=True, now=NOW)
    await store_new_items(db, feed_id, [_item("3", "Untagged news")], alert=True, now=NOW)
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Item)) == 3
        assert await session.scalar(select(func.count()).select_from(Delivery)) == 0


async def test_feeds_stored_together_share_stories_and_alert_once(db: Database) -> None:
    """One call for three polls: the second agency's report joins the story the first one's started in the
    same call (its id not known until the end), the story takes the higher severity, each chat gets one
    alert, a feed still loading its history alerts nothing, and each poll gets back only its own items."""
    first_feed = await _setup(db)
    async with db.transaction() as session:
        others = [Feed(url="https://armenpress.am/eng/rss/"), Feed(url="https://azatutyun.am/api/")]
        session.add_all(others)
        await session.flush()
        second_feed, third_feed = (feed.id for feed in others)
    clash = ("sev_lake", "syunik")
    first = _item("a1", "Azerbaijani troops advance near Sev Lake in Syunik", clash, "P2", age_hours=1)
    second = _item("b1", "Azerbaijani troops advance near Sev Lake in Syunik region", clash, "P1")
    history = _item("c1", "Troops advance near Sev Lake, Syunik", clash, "P2", age_hours=0.5)
    untagged = _item("a2", "Armenian dram gains against the dollar")
    stored = await store_new_items_of_feeds(
        db,
        [
            FeedItems(first_feed, [first, untagged], alert=True, now=NOW),
            FeedItems(second_feed, [second], alert=True, now=NOW),
            FeedItems(third_feed, [history], alert=False, now=NOW),
        ],
    )
    assert [[s.title for s in feed] for feed in stored] == [
        [first.entry.title, untagged.entry.title],
        [second.entry.title],
        [history.entry.title],
    ]
    (a1, a2), (b1,), (c1,) = stored
    assert b1.story_id == c1.story_id == a1.story_id != a2.story_id
    async with db.transaction() as session:
        stories = {s.id: s for s in (await session.execute(select(Story))).scalars()}
        alerts = (await session.execute(select(Delivery.chat_id, Delivery.story_id))).all()
    assert stories[a1.story_id].severity == "P1" and stories[a1.story_id].first_item_id == a1.id
    assert stories[a2.story_id].first_item_id == a2.id
    assert sorted(alerts) == [(-2002, a1.story_id), (101, a1.story_id)]
