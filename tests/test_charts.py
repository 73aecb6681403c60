"""/chart: a PNG of daily stories by severity (or the chat's entities compared), sent with sendPhoto."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest

from bot.charts import HEIGHT_PX, PNG_SIGNATURE, WIDTH_PX, ChartText, png_size, severity_chart
from bot.commands.charts import chart_cache
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
