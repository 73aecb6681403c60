"""The delivery loop against the Bot API emulator: each pending alert arrives once, in the right chat.

Real Application/Bot, real HTTP on loopback, real databases (SQLite file and PostgreSQL); time in the
database is a controllable clock, so backoff, quiet hours and retry-after are stepped, not slept.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import logging
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from telegram.ext import Application, ExtBot

import bot.deliver
import storage.db
from bot.aiohttp_request import AiohttpRequest
from bot.app import build_application
from bot.context import BotContext
from bot.deliver import ConsoleSender, DeliveryLoop
from bot.ratelimit import ChatRateLimiter
from storage import chats, deliveries, quarantine
from storage.db import Database
from storage.models import Chat, Delivery, DeliveryUpdate, Feed, Item, ItemEntity, Story, Subscription
from storage.settings import Settings, load_settings
from storage.stats import operational_counts
from tests.botapi import BotApiEmulator
from tests.clock import Clock
from tests.harness import hold_sqlite_write_lock

START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


_keys = itertools.count(1)


async def add_chat(
    db: Database,
    chat_id: int,
    chat_type: str = "private",
    *,
    thread_id: int | None = None,
    quiet: tuple[str, str, str] | None = None,
    p1_breaks_quiet: bool = True,
    entities: tuple[str, ...] = ("sev_lake",),
) -> None:
    async with db.transaction() as session:
        session.add(
            Chat(
                id=chat_id,
                type=chat_type,
                title=None if chat_type == "private" else f"chat {chat_id}",
                thread_id=thread_id,
                quiet_start=quiet[0] if quiet else None,
                quiet_end=quiet[1] if quiet else None,
                quiet_tz=quiet[2] if quiet else "UTC",
                p1_breaks_quiet=p1_breaks_quiet,
            )
        )
        await session.flush()
        for entity in entities:
            session.add(Subscription(chat_id=chat_id, entity_id=entity))


async def add_story(
    db: Database,
    title: str,
    *,
    severity: str | None = "P2",
    chats: tuple[int, ...],
    created: datetime = START,
) -> int:
    """An item and its story, tagged sev_lake, with a pending delivery per chat; returns the story id."""
    key = next(_keys)
    async with db.transaction() as session:
        feed = await session.scalar(select(Feed).where(Feed.url == "https://feed.test/rss"))
        if feed is None:
            feed = Feed(url="https://feed.test/rss", title="Test Feed")
            session.add(feed)
            await session.flush()
        story = Story(title=title, severity=severity, created_at=created)
        session.add(story)
        await session.flush()
        item = Item(
            feed_id=feed.id,
            story_id=story.id,
            identity_key=f"k{key}",
            link=f"https://feed.test/{key}",
            title=title,
            summary="Summary.",
            published_at=created,
            fetched_at=created,
            content_hash=f"h{key}",
            severity=severity,
        )
        session.add(item)
        await session.flush()
        at = title.find("Sev Lake")
        spans = [[at, at + 8, "Sev Lake"]] if at >= 0 else []
        session.add(ItemEntity(item_id=item.id, entity_id="sev_lake", spans=spans))
        for chat_id in chats:
            session.add(
                Delivery(
                    chat_id=chat_id,
                    story_id=story.id,
                    item_id=item.id,
                    severity=severity,
                    next_attempt_at=created,
                    created_at=created,
                )
            )
        return story.id


async def statuses(db: Database) -> dict[tuple[int, int], tuple[str, int | None]]:
    async with db.transaction() as session:
        rows = (await session.execute(select(Delivery))).scalars().all()
        return {(r.chat_id, r.story_id): (r.status, r.message_id) for r in rows}


@dataclass
class Rig:
    db: Database
    telegram: BotApiEmulator
    clock: Clock
    ctx: BotContext
    app: Application[Any, Any, Any, Any, Any, Any]

    def loop(self, **kwargs: Any) -> DeliveryLoop:
        return DeliveryLoop(self.ctx, self.app.bot, clock=self.clock, **kwargs)


def settings_for(telegram: BotApiEmulator, database_url: str) -> Settings:
    return load_settings(
        telegram_token=telegram.token, telegram_api_url=telegram.base_url, database_url=database_url
    )


@pytest.fixture
async def rig(db: Database) -> AsyncIterator[Rig]:
    async with BotApiEmulator() as telegram:
        clock = Clock(START)
        ctx = BotContext(db=db, settings=settings_for(telegram, db.url), clock=clock)
        app = build_application(ctx)
        await app.initialize()
        try:
            yield Rig(db, telegram, clock, ctx, app)
        finally:
            await app.shutdown()


async def test_each_pending_alert_arrives_once_in_the_right_chats(rig: Rig) -> None:
    rig.telegram.add_user(1)
    rig.telegram.add_chat(-5, "group")
    rig.telegram.add_chat(-1007, "supergroup", is_forum=True)
    rig.telegram.add_user(2)  # subscribed to nothing here: must get nothing
    await add_chat(rig.db, 1)
    await add_chat(rig.db, -5, "group")
    await add_chat(rig.db, -1007, "supergroup", thread_id=42)
    await add_chat(rig.db, 2)
    a = await add_story(rig.db, "Shots near Sev Lake", chats=(1, -5, -1007))
    b = await add_story(rig.db, "Sev Lake road closed", chats=(-5,))

    assert await rig.loop().run_until_idle() == 4

    assert [t.splitlines()[0] for t in rig.telegram.texts(1)] == ["🟠 P2 Shots near Sev Lake"]
    assert [t.splitlines()[0] for t in rig.telegram.texts(-5)] == [
        "🟠 P2 Shots near Sev Lake",
        "🟠 P2 Sev Lake road closed",
    ]
    (forum,) = rig.telegram.sent(-1007)
    assert forum.thread_id == 42 and forum.entity_texts("bold") == ["P2", "Sev Lake"]
    assert rig.telegram.sent(2) == []
    rows = await statuses(rig.db)
    assert rows[(1, a)] == ("sent", rig.telegram.sent(1)[0].message_id)
    assert rows[(-5, b)] == ("sent", rig.telegram.sent(-5)[1].message_id)
    assert await rig.loop().run_until_idle() == 0  # nothing left to send


async def test_p1_goes_first_then_oldest_first(rig: Rig) -> None:
    rig.telegram.add_chat(-5, "group")
    await add_chat(rig.db, -5, "group")
    await add_story(rig.db, "old P3", severity="P3", chats=(-5,), created=START - timedelta(minutes=3))
    await add_story(rig.db, "older P2", severity="P2", chats=(-5,), created=START - timedelta(minutes=5))
    await add_story(rig.db, "new P1", severity="P1", chats=(-5,), created=START - timedelta(minutes=1))

    await rig.loop().run_until_idle()

    assert [t.splitlines()[0] for t in rig.telegram.texts(-5)] == [
        "🔴 P1 new P1",
        "🟠 P2 older P2",
        "🟡 P3 old P3",
    ]


async def test_a_429_storm_delays_but_loses_nothing(rig: Rig) -> None:
    for user in range(1, 7):
        rig.telegram.add_user(user)
        await add_chat(rig.db, user)
    story = await add_story(rig.db, "Sev Lake", chats=tuple(range(1, 7)))
    rig.telegram.inject_fault("429", 4, retry_after=1, methods=["sendMessage"])

    loop = rig.loop()
    await loop.run_until_idle()
    assert len(rig.telegram.all_sent()) == 2  # four chats were told to wait
    assert await loop.run_until_idle() == 0  # not due again until the retry-after has passed
    rig.clock.advance(seconds=1)
    await loop.run_until_idle()

    assert sorted(m.chat_id for m in rig.telegram.all_sent()) == [1, 2, 3, 4, 5, 6]
    assert rig.telegram.too_many_requests == 4
    assert {s for s, _ in (await statuses(rig.db)).values()} == {"sent"}
    assert (await deliveries.delivery_counts(rig.db)).sent == 6
    del story


async def test_an_absurd_retry_after_waits_a_day_then_sends(db: Database) -> None:
    async with BotApiEmulator() as telegram:
        clock = Clock(START)
        ctx = BotContext(db=db, settings=settings_for(telegram, db.url), clock=clock)
        # the limiter keeps the chat's wait too: on the same clock as the database
        limiter = ChatRateLimiter(clock=lambda: clock().timestamp())
        bot = ExtBot(
            telegram.token, base_url=telegram.base_url, request=AiohttpRequest(), rate_limiter=limiter
        )
        async with bot:
            telegram.add_user(1)
            await add_chat(db, 1)
            await add_story(db, "Sev Lake", chats=(1,))
            # a wait past the year 9999
            telegram.inject_fault("429", 1, retry_after=10**12, methods=["sendMessage"])
            loop = DeliveryLoop(ctx, bot, clock=clock)

            await loop.run_until_idle()
            assert telegram.too_many_requests == 1
            clock.advance(seconds=23 * 3600)  # leases expired many times over: Telegram's wait is kept
            await loop.run_until_idle()
            assert telegram.texts(1) == []
            assert telegram.too_many_requests == 1
            clock.advance(seconds=3600)  # and lasts one day at most
            await loop.run_until_idle()
            assert len(telegram.texts(1)) == 1
            assert {s for s, _ in (await statuses(db)).values()} == {"sent"}


def impatient_bot(telegram: BotApiEmulator) -> ExtBot[int]:
    """A bot on the bot's own HTTP layer (bot.app) that gives up on an answer after 0.3 s."""
    return ExtBot(
        telegram.token,
        base_url=telegram.base_url,
        request=AiohttpRequest(read_timeout=0.3),
        rate_limiter=ChatRateLimiter(),
    )


