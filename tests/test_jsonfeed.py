"""JSON Feed 1.0 and 1.1: read like any other feed, told apart by media type or by content."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from feeds.model import Classification
from feeds.parse import ParseError, ParserPool, parse_feed
from feeds.service import IngestService
from storage.db import Database
from storage.feeds import add_feed, get_feed
from storage.models import Item
from storage.settings import Settings
from tests.clock import Clock
from tests.feedserver import FeedServer

URL = "https://news.example/feed.json"

FEED_11: dict[str, Any] = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Border Desk",
    "home_page_url": "https://news.example/",
    "feed_url": URL,
    "language": "en-GB",
    "items": [
        {
            "id": "https://news.example/2",
            "url": "/2026/05/shots-near-sev-lake",
            "title": "Shots near Sev Lake <update>",
            "content_html": "<p>Azerbaijani units fired &amp; <b>withdrew</b>.</p>",
            "date_published": "2026-05-01T14:20:00+04:00",
            "language": "ru",
        },
        {
            "id": "https://news.example/1",
            "url": "https://news.example/2026/05/commission?utm_source=x",
            "summary": "A short summary.",
            "content_text": "Border commission meets in Yerevan\nThe sixth round of talks.",
            "date_modified": "2026-05-01T08:00:00Z",
        },
    ],
}

FEED_10 = {
    "version": "https://jsonfeed.org/version/1",
    "title": "Old style",
    "items": [{"id": 42, "url": "https://news.example/42", "content_text": "Microblog post about Lachin."}],
}


def test_a_json_feed_11_reads_as_plain_text_with_canonical_links_and_utc_times() -> None:
    feed = parse_feed(json.dumps(FEED_11).encode(), {"Content-Type": "application/feed+json"}, URL)
    assert (feed.title, feed.language) == ("Border Desk", "en")
    first, second = feed.entries
    assert first.guid == "https://news.example/2"
    assert first.link == "https://news.example/2026/05/shots-near-sev-lake"  # relative to home_page_url
    assert first.title == "Shots near Sev Lake <update>"  # a title is text, kept literally
    assert first.summary == "Azerbaijani units fired & withdrew."
    assert first.published == datetime(2026, 5, 1, 10, 20, tzinfo=UTC)
    assert first.language == "ru"
    # no title: the first line of the text is the headline; summary wins over content for the rest
    assert (second.title, second.summary) == (
        "Border commission meets in Yerevan",
        "The sixth round of talks.",
    )
    assert second.link == "https://news.example/2026/05/commission"
    assert second.published == datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    assert second.language == "en"


@pytest.mark.parametrize("content_type", ["application/json", "text/plain; charset=utf-8", ""])
def test_a_json_feed_is_recognised_by_its_content_whatever_the_media_type(content_type: str) -> None:
    feed = parse_feed(b"\xef\xbb\xbf  " + json.dumps(FEED_10).encode(), {"Content-Type": content_type}, URL)
    [entry] = feed.entries
    assert (entry.guid, entry.title, entry.link) == (
        "42",
        "Microblog post about Lachin.",
        "https://news.example/42",
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"version": "https://jsonfeed.org/version/1.1", "title": "x"', "invalid JSON"),
        (b'{"hello": "world"}', "not a JSON Feed"),
        (b'["https://jsonfeed.org/version/1"]', "not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1", "items": {}}', "without an items list"),
        (b"[" * 100_000 + b"]" * 100_000, "invalid JSON"),
    ],
)
def test_json_that_is_no_json_feed_is_a_clear_error(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message) as raised:
        parse_feed(body, {"Content-Type": "application/feed+json"}, URL)
    assert URL in str(raised.value)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


async def test_a_json_feed_is_polled_through_the_pipeline(db: Database, server: FeedServer) -> None:
    url = server.add("/feed.json", json.dumps(FEED_11), content_type="application/feed+json")
    clock = Clock(datetime(2026, 5, 1, 12, 0, tzinfo=UTC))
    feed, _ = await add_feed(db, url, now=clock.now)
    settings = Settings(allow_private_urls=True, fetch_timeout=5)
    async with (
        ParserPool(workers=1) as parser,
        IngestService(db, settings, _no_tags, clock=clock, rng=random.Random(0), parser=parser) as ingest,
    ):
        report = await ingest.poll_due_once()
    assert [(r.outcome, r.error) for r in report.results] == [("ok", None)]
    assert [item.title for _, item in report.new_items] == [
        "Shots near Sev Lake <update>",
        "Border commission meets in Yerevan",
    ]
    assert "application/feed+json" in server.requests("/feed.json")[0].headers["accept"]
    stored = await get_feed(db, feed.id)
    assert stored is not None and stored.title == "Border Desk" and stored.kind == "feed"


async def test_items_with_a_lone_surrogate_link_or_a_date_beyond_utc_years_are_stored_with_the_rest(
    db: Database, server: FeedServer
) -> None:
    """A JSON Feed may spell what no text holds: a lone surrogate (the escape "\\ud800") in an item's url or
    the home page, a date whose offset puts it before year 1 or after 9999 in UTC. Such an item is stored
    without that link or date, and the feed's other items with it (before: every poll of the feed failed
    with "internal error: UnicodeEncodeError" or "OverflowError", none of its items stored)."""
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Odd",
        "home_page_url": "https://news.example/\ud800/",
        "items": [
            {"id": "1", "url": "https://news.example/\ud800", "title": "Lone surrogate in the path"},
            {"id": "2", "url": "https://news\udfff.example/2", "title": "Lone surrogate in the host"},
            {"id": "3", "url": "relative/3", "title": "Relative to a home page no URL can be"},
            {"id": "4", "title": "Before year 1", "date_published": "0001-01-01T00:00:00+14:00"},
            {"id": "5", "title": "After 9999", "date_modified": "9999-12-31T23:59:59-12:00"},
            {"id": "6", "url": "https://news.example/6", "title": "An ordinary item"},
        ],
    }
    body = json.dumps(document)
    assert "\\ud800" in body  # the escape as the server sends it
    url = server.add(f"/odd-{id(db)}.json", body, content_type="application/feed+json")
    clock = Clock(datetime(2026, 5, 1, 12, 0, tzinfo=UTC))
    feed, _ = await add_feed(db, url, now=clock.now)
    settings = Settings(allow_private_urls=True, fetch_timeout=5)
    async with (
        ParserPool(workers=1) as parser,
        IngestService(db, settings, _no_tags, clock=clock, rng=random.Random(0), parser=parser) as ingest,
    ):
        report = await ingest.poll_due_once()
    assert [(r.outcome, r.error) for r in report.results] == [("ok", None)]
    stored = {item.title: (item.link, item.published) for _, item in report.new_items}
    assert stored == {
        "Lone surrogate in the path": (None, clock.now),
        "Lone surrogate in the host": (None, clock.now),
        "Relative to a home page no URL can be": (None, clock.now),
        "Before year 1": (None, clock.now),
        "After 9999": (None, clock.now),
        "An ordinary item": ("https://news.example/6", clock.now),
    }
    async with db.transaction() as session:
        titles = set((await session.execute(select(Item.title).where(Item.feed_id == feed.id))).scalars())
    assert titles == set(stored)


def _no_tags(title: str, summary: str, language: str | None) -> Classification:
    return Classification()


def test_a_json_feed_date_without_a_time_is_that_days_noon_and_marked_as_a_day() -> None:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "items": [
            {"id": "1", "url": "https://news.example/1", "title": "Talks", "date_published": "2026-05-01"},
            {
                "id": "2",
                "url": "https://news.example/2",
                "title": "Shots",
                "date_modified": "2026-05-01T08:00Z",
            },
        ],
    }
    day, timed = parse_feed(
        json.dumps(document).encode(), {"Content-Type": "application/feed+json"}, URL
    ).entries
    assert (day.published, day.published_day_only) == (datetime(2026, 5, 1, 12, tzinfo=UTC), True)
    assert (timed.published, timed.published_day_only) == (datetime(2026, 5, 1, 8, tzinfo=UTC), False)
