"""Public Telegram channels as sources: addresses, the preview page's posts, and polling over real HTTP
(the loopback feed server plays t.me: BORDERWATCH_TELEGRAM_WEB_URL points at it)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from feeds.errors import ParseError, RateLimited
from feeds.limits import ParseLimits
from feeds.model import Classification, EntityMatch
from feeds.pacing import HostPacer
from feeds.parse import ParserPool
from feeds.service import IngestService
from feeds.telegram_channel import ChannelAddressError, ChannelPage, channel_name
from storage.chats import add_subscriptions
from storage.db import Database
from storage.feeds import add_feed, fetch_log, get_feed
from storage.models import Delivery, Item
from storage.settings import Settings
from tests.clock import Clock
from tests.feedserver import FeedServer
from tests.telegram_preview import CONTACT_PAGE, Post, fixture, preview_page

CHANNEL = "syunik_watch"
HTML_TYPE = "text/html; charset=utf-8"
T0 = datetime(2026, 5, 1, 16, 0, tzinfo=UTC)


# ------------------------------------------------------------------------------------------ addresses


@pytest.mark.parametrize(
    "address",
    [
        "https://t.me/Syunik_Watch",
        "https://t.me/s/syunik_watch",
        "http://t.me/syunik_watch/",
        "t.me/syunik_watch",
        "https://telegram.me/syunik_watch",
        "https://t.me/syunik_watch/1202",
        "https://t.me/s/syunik_watch?before=1201",
        "tg:syunik_watch",
        "tg://resolve?domain=syunik_watch",
        "@syunik_watch",
    ],
)
def test_every_form_of_a_channel_address_names_the_channel(address: str) -> None:
    assert channel_name(address) == "syunik_watch"


@pytest.mark.parametrize(
    "address", ["https://example.org/t.me/x", "https://news.am/eng/rss/", "tme/x", "https://nott.me/abc"]
)
def test_other_addresses_are_not_telegram(address: str) -> None:
    assert channel_name(address) is None


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("https://t.me/+AbCdEf123", "invite"),
        ("https://t.me/joinchat/AbCdEf", "invite"),
        ("https://t.me/c/1234567/89", "invite"),
        ("https://t.me/", "names no channel"),
        ("@ab", "not a Telegram channel username"),
        ("tg:1channel", "not a Telegram channel username"),
    ],
)
def test_addresses_of_no_public_channel_are_refused_with_the_reason(address: str, why: str) -> None:
    with pytest.raises(ChannelAddressError, match=why):
        channel_name(address)


# ------------------------------------------------------------------------------------- the preview page


def _posts() -> dict[int, tuple[str, str, datetime | None]]:
    page = ChannelPage(fixture("syunik_watch.html"), {"content-type": HTML_TYPE}, CHANNEL, "u")
    return {
        number: (entry.title, entry.summary, entry.published)
        for number, entry in page.entries(None)
        if entry.link == f"https://t.me/{CHANNEL}/{number}" and entry.guid == entry.link
    }


def test_a_preview_page_gives_every_post_with_its_link_time_title_and_rest_of_text() -> None:
    posts = _posts()
    assert sorted(posts) == [1202, 1203, 1206, 1207, 1208, 1209, 1210, 1211, 1212, 1213, 1214]  # no service
    title, summary, published = posts[1202]
    # emoji-only first line joins the headline; entities unescaped once; line breaks end the headline
    assert title == (
        "🚨🚨 Azerbaijani units fired at Armenian positions near Sev Lake at 14:20, "
        "the Defence Ministry says & reports <no casualties>."
    )
    assert summary == "Подробности: mil.am #Сюник"
    assert published == datetime(2026, 5, 1, 10, 22, 41, tzinfo=UTC)
    # a long first line is cut at its first sentence; the rest is the summary
    title, summary, _ = posts[1214]
    assert title.endswith("повреждён один автомобиль.") and len(title) <= 200
    assert summary == "Пострадавших нет. Ситуация под контролем."


def test_posts_without_text_are_kept_with_a_short_description() -> None:
    posts = _posts()
    assert posts[1206][0] == "Video"
    assert posts[1207][:2] == ("Poll: Should the Goris–Kapan road be closed at night?", "Options: Yes; No.")
    assert posts[1212][0] == "Voice message"
    assert posts[1213][0] == "A post that Telegram shows only in its app"
    # with a caption, the caption is the text and the media are named in the summary
    assert posts[1203] == (
        "Սև լճի հատվածում տեղադրվել են նոր դիտակետեր։ Լուսանկարները՝ ՀՀ ՊՆ։",
        "Attached: 3 photos.",
        datetime(2026, 5, 1, 11, 5, tzinfo=UTC),
    )
    assert posts[1208][1] == "Полный текст во вложении. Attached: document Statement_2026-05-01.pdf."


def test_forwards_name_their_origin_replies_leave_out_the_quote_and_links_bring_their_preview() -> None:
    posts = _posts()
    assert posts[1209][1] == "Forwarded from Government of Armenia."
    assert posts[1211][:2] == ("Update: the shooting has stopped, the Defence Ministry says.", "")
    title, summary, _ = posts[1210]
    assert title == "Border guards report shots near Nerkin Hand"  # a bare link: its page's title
    assert "Residents of the village say the shooting lasted about an hour." in summary


def test_a_page_that_is_no_channel_preview_is_an_error_naming_the_channel() -> None:
    with pytest.raises(ParseError, match="no public preview of @someone"):
        ChannelPage(CONTACT_PAGE.format(name="someone").encode(), {}, "someone", "https://t.me/someone")


def test_a_page_with_thousands_of_posts_costs_only_its_newest_hundred() -> None:
    posts = [Post.text(n, f"Post {n}", T0) for n in range(1, 5001)]
    page = ChannelPage(preview_page("huge", "Huge", posts).encode(), {}, "huge", "u")
    assert page.ids == list(range(4901, 5001))
    assert len(page.entries(None)) == 100


def test_a_post_time_beyond_what_a_utc_time_holds_is_no_time_and_the_page_reads() -> None:
    """A <time datetime> in year 1 at +14:00 is in year 0 in UTC: that post is undated, the page's other posts
    read (before: OverflowError, the channel's every poll failed)."""
    posts = [Post.text(n, f"Post {n}", T0) for n in (1, 2)]
    page_text = preview_page("odd_times", "Odd", posts).replace(
        f'datetime="{T0.isoformat()}"', 'datetime="0001-01-01T00:00:00+14:00"', 1
    )
    page = ChannelPage(page_text.encode(), {}, "odd_times", "u")
    assert [(number, entry.published) for number, entry in page.entries(None)] == [(1, None), (2, T0)]


def test_an_empty_public_channel_is_no_error() -> None:
    page = ChannelPage(preview_page("quiet_channel", "Quiet", []).encode(), {}, "quiet_channel", "u")
    assert page.ids == [] and page.entries(None) == [] and page.title == "Quiet"


# ------------------------------------------------------------------------------------------ polling


class Tagger:
    """A stand-in classifier: "Sev Lake" anywhere in the text is entity sev_lake, P2."""

    def __call__(self, title: str, summary: str, language: str | None) -> Classification:
        text = f"{title}\n{summary}"
        if "Sev Lake" not in text:
            return Classification()
        start = text.index("Sev Lake")
        return Classification((EntityMatch("sev_lake", ((start, start + 8, "Sev Lake"),)),), "P2")


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


@pytest.fixture(scope="module")
def parser() -> Iterator[ParserPool]:
    pool = ParserPool(workers=1)
    yield pool
    pool.close()


def _settings(server: FeedServer, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "allow_private_urls": True,
        "fetch_timeout": 5,
        "poll_interval": 10,
        "telegram_web_url": server.url(""),
        "telegram_request_gap": 0,
        "telegram_min_interval": 45,
        "telegram_max_pages": 3,
    }
    return Settings(**(values | overrides))  # type: ignore[arg-type]


def _service(db: Database, settings: Settings, clock: Clock, parser: ParserPool) -> IngestService:
    return IngestService(db, settings, Tagger(), clock=clock, rng=random.Random(0), parser=parser)


async def _channel_feed(db: Database, channel: str, now: datetime) -> int:
    feed, _ = await add_feed(db, f"https://t.me/s/{channel}", now=now, kind="telegram")
    return feed.id


def _serve(server: FeedServer, channel: str, posts: list[Post], **options: object) -> None:
    before = options.pop("before", None)
    views = int(options.pop("views", 100))  # type: ignore[call-overload]
    page = preview_page(channel, "Lake Watch", posts, before=before, views=views)  # type: ignore[arg-type]
    path = f"/s/{channel}" + (f"?before={options.pop('page_before')}" if "page_before" in options else "")
    server.add(path, page, content_type=HTML_TYPE)


def _lake_posts(first: int, last: int) -> list[Post]:
    return [
        Post.text(n, f"Sev Lake border post report {n}\nDetails of report {n}.", T0 + timedelta(minutes=n))
        for n in range(first, last + 1)
    ]


async def test_a_channel_is_polled_like_a_feed_history_first_then_new_posts_alert(
    db: Database, server: FeedServer, parser: ParserPool
) -> None:
    channel = f"lake_{id(db)}"
    clock = Clock(T0 + timedelta(hours=1))
    _serve(server, channel, _lake_posts(1, 20))
    feed_id = await _channel_feed(db, channel, clock.now)
    await add_subscriptions(db, 42, "private", ["sev_lake"])
    settings = _settings(server)
    async with _service(db, settings, clock, parser) as ingest:
        first = await ingest.poll_due_once()
        assert [r.outcome for r in first.results] == ["ok"]
        assert len(first.new_items) == 20 and all(item.alerted_chats == 0 for _, item in first.new_items)
        assert first.results[0].source == "Lake Watch"
        request = server.requests(f"/s/{channel}")[-1]
        assert request.headers["accept"].startswith("text/html")
        assert "if-none-match" not in request.headers  # no conditional GET on previews
        feed = await get_feed(db, feed_id)
        assert feed is not None and feed.last_post_id == 20 and feed.kind == "telegram"
        # a channel is never polled faster than BORDERWATCH_TELEGRAM_MIN_INTERVAL
        assert feed.next_poll_at >= clock.now + timedelta(seconds=45)

        # the same posts (only the view counters moved): the page is not processed again
        _serve(server, channel, _lake_posts(1, 20), views=250)
        clock.advance(hours=1)
        second = await ingest.poll_due_once()
        assert [r.outcome for r in second.results] == ["unchanged"]

        # two new posts: they alert, each with its own post link
        _serve(server, channel, _lake_posts(3, 22))
        clock.advance(hours=1)
        third = await ingest.poll_due_once()
        assert [(item.link, item.alerted_chats) for _, item in third.new_items] == [
            (f"https://t.me/{channel}/22", 1),
            (f"https://t.me/{channel}/21", 1),
        ]
        assert third.new_items[0][1].title == "Sev Lake border post report 22"
    outcomes = [row.outcome for row in await fetch_log(db, feed_id)]
    assert outcomes == ["ok", "unchanged", "ok"]


async def test_after_more_than_a_page_of_posts_older_pages_are_read_back_to_the_last_seen_post(
    db: Database, server: FeedServer, parser: ParserPool
) -> None:
    channel = f"busy_{id(db)}"
    clock = Clock(T0 + timedelta(hours=2))
    _serve(server, channel, _lake_posts(1, 20))
    feed_id = await _channel_feed(db, channel, clock.now)
    async with _service(db, _settings(server), clock, parser) as ingest:
        await ingest.poll_due_once()
        # 45 new posts: the page shows 46-65, ?before=46 shows 26-45, ?before=26 shows 6-25
        _serve(server, channel, _lake_posts(46, 65))
        _serve(server, channel, _lake_posts(26, 45), page_before=46)
        _serve(server, channel, _lake_posts(6, 25), page_before=26)
        clock.advance(hours=1)
        server.clear_log()
        report = await ingest.poll_due_once()
    new_ids = sorted(int(item.link.rsplit("/", 1)[1]) for _, item in report.new_items if item.link)
    assert new_ids == list(range(21, 66))
    assert [r.path for r in server.requests()] == [
        f"/s/{channel}",
        f"/s/{channel}?before=46",
        f"/s/{channel}?before=26",
    ]
    feed = await get_feed(db, feed_id)
    assert feed is not None and feed.last_post_id == 65


async def test_paging_back_is_bounded_by_telegram_max_pages(
    db: Database, server: FeedServer, parser: ParserPool
) -> None:
    channel = f"flood_{id(db)}"
    clock = Clock(T0 + timedelta(hours=2))
    _serve(server, channel, _lake_posts(1, 20))
    await _channel_feed(db, channel, clock.now)
    async with _service(db, _settings(server, telegram_max_pages=2), clock, parser) as ingest:
        await ingest.poll_due_once()
        _serve(server, channel, _lake_posts(81, 100))
        _serve(server, channel, _lake_posts(61, 80), page_before=81)
        _serve(server, channel, _lake_posts(41, 60), page_before=61)
        clock.advance(hours=1)
        server.clear_log()
        report = await ingest.poll_due_once()
    assert len(server.requests()) == 2
    assert len(report.new_items) == 40 and report.results[0].outcome == "ok"


async def test_an_edited_post_updates_the_stored_text_and_does_not_alert_again(
    db: Database, server: FeedServer, parser: ParserPool
) -> None:
    channel = f"edits_{id(db)}"
    clock = Clock(T0 + timedelta(hours=1))
    _serve(server, channel, _lake_posts(1, 5))
    feed_id = await _channel_feed(db, channel, clock.now)
    await add_subscriptions(db, 77, "private", ["sev_lake"])
    async with _service(db, _settings(server), clock, parser) as ingest:
        await ingest.poll_due_once()
        _serve(server, channel, _lake_posts(1, 6))
        clock.advance(hours=1)
        alerted = await ingest.poll_due_once()
        assert [item.alerted_chats for _, item in alerted.new_items] == [1]
        # post 6 is edited (now names no lake) while post 7 arrives
        edited = Post.text(6, "Correction: the report concerned Jermuk\nNo shots.", T0 + timedelta(minutes=6))
        _serve(server, channel, [*_lake_posts(1, 5), edited, *_lake_posts(7, 7)])
        clock.advance(hours=1)
        report = await ingest.poll_due_once()
        assert [item.link for _, item in report.new_items] == [f"https://t.me/{channel}/7"]
    async with db.transaction() as session:
        item = await session.scalar(
            select(Item).where(Item.feed_id == feed_id, Item.link == f"https://t.me/{channel}/6")
        )
        deliveries = await session.scalar(select(func.count()).select_from(Delivery))
    assert item is not None
    assert (item.title, item.summary) == ("Correction: the report concerned Jermuk", "No shots.")
    assert item.severity is None  # re-tagged: the edited text names no lake
    assert deliveries == 2  # posts 6 and 7, each once; the edit sent nothing


async def test_a_name_that_is_no_public_channel_is_a_feed_error(
    db: Database, server: FeedServer, parser: ParserPool
) -> None:
    clock = Clock(T0)
    server.add("/s/nobody_here", CONTACT_PAGE.format(name="nobody_here"), content_type=HTML_TYPE)
    feed_id = await _channel_feed(db, "nobody_here", clock.now)
    async with _service(db, _settings(server), clock, parser) as ingest:
        report = await ingest.poll_due_once()
    assert [r.outcome for r in report.results] == ["error"]
    feed = await get_feed(db, feed_id)
    assert feed is not None and feed.last_error is not None
    assert "no public preview of @nobody_here" in feed.last_error


async def test_a_429_from_telegram_pauses_every_channel_without_more_requests(
    db: Database, server: FeedServer, parser: ParserPool
) -> None:
    clock = Clock(T0)
    limited, other = f"limited_{id(db)}", f"other_{id(db)}"
    server.add(f"/s/{limited}", fault="status", status=429, headers={"Retry-After": "300"})
    _serve(server, other, _lake_posts(1, 3))
    first = await _channel_feed(db, limited, clock.now)
    # the other channel is due a little later, so it is polled after the 429
    second = await _channel_feed(db, other, clock.now + timedelta(seconds=1))
    settings = _settings(server, telegram_concurrency=1)
    async with _service(db, settings, clock, parser) as ingest:
        clock.advance(seconds=1)
        server.clear_log()
        report = await ingest.poll_due_once()
    assert {r.feed.id: r.outcome for r in report.results} == {first: "error", second: "error"}
    assert [r.path for r in server.requests()] == [f"/s/{limited}"]
    for feed_id in (first, second):
        feed = await get_feed(db, feed_id)
        assert feed is not None and feed.next_poll_at >= clock.now + timedelta(seconds=250)


async def test_the_preview_host_is_behind_the_private_address_guard(
    db: Database, server: FeedServer, parser: ParserPool
) -> None:
    clock = Clock(T0)
    feed_id = await _channel_feed(db, f"guarded_{id(db)}", clock.now)
    settings = _settings(server, allow_private_urls=False)
    server.clear_log()
    async with _service(db, settings, clock, parser) as ingest:
        report = await ingest.poll_due_once()
    assert [r.outcome for r in report.results] == ["error"]
    assert server.requests() == []
    feed = await get_feed(db, feed_id)
    assert feed is not None and "refused: 127.0.0.1 is a loopback address" in (feed.last_error or "")


async def test_the_preview_host_gets_few_requests_at_a_time_spaced_apart() -> None:
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = HostPacer(2, 0.5, clock=lambda: now[0], sleep=sleep)
    inside = 0
    most = 0

    async def request() -> None:
        nonlocal inside, most
        async with pacer.slot("https://t.me/s/x"):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0)
            inside -= 1

    await asyncio.gather(*(request() for _ in range(5)))
    assert most <= 2
    assert slept == [0.5, 0.5, 0.5, 0.5]  # the first starts at once, each next one 0.5 s later
    pacer.pause(30)
    with pytest.raises(RateLimited) as paused:
        async with pacer.slot("https://t.me/s/x"):
            pass
    assert paused.value.retry_after == pytest.approx(30)


