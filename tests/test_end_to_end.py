"""The whole product in one process: a feed on the loopback server → `borderwatch run` → alerts in Telegram.

Real parts only: the loopback feed server, `bot.runtime.run` (ingest, bot and delivery), the Bot API emulator,
and a real SQLite file or PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.runtime import run
from storage.db import Database
from storage.models import Feed
from storage.settings import Settings, load_settings
from tests.botapi import BotApiEmulator
from tests.feedserver import FeedServer, running
from tests.telegram_preview import Post, preview_page

LAKE_ALERT = 'Azerbaijani troops shell positions near Sev Lake: "2 wounded" <update> & more'
OLD_NEWS = "Border commission meets on Sev Lake section"
CSTO_NEWS = "CSTO secretary general visits Yerevan"


def _rss(*titles: str) -> str:
    items = "".join(
        f"<item><guid>e2e-{_slug(t)}</guid><title>{_xml(t)}</title><link>https://news.example/{_slug(t)}</link>"
        f"<description>Report on {_xml(t)}.</description></item>"
        for t in titles
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Border Wire</title>'
        f"<link>https://news.example/</link><description>test</description>{items}</channel></rss>"
    )


def _slug(title: str) -> str:
    return hashlib.sha1(title.encode()).hexdigest()[:10]


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with running() as server:
        yield server


def _settings(tmp_path: Path, database_url: str, telegram: BotApiEmulator, feed_url: str) -> Settings:
    opml = tmp_path / "feeds.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>e2e</title></head><body>'
        f'<outline type="rss" text="Border Wire" xmlUrl="{feed_url}" language="en"/></body></opml>'
    )
    return load_settings(
        telegram_token=telegram.token,
        telegram_api_url=telegram.base_url,
        database_url=database_url,
        feeds=opml,
        allow_private_urls=True,
        poll_interval=10,
    )


@asynccontextmanager
async def _running(settings: Settings) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(run(settings, "all", stop=stop))
    try:
        yield
    finally:
        stop.set()
        assert await asyncio.wait_for(task, 30) == 0


async def _wait_for_history(db: Database) -> None:
    for _ in range(300):
        async with db.transaction() as session:
            if await session.scalar(select(Feed.history_loaded)):
                return
        await asyncio.sleep(0.1)
    pytest.fail("the first poll of the feed never completed")


async def _poll_now(db: Database) -> None:
    """Make the feed due at once instead of waiting out its interval (the scheduler ticks every 5 s)."""
    async with db.transaction() as session:
        await session.execute(update(Feed).values(next_poll_at=datetime.now(UTC)))


async def test_a_new_item_alerts_exactly_the_subscribed_chats_once_and_a_restart_resends_nothing(
    tmp_path: Path, database_url: str, feed_server: FeedServer
) -> None:
    feed_url = feed_server.add("/wire.xml", _rss(OLD_NEWS))
    db = Database(database_url)
    async with BotApiEmulator() as telegram:
        lake_watcher, csto_watcher, newcomer = 501, 502, 503
        settings = _settings(tmp_path, database_url, telegram, feed_url)
        async with _running(settings):
            telegram.inject_command(lake_watcher, lake_watcher, "/subscribe озеро Сев")
            telegram.inject_command(csto_watcher, csto_watcher, "/subscribe ОДКБ")
            telegram.inject_command(newcomer, newcomer, "/start")
            for chat in (lake_watcher, csto_watcher, newcomer):
                await telegram.wait_for_messages(chat, 1, within=30)
            assert "Sev Lake" in telegram.texts(lake_watcher)[0]
            await _wait_for_history(db)

            # the first fetch is history: OLD_NEWS mentions Sev Lake but alerts nobody
            feed_server.add("/wire.xml", _rss(LAKE_ALERT, OLD_NEWS))
            await _poll_now(db)
            (alert,) = (await telegram.wait_for_messages(lake_watcher, 2, within=30))[1:]

        assert LAKE_ALERT in alert.text  # <, &, quotes arrive literally
        assert OLD_NEWS not in alert.text
        assert "Border Wire" in alert.text
        assert f"https://news.example/{_slug(LAKE_ALERT)}" in alert.links
        assert "#sev_lake" in alert.text
        assert len(telegram.texts(csto_watcher)) == 1  # only the /subscribe reply
        assert len(telegram.texts(newcomer)) == 1  # only the /start reply

        # a restart polls again (same items, then one for the CSTO watcher) and resends nothing
        feed_server.add("/wire.xml", _rss(CSTO_NEWS, LAKE_ALERT, OLD_NEWS))
        await _poll_now(db)
        async with _running(settings):
            (csto_alert,) = (await telegram.wait_for_messages(csto_watcher, 2, within=30))[1:]
            assert CSTO_NEWS in csto_alert.text
        assert len(telegram.texts(lake_watcher)) == 2
        assert len(telegram.texts(newcomer)) == 1
    await db.dispose()


CHANNEL_ALERT = "Обстрел у озера Сев: ранены двое военнослужащих"


async def test_a_new_post_in_a_telegram_channel_alerts_the_subscribed_chat(
    tmp_path: Path, database_url: str, feed_server: FeedServer
) -> None:
    channel = "lake_desk"
    started = datetime.now(UTC) - timedelta(minutes=30)
    history = [Post.text(n, f"Old post {n} about Sev Lake", started + timedelta(minutes=n)) for n in (1, 2)]
    feed_server.add(
        f"/s/{channel}", preview_page(channel, "Lake Desk", history), content_type="text/html; charset=utf-8"
    )
    opml = tmp_path / "channels.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>e2e</title></head><body>'
        f'<outline text="Lake Desk" xmlUrl="tg:{channel}" language="ru"/></body></opml>'
    )
    db = Database(database_url)
    async with BotApiEmulator() as telegram:
        watcher = 601
        settings = load_settings(
            telegram_token=telegram.token,
            telegram_api_url=telegram.base_url,
            database_url=database_url,
            feeds=opml,
            allow_private_urls=True,
            poll_interval=10,
            telegram_web_url=feed_server.url(""),
            telegram_min_interval=10,
            telegram_request_gap=0,
        )
        async with _running(settings):
            telegram.inject_command(watcher, watcher, "/subscribe sev_lake")
            await telegram.wait_for_messages(watcher, 1, within=30)
            await _wait_for_history(db)

            post = Post.text(3, f"{CHANNEL_ALERT}\nПодробности позже.", datetime.now(UTC))
            feed_server.add(
                f"/s/{channel}",
                preview_page(channel, "Lake Desk", [*history, post]),
                content_type="text/html; charset=utf-8",
            )
            await _poll_now(db)
            (alert,) = (await telegram.wait_for_messages(watcher, 2, within=30))[1:]
        assert CHANNEL_ALERT in alert.text
        assert "Old post" not in alert.text
        assert "Lake Desk" in alert.text and "#sev_lake" in alert.text
        assert f"https://t.me/{channel}/3" in alert.links
    async with db.transaction() as session:
        feed = await session.scalar(select(Feed))
    assert feed is not None and (feed.kind, feed.url, feed.last_post_id) == (
        "telegram",
        f"https://t.me/s/{channel}",
        3,
    )
    await db.dispose()
