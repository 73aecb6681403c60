"""The history queries as they were on main before issue 19 (storage/history.py and
storage/feed_admin.feed_status_page at commit 86f96ce), kept verbatim so that bench/history.py measures them
in the same run, on the same data, as today's. They run on a database at revision 0013, through the tables
as they were then (only the model classes they query are mapped anew). Not used by the product."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, ColumnElement, MetaData, Select, Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import registry

from storage import models
from storage.db import Database

# Columns added after revision 0013, where these queries run: today's models would select them and the
# database has not got them yet, so the queries map the five tables as they were at 0013.
NEWER_COLUMNS = {
    "items": {"published_day_only"},  # 0015
    "feeds": {"slow_fetch", "slow_parse"},  # 0016
    "item_entities": {"published_at"},  # 0014
}
SCHEMA_0013 = MetaData()
_registry_0013 = registry(metadata=SCHEMA_0013)


def _at_0013(model: type[models.Base]) -> type:
    """A class mapped to the model's table without the columns added after revision 0013."""
    source: Table = model.__table__  # type: ignore[assignment]
    newer = NEWER_COLUMNS.get(source.name, set())
    kept = [Column(c.name, c.type, primary_key=c.primary_key) for c in source.columns if c.name not in newer]
    mapped = type(model.__name__, (), {})
    _registry_0013.map_imperatively(mapped, Table(source.name, SCHEMA_0013, *kept))
    return mapped


if TYPE_CHECKING:  # the queries type-check against today's models, whose columns are a superset
    from storage.models import Delivery, Feed, Item, ItemEntity, Story
else:
    Delivery = _at_0013(models.Delivery)
    Feed = _at_0013(models.Feed)
    Item = _at_0013(models.Item)
    ItemEntity = _at_0013(models.ItemEntity)
    Story = _at_0013(models.Story)

# Severity of an unrated story in count tables.
UNRATED = "-"


@dataclass(frozen=True, slots=True)
class StoryLine:
    """One story as a line of history: its newest item, the feed that carried it, and the story's severity."""

    story_id: int
    item_id: int
    title: str
    link: str | None
    source: str
    published: datetime
    severity: str | None


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """Enabled feeds: how many fetch fine, and the names of those currently failing."""

    ok: int
    failing: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Backlog:
    """Deliveries waiting to go out (pending or being sent) and those given up on (dead letters)."""

    pending: int
    dead: int


def _source(feed: Feed) -> str:
    return feed.title_override or feed.title or feed.url


def _story_key() -> ColumnElement[int]:
    # every stored item has a story; an item without one (story deleted) counts as its own story
    return func.coalesce(Item.story_id, -Item.id)


async def count_by_severity(
    db: Database, entity_ids: Sequence[str] | None, since: datetime, until: datetime
) -> dict[str, dict[str, int]]:
    """Stories per entity and severity with an item published in [since, until).

    `entity_ids` None means every entity. Returns {entity_id: {"P1": n, …, UNRATED: n}} with non-zero counts
    only; entities with no story in the window are absent. A story counts once per entity, under its severity.
    """
    severity = func.coalesce(Story.severity, Item.severity, UNRATED)
    query = (
        select(ItemEntity.entity_id, severity, func.count(func.distinct(_story_key())))
        .join(Item, Item.id == ItemEntity.item_id)
        .outerjoin(Story, Story.id == Item.story_id)
        .where(Item.published_at >= since, Item.published_at < until)
        .group_by(ItemEntity.entity_id, severity)
    )
    if entity_ids is not None:
        query = query.where(ItemEntity.entity_id.in_(list(entity_ids)))
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    async with db.transaction() as session:
        for entity_id, level, count in (await session.execute(query)).all():
            counts[entity_id][level] = count
    return dict(counts)


async def _story_lines(
    session: AsyncSession, query: Select[Item, Feed, Story], limit: int
) -> list[StoryLine]:
    """Run an item query (newest first) and keep the newest item of each story, up to `limit` stories."""
    lines: list[StoryLine] = []
    seen: set[int] = set()
    offset, page = 0, max(limit * 4, 20)
    while len(lines) < limit:
        rows = (await session.execute(query.limit(page).offset(offset))).all()
        for item, feed, story in rows:
            key = item.story_id if item.story_id is not None else -item.id
            if key in seen:
                continue
            seen.add(key)
            lines.append(
                StoryLine(
                    story_id=key,
                    item_id=item.id,
                    title=item.title,
                    link=item.link,
                    source=_source(feed),
                    published=item.published_at,
                    severity=(story.severity if story is not None else None) or item.severity,
                )
            )
            if len(lines) == limit:
                break
        if len(rows) < page:
            break
        offset += page
    return lines


