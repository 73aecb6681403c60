"""Merging two stories that turned out to be one, in the caller's transaction, keeping one alert per chat.

A later item can show that two open stories report the same event (feeds.stories lists them in
`StoryDecision.merges`). The older story survives: the newer one's items move to it, and its row stays with
`merged_into_id` set. Each chat keeps exactly one alert for the merged story and never gets a third:

- an alert of the newer story that was not sent yet is not sent (deleted with its pending edits);
- a chat that got both alerts keeps the older one (edited later with the new sources) and the newer one is
  edited into a pointer to it (a `pointer` row of delivery_updates, its item the kept alert's: "same story
  as …" with a link to that message); the newer alert's own queued edits are dropped;
- a chat that only got the newer story's alert keeps that one as the merged story's alert;
- a chat whose older alert is still pending but saw the newer one already keeps the one it saw.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Delivery, DeliveryUpdate, Item, Story
from storage.severity import higher_severity

_LIVE = ("sending", "sent")


async def _merge_stories(
    session: AsyncSession, survivor: int, absorbed: Sequence[int], now: datetime
) -> str | None:
    """Fold the `absorbed` stories into `survivor` (items, severity, alerts; see the module docstring) and
    return the merged story's severity."""
    absorbed = sorted(set(absorbed) - {survivor})
    if not absorbed:
        return None
    stories = {
        story.id: story
        for story in (
            await session.execute(select(Story).where(Story.id.in_([survivor, *absorbed])))
        ).scalars()
    }
    severity: str | None = None
    for story in stories.values():
        severity = higher_severity(severity, story.severity)
    await session.execute(update(Item).where(Item.story_id.in_(absorbed)).values(story_id=survivor))
    await session.execute(
        update(Story).where(Story.id.in_(absorbed)).values(merged_into_id=survivor, updated_at=now)
    )
    await session.execute(update(Story).where(Story.id == survivor).values(severity=severity, updated_at=now))
    rows = (
        await session.execute(
            select(Delivery)
            .where(Delivery.story_id.in_([survivor, *absorbed]))
            .order_by(Delivery.created_at, Delivery.id)
        )
    ).scalars()
    by_chat: dict[int, list[Delivery]] = {}
    for delivery in rows:
        by_chat.setdefault(delivery.chat_id, []).append(delivery)
    for chat_id, alerts in by_chat.items():
        await _one_alert_per_chat(session, chat_id, alerts, survivor, now)
    return severity


async def _one_alert_per_chat(
    session: AsyncSession, chat_id: int, alerts: list[Delivery], survivor: int, now: datetime
) -> None:
    keep = next((d for d in alerts if d.story_id == survivor), None)
    others = [d for d in alerts if d.story_id != survivor]
    seen = [d for d in others if d.status in _LIVE]
    if keep is None or (keep.status == "pending" and seen):
        # the alert this chat saw (or will see first) stands for the merged story
        primary = seen[0] if seen else others[0]
        if keep is not None:
            await _drop_unsent(session, keep)
        others.remove(primary)
        await _move(session, primary, survivor)
        keep = primary
    for other in others:
        if other.status == "pending":
            await _drop_unsent(session, other)
        elif other.status in _LIVE:
            # its own queued edits would overwrite the pointer: the kept alert shows every source now
            await session.execute(
                update(DeliveryUpdate)
                .where(DeliveryUpdate.delivery_id == other.id, DeliveryUpdate.status == "pending")
                .values(status="dropped", last_error=f"story merged into {survivor}")
            )
            session.add(
                DeliveryUpdate(
                    delivery_id=other.id,
                    chat_id=chat_id,
                    story_id=survivor,
                    item_id=keep.item_id,
                    kind="pointer",
                    severity=keep.severity,
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )


async def _drop_unsent(session: AsyncSession, delivery: Delivery) -> None:
    """An alert that was never sent is not sent at all: its row and its pending edits go."""
    await session.execute(delete(DeliveryUpdate).where(DeliveryUpdate.delivery_id == delivery.id))
    await session.execute(delete(Delivery).where(Delivery.id == delivery.id))


async def _move(session: AsyncSession, delivery: Delivery, survivor: int) -> None:
    await session.execute(update(Delivery).where(Delivery.id == delivery.id).values(story_id=survivor))
    await session.execute(
        update(DeliveryUpdate).where(DeliveryUpdate.delivery_id == delivery.id).values(story_id=survivor)
    )
    delivery.story_id = survivor
