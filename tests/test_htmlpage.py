"""Statement pages without a feed, read with CSS selectors; dates in the page's own language and format."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from feeds.errors import ParseError
from feeds.htmlpage import PageSelectors, SelectorError, parse_statement_page
from feeds.limits import ParseLimits
from feeds.localdates import parse_page_date, published_at
from feeds.model import Classification
from feeds.parse import ParserPool
from feeds.service import IngestService
from storage.db import Database
from storage.feeds import add_feed, fetch_log, get_feed
from storage.settings import Settings
from tests.clock import Clock
from tests.feedserver import FeedServer

YEREVAN = ZoneInfo("Asia/Yerevan")
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)

# ------------------------------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("17 October 2025 13:07", datetime(2025, 10, 17, 9, 7, tzinfo=UTC)),
        ("March 12, 2026 2:30 pm", datetime(2026, 3, 12, 10, 30, tzinfo=UTC)),
        ("12 մարտի 2026 թ., 14:30", datetime(2026, 3, 12, 10, 30, tzinfo=UTC)),
        ("2026 թ. ապրիլի 3, 09:05", datetime(2026, 4, 3, 5, 5, tzinfo=UTC)),
        ("12 mart 2026, 09:15", datetime(2026, 3, 12, 5, 15, tzinfo=UTC)),
        ("Aprelin 3-ü, 2026 18:00", datetime(2026, 4, 3, 14, 0, tzinfo=UTC)),
        ("12 марта 2026 г. 14:30", datetime(2026, 3, 12, 10, 30, tzinfo=UTC)),
        ("30.04.2026 23:59", datetime(2026, 4, 30, 19, 59, tzinfo=UTC)),
        ("30.04.2026, 23.59", datetime(2026, 4, 30, 19, 59, tzinfo=UTC)),
        ("14:30 | 29/04/26", datetime(2026, 4, 29, 10, 30, tzinfo=UTC)),
        ("2026-04-30T23:59:00+03:00", datetime(2026, 4, 30, 20, 59, tzinfo=UTC)),
        ("2026-04-30 20:00", datetime(2026, 4, 30, 16, 0, tzinfo=UTC)),
        ("Apr 30 2026, 10:05 GMT+3", datetime(2026, 4, 30, 7, 5, tzinfo=UTC)),
        ("Сегодня, 09:12", datetime(2026, 5, 1, 5, 12, tzinfo=UTC)),
        ("Dünən 18:40", datetime(2026, 4, 30, 14, 40, tzinfo=UTC)),
        ("Երեկ, 11:00", datetime(2026, 4, 30, 7, 0, tzinfo=UTC)),
        ("28 апреля, 08:00", datetime(2026, 4, 28, 4, 0, tzinfo=UTC)),  # no year: the latest one not ahead
        ("5 December, 08:00", datetime(2025, 12, 5, 4, 0, tzinfo=UTC)),
    ],
)
def test_dates_are_read_in_the_pages_language_and_time_zone(text: str, expected: datetime) -> None:
    page_date = parse_page_date(text, YEREVAN, NOW)
    assert page_date is not None and page_date.at == expected and page_date.has_time


@pytest.mark.parametrize("text", ["", "Read more", "Page 2 of 10", "31.02.2026", "99:99 yesterday's news"])
def test_text_without_a_date_gives_none(text: str) -> None:
    page_date = parse_page_date(text, YEREVAN, NOW)
    assert page_date is None or not page_date.has_time


def test_a_date_without_a_time_counts_from_first_sight_only_when_recent() -> None:
    today = parse_page_date("1 մայիսի 2026", YEREVAN, NOW)
    yesterday = parse_page_date("30.04.2026", YEREVAN, NOW)
    older = parse_page_date("28 April 2026", YEREVAN, NOW)
    assert today is not None and yesterday is not None and older is not None
    assert published_at(today, YEREVAN, NOW) is None
    assert published_at(yesterday, YEREVAN, NOW) is None
    assert published_at(older, YEREVAN, NOW) == datetime(2026, 4, 28, 8, 0, tzinfo=UTC)  # noon, Yerevan


# ------------------------------------------------------------------------------------------ selectors


def test_selectors_from_chat_allow_spaces_quotes_and_attribute_selectors() -> None:
    selectors = PageSelectors.from_arguments(
        "item=div.news-list .news-item title=“h3 a” link=a[title=more] date=span.date tz=Asia/Baku"
    )
    assert selectors == PageSelectors(
        item="div.news-list .news-item",
        title="h3 a",
        link="a[title=more]",
        date="span.date",
        timezone="Asia/Baku",
    )
    assert PageSelectors.from_mapping(selectors.as_mapping()) == selectors


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("title=h3", "needs an item selector"),
        ("item=div[[", "is not a CSS selector"),
        ("item=li title=h3 title=h4", "given twice"),
        ("nonsense item=li", "unexpected 'nonsense'"),
        ("item=li tz=Mars/Olympus", "unknown time zone"),
        ("", "give the selectors"),
    ],
)
def test_unusable_selectors_are_refused_with_the_reason(arguments: str, message: str) -> None:
    with pytest.raises(SelectorError, match=message):
        PageSelectors.from_arguments(arguments)


# ------------------------------------------------------------------------------------------ a page

MINISTRY_PAGE = """<!DOCTYPE html>
<html lang="hy"><head><meta charset="utf-8"><title>Լրահոս | ՀՀ պաշտպանության նախարարություն</title>
<base href="https://mil.example/hy/"></head>
<body><header><nav><a href="/hy">Գլխավոր</a></nav></header>
<main><div class="news-list">
  <div class="news-item">
    <a class="news-link" href="news/12345">
      <h3 class="title">Հակառակորդը կրակ է բացել Սև լճի ուղղությամբ</h3></a>
    <span class="date">1 մայիսի 2026 թ., 14:20</span>
    <p class="lead">Կրակոցներ են արձակվել արևելյան հատվածում։</p>
  </div>
  <div class="news-item">
    <a class="news-link" href="/hy/news/12344?utm_source=list">
      <h3 class="title">Նախարարը այցելել է Սյունիք</h3></a>
    <span class="date">30 ապրիլի 2026 թ., 10:00</span>
  </div>
  <div class="news-item"><span class="date">29 ապրիլի 2026 թ.</span></div>
