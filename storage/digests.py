"""What a chat takes (alerts, a daily digest, or both) and the digest queries: which are due, what they list.

A digest is due once per day at the chat's `digest_time` (HH:MM, UTC). Claiming it moves
`digest_last_sent_at` to that day's slot with a compare-and-set, so among any number of bot processes exactly
one sends it; a failed send gives the slot back and the next tick tries again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select, update

from storage.db import Database
from storage.models import ALL_ENTITIES, Chat, Item, ItemEntity, Story, Subscription
from storage.quarantine import quarantine_chat_digest
from storage.severity import severity_rank
from storage.timeofday import canonical_time_of_day, parse_time_of_day

FIRST_DIGEST_SPAN = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class ChatModes:
    """Whether the chat takes alerts (P1 always does) and its daily digest time (None: no digest)."""

    alerts_enabled: bool
    digest_time: str | None


@dataclass(frozen=True, slots=True)
class DueDigest:
    """A digest to send now: the chat, its forum topic, the slot it is for and the stories since when."""

    chat_id: int
    thread_id: int | None
    slot: datetime
    since: datetime
    previous: datetime | None


@dataclass(frozen=True, slots=True)
class DigestStory:
    """One story in a digest, under one of the chat's entities."""

    entity_id: str
    story_id: int
    title: str
    link: str | None
    severity: str | None
    items: int
    sources: int
    # the feed of the story's first item (bot.format.format_digest lists a share of each source's stories)
    source: int = 0


def digest_slot(digest_time: str, now: datetime) -> datetime:
    """The latest moment at or before `now` that the daily `digest_time` (HH:MM UTC) came round.
    Raises ValueError for a time that is not HH:MM."""
    at = parse_time_of_day(digest_time)
    today = datetime.combine(now.astimezone(UTC).date(), at, tzinfo=UTC)
    return today if today <= now else today - timedelta(days=1)


async def chat_modes(db: Database, chat_id: int) -> ChatModes | None:
    """The chat's alert and digest settings, or None for an unknown chat."""
    async with db.transaction() as session:
        chat = await session.get(Chat, chat_id)
        return None if chat is None else ChatModes(chat.alerts_enabled, chat.digest_time)


async def set_digest(db: Database, chat_id: int, digest_time: str | None, now: datetime) -> ChatModes:
    """Send the chat a digest daily at `digest_time` (HH:MM UTC; None: no digest). The first digest covers
    what happened since now, at most a day. Only a valid time is stored (ValueError otherwise, see
    storage.timeofday); a quarantined digest is given another chance. The caller registered the chat."""
    if digest_time is not None:
        digest_time = canonical_time_of_day(digest_time)
    async with db.transaction() as session:
        chat = await session.get(Chat, chat_id)
        if chat is None:
            raise LookupError(f"chat {chat_id} is not registered")
        chat.digest_time, chat.digest_error = digest_time, None
        # a digest set now is not due for a slot already past today: the first comes at the next slot
        chat.digest_last_sent_at = digest_slot(digest_time, now) if digest_time else None
        return ChatModes(chat.alerts_enabled, chat.digest_time)


async def set_alerts(db: Database, chat_id: int, enabled: bool) -> ChatModes:
    """Whether the chat takes alerts as they happen (off: P1 alerts only)."""
    async with db.transaction() as session:
        chat = await session.get(Chat, chat_id)
        if chat is None:
            raise LookupError(f"chat {chat_id} is not registered")
        chat.alerts_enabled = enabled
        return ChatModes(chat.alerts_enabled, chat.digest_time)


async def due_digests(db: Database, now: datetime) -> list[DueDigest]:
    """Active chats whose digest slot came round since their last digest. A chat whose stored digest time
    cannot be read is quarantined (storage.quarantine) and never stops the others."""
    async with db.transaction() as session:
        chats = (
            await session.execute(
                select(Chat).where(
                    Chat.active.is_(True), Chat.digest_time.is_not(None), Chat.digest_error.is_(None)
                )
            )
        ).scalars()
        due: list[DueDigest] = []
        for chat in chats:
            assert chat.digest_time is not None
            try:
                slot = digest_slot(chat.digest_time, now)
            except ValueError as exc:
                quarantine_chat_digest(chat, f"the digest time cannot be read: {exc}")
                continue
            last = chat.digest_last_sent_at
            if last is not None and last >= slot:
                continue
            since = last if last is not None else slot - FIRST_DIGEST_SPAN
            due.append(
                DueDigest(chat.id, chat.thread_id, slot, max(since, slot - 7 * FIRST_DIGEST_SPAN), last)
            )
        return due


