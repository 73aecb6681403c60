"""Fan-out: one alert to N private subscribers through the Bot API emulator enforcing Telegram's limits.

borderwatch side: the real outbox (SQLite file), DeliveryLoop and ChatRateLimiter.
Baseline (same run): python-telegram-bot's AIORateLimiter alone (its defaults) sending the same N messages.
Figures: time to the last message, sustained rate, 429 answers, messages delivered.

    python -m bench.fanout --subscribers 10000     # the issue's size: about 6 minutes per side
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram.constants import ParseMode
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter, ExtBot

from bot.app import build_application
from bot.context import BotContext
from bot.deliver import DeliveryLoop
from bot.format import format_alert
from storage.db import Database
from storage.deliveries import Alert
from storage.migrate import upgrade
from storage.models import Chat, Delivery, Feed, Item, ItemEntity, Story
from storage.settings import load_settings
from tests.botapi import BotApiEmulator

DEFAULT_SUBSCRIBERS = 1500
FIRST_USER = 10_000_000
TITLE = "Shots reported near Sev Lake"


@dataclass(frozen=True)
class Outcome:
    seconds: float
    delivered: int
    too_many: int
    sustained: float  # msg/s after the first second (Telegram allows the first second's burst)

    @property
    def rate(self) -> float:
        return self.delivered / self.seconds if self.seconds > 0 else 0.0


def _outcome(telegram: BotApiEmulator, started: float) -> Outcome:
    arrivals = sorted(m.at for m in telegram.all_sent())
    last = arrivals[-1] if arrivals else started
    after_first_second = [t for t in arrivals if t >= started + 1.0]
    span = last - (started + 1.0)
    sustained = len(after_first_second) / span if span > 0 else 0.0
    return Outcome(last - started, len(arrivals), telegram.too_many_requests, sustained)


async def _seed(db: Database, subscribers: int, severity: str = "P2") -> None:
    """One story (one item) with a pending alert for each of `subscribers` private chats."""
    now = datetime.now(UTC)
    async with db.transaction() as session:
        feed = Feed(url="https://bench.test/rss", title="Bench Feed")
        story = Story(title=TITLE, severity=severity, created_at=now)
        session.add_all([feed, story])
        await session.flush()
        item = Item(
            feed_id=feed.id,
            story_id=story.id,
            identity_key="bench",
            link="https://bench.test/1",
            title=TITLE,
            summary="Residents reported gunfire.",
            published_at=now,
            content_hash="bench",
            severity=severity,
        )
        session.add(item)
        await session.flush()
        session.add(ItemEntity(item_id=item.id, entity_id="sev_lake", spans=[[23, 31, "Sev Lake"]]))
        users = range(FIRST_USER, FIRST_USER + subscribers)
        session.add_all([Chat(id=user, type="private") for user in users])
        await session.flush()
        session.add_all(
            [
                Delivery(
                    chat_id=user,
                    story_id=story.id,
                    item_id=item.id,
                    severity=severity,
                    next_attempt_at=now,
                    created_at=now,
                )
                for user in users
            ]
        )


def _emulator(subscribers: int, **limits: Any) -> BotApiEmulator:
    """The emulator (Telegram's limits, or `limits`) knowing every subscriber."""
    telegram = BotApiEmulator(**limits)
    for user in range(FIRST_USER, FIRST_USER + subscribers):
        telegram.add_user(user)
    return telegram


async def borderwatch_side(subscribers: int) -> Outcome:
    """The outbox and delivery loop of borderwatch, against a fresh emulator."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'fanout.db'}"
        await upgrade(url)
        db = Database(url)
        try:
            await _seed(db, subscribers)
            async with _emulator(subscribers) as telegram:
                settings = load_settings(
                    telegram_token=telegram.token, telegram_api_url=telegram.base_url, database_url=url
                )
                ctx = BotContext(db=db, settings=settings)
                application = build_application(ctx)
                await application.initialize()
                try:
                    started = time.monotonic()
                    await DeliveryLoop(ctx, application.bot).run_until_idle()
                    return _outcome(telegram, started)
                finally:
                    await application.shutdown()
        finally:
            await db.dispose()


async def baseline_side(subscribers: int) -> Outcome:
    """python-telegram-bot's AIORateLimiter with its defaults, sending the same alert to every subscriber."""
    spans = ((23, 31, "Sev Lake"),)
    link, summary = "https://bench.test/1", "Residents reported gunfire."
    html = format_alert(
        Alert(TITLE, link, summary, "Bench Feed", datetime.now(UTC), "P2", ("sev_lake",), spans)
    )
    async with _emulator(subscribers) as telegram:
        bot = ExtBot(telegram.token, base_url=telegram.base_url, rate_limiter=AIORateLimiter())
        async with bot:
            gate = asyncio.Semaphore(64)  # as many chats at once as the delivery loop works on

            async def send(user: int) -> None:
                async with gate:
                    # AIORateLimiter's default max_retries=0: after a 429 the message is lost
                    with contextlib.suppress(RetryAfter):
                        await bot.send_message(user, html, parse_mode=ParseMode.HTML)

            started = time.monotonic()
            await asyncio.gather(*(send(u) for u in range(FIRST_USER, FIRST_USER + subscribers)))
            return _outcome(telegram, started)


def _line(name: str, outcome: Outcome, subscribers: int) -> str:
    return (
        f"{name:<32} last message after {outcome.seconds:7.1f} s  rate {outcome.rate:5.1f} msg/s  "
        f"sustained {outcome.sustained:5.1f} msg/s  "
        f"429s {outcome.too_many:5d}  delivered {outcome.delivered}/{subscribers}"
    )


def _ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}x" if theirs else "n/a"


async def _run(subscribers: int) -> None:
    print(
        f"fan-out of one alert to {subscribers} private subscribers; the emulator enforces 30 msg/s in any "
        "second, 1/s per private chat, 20/min per group"
    )
    if subscribers < 10_000:
        print(f"(size {subscribers}: the issue's 10,000 take ~6 min per side; use --subscribers 10000)")
    ours = await borderwatch_side(subscribers)
    print(_line("borderwatch (outbox + limiter)", ours, subscribers), flush=True)
    base = await baseline_side(subscribers)
    print(_line("baseline (AIORateLimiter alone)", base, subscribers), flush=True)
    met = ours.sustained >= 29 and ours.too_many == 0 and ours.delivered == subscribers
    print(
        f"sustained rate ratio borderwatch/baseline {_ratio(ours.sustained, base.sustained)}; "
        f"time to last message ratio {_ratio(ours.seconds, base.seconds)}; "
        f"429s {ours.too_many} vs {base.too_many}; goal >= 29 msg/s with zero 429s: "
        f"{'met' if met else 'NOT met'}"
    )


def main(argv: list[str] | None = None) -> None:
    """Run both sides and print their figures with ratios (size: --subscribers, BENCH_FANOUT_SUBSCRIBERS)."""
    parser = argparse.ArgumentParser(prog="bench.fanout", description=__doc__)
    default = int(os.environ.get("BENCH_FANOUT_SUBSCRIBERS", DEFAULT_SUBSCRIBERS))
    parser.add_argument("--subscribers", type=int, default=default)
    args, _unknown = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    # the baseline logs a traceback for every message it loses; the count is what matters here
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    asyncio.run(_run(max(1, args.subscribers)))


if __name__ == "__main__":
    main()