</div>
<script>var lead = "<div class='news-item'>not a statement</div>";</script>
</main></body></html>
"""
SELECTORS = PageSelectors(
    item=".news-item", title="h3", date=".date", summary=".lead", timezone="Asia/Yerevan"
)


def test_a_statement_page_gives_title_absolute_link_date_and_summary() -> None:
    feed = parse_statement_page(
        MINISTRY_PAGE.encode(), {}, "https://mil.example/hy/news", SELECTORS, NOW, "hy"
    )
    assert feed.title == "Լրահոս | ՀՀ պաշտպանության նախարարություն"
    first, second = feed.entries  # the item without a title is skipped
    assert first.title == "Հակառակորդը կրակ է բացել Սև լճի ուղղությամբ"
    assert first.link == "https://mil.example/hy/news/12345"  # relative to <base href>
    assert first.published == datetime(2026, 5, 1, 10, 20, tzinfo=UTC)
    assert first.summary == "Կրակոցներ են արձակվել արևելյան հատվածում։"
    assert (first.language, first.guid) == ("hy", None)
    assert second.link == "https://mil.example/hy/news/12344"  # tracking parameters dropped
    assert second.published == datetime(2026, 4, 30, 6, 0, tzinfo=UTC)


def test_the_page_encoding_comes_from_the_header_or_the_page() -> None:
    page = (
        '<html><head><meta charset="windows-1251"></head>'
        '<body><ul><li><a href="/1">Заявление МИД</a></li></ul>'
    )
    body = page.encode("cp1251")
    for headers in ({}, {"Content-Type": "text/html; charset=windows-1251"}):
        feed = parse_statement_page(body, headers, "https://mid.example/", PageSelectors(item="li"), NOW)
        assert [(e.title, e.link) for e in feed.entries] == [("Заявление МИД", "https://mid.example/1")]


@pytest.mark.parametrize(
    ("selectors", "message"),
    [
        (PageSelectors(item="article.statement"), "selector item matched nothing (article.statement)"),
        (PageSelectors(item=".news-item", title="h2.headline"), "selector title matched nothing"),
        (PageSelectors(item=".news-item", link="a.more"), "selector link matched nothing"),
        (PageSelectors(item=".news-item", date=".lead"), "no date could be read"),
    ],
)
def test_selectors_that_stop_matching_are_an_error_naming_the_selector(
    selectors: PageSelectors, message: str
) -> None:
    with pytest.raises(ParseError, match=re.escape(message)) as raised:
        parse_statement_page(MINISTRY_PAGE.encode(), {}, "https://mil.example/hy/news", selectors, NOW)
    assert "https://mil.example/hy/news" in str(raised.value)


# ------------------------------------------------------------------------------------------ polling


def _no_tags(title: str, summary: str, language: str | None) -> Classification:
    return Classification()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


async def test_a_statement_page_is_polled_with_conditional_get_and_a_redesign_is_a_feed_error(
    db: Database, server: FeedServer
) -> None:
    url = server.add("/hy/news", MINISTRY_PAGE, content_type="text/html; charset=utf-8")
    clock = Clock(NOW)
    feed, _ = await add_feed(
        db, url, now=clock.now, kind="html", selectors=SELECTORS.as_mapping(), language="hy"
    )
    settings = Settings(allow_private_urls=True, fetch_timeout=5, poll_interval=60)
    async with (
        ParserPool(workers=1) as parser,
        IngestService(db, settings, _no_tags, clock=clock, rng=random.Random(0), parser=parser) as ingest,
    ):
        first = await ingest.poll_due_once()
        assert [item.title for _, item in first.new_items] == [
            "Հակառակորդը կրակ է բացել Սև լճի ուղղությամբ",
            "Նախարարը այցելել է Սյունիք",
        ]
        assert server.requests("/hy/news")[0].headers["accept"].startswith("text/html")
        clock.advance(hours=1)
        assert [r.outcome for r in (await ingest.poll_due_once()).results] == ["not_modified"]

        redesigned = MINISTRY_PAGE.replace('class="news-item"', 'class="card"')
        server.add("/hy/news", redesigned, content_type="text/html; charset=utf-8")
        clock.advance(hours=1)
        third = await ingest.poll_due_once()
    assert [r.outcome for r in third.results] == ["error"]
    stored = await get_feed(db, feed.id)
    log = [row.outcome for row in await fetch_log(db, feed.id)]
    assert stored is not None and stored.consecutive_failures == 1
    assert stored.last_error == f"{url}: selector item matched nothing (.news-item)"
    assert stored.next_poll_at > clock.now + timedelta(seconds=25)
    assert log == ["error", "not_modified", "ok"]


def test_a_fixed_offset_time_zone_is_accepted() -> None:
    selectors = PageSelectors.from_arguments("item=li tz=+04:00")
    assert selectors.zone == timezone(timedelta(hours=4))


def test_a_bare_date_on_a_page_is_marked_as_a_day_and_a_time_is_not() -> None:
    page = MINISTRY_PAGE.replace("30 ապրիլի 2026 թ., 10:00", "28 ապրիլի 2026 թ.")
    timed, day = parse_statement_page(
        page.encode(), {}, "https://mil.example/hy/news", SELECTORS, NOW, "hy"
    ).entries
    assert (timed.published, timed.published_day_only) == (datetime(2026, 5, 1, 10, 20, tzinfo=UTC), False)
    # noon in Yerevan, standing for the whole day 28 April there
    assert (day.published, day.published_day_only) == (datetime(2026, 4, 28, 8, 0, tzinfo=UTC), True)
    # today's bare date counts from first sight: a time, not the day's noon
    recent = page.replace("28 ապրիլի 2026 թ.", "1 մայիսի 2026 թ.")
    _, seen = parse_statement_page(
        recent.encode(), {}, "https://mil.example/hy/news", SELECTORS, NOW, "hy"
    ).entries
    assert (seen.published, seen.published_day_only) == (None, False)


async def test_items_dated_beyond_what_a_date_holds_are_stored_undated_with_the_rest(
    db: Database, server: FeedServer
) -> None:
    """Dates a page may print that no UTC time can be: year 1 in Yerevan (in year 0 in UTC), an offset of more
    than a day (GMT+25, +99:99). Each such item is stored as undated (published when first seen), and the
    page's other items with it (before: every poll of the page failed with "internal error: OverflowError" or
    "ValueError: offset must be a timedelta…", nothing stored)."""
    dates = {
        "Year one": "0001-01-01",
        "A day and an hour ahead": "30.04.2026 10:00 GMT+25",
        "Ninety-nine hours ahead": "2026-04-30T10:00:00+99:99",
        "Ordinary": "30 ապրիլի 2026 թ., 10:00",
    }
    items = "".join(
        f'<div class="news-item"><h3 class="title">{title}</h3><span class="date">{date}</span></div>'
        for title, date in dates.items()
    )
    page = f"<html><body>{items}</body></html>"
    url = server.add(f"/odd-dates-{id(db)}", page, content_type="text/html; charset=utf-8")
    clock = Clock(NOW)
    selectors = PageSelectors(item=".news-item", title="h3", date=".date", timezone="Asia/Yerevan")
    feed, _ = await add_feed(db, url, now=clock.now, kind="html", selectors=selectors.as_mapping())
    settings = Settings(allow_private_urls=True, fetch_timeout=5, poll_interval=60)
    async with (
        ParserPool(workers=1) as parser,
        IngestService(db, settings, _no_tags, clock=clock, rng=random.Random(0), parser=parser) as ingest,
    ):
        report = await ingest.poll_due_once()
    assert [(r.outcome, r.error) for r in report.results] == [("ok", None)]
    assert {item.title: item.published for _, item in report.new_items} == {
        "Year one": clock.now,
        "A day and an hour ahead": datetime(2026, 4, 30, 6, 0, tzinfo=UTC),  # in the page's zone
        "Ninety-nine hours ahead": clock.now,
        "Ordinary": datetime(2026, 4, 30, 6, 0, tzinfo=UTC),
    }
    stored = await get_feed(db, feed.id)
    assert stored is not None and stored.last_error is None


def _hostile_page(depth: int) -> str:
    """A page whose items are nested each in the one before: reading every item's text walks all the items
    inside it, seconds of work for a page of a few hundred kB."""
    return "<html><body>" + '<div class="news-item"><p>t</p>' * depth + "</div>" * depth + "</body></html>"


async def test_a_statement_page_that_parses_past_the_deadline_is_its_own_error(
    db: Database, server: FeedServer
) -> None:
    """Statement pages are parsed in the parser processes with the feeds' deadline: a hostile page is stopped
    and backs off, and a healthy page polled in the same round reads."""
    hostile_url = server.add("/hostile", _hostile_page(8000), content_type="text/html; charset=utf-8")
    healthy_url = server.add("/hy/news", MINISTRY_PAGE, content_type="text/html; charset=utf-8")
    clock = Clock(NOW)
    by_item = PageSelectors(item=".news-item").as_mapping()  # each item's first line is its title
    hostile, _ = await add_feed(db, hostile_url, now=clock.now, kind="html", selectors=by_item)
    healthy, _ = await add_feed(db, healthy_url, now=clock.now, kind="html", selectors=SELECTORS.as_mapping())
    settings = Settings(allow_private_urls=True, fetch_timeout=5, poll_interval=60)
    limits = ParseLimits(timeout_seconds=1.0, timeout_seconds_per_mib=0.0)
    async with (
        ParserPool(workers=2, limits=limits) as parser,
        IngestService(db, settings, _no_tags, clock=clock, rng=random.Random(0), parser=parser) as ingest,
    ):
        report = await ingest.poll_due_once()
        assert parser.stopped_parses == 1
    assert {r.feed.id: r.outcome for r in report.results} == {hostile.id: "error", healthy.id: "ok"}
    stored = await get_feed(db, hostile.id)
    assert stored is not None and stored.last_error is not None
    assert stored.last_error.startswith(f"{hostile_url}: refused: parsing took longer than 1 s")
    assert stored.next_poll_at >= clock.now + timedelta(minutes=15)
