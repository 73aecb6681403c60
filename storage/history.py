"""Questions asked of stored history: counts, latest stories, daily counts, search, feed health, backlog."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, TextClause, and_, bindparam, func, or_, select, text, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import Delivery, DeliveryUpdate, Feed, Item, ItemEntity, Story

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
        .where(ItemEntity.published_at >= since, ItemEntity.published_at < until)
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
    async with db.transaction() as session:
        if entity_ids is None:
            # tagged items are common: walking every item newest first finds them at once
            query = _items_newest_first().where(Item.id.in_(select(ItemEntity.item_id)))
            if until is not None:
                query = query.where(Item.published_at < until)
            return await _story_lines(session, query, limit)
        wanted = sorted(set(entity_ids))
        if not wanted:
            return []
        per_entity = limit * 4
        while True:
            newest, complete_from = await _newest_tags(session, wanted, per_entity, until)
            query = _items_newest_first().where(Item.id.in_(newest))
            if complete_from is not None:
                published, item_id = complete_from
                query = query.where(
                    or_(
                        Item.published_at > published,
                        and_(Item.published_at == published, Item.id >= item_id),
                    )
                )
            lines = await _story_lines(session, query, limit)
            if len(lines) == limit or complete_from is None:
                return lines
            per_entity *= 4


async def _newest_tags(
    session: AsyncSession, entity_ids: Sequence[str], per_entity: int, until: datetime | None
) -> tuple[Select[int], tuple[datetime, int] | None]:
    """The items of each entity's `per_entity` newest tags (published before `until`), read from the index
    (entity_id, published_at, item_id), as a query; and from which (published_at, item id) on those items
    are every item tagged with any of them (None: from the beginning of history)."""
    parts = []
    for entity_id in entity_ids:
        newest = select(ItemEntity.entity_id, ItemEntity.item_id, ItemEntity.published_at).where(
            ItemEntity.entity_id == entity_id
        )
        if until is not None:
            newest = newest.where(ItemEntity.published_at < until)
        newest = newest.order_by(ItemEntity.published_at.desc(), ItemEntity.item_id.desc()).limit(per_entity)
        parts.append(select(newest.subquery()))
    tags = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    rows = (await session.execute(select(tags))).all()
    oldest: dict[str, tuple[datetime, int]] = {}
    count: dict[str, int] = defaultdict(int)
    for entity_id, item_id, published in rows:
        count[entity_id] += 1
        if published is not None and (entity_id not in oldest or (published, item_id) < oldest[entity_id]):
            oldest[entity_id] = (published, item_id)
    cut = [oldest[entity_id] for entity_id, n in count.items() if n >= per_entity and entity_id in oldest]
    # the items as a subquery, not a list: (entities × per_entity) bound values could pass SQLite's limit
    return select(tags.c.item_id), max(cut) if cut else None


def _utc_day(session: AsyncSession, column: Any) -> ColumnElement[str]:
    """The UTC calendar day of a stored time as 'YYYY-MM-DD', computed by the database (SQLite keeps UTC
    times as text starting with the date; PostgreSQL converts to UTC first)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.substr(column, 1, 10)
    return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")


def _day_index(day: str, first_day: datetime) -> int:
    return (date.fromisoformat(day) - first_day.date()).days


