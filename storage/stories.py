"""Story queries: candidates a new item is compared with, a story's sources, its details (/story)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only

from storage.db import Database
from storage.models import Entity, Feed, Item, ItemEntity, Story


@dataclass(frozen=True, slots=True)
class CandidateItem:
    """A stored item a new item may join: its story, text, language, time and entity ids."""

    id: int
    story_id: int
    title: str
    summary: str
    language: str | None
    published: datetime
    entity_ids: tuple[str, ...]
    feed_id: int = 0
    # event types (None: stored before they were kept) and the texts matched as entities
    events: tuple[str, ...] | None = None
    mentions: tuple[str, ...] = ()
    # its source gave the day only (items.published_day_only)
    published_day_only: bool = False
    # the entities its headline names (a span inside the title)
    headline_entities: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StoryMember:
    """One item of a story as /story shows it: where it came from and why it joined."""

    item_id: int
    source: str
    title: str
    link: str | None
    language: str | None
    published: datetime
    severity: str | None
    rule: str | None
    score: float | None
    # the parts of the signatures that agreed when it joined ("place:sev_lake", "event:fighting", …), the
    # item it matched, the stories it showed to be this one; its own event types
    evidence: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    matched_item: int | None = None
    merged: tuple[int, ...] = ()
    published_day_only: bool = False


@dataclass(frozen=True, slots=True)
class StoryDetails:
    """A story with its items, oldest first; the stories merged into it; the story it was merged into."""

    id: int
    title: str
    severity: str | None
    created_at: datetime
    members: tuple[StoryMember, ...]
    merged_from: tuple[int, ...] = ()
    merged_into: int | None = None

    @property
    def sources(self) -> list[str]:
        """The distinct sources of the story, in the order they reported it."""
        return list(dict.fromkeys(member.source for member in self.members))


_SHOWN_ITEM_COLUMNS = (
    Item.title,
    Item.link,
    Item.language,
    Item.published_at,
    Item.published_day_only,
    Item.severity,
    Item.story_rule,
    Item.story_score,
    Item.story_evidence,
    Item.events,
)


def source_name(feed: Feed) -> str:
    """A source is named by its feed's title (admin/OPML title first), else its URL (DESIGN.md)."""
    return feed.title_override or feed.title or feed.url