def _items_newest_first() -> Select[Item, Feed, Story]:
    return (
        select(Item, Feed, Story)
        .join(Feed, Feed.id == Item.feed_id)
        .outerjoin(Story, Story.id == Item.story_id)
        .order_by(Item.published_at.desc(), Item.id.desc())
    )


async def latest_stories(
    db: Database, entity_ids: Sequence[str] | None, limit: int, *, until: datetime | None = None
) -> list[StoryLine]:
    """The `limit` most recent stories tagged with any of `entity_ids` (None: any tagged item), newest first.

    Each story appears once, as its newest item. Items published at or after `until` are left out when given.
    """
    tagged = select(ItemEntity.item_id)
    if entity_ids is not None:
        tagged = tagged.where(ItemEntity.entity_id.in_(list(entity_ids)))
    query = _items_newest_first().where(Item.id.in_(tagged))
    if until is not None:
        query = query.where(Item.published_at < until)
    async with db.transaction() as session:
        return await _story_lines(session, query, limit)


async def daily_counts(db: Database, entity_id: str, days: int, now: datetime) -> list[int]:
    """Stories tagged `entity_id` per UTC calendar day, for the `days` days up to today, oldest first."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    first_day = today - timedelta(days=days - 1)
    query = (
        select(Item.published_at, _story_key())
        .join(ItemEntity, ItemEntity.item_id == Item.id)
        .where(ItemEntity.entity_id == entity_id, Item.published_at >= first_day, Item.published_at <= now)
    )
    stories_per_day: list[set[int]] = [set() for _ in range(days)]
    async with db.transaction() as session:
        for published, key in (await session.execute(query)).all():
            index = (published - first_day).days
            if 0 <= index < days:
                stories_per_day[index].add(key)
    return [len(stories) for stories in stories_per_day]


async def daily_counts_by_severity(
    db: Database, entity_ids: Sequence[str], days: int, now: datetime
) -> dict[str, list[dict[str, int]]]:
    """Stories per entity, UTC calendar day and severity, for the `days` days up to today, oldest first.

    Returns {entity_id: [{"P1": n, …, UNRATED: n} for each day]} with an entry (possibly all-empty days) for
    every id asked; a story counts once per entity and day, under the story's severity (UNRATED when none).
    """
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    first_day = today - timedelta(days=days - 1)
    severity = func.coalesce(Story.severity, Item.severity, UNRATED)
    query = (
        select(ItemEntity.entity_id, Item.published_at, _story_key(), severity)
        .join(Item, Item.id == ItemEntity.item_id)
        .outerjoin(Story, Story.id == Item.story_id)
        .where(
            ItemEntity.entity_id.in_(list(entity_ids)),
            Item.published_at >= first_day,
            Item.published_at <= now,
        )
    )
    seen: dict[str, list[dict[int, str]]] = {entity_id: [{} for _ in range(days)] for entity_id in entity_ids}
    async with db.transaction() as session:
        for entity_id, published, key, level in (await session.execute(query)).all():
            index = (published - first_day).days
            if 0 <= index < days:
                seen[entity_id][index][key] = level
    result: dict[str, list[dict[str, int]]] = {}
    for entity_id, per_day in seen.items():
        result[entity_id] = []
        for stories in per_day:
            counts: dict[str, int] = defaultdict(int)
            for level in stories.values():
                counts[level] += 1
            result[entity_id].append(dict(counts))
    return result


# A word for search: letters and digits only, so nothing a user types can reach FTS query syntax.
_WORD = re.compile(r"[^\W_]+")


def search_words(query: str) -> list[str]:
    """The plain words of a user's search text (letters, digits); punctuation and FTS operators drop out."""
    return _WORD.findall(query)[:16]


# Exactly the expression of the GIN index in migration 0002 (ASCII punctuation read as spaces, as FTS5 does).
_PUNCTUATION = "!\"#$%&''()*+,-./:;<=>?@[\\]^_`{|}~"
_TSVECTOR = (
    f"to_tsvector('simple', translate(items.title || ' ' || items.summary, '{_PUNCTUATION}', '{' ' * 32}'))"
)


def _fts_match_sqlite(words: Sequence[str]) -> str:
    # each word a quoted FTS5 string with prefix search: "Лачин"* finds Лачинский; words are AND-ed
    return " AND ".join('"' + word.replace('"', '""') + '"*' for word in words)


