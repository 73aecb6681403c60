"""Storing new items: item, tags, story (merged across sources) and the outbox rows, in the caller's one
transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from feeds.model import NewItem
from feeds.stories import RULE_NEW, Fingerprint, StoryDecision, StoryRules, decide, fingerprint
from storage.models import ALL_ENTITIES, Chat, Delivery, DeliveryUpdate, Item, Story, Subscription
from storage.stories import candidate_items, entity_kinds, higher_severity, severity_rank, story_severities
from storage.tags import add_item_tags

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


def _insert(session: AsyncSession, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


async def store_new_items(
    session: AsyncSession,
    feed_id: int,
    items: Sequence[NewItem],
    *,
    alert: bool,
    now: datetime,
    stories: StoryRules | None = None,
) -> list[StoredItem]:
    """Insert the items of one feed that are not stored yet (by identity key) and return only those.

    Each new item gets its entity tags and joins an open story when feeds.stories says it is the same news
    (recording the rule and score on the item), else starts a new story; a story's severity is the highest
    of its items. When `alert` is true and the item is recent, the outbox gets: one pending alert for every
    active subscribed chat without one for the story yet (chats with /alerts off: only P1 stories), and, for
    every chat that already has the story's alert, an edit of it (another source joined) or, when this item
    raised the story's severity, a reply to it. A re-poll of the same items inserts nothing.
    """
    rules = stories or StoryRules()
    unique: dict[str, NewItem] = {}
    for item in items:
        unique.setdefault(item.identity_key, item)
    if not unique:
        return []
    rows = [
        {
            "feed_id": feed_id,
            "identity_key": key,
            "guid": item.entry.guid,
            "link": item.entry.link,
            "title": item.entry.title,
            "summary": item.entry.summary,
            "language": item.entry.language,
            "published_at": item.published,
            "fetched_at": now,
            "content_hash": item.content_hash,
            "severity": item.classification.severity,
        }
        for key, item in unique.items()
    ]
    statement = (
        _insert(session, Item)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["feed_id", "identity_key"])
        .returning(Item.id, Item.identity_key)
    )
    inserted = {key: item_id for item_id, key in (await session.execute(statement)).all()}
    new = [(inserted[key], item) for key, item in unique.items() if key in inserted]
    if not new:
        return []
    for item_id, item in new:
        add_item_tags(session, item_id, item.classification)
    joined = await _join_stories(session, feed_id, new, rules, now)
    alertable = [
        (item_id, item, joined[item_id])
        for item_id, item in new
        if alert and item.classification.entities and now - item.published <= ALERT_MAX_AGE
    ]
    chats_by_item = await _queue_deliveries(session, alertable, now)
    await session.flush()
    return [
        StoredItem(
            id=item_id,
            feed_id=feed_id,
            story_id=joined[item_id].story_id,
            title=item.entry.title,
            link=item.entry.link,
            published=item.published,
            entity_ids=tuple(item.classification.entity_ids),
            severity=item.classification.severity,
            alerted_chats=chats_by_item.get(item_id, 0),
            story_rule=joined[item_id].rule,
            story_score=joined[item_id].score,
        )
        for item_id, item in new
    ]


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
) -> Fingerprint:
    places = [e for e in entity_ids if kinds.get(e) == "place"]
    return fingerprint(
        title,
        summary,
        language,
        published,
        entity_ids,
        places=places,
        rules=rules,
        story_id=story_id,
        item_id=item_id,
        source=source,
    )


async def _join_stories(
    session: AsyncSession, feed_id: int, new: Sequence[tuple[int, NewItem]], rules: StoryRules, now: datetime
) -> dict[int, _Joined]:
    """Put every new item in a story (oldest item first, so a batch can form a story of its own) and record
    story_id, story_rule and story_score on it; raise each story's severity to the highest of its items.
    Untagged items always start a story of their own: they never alert, and comparing them costs time."""
    tagged = [item for _, item in new if item.classification.entities]
    entity_ids = {e for item in tagged for e in item.classification.entity_ids}
    kinds = await entity_kinds(session, entity_ids)
    pool: list[Fingerprint] = []
    if tagged:
        since = min(item.published for item in tagged) - rules.window
        for c in await candidate_items(session, entity_ids, since, exclude=[i for i, _ in new]):
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
                )
            )
    severity = await story_severities(session, {f.story_id for f in pool if f.story_id is not None})
    joined: dict[int, _Joined] = {}
    for item_id, item in sorted(new, key=lambda pair: (pair[1].published, pair[0])):
        entry, classification = item.entry, item.classification
        fp = _fingerprint(
            item_id,
            None,
            entry.title,
            entry.summary,
            entry.language,
            item.published,
            classification.entity_ids,
            kinds,
            rules,
            feed_id,
        )
        decision = decide(fp, pool, rules) if classification.entities else StoryDecision(None, RULE_NEW, None)
        if decision.story_id is None:
            story_id = await _new_story(session, item, now)
            before = None
            severity[story_id] = classification.severity
        else:
            story_id = decision.story_id
            before = severity.get(story_id)
            severity[story_id] = higher_severity(before, classification.severity)
        joined[item_id] = _Joined(story_id, decision.rule, decision.score, before, severity[story_id])
        if classification.entities:
            pool.append(replace(fp, story_id=story_id))
    await session.execute(
        update(Item),
        [
            {"id": item_id, "story_id": j.story_id, "story_rule": j.rule, "story_score": j.score}
            for item_id, j in joined.items()
        ],
    )
    grown = {j.story_id for j in joined.values() if not j.new_story}
    if grown:
        await session.execute(
            update(Story),
            [
                {"id": story_id, "severity": severity[story_id], "updated_at": now}
                for story_id in sorted(grown)
            ],
        )
    return joined


async def _new_story(session: AsyncSession, item: NewItem, now: datetime) -> int:
    """A new story titled after its first item; returns its id."""
    result = await session.execute(
        insert(Story)
        .values(title=item.entry.title, severity=item.classification.severity, created_at=now, updated_at=now)
        .returning(Story.id)
    )
    return int(result.scalar_one())


async def _queue_deliveries(
    session: AsyncSession, alertable: Sequence[tuple[int, NewItem, _Joined]], now: datetime
) -> dict[int, int]:
    """The outbox rows for the alertable items (see store_new_items); returns new alerts per item id."""
    if not alertable:
        return {}
    entity_ids = sorted({e for _, item, _ in alertable for e in item.classification.entity_ids})
    subscribers = await _subscribers(session, entity_ids)
    everyone = subscribers.get(ALL_ENTITIES, set())
    alerts_off = await _chats_with_alerts_off(session)
    have = await _existing_deliveries(session, {j.story_id for _, _, j in alertable})
    rows: list[dict[str, object]] = []
    updates: list[dict[str, object]] = []
    counts: dict[int, int] = {}
    for item_id, item, joined in alertable:
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
            _insert(session, Delivery)
            .values(rows[start : start + _DELIVERY_BATCH])
            .on_conflict_do_nothing(index_elements=["chat_id", "story_id"])
        )
    for start in range(0, len(updates), _UPDATE_BATCH):
        await session.execute(
            _insert(session, DeliveryUpdate)
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