async def daily_counts(db: Database, entity_id: str, days: int, now: datetime) -> list[int]:
    """Stories tagged `entity_id` per UTC calendar day, for the `days` days up to today, oldest first."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    first_day = today - timedelta(days=days - 1)
    per_day = [0] * days
    async with db.transaction() as session:
        day = _utc_day(session, ItemEntity.published_at)
        # counted by the database: a row per day, however many tags the entity has
        query = (
            select(day, func.count(func.distinct(_story_key())))
            .select_from(ItemEntity)
            .join(Item, Item.id == ItemEntity.item_id)
            .where(
                ItemEntity.entity_id == entity_id,
                ItemEntity.published_at >= first_day,
                ItemEntity.published_at <= now,
            )
            .group_by(day)
        )
        for value, count in (await session.execute(query)).all():
            index = _day_index(value, first_day)
            if 0 <= index < days:
                per_day[index] = int(count)
    return per_day


# a story whose items have no severity sorts after every level, so MIN() gives a story's gravest one
_NO_LEVEL = "~"


async def daily_counts_by_severity(
    db: Database, entity_ids: Sequence[str], days: int, now: datetime
) -> dict[str, list[dict[str, int]]]:
    """Stories per entity, UTC calendar day and severity, for the `days` days up to today, oldest first.

    Returns {entity_id: [{"P1": n, …, UNRATED: n} for each day]} with an entry (possibly all-empty days) for
    every id asked; a story counts once per entity and day, under the story's severity (UNRATED when none).
    """
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    first_day = today - timedelta(days=days - 1)
    result: dict[str, list[dict[str, int]]] = {
        entity_id: [{} for _ in range(days)] for entity_id in entity_ids
    }
    async with db.transaction() as session:
        day = _utc_day(session, ItemEntity.published_at).label("day")
        level = func.min(func.coalesce(Story.severity, Item.severity, _NO_LEVEL)).label("level")
        # counted by the database: one row per story and day, then one per day and severity
        stories = (
            select(ItemEntity.entity_id, day, _story_key().label("story"), level)
            .join(Item, Item.id == ItemEntity.item_id)
            .outerjoin(Story, Story.id == Item.story_id)
            .where(
                ItemEntity.entity_id.in_(list(entity_ids)),
                ItemEntity.published_at >= first_day,
                ItemEntity.published_at <= now,
            )
            .group_by(ItemEntity.entity_id, day, _story_key())
            .subquery()
        )
        query = select(stories.c.entity_id, stories.c.day, stories.c.level, func.count()).group_by(
            stories.c.entity_id, stories.c.day, stories.c.level
        )
        for entity_id, value, severity, count in (await session.execute(query)).all():
            index = _day_index(value, first_day)
            if 0 <= index < days:
                result[entity_id][index][UNRATED if severity == _NO_LEVEL else severity] = int(count)
    return result


# A word for search: letters and digits only, so nothing a user types can reach FTS query syntax.
_WORD = re.compile(r"[^\W_]+")


def search_words(query: str) -> list[str]:
    """The plain words of a user's search text (letters, digits); punctuation and FTS operators drop out."""
    return _WORD.findall(query)[:16]


# A search with at most this many matching items orders just those; with more, the word is common, and
# walking the items newest first finds the latest matches within a few rows.
SEARCH_CANDIDATES = 2000


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
        search = _Search(session, words)
        matching = await search.few_matches(SEARCH_CANDIDATES)
        if matching is None:
            # a common word: walking the items newest first meets its matches within a few pages
            ids = await _newest_matching(session, search.matches_among, limit)
            matching = Item.id.in_(ids)
        return await _story_lines(session, _items_newest_first().where(matching), limit)


class _Search:
    """The full-text index asked on one backend: SQLite's FTS5 table (migration 0002), PostgreSQL's stored
    tsvector and its GIN index (migration 0014)."""

    def __init__(self, session: AsyncSession, words: Sequence[str]) -> None:
        self._session = session
        self._sqlite = session.get_bind().dialect.name == "sqlite"
        self._match = _fts_match_sqlite(words) if self._sqlite else _tsquery_postgres(words)

    async def few_matches(self, most: int) -> ColumnElement[bool] | TextClause | None:
        """A condition on items that holds for the matching ones, when there are at most `most` of them
        (read from the index alone); None when there are more."""
        if self._sqlite:
            counted = text(
                "SELECT count(*) FROM (SELECT rowid FROM items_fts WHERE items_fts MATCH :match LIMIT :n)"
            )
            if int(await self._session.scalar(counted, {"match": self._match, "n": most + 1}) or 0) > most:
                return None
            # SQLite reads the matches' rowids from FTS5 and looks the items up by id
            return text("items.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH :match)").bindparams(
                match=self._match
            )
        ids = await self._some_matches(most + 1)
        return None if len(ids) > most else Item.id.in_(ids)

    async def _some_matches(self, n: int) -> list[int]:
        """Up to `n` matching item ids (PostgreSQL), in no particular order, read from the index alone."""
        # the GIN index, never a walk of the table checking rows one by one (for a rare word the planner may
        # expect a match within a few rows and walk the whole table)
        await self._session.execute(text("SET LOCAL enable_seqscan = off"))
        await self._session.execute(text("SET LOCAL enable_indexscan = off"))
        found = text("SELECT id FROM items WHERE search_vector @@ to_tsquery('simple', :match) LIMIT :n")
        ids = list(await self._session.scalars(found, {"match": self._match, "n": n}))
        await self._session.execute(text("RESET enable_seqscan"))
        await self._session.execute(text("RESET enable_indexscan"))
        return ids

    async def matches_among(self, item_ids: Sequence[int]) -> set[int]:
        """Which of `item_ids` match."""
        if self._sqlite:
            # FTS5 reads a rowid range of its posting lists at once (ids are about as old as they look)
            found = text(
                "SELECT rowid FROM items_fts WHERE items_fts MATCH :match AND rowid BETWEEN :low AND :high"
            )
            params = {"match": self._match, "low": min(item_ids), "high": max(item_ids)}
            return set(await self._session.scalars(found, params)) & set(item_ids)
        found = text(
            "SELECT id FROM items WHERE id IN :ids AND search_vector @@ to_tsquery('simple', :match)"
        ).bindparams(bindparam("ids", expanding=True))
        return set(await self._session.scalars(found, {"ids": list(item_ids), "match": self._match}))


