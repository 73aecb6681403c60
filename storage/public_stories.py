"""Stories as the public outputs show them (Atom feeds, JSON API): the stories that alerted, every report.

A story is public once one of its items was alertable (news when it arrived: see storage.items); a chat
subscribed to an entity receives exactly the public stories with an alertable item tagged with that entity,
so a feed reader and that chat see the same stories. Stories are ordered by their last change (a source
joining moves a story up), and pages are cut by (updated_at, id) on the index of migration 0011.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, Integer, Select, String, and_, bindparam, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import Entity, Feed, Item, ItemEntity, Story
from storage.stories import source_name

MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class StoryReport:
    """One item of a story: the source that reported it, its own title and link, and when."""

    source: str
    title: str
    link: str | None
    language: str | None
    published: datetime


@dataclass(frozen=True, slots=True)
class PublicEntity:
    """An entity a story is tagged with: its id and display name."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class PublicStory:
    """A story that alerted: title and link of its first report, severity, entities, every report (oldest
    first), when it started and when it last changed (a new report joined)."""

    id: int
    title: str
    link: str | None
    severity: str | None
    entities: tuple[PublicEntity, ...]
    reports: tuple[StoryReport, ...]
    published: datetime
    updated: datetime

    @property
    def sources(self) -> tuple[str, ...]:
        """The distinct sources, in the order they reported the story."""
        return tuple(dict.fromkeys(report.source for report in self.reports))


@dataclass(frozen=True, slots=True)
class StoryCursor:
    """A place in the list of stories ordered by last change: the (updated, id) of the last story seen."""

    updated: datetime
    id: int


async def entity_name(db: Database, entity_id: str) -> str | None:
    """The display name of a known entity (tracked now or once), or None for an id never tracked."""
    async with db.transaction() as session:
        return await session.scalar(select(Entity.name).where(Entity.id == entity_id))


# an entity with at most this many tags has its stories found from its tags; one with more, by walking the
# stories newest first (it is on many of them, so the walk soon finds a page): reading 2,000 tags costs about
# what the walk costs for a common entity (bench/public_reads.py)
FEW_TAGS = 2000


def _written(value: str | int) -> BindParameter[Any]:
    """`value` written into the statement (escaped; a known entity's id or a page size): PostgreSQL plans a
    prepared statement for its parameters five times, then keeps a generic plan, which fits no entity: a
    common one's stories took 80 ms instead of 14, a rare one's 60 instead of 3."""
    return bindparam(None, value, String if isinstance(value, str) else Integer, literal_execute=True)


async def _public(session: AsyncSession, entity_id: str | None) -> Select[int, datetime]:
    """(id, last change) of the stories that alerted (for `entity_id`: alerted a chat subscribed to it)."""
    story = select(Story.id, Story.updated_at)
    if entity_id is None:
        return story.where(
            exists().where(Item.story_id == Story.id, Item.alertable.is_(True)).correlate(Story)
        )
    entity = _written(entity_id)
    tags = (
        select(ItemEntity.item_id)
        .where(ItemEntity.entity_id == entity)
        .limit(_written(FEW_TAGS + 1))
        .subquery()
    )
    if int(await session.scalar(select(func.count()).select_from(tags)) or 0) <= FEW_TAGS:
        # from the entity's own tags (ix_item_entities_entity_published covers item_id): a rarely tagged
        # entity costs its few tags, where the walk below would cross every newer story
        tagged = (
            select(Item.story_id)
            .join(ItemEntity, ItemEntity.item_id == Item.id)
            .where(ItemEntity.entity_id == entity, Item.alertable.is_(True))
        )
        return story.where(Story.id.in_(tagged))
    # each walked story's items' tags looked up by the primary key (item_id, entity_id): a join would let
    # SQLite (no statistics) read every tag of the entity for each story walked
    alertable = exists().where(
        Item.story_id == Story.id,
        Item.alertable.is_(True),
        exists().where(ItemEntity.item_id == Item.id, ItemEntity.entity_id == entity).correlate(Item),
    )
    return story.where(alertable.correlate(Story))


def feed_validator(stories: Sequence[tuple[int, datetime]]) -> str:
    """What the stories of a page are now: their ids and last changes, which any new report moves."""
    return ";".join(f"{story_id}@{updated.isoformat()}" for story_id, updated in stories)


async def latest_public_story_ids(
    db: Database, entity_id: str | None, limit: int
) -> list[tuple[int, datetime]]:
    """(id, last change) of the `limit` public stories (about `entity_id` when given) that changed last, the
    latest first: the small query a conditional request is answered from."""
    async with db.transaction() as session:
        query = (await _public(session, entity_id)).order_by(Story.updated_at.desc(), Story.id.desc())
        return [
            (story_id, updated)
            for story_id, updated in (await session.execute(query.limit(_written(limit)))).all()
        ]


