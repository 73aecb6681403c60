"""A feed rewriting its items at every poll beside healthy ones: what its edits cost, and who waits for them.

CHATS private chats each have an alert of STORIES stories from one feed, sent. Another feed then republishes
every story at each of POLLS polls a minute apart (new guid, changed title): each version joins its story and
is routed as the ingest side routes it (`feeds.routing.route_alerts` on `storage.ingest.IngestWrite.audience`,
written by `IngestWrite.queue`): an edit of each chat's alert ("also reported by …") is queued only while the
alert does not show the rewriting feed yet. 5 s after the first poll, a third feed reports one more story the
chats were alerted to (an edit that shows something new, in chat 0 and in a chat the rewrites do not reach)
and the first feed reports a new story (an alert in chat 0). The delivery loop is played in simulated time on
a SQLite file with the real `storage.deliveries.claim_due` and `storage.alert_updates.claim_due_updates`
(leased as `bot.deliver.DeliveryLoop.step` takes them: alerts first, 16 chats at once, a new lease when half
the chats are done), `finish_update` and Telegram's pace of 1 call/s per private chat; an edit that shows
nothing new costs no call. Printed: the Bot API calls the rewrites cost, the edit rows written and leased, a
poll's write time, how long the third feed's edit and the new alert waited, and the median lease time, next
to two same-run baselines: every version queued as an edit row (`_may_change` of feeds.routing and
`_fold_into_pending` of storage.ingest replaced by the earlier rule: a row for every version), and that with
edits claimed oldest first, no per-chat share and no coalescing (`_queue` and `_coalesce` of
storage.alert_updates replaced by the old ordering).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Subquery

import feeds.routing
import storage.alert_updates
import storage.deliveries
import storage.ingest
from feeds.routing import PlacedItem, route_alerts
from storage.alert_updates import ClaimedUpdate, claim_due_updates, finish_update
from storage.db import Database
from storage.deliveries import ClaimedDelivery, SentAlert, claim_due, mark_sent
from storage.ingest import AlertChange, IngestWrite
from storage.migrate import upgrade
from storage.models import Chat, Delivery, DeliveryUpdate, Feed, Item, Story

CHATS = int(os.environ.get("BENCH_EDITS_CHATS", "5"))
STORIES = int(os.environ.get("BENCH_EDITS_STORIES", "150"))
POLLS = int(os.environ.get("BENCH_EDITS_POLLS", "10"))
BATCH, PACE, POLL_EVERY = 16, timedelta(seconds=1), timedelta(minutes=1)
START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
OTHERS_AT = START + timedelta(seconds=5)
UNLIMITED = 1_000_000
OTHER_CHAT = 10_000_000  # alerted to the story the third feed reports only: the rewrites never reach it


def _old_queue(
    now: datetime,
    excluded: Sequence[int],
    model: type[DeliveryUpdate] | type[Delivery] = DeliveryUpdate,
    due: ColumnElement[bool] | None = None,
) -> Subquery:
    """The order before: every claimable row by itself, oldest first (then id): with one turn, one place and
    one chat for them all, no chat sent to lately and one priority, `claim_due_updates` orders by that."""
    query = select(
        model.id.label("id"),
        literal(0).label("chat_id"),
        literal(1).label("turn"),
        literal(1).label("place"),
        literal(1).label("head_priority"),
        model.created_at.label("waiting_since"),
    ).where(due if due is not None else literal(True))
    if excluded:
        query = query.where(model.chat_id.not_in(excluded))
    return query.subquery("queue")


async def _no_coalescing(_session: AsyncSession, _edits: Sequence[DeliveryUpdate]) -> dict[int, int]:
    return {}


def _always(*_args: object) -> bool:
    return True


async def _every_change(_self: IngestWrite, changes: Sequence[AlertChange]) -> list[AlertChange]:
    return list(changes)


@contextmanager
def _every_version_queued() -> Iterator[None]:
    """The rule of the last stop: every version an edit row (claimed, then settled without a call)."""
    may_change, fold = feeds.routing._may_change, IngestWrite._fold_into_pending
    feeds.routing._may_change = _always  # type: ignore[assignment]
    IngestWrite._fold_into_pending = _every_change  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        feeds.routing._may_change, IngestWrite._fold_into_pending = may_change, fold  # type: ignore[method-assign]


@contextmanager
def _old_order() -> Iterator[None]:
    queue, coalesce = storage.alert_updates._queue, storage.alert_updates._coalesce  # type: ignore[attr-defined]
    storage.alert_updates._queue = _old_queue  # type: ignore[attr-defined]
    storage.alert_updates._coalesce = _no_coalescing  # type: ignore[assignment]
    try:
        yield
    finally:
        storage.alert_updates._queue, storage.alert_updates._coalesce = queue, coalesce  # type: ignore[attr-defined]


@dataclass
class Outbox:
    """The ids the simulation looks for, and what it counts."""

    stories: list[int] = field(default_factory=list)
    alerts: dict[tuple[int, int], int] = field(default_factory=dict)  # (chat, story) → delivery id
    feeds: dict[str, int] = field(default_factory=dict)
    third_edits: set[int] = field(default_factory=set)
    new_alerts: set[int] = field(default_factory=set)


async def _item(session: AsyncSession, feed: int, story: int, n: str, at: datetime) -> int:
    item = Item(
        feed_id=feed, story_id=story, identity_key=n.rjust(64, "0"), title=f"item {n}", summary="",
        published_at=at, fetched_at=at, content_hash=n.rjust(64, "0"), severity="P2",
    )  # fmt: skip
    session.add(item)
    await session.flush()
    return item.id


async def _fill(db: Database) -> Outbox:
    """Every chat's alert of each story, sent, showing no other source."""
    box = Outbox()
    async with db.transaction() as session:
        for name in ("Border Wire", "Rewrite Wire", "Third Wire"):
            feed = Feed(url=f"https://{name.split()[0].lower()}.example/rss", title=name, history_loaded=True)
            session.add(feed)
            await session.flush()
            box.feeds[name] = feed.id
        session.add_all([Chat(id=chat, type="private") for chat in [*range(CHATS), OTHER_CHAT]])
        for n in range(STORIES + 1):
            story = Story(title=f"story {n}", severity="P2", created_at=START - timedelta(hours=1))
            session.add(story)
            await session.flush()
            item = await _item(
                session, box.feeds["Border Wire"], story.id, f"w{n}", START - timedelta(hours=1)
            )
            box.stories.append(story.id)
            for chat in [*range(CHATS), *([OTHER_CHAT] if n == STORIES else [])]:
                row = Delivery(
                    chat_id=chat, story_id=story.id, item_id=item, severity="P2", status="sent",
                    message_id=n + 1, sent_at=START - timedelta(hours=1), shown_sources=0,
                    shown_severity="P2", next_attempt_at=START - timedelta(hours=1),
                    created_at=START - timedelta(hours=1),
                )  # fmt: skip
                session.add(row)
                await session.flush()
                box.alerts[(chat, story.id)] = row.id
    return box