# the walk's first page of items, doubled for each next page up to the last size
_WALK_PAGES = (200, 400, 800, 1600)


async def _newest_matching(
    session: AsyncSession, matches_among: Callable[[Sequence[int]], Awaitable[set[int]]], limit: int
) -> list[int]:
    """The newest matching item of each of the `limit` newest stories with a match: items walked newest first
    a page at a time (on ix_items_published_at), each page's matches asked of the full-text index."""
    chosen: list[int] = []
    stories: set[int] = set()
    after: tuple[datetime, int] | None = None
    pages = 0
    while len(chosen) < limit:
        size = _WALK_PAGES[min(pages, len(_WALK_PAGES) - 1)]
        pages += 1
        page = select(Item.id, Item.published_at, Item.story_id).order_by(
            Item.published_at.desc(), Item.id.desc()
        )
        if after is not None:
            # a range on the index, then the rows of the last time already seen left out
            page = page.where(
                Item.published_at <= after[0], ~and_(Item.published_at == after[0], Item.id >= after[1])
            )
        rows = (await session.execute(page.limit(size))).all()
        if not rows:
            break
        hits = await matches_among([row.id for row in rows])
        for item_id, _published, story_id in rows:
            key = story_id if story_id is not None else -item_id
            if item_id in hits and key not in stories:
                stories.add(key)
                chosen.append(item_id)
                if len(chosen) == limit:
                    break
        after = (rows[-1].published_at, rows[-1].id)
    return chosen


async def feed_health(db: Database) -> FeedHealth:
    """Enabled feeds split into fine and failing (failed since their last success), failing ones named."""
    async with db.transaction() as session:
        feeds = (await session.scalars(select(Feed).where(Feed.enabled.is_(True)).order_by(Feed.id))).all()
    failing = tuple(_source(feed) for feed in feeds if feed.consecutive_failures > 0)
    return FeedHealth(ok=len(feeds) - len(failing), failing=failing)


async def delivery_backlog(db: Database) -> Backlog:
    """How many deliveries wait to be sent and how many are dead letters."""
    # only the statuses counted: the index (status, next_attempt_at) has them apart from the sent ones
    query = (
        select(Delivery.status, func.count())
        .where(Delivery.status.in_(("pending", "sending", "dead")))
        .group_by(Delivery.status)
    )
    async with db.transaction() as session:
        counts: dict[str, int] = {status: count for status, count in (await session.execute(query)).all()}
    return Backlog(pending=counts.get("pending", 0) + counts.get("sending", 0), dead=counts.get("dead", 0))


async def alert_messages_sent(db: Database, since: datetime, until: datetime) -> int:
    """Alert messages put into chats between `since` and `until`: alerts and the replies sent when a story's
    severity rose (edits put no new message anywhere). With paid broadcast, what Telegram charges for."""
    async with db.transaction() as session:
        alerts = await session.scalar(
            select(func.count()).where(
                Delivery.status == "sent", Delivery.sent_at >= since, Delivery.sent_at <= until
            )
        )
        replies = await session.scalar(
            select(func.count()).where(
                DeliveryUpdate.kind == "reply",
                DeliveryUpdate.status == "sent",
                DeliveryUpdate.sent_at >= since,
                DeliveryUpdate.sent_at <= until,
            )
        )
    return int(alerts or 0) + int(replies or 0)


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