async def test_a_channel_page_that_parses_past_the_deadline_is_its_own_error(
    db: Database, server: FeedServer
) -> None:
    """Preview pages are parsed in the parser processes with the feeds' deadline: a hostile page (posts
    nested each in the one before, so reading each post's text walks all the others) is stopped and backs
    off, and a healthy channel polled in the same round reads."""
    clock = Clock(T0)
    hostile, healthy = f"hostile_{id(db)}", f"healthy_{id(db)}"
    post = f'<div class="tgme_widget_message" data-post="{hostile}/1"><div class="tgme_widget_message_text">t'
    page = '<html><body><div class="tgme_channel_history">' + post * 6000 + "</div></div>" * 6000
    server.add(f"/s/{hostile}", page + "</div></body></html>", content_type=HTML_TYPE)
    _serve(server, healthy, _lake_posts(1, 3))
    hostile_id = await _channel_feed(db, hostile, clock.now)
    healthy_id = await _channel_feed(db, healthy, clock.now)
    limits = ParseLimits(timeout_seconds=1.0, timeout_seconds_per_mib=0.0)
    async with ParserPool(workers=2, limits=limits) as parser:
        async with _service(db, _settings(server), clock, parser) as ingest:
            report = await ingest.poll_due_once()
        assert parser.stopped_parses == 1
    assert {r.feed.id: r.outcome for r in report.results} == {hostile_id: "error", healthy_id: "ok"}
    feed = await get_feed(db, hostile_id)
    assert feed is not None and feed.last_error is not None
    assert f"/s/{hostile}: refused: parsing took longer than 1 s" in feed.last_error
    assert feed.next_poll_at >= clock.now + timedelta(minutes=15)


