"""Crisis mode in storage: the feeds that report on entities, entering crisis mode, the crises in force.

Every process sees the same crisis mode: it lives in the crises table and in feeds.crisis_until, which the
poller reads with each claimed feed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database, dialect_insert
from storage.feeds import Sooner, _bring_forward
from storage.models import Crisis, Feed, Item, ItemEntity, Story
from storage.severity import higher_severity


@dataclass(frozen=True, slots=True)
class CrisisStart:
    """A story that puts the feeds reporting on `entity_ids` into crisis mode until `ends_at`."""

    story_id: int
    severity: str
    entity_ids: tuple[str, ...]
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class ActiveCrisis:
    """A crisis in force: the story that started it, its entities, how many feeds are hurried, until when."""

    story_id: int
    title: str
    severity: str
    entity_ids: tuple[str, ...]
    feeds: int
    started_at: datetime
    ends_at: datetime


async def _feeds_reporting_on(session: AsyncSession, entity_ids: Sequence[str]) -> list[int]:
    """The enabled feeds that have published at least one item tagged with any of `entity_ids`, by id."""
    if not entity_ids:
        return []
    tagged = (
        select(Item.feed_id)
        .join(ItemEntity, ItemEntity.item_id == Item.id)
        .where(ItemEntity.entity_id.in_(list(entity_ids)))
        .distinct()
    )
    rows = await session.scalars(
        select(Feed.id).where(Feed.enabled.is_(True), Feed.id.in_(tagged)).order_by(Feed.id)
    )
    return list(rows)


async def enter_crisis(db: Database, crisis: CrisisStart, now: datetime, *, sooner: Sooner) -> list[int]:
    """Record the crisis of the story, or extend it (entities joined, the later deadline kept); put every feed
    that reports on its entities into crisis mode until its deadline, and bring their next poll forward to
    `sooner(kind, schedule)` (feeds.schedule decides). One transaction; returns the ids of the feeds in
    crisis mode."""
    async with db.transaction() as session:
        return await _enter_crisis(session, crisis, now, sooner)


async def _enter_crisis(
    session: AsyncSession, crisis: CrisisStart, now: datetime, sooner: Sooner
) -> list[int]:
    await session.execute(
        dialect_insert(session, Crisis.__table__)
        .values(
            story_id=crisis.story_id,
            severity=crisis.severity,
            entity_ids=list(crisis.entity_ids),
            feeds=0,
            started_at=now,
            ends_at=crisis.ends_at,
        )
        .on_conflict_do_nothing(index_elements=["story_id"])
    )
    row = await session.scalar(select(Crisis).where(Crisis.story_id == crisis.story_id).with_for_update())
    if row is None:  # the story was deleted meanwhile
        return []
    row.entity_ids = list(dict.fromkeys([*row.entity_ids, *crisis.entity_ids]))
    row.severity = higher_severity(row.severity, crisis.severity) or crisis.severity
    row.ends_at = max(row.ends_at, crisis.ends_at)
    feed_ids = await _feeds_reporting_on(session, row.entity_ids)
    row.feeds = len(feed_ids)
    if feed_ids:
        await session.execute(
            update(Feed)
            .where(Feed.id.in_(feed_ids), or_(Feed.crisis_until.is_(None), Feed.crisis_until < row.ends_at))
            .values(crisis_until=row.ends_at)
            .execution_options(synchronize_session=False)
        )
        await _bring_forward(session, sooner, feed_ids=feed_ids)
    await session.flush()
    return feed_ids


async def active_crises(db: Database, now: datetime) -> list[ActiveCrisis]:
    """The crises not over at `now`, the most severe first, then the latest to end."""
    async with db.transaction() as session:
        rows = await session.execute(
            select(Crisis, Story.title)
            .join(Story, Story.id == Crisis.story_id)
            .where(Crisis.ends_at > now)
            .order_by(Crisis.severity, Crisis.ends_at.desc())
        )
        return [
            ActiveCrisis(
                crisis.story_id,
                title,
                crisis.severity,
                tuple(crisis.entity_ids),
                crisis.feeds,
                crisis.started_at,
                crisis.ends_at,
            )
            for crisis, title in rows.all()
        ]
