"""Quarantine: an outbox row (alert, edit or reply of one) or a chat's digest that cannot be processed is set
aside with its error, so it never stops the batch that carries every other chat's alerts.

A quarantined alert or update has status `quarantine` and its error in `last_error`; a quarantined digest
keeps its error in `chats.digest_error` and is skipped until the chat sets its digest again. Admins see the
counts in /status and in the metrics. A chat that changes its quiet hours gets its quarantined alerts back
(the setting was the likely cause); if they still cannot be processed they are quarantined again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import Chat, Delivery, DeliveryUpdate

log = logging.getLogger(__name__)

QUARANTINED = "quarantine"  # outbox status (the column holds 10 characters)
MAX_ERROR = 1000


@dataclass(frozen=True, slots=True)
class QuarantineCounts:
    """How many alerts, alert updates (edits, replies) and chats' digests are quarantined."""

    alerts: int = 0
    updates: int = 0
    digests: int = 0

    @property
    def total(self) -> int:
        return self.alerts + self.updates + self.digests


def _describe(error: BaseException | str) -> str:
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    return f"quarantined: {text}"[:MAX_ERROR]


def quarantine_row(row: Delivery | DeliveryUpdate, error: BaseException | str) -> None:
    """Set aside an outbox row loaded in the caller's session (written when it commits)."""
    row.status, row.last_error = QUARANTINED, _describe(error)
    log.warning("%s %s for chat %s quarantined: %s", type(row).__name__, row.id, row.chat_id, row.last_error)


async def quarantine_delivery(db: Database, delivery_id: int, error: BaseException | str) -> None:
    """Set aside one alert row (for instance one that cannot be formatted)."""
    async with db.transaction() as session:
        row = await session.get(Delivery, delivery_id)
        if row is not None:
            quarantine_row(row, error)


async def quarantine_update(db: Database, update_id: int, error: BaseException | str) -> None:
    """Set aside one edit or reply row."""
    async with db.transaction() as session:
        row = await session.get(DeliveryUpdate, update_id)
        if row is not None:
            quarantine_row(row, error)


def quarantine_chat_digest(chat: Chat, error: BaseException | str) -> None:
    """Set aside a chat's daily digest (a chat loaded in the caller's session)."""
    chat.digest_error = _describe(error)
    log.warning("digest of chat %s quarantined: %s", chat.id, chat.digest_error)


async def quarantine_digest(db: Database, chat_id: int, error: BaseException | str) -> None:
    """Set aside a chat's daily digest until the chat sets it again (/digest)."""
    async with db.transaction() as session:
        chat = await session.get(Chat, chat_id)
        if chat is not None:
            quarantine_chat_digest(chat, error)


async def _release_chat_alerts(session: AsyncSession, chat_id: int, now: datetime) -> int:
    """The chat's quarantined alerts and updates become due again (its settings changed). Returns rows."""
    released = 0
    for table in (Delivery, DeliveryUpdate):
        result = await session.execute(
            update(table)
            .where(table.chat_id == chat_id, table.status == QUARANTINED)
            .values(status="pending", next_attempt_at=now)
        )
        released += int(result.rowcount)  # type: ignore[attr-defined]
    return released


async def quarantine_counts(db: Database) -> QuarantineCounts:
    """Quarantined alerts, updates and digests, in one read transaction."""
    async with db.transaction() as session:
        alerts = await session.scalar(select(func.count()).where(Delivery.status == QUARANTINED))
        updates = await session.scalar(select(func.count()).where(DeliveryUpdate.status == QUARANTINED))
        digests = await session.scalar(select(func.count()).where(Chat.digest_error.is_not(None)))
    return QuarantineCounts(int(alerts or 0), int(updates or 0), int(digests or 0))


__all__ = [
    "QUARANTINED",
    "QuarantineCounts",
    "quarantine_chat_digest",
    "quarantine_counts",
    "quarantine_delivery",
    "quarantine_digest",
    "quarantine_row",
    "quarantine_update",
]
