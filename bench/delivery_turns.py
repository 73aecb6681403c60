"""A flooding feed beside a healthy one in the outbox: how long the healthy feed's alert waits.

One feed queued FLOOD P1 alerts (distinct stories) for each of CHATS private chats at once; 10 s later
another feed's one P4 alert comes due for chat 0 (one of the flooded chats) and for a chat that follows
only what the healthy feed reported. The delivery loop is played in simulated time on a SQLite file with
the real `storage.deliveries.claim_due` (leases as `bot.deliver.DeliveryLoop.step` takes them: 16 chats
at once, 5 rows a chat, a new lease when half the chats are done) and Telegram's pace of 1 message/s per
private chat. Printed: each healthy alert's wait in simulated seconds, and the median time of a lease in
wall milliseconds, next to the same-run baseline, the order before (P1 first, then oldest, whatever the
source or chat: `_queue` replaced by the old ordering).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, literal, select
from sqlalchemy.sql.selectable import Subquery

import storage.deliveries
from storage.db import Database
from storage.deliveries import SentAlert, claim_due, mark_sent
from storage.migrate import upgrade
from storage.models import Chat, Delivery, Feed, Item, Story

CHATS = int(os.environ.get("BENCH_TURNS_CHATS", "100"))
FLOOD = int(os.environ.get("BENCH_TURNS_FLOOD", "300"))
BATCH, PER_CHAT, PACE = 16, 5, timedelta(seconds=1)
START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
HEALTHY_AT = START + timedelta(seconds=10)
OTHER_CHAT = 10_000_000


def _old_queue(now: datetime, excluded: list[int]) -> Subquery:
    """The order before: every due row by itself, P1 first then oldest (then id): with one turn, one
    place and one chat for them all and no chat sent to lately, `claim_due` orders by exactly that."""
    query = select(
        Delivery.id.label("id"),
        literal(0).label("chat_id"),
        literal(1).label("turn"),
        literal(1).label("place"),
        storage.deliveries._priority().label("head_priority"),
        Delivery.created_at.label("waiting_since"),
    ).where(storage.deliveries._due(now))
    if excluded:
        query = query.where(Delivery.chat_id.not_in(excluded))
    return query.subquery("queue")


@contextmanager
def _old_order() -> Iterator[None]:
    queue, recently = storage.deliveries._queue, storage.deliveries.RECENTLY_SENT
    storage.deliveries._queue = _old_queue  # type: ignore[assignment]
    storage.deliveries.RECENTLY_SENT = -timedelta(days=3650)  # no chat counts as sent to lately
    try:
        yield
    finally:
        storage.deliveries._queue, storage.deliveries.RECENTLY_SENT = queue, recently


async def _fill(db: Database) -> set[int]:
    """The outbox as the flood left it; returns the ids of the healthy alert's rows."""
    async with db.transaction() as session:
        flood = Feed(url="https://flood.example/rss", title="Flood", history_loaded=True)
        healthy = Feed(url="https://healthy.example/rss", title="Healthy", history_loaded=True)
        session.add_all([flood, healthy])
        session.add_all([Chat(id=chat, type="private") for chat in [*range(CHATS), OTHER_CHAT]])
        await session.flush()
        items: list[tuple[int, int]] = []
        for n in range(FLOOD + 1):
            story = Story(title=f"story {n}", severity="P1" if n < FLOOD else "P4", created_at=START)
            session.add(story)
            await session.flush()
            item = Item(
                feed_id=flood.id if n < FLOOD else healthy.id,
                story_id=story.id,
                identity_key=f"{n:064d}",
                title=f"item {n}",
                summary="",
                published_at=START,
                fetched_at=START,
                content_hash=f"{n:064d}",
                severity=story.severity,
            )
            session.add(item)
            await session.flush()
            items.append((story.id, item.id))
        rows = [
            {"chat_id": chat, "story_id": s, "item_id": i, "severity": "P1", "status": "pending",
             "attempts": 0, "next_attempt_at": START, "created_at": START}
            for s, i in items[:FLOOD]
            for chat in range(CHATS)
        ]  # fmt: skip
        for start in range(0, len(rows), 2000):
            await session.execute(insert(Delivery).values(rows[start : start + 2000]))
        story_id, item_id = items[FLOOD]
        for chat in (0, OTHER_CHAT):
            session.add(
                Delivery(chat_id=chat, story_id=story_id, item_id=item_id, severity="P4",
                         next_attempt_at=HEALTHY_AT, created_at=HEALTHY_AT)
            )  # fmt: skip
        await session.flush()
        return set((await session.scalars(select(Delivery.id).where(Delivery.item_id == item_id))).all())


