"""Queries on an item's tags (item_entities rows, items.severity) and on stored items to re-tag."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import Feed, Item, ItemEntity

Span = tuple[int, int, str]


@dataclass(frozen=True, slots=True)
class Tag:
    """An entity an item mentions, with the spans (start, end, text) of `title + "\\n" + summary` that
    matched it."""

    entity_id: str
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True)
class ItemText:
    """What the classifier needs from a stored item."""

    id: int
    title: str
    summary: str
    language: str | None
    # the language its feed declares now (None: none)
    feed_language: str | None = None


@dataclass(frozen=True, slots=True)
class Retag:
    """An item's new tags and severity, and the language to store for an item stored without one (None:
    leave it as it is)."""

    item_id: int
    tags: tuple[Tag, ...]
    severity: str | None
    language: str | None = None


async def retag_items(db: Database, retags: Sequence[Retag]) -> None:
    """Make the stored tags and severity of each item exactly its new ones, in one transaction."""
    async with db.transaction() as session:
        for retag in retags:
            await _replace_item_tags(session, retag.item_id, retag.tags, retag.severity)
            if retag.language is not None:
                await session.execute(
                    update(Item)
                    .where(Item.id == retag.item_id, Item.language.is_(None))
                    .values(language=retag.language)
                )


async def _replace_item_tags(
    session: AsyncSession, item_id: int, tags: Sequence[Tag], severity: str | None
) -> None:
    await session.execute(delete(ItemEntity).where(ItemEntity.item_id == item_id))
    _add_item_tags(session, item_id, tags)
    await session.execute(update(Item).where(Item.id == item_id).values(severity=severity))
    await session.flush()


def _add_item_tags(session: AsyncSession, item_id: int, tags: Sequence[Tag]) -> None:
    for tag in tags:
        session.add(
            ItemEntity(
                item_id=item_id,
                entity_id=tag.entity_id,
                spans=[[start, end, text] for start, end, text in tag.spans],
            )
        )


async def items_since(
    db: Database, since: datetime | None, after_id: int = 0, limit: int = 500
) -> list[ItemText]:
    """Up to `limit` stored items with id > after_id, fetched at or after `since` (all when None), by id."""
    query = (
        select(Item.id, Item.title, Item.summary, Item.language, Feed.language.label("feed_language"))
        .join(Feed, Feed.id == Item.feed_id)
        .where(Item.id > after_id)
    )
    if since is not None:
        query = query.where(Item.fetched_at >= since)
    async with db.transaction() as session:
        rows = (await session.execute(query.order_by(Item.id).limit(limit))).all()
    return [
        ItemText(row.id, row.title or "", row.summary or "", row.language, row.feed_language) for row in rows
    ]


async def count_items_since(db: Database, since: datetime | None) -> int:
    """How many stored items were fetched at or after `since` (all when None): what items_since goes over."""
    query = select(func.count()).select_from(Item)
    if since is not None:
        query = query.where(Item.fetched_at >= since)
    async with db.transaction() as session:
        return int(await session.scalar(query) or 0)


async def item_entity_ids(db: Database, item_id: int) -> list[str]:
    """The entity ids stored for an item, sorted."""
    async with db.transaction() as session:
        rows = await session.scalars(
            select(ItemEntity.entity_id).where(ItemEntity.item_id == item_id).order_by(ItemEntity.entity_id)
        )
        return list(rows.all())


__all__ = [
    "ItemText",
    "Retag",
    "Span",
    "Tag",
    "count_items_since",
    "item_entity_ids",
    "items_since",
    "retag_items",
]
