"""Queries on an item's tags (item_entities rows, items.severity) and on stored items to re-tag."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from feeds.model import Classification
from storage.models import Item, ItemEntity


@dataclass(frozen=True, slots=True)
class ItemText:
    """What the classifier needs from a stored item."""

    id: int
    title: str
    summary: str
    language: str | None


async def replace_item_tags(session: AsyncSession, item_id: int, classification: Classification) -> None:
    """Make the item's stored tags exactly `classification`: its entity rows (with spans) and its severity."""
    await session.execute(delete(ItemEntity).where(ItemEntity.item_id == item_id))
    add_item_tags(session, item_id, classification)
    await session.execute(update(Item).where(Item.id == item_id).values(severity=classification.severity))
    await session.flush()


def add_item_tags(session: AsyncSession, item_id: int, classification: Classification) -> None:
    """Add one item_entities row (with its spans) per entity of `classification` to the session."""
    for match in classification.entities:
        session.add(
            ItemEntity(
                item_id=item_id,
                entity_id=match.entity_id,
                spans=[[start, end, text] for start, end, text in match.spans],
            )
        )


async def items_since(
    session: AsyncSession, since: datetime | None, after_id: int = 0, limit: int = 500
) -> list[ItemText]:
    """Up to `limit` stored items with id > after_id, fetched at or after `since` (all when None), by id."""
    query = select(Item.id, Item.title, Item.summary, Item.language).where(Item.id > after_id)
    if since is not None:
        query = query.where(Item.fetched_at >= since)
    rows = (await session.execute(query.order_by(Item.id).limit(limit))).all()
    return [ItemText(row.id, row.title or "", row.summary or "", row.language) for row in rows]


async def count_items_since(session: AsyncSession, since: datetime | None) -> int:
    """How many stored items were fetched at or after `since` (all when None): what items_since goes over."""
    query = select(func.count()).select_from(Item)
    if since is not None:
        query = query.where(Item.fetched_at >= since)
    return int(await session.scalar(query) or 0)


async def item_entity_ids(session: AsyncSession, item_id: int) -> list[str]:
    """The entity ids stored for an item, sorted."""
    rows = await session.scalars(
        select(ItemEntity.entity_id).where(ItemEntity.item_id == item_id).order_by(ItemEntity.entity_id)
    )
    return list(rows.all())
