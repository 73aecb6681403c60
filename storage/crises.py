"""Crisis mode in storage: the feeds that report on entities, entering crisis mode, the crises in force.

Every process sees the same crisis mode: it lives in the crises table and in feeds.crisis_until, which the
poller reads with each claimed feed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database, dialect_insert
from storage.feeds import Sooner, _bring_forward
from storage.models import Crisis, Feed, Item, ItemEntity, Story
from storage.severity import higher_severity

# rows, or values of one IN list, per statement
_ROWS_AT_ONCE = 500


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


async def _feeds_reporting_on(session: AsyncSession, entity_ids: Collection[str]) -> dict[str, set[int]]:
    """For each of `entity_ids`, the enabled feeds that have published at least one item tagged with it."""
    reporting: dict[str, set[int]] = {}
    wanted = sorted(entity_ids)
    for start in range(0, len(wanted), _ROWS_AT_ONCE):
        rows = await session.execute(
            select(ItemEntity.entity_id, Item.feed_id)
            .join(Item, Item.id == ItemEntity.item_id)
            .join(Feed, Feed.id == Item.feed_id)
            .where(ItemEntity.entity_id.in_(wanted[start : start + _ROWS_AT_ONCE]), Feed.enabled.is_(True))
            .distinct()
        )
        for entity_id, feed_id in rows:
            reporting.setdefault(entity_id, set()).add(feed_id)
    return reporting


async def enter_crisis(db: Database, crisis: CrisisStart, now: datetime, *, sooner: Sooner) -> list[int]:
    """Record the crisis of the story, or extend it (entities joined, the later deadline kept); put every feed
    that reports on its entities into crisis mode until its deadline, and bring their next poll forward to
    `sooner(kind, schedule)` (feeds.schedule decides). One transaction; returns the ids of the feeds in
    crisis mode."""
    (feed_ids,) = await enter_crises(db, [crisis], now, sooner=sooner)
    return feed_ids


async def enter_crises(
    db: Database, crises: Sequence[CrisisStart], now: datetime, *, sooner: Sooner
) -> list[list[int]]:
    """enter_crisis for every crisis one poll starts, in one transaction: the feeds reporting on their
    entities are looked up once for all of them and brought forward once. Returns each crisis's feeds, in
    order.

    A poll bringing hundreds of P1/P2 stories took one transaction, and one look over the tagged history, for
    each, while every other feed's write waited for them."""
    if not crises:
        return []
    async with db.transaction() as session:
        return await _enter_crises(session, crises, now, sooner)


async def _enter_crises(
    session: AsyncSession, crises: Sequence[CrisisStart], now: datetime, sooner: Sooner
) -> list[list[int]]:
    story_ids = sorted({crisis.story_id for crisis in crises})
    for start in range(0, len(crises), _ROWS_AT_ONCE):
        await session.execute(
            dialect_insert(session, Crisis.__table__)
            .values(
                [
                    {
                        "story_id": crisis.story_id,
                        "severity": crisis.severity,
                        "entity_ids": list(crisis.entity_ids),
                        "feeds": 0,
                        "started_at": now,
                        "ends_at": crisis.ends_at,
                    }
                    for crisis in crises[start : start + _ROWS_AT_ONCE]
                ]
            )
            .on_conflict_do_nothing(index_elements=["story_id"])
        )
    rows: dict[int, Crisis] = {}
    for start in range(0, len(story_ids), _ROWS_AT_ONCE):
        chosen = story_ids[start : start + _ROWS_AT_ONCE]
        found = await session.scalars(
            select(Crisis).where(Crisis.story_id.in_(chosen)).order_by(Crisis.story_id).with_for_update()
        )
        rows.update((row.story_id, row) for row in found)
    for crisis in crises:
        row = rows.get(crisis.story_id)
        if row is None:  # the story was deleted meanwhile
            continue
        row.entity_ids = list(dict.fromkeys([*row.entity_ids, *crisis.entity_ids]))
        row.severity = higher_severity(row.severity, crisis.severity) or crisis.severity
        row.ends_at = max(row.ends_at, crisis.ends_at)
    reporting = await _feeds_reporting_on(session, {e for row in rows.values() for e in row.entity_ids})
    until: dict[int, datetime] = {}  # feed → the latest end of the crises that hurry it
    hurried: dict[int, list[int]] = {}
    for story_id, row in rows.items():
        feed_ids = sorted({feed for entity in row.entity_ids for feed in reporting.get(entity, ())})
        row.feeds = len(feed_ids)
        hurried[story_id] = feed_ids
        for feed in feed_ids:
            until[feed] = max(until.get(feed, row.ends_at), row.ends_at)
    by_end: dict[datetime, list[int]] = {}
    for feed, ends_at in until.items():
        by_end.setdefault(ends_at, []).append(feed)
    for ends_at, feed_ids in by_end.items():
        for start in range(0, len(feed_ids), _ROWS_AT_ONCE):
            await session.execute(
                update(Feed)
                .where(
                    Feed.id.in_(feed_ids[start : start + _ROWS_AT_ONCE]),
                    or_(Feed.crisis_until.is_(None), Feed.crisis_until < ends_at),
                )
                .values(crisis_until=ends_at)
                .execution_options(synchronize_session=False)
            )
    if until:
        await _bring_forward(session, sooner, feed_ids=until)
    await session.flush()
    return [hurried.get(crisis.story_id, []) for crisis in crises]


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
