"""Storing new items: item, tags, story and pending deliveries in the caller's one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from feeds.model import NewItem
from storage.models import ALL_ENTITIES, Chat, Delivery, Item, Story, Subscription
from storage.tags import add_item_tags

# Items first seen more than this long after they were published are history, never alerts (DESIGN.md).
ALERT_MAX_AGE = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class StoredItem:
    """An item that was new to the database, with what it was tagged and how many chats it will alert."""

    id: int
    feed_id: int
    story_id: int
    title: str
    link: str | None
    published: datetime
    entity_ids: tuple[str, ...]
    severity: str | None
    alerted_chats: int


def _insert(session: AsyncSession, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


async def store_new_items(
    session: AsyncSession,
    feed_id: int,
    items: Sequence[NewItem],
    *,
    alert: bool,
    now: datetime,
) -> list[StoredItem]:
    """Insert the items of one feed that are not stored yet (by identity key) and return only those.

    Each new item gets its own story, its entity tags and the item severity; when `alert` is true and
    the item is recent, a pending delivery for every active chat subscribed to one of its entities.
    A re-poll of the same items inserts nothing (ON CONFLICT DO NOTHING on feed and identity key).
    """
    unique: dict[str, NewItem] = {}
    for item in items:
        unique.setdefault(item.identity_key, item)
    if not unique:
        return []
    rows = [
        {
            "feed_id": feed_id,
            "identity_key": key,
            "guid": item.entry.guid,
            "link": item.entry.link,
            "title": item.entry.title,
            "summary": item.entry.summary,
            "language": item.entry.language,
            "published_at": item.published,
            "fetched_at": now,
            "content_hash": item.content_hash,
            "severity": item.classification.severity,
        }
        for key, item in unique.items()
    ]
    statement = (
        _insert(session, Item)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["feed_id", "identity_key"])
        .returning(Item.id, Item.identity_key)
    )
    inserted = {key: item_id for item_id, key in (await session.execute(statement)).all()}
    stored: list[StoredItem] = []
    for key, item_id in inserted.items():
        item = unique[key]
        stored.append(await _tag_and_fan_out(session, feed_id, item_id, item, alert=alert, now=now))
    return stored


async def _tag_and_fan_out(
    session: AsyncSession, feed_id: int, item_id: int, item: NewItem, *, alert: bool, now: datetime
) -> StoredItem:
    classification = item.classification
    story = Story(title=item.entry.title, severity=classification.severity, created_at=now, updated_at=now)
    session.add(story)
    await session.flush()
    db_item = await session.get(Item, item_id)
    assert db_item is not None
    db_item.story_id = story.id
    db_item.story_rule = "new"
    add_item_tags(session, item_id, classification)
    chat_ids: list[int] = []
    entity_ids = classification.entity_ids
    if alert and entity_ids and now - item.published <= ALERT_MAX_AGE:
        chat_ids = await _subscribed_chats(session, entity_ids)
        if chat_ids:
            deliveries = [
                {
                    "chat_id": chat_id,
                    "story_id": story.id,
                    "item_id": item_id,
                    "severity": classification.severity,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for chat_id in chat_ids
            ]
            await session.execute(
                _insert(session, Delivery)
                .values(deliveries)
                .on_conflict_do_nothing(index_elements=["chat_id", "story_id"])
            )
    await session.flush()
    return StoredItem(
        id=item_id,
        feed_id=feed_id,
        story_id=story.id,
        title=item.entry.title,
        link=item.entry.link,
        published=item.published,
        entity_ids=tuple(entity_ids),
        severity=classification.severity,
        alerted_chats=len(chat_ids),
    )


async def _subscribed_chats(session: AsyncSession, entity_ids: Sequence[str]) -> list[int]:
    """Active chats subscribed to any of `entity_ids` or to everything, each once."""
    query = (
        select(Subscription.chat_id)
        .join(Chat, Chat.id == Subscription.chat_id)
        .where(Chat.active.is_(True), Subscription.entity_id.in_([*entity_ids, ALL_ENTITIES]))
        .distinct()
        .order_by(Subscription.chat_id)
    )
    return list((await session.execute(query)).scalars())
