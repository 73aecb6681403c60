"""Telegram misbehaving, through the Bot API emulator: bursts of 429 with long retry_after, 5xx, dropped
connections, timeouts and 403. Every alert for a chat that can still receive arrives exactly once."""

from __future__ import annotations

import functools
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from telegram.ext import ExtBot

from bot.aiohttp_request import AiohttpRequest
from bot.context import BotContext
from bot.deliver import DeliveryLoop
from bot.ratelimit import ChatRateLimiter
from storage import deliveries
from storage.chats import get_chat
from storage.db import Database
from storage.settings import load_settings
from tests.botapi.emulator import BotApiEmulator
from tests.clock import Clock
from tests.reliability.conftest import record
from tests.reliability.processes import seed_fan_out

pytestmark = pytest.mark.reliability

CHATS = 40
STORIES = 10
BLOCKED = (3, 17, 29)  # chat indexes whose users block the bot halfway


@pytest.fixture
def fast_limiter() -> Iterator[functools.partial[ChatRateLimiter]]:
    # Telegram's real pace per private chat (about 1/s) would make 400 alerts take minutes; the pacing
    # itself is tested in tests/test_delivery.py, here only failures matter
    yield functools.partial(ChatRateLimiter, 1000, private_per_period=1000, group_per_minute=1000)


async def test_bursts_of_every_failure_lose_nothing_and_send_nothing_twice(
    db: Database, fast_limiter: functools.partial[ChatRateLimiter]
) -> None:
    chat_ids = list(range(500, 500 + CHATS))
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    start = clock.now
    stories = await seed_fan_out(db, chat_ids, stories=STORIES, now=clock.now)
    async with BotApiEmulator(enforce_limits=False) as telegram:
        for chat_id in chat_ids:
            telegram.add_user(chat_id)
        settings = load_settings(
            telegram_token=telegram.token, telegram_api_url=telegram.base_url, database_url=db.url
        )
        ctx = BotContext(db=db, settings=settings, clock=clock)
        bot = ExtBot(
            telegram.token,
            base_url=telegram.base_url,
            request=AiohttpRequest(read_timeout=0.3, connection_pool_size=16),  # as bot.app sends
            # the limiter's clock moves with the database's (a chat told to wait is held in both)
            rate_limiter=fast_limiter(clock=lambda: time.monotonic() + (clock.now - start).total_seconds()),
        )
        send = ["sendMessage"]
        # one after the other, as bursts: each fault answers the next `count` sends
        telegram.inject_fault("429", 60, retry_after=900, methods=send)
        telegram.inject_fault("5xx", 40, status=500, methods=send)
        telegram.inject_fault("drop", 30, methods=send)
        telegram.inject_fault("timeout", 8, delay=0.5, methods=send)
        telegram.inject_fault("5xx", 30, status=502, methods=send)
        telegram.inject_fault("429", 40, retry_after=3600, methods=send)
        telegram.inject_fault("5xx", 20, status=503, methods=send)
        async with bot:
            loop = DeliveryLoop(ctx, bot, clock=clock)
            rounds = 0
            while (await deliveries.delivery_counts(db)).pending + (
                await deliveries.delivery_counts(db)
            ).sending:
                await loop.run_until_idle()
                rounds += 1
                if rounds == 3:
                    for index in BLOCKED:
                        telegram.block_chat(chat_ids[index])
                clock.now += timedelta(minutes=5)
                assert rounds < 100, "the outbox does not drain"
        counts = await deliveries.delivery_counts(db)
        per_chat_story = Counter((m.chat_id, m.text) for m in telegram.all_sent())
        received = {chat_id: len(telegram.sent(chat_id)) for chat_id in chat_ids}
        faults = {kind: telegram.stats[f"fault_{kind}"] for kind in ("429", "5xx", "drop", "timeout")}
        forbidden = telegram.stats["error_403"]
    blocked = {chat_ids[index] for index in BLOCKED}
    assert max(per_chat_story.values()) == 1  # nothing twice
    for chat_id in chat_ids:
        if chat_id not in blocked:
            assert received[chat_id] == STORIES, chat_id  # nothing lost
        else:
            chat = await get_chat(db, chat_id)
            assert chat is not None and not chat.active
    assert counts.dead == 0 and counts.pending == counts.sending == 0
    assert counts.sent == sum(received.values())
    assert counts.sent + counts.dropped == CHATS * STORIES
    assert forbidden >= len(BLOCKED)
    record(
        f"Telegram faults ({db.dialect})",
        f"{CHATS * STORIES} alerts ({len(stories)} stories × {CHATS} chats) through {sum(faults.values())} "
        f"injected failures {faults} and {forbidden} × 403 from {len(BLOCKED)} blocked chats: "
        f"{counts.sent} sent once each, {counts.dropped} dropped for blocked chats, 0 lost, 0 twice, "
        f"0 dead; drained in {rounds} rounds ({rounds * 5} min of clock time)",
    )
