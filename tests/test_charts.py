"""/chart: a PNG of daily stories by severity (or the chat's entities compared), sent with sendPhoto."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest

from bot.charts import (
    HEIGHT_PX,
    MAX_CHARTS_PENDING,
    PNG_SIGNATURE,
    WIDTH_PX,
    ChartText,
    png_size,
    severity_chart,
)
from bot.commands.charts import chart_cache, chart_drawer
from feeds.model import Classification, EntityMatch, FeedEntry, NewItem
from feeds.store import store_new_items
from storage.db import Database
from storage.history import UNRATED, daily_counts_by_severity
from storage.models import Feed
from tests.botapi.emulator import BotApiEmulator, SentMessage
from tests.clock import Clock
from tests.harness import START, Bot, running_user_bot

pytestmark = pytest.mark.usefixtures("fast_private_chats")


USER = 8008
OTHER_USER = 8009
BUSY = "Too many charts are being drawn right now. Try again in a few seconds."
# (title, entities, severity, days before START); a day apart, so no two can join one story
HISTORY: list[tuple[str, tuple[str, ...], str | None, int]] = [
    ("Shots near Sev Lake", ("sev_lake",), "P1", 0),
    ("Sev Lake patrol", ("sev_lake",), "P3", 1),
    ("Sev Lake water level", ("sev_lake",), None, 2),
    ("Goris road closed", ("goris",), "P2", 1),
    ("Sev Lake talks, weeks ago", ("sev_lake",), "P4", 20),
]


async def _store(
    db: Database, rows: list[tuple[str, tuple[str, ...], str | None, int]], start: int = 0
) -> None:
    async with db.transaction() as session:
        feed = Feed(url=f"https://news.example.am/rss{start}", title="News AM")
        session.add(feed)
        await session.flush()
    for index, (title, entities, severity, days_ago) in enumerate(rows, start):
        item = NewItem(
            entry=FeedEntry(
                guid=f"g{index}",
                link=f"https://news.example/{index}",
                title=title,
                summary="",
                language=None,
                published=None,
            ),
            identity_key=f"{index:064d}",
            content_hash=f"{index:064d}",
            published=START - timedelta(days=days_ago, minutes=5),
            classification=Classification(
                entities=tuple(EntityMatch(entity_id=e, spans=()) for e in entities), severity=severity
            ),
        )
        await store_new_items(db, feed.id, [item], alert=False, now=START)


@pytest.fixture
async def charting(db: Database) -> AsyncIterator[Bot]:
    await _store(db, HISTORY)
    async with BotApiEmulator(enforce_limits=False) as telegram:
        telegram.add_user(USER, "Uma")
        telegram.add_user(OTHER_USER, "Ota")
        async with running_user_bot(db, telegram) as running:
            yield running


def _assert_phone_sized_png(message: SentMessage) -> None:
    assert message.kind == "photo"
    assert message.document is not None and message.document.startswith(PNG_SIGNATURE)
    assert png_size(message.document) == (WIDTH_PX, HEIGHT_PX)
    assert message.file_name is not None and message.file_name.endswith(".png")


async def test_daily_counts_by_severity_count_each_story_once_per_day_under_its_severity(
    db: Database,
) -> None:
    await _store(db, HISTORY)
    counts = await daily_counts_by_severity(db, ["sev_lake", "goris", "csto"], 7, START)
    assert counts["sev_lake"] == [{}, {}, {}, {}, {UNRATED: 1}, {"P3": 1}, {"P1": 1}]
    assert counts["goris"][5] == {"P2": 1} and sum(map(len, counts["goris"])) == 1
    assert counts["csto"] == [{}] * 7
    month = await daily_counts_by_severity(db, ["sev_lake"], 30, START)
    assert month["sev_lake"][29 - 20] == {"P4": 1}


async def test_chart_of_one_entity_is_a_phone_sized_png_sent_as_a_photo(charting: Bot) -> None:
    message = await charting.send(USER, "/chart Sev Lake")
    _assert_phone_sized_png(message)
    assert message.text == "Sev Lake: 3 stories in 7 days."
    assert message.file_name == "chart-sev_lake-7d.png"
    month = await charting.send(USER, "/chart Sev Lake 30")
    _assert_phone_sized_png(month)
    assert month.text == "Sev Lake: 4 stories in 30 days."


async def test_chart_alone_compares_the_chats_subscribed_entities(charting: Bot) -> None:
    no_subscriptions = await charting.send(USER, "/chart")
    assert no_subscriptions.kind == "text"
    assert no_subscriptions.text == "This chat follows nothing yet. /subscribe to pick entities."
    await charting.say(USER, "/subscribe Sev Lake, Goris, CSTO")
    message = await charting.send(USER, "/chart 14")
    _assert_phone_sized_png(message)
    assert message.text == "This chat's 3 entities, 14 days."


@pytest.mark.parametrize("command", ["/chart Sev Lake 91", "/chart Sev Lake 0", "/chart 100"])
async def test_days_outside_1_to_90_get_the_usage_line(charting: Bot, command: str) -> None:
    assert (await charting.say(USER, command)).startswith("Usage: /chart [entity] [days]")


async def test_an_unknown_entity_gets_suggestions(charting: Bot) -> None:
    answer = await charting.say(USER, "/chart Sev Lak")
    assert answer.startswith("Unknown entity “Sev Lak”. Did you mean Sev Lake?")


async def test_charts_are_cached_per_entity_and_day_and_redrawn_when_a_story_arrives(charting: Bot) -> None:
    cache = chart_cache(charting.ctx)
    first = await charting.send(USER, "/chart Sev Lake")
    again = await charting.send(USER, "/chart sev_lake")
    assert cache.draws == 1 and again.document == first.document
    await _store(charting.ctx.db, [("Sev Lake again", ("sev_lake",), "P2", 4)], start=100)
    fresh = await charting.send(USER, "/chart Sev Lake")
    assert cache.draws == 2 and fresh.document != first.document
    assert fresh.text == "Sev Lake: 4 stories in 7 days."
    # the next UTC day is another chart
    clock = charting.ctx.clock
    assert isinstance(clock, Clock)
    clock.now = START + timedelta(days=1)
    await charting.send(USER, "/chart Sev Lake")
    assert cache.draws == 3


async def test_the_chart_title_and_caption_follow_the_chats_language(charting: Bot) -> None:
    await charting.say(USER, "/lang ru")
    message = await charting.send(USER, "/chart Sev Lake")
    _assert_phone_sized_png(message)
    assert message.text == "Sev Lake: 3 сюжета за 7 дн."


def test_an_empty_period_still_draws_a_readable_chart() -> None:
    text = ChartText(
        title="Goris — stories per day by severity", period="p", y_label="Stories", unrated="unrated"
    )
    png = severity_chart([{}] * 90, date(2026, 2, 1), text)
    assert png_size(png) == (WIDTH_PX, HEIGHT_PX)


def test_png_size_refuses_what_is_not_a_png() -> None:
    with pytest.raises(ValueError, match="not a PNG"):
        png_size(b"GIF89a" + bytes(30))


def _held_draw(gate: threading.Event) -> bytes:
    """A draw that takes until `gate` opens (as many chats' charts at once would)."""
    gate.wait(30)
    return PNG_SIGNATURE


async def test_past_the_bound_chart_answers_busy_and_draws_again_once_there_is_room(charting: Bot) -> None:
    drawer = chart_drawer(charting.ctx)
    gate = threading.Event()
    held = [asyncio.ensure_future(drawer.draw(_held_draw, gate)) for _ in range(MAX_CHARTS_PENDING)]
    try:
        await asyncio.sleep(0)
        assert await charting.say(USER, "/chart Sev Lake") == BUSY
        # other commands are answered meanwhile
        assert "Sev Lake" in await charting.say(OTHER_USER, "/status Sev Lake")
    finally:
        gate.set()
        await asyncio.gather(*held)
    _assert_phone_sized_png(await charting.send(USER, "/chart Sev Lake"))


async def test_a_chart_waiting_for_the_drawer_keeps_no_other_chat_and_no_other_thread_waiting(
    charting: Bot,
) -> None:
    drawer = chart_drawer(charting.ctx)
    gate = threading.Event()
    held = [asyncio.ensure_future(drawer.draw(_held_draw, gate)) for _ in range(MAX_CHARTS_PENDING - 1)]
    try:
        await asyncio.sleep(0)
        waiting = asyncio.ensure_future(charting.send(USER, "/chart Sev Lake"))
        async with asyncio.timeout(10):
            while drawer.pending < MAX_CHARTS_PENDING:  # noqa: ASYNC110 (a count in threads, no event)
                await asyncio.sleep(0.01)
        # every chart thread is drawing: the threads the rest of the bot uses are free
        loop = asyncio.get_running_loop()
        assert await loop.run_in_executor(None, threading.current_thread) is not threading.current_thread()
        assert "Sev Lake" in await charting.say(OTHER_USER, "/status Sev Lake")
        assert not waiting.done()
    finally:
        gate.set()
        await asyncio.gather(*held)
    _assert_phone_sized_png(await waiting)