async def _candidate_items(
    session: AsyncSession,
    entity_ids: Iterable[str],
    published: Sequence[tuple[datetime, datetime]],
    exclude: Iterable[int] = (),
    recent: int = 0,
    per_source: int | None = None,
    recent_per_source: int | None = None,
) -> list[CandidateItem]:
    """Items published within one of the `published` (start, end) ranges, in a story, tagged with at least one
    of `entity_ids` (of each feed its `per_source` newest, or all when None), and the `recent` newest tagged
    items in those ranges whatever their entities (oldest first), each with all its entity ids; `exclude` item
    ids are left out (the items being stored). The newest ones make the candidates language- and
    gazetteer-independent (an item tagged only with the border, or a village no entity tracks, still meets
    the reports of its event) at a bounded cost: the window's busiest hours add at most `recent`. A feed
    posting hundreds of new items a poll about the same places adds at most `per_source`: the cost of placing
    a batch would otherwise grow with everything it posted in the window; and at most `recent_per_source` of
    the `recent` newest, which it would otherwise take all of."""
    wanted = sorted(set(entity_ids))
    if not published or (not wanted and recent <= 0):
        return []
    excluded = list(exclude)
    in_window = [
        Item.story_id.is_not(None),
        or_(*(Item.published_at.between(start, end) for start, end in published)),
    ]
    if excluded:
        in_window.append(Item.id.not_in(excluded))
    ids: set[int] = set()
    if wanted:
        matching = select(ItemEntity.item_id).where(ItemEntity.entity_id.in_(wanted))
        tagged_alike = select(Item.id).where(Item.id.in_(matching), *in_window)
        if per_source is not None:
            newest_first = (Item.published_at.desc(), Item.id.desc())
            rank = func.row_number().over(partition_by=Item.feed_id, order_by=newest_first).label("rank")
            ranked = tagged_alike.add_columns(rank).subquery()
            tagged_alike = select(ranked.c.id).where(ranked.c.rank <= per_source)
        ids.update((await session.execute(tagged_alike)).scalars())
    if recent > 0:
        # each row of the ranges checked on item_entities' key
        tagged = exists().where(ItemEntity.item_id == Item.id)
        newest_first = (Item.published_at.desc(), Item.id.desc())
        recent_tagged = select(Item.id).where(tagged, *in_window)
        if recent_per_source is None:  # walks ix_items_published_at from the newest down
            newest = recent_tagged.order_by(*newest_first).limit(recent)
        else:
            # every tagged item of the ranges is ranked within its feed (not just the newest walked down)
            rank = func.row_number().over(partition_by=Item.feed_id, order_by=newest_first).label("rank")
            ranked = recent_tagged.add_columns(Item.published_at, rank).subquery()
            newest = (
                select(ranked.c.id)
                .where(ranked.c.rank <= recent_per_source)
                .order_by(ranked.c.published_at.desc(), ranked.c.id.desc())
                .limit(recent)
            )
        ids.update((await session.execute(newest)).scalars())
    if not ids:
        return []
    wanted_ids = sorted(ids)
    rows: list[Any] = []
    for start in range(0, len(wanted_ids), 5000):
        rows += (
            await session.execute(
                select(
                    Item.id,
                    Item.story_id,
                    Item.title,
                    Item.summary,
                    Item.language,
                    Item.published_at,
                    Item.feed_id,
                    Item.events,
                    Item.published_day_only,
                ).where(Item.id.in_(wanted_ids[start : start + 5000]))
            )
        ).all()
    rows.sort(key=lambda row: (row.published_at, row.id))
    tags: dict[int, list[str]] = {}
    mentions: dict[int, list[str]] = {}
    in_headline: dict[int, list[str]] = {}
    title_length = {row.id: len(row.title) for row in rows}
    for start in range(0, len(wanted_ids), 5000):
        tag_rows = await session.execute(
            select(ItemEntity.item_id, ItemEntity.entity_id, ItemEntity.spans).where(
                ItemEntity.item_id.in_(wanted_ids[start : start + 5000])
            )
        )
        for item_id, entity_id, spans in tag_rows.all():
            tags.setdefault(item_id, []).append(entity_id)
            valid = [span for span in spans or () if isinstance(span, list | tuple) and len(span) >= 3]
            mentions.setdefault(item_id, []).extend(str(span[2]) for span in valid)
            if any(isinstance(span[0], int) and span[0] < title_length[item_id] for span in valid):
                in_headline.setdefault(item_id, []).append(entity_id)
    return [
        CandidateItem(
            id=row.id,
            story_id=int(row.story_id),
            title=row.title,
            summary=row.summary,
            language=row.language,
            published=row.published_at,
            entity_ids=tuple(sorted(tags.get(row.id, []))),
            feed_id=row.feed_id,
            events=split_list(row.events) if row.events is not None else None,
            mentions=tuple(mentions.get(row.id, [])),
            published_day_only=bool(row.published_day_only),
            headline_entities=tuple(sorted(in_headline.get(row.id, []))),
        )
        for row in rows
    ]


def split_list(value: str | None) -> tuple[str, ...]:
    """A comma-separated column (items.events, items.story_evidence) as a tuple."""
    return tuple(part for part in (value or "").split(",") if part)


def join_list(values: Iterable[str]) -> str:
    """Values as a comma-separated column (sorted, so equal sets store equal strings)."""
    return ",".join(sorted(set(values)))


def evidence_column(
    matched_item: int | None, evidence: Iterable[str], merged: Iterable[int] = ()
) -> str | None:
    """items.story_evidence: the item matched ("item:12"), the parts of the signatures that agreed
    ("place:sev_lake", "event:fighting", …) and the stored stories the item showed to be one ("merged:7")."""
    parts = [*evidence, *(f"merged:{story}" for story in merged)]
    if matched_item is not None:
        parts.append(f"item:{matched_item}")
    return join_list(part.replace(",", " ") for part in parts) or None


