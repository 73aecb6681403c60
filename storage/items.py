"""Storing new items: item, tags, story (merged across sources) and the outbox rows, in the caller's one
transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from feeds.model import Classification, NewItem
from feeds.signature import event_types
from feeds.stories import RULE_NEW, Fingerprint, StoryDecision, StoryRules, decide, fingerprint
from storage.db import dialect_insert
from storage.models import ALL_ENTITIES, Chat, Delivery, DeliveryUpdate, Item, Story, Subscription
from storage.stories import (
    candidate_items,
    entity_kinds,
    evidence_column,
    higher_severity,
    join_list,
    severity_rank,
    story_severities,
)
from storage.story_merges import merge_stories
from storage.tags import add_item_tags

_ITEMS = cast(Table, Item.__table__)
_STORIES = cast(Table, Story.__table__)

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
    story_rule: str = RULE_NEW
    story_score: float | None = None


@dataclass(frozen=True, slots=True)
class FeedItems:
    """Items of one feed's document to store, fetched at `now`; `alert` once the feed's history is loaded."""

    feed_id: int
    items: Sequence[NewItem]
    alert: bool
    now: datetime


@dataclass(frozen=True, slots=True)
class _New:
    """An item that was inserted by this call, and the poll it came from."""

    item_id: int
    item: NewItem
    feed: FeedItems


async def store_new_items(
    session: AsyncSession,
    feed_id: int,
    items: Sequence[NewItem],
    *,
    alert: bool,
    now: datetime,
    stories: StoryRules | None = None,
) -> list[StoredItem]:
    """Insert the items of one feed that are not stored yet (by identity key) and return only those: see
    store_new_items_of_feeds."""
    (stored,) = await store_new_items_of_feeds(
        session, [FeedItems(feed_id, items, alert, now)], stories=stories
    )
    return stored


async def store_new_items_of_feeds(
    session: AsyncSession, feeds: Sequence[FeedItems], *, stories: StoryRules | None = None
) -> list[list[StoredItem]]:
    """Insert the items of many feeds that are not stored yet (by feed and identity key) and return, for each
    feed in order, only those; the same few statements serve every feed.

    Each new item gets its entity tags and joins an open story when feeds.stories says it is the same news
    (recording the rule and score on the item), else starts a new story; a story's severity is the highest
    of its items. When its feed's `alert` is true and the item is recent, the outbox gets: one pending alert
    for every active subscribed chat without one for the story yet (chats with /alerts off: only P1 stories),
    and, for every chat that already has the story's alert, an edit of it (another source joined) or, when
    this item raised the story's severity, a reply to it. A re-poll of the same items inserts nothing.
    """
    rules = stories or StoryRules()
    wanted: list[tuple[FeedItems, NewItem]] = []
    for feed in feeds:
        unique: dict[str, NewItem] = {}
        for item in feed.items:
            unique.setdefault(item.identity_key, item)
        wanted.extend((feed, item) for item in unique.values())
    if not wanted:
        return [[] for _ in feeds]
    rows = [
        {
            "feed_id": feed.feed_id,
            "identity_key": item.identity_key,
            "guid": item.entry.guid,
            "link": item.entry.link,
            "title": item.entry.title,
            "summary": item.entry.summary,
            "language": item.entry.language,
            "published_at": item.published,
            "fetched_at": feed.now,
            "content_hash": item.content_hash,
            "severity": item.classification.severity,
            "events": join_list(event_types(item.classification)),
            "alertable": _alertable(feed, item),
        }
        for feed, item in wanted
    ]
    statement = (
        dialect_insert(session, _ITEMS)
        .on_conflict_do_nothing(index_elements=["feed_id", "identity_key"])
        .returning(Item.id, Item.feed_id, Item.identity_key)
    )
    # executemany: SQLAlchemy sends the rows in pages of one multi-row INSERT each, compiled once
    result = await session.execute(statement, rows)
    inserted = {(feed_id, key): item_id for item_id, feed_id, key in result.all()}
    new = [
        _New(inserted[feed.feed_id, item.identity_key], item, feed)
        for feed, item in wanted
        if (feed.feed_id, item.identity_key) in inserted
    ]
    if not new:
        return [[] for _ in feeds]
    for one in new:
        add_item_tags(session, one.item_id, one.item.classification)
    joined = await _join_stories(session, new, rules)
    alertable = [(one, joined[one.item_id]) for one in new if _alertable(one.feed, one.item)]
    chats_by_item = await _queue_deliveries(session, alertable)
    await session.flush()
    stored: dict[int, list[StoredItem]] = {id(feed): [] for feed in feeds}
    for one in new:
        item, story = one.item, joined[one.item_id]
        stored[id(one.feed)].append(
            StoredItem(
                id=one.item_id,
                feed_id=one.feed.feed_id,
                story_id=story.story_id,
                title=item.entry.title,
                link=item.entry.link,
                published=item.published,
                entity_ids=tuple(item.classification.entity_ids),
                severity=item.classification.severity,
                alerted_chats=chats_by_item.get(one.item_id, 0),
                story_rule=story.rule,
                story_score=story.score,
            )
        )
    return [stored[id(feed)] for feed in feeds]


def _alertable(feed: FeedItems, item: NewItem) -> bool:
    """The item is news: its feed's history is loaded, it is tagged, and it is at most ALERT_MAX_AGE old."""
    return feed.alert and bool(item.classification.entities) and feed.now - item.published <= ALERT_MAX_AGE


