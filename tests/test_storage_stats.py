"""Operational counts: deliveries by status and feeds by state, as metrics and health read them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from feeds.model import NewItem
from feeds.store import store_new_items
from storage.db import Database
from storage.models import Chat, Delivery, Feed, Subscription
from storage.stats import operational_counts, ping
from tests.harness import new_item

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _item(key: str) -> NewItem:
    title = f"Shelling near Sev Lake {key}"
    return new_item(
        title,
        "sev_lake",
        severity="P1",
        published=NOW,
        key=key,
        content_hash="c" * 64,
        spans=((0, 3, "Sev"),),
    )


async def test_an_empty_database_counts_nothing_and_answers_ping(db: Database) -> None:
    await ping(db)
    counts = await operational_counts(db)
    assert counts.deliveries_by_status == {}
    assert counts.feeds_by_state == {}
    assert counts.deliveries_pending == 0


async def test_feeds_are_counted_by_state(db: Database) -> None:
    async with db.transaction() as session:
        session.add_all(
            [
                Feed(url="https://a.example/rss", history_loaded=True),
                Feed(url="https://b.example/rss", history_loaded=True),
                Feed(url="https://c.example/rss", history_loaded=False),
                Feed(url="https://d.example/rss", history_loaded=True, consecutive_failures=3),
                Feed(url="https://e.example/rss", enabled=False, consecutive_failures=5),
            ]
        )
    counts = await operational_counts(db)
    assert counts.feeds_by_state == {"healthy": 2, "new": 1, "failing": 1, "disabled": 1}


async def test_deliveries_are_counted_by_status_with_pending_including_in_flight(db: Database) -> None:
    async with db.transaction() as session:
        feed = Feed(url="https://news.example/rss", history_loaded=True)
        session.add(feed)
        session.add_all([Chat(id=chat_id, type="private") for chat_id in (1, 2, 3, 4)])
        await session.flush()
        session.add_all([Subscription(chat_id=chat_id, entity_id="sev_lake") for chat_id in (1, 2, 3, 4)])
        await session.flush()
    await store_new_items(db, feed.id, [_item("a"), _item("b")], alert=True, now=NOW)
    async with db.transaction() as session:
        await session.execute(update(Delivery).where(Delivery.chat_id == 1).values(status="sent"))
        await session.execute(update(Delivery).where(Delivery.chat_id == 2).values(status="dead"))
        await session.execute(
            update(Delivery).where(Delivery.chat_id == 3, Delivery.story_id == 1).values(status="sending")
        )
    counts = await operational_counts(db)
    assert counts.deliveries_by_status == {"sent": 2, "dead": 2, "sending": 1, "pending": 3}
    assert counts.deliveries_pending == 4
    assert counts.deliveries_dead == 2