async def test_server_errors_and_timeouts_are_retried_with_backoff(db: Database) -> None:
    async with BotApiEmulator() as telegram:
        clock = Clock(START)
        ctx = BotContext(db=db, settings=settings_for(telegram, db.url), clock=clock)
        bot = impatient_bot(telegram)
        async with bot:
            telegram.add_user(1)
            await add_chat(db, 1)
            await add_story(db, "Sev Lake", chats=(1,))
            telegram.inject_fault("5xx", 1, status=502, methods=["sendMessage"])
            telegram.inject_fault("timeout", 1, delay=1.0, methods=["sendMessage"])
            loop = DeliveryLoop(ctx, bot, clock=clock)

            await loop.run_until_idle()  # 502
            assert telegram.texts(1) == []
            clock.advance(seconds=15)
            await loop.run_until_idle()  # timed out
            assert telegram.texts(1) == []
            clock.advance(seconds=29)
            assert await loop.run_until_idle() == 0  # backoff doubled: not due yet
            clock.advance(seconds=1)
            await loop.run_until_idle()

    assert len(telegram.texts(1)) == 1
    assert [s for s, _ in (await statuses(db)).values()] == ["sent"]


async def test_a_chat_that_blocked_the_bot_is_deactivated_and_others_still_get_alerts(rig: Rig) -> None:
    for user in (1, 2):
        rig.telegram.add_user(user)
        await add_chat(rig.db, user)
    rig.telegram.block_chat(1)
    first = await add_story(rig.db, "Sev Lake one", chats=(1, 2))
    second = await add_story(rig.db, "Sev Lake two", chats=(1, 2))

    await rig.loop().run_until_idle()

    assert len(rig.telegram.texts(2)) == 2
    rows = await statuses(rig.db)
    assert rows[(1, first)][0] == "dropped" and rows[(1, second)][0] == "dropped"
    async with rig.db.transaction() as session:
        chat = await session.get(Chat, 1)
        assert chat is not None and not chat.active and "blocked" in (chat.deactivated_reason or "")
    calls = len(rig.telegram.requests)
    await add_story(rig.db, "Sev Lake three", chats=(1,))
    await rig.loop().run_until_idle()
    assert len(rig.telegram.requests) == calls  # an inactive chat is not even tried