async def _poll(db: Database, box: Outbox, poll: int, at: datetime) -> None:
    """The rewriting feed's poll: a new version of each of STORIES stories, routed and queued as ingest."""
    async with db.transaction() as session:
        placed = []
        for n, story in enumerate(box.stories[:STORIES]):
            item = await _item(session, box.feeds["Rewrite Wire"], story, f"r{poll}-{n}", at)
            placed.append(PlacedItem(item, story, ("sev_lake",), "P2", False, at))
        tx = IngestWrite(session)
        audience = await tx.audience({"sev_lake"}, box.stories[:STORIES])
        await tx.queue(route_alerts(placed, audience).plan)


def _edit(box: Outbox, chat: int, story: int, item: int, at: datetime) -> dict[str, object]:
    return {
        "delivery_id": box.alerts[(chat, story)], "chat_id": chat, "story_id": story, "item_id": item,
        "kind": "edit", "severity": "P2", "status": "pending", "attempts": 0, "next_attempt_at": at,
        "created_at": at,
    }  # fmt: skip


async def _others(db: Database, box: Outbox, at: datetime) -> None:
    """The third feed reports the last story (an edit in chat 0 and in OTHER_CHAT); the first feed a new story
    (an alert in chat 0)."""
    async with db.transaction() as session:
        story = box.stories[STORIES]
        item = await _item(session, box.feeds["Third Wire"], story, "third", at)
        third = [DeliveryUpdate(**_edit(box, chat, story, item, at)) for chat in (0, OTHER_CHAT)]
        fresh = Story(title="new story", severity="P2", created_at=at)
        session.add_all([*third, fresh])
        await session.flush()
        item = await _item(session, box.feeds["Border Wire"], fresh.id, "new", at)
        alert = Delivery(chat_id=0, story_id=fresh.id, item_id=item, severity="P2", next_attempt_at=at,
                         created_at=at)  # fmt: skip
        session.add(alert)
        await session.flush()
        box.third_edits, box.new_alerts = {row.id for row in third}, {alert.id}


