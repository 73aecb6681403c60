"""While a batch of new items is being placed in stories, the bot goes on answering.

Black box: the real Application polling the Bot API emulator on a real SQLite file or PostgreSQL, in the
process that stores a poll's items (as `--role all` runs them). Placing the batch is held (a threading.Event
stands for the seconds a crisis burst's placing costs, bench/loop_stall.py, made as long as the test needs);
before it is released, a subscriber's /status must be answered. The hold gives up after HOLD_LIMIT seconds
only so that a regression (the hold stalling the whole process) fails instead of hanging: the test asserts
what happened before the hold ended, never a time.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

import feeds.store
from feeds.model import FeedEntry, NewItem
from feeds.placing import Placement
from feeds.stories import StoryRules
from storage.db import Database
from storage.feeds import add_feed
from storage.ingest import StoryContext
from tests.botapi import BotApiEmulator
from tests.harness import running_bot, subscribe

READER = 4802
HOLD_LIMIT = 20.0
TITLE = "Lachin corridor closed to traffic, officials say"


async def test_the_bot_answers_while_a_batch_is_placed_in_stories(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await subscribe(db, READER, "lachin_corridor")
    async with BotApiEmulator(enforce_limits=False) as telegram:
        telegram.add_user(READER)
        async with running_bot(db, telegram) as chat:
            clock = chat.clock
            feed, _ = await add_feed(db, "https://wire.example/rss", now=clock.now)
            entry = FeedEntry("w1", "https://wire.example/1", TITLE, "Closed.", "en", clock.now)
            classification = chat.ctx.gazetteer.classifier.classify(TITLE, "Closed.", "en")
            item = NewItem(entry, "w1", "hash-w1", clock.now, classification)
            loop = asyncio.get_running_loop()
            placing, released = asyncio.Event(), threading.Event()
            holds: list[bool] = []
            real = feeds.store.placed_batch

            def held(new: Sequence[object], context: StoryContext, rules: StoryRules) -> Placement:
                if new and not holds:
                    loop.call_soon_threadsafe(placing.set)
                    holds.append(released.wait(HOLD_LIMIT))
                return real(new, context, rules)  # type: ignore[arg-type]

            monkeypatch.setattr(feeds.store, "placed_batch", held)
            storing = asyncio.create_task(
                feeds.store.store_new_items(db, feed.id, [item], alert=True, now=clock.now)
            )
            try:
                await asyncio.wait_for(placing.wait(), 3 * HOLD_LIMIT)
                status = await chat.say(READER, "/help")
                still_held = placing.is_set() and not holds
            finally:
                released.set()
            stored = await storing

    # /help was answered while the batch was held, not after the hold gave up waiting
    assert still_held
    assert holds == [True]
    assert "/status" in status[0]
    assert [one.title for one in stored] == [TITLE]  # and the held batch was stored after all