@dataclass(frozen=True, slots=True)
class _Joined:
    """Where one new item went: its story, why, and the story's severity before and after it joined."""

    story_id: int
    rule: str
    score: float | None
    severity_before: str | None
    severity_after: str | None

    @property
    def new_story(self) -> bool:
        return self.rule == RULE_NEW

    @property
    def raised(self) -> bool:
        """This item made an existing story more severe."""
        return not self.new_story and severity_rank(self.severity_after) < severity_rank(self.severity_before)


def _fingerprint(
    item_id: int,
    story_id: int | None,
    title: str,
    summary: str,
    language: str | None,
    published: datetime,
    entity_ids: Sequence[str],
    kinds: dict[str, str],
    rules: StoryRules,
    source: int,
    events: Sequence[str],
    mentions: Sequence[str],
) -> Fingerprint:
    places = [e for e in entity_ids if kinds.get(e) == "place"]
    return fingerprint(
        title,
        summary,
        language,
        published,
        entity_ids,
        places=places,
        events=events,
        mentions=mentions,
        rules=rules,
        story_id=story_id,
        item_id=item_id,
        source=source,
    )


def _mentions(classification: Classification) -> list[str]:
    return [span[2] for match in classification.entities for span in match.spans]


def _order(story_id: int) -> tuple[int, int]:
    """Stories by age: stored ones by id, then the ones this batch starts (negative stand-ins -1, -2, …)."""
    return (0, story_id) if story_id > 0 else (1, -story_id)


