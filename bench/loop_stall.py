"""A crisis burst stored beside everything else in the process: how long the event loop stalls, and how long
/status's reads wait, while the burst's items are placed in stories.

Two bursts, each stored into a SQLite file after a first round of the same feeds stored as history (the open
stories the burst is compared with), with the shipped gazetteer's classifier (classified beforehand: that
already runs on a worker thread, bench/classify_stall.py) and the default story rules:

- crisis: FEEDS feeds bringing ITEMS new items each at once, reports of the same eight events in English
  and Russian in each feed's own words, stored in one transaction (polls finishing together share one),
  CHATS private chats subscribed to everything (their alerts are queued in it);
- one feed: a single feed bringing BIG new items.

Beside the store, a ticker asks to wake every 10 ms and notes the longest it waited beyond that (the event
loop's longest stall: what every chat reply, delivery and other poll waited at worst), and a probe runs the
reads of /status (counts by severity over 24 h, the chat's latest alert) every 100 ms and notes the slowest,
from when they were due to when they were answered, and an outbox probe counts the queued alerts (what the
bot's sender can see, i.e. committed) every 50 ms: when the first and the last of the burst's alerts were
queued, counted from the start of the store.

The same-run baseline is the same store as before these fixes: the batch placed in stories and its alerts
decided on the event loop (feeds.store before placing and routing moved to a worker thread), two reports'
figures compared pair by pair (feeds.stories before exact figures were compared as sets), and the queued
alerts inserted as multi-row VALUES statements (storage.ingest before executemany: each one compiled on the
event loop), and each new item compared with every open story's item (no index of the candidates by what can
contradict it: feeds.stories.CandidatePool keying each candidate on its own). A second baseline, "all against
all", is the code as it is except that unindexed pool: what the index alone changes. The baselines place with
feeds.placing as it is now (the pool of open stories' items remade only after a merge, not for every item),
so their store time is a little shorter than the old code's.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from unittest import mock

from sqlalchemy import func, select

import feeds.store
import feeds.stories
from feeds.gazetteer import Gazetteer, load_gazetteer
from feeds.model import FeedEntry, NewItem
from feeds.signature import same_figure
from feeds.store import FeedItems, store_new_items_of_feeds
from feeds.stories import CandidatePool, Fingerprint
from storage import history
from storage.db import Database, dialect_insert
from storage.ingest import IngestWrite
from storage.migrate import upgrade
from storage.models import ALL_ENTITIES, Chat, Delivery, Feed, Subscription
from storage.settings import Settings

T = TypeVar("T")
FEEDS = int(os.environ.get("BENCH_LOOP_STALL_FEEDS", "50"))
ITEMS = int(os.environ.get("BENCH_LOOP_STALL_ITEMS", "50"))
CHATS = int(os.environ.get("BENCH_LOOP_STALL_CHATS", "1000"))
BIG = int(os.environ.get("BENCH_LOOP_STALL_BIG", "2000"))
TICK = 0.010
PROBE_EVERY = 0.100
OUTBOX_EVERY = 0.050
START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
EVENTS = [
    ("en", "Azerbaijani forces shell Armenian positions near Jermuk, {n} soldiers wounded"),
    ("ru", "Азербайджанские силы обстреляли позиции у Джермука, ранены {n} военнослужащих"),
    ("en", "Lachin corridor closed: {n} trucks with humanitarian aid stopped at the checkpoint"),
    ("ru", "Лачинский коридор перекрыт: остановлены {n} грузовиков с гуманитарной помощью"),
    ("en", "Shooting near Sev Lake: {n} servicemen killed in a border clash"),
    ("en", "Drone strike near Goris kills {n} civilians"),
    ("ru", "В Нахичевани начались учения, задействованы {n} военнослужащих"),
    ("en", "Fire opened on Armenian positions in Sotk, {n} soldiers injured"),
]
WORDING = ("officials say", "the ministry reports", "sources say", "local media report", "witnesses say")


@dataclass(frozen=True, slots=True)
class Side:
    stored: int
    seconds: float
    longest_stall: float
    slowest_status: float
    first_alert: float
    last_alert: float


def _items(gazetteer: Gazetteer, feed: int, round_no: int, count: int, now: datetime) -> list[NewItem]:
    items = []
    for n in range(count):
        language, template = EVENTS[(n + feed) % len(EVENTS)]
        figure = 2 + (n // len(EVENTS)) % 6 + 10 * round_no
        title = f"{template.format(n=figure)}, {WORDING[(feed + n) % len(WORDING)]}"
        summary = f"{title}. The report could not be verified independently."
        published = now - timedelta(seconds=5 * n + feed)
        key = hashlib.sha256(f"{feed}/{round_no}/{n}".encode()).hexdigest()
        entry = FeedEntry(key, f"https://feed{feed}.example/{key[:16]}", title, summary, language, published)
        classification = gazetteer.classifier.classify(title, summary, language)
        items.append(NewItem(entry, key, key, published, classification))
    return items


async def _watched(
    work: Awaitable[T], db: Database, chat_id: int
) -> tuple[T, float, float, float, float, float]:
    """`work`'s result, its seconds, the event loop's longest stall, the slowest /status reads meanwhile, and
    the seconds until the first and the last alert were in the outbox."""
    task = asyncio.ensure_future(work)
    stall = slowest = 0.0
    first_alert = last_alert = float("nan")
    stop = (
        asyncio.Event()
    )  # the probes end at their next look (a cancelled read leaves a connection to reset)
    started = time.perf_counter()

    async def ticker() -> None:
        nonlocal stall
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(TICK)
            at = time.perf_counter()
            stall, last = max(stall, at - last - TICK), at

    async def status_probe() -> None:
        nonlocal slowest
        asked = time.perf_counter()
        while not stop.is_set():
            now = START + timedelta(hours=1)
            await history.count_by_severity(db, None, now - timedelta(hours=24), now)
            await history.last_alert(db, chat_id)
            # counted from when the reads were asked for: a /status arriving while the loop is held waits too
            done = time.perf_counter()
            slowest = max(slowest, done - asked)
            asked = done + PROBE_EVERY
            await asyncio.sleep(PROBE_EVERY)

    async def outbox_probe() -> None:
        nonlocal first_alert, last_alert
        seen = 0
        while not stop.is_set():
            async with db.transaction() as session:
                queued = await session.scalar(select(func.count()).select_from(Delivery))
            at = time.perf_counter() - started
            if queued and seen == 0:
                first_alert = at
            if queued and queued != seen:
                last_alert = at
            seen = queued or 0
            await asyncio.sleep(OUTBOX_EVERY)

    watchers = [asyncio.ensure_future(w()) for w in (ticker, status_probe, outbox_probe)]
    try:
        result = await task
        took = time.perf_counter() - started
        await asyncio.sleep(2 * OUTBOX_EVERY)  # the probe's look after the commit
    finally:
        stop.set()
        await asyncio.gather(*watchers, return_exceptions=True)
    return result, took, stall, slowest, first_alert, last_alert


async def _on_the_loop(work: Callable[..., T], batch: Sequence[Any], *rest: Any) -> T:
    """The baseline: the batch placed in stories, and its alerts decided, on the event loop."""
    return work(batch, *rest)


async def _inserted_as_values(
    self: IngestWrite,
    model: Any,
    queued: Sequence[Any],
    row: Callable[[Any], dict[str, Any]],
    batch: int,
    key: list[str],
) -> None:
    """The baseline: storage.ingest's multi-row VALUES INSERTs (compiled for every batch), every row made
    first."""
    rows = [row(one) for one in queued]
    for start in range(0, len(rows), batch):
        await self._session.execute(
            dialect_insert(self._session, model)
            .values(rows[start : start + batch])
            .on_conflict_do_nothing(index_elements=key)
        )


def _add_unindexed(self: CandidatePool, candidate: Fingerprint) -> None:
    """The baseline: every candidate its own key, so each is checked for a contradiction, as before the
    index."""
    if candidate.story_id is None:
        return
    at = len(self.items)
    self.items.append(candidate)
    self.by_key[(frozenset({str(at)}),)] = [at]
    self.by_story.setdefault(candidate.story_id, []).append(at)


def _figures_differ_pairwise(a: frozenset[str], b: frozenset[str]) -> bool:
    """The baseline: feeds.stories._figures_differ comparing every pair of figures."""
    only_a = [x for x in a if not any(same_figure(x, y) for y in b)]
    only_b = [y for y in b if not any(same_figure(x, y) for x in a)]
    return bool(only_a and only_b)


async def _side(folder: Path, label: str, feeds_count: int, per_feed: int, chats: int) -> Side:
    url = f"sqlite+aiosqlite:///{folder / (label + '.db')}"
    await upgrade(url)
    db = Database(url)
    try:
        gazetteer = await load_gazetteer(db, Settings(database_url=url))
        async with db.transaction() as session:
            rows = [
                Feed(url=f"https://feed{n}.example/rss", title=f"Wire {n}", history_loaded=True)
                for n in range(feeds_count)
            ]
            session.add_all(rows)
            session.add_all(Chat(id=10_000 + n, type="private") for n in range(chats))
            await session.flush()
            session.add_all(Subscription(chat_id=10_000 + n, entity_id=ALL_ENTITIES) for n in range(chats))
            feed_ids = [row.id for row in rows]
        rounds = [
            [
                FeedItems(feed_id, _items(gazetteer, n, r, per_feed, at), alert=r > 0, now=at)
                for n, feed_id in enumerate(feed_ids)
            ]
            for r, at in enumerate((START, START + timedelta(minutes=30)))
        ]
        await store_new_items_of_feeds(db, rounds[0])  # the open stories the burst meets
        stored, took, stall, slowest, first, last = await _watched(
            store_new_items_of_feeds(db, rounds[1]), db, 10_000
        )
        count = sum(len(one) for one in stored)
        if count != feeds_count * per_feed:
            raise SystemExit(f"{label}: {count} of {feeds_count * per_feed} items stored")
        return Side(count, took, stall, slowest, first, last)
    finally:
        await db.dispose()


async def _compare(name: str, feeds_count: int, per_feed: int, chats: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        with (
            mock.patch.object(feeds.store, "_off_loop", _on_the_loop),
            mock.patch.object(IngestWrite, "_insert_new", _inserted_as_values),
            mock.patch.object(feeds.stories, "_figures_differ", _figures_differ_pairwise),
            mock.patch.object(CandidatePool, "add", _add_unindexed),
        ):
            baseline = await _side(Path(folder), "baseline", feeds_count, per_feed, chats)
        with mock.patch.object(CandidatePool, "add", _add_unindexed):
            unindexed = await _side(Path(folder), "unindexed", feeds_count, per_feed, chats)
        after = await _side(Path(folder), "thread", feeds_count, per_feed, chats)
    sides = (("baseline (before)", baseline), ("all against all", unindexed), ("after", after))
    for label, side in sides:
        print(
            f"{name}, {label}: {side.stored} items stored in {side.seconds:.2f} s; first alert queued after "
            f"{side.first_alert:.2f} s, last after {side.last_alert:.2f} s; event loop stalled at "
            f"most {side.longest_stall * 1000:.0f} ms; /status reads took at most "
            f"{side.slowest_status * 1000:.0f} ms",
            flush=True,
        )
    print(
        f"{name}: longest stall {after.longest_stall * 1000:.0f} ms vs "
        f"{baseline.longest_stall * 1000:.0f} ms "
        f"({after.longest_stall / baseline.longest_stall:.3f}x); slowest /status reads "
        f"{after.slowest_status * 1000:.0f} ms vs {baseline.slowest_status * 1000:.0f} ms "
        f"({after.slowest_status / baseline.slowest_status:.3f}x)",
        flush=True,
    )
    for label, side in sides[:2]:
        print(
            f"{name}, after vs {label}: store {after.seconds:.2f} s vs {side.seconds:.2f} s "
            f"({after.seconds / side.seconds:.2f}x); first alert queued {after.first_alert:.2f} s vs "
            f"{side.first_alert:.2f} s ({after.first_alert / side.first_alert:.2f}x); last "
            f"{after.last_alert:.2f} s vs {side.last_alert:.2f} s "
            f"({after.last_alert / side.last_alert:.2f}x)",
            flush=True,
        )


async def _run() -> None:
    await _compare(f"crisis burst ({FEEDS} feeds x {ITEMS} items, {CHATS} chats)", FEEDS, ITEMS, CHATS)
    await _compare(f"one feed ({BIG} items, 10 chats)", 1, BIG, 10)


def main() -> None:
    asyncio.run(_run())


if __name__ == "__main__":
    main()