async def test_unknown_chat_is_deactivated(rig: Rig) -> None:
    await add_chat(rig.db, 77)  # the emulator has never seen chat 77
    story = await add_story(rig.db, "Sev Lake", chats=(77,))
    await rig.loop().run_until_idle()
    assert (await statuses(rig.db))[(77, story)][0] == "dropped"


async def test_a_migrated_group_moves_to_its_supergroup_and_the_alert_is_resent_there(rig: Rig) -> None:
    rig.telegram.add_chat(-5, "group")
    rig.telegram.migrate_chat(-5, -1005)
    await add_chat(rig.db, -5, "group", entities=("sev_lake", "csto"))
    story = await add_story(rig.db, "Sev Lake", chats=(-5,))

    await rig.loop().run_until_idle()

    assert len(rig.telegram.texts(-1005)) == 1
    rows = await statuses(rig.db)
    assert rows == {(-1005, story): ("sent", rig.telegram.sent(-1005)[0].message_id)}
    async with rig.db.transaction() as session:
        assert await session.get(Chat, -5) is None
        moved = await session.get(Chat, -1005)
        assert moved is not None and moved.type == "supergroup" and moved.active
        subs = (
            await session.execute(select(Subscription.entity_id).where(Subscription.chat_id == -1005))
        ).all()
        assert sorted(s for (s,) in subs) == ["csto", "sev_lake"]


async def test_alerts_for_a_deleted_forum_topic_go_to_the_general_topic_from_then_on(rig: Rig) -> None:
    # before: Telegram's "message thread not found" was a 400 about the message, so every alert of the chat
    # ended dead (3 of 3 lost here, and every later one) and the chat saw nothing
    rig.telegram.add_chat(-1007, "supergroup", is_forum=True)
    rig.telegram.add_chat(-1008, "supergroup", is_forum=True)
    await add_chat(rig.db, -1007, "supergroup", thread_id=42)
    await add_chat(rig.db, -1008, "supergroup", thread_id=42)
    rig.telegram.delete_topic(-1007, 42)
    stories = [await add_story(rig.db, f"Sev Lake {n}", chats=(-1007, -1008)) for n in range(3)]

    await rig.loop().run_until_idle()

    assert [m.thread_id for m in rig.telegram.sent(-1007)] == [None, None, None]
    assert [t.splitlines()[0] for t in rig.telegram.texts(-1007)] == [f"🟠 P2 Sev Lake {n}" for n in range(3)]
    assert [m.thread_id for m in rig.telegram.sent(-1008)] == [42, 42, 42]  # another forum's topic is kept
    rows = await statuses(rig.db)
    assert [rows[(-1007, story)][0] for story in stories] == ["sent", "sent", "sent"]
    forum = await chats.get_chat(rig.db, -1007)
    assert forum is not None and forum.thread_id is None and forum.active


def sends_to(telegram: BotApiEmulator, chat_id: int) -> list[dict[str, Any]]:
    """The sendMessage calls the bot made for `chat_id`, accepted or refused."""
    return [p for m, p in telegram.requests if m == "sendMessage" and str(p.get("chat_id")) == str(chat_id)]


@pytest.mark.usefixtures("fast_private_chats")  # the pace of sends is not what is tested
async def test_alerts_for_a_closed_forum_topic_go_to_general_and_back_once_it_is_reopened(rig: Rig) -> None:
    # before: Telegram's 400 "TOPIC_CLOSED" was a refusal of the message itself, so each alert was tried
    # once and ended dead (3 of 3 lost here, and every later one while the topic stayed closed)
    rig.telegram.add_chat(-1007, "supergroup", is_forum=True)
    rig.telegram.set_chat_admins(-1007, [9])
    await add_chat(rig.db, -1007, "supergroup", thread_id=42)
    rig.telegram.close_topic(-1007, 42, by=9)
    stories = [await add_story(rig.db, f"Sev Lake {n}", chats=(-1007,)) for n in range(3)]

    await rig.loop().run_until_idle()

    assert [m.thread_id for m in rig.telegram.sent(-1007)] == [None, None, None]
    assert [t.splitlines()[0] for t in rig.telegram.texts(-1007)] == [f"🟠 P2 Sev Lake {n}" for n in range(3)]
    rows = await statuses(rig.db)
    assert [rows[(-1007, story)][0] for story in stories] == ["sent", "sent", "sent"]
    # only the first alert tried the closed topic; the chat keeps it, since it can be reopened
    assert [p.get("message_thread_id") for p in sends_to(rig.telegram, -1007)].count("42") == 1
    forum = await chats.get_chat(rig.db, -1007)
    assert forum is not None and forum.thread_id == 42 and forum.active

    rig.telegram.reopen_topic(-1007, 42, by=9)  # the service message is not read here: the hourly check
    rig.clock.advance(minutes=30)
    await add_story(rig.db, "Sev Lake 3", chats=(-1007,), created=rig.clock())
    await rig.loop().run_until_idle()
    assert rig.telegram.sent(-1007)[-1].thread_id is None
    rig.clock.advance(minutes=31)
    await add_story(rig.db, "Sev Lake 4", chats=(-1007,), created=rig.clock())
    await rig.loop().run_until_idle()
    assert rig.telegram.sent(-1007)[-1].thread_id == 42