@dataclass
class Figures:
    rewrite_calls: int = 0
    edits_written: int = 0
    edits_leased: int = 0
    waits: dict[str, float] = field(default_factory=dict)
    leases: list[float] = field(default_factory=list)
    polls: list[float] = field(default_factory=list)


async def _settle(db: Database, rows: list[ClaimedDelivery | ClaimedUpdate], done: list[datetime]) -> None:
    await mark_sent(
        db,
        [SentAlert(r.id, 1000 + r.id, at, shown=r.alert) for r, at in zip(rows, done, strict=True)
         if isinstance(r, ClaimedDelivery)],
    )  # fmt: skip
    for row, at in zip(rows, done, strict=True):
        if isinstance(row, ClaimedUpdate):
            if row.needed:
                await finish_update(db, row.id, "sent", at, shown=row)
            else:
                await finish_update(db, row.id, "skipped", at, reason="nothing new to show")


async def _simulate(url: str, per_chat: int) -> Figures:
    db = Database(url)
    figures = Figures()
    try:
        box = await _fill(db)
        events = [START + POLL_EVERY * poll for poll in range(POLLS)] + [OTHERS_AT]
        now = START
        # busy: chat → (when its leased rows are all done, rows, when each is done)
        busy_rows: dict[int, tuple[datetime, list[ClaimedDelivery | ClaimedUpdate], list[datetime]]] = {}
        polled = 0
        while now < START + timedelta(hours=3):
            while events and events[0] <= now:
                at = events.pop(0)
                if at == OTHERS_AT:
                    await _others(db, box, at)
                    events.sort()
                else:
                    started = time.perf_counter()
                    await _poll(db, box, polled, at)
                    figures.polls.append(time.perf_counter() - started)
                    polled += 1
                events.sort()
            room = BATCH - len(busy_rows)
            if room >= BATCH // 2 or not busy_rows:
                started = time.perf_counter()
                sending = set(busy_rows)
                claimed: list[ClaimedDelivery | ClaimedUpdate] = list(
                    await claim_due(db, now=now, limit=room, exclude_chats=sorted(sending),
                                    lease=timedelta(hours=3))
                )  # fmt: skip
                claimed += await claim_due_updates(
                    db, now=now, limit=room, exclude_chats=sorted(sending | {r.chat_id for r in claimed}),
                    per_chat=per_chat, lease=timedelta(hours=3),
                )  # fmt: skip
                figures.leases.append(time.perf_counter() - started)
                figures.edits_leased += sum(isinstance(row, ClaimedUpdate) for row in claimed)
                by_chat: dict[int, list[ClaimedDelivery | ClaimedUpdate]] = {}
                for row in claimed:
                    by_chat.setdefault(row.chat_id, []).append(row)
                for chat, rows in by_chat.items():
                    at, done = now, []
                    for row in rows:
                        call = isinstance(row, ClaimedDelivery) or row.needed
                        at += PACE if call else timedelta(0)
                        done.append(at)
                        if isinstance(row, ClaimedUpdate) and row.id in box.third_edits:
                            name = "the third feed's edit" + (" elsewhere" if chat == OTHER_CHAT else "")
                            figures.waits[name] = (at - OTHERS_AT).total_seconds()
                        elif isinstance(row, ClaimedDelivery) and row.id in box.new_alerts:
                            figures.waits["the new alert"] = (at - OTHERS_AT).total_seconds()
                        elif call:
                            figures.rewrite_calls += 1
                    busy_rows[chat] = (max(at, now + timedelta(milliseconds=1)), rows, done)
            upcoming = [finished for finished, _, _ in busy_rows.values()] + events[:1]
            if not upcoming:
                break
            now = min(upcoming)
            for chat in [c for c, (finished, _, _) in busy_rows.items() if finished <= now]:
                _, rows, done = busy_rows.pop(chat)
                await _settle(db, rows, done)
        async with db.transaction() as session:
            figures.edits_written = int(
                await session.scalar(select(func.count()).select_from(DeliveryUpdate)) or 0
            )
        return figures
    finally:
        await db.dispose()


