"""One feed that floods never queues another source's alert behind its own backlog.

Black box: two feeds on the loopback feed server, polled by the real ingest service with the shipped
gazetteer's classifier and story rules, a real SQLite file or PostgreSQL database, and the delivery loop
sending to the Bot API emulator. One feed publishes 150 new, distinct items at once, most with P1 cue words
("Shelling near Sev Lake …"), some dated in the future; then another feed reports one real story. What the
subscriber sees is the order of the messages in their chat: the real story must not wait behind the flood.
The emulator does not enforce Telegram's per-chat pace here (the order of the messages is what is asserted,
and the delivery loop leases a chat's alerts in that order whatever the pace).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

import bot.app
from bot.deliver import DeliveryLoop
from feeds.store import store_new_items
from storage.db import Database
from storage.feeds import add_feed
from storage.models import Feed
from tests.botapi import BotApiEmulator
from tests.clock import Clock
from tests.feedserver import FeedServer, rss, running
from tests.harness import FAST_LIMITER, feed_pipeline, initialized_bot, new_item, subscribe

READER, LACHIN_ONLY = 4711, 4712
FLOOD = 150
PLACES = ("Sev Lake", "Jermuk", "Goris", "Sev Lake", "Jermuk")
WORDS = ("road", "patrol", "convoy", "village", "farmers", "water", "school", "bridge", "post", "hill")
REAL_STORY = "Lachin corridor closed to traffic, officials say"


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with running() as server:
        yield server


def _flood(now: datetime) -> str:
    """FLOOD distinct items with P1 cue words about places the reader follows; one in ten dated a year
    ahead (the poller reads such a date as now)."""
    rng = random.Random(7)
    stamp = int(now.timestamp())
    items, dates = [], []
    for n in range(FLOOD):
        title = f"Shelling near {rng.choice(PLACES)}: {' '.join(rng.sample(WORDS, 5))} {n}"
        items.append((f"flood-{n}", title, f"http://flood.example/{n}", "Shelling reported."))
        dates.append(stamp + 365 * 86400 if n % 10 == 0 else stamp - n)
    return rss("Flood Wire", items, dates=dates)


async def test_a_flooding_feed_does_not_queue_another_sources_alert_behind_its_backlog(
    db: Database, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.app, "ChatRateLimiter", FAST_LIMITER)
    now = datetime.now(UTC).replace(microsecond=0)
    clock = Clock(now)
    flood_url = feed_server.add("/flood.xml", rss("Flood Wire", []))
    wire_url = feed_server.add("/wire.xml", rss("Border Wire", []))
    await add_feed(db, flood_url, now=now)
    await add_feed(db, wire_url, now=now)
    await subscribe(db, READER, "sev_lake", "jermuk", "goris", "lachin_corridor")
    await subscribe(db, LACHIN_ONLY, "lachin_corridor")
    async with feed_pipeline(db, clock, READER, LACHIN_ONLY) as pipeline:
        ingest, telegram = pipeline.ingest, pipeline.telegram
        await ingest.poll_all_once()  # history: nothing alerts
        feed_server.add("/flood.xml", _flood(now))
        clock.now += timedelta(minutes=2)
        flood = await ingest.poll_all_once()
        flood_alerts = sum(item.alerted_chats for _, item in flood.new_items)
        assert flood_alerts >= 100  # the flood is real: that many alerts queued for the reader
        assert {item.severity for _, item in flood.new_items} >= {"P1"}
        real_item = ("w1", REAL_STORY, "http://wire.example/1", "Closed.")
        feed_server.publish("/wire.xml", "Border Wire", real_item, clock.now)
        clock.now += timedelta(seconds=30)
        (real,) = [item for _, item in (await ingest.poll_all_once()).new_items]
        assert real.title == REAL_STORY and real.alerted_chats == 2
        await pipeline.deliver()

    texts = telegram.texts(READER)
    at = [index for index, text in enumerate(texts) if REAL_STORY in text]
    # at most one of the flood's alerts goes ahead of it (the flood's turn), not its whole backlog
    assert at == [0] or at == [1], f"the real story was message {at} of {len(texts)}"
    # and the flood loses nothing: every one of its alerts arrives, once, in the flood's own order
    flood_texts = [text for text in texts if REAL_STORY not in text]
    assert len(flood_texts) == flood_alerts == len(set(flood_texts))
    assert [REAL_STORY in text for text in telegram.texts(LACHIN_ONLY)] == [True]


async def test_chats_flooded_by_one_feed_do_not_queue_another_chats_alert_behind_theirs(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More flooded chats than the delivery loop sends to at once (16): a chat that follows only what another
    feed reported gets its alert after one turn of each flooded chat, not after the whole flood."""
    monkeypatch.setattr(bot.app, "ChatRateLimiter", FAST_LIMITER)
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    clock = Clock(now)
    flooded = list(range(5001, 5021))  # 20 chats
    for chat in flooded:
        await subscribe(db, chat, "sev_lake")
    await subscribe(db, LACHIN_ONLY, "lachin_corridor")
    async with db.transaction() as session:
        flood_feed, wire_feed = Feed(url="https://flood.test/rss"), Feed(url="https://wire.test/rss")
        session.add_all([flood_feed, wire_feed])
        await session.flush()
        flood_id, wire_id = flood_feed.id, wire_feed.id
    rng = random.Random(3)
    flood = [
        new_item(
            f"Shelling near Sev Lake: {' '.join(rng.sample(WORDS, 6))} {n}",
            "sev_lake",
            severity="P1",
            published=now - timedelta(seconds=n),
            spans=((14, 22, "Sev Lake"),),
        )
        for n in range(15)
    ]
    stored = await store_new_items(db, flood_id, flood, alert=True, now=now)
    assert sum(item.alerted_chats for item in stored) == 15 * len(flooded)
    clock.now += timedelta(seconds=10)
    real = new_item(REAL_STORY, "lachin_corridor", severity="P4", published=clock.now)
    (stored_real,) = await store_new_items(db, wire_id, [real], alert=True, now=clock.now)
    assert stored_real.alerted_chats == 1
    async with BotApiEmulator(enforce_limits=False) as telegram:
        for chat in [*flooded, LACHIN_ONLY]:
            telegram.add_user(chat)
        async with initialized_bot(db, telegram, clock) as (ctx, application):
            await DeliveryLoop(ctx, application.bot, clock=clock).run_until_idle()
    order = [int(p["chat_id"]) for method, p in telegram.requests if method == "sendMessage"]
    assert len(order) == 15 * len(flooded) + 1  # every alert arrived, none twice
    ahead = order.index(LACHIN_ONLY)
    # at most one lease (5 alerts) of each flooded chat went first, not their 300 alerts
    assert ahead <= 5 * len(flooded), f"{ahead} flood alerts were sent before the other chat's one"
    assert [REAL_STORY in text for text in telegram.texts(LACHIN_ONLY)] == [True]