async def _join_stories(session: AsyncSession, new: Sequence[_New], rules: StoryRules) -> dict[int, _Joined]:
    """Put every new item in a story (oldest item first, so a batch can form a story of its own) and record
    story_id, story_rule, story_score and the evidence on it; raise each story's severity to the highest of
    its items. When an item shows that two open stories are one, the newer is merged into the older
    (storage.story_merges: items, severity and each chat's single alert). Untagged items always start a story
    of their own: they never alert, and comparing them costs time."""
    tagged = [one.item for one in new if one.item.classification.entities]
    entity_ids = {e for item in tagged for e in item.classification.entity_ids}
    kinds = await entity_kinds(session, entity_ids)
    pool: list[Fingerprint] = []
    if tagged:
        since = min(item.published for item in tagged) - rules.window
        for c in await candidate_items(session, entity_ids, since, exclude=[one.item_id for one in new]):
            pool.append(
                _fingerprint(
                    c.id,
                    c.story_id,
                    c.title,
                    c.summary,
                    c.language,
                    c.published,
                    c.entity_ids,
                    kinds,
                    rules,
                    c.feed_id,
                    c.events or (),
                    c.mentions,
                )
            )
    severity = await story_severities(session, {f.story_id for f in pool if f.story_id is not None})
    # stories started by this batch get their ids when inserted together at the end: until then a
    # negative stand-in, so that later items of the batch can join them
    started: dict[int, _New] = {}
    joined: dict[int, _Joined] = {}
    evidence: dict[int, str | None] = {}
    merged_into: dict[int, int] = {}  # story -> the older story it turned out to be (union-find links)

    def current(story_id: int) -> int:
        while story_id in merged_into:
            story_id = merged_into[story_id]
        return story_id

    for one in sorted(new, key=lambda one: (one.item.published, one.item_id)):
        entry, classification = one.item.entry, one.item.classification
        fp = _fingerprint(
            one.item_id,
            None,
            entry.title,
            entry.summary,
            entry.language,
            one.item.published,
            classification.entity_ids,
            kinds,
            rules,
            one.feed.feed_id,
            sorted(event_types(classification)),
            _mentions(classification),
        )
        if classification.entities:
            candidates = [
                replace(c, story_id=current(c.story_id)) if c.story_id in merged_into else c for c in pool
            ]
            decision = decide(fp, candidates, rules)
        else:
            decision = StoryDecision(None, RULE_NEW, None)
        merged: list[int] = []  # stored stories this item showed to be one with an older one
        if decision.story_id is None:
            story_id = -1 - len(started)
            started[story_id] = one
            before = None
            severity[story_id] = classification.severity
        else:
            story_id = decision.story_id
            before = severity.get(story_id)
            severity[story_id] = higher_severity(before, classification.severity)
            for match in decision.merges:
                other = current(match.story_id)
                if other == story_id:
                    continue
                older, newer = sorted((story_id, other), key=_order)
                if newer > 0:
                    merged.append(newer)
                merged_into[newer] = older
                severity[older] = higher_severity(severity.get(older), severity.get(newer))
                story_id = older
        joined[one.item_id] = _Joined(story_id, decision.rule, decision.score, before, severity[story_id])
        evidence[one.item_id] = evidence_column(decision.matched_item_id, decision.evidence, merged)
        if classification.entities:
            pool.append(replace(fp, story_id=story_id))
    # stories started by this batch and merged into another in it are never inserted
    kept = {key: one for key, one in started.items() if key not in merged_into}
    story_ids = await _new_stories(session, [(one, severity[current(key)]) for key, one in kept.items()])
    real = dict(zip(kept, story_ids, strict=True))

    def final(story_id: int) -> int:
        story_id = current(story_id)
        return real.get(story_id, story_id)

    joined = {
        item_id: replace(j, story_id=final(j.story_id), severity_after=severity[current(j.story_id)])
        for item_id, j in joined.items()
    }
    # stored stories that turned out to be one: fold each into the oldest of its group
    absorbed: dict[int, list[int]] = {}
    for newer in merged_into:
        if newer > 0:
            absorbed.setdefault(final(newer), []).append(newer)
    now = _latest(new)
    for survivor, stories in sorted(absorbed.items()):
        merged_severity = await merge_stories(session, survivor, stories, now)
        severity[survivor] = higher_severity(severity.get(survivor), merged_severity)
    await session.execute(
        update(Item),
        [
            {
                "id": item_id,
                "story_id": j.story_id,
                "story_rule": j.rule,
                "story_score": j.score,
                "story_evidence": evidence[item_id],
            }
            for item_id, j in joined.items()
        ],
    )
    grown = {j.story_id for j in joined.values() if not j.new_story} - set(story_ids)
    if grown:
        await session.execute(
            update(Story),
            [
                {"id": story_id, "severity": _severity_of(severity, story_id, joined), "updated_at": now}
                for story_id in sorted(grown)
            ],
        )
    return joined


def _severity_of(severity: dict[int, str | None], story_id: int, joined: dict[int, _Joined]) -> str | None:
    """The highest severity known for a stored story: its own, and the one its new items reached."""
    level = severity.get(story_id)
    for j in joined.values():
        if j.story_id == story_id:
            level = higher_severity(level, j.severity_after)
    return level


def _latest(new: Sequence[_New]) -> datetime:
    return max(one.feed.now for one in new)