def _vs(now: float, *before: float, unit: str = "", digits: int = 0) -> str:
    """`now` next to each same-run baseline, with the ratio."""
    shown = [f"{value:,.{digits}f}{unit}" for value in (now, *before)]
    ratios = ", ".join(f"{now / value:.3f}x" if value else "-" for value in before)
    return f"{shown[0]} vs {' vs '.join(shown[1:])} ({ratios})"


async def _run() -> None:
    with tempfile.TemporaryDirectory() as folder:
        urls = [f"sqlite+aiosqlite:///{Path(folder) / f'{name}.db'}" for name in ("now", "every", "old")]
        for url in urls:
            await upgrade(url)
        new = await _simulate(urls[0], storage.deliveries.PER_CHAT)
        with _every_version_queued():
            every = await _simulate(urls[1], storage.deliveries.PER_CHAT)
            with _old_order():
                old = await _simulate(urls[2], UNLIMITED)
    print(
        f"one feed republishes {STORIES} stories at each of {POLLS} polls a minute apart, each version "
        f"routed for the alert in each of {CHATS} private chats (1 call/s a chat, 16 chats at once); now "
        "vs every version queued as an edit row vs that claimed oldest first without coalescing:"
    )
    calls = _vs(new.rewrite_calls, every.rewrite_calls, old.rewrite_calls)
    print(f"  Bot API calls for the rewrites: {calls}; one per alert is {STORIES * CHATS:,}")
    print(f"  edit rows written: {_vs(new.edits_written, every.edits_written, old.edits_written)}")
    print(
        "  edit rows leased (an edit a chat sees nothing new from is settled without a call): "
        f"{_vs(new.edits_leased, every.edits_leased, old.edits_leased)}"
    )
    for name, where in (
        ("the third feed's edit", "in a chat the rewrites flood"),
        ("the new alert", "in a chat the rewrites flood"),
        ("the third feed's edit elsewhere", "in a chat the rewrites do not reach"),
    ):
        waits = [figures.waits.get(name) for figures in (new, every, old)]
        what = name.removesuffix(" elsewhere")
        if all(wait is not None for wait in waits):
            print(f"  {what} {where} waited {_vs(*[float(w or 0) for w in waits], unit=' s')}")
        else:
            print(f"  {what} {where} waited {waits} s (None: not sent within 3 h)")
    polls = [statistics.median(figures.polls) * 1000 for figures in (new, every, old)]
    print(f"  a poll's write (items, routing, outbox rows) took {_vs(*polls, unit=' ms', digits=1)} median")
    leases = [statistics.median(figures.leases) * 1000 for figures in (new, every, old)]
    print(
        f"  leases: {_vs(len(new.leases), len(every.leases), len(old.leases))}; a lease took "
        f"{_vs(*leases, unit=' ms', digits=1)} median"
    )


def main() -> None:
    asyncio.run(_run())


if __name__ == "__main__":
    main()
