"""Pruning old fetch_log rows and finished alerts (storage.prune, bot.pruning, `borderwatch db prune`).

On a real SQLite file and real PostgreSQL: old finished rows go; recent, pending, claimed, dead, quarantined
rows stay, and so do each chat's latest alert and the alerts of a story still growing; every chat command
answers the same after a prune; a prune running while the delivery loop sends loses nothing.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.context import BotContext
from bot.deliver import DeliveryLoop
from bot.pruning import PRUNE_EVERY, PruneJob
from storage.db import Database
from storage.errors import ConfigError
from storage.models import (
    Chat,
    Delivery,
    DeliveryUpdate,
    Feed,
    FetchLog,
    Item,
    ItemEntity,
    Story,
    Subscription,
)
from storage.prune import Pruned, claim_prune_run, prune_history
from storage.settings import load_settings
from tests.botapi import BotApiEmulator
from tests.clock import Clock
from tests.harness import ADMIN, START, Bot, bot_settings, running_user_bot

NOW = START
DAY = timedelta(days=1)
USER, OTHER, QUIET_CHAT = 2002, 3003, 4004
RETENTION = {"fetch_log_days": 30, "delivery_days": 90}

pytestmark = pytest.mark.usefixtures("fast_private_chats")

_keys = itertools.count(1)


async def _feed(db: Database) -> int:
    async with db.transaction() as session:
        feed = await session.scalar(select(Feed).where(Feed.url == "https://news.example/rss"))
        if feed is None:
            feed = Feed(url="https://news.example/rss", title="News AM", history_loaded=True)
            session.add(feed)
            await session.flush()
        return feed.id


async def _chat(db: Database, chat_id: int, *entities: str) -> None:
    async with db.transaction() as session:
        session.add(Chat(id=chat_id, type="private"))
        await session.flush()
        session.add_all(Subscription(chat_id=chat_id, entity_id=e) for e in entities)


async def _story(
    db: Database, title: str, at: datetime, *, updated: datetime | None = None, severity: str = "P2"
) -> tuple[int, int]:
    """A story of one Sev Lake item published and stored at `at`; (story id, item id)."""
    feed_id = await _feed(db)
    key = next(_keys)
    async with db.transaction() as session:
        story = Story(title=title, severity=severity, created_at=at, updated_at=updated or at)
        session.add(story)
        await session.flush()
        item = Item(
            feed_id=feed_id,
            story_id=story.id,
            identity_key=f"{key:064d}",
            link=f"https://news.example/{key}",
            title=title,
            summary="border report",
            published_at=at,
            fetched_at=at,
            content_hash=f"{key:064d}",
            severity=severity,
            alertable=True,
        )
        session.add(item)
        await session.flush()
        session.add(ItemEntity(item_id=item.id, entity_id="sev_lake", spans=[]))
        story.first_item_id = item.id
        return story.id, item.id


async def _alert(
    db: Database,
    chat_id: int,
    story: tuple[int, int],
    status: str,
    at: datetime,
    *,
    edit: str | None = None,
) -> int:
    """A delivery of `story` to `chat_id` created at `at` (sent a minute later when 'sent'), with an edit in
    state `edit` when given; its id."""
    async with db.transaction() as session:
        row = Delivery(
            chat_id=chat_id,
            story_id=story[0],
            item_id=story[1],
            severity="P2",
            status=status,
            next_attempt_at=at,
            created_at=at,
            sent_at=at + timedelta(minutes=1) if status == "sent" else None,
            message_id=next(_keys) if status == "sent" else None,
        )
        session.add(row)
        await session.flush()
        if edit is not None:
            session.add(
                DeliveryUpdate(
                    delivery_id=row.id,
                    chat_id=chat_id,
                    story_id=story[0],
                    item_id=story[1],
                    kind="edit",
                    status=edit,
                    next_attempt_at=at,
                    created_at=at,
                )
            )
        return row.id


async def _fetches(db: Database, at: datetime, count: int) -> None:
    feed_id = await _feed(db)
    async with db.transaction() as session:
        session.add_all(
            FetchLog(feed_id=feed_id, started_at=at, outcome="not_modified", status_code=304)
            for _ in range(count)
        )


async def _remaining(db: Database) -> set[int]:
    async with db.transaction() as session:
        return set((await session.scalars(select(Delivery.id))).all())


async def _count(db: Database, table: type[FetchLog] | type[DeliveryUpdate]) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def _mixed_outbox(db: Database) -> tuple[set[int], set[int]]:
    """Chats 1 and 2 with alerts of every kind and age; (ids a prune must delete, ids it must keep)."""
    for chat_id in (1, 2, 3):
        await _chat(db, chat_id, "sev_lake")
    old = await _story(db, "Old shelling near Sev Lake", NOW - 120 * DAY)
    older = await _story(db, "Older report", NOW - 130 * DAY)
    growing = await _story(db, "Old story a source just joined", NOW - 120 * DAY, updated=NOW - DAY)
    edited = await _story(db, "Old story with an edit to send", NOW - 110 * DAY)
    recent = await _story(db, "Sev Lake today", NOW - DAY)
    edge = await _story(db, "Sev Lake 89 days ago", NOW - 89 * DAY)
    stuck = await _story(db, "Old alert still waiting", NOW - 130 * DAY)
    go = {
        await _alert(db, 1, older, "sent", NOW - 130 * DAY),
        await _alert(db, 1, old, "sent", NOW - 120 * DAY, edit="sent"),
        await _alert(db, 2, old, "dropped", NOW - 120 * DAY),
        await _alert(db, 2, older, "sent", NOW - 130 * DAY, edit="skipped"),
        await _alert(db, 3, older, "sent", NOW - 130 * DAY),
    }
    keep = {
        await _alert(db, 3, old, "sent", NOW - 120 * DAY),  # chat 3's latest alert: /status shows it
        await _alert(db, 1, growing, "sent", NOW - 120 * DAY),  # its story may still be edited
        await _alert(db, 1, edited, "sent", NOW - 110 * DAY, edit="pending"),
        await _alert(db, 2, edited, "sent", NOW - 110 * DAY, edit="sending"),
        await _alert(db, 3, edited, "dead", NOW - 110 * DAY),  # admin /status counts dead letters
        await _alert(db, 3, growing, "quarantine", NOW - 120 * DAY),
        await _alert(db, 3, stuck, "pending", NOW - 130 * DAY),  # waiting (delivery paused, say)
        await _alert(db, 2, edge, "sending", NOW - 89 * DAY),
        await _alert(db, 1, edge, "sent", NOW - 89 * DAY),
        await _alert(db, 1, recent, "sent", NOW - DAY),
        await _alert(db, 2, recent, "sent", NOW - DAY),
    }
    await _fetches(db, NOW - 40 * DAY, 7)
    await _fetches(db, NOW - 29 * DAY, 3)
    return go, keep


async def test_old_finished_rows_go_and_everything_a_reader_needs_stays(db: Database) -> None:
    go, keep = await _mixed_outbox(db)
    updates_before = await _count(db, DeliveryUpdate)

    pruned = await prune_history(db, NOW, **RETENTION, batch=3)

    assert await _remaining(db) == keep
    assert pruned == Pruned(fetch_log=7, deliveries=len(go), delivery_updates=2)
    assert await _count(db, FetchLog) == 3
    assert await _count(db, DeliveryUpdate) == updates_before - 2
    assert await prune_history(db, NOW, **RETENTION) == Pruned()  # nothing left to prune


async def test_zero_days_keeps_everything(db: Database) -> None:
    await _mixed_outbox(db)
    before = await _remaining(db)
    assert await prune_history(db, NOW, fetch_log_days=0, delivery_days=0) == Pruned()
    assert await _remaining(db) == before and await _count(db, FetchLog) == 10


async def test_two_prunes_at_once_delete_each_row_once(db: Database) -> None:
    go, keep = await _mixed_outbox(db)
    first, second = await asyncio.gather(
        prune_history(db, NOW, **RETENTION, batch=2, gap_seconds=0),
        prune_history(db, NOW, **RETENTION, batch=2, gap_seconds=0),
    )
    assert await _remaining(db) == keep
    assert first.deliveries + second.deliveries == len(go)
    assert first.fetch_log + second.fetch_log == 7


async def test_only_one_process_prunes_each_hour(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    await _fetches(db, NOW - 40 * DAY, 4)
    settings = load_settings(database_url=db.url, **RETENTION)
    clock = Clock(NOW)
    jobs = [PruneJob(db, settings, clock=clock), PruneJob(db, settings, clock=clock)]
    with caplog.at_level(logging.INFO, logger="bot.pruning"):
        await asyncio.gather(*(job.round() for job in jobs))
    assert [r.getMessage() for r in caplog.records] == [
        "pruned 4 fetch_log rows (older than 30 days), 0 alerts and 0 alert edits (older than 90 days)"
    ]
    assert not await claim_prune_run(db, NOW + PRUNE_EVERY / 2, PRUNE_EVERY)
    assert await claim_prune_run(db, NOW + PRUNE_EVERY, PRUNE_EVERY)
    assert await _count(db, FetchLog) == 0


def test_db_prune_prints_what_it_deleted(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def fill() -> None:
        db = Database(database_url)
        await _fetches(db, datetime.now(NOW.tzinfo) - 31 * DAY, 5)
        await _fetches(db, datetime.now(NOW.tzinfo), 2)
        await db.dispose()

    asyncio.run(fill())
    monkeypatch.setenv("BORDERWATCH_DATABASE_URL", database_url)
    monkeypatch.setenv("BORDERWATCH_FETCH_LOG_DAYS", "30")
    assert main(["db", "prune"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "pruned 5 fetch_log rows, 0 alerts and 0 alert edits"


def test_alerts_must_outlive_the_story_window() -> None:
    with pytest.raises(ConfigError, match=r"BORDERWATCH_DELIVERY_DAYS must be 0 .* more than 3 days"):
        load_settings(delivery_days=3)
    assert load_settings(delivery_days=0).delivery_days == 0
    assert load_settings().fetch_log_days == 30 and load_settings().delivery_days == 90


# ------------------------------------------------------------------------------ what users see


@pytest.fixture
async def bot_chat(db: Database) -> AsyncIterator[Bot]:
    async with BotApiEmulator(enforce_limits=False) as telegram:
        for user in (ADMIN, USER, OTHER, QUIET_CHAT):
            telegram.add_user(user)
        async with running_user_bot(db, telegram) as running:
            yield running


COMMANDS = [
    (USER, "/status"),
    (USER, "/status Sev Lake"),
    (USER, "/latest 10"),
    (USER, "/latest 3 Sev Lake"),
    (USER, "/search shelling"),
    (USER, "/mysubs"),
    (QUIET_CHAT, "/status"),
    (OTHER, "/status"),
    (ADMIN, "/status"),
    (ADMIN, "/feeds"),
]


async def _answers(bot: Bot) -> list[tuple[str, str, bytes | None]]:
    bot.ctx.chart_cache = None  # drawn again from the database
    answers = []
    for user, command in [*COMMANDS, (USER, "/chart Sev Lake 90")]:
        message = await bot.send(user, command)
        answers.append((command, message.text, message.document))
    return answers


async def test_every_chat_command_answers_the_same_after_a_prune(bot_chat: Bot) -> None:
    db = bot_chat.ctx.db
    for chat_id in (USER, OTHER, QUIET_CHAT, ADMIN):
        await _chat(db, chat_id, "sev_lake")
    for day in range(200, 0, -7):
        story = await _story(db, f"Shelling near Sev Lake, day -{day}", NOW - day * DAY, severity="P3")
        for chat_id in (USER, OTHER):
            await _alert(db, chat_id, story, "sent", NOW - day * DAY)
        if day > 150:
            await _alert(db, QUIET_CHAT, story, "sent", NOW - day * DAY)  # nothing since: its last alert
        await _alert(db, ADMIN, story, "dead" if day == 193 else "dropped", NOW - day * DAY)
    await _fetches(db, NOW - 60 * DAY, 20)
    before = await _answers(bot_chat)

    pruned = await prune_history(db, NOW, **RETENTION)

    assert pruned.deliveries > 40 and pruned.fetch_log == 20
    after = await _answers(bot_chat)
    for (command, text, image), (_same, text_after, image_after) in zip(before, after, strict=True):
        assert text_after == text, command
        assert image_after == image, command
    assert "Latest alert: • [P2] Shelling near Sev Lake, day -151" in before[6][1]
    assert "1 dead" in before[8][1]


async def test_a_prune_during_delivery_loses_nothing(db: Database) -> None:
    async with BotApiEmulator(enforce_limits=False) as telegram:
        chats = list(range(1, 21))
        for chat_id in chats:
            telegram.add_user(chat_id)
            await _chat(db, chat_id, "sev_lake")
        for day in range(300, 100, -2):  # 2,000 old alerts to prune
            story = await _story(db, f"Old report {day}", NOW - day * DAY)
            async with db.transaction() as session:
                session.add_all(
                    Delivery(
                        chat_id=chat_id,
                        story_id=story[0],
                        item_id=story[1],
                        status="sent",
                        created_at=NOW - day * DAY,
                        next_attempt_at=NOW - day * DAY,
                        sent_at=NOW - day * DAY,
                    )
                    for chat_id in chats
                )
        waiting = []
        for index in range(5):
            story = await _story(db, f"Shots fired near Sev Lake {index}", NOW - timedelta(minutes=index))
            waiting += [await _alert(db, chat_id, story, "pending", NOW) for chat_id in chats]
        clock = Clock(NOW)
        ctx = BotContext(db=db, settings=bot_settings(telegram, db.url), clock=clock)
        from bot.app import build_application

        app = build_application(ctx)
        await app.initialize()
        try:
            loop = DeliveryLoop(ctx, app.bot, clock=clock)
            sent, pruned = await asyncio.gather(
                loop.run_until_idle(), prune_history(db, NOW, **RETENTION, batch=50, gap_seconds=0)
            )
        finally:
            await app.shutdown()
        assert sent == len(waiting) == 100
        for chat_id in chats:
            titles = sorted(text.splitlines()[0] for text in telegram.texts(chat_id))
            assert titles == [f"🟠 P2 Shots fired near Sev Lake {index}" for index in range(5)]
        async with db.transaction() as session:
            rows = (await session.execute(select(Delivery.id, Delivery.status))).all()
        statuses = dict(rows)
        assert all(statuses[row_id] == "sent" for row_id in waiting)
        # every chat keeps its newest old alert until the new ones went out; all other old ones are gone
        assert pruned.deliveries >= 2000 - len(chats) and len(statuses) <= 100 + len(chats)
