"""Chats and what they asked for: registration, subscriptions, quiet hours and the forum topic for alerts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.clock import system_clock
from storage.db import Database, dialect_insert
from storage.errors import BorderwatchError
from storage.models import Chat, Subscription
from storage.quarantine import _release_chat_alerts
from storage.timeofday import canonical_time_of_day, canonical_zone


class UnknownChat(BorderwatchError):
    """A chat id that was never registered."""


@dataclass(frozen=True, slots=True)
class ChatInfo:
    """One registered chat as the bot sees it."""

    id: int
    type: str
    title: str | None
    thread_id: int | None
    active: bool
    quiet_start: str | None
    quiet_end: str | None
    quiet_tz: str
    p1_breaks_quiet: bool
    language: str | None = None  # chosen with /lang; None: each user's own Telegram language

    @property
    def quiet(self) -> bool:
        """Whether a quiet window is set."""
        return self.quiet_start is not None and self.quiet_end is not None


def _info(chat: Chat) -> ChatInfo:
    return ChatInfo(
        id=chat.id,
        type=chat.type,
        title=chat.title,
        thread_id=chat.thread_id,
        active=chat.active,
        quiet_start=chat.quiet_start,
        quiet_end=chat.quiet_end,
        quiet_tz=chat.quiet_tz or "UTC",
        p1_breaks_quiet=chat.p1_breaks_quiet,
        language=chat.language,
    )


async def _upsert(session: AsyncSession, chat_id: int, chat_type: str, title: str | None) -> Chat:
    chat = await session.get(Chat, chat_id)
    if chat is None:
        # a new chat's first commands arrive together (concurrent updates): insert-or-ignore, then read the
        # row whichever of them created
        await session.execute(
            dialect_insert(session, Chat)
            .values(
                id=chat_id, type=chat_type, title=title, active=True, quiet_tz="UTC", p1_breaks_quiet=True
            )
            .on_conflict_do_nothing(index_elements=["id"])
        )
        chat = await session.get(Chat, chat_id, populate_existing=True)
        if chat is None:
            raise UnknownChat(f"chat {chat_id} could not be registered")
        return chat
    chat.type = chat_type
    if title is not None:
        chat.title = title
    # a chat that talks to the bot again (after blocking it, say) wants its alerts back
    chat.active = True
    chat.deactivated_reason = None
    return chat


async def _require(session: AsyncSession, chat_id: int) -> Chat:
    chat = await session.get(Chat, chat_id)
    if chat is None:
        raise UnknownChat(f"chat {chat_id} is not registered")
    return chat


async def register_chat(db: Database, chat_id: int, chat_type: str, title: str | None = None) -> ChatInfo:
    """Create the chat or update its type and title; either way it is active afterwards. Settings are kept."""
    async with db.transaction() as session:
        return _info(await _upsert(session, chat_id, chat_type, title))


async def get_chat(db: Database, chat_id: int) -> ChatInfo | None:
    """The registered chat, or None."""
    async with db.transaction() as session:
        chat = await session.get(Chat, chat_id)
        return None if chat is None else _info(chat)


async def set_thread(db: Database, chat_id: int, thread_id: int | None) -> None:
    """Send this chat's alerts to forum topic `thread_id` (None: the chat itself / the General topic)."""
    async with db.transaction() as session:
        (await _require(session, chat_id)).thread_id = thread_id


