"""Storing new items: item, tags, story and pending deliveries in the caller's one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
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
    new = [(inserted[key], item) for key, item in unique.items() if key in inserted]
    if not new:
        return []
    story_ids = await _new_stories(session, [item for _, item in new], now)
    await session.execute(
        update(Item),
        [
            {"id": item_id, "story_id": story_id, "story_rule": "new"}
            for (item_id, _), story_id in zip(new, story_ids, strict=True)
        ],
    )
    for item_id, item in new:
        add_item_tags(session, item_id, item.classification)
    alertable = [
        (item_id, story_id, item)
        for (item_id, item), story_id in zip(new, story_ids, strict=True)
        if alert and item.classification.entities and now - item.published <= ALERT_MAX_AGE
    ]
    chats_by_item = await _queue_deliveries(session, alertable, now)
    await session.flush()
    return [
        StoredItem(
            id=item_id,
            feed_id=feed_id,
            story_id=story_id,
            title=item.entry.title,
            link=item.entry.link,
            published=item.published,
            entity_ids=tuple(item.classification.entity_ids),
            severity=item.classification.severity,
            alerted_chats=chats_by_item.get(item_id, 0),
        )
        for (item_id, item), story_id in zip(new, story_ids, strict=True)
    ]


async def _new_stories(session: AsyncSession, items: Sequence[NewItem], now: datetime) -> list[int]:
    """One new story per item, in the items' order; returns their ids."""
    rows = [
        {
            "title": item.entry.title,
            "severity": item.classification.severity,
            "created_at": now,
            "updated_at": now,
        }
        for item in items
    ]
    result = await session.execute(insert(Story).returning(Story.id, sort_by_parameter_order=True), rows)
    return list(result.scalars())


async def _queue_deliveries(
    session: AsyncSession, alertable: Sequence[tuple[int, int, NewItem]], now: datetime
) -> dict[int, int]:
    """Pending deliveries for every active chat subscribed to an entity of each item; chats per item id."""
    if not alertable:
        return {}
    entity_ids = sorted({e for _, _, item in alertable for e in item.classification.entity_ids})
    subscribers = await _subscribers(session, entity_ids)
    everyone = subscribers.get(ALL_ENTITIES, set())
    rows: list[dict[str, object]] = []
    counts: dict[int, int] = {}
    for item_id, story_id, item in alertable:
        chats = set(everyone)
        for entity_id in item.classification.entity_ids:
            chats |= subscribers.get(entity_id, set())
        counts[item_id] = len(chats)
        rows.extend(
            {
                "chat_id": chat_id,
                "story_id": story_id,
                "item_id": item_id,
                "severity": item.classification.severity,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for chat_id in sorted(chats)
        )
    for start in range(0, len(rows), _DELIVERY_BATCH):
        await session.execute(
            _insert(session, Delivery)
            .values(rows[start : start + _DELIVERY_BATCH])
            .on_conflict_do_nothing(index_elements=["chat_id", "story_id"])
        )
    return counts


# Rows per INSERT: keeps each statement under SQLite's and asyncpg's bound-parameter limits (8 columns each).
_DELIVERY_BATCH = 2000


async def _subscribers(session: AsyncSession, entity_ids: Sequence[str]) -> dict[str, set[int]]:
    """Active chats subscribed to each of `entity_ids` or to everything (key ALL_ENTITIES)."""
    query = (
        select(Subscription.entity_id, Subscription.chat_id)
        .join(Chat, Chat.id == Subscription.chat_id)
        .where(Chat.active.is_(True), Subscription.entity_id.in_([*entity_ids, ALL_ENTITIES]))
    )
    result: dict[str, set[int]] = {}
    for entity_id, chat_id in (await session.execute(query)).all():
        result.setdefault(entity_id, set()).add(chat_id)
    return result