async def latest_public_stories(db: Database, entity_id: str | None, limit: int) -> list[PublicStory]:
    """The `limit` public stories (about `entity_id` when given) that changed last, the latest first."""
    return await load_public_stories(db, await latest_public_story_ids(db, entity_id, limit))


async def public_story_ids_after(
    db: Database,
    entity_id: str | None,
    *,
    since: datetime | None,
    after: StoryCursor | None,
    limit: int,
) -> list[tuple[int, datetime]]:
    """(id, last change) of the public stories (about `entity_id` when given) in the order they last changed,
    the earliest first: those changed at or after `since`, and past `after` (the last story of the previous
    page)."""
    async with db.transaction() as session:
        query = (await _public(session, entity_id)).order_by(Story.updated_at, Story.id)
        if since is not None:
            query = query.where(Story.updated_at >= since)
        if after is not None:
            # spelled out rather than a row-value comparison, which SQLite before 3.15 and some planners miss
            query = query.where(
                or_(
                    Story.updated_at > after.updated,
                    and_(Story.updated_at == after.updated, Story.id > after.id),
                )
            )
        rows = await session.execute(query.limit(_written(min(limit, MAX_PAGE))))
        return [(story_id, updated) for story_id, updated in rows.all()]


async def public_stories_after(
    db: Database,
    entity_id: str | None,
    *,
    since: datetime | None,
    after: StoryCursor | None,
    limit: int,
) -> list[PublicStory]:
    """The stories of `public_story_ids_after`, loaded."""
    ids = await public_story_ids_after(db, entity_id, since=since, after=after, limit=limit)
    return await load_public_stories(db, ids)


async def load_public_stories(db: Database, stories: Sequence[tuple[int, datetime]]) -> list[PublicStory]:
    """The stories of (id, last change) pairs with their reports and entities, in that order. Each keeps the
    last change it was found with: a page's cursor then resumes where the page was cut, even when one of its
    stories changed in between (it comes again, later)."""
    if not stories:
        return []
    async with db.transaction() as session:
        loaded = await _load(session, [story_id for story_id, _updated in stories])
    found = dict(stories)
    return [replace(story, updated=found[story.id]) for story in loaded]


async def _load(session: AsyncSession, story_ids: Sequence[int]) -> list[PublicStory]:
    """The stories of `story_ids` with their reports and entities, in the order of `story_ids`."""
    if not story_ids:
        return []
    stories = {
        story.id: story
        for story in (await session.scalars(select(Story).where(Story.id.in_(story_ids)))).all()
    }
    reports: dict[int, list[StoryReport]] = {}
    links: dict[int, str | None] = {}
    rows = await session.execute(
        select(Item, Feed)
        .join(Feed, Feed.id == Item.feed_id)
        .where(Item.story_id.in_(story_ids))
        .order_by(Item.published_at, Item.id)
    )
    for item, feed in rows.all():
        story_id = int(item.story_id or 0)
        reports.setdefault(story_id, []).append(
            StoryReport(source_name(feed), item.title, item.link, item.language, item.published_at)
        )
        if story_id not in links or item.id == stories[story_id].first_item_id:
            links[story_id] = item.link
    tagged = await session.execute(
        select(Item.story_id, ItemEntity.entity_id, Entity.name)
        .join(ItemEntity, ItemEntity.item_id == Item.id)
        .outerjoin(Entity, Entity.id == ItemEntity.entity_id)
        .where(Item.story_id.in_(story_ids))
        .distinct()
    )
    entities: dict[int, dict[str, str]] = {}
    for tagged_story, entity_id, name in tagged.all():
        entities.setdefault(int(tagged_story or 0), {})[entity_id] = name or entity_id
    return [
        PublicStory(
            id=story_id,
            title=stories[story_id].title,
            link=links.get(story_id),
            severity=stories[story_id].severity,
            entities=tuple(
                PublicEntity(entity_id, name)
                for entity_id, name in sorted(entities.get(story_id, {}).items())
            ),
            reports=tuple(reports.get(story_id, ())),
            published=stories[story_id].created_at,
            updated=stories[story_id].updated_at,
        )
        for story_id in story_ids
        if story_id in stories
    ]


__all__ = [
    "MAX_PAGE",
    "PublicEntity",
    "PublicStory",
    "StoryCursor",
    "StoryReport",
    "entity_name",
    "feed_validator",
    "latest_public_stories",
    "latest_public_story_ids",
    "load_public_stories",
    "public_stories_after",
    "public_story_ids_after",
]
