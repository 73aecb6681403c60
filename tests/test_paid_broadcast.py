"""Paid broadcast (BORDERWATCH_PAID_BROADCAST): alerts go with allow_paid_broadcast, past Telegram's free 30
messages/s, with no 429 from an emulator that enforces the paid limits; without it nothing asks to be paid
for and the free limit holds; admins read in /status how many messages Telegram charged Stars for.

The real Application and rate limiter against the Bot API emulator, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging

import pytest
from telegram.error import RetryAfter
from telegram.ext import ExtBot

from bot.deliver import DeliveryLoop
from bot.ratelimit import ChatRateLimiter
from storage.db import Database
from storage.deliveries import delivery_counts
from storage.errors import ConfigError
from storage.settings import load_settings
from tests.botapi.emulator import BotApiEmulator
from tests.harness import ADMIN, START, Bot, Chat, running_bot
from tests.reliability.processes import seed_fan_out


def test_a_send_rate_above_telegrams_free_30_needs_paid_broadcast(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert load_settings(send_rate=100).send_rate == 30
    assert "BORDERWATCH_SEND_RATE 100 is above Telegram's free limit of 30 messages/s" in caplog.text
    assert "BORDERWATCH_PAID_BROADCAST=true" in caplog.text
    assert load_settings(send_rate=100, paid_broadcast=True).send_rate == 100
    assert load_settings(send_rate=1000, paid_broadcast="true").paid_broadcast is True
    with pytest.raises(ConfigError, match="BORDERWATCH_SEND_RATE"):
        load_settings(send_rate=1001, paid_broadcast=True)
    assert load_settings().paid_broadcast is False and load_settings().send_rate == 30


def _busiest_second(arrivals: list[float]) -> int:
    """The most messages the emulator accepted within any one second."""
    arrivals = sorted(arrivals)
    most, first = 0, 0
    for last, at in enumerate(arrivals):
        while at - arrivals[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


async def _fan_out(chat: Chat, chats: list[int]) -> DeliveryLoop:
    """A pending alert for each of `chats`, sent by the delivery loop of the running bot (returned)."""
    await seed_fan_out(chat.ctx.db, chats, now=START)
    for chat_id in chats:
        chat.telegram.add_user(chat_id)
    loop = DeliveryLoop(chat.ctx, chat.application.bot, clock=chat.clock)
    assert await loop.run_until_idle() == len(chats)
    return loop


def _alert_requests(telegram: BotApiEmulator, chats: list[int]) -> list[dict[str, object]]:
    wanted = {str(c) for c in chats}
    return [
        params
        for method, params in telegram.requests
        if method == "sendMessage" and str(params.get("chat_id")) in wanted
    ]


async def test_paid_broadcast_sends_alerts_with_allow_paid_broadcast_past_30_a_second_without_429(
    db: Database,
) -> None:
    chats = list(range(50_000, 50_300))
    async with (
        BotApiEmulator() as telegram,  # Telegram's limits: 30/s free, 1,000/s paid, 1/s per chat
        running_bot(db, telegram, paid_broadcast=True, send_rate=1000) as chat,
    ):
        loop = await _fan_out(chat, chats)
        assert all(len(telegram.sent(chat_id)) == 1 for chat_id in chats)
        # every row marked sent once, and sends that finished together shared a write
        assert (await delivery_counts(db)).sent == len(chats)
        assert loop.recorder.writes < len(chats)
        requests = _alert_requests(telegram, chats)
        assert len(requests) == len(chats)
        assert all(params.get("allow_paid_broadcast") in (True, "true") for params in requests)
        assert telegram.too_many_requests == 0
        assert telegram.stats["paid"] == len(chats)
        assert _busiest_second([m.at for m in telegram.all_sent()]) > 30

        bot = Bot(chat)
        status = (await bot.send(ADMIN, "/status")).text.splitlines()
        assert (
            "Paid broadcast: 300 alert messages in the last 24 h (Telegram charges Stars for each)." in status
        )
        # a command reply is no alert: it is not paid for
        assert telegram.requests[-1][0] == "sendMessage"
        assert "allow_paid_broadcast" not in telegram.requests[-1][1]
        assert telegram.stats["paid"] == len(chats)

        chat.clock.advance(hours=25)  # the alerts leave the 24 h window
        status = (await bot.send(ADMIN, "/status")).text.splitlines()
        assert (
            "Paid broadcast: 0 alert messages in the last 24 h (Telegram charges Stars for each)." in status
        )
        await bot.send(ADMIN, "/lang ru")
        status = (await bot.send(ADMIN, "/status")).text.splitlines()
        assert (
            "Платная рассылка: 0 сообщений с оповещениями за последние 24 ч "
            "(за каждое Telegram списывает звёзды)." in status
        )


async def test_without_paid_broadcast_no_alert_asks_for_it_and_the_free_30_a_second_hold(
    db: Database,
) -> None:
    chats = list(range(60_000, 60_045))
    async with BotApiEmulator() as telegram, running_bot(db, telegram) as chat:
        await _fan_out(chat, chats)
        assert all(len(telegram.sent(chat_id)) == 1 for chat_id in chats)
        assert not any("allow_paid_broadcast" in params for params in _alert_requests(telegram, chats))
        assert telegram.stats["paid"] == 0 and telegram.too_many_requests == 0
        assert _busiest_second([m.at for m in telegram.all_sent()]) <= 30
        status = (await Bot(chat).send(ADMIN, "/status")).text
        assert "Paid broadcast" not in status and "Deliveries: 0 pending, 0 dead." in status


async def test_with_a_paid_rate_unpaid_messages_still_keep_to_30_a_second() -> None:
    """Command replies and digests go without allow_paid_broadcast: the limiter keeps them to the free 30/s
    however high the paid rate, or Telegram would answer 429."""
    async with BotApiEmulator() as telegram:
        users = range(1, 46)
        for user_id in users:
            telegram.add_user(user_id)
        limiter = ChatRateLimiter(1000, free_rate=30, max_retries=0)
        async with ExtBot(telegram.token, base_url=telegram.base_url, rate_limiter=limiter) as bot:
            results = await asyncio.gather(
                *(bot.send_message(u, "reply") for u in users), return_exceptions=True
            )
    assert not [r for r in results if isinstance(r, RetryAfter)]
    assert len(telegram.all_sent()) == 45 and telegram.too_many_requests == 0