async def reactivate_chat(db: Database, chat_id: int) -> bool:
    """The bot is back in the chat (added again, unblocked): a registered chat that was deactivated gets
    alerts again, with the subscriptions it kept. True when it had been inactive."""
    async with db.transaction() as session:
        result = await session.execute(
            update(Chat)
            .where(Chat.id == chat_id, Chat.active.is_(False))
            .values(active=True, deactivated_reason=None)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def leave_topic(db: Database, chat_id: int, thread_id: int) -> bool:
    """Forum topic `thread_id` was deleted: the chat's alerts go to its General topic, unless it already
    picked another topic meanwhile. True when the chat was still sending to that topic."""
    async with db.transaction() as session:
        result = await session.execute(
            update(Chat).where(Chat.id == chat_id, Chat.thread_id == thread_id).values(thread_id=None)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def list_subscriptions(db: Database, chat_id: int) -> list[str]:
    """The entity ids the chat is subscribed to, sorted."""
    async with db.transaction() as session:
        rows = await session.scalars(
            select(Subscription.entity_id)
            .where(Subscription.chat_id == chat_id)
            .order_by(Subscription.entity_id)
        )
        return list(rows)


async def add_subscriptions(
    db: Database,
    chat_id: int,
    chat_type: str,
    entity_ids: Iterable[str],
    *,
    title: str | None = None,
    thread_id: int | None = None,
) -> list[str]:
    """Register the chat if needed, record the forum topic, and subscribe it to `entity_ids`.

    Returns the ids newly subscribed (in the order given, without those it already had).
    """
    wanted = list(dict.fromkeys(entity_ids))
    async with db.transaction() as session:
        chat = await _upsert(session, chat_id, chat_type, title)
        chat.thread_id = thread_id
        existing = set(
            await session.scalars(select(Subscription.entity_id).where(Subscription.chat_id == chat_id))
        )
        added = [entity_id for entity_id in wanted if entity_id not in existing]
        session.add_all(Subscription(chat_id=chat_id, entity_id=entity_id) for entity_id in added)
        return added


async def remove_subscriptions(db: Database, chat_id: int, entity_ids: Iterable[str] | None) -> list[str]:
    """Unsubscribe the chat from `entity_ids` (None: everything). Returns the ids actually removed, sorted."""
    async with db.transaction() as session:
        query = select(Subscription.entity_id).where(Subscription.chat_id == chat_id)
        if entity_ids is not None:
            query = query.where(Subscription.entity_id.in_(list(entity_ids)))
        removed = sorted(await session.scalars(query))
        if removed:
            await session.execute(
                delete(Subscription).where(
                    Subscription.chat_id == chat_id, Subscription.entity_id.in_(removed)
                )
            )
        return removed


async def set_quiet(
    db: Database, chat_id: int, start: str, end: str, zone: str = "UTC", *, now: datetime | None = None
) -> ChatInfo:
    """Hold the chat's alerts between `start` and `end` (HH:MM, in IANA zone `zone`). Only valid values are
    stored, in their canonical form (ValueError otherwise, see storage.timeofday); the chat's quarantined
    alerts are due again (at `now`)."""
    start, end, zone = canonical_time_of_day(start), canonical_time_of_day(end), canonical_zone(zone)
    async with db.transaction() as session:
        chat = await _require(session, chat_id)
        chat.quiet_start, chat.quiet_end, chat.quiet_tz = start, end, zone
        await _release_chat_alerts(session, chat_id, now or system_clock())
        return _info(chat)


async def clear_quiet(db: Database, chat_id: int, *, now: datetime | None = None) -> ChatInfo:
    """Remove the chat's quiet window; held and quarantined alerts become due at once."""
    async with db.transaction() as session:
        chat = await _require(session, chat_id)
        chat.quiet_start = chat.quiet_end = None
        await _release_chat_alerts(session, chat_id, now or system_clock())
        return _info(chat)


async def set_p1_breaks_quiet(db: Database, chat_id: int, enabled: bool) -> ChatInfo:
    """Whether P1 alerts are sent during the chat's quiet window."""
    async with db.transaction() as session:
        chat = await _require(session, chat_id)
        chat.p1_breaks_quiet = enabled
        return _info(chat)


async def set_language(db: Database, chat_id: int, language: str | None) -> ChatInfo:
    """The language the bot replies in for this chat (None: each user's own). The caller validates it."""
    async with db.transaction() as session:
        chat = await _require(session, chat_id)
        chat.language = language
        return _info(chat)
