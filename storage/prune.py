"""Pruning what history does not need: old fetch_log rows, and old outbox rows in a final state.

Nothing a chat command, a digest, the public outputs or the outbox reads is pruned (each reader checked):
- items, stories, tags, entities, chats, audit: history itself, never pruned here;
- fetch_log: written for operators, read by no command; rows older than the retention go;
- deliveries: only `sent` and `dropped` rows older than the retention go, and of those not
  - a chat's latest sent alert (/status shows it as "Latest alert"),
  - the alerts of a story changed within the retention (an item joining the story edits its alerts, and the
    row is what keeps a chat from being alerted twice about one story: stories join within
    BORDERWATCH_STORY_WINDOW_HOURS, far inside the retention),
  - an alert with an edit or reply still to send (pending, being sent, quarantined).
  Pending, sending (claimed), quarantined and dead rows always stay: the outbox's work, and admin /status
  counts dead letters. A pruned alert's finished edits and replies go with it.

Rows go in batches of at most `batch` rows, each its own short transaction, walking the table by primary key
from the oldest row (ids grow with time) and stopping at the first batch whose rows are all younger than the
cutoff; so a prune holds ingestion and delivery up for one small batch at a time, on SQLite as on PostgreSQL.
Deleting is idempotent and rows being changed elsewhere are skipped (PostgreSQL: SKIP LOCKED), so two
processes pruning at once are safe; `claim_prune_run` lets only one of them do it each period.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Exists, Result, Select, and_, delete, exists, or_, select, update
from sqlalchemy.orm import aliased

from storage.db import Database, dialect_insert
from storage.models import BotState, Delivery, DeliveryUpdate, FetchLog, Story

# outbox states nothing will change any more, and that no reader needs once old (see the module docstring)
PRUNABLE_DELIVERY = ("sent", "dropped")
FINISHED_UPDATE = ("sent", "skipped", "dead", "dropped")
LAST_RUN_KEY = "prune_last_run"
DEFAULT_BATCH = 1000
# a breath between batches, so that other processes' writers waiting on SQLite's lock get their turn
DEFAULT_GAP_SECONDS = 0.01


@dataclass(frozen=True, slots=True)
class Pruned:
    """How many rows a prune deleted, by table."""

    fetch_log: int = 0
    deliveries: int = 0
    delivery_updates: int = 0

    @property
    def total(self) -> int:
        return self.fetch_log + self.deliveries + self.delivery_updates


async def prune_history(
    db: Database,
    now: datetime,
    *,
    fetch_log_days: int,
    delivery_days: int,
    batch: int = DEFAULT_BATCH,
    gap_seconds: float = DEFAULT_GAP_SECONDS,
) -> Pruned:
    """Delete fetch_log rows older than `fetch_log_days` and finished deliveries older than `delivery_days`
    (0: keep forever), as the module docstring says, in transactions of at most `batch` rows each."""
    log_rows = 0
    if fetch_log_days > 0:
        log_rows = await _prune_fetch_log(db, now - timedelta(days=fetch_log_days), batch, gap_seconds)
    alerts, updates = 0, 0
    if delivery_days > 0:
        alerts, updates = await _prune_deliveries(db, now - timedelta(days=delivery_days), batch, gap_seconds)
    return Pruned(fetch_log=log_rows, deliveries=alerts, delivery_updates=updates)


async def claim_prune_run(db: Database, now: datetime, every: timedelta) -> bool:
    """Whether this process should prune now: True for exactly one caller per `every` (the time of the last
    run is kept in bot_state), however many processes ask."""
    stamp = now.isoformat()
    async with db.transaction() as session:
        await session.execute(
            dialect_insert(session, BotState)
            .values(key=LAST_RUN_KEY, value="")
            .on_conflict_do_nothing(index_elements=["key"])
        )
        claimed = await session.execute(
            update(BotState)
            .where(BotState.key == LAST_RUN_KEY, BotState.value <= (now - every).isoformat())
            .values(value=stamp)
        )
        return _rows(claimed) == 1


async def _prune_fetch_log(db: Database, cutoff: datetime, batch: int, gap: float) -> int:
    pruned, after = 0, 0
    while True:
        async with db.transaction() as session:
            window = (
                await session.execute(
                    select(FetchLog.id, FetchLog.started_at)
                    .where(FetchLog.id > after)
                    .order_by(FetchLog.id)
                    .limit(batch)
                )
            ).all()
            old = [row_id for row_id, started in window if started < cutoff]
            if old:
                result = await session.execute(
                    delete(FetchLog).where(FetchLog.id.in_(old), FetchLog.started_at < cutoff)
                )
                pruned += _rows(result)
        if not old or len(window) < batch:
            return pruned
        after = window[-1][0]
        await asyncio.sleep(gap)


async def _prune_deliveries(db: Database, cutoff: datetime, batch: int, gap: float) -> tuple[int, int]:
    alerts, updates, after = 0, 0, 0
    while True:
        async with db.transaction() as session:
            window = (
                await session.execute(
                    select(Delivery.id, Delivery.created_at)
                    .where(Delivery.id > after)
                    .order_by(Delivery.id)
                    .limit(batch)
                )
            ).all()
            if not window or min(created for _id, created in window) >= cutoff:
                return alerts, updates
            last = window[-1][0]
            chosen = _prunable_deliveries(cutoff).where(Delivery.id > after, Delivery.id <= last)
            if session.get_bind().dialect.name == "postgresql":
                # a row another transaction is changing (an edit being queued, say) waits for the next run
                chosen = chosen.with_for_update(skip_locked=True, of=Delivery)
            ids = list((await session.execute(chosen)).scalars())
            if ids:
                gone = await session.execute(
                    delete(DeliveryUpdate).where(
                        DeliveryUpdate.delivery_id.in_(ids), DeliveryUpdate.status.in_(FINISHED_UPDATE)
                    )
                )
                updates += _rows(gone)
                # checked again under the write lock: an edit queued meanwhile keeps its alert
                gone = await session.execute(
                    delete(Delivery).where(
                        Delivery.id.in_(ids), Delivery.status.in_(PRUNABLE_DELIVERY), ~_open_update()
                    )
                )
                alerts += _rows(gone)
        if len(window) < batch:
            return alerts, updates
        after = last
        await asyncio.sleep(gap)


def _rows(result: Result[Any]) -> int:
    return int(cast(CursorResult[Any], result).rowcount or 0)


def _open_update() -> Exists:
    return exists().where(
        DeliveryUpdate.delivery_id == Delivery.id, DeliveryUpdate.status.not_in(FINISHED_UPDATE)
    )


def _prunable_deliveries(cutoff: datetime) -> Select[int]:
    newer = aliased(Delivery)
    newer_sent = exists().where(
        newer.chat_id == Delivery.chat_id,
        newer.id > Delivery.id,
        newer.status == "sent",
        newer.sent_at >= Delivery.sent_at,
    )
    return (
        select(Delivery.id)
        .join(Story, Story.id == Delivery.story_id)
        .where(
            Delivery.status.in_(PRUNABLE_DELIVERY),
            Delivery.created_at < cutoff,
            Story.updated_at < cutoff,
            ~_open_update(),
            # the chat's latest sent alert stays: /status shows it
            or_(Delivery.status != "sent", and_(Delivery.sent_at.is_not(None), newer_sent)),
        )
    )


__all__ = ["Pruned", "claim_prune_run", "prune_history"]