@dataclass(frozen=True, slots=True)
class Evidence:
    """items.story_evidence read back."""

    matched_item: int | None
    agreed: tuple[str, ...]
    merged: tuple[int, ...]


def read_evidence(value: str | None) -> Evidence:
    """The parts of an items.story_evidence column (evidence_column)."""
    matched: int | None = None
    agreed: list[str] = []
    merged: list[int] = []
    for part in split_list(value):
        kind, _, rest = part.partition(":")
        if kind == "item" and rest.isdigit():
            matched = int(rest)
        elif kind == "merged" and rest.isdigit():
            merged.append(int(rest))
        else:
            agreed.append(part)
    return Evidence(matched, tuple(agreed), tuple(sorted(set(merged))))


async def _entity_kinds(session: AsyncSession, entity_ids: Iterable[str]) -> dict[str, str]:
    """The kind (place, org, person …) of each entity id the entities table knows."""
    wanted = sorted(set(entity_ids))
    if not wanted:
        return {}
    rows = await session.execute(select(Entity.id, Entity.kind).where(Entity.id.in_(wanted)))
    return {entity_id: kind for entity_id, kind in rows.all()}


async def _story_severities(session: AsyncSession, story_ids: Iterable[int]) -> dict[int, str | None]:
    """The current severity of each story."""
    wanted = sorted(set(story_ids))
    if not wanted:
        return {}
    rows = await session.execute(select(Story.id, Story.severity).where(Story.id.in_(wanted)))
    return {story_id: severity for story_id, severity in rows.all()}


async def _sources_by_story(session: AsyncSession, story_ids: Sequence[int]) -> dict[int, list[str]]:
    """The distinct sources of each story, in the order they reported it (first item first)."""
    if not story_ids:
        return {}
    rows = await session.execute(
        select(Item.story_id, Feed)
        .join(Feed, Feed.id == Item.feed_id)
        .where(Item.story_id.in_(set(story_ids)))
        .order_by(Item.published_at, Item.id)
    )
    sources: dict[int, dict[str, None]] = {}
    for story_id, feed in rows.all():
        if story_id is not None:
            sources.setdefault(story_id, {})[source_name(feed)] = None
    return {story_id: list(names) for story_id, names in sources.items()}


async def story_details(db: Database, story_id: int) -> StoryDetails | None:
    """The story with every item, its source, rule, score and evidence (oldest first), or None when there is
    none. A story merged into another has no items left: `merged_into` names the one that has them."""
    async with db.transaction() as session:
        story = await session.get(Story, story_id)
        if story is None:
            return None
        merged_from = tuple(
            (
                await session.execute(
                    select(Story.id).where(Story.merged_into_id == story_id).order_by(Story.id)
                )
            ).scalars()
        )
        rows = await session.execute(
            select(Item, Feed)
            .join(Feed, Feed.id == Item.feed_id)
            .where(Item.story_id == story_id)
            .order_by(Item.published_at, Item.id)
            # the columns shown, never the items' summaries: a long story's would all be read and kept
            .options(load_only(*_SHOWN_ITEM_COLUMNS))
        )
        members = tuple(
            StoryMember(
                item_id=item.id,
                source=source_name(feed),
                title=item.title,
                link=item.link,
                language=item.language,
                published=item.published_at,
                severity=item.severity,
                rule=item.story_rule,
                score=item.story_score,
                evidence=read_evidence(item.story_evidence).agreed,
                events=split_list(item.events),
                matched_item=read_evidence(item.story_evidence).matched_item,
                merged=read_evidence(item.story_evidence).merged,
                published_day_only=item.published_day_only,
            )
            for item, feed in rows.all()
        )
        return StoryDetails(
            story.id,
            story.title,
            story.severity,
            story.created_at,
            members,
            merged_from=merged_from,
            merged_into=story.merged_into_id,
        )


__all__ = [
    "CandidateItem",
    "Evidence",
    "StoryDetails",
    "StoryMember",
    "evidence_column",
    "join_list",
    "read_evidence",
    "source_name",
    "split_list",
    "story_details",
]