async def test_a_post_number_too_large_for_a_post_id_is_no_post_and_the_channel_reads(
    db: Database, server: FeedServer, parser: ParserPool
) -> None:
    """A widget numbered beyond any post id (20 digits, or 5,000: more than int() reads) is left out; the
    channel's posts are stored and its last post id is the largest real one (before: every poll failed with
    an internal error, the id overflowing the database's integer or int(), none of its posts stored)."""
    clock = Clock(T0 + timedelta(hours=1))
    for n, huge in enumerate(("9" * 20, "9" * 5000)):
        channel = f"huge_ids_{n}_{id(db) % 10_000}"
        page = preview_page(channel, "Huge", [*_lake_posts(1, 3), Post.text(77, "Odd widget", T0)])
        server.add(
            f"/s/{channel}",
            page.replace(f'data-post="{channel}/77"', f'data-post="{channel}/{huge}"'),
            content_type=HTML_TYPE,
        )
        await _channel_feed(db, channel, clock.now)
    async with _service(db, _settings(server), clock, parser) as ingest:
        report = await ingest.poll_due_once()
    assert [(r.outcome, r.error) for r in report.results] == [("ok", None), ("ok", None)]
    assert sorted(item.title for _, item in report.new_items) == sorted(
        f"Sev Lake border post report {n}" for n in (1, 2, 3) for _ in range(2)
    )
    assert {(await get_feed(db, r.feed.id)).last_post_id for r in report.results} == {3}  # type: ignore[union-attr]