async def _new_stories(session: AsyncSession, started: Sequence[tuple[_New, str | None]]) -> list[int]:
    """Insert one story per (first item, severity), titled after the item; returns their ids in order."""
    if not started:
        return []
    result = await session.execute(
        insert(_STORIES).returning(_STORIES.c.id, _STORIES.c.first_item_id),
        [
            {
                "title": one.item.entry.title,
                "severity": severity,
                "created_at": one.feed.now,
                "updated_at": one.feed.now,
                "first_item_id": one.item_id,
            }
            for one, severity in started
        ],
    )
    # matched by first item: the order of RETURNING rows is not guaranteed
    story_of = {first_item_id: story_id for story_id, first_item_id in result.all()}
    return [int(story_of[one.item_id]) for one, _ in started]


async def _queue_deliveries(
    session: AsyncSession, alertable: Sequence[tuple[_New, _Joined]]
) -> dict[int, int]:
    """The outbox rows for the alertable items (see store_new_items_of_feeds); returns new alerts per item
    id."""
    if not alertable:
        return {}
    entity_ids = sorted({e for one, _ in alertable for e in one.item.classification.entity_ids})
    subscribers = await _subscribers(session, entity_ids)
    everyone = subscribers.get(ALL_ENTITIES, set())
    alerts_off = await _chats_with_alerts_off(session)
    have = await _existing_deliveries(session, {j.story_id for _, j in alertable})
    rows: list[dict[str, object]] = []
    updates: list[dict[str, object]] = []
    counts: dict[int, int] = {}
    for one, joined in alertable:
        item_id, item, now = one.item_id, one.item, one.feed.now
        story = have.setdefault(joined.story_id, {})
        if joined.raised:
            # an alert not yet sent will show the new severity; its priority follows the story
            await session.execute(
                update(Delivery)
                .where(Delivery.story_id == joined.story_id, Delivery.status.in_(("pending", "sending")))
                .values(severity=joined.severity_after)
            )
        for chat_id, delivery_id in sorted(story.items()):
            if delivery_id is None:
                continue  # queued by this very batch: it will be sent showing every source so far
            updates.append(
                {
                    "delivery_id": delivery_id,
                    "chat_id": chat_id,
                    "story_id": joined.story_id,
                    "item_id": item_id,
                    "kind": "reply" if joined.raised else "edit",
                    "severity": joined.severity_after,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
            )
        chats = set(everyone)
        for entity_id in item.classification.entity_ids:
            chats |= subscribers.get(entity_id, set())
        if joined.severity_after != "P1":
            chats -= alerts_off
        fresh = sorted(chat_id for chat_id in chats if chat_id not in story)
        counts[item_id] = len(fresh)
        for chat_id in fresh:
            story[chat_id] = None
            rows.append(
                {
                    "chat_id": chat_id,
                    "story_id": joined.story_id,
                    "item_id": item_id,
                    "severity": joined.severity_after,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
            )
    for start in range(0, len(rows), _DELIVERY_BATCH):
        await session.execute(
            dialect_insert(session, Delivery)
            .values(rows[start : start + _DELIVERY_BATCH])
            .on_conflict_do_nothing(index_elements=["chat_id", "story_id"])
        )
    for start in range(0, len(updates), _UPDATE_BATCH):
        await session.execute(
            dialect_insert(session, DeliveryUpdate)
            .values(updates[start : start + _UPDATE_BATCH])
            .on_conflict_do_nothing(index_elements=["delivery_id", "item_id"])
        )
    return counts


async def _existing_deliveries(
    session: AsyncSession, story_ids: set[int]
) -> dict[int, dict[int, int | None]]:
    """For each story: chat id → id of the chat's alert row for it (any status: one alert per story)."""
    result: dict[int, dict[int, int | None]] = {}
    if not story_ids:
        return result
    rows = await session.execute(
        select(Delivery.story_id, Delivery.chat_id, Delivery.id).where(
            Delivery.story_id.in_(sorted(story_ids))
        )
    )
    for story_id, chat_id, delivery_id in rows.all():
        result.setdefault(story_id, {})[chat_id] = delivery_id
    return result


async def _chats_with_alerts_off(session: AsyncSession) -> set[int]:
    """Chats that asked for no alerts but P1 ones (/alerts off)."""
    rows = await session.execute(select(Chat.id).where(Chat.alerts_enabled.is_(False)))
    return set(rows.scalars())


# Rows per INSERT: keeps each statement under SQLite's and asyncpg's bound-parameter limits (≤ 10 columns).
_DELIVERY_BATCH = 2000
_UPDATE_BATCH = 1500


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