async def test_a_closed_general_topic_holds_the_alerts_like_a_chat_where_the_bot_may_not_send(
    rig: Rig,
) -> None:
    rig.telegram.add_chat(-1007, "supergroup", is_forum=True)
    await add_chat(rig.db, -1007, "supergroup")
    rig.telegram.close_topic(-1007, None, by=9)
    story = await add_story(rig.db, "Sev Lake", chats=(-1007,))
    await rig.loop().run_until_idle()
    assert rig.telegram.sent(-1007) == [] and (await statuses(rig.db))[(-1007, story)][0] == "pending"
    rig.telegram.reopen_topic(-1007, None, by=9)
    rig.clock.advance(minutes=5)
    await rig.loop().run_until_idle()
    assert [t.splitlines()[0] for t in rig.telegram.texts(-1007)] == ["🟠 P2 Sev Lake"]


@pytest.mark.usefixtures("fast_private_chats")  # the pace of sends is not what is tested
async def test_a_group_where_the_bot_may_not_send_keeps_its_alerts_until_it_may_and_holds_no_other(
    rig: Rig,
) -> None:
    # before: "not enough rights to send text messages to the chat" ended each alert dead at its first try
    # (3 of 3 lost once the rights came back), one request per alert
    for chat_id in (-5, -6):
        rig.telegram.add_chat(chat_id, "group")
        await add_chat(rig.db, chat_id, "group")
    rig.telegram.restrict_bot(-5, by=None)  # the group's permissions: no update tells the bot
    stories = [await add_story(rig.db, f"Sev Lake {n}", chats=(-5, -6)) for n in range(3)]
    loop = rig.loop()

    await loop.run_until_idle()

    assert [t.splitlines()[0] for t in rig.telegram.texts(-6)] == [f"🟠 P2 Sev Lake {n}" for n in range(3)]
    assert rig.telegram.sent(-5) == [] and len(sends_to(rig.telegram, -5)) == 1  # one try, not one per alert
    for _ in range(12):  # an hour: tried again every 5 minutes, each try one request
        rig.clock.advance(minutes=5)
        await loop.run_until_idle()
    assert len(sends_to(rig.telegram, -5)) == 13
    async with rig.db.transaction() as session:
        held = (await session.execute(select(Delivery).where(Delivery.chat_id == -5))).scalars().all()
        assert {(row.status, row.attempts) for row in held} == {("pending", 0)}  # no attempt burnt
        assert {row.last_error for row in held} == {
            "held: 400 Not enough rights to send text messages to the chat"
        }

    rig.telegram.unrestrict_bot(-5, by=None)
    rig.clock.advance(minutes=5)
    await loop.run_until_idle()
    assert [t.splitlines()[0] for t in rig.telegram.texts(-5)] == [f"🟠 P2 Sev Lake {n}" for n in range(3)]
    rows = await statuses(rig.db)
    assert {rows[(chat_id, story)][0] for chat_id in (-5, -6) for story in stories} == {"sent"}


@pytest.mark.usefixtures("fast_private_chats")  # the pace of sends is not what is tested
async def test_alerts_held_for_a_chat_where_the_bot_may_not_send_end_dead_after_a_day(rig: Rig) -> None:
    rig.telegram.add_chat(-1009, "channel")
    await add_chat(rig.db, -1009, "channel")
    rig.telegram.restrict_bot(-1009, by=None)  # a channel admin without the right to post
    story = await add_story(rig.db, "Sev Lake", chats=(-1009,))
    loop = rig.loop()
    for _ in range(23):
        await loop.run_until_idle()
        rig.clock.advance(hours=1)
    assert (await statuses(rig.db))[(-1009, story)] == ("pending", None)
    rig.clock.advance(hours=1)
    await loop.run_until_idle()
    assert (await statuses(rig.db))[(-1009, story)] == ("dead", None)
    assert (await deliveries.delivery_counts(rig.db)).dead == 1
    # the 24 tries were each one request: a held chat costs nothing between tries
    assert len(sends_to(rig.telegram, -1009)) == 24


async def _report_again(
    db: Database, story_id: int, chat_id: int, kind: str, severity: str, now: datetime
) -> None:
    """Another source reports the story at `severity`, after its alert was sent to `chat_id`: an edit
    ("also reported by …") or, the story's severity rising, a reply is queued for that alert."""
    key = next(_keys)
    async with db.transaction() as session:
        feed = await session.scalar(select(Feed).where(Feed.url == "https://other.test/rss"))
        if feed is None:
            feed = Feed(url="https://other.test/rss", title="Other Agency")
            session.add(feed)
            await session.flush()
        item = Item(
            feed_id=feed.id,
            story_id=story_id,
            identity_key=f"k{key}",
            link=f"https://other.test/{key}",
            title=f"Sev Lake, report {key}",
            summary="Summary.",
            published_at=START,
            fetched_at=START,
            content_hash=f"h{key}",
            severity=severity,
        )
        session.add(item)
        await session.flush()
        story = await session.get(Story, story_id)
        assert story is not None
        story.severity = min(story.severity or severity, severity)
        alert = await session.scalar(
            select(Delivery).where(Delivery.chat_id == chat_id, Delivery.story_id == story_id)
        )
        assert alert is not None
        session.add(
            DeliveryUpdate(
                delivery_id=alert.id,
                chat_id=chat_id,
                story_id=story_id,
                item_id=item.id,
                kind=kind,
                severity=severity,
                next_attempt_at=now,
                created_at=now,
            )
        )