def _tsquery_postgres(words: Sequence[str]) -> str:
    return " & ".join("'" + word.replace("'", "''") + "':*" for word in words)


async def search_items(db: Database, query: str, limit: int) -> list[StoryLine]:
    """Stored items whose title or summary contain every word of `query` (as a word or a word's start).

    Case-insensitive, diacritics significant, the same on SQLite (FTS5) and PostgreSQL (tsvector).
    Newest first, one line per story. A query without any word finds nothing.
    """
    words = search_words(query)
    if not words:
        return []
    async with db.transaction() as session:
        if session.get_bind().dialect.name == "sqlite":
            matching = text(
                "items.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH :match)"
            ).bindparams(match=_fts_match_sqlite(words))
        else:
            matching = text(f"{_TSVECTOR} @@ to_tsquery('simple', :tsquery)").bindparams(
                tsquery=_tsquery_postgres(words)
            )
        return await _story_lines(session, _items_newest_first().where(matching), limit)


async def feed_health(db: Database) -> FeedHealth:
    """Enabled feeds split into fine and failing (failed since their last success), failing ones named."""
    async with db.transaction() as session:
        feeds = (await session.scalars(select(Feed).where(Feed.enabled.is_(True)).order_by(Feed.id))).all()
    failing = tuple(_source(feed) for feed in feeds if feed.consecutive_failures > 0)
    return FeedHealth(ok=len(feeds) - len(failing), failing=failing)


async def delivery_backlog(db: Database) -> Backlog:
    """How many deliveries wait to be sent and how many are dead letters."""
    query = select(Delivery.status, func.count()).group_by(Delivery.status)
    async with db.transaction() as session:
        counts: dict[str, int] = {status: count for status, count in (await session.execute(query)).all()}
    return Backlog(pending=counts.get("pending", 0) + counts.get("sending", 0), dead=counts.get("dead", 0))


@dataclass(frozen=True, slots=True)
class LastAlert:
    """The latest alert sent to a chat."""

    title: str
    link: str | None
    source: str
    sent_at: datetime
    severity: str | None


async def last_alert(db: Database, chat_id: int) -> LastAlert | None:
    """The most recent alert sent to `chat_id`, or None when none was sent yet."""
    query = (
        select(Delivery, Item, Feed)
        .join(Item, Item.id == Delivery.item_id)
        .join(Feed, Feed.id == Item.feed_id)
        .where(Delivery.chat_id == chat_id, Delivery.status == "sent")
        .order_by(Delivery.sent_at.desc(), Delivery.id.desc())
        .limit(1)
    )
    async with db.transaction() as session:
        row = (await session.execute(query)).first()
    if row is None:
        return None
    delivery, item, feed = row
    return LastAlert(
        title=item.title,
        link=item.link,
        source=_source(feed),
        sent_at=delivery.sent_at or delivery.created_at,
        severity=delivery.severity,
    )


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """One feed as /feeds shows it."""

    id: int
    url: str
    name: str
    kind: str
    enabled: bool
    failing_since: datetime | None
    last_error: str | None
    last_new_item_at: datetime | None
    items_24h: int
    next_poll_at: datetime


def _name(feed: Any) -> str:
    return str(feed.title_override or feed.title or feed.url)


async def feed_status_page(
    db: Database, now: datetime, *, offset: int, limit: int
) -> tuple[list[FeedStatus], int]:
    """Feeds `offset`..`offset+limit` in id order with their status, and how many feeds there are in all."""
    since = now - timedelta(hours=24)
    async with db.transaction() as session:
        total = int(await session.scalar(select(func.count()).select_from(Feed)) or 0)
        feeds = list(await session.scalars(select(Feed).order_by(Feed.id).offset(offset).limit(limit)))
        ids = [feed.id for feed in feeds]
        counts: dict[int, int] = {}
        if ids:
            rows = await session.execute(
                select(Item.feed_id, func.count())
                .where(Item.feed_id.in_(ids), Item.fetched_at >= since)
                .group_by(Item.feed_id)
            )
            counts = {feed_id: int(count) for feed_id, count in rows.all()}
    return [
        FeedStatus(
            id=feed.id,
            url=feed.url,
            name=_name(feed),
            kind=feed.kind,
            enabled=feed.enabled,
            failing_since=feed.failing_since,
            last_error=feed.last_error,
            last_new_item_at=feed.last_new_item_at,
            items_24h=counts.get(feed.id, 0),
            next_poll_at=feed.next_poll_at,
        )
        for feed in feeds
    ], total
