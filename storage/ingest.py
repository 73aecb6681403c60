"""The ingest side's write transaction: what one batch of polls stores, as one unit.

`ingest_transaction(db)` opens one transaction and hands out an `IngestWrite` whose methods are the steps
feeds/store.py runs in order: which items are known, the new items with their tags, the stories they join or
start (and stories merged), who gets an alert or an edit (the outbox rows), and the fetch records. Everything
commits together or not at all: an item is never stored without its alerts (the transactional outbox).

Every decision (which story, who is alerted) is made in feeds/ by pure functions; these methods only read
and write rows. The types below are what feeds/ hands in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database, dialect_insert
from storage.feeds import FetchRecord, _known_items_of_feeds, _record_fetches
from storage.models import ALL_ENTITIES, Chat, Delivery, DeliveryUpdate, Feed, Item, Story, Subscription
from storage.stories import (
    CandidateItem,
    _candidate_items,
    _entity_kinds,
    _sources_by_story,
    _story_severities,
    evidence_column,
    join_list,
    source_name,
)
from storage.story_merges import _merge_stories
from storage.tags import Tag, _add_item_tags, _replace_item_tags

_ITEMS = cast(Table, Item.__table__)
_STORIES = cast(Table, Story.__table__)
_KEYS_PER_QUERY = 500
# Rows per INSERT: keeps each statement under SQLite's and asyncpg's bound-parameter limits (≤ 10 columns).
_DELIVERY_BATCH = 2000
_UPDATE_BATCH = 1500


@dataclass(frozen=True, slots=True)
class ItemRow:
    """A new item as stored: its text, identity, time, tags, severity and event types; `alertable` when it
    was news as it arrived (it may then alert, and its story is public)."""

    feed_id: int
    identity_key: str
    guid: str | None
    link: str | None
    title: str
    summary: str
    language: str | None
    published: datetime
    fetched_at: datetime
    content_hash: str
    severity: str | None = None
    events: tuple[str, ...] = ()
    tags: tuple[Tag, ...] = ()
    alertable: bool = False
    published_day_only: bool = False


@dataclass(frozen=True, slots=True)
class StoryContext:
    """What a batch's story decisions compare with: the open stories' items, the kinds of the entities and
    the severity of each story those items are in."""

    candidates: list[CandidateItem]
    kinds: dict[str, str]
    severities: dict[int, str | None]


@dataclass(frozen=True, slots=True)
class NewStory:
    """A story a batch starts: titled after its first item."""

    first_item_id: int
    title: str
    severity: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ItemPlacement:
    """The story an item went to, the rule and score that decided, and the evidence (items.story_evidence):
    the item it matched, the parts of the signatures that agreed, the stored stories it showed to be one."""

    item_id: int
    story_id: int
    rule: str
    score: float | None
    matched_item: int | None = None
    evidence: tuple[str, ...] = ()
    merged: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ShownAlert:
    """What an alert row's message shows next to what it would show now: the story's sources other than the
    alert's own with the batch's items placed (what an edit would name), and, once the alert is sent, how
    many of them and which severity the message shows."""

    sources_now: int
    sent: bool = False
    sent_sources: int | None = None
    sent_severity: str | None = None


@dataclass(frozen=True, slots=True)
class Audience:
    """Who may be alerted about some stories: the active chats subscribed to each entity (ALL_ENTITIES: to
    everything), the chats that want P1 alerts only, each story's alert rows (chat id → row id) and what
    each of those rows shows (row id → ShownAlert)."""

    subscribers: dict[str, set[int]] = field(default_factory=dict)
    alerts_off: set[int] = field(default_factory=set)
    alerts: dict[int, dict[int, int]] = field(default_factory=dict)
    shown: dict[int, ShownAlert] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NewAlert:
    """An alert to queue: one chat, one story, shown by `item_id`."""

    chat_id: int
    story_id: int
    item_id: int
    severity: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class AlertChange:
    """A change to a chat's alert row `delivery_id`: an edit (another source joined) or a reply (the story's
    severity rose), caused by `item_id`."""

    delivery_id: int
    chat_id: int
    story_id: int
    item_id: int
    kind: str  # edit | reply
    severity: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class AlertPlan:
    """The outbox rows a batch writes: new alerts, changes to sent ones, and the stories whose unsent alerts
    take a higher severity (their priority follows the story)."""

    alerts: tuple[NewAlert, ...] = ()
    changes: tuple[AlertChange, ...] = ()
    raised: tuple[tuple[int, str | None], ...] = ()


class IngestWrite:
    """The steps of one ingest write transaction (see the module docstring)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def known_items(
        self, wanted: Sequence[tuple[int, Iterable[str], Iterable[str]]]
    ) -> list[tuple[set[str], set[str]]]:
        """For each (feed id, identity keys, content hashes): which of those keys, and which of those hashes,
        stored items of that feed have."""
        return await _known_items_of_feeds(self._session, wanted)

    async def stored_content_hashes(self, feed_id: int, identity_keys: Iterable[str]) -> dict[str, str]:
        """identity key → stored content hash, for those of `identity_keys` the feed has."""
        keys = sorted(set(identity_keys))
        found: dict[str, str] = {}
        for start in range(0, len(keys), _KEYS_PER_QUERY):
            rows = await self._session.execute(
                select(Item.identity_key, Item.content_hash).where(
                    Item.feed_id == feed_id, Item.identity_key.in_(keys[start : start + _KEYS_PER_QUERY])
                )
            )
            found.update({key: content_hash for key, content_hash in rows.all()})
        return found

    async def update_edited_items(self, rows: Sequence[ItemRow]) -> int:
        """Give the stored items with these feeds and identity keys their new text, hash, tags and severity
        (an edited post keeps its id, story and alerts; nothing is queued). Returns how many changed."""
        changed = 0
        for row in rows:
            item_id = await self._session.scalar(
                update(Item)
                .where(
                    Item.feed_id == row.feed_id,
                    Item.identity_key == row.identity_key,
                    Item.content_hash != row.content_hash,
                )
                .values(title=row.title, summary=row.summary, content_hash=row.content_hash)
                .returning(Item.id)
            )
            if item_id is not None:
                await _replace_item_tags(self._session, item_id, row.tags, row.severity)
                changed += 1
        return changed

    async def insert_items(self, rows: Sequence[ItemRow]) -> list[int | None]:
        """Insert the items with their tags; for each row its new id, or None when its feed already had its
        identity key (a re-poll, or another worker storing it at the same moment)."""
        if not rows:
            return []
        statement = (
            dialect_insert(self._session, _ITEMS)
            .on_conflict_do_nothing(index_elements=["feed_id", "identity_key"])
            .returning(Item.id, Item.feed_id, Item.identity_key)
        )
        # executemany: SQLAlchemy sends the rows in pages of one multi-row INSERT each, compiled once
        result = await self._session.execute(
            statement,
            [
                {
                    "feed_id": row.feed_id,
                    "identity_key": row.identity_key,
                    "guid": row.guid,
                    "link": row.link,
                    "title": row.title,
                    "summary": row.summary,
                    "language": row.language,
                    "published_at": row.published,
                    "published_day_only": row.published_day_only,
                    "fetched_at": row.fetched_at,
                    "content_hash": row.content_hash,
                    "severity": row.severity,
                    "events": join_list(row.events),
                    "alertable": row.alertable,
                }
                for row in rows
            ],
        )
        inserted = {(feed_id, key): item_id for item_id, feed_id, key in result.all()}
        ids = [inserted.get((row.feed_id, row.identity_key)) for row in rows]
        for row, item_id in zip(rows, ids, strict=True):
            if item_id is not None:
                _add_item_tags(self._session, item_id, row.tags)
        return ids

    async def story_context(
        self,
        entity_ids: Iterable[str],
        published: Sequence[tuple[datetime, datetime]],
        exclude: Iterable[int],
        recent: int = 0,
        per_source: int | None = None,
        recent_per_source: int | None = None,
    ) -> StoryContext:
        """The items of open stories published within one of the `published` (start, end) ranges and tagged
        with any of `entity_ids` (of each feed the `per_source` newest; all when None), and the `recent`
        newest tagged ones in those ranges whatever their entities (of each feed at most `recent_per_source`;
        `exclude`: the items being stored), the
        kinds of their entities and of `entity_ids`, and the candidates' stories' severities."""
        wanted = set(entity_ids)
        candidates = await _candidate_items(
            self._session,
            wanted,
            published,
            exclude=exclude,
            recent=recent,
            per_source=per_source,
            recent_per_source=recent_per_source,
        )
        kinds = await _entity_kinds(self._session, wanted | {e for c in candidates for e in c.entity_ids})
        severities = await _story_severities(self._session, {c.story_id for c in candidates})
        return StoryContext(candidates, kinds, severities)

    async def insert_stories(self, stories: Sequence[NewStory]) -> list[int]:
        """Insert the stories; their ids, in order."""
        if not stories:
            return []
        result = await self._session.execute(
            insert(_STORIES).returning(_STORIES.c.id, _STORIES.c.first_item_id),
            [
                {
                    "title": story.title,
                    "severity": story.severity,
                    "created_at": story.created_at,
                    "updated_at": story.created_at,
                    "first_item_id": story.first_item_id,
                }
                for story in stories
            ],
        )
        # matched by first item: the order of RETURNING rows is not guaranteed
        story_of = {first_item_id: story_id for story_id, first_item_id in result.all()}
        return [int(story_of[story.first_item_id]) for story in stories]

    async def merge_stories(self, survivor: int, absorbed: Sequence[int], now: datetime) -> str | None:
        """Fold the `absorbed` stories into `survivor` (storage.story_merges: items, severity, one alert per
        chat); the merged story's severity."""
        return await _merge_stories(self._session, survivor, absorbed, now)

    async def place_items(
        self, placements: Sequence[ItemPlacement], severities: dict[int, str | None], now: datetime
    ) -> None:
        """Record each item's story, rule, score and evidence, and set the stories' new severities."""
        if placements:
            await self._session.execute(
                update(Item),
                [
                    {
                        "id": p.item_id,
                        "story_id": p.story_id,
                        "story_rule": p.rule,
                        "story_score": p.score,
                        "story_evidence": evidence_column(p.matched_item, p.evidence, p.merged),
                    }
                    for p in placements
                ],
            )
        if severities:
            await self._session.execute(
                update(Story),
                [
                    {"id": story_id, "severity": severity, "updated_at": now}
                    for story_id, severity in sorted(severities.items())
                ],
            )

    async def audience(self, entity_ids: Iterable[str], story_ids: Iterable[int]) -> Audience:
        """Who may be alerted about items tagged `entity_ids` in `story_ids` (see Audience)."""
        wanted = sorted(set(entity_ids))
        subscribers: dict[str, set[int]] = {}
        rows = await self._session.execute(
            select(Subscription.entity_id, Subscription.chat_id)
            .join(Chat, Chat.id == Subscription.chat_id)
            .where(Chat.active.is_(True), Subscription.entity_id.in_([*wanted, ALL_ENTITIES]))
        )
        for entity_id, chat_id in rows.all():
            subscribers.setdefault(entity_id, set()).add(chat_id)
        alerts_off = set(
            (await self._session.execute(select(Chat.id).where(Chat.alerts_enabled.is_(False)))).scalars()
        )
        alerts: dict[int, dict[int, int]] = {}
        shown: dict[int, ShownAlert] = {}
        stories = sorted(set(story_ids))
        if stories:
            sources = await _sources_by_story(self._session, stories)
            existing = await self._session.execute(
                select(Delivery, Feed)
                .join(Item, Item.id == Delivery.item_id)
                .join(Feed, Feed.id == Item.feed_id)
                .where(Delivery.story_id.in_(stories))
            )
            for delivery, feed in existing.all():
                alerts.setdefault(delivery.story_id, {})[delivery.chat_id] = delivery.id
                own = source_name(feed)
                sent = delivery.status == "sent" and delivery.message_id is not None
                shown[delivery.id] = ShownAlert(
                    sources_now=sum(name != own for name in sources.get(delivery.story_id, [])),
                    sent=sent,
                    sent_sources=delivery.shown_sources,
                    sent_severity=delivery.shown_severity or delivery.severity,
                )
        return Audience(subscribers, alerts_off, alerts, shown)

    async def queue(self, plan: AlertPlan) -> None:
        """Write the outbox rows of `plan` (an alert a chat already has for the story is not queued twice)."""
        for story_id, severity in plan.raised:
            await self._session.execute(
                update(Delivery)
                .where(Delivery.story_id == story_id, Delivery.status.in_(("pending", "sending")))
                .values(severity=severity)
            )
        await self._insert_new(Delivery, plan.alerts, _alert_row, _DELIVERY_BATCH, ["chat_id", "story_id"])
        changes = await self._fold_into_pending(plan.changes)
        await self._insert_new(
            DeliveryUpdate, changes, _change_row, _UPDATE_BATCH, ["delivery_id", "item_id"]
        )
        await self._session.flush()

    async def _fold_into_pending(self, changes: Sequence[AlertChange]) -> list[AlertChange]:
        """The changes that need a row of their own: an alert with an edit still pending gets no other (that
        edit shows the alert as it reads when it is sent), and a pending reply is moved to the newer rise
        (its item and severity, due with it unless it is waiting out a failure). A pending row is taken only
        when this transaction can lock it: one being leased right now may already be rendered without this
        batch, so the change then gets its own row."""
        wanted = {(c.delivery_id, c.kind) for c in changes}
        if not wanted:
            return []
        query = (
            select(DeliveryUpdate)
            .where(
                DeliveryUpdate.delivery_id.in_(sorted({delivery_id for delivery_id, _ in wanted})),
                DeliveryUpdate.kind.in_(("edit", "reply")),
                DeliveryUpdate.status == "pending",
            )
            .order_by(DeliveryUpdate.id.desc())
        )
        if self._session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        pending: dict[tuple[int, str], DeliveryUpdate] = {}
        for found in (await self._session.execute(query)).scalars():
            if (found.delivery_id, found.kind) in wanted:
                pending.setdefault((found.delivery_id, found.kind), found)  # the newest
        own: list[AlertChange] = []
        for change in changes:
            row = pending.get((change.delivery_id, change.kind))
            if row is None:
                own.append(change)
            elif change.kind == "reply":
                row.item_id, row.severity = change.item_id, change.severity
                if row.attempts == 0:  # held for quiet hours: looked at again now (a P1 may pass them)
                    row.next_attempt_at = change.at
        return own

    async def _insert_new(
        self,
        model: type[Delivery] | type[DeliveryUpdate],
        queued: Sequence[Queued],
        row: Callable[[Queued], dict[str, Any]],
        batch: int,
        key: list[str],
    ) -> None:
        """Insert the rows (`row` of each of `queued`) `batch` at a time, skipping a row whose `key` is
        already queued. One statement executed with many parameter sets (the driver's executemany, on its
        own thread with aiosqlite), not one multi-row VALUES: SQLAlchemy compiled that anew for every batch,
        on the event loop, about 0.3 s for 2,000 rows (a story's alert to 2,000 chats held every reply
        meanwhile, bench/loop_stall.py); each batch's rows are made just before it is sent, so the event loop
        turns between batches however many alerts a burst queues."""
        if not queued:
            return
        statement = dialect_insert(self._session, model.__table__).on_conflict_do_nothing(index_elements=key)
        for start in range(0, len(queued), batch):
            await self._session.execute(statement, [row(one) for one in queued[start : start + batch]])

    async def record_fetches(self, records: Sequence[tuple[int, FetchRecord]]) -> None:
        """Write the polls' outcomes (storage.feeds.record_fetches) in this transaction."""
        await _record_fetches(self._session, records)


Queued = TypeVar("Queued", NewAlert, AlertChange)


def _alert_row(alert: NewAlert) -> dict[str, Any]:
    return {
        "chat_id": alert.chat_id,
        "story_id": alert.story_id,
        "item_id": alert.item_id,
        "severity": alert.severity,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": alert.at,
        "created_at": alert.at,
    }


def _change_row(change: AlertChange) -> dict[str, Any]:
    return {
        "delivery_id": change.delivery_id,
        "chat_id": change.chat_id,
        "story_id": change.story_id,
        "item_id": change.item_id,
        "kind": change.kind,
        "severity": change.severity,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": change.at,
        "created_at": change.at,
    }


@asynccontextmanager
async def ingest_transaction(db: Database) -> AsyncIterator[IngestWrite]:
    """One ingest write transaction: committed when the block ends, rolled back if it raises."""
    async with db.transaction() as session:
        yield IngestWrite(session)


__all__ = [
    "AlertChange",
    "AlertPlan",
    "Audience",
    "IngestWrite",
    "ItemPlacement",
    "ItemRow",
    "NewAlert",
    "NewStory",
    "ShownAlert",
    "StoryContext",
    "ingest_transaction",
]