async def claim_digest(db: Database, digest: DueDigest) -> bool:
    """Take the digest for sending: True for exactly one caller (compare-and-set on the last slot sent)."""
    async with db.transaction() as session:
        unchanged = (
            Chat.digest_last_sent_at.is_(None)
            if digest.previous is None
            else Chat.digest_last_sent_at == digest.previous
        )
        result = await session.execute(
            update(Chat).where(Chat.id == digest.chat_id, unchanged).values(digest_last_sent_at=digest.slot)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def release_digest(db: Database, digest: DueDigest) -> None:
    """The send failed: give the slot back so the next tick tries again."""
    async with db.transaction() as session:
        await session.execute(
            update(Chat)
            .where(Chat.id == digest.chat_id, Chat.digest_last_sent_at == digest.slot)
            .values(digest_last_sent_at=digest.previous)
        )


async def digest_stories(db: Database, chat_id: int, since: datetime, until: datetime) -> list[DigestStory]:
    """Stories first stored in (since, until] that name an entity the chat follows: one row per (entity,
    story), highest severity first, with the story's item and source counts and its first item's feed."""
    async with db.transaction() as session:
        subscribed = set(
            (
                await session.execute(select(Subscription.entity_id).where(Subscription.chat_id == chat_id))
            ).scalars()
        )
        if not subscribed:
            return []
        stories = select(Story.id).where(Story.created_at > since, Story.created_at <= until)
        tags = select(Item.story_id, ItemEntity.entity_id).join(ItemEntity, ItemEntity.item_id == Item.id)
        tags = tags.where(Item.story_id.in_(stories))
        if ALL_ENTITIES not in subscribed:
            tags = tags.where(or_(*(ItemEntity.entity_id == e for e in sorted(subscribed))))
        pairs = {(int(s), str(e)) for s, e in (await session.execute(tags.distinct())).all() if s is not None}
        if not pairs:
            return []
        ids = sorted({story_id for story_id, _ in pairs})
        counts = {
            story_id: (int(items), int(feeds))
            for story_id, items, feeds in (
                await session.execute(
                    select(Item.story_id, func.count(Item.id), func.count(func.distinct(Item.feed_id)))
                    .where(Item.story_id.in_(ids))
                    .group_by(Item.story_id)
                )
            ).all()
        }
        first_items: dict[int, tuple[str | None, int]] = {}  # story → its first item's link and feed
        for story_id, link, feed_id in (
            await session.execute(
                select(Item.story_id, Item.link, Item.feed_id)
                .where(Item.story_id.in_(ids))
                .order_by(Item.published_at, Item.id)
            )
        ).all():
            first_items.setdefault(story_id or 0, (link, int(feed_id)))
        rows = {
            story.id: story
            for story in (await session.execute(select(Story).where(Story.id.in_(ids)))).scalars()
        }
    result = [
        DigestStory(
            entity_id=entity_id,
            story_id=story_id,
            title=rows[story_id].title,
            link=first_items.get(story_id, (None, 0))[0],
            severity=rows[story_id].severity,
            items=counts.get(story_id, (1, 1))[0],
            sources=counts.get(story_id, (1, 1))[1],
            source=first_items.get(story_id, (None, 0))[1],
        )
        for story_id, entity_id in pairs
    ]
    result.sort(key=lambda s: (severity_rank(s.severity), -s.sources, s.story_id))
    return result


__all__ = [
    "ChatModes",
    "DigestStory",
    "DueDigest",
    "chat_modes",
    "claim_digest",
    "digest_slot",
    "digest_stories",
    "due_digests",
    "release_digest",
    "set_alerts",
    "set_digest",
]