async def _simulate(url: str) -> tuple[dict[str, float], float, int]:
    """The healthy alert's wait per chat (simulated seconds), the median lease time (wall ms), and the
    messages sent before the last healthy alert."""
    db = Database(url)
    try:
        healthy = await _fill(db)
        now, leases, sent = START, [], 0
        waits: dict[str, float] = {}
        # busy: chat → (when its leased rows are all sent, [(row id, when it is sent)])
        busy_rows: dict[int, tuple[datetime, list[tuple[int, datetime]]]] = {}
        while len(waits) < len(healthy) and now < START + timedelta(hours=3):
            room = BATCH - len(busy_rows)
            if room >= BATCH // 2 or not busy_rows:
                started = time.perf_counter()
                claimed = await claim_due(
                    db, now=now, limit=room, exclude_chats=list(busy_rows), lease=timedelta(hours=3)
                )
                leases.append(time.perf_counter() - started)
                by_chat: dict[int, list[int]] = {}
                for row in claimed:
                    by_chat.setdefault(row.chat_id, []).append(row.id)
                for chat, ids in by_chat.items():
                    times = [(row_id, now + PACE * (k + 1)) for k, row_id in enumerate(ids)]
                    busy_rows[chat] = (times[-1][1], times)
            upcoming = [done for done, _ in busy_rows.values()]
            if now < HEALTHY_AT:
                upcoming.append(HEALTHY_AT)
            if not upcoming:
                break
            now = min(upcoming)
            for chat in [c for c, (done, _) in busy_rows.items() if done <= now]:
                _, times = busy_rows.pop(chat)
                await mark_sent(db, [SentAlert(row_id, row_id, at) for row_id, at in times])
                for row_id, at in times:
                    sent += 1
                    if row_id in healthy:
                        name = "a flooded chat" if chat == 0 else "a chat the flood does not reach"
                        waits[name] = (at - HEALTHY_AT).total_seconds()
        return waits, statistics.median(leases) * 1000, sent
    finally:
        await db.dispose()


async def _run() -> None:
    with tempfile.TemporaryDirectory() as folder:
        now_url = f"sqlite+aiosqlite:///{Path(folder) / 'turns.db'}"
        old_url = f"sqlite+aiosqlite:///{Path(folder) / 'old.db'}"
        await upgrade(now_url)
        await upgrade(old_url)
        waits, lease, sent = await _simulate(now_url)
        with _old_order():
            old_waits, old_lease, old_sent = await _simulate(old_url)
    print(
        f"{FLOOD} P1 alerts of one feed queued for each of {CHATS} private chats, then another feed's P4 "
        "alert (1 message/s a chat, 16 chats at once):"
    )
    for name in ("a flooded chat", "a chat the flood does not reach"):
        new, old = waits.get(name), old_waits.get(name)
        shown_old = f"{old:,.0f} s" if old is not None else "not sent within 3 h"
        ratio = f" ({new / old:.3f}x)" if new is not None and old else ""
        print(f"  the healthy alert in {name} waited {new:,.0f} s vs {shown_old} before{ratio}")
    print(
        f"  messages sent before the last healthy alert: {sent:,} vs {old_sent:,}; a lease took "
        f"{lease:.1f} ms median vs {old_lease:.1f} ms ({lease / old_lease:.2f}x)"
    )


def main() -> None:
    asyncio.run(_run())


if __name__ == "__main__":
    main()
