"""feedparser's test corpus through the whole pipeline: served by the loopback feed server, polled (fetch →
parse → normalise → classify → store), then every stored item sent as an alert to the Bot API emulator,
whose Telegram HTML validation must accept each one. Zero crashes, zero refused alerts."""

from __future__ import annotations

import functools
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.context import BotContext
from bot.deliver import DeliveryLoop
from bot.ratelimit import ChatRateLimiter
from feeds.model import Classification, EntityMatch
from feeds.parse import ParserPool
from feeds.service import IngestService
from storage import deliveries
from storage.chats import add_subscriptions
from storage.db import Database
from storage.feeds import add_feed
from storage.models import ALL_ENTITIES, Delivery, Feed, Item
from storage.settings import Settings, load_settings
from tests.botapi.emulator import BotApiEmulator
from tests.clock import Clock
from tests.feedserver import FeedServer
from tests.reliability.conftest import record

pytestmark = [pytest.mark.reliability, pytest.mark.corpus]

CORPUS = Path(__file__).resolve().parents[1] / ".corpus" / "feedparser"
_HEADER_LINE = re.compile(rb"^Header:\s+([^:]+):(.+)$", re.MULTILINE)
CHATS = 20
SETTINGS = Settings(allow_private_urls=True, fetch_timeout=10, connect_timeout=2, per_host_concurrency=32)


def everything_tagged(title: str, summary: str, language: str | None) -> Classification:
    """Tag every item (so every item can alert), bolding the title's first word as an alias would be."""
    end = len(title.split(" ", 1)[0]) if title else 0
    spans = ((0, end, title[:end]),) if end else ()
    return Classification((EntityMatch("sev_lake", spans),), "P2")


def _insert(db: Database) -> type[postgresql.Insert] | type[sqlite.Insert]:
    return postgresql.Insert if db.dialect == "postgresql" else sqlite.Insert


async def test_the_feedparser_corpus_goes_through_the_whole_pipeline(db: Database) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"feedparser's test corpus is not in {CORPUS}: run `make corpus` to fetch it")
    files = sorted(p for p in CORPUS.rglob("*.xml") if p.is_file())
    now = datetime.now(UTC)
    with FeedServer() as server:
        for n, path in enumerate(files):
            body = path.read_bytes()
            headers = {
                name.decode("latin-1").strip(): value.decode("latin-1").strip()
                for name, value in _HEADER_LINE.findall(body)
            }
            content_type = headers.pop("Content-type", headers.pop("Content-Type", "application/xml"))
            url = server.add(f"/corpus/{n}.xml", body, content_type=content_type)
            await add_feed(db, url, now=now)
        async with db.transaction() as session:
            await session.execute(update(Feed).values(history_loaded=True))
        parser = ParserPool(workers=2)
        try:
            async with IngestService(
                db, SETTINGS, everything_tagged, rng=random.Random(3), parser=parser, batch_size=256
            ) as service:
                report = await service.poll_all_once()
        finally:
            parser.close()
    crashes = [r.error for r in report.results if r.error and "internal error" in r.error]
    assert crashes == []
    assert len(report.results) == len(files)

    # every stored item becomes an alert (old items too: the 24 h rule is not what is tested here)
    for chat_id in range(1, CHATS + 1):
        await add_subscriptions(db, chat_id, "private", [ALL_ENTITIES])
    async with db.transaction() as session:
        items = (await session.execute(select(Item.id, Item.story_id))).all()
        rows = [
            {
                "chat_id": item_id % CHATS + 1,
                "story_id": story_id,
                "item_id": item_id,
                "severity": "P2",
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for item_id, story_id in items
        ]
        for start in range(0, len(rows), 1000):
            await session.execute(
                _insert(db)(Delivery).values(rows[start : start + 1000]).on_conflict_do_nothing()
            )
    async with BotApiEmulator(enforce_limits=False) as telegram:
        for chat_id in range(1, CHATS + 1):
            telegram.add_user(chat_id)
        ctx = BotContext(
            db=db,
            settings=load_settings(
                telegram_token=telegram.token, telegram_api_url=telegram.base_url, database_url=db.url
            ),
        )
        limiter = functools.partial(ChatRateLimiter, 1000, private_per_period=1000, group_per_minute=1000)
        # the connection pool the bot's Application gets (bot/app.py): with HTTPXRequest's default of one
        # connection and a 1 s pool timeout, sends to 8 chats at once time out on a busy machine
        request = HTTPXRequest(connection_pool_size=16, pool_timeout=30)
        bot = ExtBot(telegram.token, base_url=telegram.base_url, request=request, rate_limiter=limiter())
        clock = Clock(now)
        rounds = 0
        async with bot:
            loop = DeliveryLoop(ctx, bot, clock=clock)
            # a send that fails for a passing reason (a timeout on a loaded machine) is retried minutes later:
            # move the clock on until nothing is left (what must never happen is Telegram refusing the HTML)
            while rounds < 10:
                rounds += 1
                await loop.run_until_idle()
                counts = await deliveries.delivery_counts(db)
                if counts.pending == counts.sending == 0:
                    break
                clock.now += timedelta(minutes=10)
        refused = telegram.stats["error_400"]
        sent = len(telegram.all_sent())
    async with db.transaction() as session:
        retried = await session.scalar(
            select(func.count()).where(Delivery.attempts > 0, Delivery.status == "sent")
        )
    assert refused == 0 and counts.dead == 0
    assert counts.pending == counts.sending == 0 and counts.sent == sent > 0
    errors = len(report.errors)
    record(
        f"feedparser corpus ({db.dialect})",
        f"{len(files)} corpus documents served and polled: {len(files) - errors} parsed, {errors} refused as "
        f"that feed's error, 0 crashes; {len(items)} items stored, {sent} alerts sent ({retried} after a "
        f"retry, {rounds} delivery rounds), 0 refused by Telegram's HTML rules",
    )