@pytest.mark.usefixtures("fast_private_chats")  # the pace of sends is not what is tested
async def test_edits_and_replies_for_a_group_where_the_bot_may_not_send_wait_with_its_alerts(
    rig: Rig,
) -> None:
    # before: Telegram's "not enough rights" to the edit (editMessageText) ended the edit dead: once the bot
    # could post again the alert never showed its other source
    rig.telegram.add_chat(-5, "group")
    await add_chat(rig.db, -5, "group")
    story = await add_story(rig.db, "Sev Lake", chats=(-5,))
    loop = rig.loop()
    await loop.run_until_idle()
    (alert,) = rig.telegram.sent(-5)
    rig.telegram.restrict_bot(-5, by=None)
    await _report_again(rig.db, story, -5, "edit", "P2", rig.clock.now)
    for _ in range(3):  # a quarter of an hour: held, tried again every 5 minutes
        await loop.run_until_idle()
        rig.clock.advance(minutes=5)
    await _report_again(rig.db, story, -5, "reply", "P1", rig.clock.now)  # the story rises meanwhile
    await loop.run_until_idle()
    assert rig.telegram.sent(-5) == [alert] and "also reported by" not in alert.text
    async with rig.db.transaction() as session:
        updates = (await session.execute(select(DeliveryUpdate))).scalars().all()
        assert {(row.kind, row.status, row.attempts) for row in updates} == {
            ("edit", "pending", 0),
            ("reply", "pending", 0),
        }

    rig.telegram.unrestrict_bot(-5, by=None)
    rig.clock.advance(minutes=5)
    await loop.run_until_idle()
    texts = rig.telegram.texts(-5)
    assert "also reported by: Other Agency" in texts[0], texts[0]
    assert len(texts) == 2 and texts[1].startswith("🔴 P1"), texts  # the severity reply, once


