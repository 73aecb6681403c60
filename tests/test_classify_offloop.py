"""While one feed's items are being classified, the bot and the other feeds go on.

Black box: the real Application polling the Bot API emulator and the real ingest service in one process
(as `--role all` runs them), on a real SQLite file or PostgreSQL, polling two feeds on the loopback feed
server with the shipped gazetteer's classifier. A hostile feed publishes items whose classification is held (a
threading.Event stands for the most of a second one such item costs, made as long as the test needs); a
healthy feed publishes one real story. Before the hostile items are released, the healthy feed's item must be
stored and a subscriber's /status must be answered and count it. The hold gives up after HOLD_LIMIT seconds
only so that a regression (the hold stalling the whole process) fails instead of hanging: the test asserts
what happened before the hold ended, never a time.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest

from feeds.ingest import PollResult
from feeds.model import Classification
from feeds.service import IngestService
from storage.db import Database
from storage.feeds import add_feed
from tests.botapi import BotApiEmulator
from tests.feedserver import FeedServer, rss, running
from tests.harness import running_bot, subscribe

READER = 4801
HOSTILE = "Laçın yolu"
HOLD_LIMIT = 20.0


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with running() as server:
        yield server


async def test_the_bot_answers_and_a_healthy_feed_is_stored_while_a_hostile_feeds_items_are_classified(
    db: Database, feed_server: FeedServer
) -> None:
    hostile_url = feed_server.add("/hostile.xml", rss("Hostile Wire", []))
    healthy_url = feed_server.add("/wire.xml", rss("Border Wire", []))
    await subscribe(db, READER, "lachin_corridor")
    async with BotApiEmulator(enforce_limits=False) as telegram:
        telegram.add_user(READER)
        async with running_bot(db, telegram, allow_private_urls=True) as chat:
            clock = chat.clock
            await add_feed(db, hostile_url, now=clock.now)
            await add_feed(db, healthy_url, now=clock.now)
            classifying = threading.Event()
            released = threading.Event()
            holds: list[bool] = []
            healthy_stored = asyncio.Event()
            healthy: list[PollResult] = []

            def classify(title: str, summary: str, language: str | None) -> Classification:
                if title.startswith(HOSTILE) and not holds:
                    classifying.set()
                    holds.append(released.wait(HOLD_LIMIT))
                return chat.ctx.entities.classifier.classify(title, summary, language)

            def on_result(result: PollResult) -> None:
                if result.feed.url == healthy_url and result.new_items:
                    healthy.append(result)
                    healthy_stored.set()

            async with IngestService(
                db, chat.ctx.settings, classify, clock=clock, on_result=on_result
            ) as ingest:
                await ingest.poll_all_once()  # history: nothing alerts
                summary = (HOSTILE + " ") * 2000
                hostile_items = [
                    (f"h{n}", f"{HOSTILE} {n}", f"http://hostile.example/{n}", summary) for n in range(3)
                ]
                feed_server.add("/hostile.xml", rss("Hostile Wire", hostile_items, language=None))
                feed_server.publish(
                    "/wire.xml",
                    "Border Wire",
                    (
                        "w1",
                        "Lachin corridor closed to traffic, officials say",
                        "http://wire.example/1",
                        "Closed.",
                    ),
                    clock.now,
                )
                clock.now += timedelta(minutes=2)
                polling = asyncio.create_task(ingest.poll_all_once())
                try:
                    await asyncio.wait_for(healthy_stored.wait(), 3 * HOLD_LIMIT)
                    status = await chat.say(READER, "/status")
                    still_held = classifying.is_set() and not holds
                finally:
                    released.set()
                report = await polling

    # the healthy item was stored and /status answered while the hostile item was held, not after it
    # gave up waiting
    assert still_held
    assert holds == [True]
    assert [item.title for item in healthy[0].new_items] == [
        "Lachin corridor closed to traffic, officials say"
    ]
    assert "Lachin corridor — 24 h: 1" in status[0]
    hostile = [result for result in report.results if result.feed.url == hostile_url]
    assert len(hostile[0].new_items) == 3  # and the held items were stored after all