@pytest.mark.usefixtures("fast_private_chats")  # the pace of sends is not what is tested
async def test_a_severity_reply_sent_while_the_database_is_locked_reaches_the_chat_once(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    # before: the reply could not be marked sent, stayed leased and was sent again when its lease ran out
    # (PostgreSQL stopped: tests/reliability/test_database_restart.py)
    if rig.db.dialect != "sqlite":
        pytest.skip("locking the database from outside is how SQLite goes away; PostgreSQL is stopped there")
    monkeypatch.setattr(storage.db, "_BUSY_TIMEOUT_MS", 200)  # 30 s in production: the lock outlasts it
    await rig.db.dispose()  # connections made from now on wait 200 ms
    rig.telegram.add_chat(-5, "group")
    await add_chat(rig.db, -5, "group")
    story = await add_story(rig.db, "Sev Lake", chats=(-5,))
    loop = rig.loop()
    await loop.run_until_idle()
    await _report_again(rig.db, story, -5, "reply", "P1", rig.clock.now)
    rig.telegram.inject_fault("delay", 1, methods=["sendMessage"], delay=1.0)
    sending = asyncio.create_task(loop.run_until_idle())
    while len(sends_to(rig.telegram, -5)) < 2:  # noqa: ASYNC110 (the reply is on its way to Telegram)
        await asyncio.sleep(0.01)
    taken = threading.Event()
    holder = threading.Thread(target=hold_sqlite_write_lock, args=(rig.db.engine.url.database, taken, 2.5))
    holder.start()
    taken.wait(10)
    with contextlib.suppress(OperationalError):  # the loop's own look for work fails while locked
        await sending
    await asyncio.to_thread(holder.join)
    rig.clock.advance(minutes=10)  # past any lease: a row left "sending" is sent again now
    await loop.run_until_idle()
    texts = rig.telegram.texts(-5)
    assert sum(1 for t in texts if t.startswith("🔴 P1")) == 1, texts


async def test_a_restart_does_not_resend_and_a_crashed_lease_is_picked_up_later(rig: Rig) -> None:
    rig.telegram.add_chat(-5, "group")
    await add_chat(rig.db, -5, "group")
    await add_story(rig.db, "Sev Lake sent before restart", chats=(-5,))
    await rig.loop().run_until_idle()
    crashed = await add_story(rig.db, "Sev Lake leased by a crashed process", chats=(-5,))
    leased = await deliveries.claim_due(rig.db, now=rig.clock(), limit=10)  # then the process died
    assert [row.story_id for row in leased] == [crashed]

    restarted = rig.loop()
    assert await restarted.run_until_idle() == 0
    assert len(rig.telegram.texts(-5)) == 1
    rig.clock.advance(seconds=deliveries.DEFAULT_LEASE.total_seconds())
    assert await restarted.run_until_idle() == 1
    assert [t.splitlines()[0] for t in rig.telegram.texts(-5)] == [
        "🟠 P2 Sev Lake sent before restart",
        "🟠 P2 Sev Lake leased by a crashed process",
    ]


async def test_two_bot_processes_never_send_one_row_twice(rig: Rig) -> None:
    for user in range(1, 41):
        rig.telegram.add_chat(-user, "group")
        await add_chat(rig.db, -user, "group")
    await add_story(rig.db, "Sev Lake", chats=tuple(-u for u in range(1, 41)))
    other_db = Database(rig.db.url)  # a second process: its own engine and connections
    try:
        other_ctx = BotContext(db=other_db, settings=rig.ctx.settings, clock=rig.clock)
        import asyncio

        await asyncio.gather(
            rig.loop(batch=7).run_until_idle(),
            DeliveryLoop(other_ctx, rig.app.bot, clock=rig.clock, batch=5).run_until_idle(),
        )
    finally:
        await other_db.dispose()
    assert sorted(m.chat_id for m in rig.telegram.all_sent()) == sorted(-u for u in range(1, 41))


async def test_quiet_hours_hold_alerts_until_the_window_ends_and_p1_breaks_through(rig: Rig) -> None:
    rig.clock.now = datetime(2024, 5, 1, 23, 30, tzinfo=UTC)  # 03:30 in Yerevan (UTC+4)
    rig.telegram.add_chat(-5, "group")
    rig.telegram.add_chat(-6, "group")
    await add_chat(rig.db, -5, "group", quiet=("23:00", "07:00", "Asia/Yerevan"))
    await add_chat(rig.db, -6, "group", quiet=("23:00", "07:00", "Asia/Yerevan"), p1_breaks_quiet=False)
    await add_story(rig.db, "Sev Lake routine", severity="P3", chats=(-5, -6), created=rig.clock())
    await add_story(rig.db, "Sev Lake attack", severity="P1", chats=(-5, -6), created=rig.clock())
    loop = rig.loop()

    await loop.run_until_idle()
    assert [t.splitlines()[0] for t in rig.telegram.texts(-5)] == ["🔴 P1 Sev Lake attack"]
    assert rig.telegram.texts(-6) == []

    rig.clock.now = datetime(2024, 5, 2, 2, 59, tzinfo=UTC)  # 06:59 local: still quiet
    await loop.run_until_idle()
    assert len(rig.telegram.texts(-5)) == 1 and rig.telegram.texts(-6) == []

    rig.clock.now = datetime(2024, 5, 2, 3, 0, tzinfo=UTC)  # 07:00 local: the window is over
    await loop.run_until_idle()
    assert [t.splitlines()[0] for t in rig.telegram.texts(-5)] == [
        "🔴 P1 Sev Lake attack",
        "🟡 P3 Sev Lake routine",
    ]
    assert [t.splitlines()[0] for t in rig.telegram.texts(-6)] == [
        "🔴 P1 Sev Lake attack",
        "🟡 P3 Sev Lake routine",
    ]


async def test_a_row_that_keeps_failing_ends_dead_and_is_counted(rig: Rig) -> None:
    rig.telegram.add_chat(-5, "group")
    await add_chat(rig.db, -5, "group")
    story = await add_story(rig.db, "Sev Lake", chats=(-5,))
    rig.telegram.inject_fault("5xx", 100, methods=["sendMessage"])
    loop = rig.loop(max_attempts=3)
    for _ in range(4):  # tried at 0, 12 and 24 h: dead once it failed 3 times over a day
        await loop.run_until_idle()
        rig.clock.advance(hours=12)

    assert (await statuses(rig.db))[(-5, story)] == ("dead", None)
    counts = await deliveries.delivery_counts(rig.db)
    assert counts.dead == 1 and counts.pending == 0
    assert rig.telegram.stats["fault_5xx"] == 3


async def test_a_telegram_outage_of_six_hours_loses_no_alert(rig: Rig) -> None:
    # before: a row ended dead after 8 failed attempts, 32 minutes into an outage (here: 0 of 2 alerts
    # arrived, both dead); now it is tried for a day
    for user in (1, 2):
        rig.telegram.add_user(user)
        await add_chat(rig.db, user)
    stories = [await add_story(rig.db, f"Sev Lake {n}", chats=(1, 2)) for n in range(2)]
    rig.telegram.inject_fault("5xx", 10_000, status=502, methods=["sendMessage"])
    loop = rig.loop()
    for _ in range(36):  # six hours in ten-minute steps
        await loop.run_until_idle()
        rig.clock.advance(minutes=10)
    assert rig.telegram.all_sent() == [] and rig.telegram.stats["fault_5xx"] > 8
    rig.telegram.faults.clear()  # Telegram is back
    rig.clock.advance(hours=1)
    await loop.run_until_idle()

    for user in (1, 2):
        assert sorted(t.splitlines()[0] for t in rig.telegram.texts(user)) == [
            "🟠 P2 Sev Lake 0",
            "🟠 P2 Sev Lake 1",
        ]
    rows = await statuses(rig.db)
    assert {rows[(user, story)][0] for user in (1, 2) for story in stories} == {"sent"}


async def test_paused_delivery_sends_nothing_and_drops_nothing(rig: Rig) -> None:
    rig.telegram.add_chat(-5, "group")
    await add_chat(rig.db, -5, "group")
    await add_story(rig.db, "Sev Lake", chats=(-5,))
    await deliveries.set_delivery_paused(rig.db, True)
    loop = rig.loop()
    assert await loop.run_until_idle() == 0
    assert rig.telegram.texts(-5) == [] and (await deliveries.delivery_counts(rig.db)).pending == 1
    await deliveries.set_delivery_paused(rig.db, False)
    await loop.run_until_idle()
    assert len(rig.telegram.texts(-5)) == 1


async def test_background_loop_sends_and_stops_cleanly(rig: Rig) -> None:
    rig.telegram.add_chat(-5, "group")
    await add_chat(rig.db, -5, "group")
    await add_story(rig.db, "Sev Lake", chats=(-5,))
    loop = rig.loop(idle_poll=0.05)
    loop.start()
    await rig.telegram.wait_for_messages(-5, 1)
    await add_story(rig.db, "Sev Lake again", chats=(-5,))
    loop.wake()
    await rig.telegram.wait_for_messages(-5, 2)
    await loop.stop()
    assert (await deliveries.delivery_counts(rig.db)).sent == 2


async def test_console_mode_prints_what_the_user_would_read(db: Database) -> None:
    await add_chat(db, 1)
    await add_story(db, "A <b> & Sev Lake", chats=(1,))
    out = io.StringIO()
    ctx = BotContext(db=db, settings=load_settings(database_url=db.url), clock=Clock(START))
    await DeliveryLoop(ctx, sender=ConsoleSender(out), clock=ctx.clock).run_until_idle()
    assert "🟠 P2 A <b> & Sev Lake" in out.getvalue()
    assert (await deliveries.delivery_counts(db)).sent == 1


def test_quiet_window_arithmetic() -> None:
    until = deliveries.quiet_until("23:00", "07:00", "UTC", datetime(2024, 5, 1, 23, 5, tzinfo=UTC))
    assert until == datetime(2024, 5, 2, 7, 0, tzinfo=UTC)
    assert deliveries.quiet_until(
        "23:00", "07:00", "UTC", datetime(2024, 5, 2, 6, 0, tzinfo=UTC)
    ) == datetime(2024, 5, 2, 7, 0, tzinfo=UTC)
    assert deliveries.quiet_until("23:00", "07:00", "UTC", datetime(2024, 5, 2, 7, 0, tzinfo=UTC)) is None
    assert deliveries.quiet_until(
        "12:00", "13:00", "UTC", datetime(2024, 5, 2, 12, 30, tzinfo=UTC)
    ) == datetime(2024, 5, 2, 13, 0, tzinfo=UTC)
    assert deliveries.quiet_until(None, None, "UTC", START) is None


async def test_a_poisoned_chat_is_quarantined_and_every_other_chat_still_gets_its_p1_alert(rig: Rig) -> None:
    """Quiet hours stored by an older version: Arabic-Indic digits (read as what they mean) and garbage
    (unreadable). The garbage chat's rows are the oldest; they are set aside and nobody else waits."""
    rig.clock.now = datetime(2024, 5, 1, 23, 30, tzinfo=UTC)  # 03:30 in Yerevan
    for chat_id in (-5, -6, -7, -8):
        rig.telegram.add_chat(chat_id, "group")
    await add_chat(rig.db, -5, "group", quiet=("x9:00", "07:00", "UTC"))
    await add_chat(rig.db, -6, "group", quiet=("٢٣:٠٠", "٠٧:٠٠", "Asia/Yerevan"), p1_breaks_quiet=False)
    await add_chat(rig.db, -7, "group", quiet=("２３：００", "０７：００", "Asia/Yerevan"))
    await add_chat(rig.db, -8, "group")
    early = rig.clock() - timedelta(hours=1)
    await add_story(rig.db, "Sev Lake old news", severity="P3", chats=(-5,), created=early)
    await add_story(rig.db, "Sev Lake attack", severity="P1", chats=(-5, -6, -7, -8), created=rig.clock())

    await rig.loop().run_until_idle()

    assert [t.splitlines()[0] for t in rig.telegram.texts(-7)] == ["🔴 P1 Sev Lake attack"]
    assert [t.splitlines()[0] for t in rig.telegram.texts(-8)] == ["🔴 P1 Sev Lake attack"]
    assert rig.telegram.texts(-6) == []  # 23:00-07:00 Yerevan, P1 held too: read as the user meant
    assert rig.telegram.texts(-5) == []
    rows = await statuses(rig.db)
    assert {status for (chat, _story), (status, _m) in rows.items() if chat == -5} == {"quarantine"}
    async with rig.db.transaction() as session:
        errors = (await session.scalars(select(Delivery.last_error).where(Delivery.chat_id == -5))).all()
    assert all(e and e.startswith("quarantined: the chat's quiet hours cannot be read") for e in errors)
    assert await quarantine.quarantine_counts(rig.db) == quarantine.QuarantineCounts(alerts=2)
    counts = await operational_counts(rig.db)
    assert counts.deliveries_by_status["quarantine"] == 2 and counts.quarantined.alerts == 2

    # the chat sets its quiet hours again: its quarantined alerts are due again and go out
    await chats.clear_quiet(rig.db, -5, now=rig.clock())
    await rig.loop().run_until_idle()
    assert [t.splitlines()[0] for t in rig.telegram.texts(-5)] == [
        "🔴 P1 Sev Lake attack",
        "🟡 P3 Sev Lake old news",
    ]
    assert (await quarantine.quarantine_counts(rig.db)).total == 0


async def test_an_alert_that_cannot_be_shown_is_quarantined_and_the_chat_gets_the_next(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig.telegram.add_chat(-5, "group")
    await add_chat(rig.db, -5, "group")
    bad = await add_story(rig.db, "Sev Lake poison", chats=(-5,), created=START - timedelta(minutes=1))
    await add_story(rig.db, "Sev Lake fine", chats=(-5,))
    real_format = bot.deliver.format_alert

    def format_or_fail(alert: deliveries.Alert, **kwargs: Any) -> str:
        if "poison" in alert.title:
            raise RuntimeError("a formatting bug")
        return real_format(alert, **kwargs)

    monkeypatch.setattr(bot.deliver, "format_alert", format_or_fail)
    await rig.loop().run_until_idle()

    assert [t.splitlines()[0] for t in rig.telegram.texts(-5)] == ["🟠 P2 Sev Lake fine"]
    assert (await statuses(rig.db))[(-5, bad)] == ("quarantine", None)
    assert await rig.loop().run_until_idle() == 0  # set aside for good, not retried on every lease


def test_quiet_window_reads_digits_of_any_script_and_refuses_garbage() -> None:
    at = datetime(2024, 5, 1, 23, 5, tzinfo=UTC)
    expected = datetime(2024, 5, 2, 7, 0, tzinfo=UTC)
    for start, end in (("٢٣:٠٠", "٠٧:٠٠"), ("२३:००", "०७:००"), ("２３：００", "０７：００")):
        assert deliveries.quiet_until(start, end, "UTC", at) == expected
    assert deliveries.quiet_until("23:00", "07:00", "x" * 3000, at) == expected  # unreadable zone: UTC
    with pytest.raises(ValueError):
        deliveries.quiet_until("x9:00", "07:00", "UTC", at)


async def test_a_chat_whose_send_times_out_waits_with_its_later_alerts_and_gets_them_in_order(
    db: Database,
) -> None:
    async with BotApiEmulator() as telegram:
        clock = Clock(START)
        ctx = BotContext(db=db, settings=settings_for(telegram, db.url), clock=clock)
        bot = impatient_bot(telegram)
        async with bot:
            telegram.add_user(1)
            await add_chat(db, 1)
            for n in range(1, 4):
                await add_story(
                    db, f"Sev Lake report {n}", chats=(1,), created=START - timedelta(seconds=10 - n)
                )
            # Telegram does not answer in time for this chat while it has trouble: every send would hang
            fault = telegram.inject_fault("timeout", 3, delay=1.0, methods=["sendMessage"])
            loop = DeliveryLoop(ctx, bot, clock=clock)

            await loop.run_until_idle()
            # before: each of the chat's leased alerts waited out its own timeout, one after another (with
            # a send slot held all along), and the later ones went out before the first
            assert fault.count == 2  # one send tried
            assert telegram.texts(1) == []
            fault.count = 0
            clock.advance(seconds=15)
            await loop.run_until_idle()

    assert [t.splitlines()[0] for t in telegram.texts(1)] == [f"🟠 P2 Sev Lake report {n}" for n in (1, 2, 3)]
    assert [s for s, _ in (await statuses(db)).values()] == ["sent"] * 3


@pytest.mark.usefixtures("fast_private_chats")  # the pace of sends is not what is tested
async def test_a_stop_while_sends_cannot_be_recorded_logs_one_line_not_a_traceback_per_chat(
    rig: Rig, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # before: one ERROR with a traceback (40 lines) for every chat whose send was waiting for its mark
    chat_ids = list(range(1, 9))  # BORDERWATCH_SEND_CONCURRENCY sends in flight
    for chat_id in chat_ids:
        rig.telegram.add_user(chat_id)
        await add_chat(rig.db, chat_id)
    await add_story(rig.db, "Sev Lake", chats=tuple(chat_ids))
    if rig.db.dialect == "sqlite":
        monkeypatch.setattr(storage.db, "_BUSY_TIMEOUT_MS", 200)  # 30 s in production: the lock outlasts it
        await rig.db.dispose()
    rig.telegram.inject_fault("delay", len(chat_ids), methods=["sendMessage"], delay=1.0)
    loop = rig.loop()
    loop.start()
    while not all(sends_to(rig.telegram, c) for c in chat_ids):  # noqa: ASYNC110 (sends on their way)
        await asyncio.sleep(0.01)
    async with contextlib.AsyncExitStack() as held:
        # the database stops taking the marks: another writer holds the lock (SQLite) or the rows
        if rig.db.dialect == "sqlite":
            # held until the stop has ended, however long a loaded machine takes to get there
            taken, released = threading.Event(), threading.Event()
            holder = threading.Thread(
                target=hold_sqlite_write_lock, args=(rig.db.engine.url.database, taken, 120.0, released)
            )
            holder.start()
            held.push_async_callback(asyncio.to_thread, holder.join)
            held.callback(released.set)
            assert await asyncio.to_thread(taken.wait, 30), "the other writer never took the lock"
        else:
            other = Database(rig.db.url)
            held.push_async_callback(other.dispose)
            session = await held.enter_async_context(other.transaction())
            await session.execute(select(Delivery.id).with_for_update())
        while not all(rig.telegram.texts(c) for c in chat_ids):  # noqa: ASYNC110 (Telegram answers)
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.5)  # the marks are tried, and tried again
        caplog.clear()
        caplog.set_level(logging.INFO)
        rig.db.close_by(time.monotonic() + 1.0)  # as a stopping process does (bot.runtime)
        await loop.stop()
        records = [r for r in caplog.records if r.name == "bot.deliver"]
    assert len(records) == 1, [r.getMessage() for r in records]
    assert records[0].exc_info is None, records[0].getMessage()
    assert "database is unavailable" in records[0].getMessage(), records[0].getMessage()
