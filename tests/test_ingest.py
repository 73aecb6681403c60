"""The ingest pipeline end to end: loopback feed server → fetch → parse → identity → classify → database."""

from __future__ import annotations

import asyncio
import ipaddress
import random
import re
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from feeds.guard import AddressPolicy
from feeds.lanes import Slowness
from feeds.limits import MAX_ITEMS_PER_DOCUMENT, MAX_SERVER_DELAY_SECONDS, MAX_SUMMARY_CHARS, ParseLimits
from feeds.model import Classification, EntityMatch, ParsedFeed
from feeds.parse import ParserPool
from feeds.service import IngestService, PollReport
from storage.chats import add_subscriptions
from storage.db import Database
from storage.feeds import FeedRecord, add_feed, fetch_log, get_feed
from storage.history import search_items
from storage.models import Delivery, Feed, Item
from storage.settings import Settings
from tests.clock import Clock
from tests.feedserver import BILLION_LAUGHS, FeedServer, attribute_bomb, rss

# the feed server's items are published around this time; the clock starts just after
EPOCH = datetime.fromtimestamp(1_780_000_000, UTC)
SETTINGS = Settings(allow_private_urls=True, fetch_timeout=2, connect_timeout=1, poll_interval=60)
HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")


class CountingParser(ParserPool):
    """The real parser pool, counting how many bodies it parsed."""

    def __init__(self) -> None:
        super().__init__(workers=2)
        self.calls = 0

    async def parse(
        self,
        body: bytes,
        headers: Mapping[str, str],
        url: str,
        *,
        source_url: str | None = None,
        slowness: Slowness | None = None,
    ) -> ParsedFeed:
        self.calls += 1
        return await super().parse(body, headers, url, source_url=source_url, slowness=slowness)


class Tagger:
    """A stand-in classifier (the injected interface): "Sev Lake" in the title is entity sev_lake, P2."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, title: str, summary: str, language: str | None) -> Classification:
        self.calls += 1
        if "Sev Lake" not in title:
            return Classification()
        start = title.index("Sev Lake")
        return Classification((EntityMatch("sev_lake", ((start, start + 8, "Sev Lake"),)),), "P2")


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with FeedServer(HOSTS) as running:
        yield running


@pytest.fixture(scope="module")
def parser() -> Iterator[CountingParser]:
    pool = CountingParser()
    yield pool
    pool.close()


def items(*numbers: int) -> list[tuple[str, str, str, str]]:
    return [
        (f"g{n}", f"Shots near Sev Lake, report {n}", f"http://example.com/{n}", "<p>text</p>")
        for n in numbers
    ]


async def new_feed(db: Database, url: str, now: datetime) -> int:
    feed, _ = await add_feed(db, url, now=now)
    return feed.id


def service(
    db: Database, clock: Clock, parser: ParserPool, tagger: Tagger, **options: object
) -> IngestService:
    return IngestService(
        db,
        SETTINGS,
        tagger,
        clock=clock,
        rng=random.Random(0),
        parser=parser,
        **options,  # type: ignore[arg-type]
    )


async def test_first_fetch_is_history_then_304_then_only_new_items_alert(
    db: Database, server: FeedServer, parser: CountingParser
) -> None:
    clock = Clock(EPOCH + timedelta(minutes=5))
    path = f"/life-{id(db)}.xml"
    url = server.add(path, rss("Lake watch", items(3, 2, 1), ttl=5))
    feed_id = await new_feed(db, url, clock.now)
    await add_subscriptions(db, 42, "private", ["sev_lake"])
    tagger = Tagger()
    async with service(db, clock, parser, tagger) as ingest:
        first = await ingest.poll_due_once()
        assert [r.outcome for r in first.results] == ["ok"]
        assert len(first.new_items) == 3 and all(item.alerted_chats == 0 for _, item in first.new_items)
        assert first.results[0].source == "Lake watch"
        feed = await get_feed(db, feed_id)
        assert feed is not None and feed.history_loaded and feed.title == "Lake watch"
        assert feed.next_poll_at >= clock.now + timedelta(minutes=5)  # the feed's <ttl> of 5 minutes

        clock.now += timedelta(hours=1)
        second = await ingest.poll_due_once()
        assert [r.outcome for r in second.results] == ["not_modified"]
        assert server.requests(path)[-1].headers["if-none-match"] == feed.etag

        server.add(path, rss("Lake watch", items(4, 3, 2, 1)))
        clock.now += timedelta(hours=1)
        parsed_before = parser.calls
        third = await ingest.poll_due_once()
        assert [item.title for _, item in third.new_items] == ["Shots near Sev Lake, report 4"]
        assert third.new_items[0][1].alerted_chats == 1
        assert third.new_items[0][1].entity_ids == ("sev_lake",)
        assert tagger.calls == 4  # the three known entries were not classified again
        assert parser.calls == parsed_before + 1

        # a server that ignores validators and repeats the body: same hash, not parsed again
        server.add(path, rss("Lake watch", items(4, 3, 2, 1)), etag="", last_modified="")
        clock.now += timedelta(hours=1)
        fourth = await ingest.poll_due_once()
        assert [r.outcome for r in fourth.results] == ["unchanged"]
        assert parser.calls == parsed_before + 1

    outcomes = [row.outcome for row in await fetch_log(db, feed_id)]
    async with db.transaction() as session:
        deliveries = await session.scalar(select(func.count()).select_from(Delivery))
    assert outcomes == ["unchanged", "ok", "not_modified", "ok"]
    assert deliveries == 1


FAULTS: dict[str, dict[str, object]] = {
    "hang": {"fault": "hang", "host": "127.0.0.2"},
    "drip": {"fault": "drip", "body": rss("x", items(1)), "drip_interval": 1.0, "host": "127.0.0.3"},
    "500": {"fault": "status", "status": 500},
    "429": {"fault": "status", "status": 429, "headers": {"Retry-After": "600"}},
    "html": {"fault": "html"},
    "truncated": {"fault": "truncated", "body": rss("x", items(1))},
    "huge": {"fault": "huge", "host": "127.0.0.4"},
    "gzip_bomb": {"fault": "gzip_bomb", "host": "127.0.0.4"},
    "loop": {"fault": "redirect"},
    "bomb": {"body": BILLION_LAUGHS},
    "to_private": {"fault": "redirect", "location": "http://169.254.169.254/latest/meta-data/"},
}


async def test_every_fault_is_recorded_and_healthy_feeds_stay_on_time(
    db: Database, server: FeedServer, parser: CountingParser
) -> None:
    clock = Clock(EPOCH + timedelta(minutes=5))
    faulty: dict[str, int] = {}
    for name, options in FAULTS.items():
        options = dict(options)
        body = options.pop("body", b"")
        url = server.add(f"/fault-{name}-{id(db)}", body, **options)  # type: ignore[arg-type]
        faulty[name] = await new_feed(db, url, clock.now)
    faulty["private_url"] = await new_feed(db, "http://192.168.0.10/rss", clock.now)
    healthy = [
        await new_feed(db, server.add(f"/healthy-{n}-{id(db)}", rss(f"H{n}", items(n))), clock.now)
        for n in range(5)
    ]
    # loopback is trusted (the test server), every other private address is refused as in production
    policy = AddressPolicy(trusted=(ipaddress.ip_network("127.0.0.0/8"),))
    ingest = service(db, clock, parser, Tagger(), policy=policy)
    try:
        tasks = {int(task.get_name().rsplit("-", 1)[1]): task for task in await ingest.tick()}
        assert set(tasks) == set(faulty.values()) | set(healthy)
        await asyncio.gather(*(tasks[feed_id] for feed_id in healthy))
        assert not tasks[faulty["hang"]].done() and not tasks[faulty["drip"]].done()
        results = await asyncio.gather(*tasks.values())
    finally:
        await ingest.stop()
    assert {r.feed.id for r in results if r is not None and r.outcome == "ok"} == set(healthy)

    for name, feed_id in faulty.items():
        feed = await get_feed(db, feed_id)
        assert feed is not None and feed.enabled, name
        assert feed.last_error and feed.url in feed.last_error, name
        assert feed.consecutive_failures == 1 and feed.failing_since == clock.now, name
        assert feed.next_poll_at > clock.now, name
        assert [row.outcome for row in await fetch_log(db, feed_id)] == ["error"], name
    rate_limited = await get_feed(db, faulty["429"])
    assert rate_limited is not None and rate_limited.next_poll_at >= clock.now + timedelta(seconds=600)
    errors = {name: (await get_feed(db, feed_id)).last_error for name, feed_id in faulty.items()}  # type: ignore[union-attr]
    assert "no complete response" in (errors["hang"] or "") and "no complete response" in (
        errors["drip"] or ""
    )
    assert "entit" in (errors["bomb"] or "") and "HTML" in (errors["html"] or "")
    assert "refused" in (errors["to_private"] or "") and "refused" in (errors["private_url"] or "")


async def test_three_workers_fetch_each_feed_exactly_once_per_round(
    database_url: str, server: FeedServer, parser: CountingParser
) -> None:
    clock = Clock(EPOCH + timedelta(minutes=5))
    databases = [Database(database_url) for _ in range(3)]
    prefix = f"/shared-{abs(hash(database_url))}"
    paths = [f"{prefix}-{n}.xml" for n in range(60)]
    for n, path in enumerate(paths):
        await new_feed(databases[0], server.add(path, rss(f"F{n}", items(n))), clock.now)
    workers = [
        service(db, clock, parser, Tagger(), worker=f"worker-{n}", batch_size=4)
        for n, db in enumerate(databases)
    ]
    try:
        reports = await asyncio.gather(*(worker.poll_due_once() for worker in workers))
        clock.now += timedelta(hours=1)
        second = await asyncio.gather(*(worker.poll_due_once() for worker in workers))
    finally:
        for worker in workers:
            await worker.stop()
        for db in databases:
            await db.dispose()
    counts = [len(server.requests(path)) for path in paths]
    assert counts == [2] * 60  # one fetch per feed in each of the two rounds
    assert sum(len(r.results) for r in reports) == 60 and sum(len(r.results) for r in second) == 60
    # the work was shared: on PostgreSQL by all three (SKIP LOCKED never waits); SQLite's write lock is not
    # fair, so there one worker may find every feed already claimed by the time it gets the lock
    sharing = sum(len(r.results) > 0 for r in reports)
    assert sharing == 3 if database_url.startswith("postgresql") else sharing >= 2, sharing
    assert all(r.outcome == "not_modified" for report in second for r in report.results)


async def _bombs_beside_a_healthy_feed(
    db: Database, server: FeedServer, parser: ParserPool, name: str
) -> tuple[Clock, list[int], int, IngestService]:
    """Two parser bombs and a healthy feed, all due; the bombs on the two workers' way first."""
    clock = Clock(EPOCH + timedelta(minutes=5))
    bomb = attribute_bomb()
    bombs = [await new_feed(db, server.add(f"/{name}-{n}-{id(db)}", bomb), clock.now) for n in (1, 2)]
    clock.now += timedelta(seconds=1)  # leased after the bombs (claims go by next_poll_at)
    healthy = await new_feed(db, server.add(f"/{name}-ok-{id(db)}", rss("Fine", items(1, 2))), clock.now)
    return clock, bombs, healthy, service(db, clock, parser, Tagger())


async def test_parser_bombs_beside_a_healthy_feed_are_their_own_plain_error(
    db: Database, server: FeedServer, parser: CountingParser
) -> None:
    clock, bombs, healthy, ingest = await _bombs_beside_a_healthy_feed(db, server, parser, "attr-bomb")
    async with ingest:
        # the round ends once every poll has: before the fix, after the bombs' minutes of parsing
        async with asyncio.timeout(120):
            report = await ingest.poll_due_once()
    outcomes = {r.feed.id: r.outcome for r in report.results}
    assert outcomes == {bombs[0]: "error", bombs[1]: "error", healthy: "ok"}
    async with db.transaction() as session:
        stored = await session.scalar(select(func.count()).select_from(Item).where(Item.feed_id == healthy))
    for feed_id in bombs:
        feed = await get_feed(db, feed_id)
        assert feed is not None and feed.last_error == (
            f"{feed.url}: refused: an element <item> has more than 100 attributes"
        )
        assert feed.next_poll_at > clock.now
    assert stored == 2


async def test_a_parse_past_its_deadline_is_stopped_recorded_and_not_retried_at_once(
    db: Database, server: FeedServer
) -> None:
    # the pre-scan's attribute cap lifted: the bombs stand for any parse that is slow in a way no cap knows
    limits = ParseLimits(max_attributes=10**9, timeout_seconds=2.0, timeout_seconds_per_mib=0.0)
    async with ParserPool(workers=2, limits=limits) as parser:
        clock, bombs, healthy, ingest = await _bombs_beside_a_healthy_feed(db, server, parser, "slow")
        async with ingest:
            async with asyncio.timeout(120):  # a bomb alone parses for minutes
                first = await ingest.poll_due_once()
            assert {r.feed.id: r.outcome for r in first.results} == {
                bombs[0]: "error",
                bombs[1]: "error",
                healthy: "ok",
            }
            assert parser.stopped_parses == 2
            for feed_id in bombs:
                feed = await get_feed(db, feed_id)
                assert feed is not None and feed.last_error is not None
                assert feed.last_error.startswith(f"{feed.url}: refused: parsing took longer than 2 s")
                assert feed.next_poll_at >= clock.now + timedelta(minutes=15)  # backs off

            # polled again whatever the schedule: the same bodies are refused without another parse
            clock.now += timedelta(hours=1)
            again = await ingest.poll_all_once()
            errors = [r.error or "" for r in again.results if r.feed.id in bombs]
            assert len(errors) == 2 and all("parsing took longer" in error for error in errors)
            assert parser.stopped_parses == 2


async def _due_in_order(db: Database, first: list[int], then: int, now: datetime) -> None:
    """Make `first` due, then `then` a second later (claims, and so the lanes' queues, go by next_poll_at)."""
    async with db.transaction() as session:
        await session.execute(update(Feed).where(Feed.id.in_(first)).values(next_poll_at=now))
        await session.execute(
            update(Feed).where(Feed.id == then).values(next_poll_at=now + timedelta(seconds=1))
        )


def _restarted(
    database_url: str, clock: Clock, parser: ParserPool, settings: Settings, finished: list[int]
) -> tuple[Database, IngestService]:
    """Another ingest process on the same database (a restart, or a second worker): its own connections,
    fetcher and lease name, nothing remembered of earlier polls but what is stored."""
    other = Database(database_url)
    ingest = IngestService(
        other,
        settings,
        Tagger(),
        clock=clock,
        rng=random.Random(1),
        parser=parser,
        worker="restarted",
        on_result=lambda result: finished.append(result.feed.id),
    )
    return other, ingest


def _outcomes(report: PollReport) -> dict[int, str]:
    return {result.feed.id: result.outcome for result in report.results}


def _flags(feed: FeedRecord | None) -> tuple[bool, bool]:
    """Whether the feed's last fetch and its last parse are stored as slow."""
    assert feed is not None
    return feed.slow_fetch, feed.slow_parse


async def test_a_restarted_worker_fetches_known_dripping_feeds_in_the_slow_lane_at_once(
    database_url: str, db: Database, server: FeedServer, parser: CountingParser
) -> None:
    """Two fetch slots (the slow lane: one). Feeds that dripped until the deadline in one process are fetched
    in the slow lane by the next process from its first poll: a healthy feed due after them is not held for
    a deadline. Before, the new process knew nothing: both dripping feeds took both slots again."""
    settings = SETTINGS.model_copy(update={"fetch_concurrency": 2, "per_host_concurrency": 2})
    clock = Clock(EPOCH + timedelta(minutes=5))
    body = rss("Drip", items(1, 2, 3))
    paths = [f"/restart-drip-{n}-{id(db)}.xml" for n in (1, 2)]
    dripping = [
        await new_feed(db, server.add(path, body, fault="drip", drip_interval=0.1, host=host), clock.now)
        for path, host in zip(paths, HOSTS[1:3], strict=True)
    ]
    healthy = await new_feed(
        db, server.add(f"/restart-fine-{id(db)}.xml", rss("Fine", items(1, 2)), host=HOSTS[3]), clock.now
    )
    async with IngestService(db, settings, Tagger(), clock=clock, parser=parser) as one:
        first = await one.poll_due_once()
    assert _outcomes(first) == {dripping[0]: "error", dripping[1]: "error", healthy: "ok"}

    finished: list[int] = []
    clock.now += timedelta(hours=1)
    await _due_in_order(db, dripping, healthy, clock.now - timedelta(seconds=2))
    other, restarted = _restarted(database_url, clock, parser, settings, finished)
    try:
        async with restarted:
            second = await restarted.poll_due_once()
    finally:
        await other.dispose()
    assert _outcomes(second) == {dripping[0]: "error", dripping[1]: "error", healthy: "not_modified"}
    # the healthy feed was fetched while both dripping feeds were still dripping (or waiting for the lane)
    assert finished[0] == healthy, finished
    for feed_id in dripping:
        assert _flags(await get_feed(db, feed_id)) == (True, False)
    assert _flags(await get_feed(db, healthy)) == (False, False)

    # the dripping feeds answer at once again: their next poll leaves the slow lane, for every process
    for path, host in zip(paths, HOSTS[1:3], strict=True):
        server.add(path, rss("Drip", items(4, 5)), host=host)
    clock.now += timedelta(hours=1)
    await _due_in_order(db, dripping, healthy, clock.now - timedelta(seconds=2))
    async with IngestService(
        db, settings, Tagger(), clock=clock, rng=random.Random(2), parser=parser
    ) as third:
        again = await third.poll_due_once()
    assert {r.outcome for r in again.results if r.feed.id in dripping} == {"ok"}
    for feed_id in dripping:
        assert _flags(await get_feed(db, feed_id)) == (False, False)


async def test_a_restarted_worker_parses_known_slow_feeds_in_the_slow_lane_at_once(
    database_url: str, db: Database, server: FeedServer
) -> None:
    """Two parser processes (the slow lane: one). Documents that ran to the parse deadline in one process's
    pool are parsed in the slow lane by the next process's pool from its first poll: a healthy feed due
    after them gets the other process at once. Before, the new pool knew nothing: both bombs took both
    processes again and the healthy feed waited a whole deadline."""
    # the pre-scan's attribute cap lifted: the bombs stand for any parse that is slow in a way no cap knows
    limits = ParseLimits(max_attributes=10**9, timeout_seconds=2.0, timeout_seconds_per_mib=0.0)
    async with ParserPool(workers=2, limits=limits) as parser:
        clock, bombs, healthy, ingest = await _bombs_beside_a_healthy_feed(db, server, parser, "restart-slow")
        async with ingest:
            first = await ingest.poll_due_once()
    assert _outcomes(first) == {bombs[0]: "error", bombs[1]: "error", healthy: "ok"}

    healthy_feed = await get_feed(db, healthy)
    assert healthy_feed is not None
    server.add(urlsplit(healthy_feed.url).path, rss("Fine", items(1, 2, 3)))  # changed: parsed again
    finished: list[int] = []
    clock.now += timedelta(hours=1)
    await _due_in_order(db, bombs, healthy, clock.now - timedelta(seconds=2))
    longer = ParseLimits(max_attributes=10**9, timeout_seconds=4.0, timeout_seconds_per_mib=0.0)
    async with ParserPool(workers=2, limits=longer) as fresh:
        other, restarted = _restarted(database_url, clock, fresh, SETTINGS, finished)
        try:
            async with restarted:
                second = await restarted.poll_due_once()
        finally:
            await other.dispose()
    assert _outcomes(second) == {bombs[0]: "error", bombs[1]: "error", healthy: "ok"}
    # the healthy feed was parsed while the bombs were still parsing (or waiting for the slow lane)
    assert finished[0] == healthy, finished
    for feed_id in bombs:
        assert _flags(await get_feed(db, feed_id)) == (False, True)
    assert _flags(await get_feed(db, healthy)) == (False, False)


async def test_validators_too_long_for_their_columns_are_not_stored_and_the_feed_is_read(
    db: Database, server: FeedServer, parser: CountingParser
) -> None:
    clock = Clock(EPOCH + timedelta(minutes=5))
    path = f"/long-validators-{id(db)}.xml"
    url = server.add(
        path, rss("Validators", items(1, 2)), etag='"' + "e" * 600 + '"', last_modified="M" * 150
    )
    feed_id = await new_feed(db, url, clock.now)
    async with service(db, clock, parser, Tagger()) as ingest:
        first = await ingest.poll_due_once()
        clock.now += timedelta(hours=1)
        second = await ingest.poll_due_once()
    assert [r.outcome for r in first.results] == ["ok"] and len(first.new_items) == 2
    assert [r.outcome for r in second.results] == ["unchanged"]  # fetched unconditionally, same body
    assert "if-none-match" not in server.requests(path)[-1].headers
    feed = await get_feed(db, feed_id)
    assert feed is not None and feed.last_error is None
    assert feed.etag is None and feed.last_modified is None


async def test_an_item_with_megabytes_of_distinct_words_is_stored_cut_and_found(
    db: Database, server: FeedServer, parser: CountingParser
) -> None:
    clock = Clock(EPOCH + timedelta(minutes=5))
    words = " ".join(f"zq{n:07d}" for n in range(200_000))  # 2 MB: over PostgreSQL's 1 MB tsvector
    body = rss("Words", [("w1", "Wordy report", "http://example.com/w1", f"firstword {words}")])
    feed_id = await new_feed(db, server.add(f"/words-{id(db)}.xml", body), clock.now)
    async with service(db, clock, parser, Tagger()) as ingest:
        report = await ingest.poll_due_once()
    assert [r.outcome for r in report.results] == ["ok"], report.results[0].error
    async with db.transaction() as session:
        summary = await session.scalar(select(Item.summary).where(Item.feed_id == feed_id))
    assert summary is not None and len(summary) <= MAX_SUMMARY_CHARS
    assert [line.title for line in await search_items(db, "firstword", 5)] == ["Wordy report"]


async def test_an_unexpected_database_error_is_recorded_in_plain_words(
    db: Database, server: FeedServer, parser: CountingParser
) -> None:
    clock = Clock(EPOCH + timedelta(minutes=5))
    feed_id = await new_feed(db, server.add(f"/crash-{id(db)}.xml", rss("x", items(1))), clock.now)
    with pytest.raises(DBAPIError) as raised:
        async with db.transaction() as session:
            await session.execute(text("SELECT no_such_column FROM feeds WHERE id = :id"), {"id": feed_id})
    error = raised.value
    feed = await get_feed(db, feed_id)
    assert feed is not None and "SELECT" in str(error)  # SQLAlchemy's message carries the statement
    async with service(db, clock, parser, Tagger()) as ingest:
        await ingest._ensure_poller().record_crash(feed, error)
    stored = await get_feed(db, feed_id)
    assert stored is not None and stored.last_error is not None
    assert stored.last_error.startswith(
        f"{feed.url}: internal error: the database refused this feed's data: "
    )
    assert "no_such_column" in stored.last_error
    assert not any(word in stored.last_error for word in ("SELECT", "[SQL", "sqlalche.me", "\n"))


async def test_a_feed_due_at_t_is_claimed_within_a_second_of_t(
    db: Database, server: FeedServer, parser: CountingParser
) -> None:
    """The scheduler sleeps until the next due time (on the injected clock), not for a fixed tick."""
    clock = Clock(EPOCH + timedelta(minutes=5))
    due = clock.now + timedelta(seconds=37.4)
    path = f"/due-{id(db)}.xml"
    feed_id = await new_feed(db, server.add(path, rss("Due", items(1))), due)
    looks: list[datetime] = []

    async def wait(seconds: float, wake: asyncio.Event) -> None:
        looks.append(clock.now)
        clock.advance(seconds=seconds)
        await asyncio.sleep(0.001)

    ingest = service(db, clock, parser, Tagger(), wait=wait)
    await ingest.start()
    try:
        for _ in range(2000):
            polled = await fetch_log(db, feed_id)
            if polled:
                break
            await asyncio.sleep(0.01)
    finally:
        await ingest.stop()
    assert polled, "the feed was never polled"
    claimed_at = polled[-1].started_at
    assert due <= claimed_at <= due + timedelta(seconds=1)
    # and it did not get there by looking at the database all the time: about one look a second
    before_due = [t for t in looks if t < due]
    assert 30 <= len(before_due) <= 45, len(before_due)


async def test_quiet_feeds_are_polled_every_interval_by_default(
    db: Database, server: FeedServer, parser: CountingParser
) -> None:
    """A feed whose newest item is months old is polled every BORDERWATCH_POLL_INTERVAL, not every 30
    minutes; slowing down is there only when a ceiling is configured."""
    clock = Clock(EPOCH + timedelta(days=90))
    path = f"/quiet-{id(db)}.xml"
    feed_id = await new_feed(db, server.add(path, rss("Quiet", items(3, 2, 1))), clock.now)
    async with service(db, clock, parser, Tagger()) as ingest:
        for n in range(4):
            report = await ingest.poll_due_once()
            assert [r.feed.id for r in report.results] == [feed_id]
            feed = await get_feed(db, feed_id)
            assert feed is not None
            # after the first fetch, sooner: feeds added together are spread over the interval
            wait = (feed.next_poll_at - clock.now).total_seconds()
            assert 30 <= wait < 60 if n == 0 else wait == 60
            clock.now = feed.next_poll_at
    assert len(server.requests(path)) == 4

    # opted in, the same kind of feed slows down to the configured ceiling
    other = await new_feed(db, server.add(f"/quiet-too-{id(db)}.xml", rss("Quiet too", items(5))), clock.now)
    slowing = Settings(allow_private_urls=True, poll_interval=60, poll_max_interval=1800)
    async with IngestService(db, slowing, Tagger(), clock=clock, parser=parser) as ingest:
        await ingest.poll_due_once()
    feed = await get_feed(db, other)
    assert feed is not None and feed.interval_seconds == 1800
    assert clock.now + timedelta(seconds=900) <= feed.next_poll_at <= clock.now + timedelta(seconds=1800)


@pytest.mark.parametrize(
    ("headers", "floor"),
    [({"Cache-Control": "max-age=300"}, 300), ({"Expires": "@in 240"}, 240), ({}, 420)],
)
async def test_the_server_can_still_ask_for_fewer_polls(
    db: Database, server: FeedServer, parser: CountingParser, headers: dict[str, str], floor: int
) -> None:
    """max-age, Expires and <ttl> (7 minutes when no header says otherwise) are lower bounds on the next poll,
    also in crisis mode."""
    clock = Clock(datetime.now(UTC))
    if headers.get("Expires") == "@in 240":
        headers = {"Expires": format_datetime(clock.now + timedelta(seconds=240), usegmt=True)}
    path = f"/floor-{floor}-{id(db)}.xml"
    url = server.add(path, rss("Floors", items(1), ttl=None if headers else 7), headers=headers)
    feed_id = await new_feed(db, url, clock.now)
    async with db.transaction() as session:
        await session.execute(
            update(Feed).where(Feed.id == feed_id).values(crisis_until=clock.now + timedelta(hours=1))
        )
    async with service(db, clock, parser, Tagger()) as ingest:
        await ingest.poll_due_once()
    feed = await get_feed(db, feed_id)
    assert feed is not None
    waited = (feed.next_poll_at - clock.now).total_seconds()
    assert floor - 2 <= waited <= floor + 5, waited


async def test_a_feed_of_thousands_of_entries_gives_only_its_newest_items_and_alerts_the_newest(
    db: Database, server: FeedServer, parser: CountingParser
) -> None:
    # oldest first, as some archives list them: the newest entries are at the end of the document
    count = MAX_ITEMS_PER_DOCUMENT + 300
    dates = [1_779_000_000 + n * 60 for n in range(count)]
    clock = Clock(datetime.fromtimestamp(dates[-1], UTC) + timedelta(minutes=5))
    path = f"/archive-{id(db)}.xml"
    url = server.add(path, rss("Archive", items(*range(count)), dates=dates))
    feed_id = await new_feed(db, url, clock.now)
    await add_subscriptions(db, 42, "private", ["sev_lake"])
    tagger = Tagger()
    async with service(db, clock, parser, tagger) as ingest:
        first = await ingest.poll_due_once()
        assert [r.outcome for r in first.results] == ["ok"], first.results[0].error
        kept = [item.title for _, item in first.new_items]
        assert kept == [f"Shots near Sev Lake, report {n}" for n in range(300, count)]
        assert tagger.calls == MAX_ITEMS_PER_DOCUMENT

        dates.append(dates[-1] + 60)
        server.add(path, rss("Archive", items(*range(count + 1)), dates=dates))
        clock.now += timedelta(hours=1)
        second = await ingest.poll_due_once()
        assert [item.title for _, item in second.new_items] == [f"Shots near Sev Lake, report {count}"]
        assert second.new_items[0][1].alerted_chats == 1
    async with db.transaction() as session:
        stored = await session.scalar(select(func.count()).select_from(Item).where(Item.feed_id == feed_id))
    assert stored == MAX_ITEMS_PER_DOCUMENT + 1


async def test_the_parser_process_sends_back_only_the_newest_entries_of_a_long_document(
    parser: CountingParser,
) -> None:
    count = MAX_ITEMS_PER_DOCUMENT + 300
    # newest first but for the oldest entry, listed first: the cut is by date, not by position
    dates = [1_779_000_000, *(1_779_100_000 - n * 60 for n in range(1, count))]
    url = "http://archive.example/rss"
    small = await parser.parse(rss("Archive", items(*range(10)), dates=dates[:10]).encode(), {}, url)
    assert len(small.entries) == 10
    for size in (count, count + 1):  # the document grows: what was remembered of it is no shortcut
        document = rss("Archive", items(*range(size)), dates=[*dates, 1_779_000_001][:size]).encode()
        feed = await parser.parse(document, {}, url)
        assert [entry.title for entry in feed.entries] == [
            f"Shots near Sev Lake, report {n}" for n in range(1, MAX_ITEMS_PER_DOCUMENT + 1)
        ]


async def test_other_work_runs_while_one_documents_items_are_classified(
    db: Database, server: FeedServer, parser: CountingParser
) -> None:
    turns = 0  # how often a task beside the poll (a command, another feed) got the event loop

    async def beside() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    class WatchingTagger(Tagger):
        """Each classification lasts until the task beside had the event loop (or, should the loop be
        held, gives up after a while so that the test fails instead of hanging)."""

        def __init__(self) -> None:
            super().__init__()
            self.loop_turned: list[bool] = []

        def __call__(self, title: str, summary: str, language: str | None) -> Classification:
            # once one gave up, the others do not wait again
            before, gives_up = turns, time.monotonic() + (10 if all(self.loop_turned) else 0)
            while turns == before and time.monotonic() < gives_up:
                time.sleep(0.001)
            self.loop_turned.append(turns != before)
            return super().__call__(title, summary, language)

    clock = Clock(EPOCH + timedelta(minutes=5))
    url = server.add(f"/long-{id(db)}.xml", rss("Long", items(*range(20))))
    await new_feed(db, url, clock.now)
    tagger = WatchingTagger()
    other = asyncio.create_task(beside())
    try:
        async with service(db, clock, parser, tagger) as ingest:
            report = await ingest.poll_due_once()
    finally:
        other.cancel()
    assert [r.outcome for r in report.results] == ["ok"]
    assert tagger.loop_turned == [True] * 20


class LanguageRecorder(Tagger):
    """The stand-in classifier, recording the language each title was classified in."""

    def __init__(self) -> None:
        super().__init__()
        self.languages: dict[str, str | None] = {}

    def __call__(self, title: str, summary: str, language: str | None) -> Classification:
        self.languages[title] = language
        return super().__call__(title, summary, language)


async def test_an_item_is_read_in_the_language_declared_else_in_the_one_it_is_written_in(
    db: Database, server: FeedServer, parser: CountingParser
) -> None:
    clock = Clock(EPOCH + timedelta(minutes=5))
    english = "Border commissions of Armenia and Azerbaijan meet on the Sev Lake section"
    letter_free = "Ermenistan silahli quvveleri Kelbecer istiqametinde movqelerimizi atese tutub"
    german = "Armenien und Aserbaidschan verhandeln über die Grenze am Sewansee"
    # (feed document's language, the language an admin or the OPML outline gave the feed, title, expected)
    cases = [
        (None, None, english, "en"),
        (None, None, letter_free, "az"),
        (None, None, german, None),
        (None, "ru-RU", f"{english} (declared by the admin)", "ru"),
        ("hy", None, f"{english} (declared by the feed)", "hy"),
    ]
    for n, (document, declared, title, _) in enumerate(cases):
        url = server.add(
            f"/lang-{id(db)}-{n}.xml",
            rss(f"Feed {n}", [(f"g{n}", title, f"http://example.com/lang/{n}", "")], language=document),
        )
        await add_feed(db, url, now=clock.now, language=declared)
    recorder = LanguageRecorder()
    async with service(db, clock, parser, recorder) as ingest:
        report = await ingest.poll_due_once()
        assert [r.outcome for r in report.results] == ["ok"] * len(cases)
    async with db.transaction() as session:
        stored = dict((await session.execute(select(Item.title, Item.language))).all())
    for _, _, title, expected in cases:
        assert recorder.languages[title] == expected, title
        assert stored[title] == expected, title


async def test_items_dated_in_year_1_or_year_9999_are_stored(
    db: Database, server: FeedServer, parser: CountingParser
) -> None:
    """A feed's dates at the ends of what a datetime holds: the feed is read and every item stored (year 1
    and 1970-01-01, the empty dates of broken feeds, as undated; year 9999, in the future, as the
    time it was fetched)."""
    clock = Clock(EPOCH + timedelta(minutes=5))
    path = f"/odd-dates-{id(db)}.xml"
    url = server.add(path, rss("Odd dates", items(1)))
    feed_id = await new_feed(db, url, clock.now)
    odd = rss("Odd dates", items(1, 2, 3, 4))
    dates = [
        "Mon, 01 Jan 0001 00:00:00 GMT",
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "Thu, 01 Jan 1970 00:00:00 GMT",
    ]
    for n, date in zip((2, 3, 4), dates, strict=True):
        odd = re.sub(
            rf"(example\.com/{n}</link><description>.*?</description><pubDate>)[^<]*", rf"\g<1>{date}", odd
        )
    async with service(db, clock, parser, Tagger()) as ingest:
        await ingest.poll_due_once()
        server.add(path, odd)
        clock.now += timedelta(hours=1)
        report = await ingest.poll_due_once()
    assert [r.outcome for r in report.results] == ["ok"], report.results[0].error
    feed = await get_feed(db, feed_id)
    assert feed is not None and feed.last_error is None
    async with db.transaction() as session:
        stored = dict(
            (await session.execute(select(Item.link, Item.published_at).where(Item.feed_id == feed_id))).all()
        )
    assert len(stored) == 4
    for n in (2, 3, 4):  # each read as published when it was fetched
        assert stored[f"http://example.com/{n}"] == clock.now


async def test_a_new_item_with_neither_title_nor_summary_is_stored_with_the_rest(
    db: Database, server: FeedServer, parser: CountingParser
) -> None:
    """An item of only a link and a date (feeds carry them) first among a poll's new items: the feed is read
    and every item stored (its classification once failed the feed's every poll with an IndexError)."""
    clock = Clock(EPOCH + timedelta(minutes=5))
    path = f"/bare-{id(db)}.xml"
    url = server.add(path, rss("Bare items", items(1)))
    feed_id = await new_feed(db, url, clock.now)
    async with service(db, clock, parser, Tagger()) as ingest:
        await ingest.poll_due_once()
        server.add(path, rss("Bare items", [("g9", "", "http://example.com/9", ""), *items(1, 2)]))
        clock.now += timedelta(hours=1)
        report = await ingest.poll_due_once()
    assert [r.outcome for r in report.results] == ["ok"], report.results[0].error
    async with db.transaction() as session:
        links = set((await session.execute(select(Item.link).where(Item.feed_id == feed_id))).scalars())
    assert links == {"http://example.com/1", "http://example.com/2", "http://example.com/9"}


@pytest.mark.parametrize(
    "headers",
    [
        {"Cache-Control": "max-age=99999999999999"},
        {"Retry-After": "99999999999999"},
        {"Expires": "Fri, 31 Dec 9999 23:59:59 -2359"},  # in year 10000 in UTC
    ],
)
async def test_a_server_asking_for_millennia_between_polls_is_read_and_polled_again_within_hours(
    db: Database, server: FeedServer, parser: CountingParser, headers: dict[str, str]
) -> None:
    """A cache lifetime or Retry-After beyond what a date holds: the feed's items are stored and it is polled
    again after at most MAX_SERVER_DELAY_SECONDS (before: every poll failed with "internal error:
    OverflowError", none of its items stored)."""
    clock = Clock(EPOCH + timedelta(minutes=5))
    url = server.add(
        f"/millennia-{id(db)}-{len(server.resources)}.xml", rss("Lasting", items(1, 2)), headers=headers
    )
    feed_id = await new_feed(db, url, clock.now)
    async with service(db, clock, parser, Tagger()) as ingest:
        report = await ingest.poll_due_once()
    assert [(r.outcome, r.error) for r in report.results] == [("ok", None)]
    assert len(report.new_items) == 2
    feed = await get_feed(db, feed_id)
    assert feed is not None and feed.next_poll_at <= clock.now + timedelta(seconds=MAX_SERVER_DELAY_SECONDS)


async def test_a_429_retry_after_beyond_what_a_date_holds_is_a_plain_429(
    db: Database, server: FeedServer, parser: CountingParser
) -> None:
    """A 429 whose Retry-After date no UTC time holds is the feed's plain "HTTP 429" error (before: "internal
    error: OverflowError: date value out of range")."""
    clock = Clock(EPOCH + timedelta(minutes=5))
    url = server.add(
        f"/busy-{id(db)}.xml", b"", status=429, headers={"Retry-After": "Fri, 31 Dec 9999 23:59:59 -2359"}
    )
    await new_feed(db, url, clock.now)
    async with service(db, clock, parser, Tagger()) as ingest:
        report = await ingest.poll_due_once()
    assert [(r.outcome, r.error) for r in report.results] == [("error", f"{url}: HTTP 429")]


async def test_an_item_holding_a_tag_that_never_closes_is_read_at_once(
    db: Database, server: FeedServer
) -> None:
    """Markup that never closes: a '<' before 40,000 characters without a space, '/' or '>' (a base64 run),
    and 30,000 `<script` without a '>'. The feed reads at once and every item is stored, that markup removed
    (before: removing it was quadratic, about 45 s and 7 s: the parse ran out of its time, the parser process
    was killed and the feed refused again every 15 minutes, none of its items stored)."""
    clock = Clock(EPOCH + timedelta(minutes=5))
    unclosed = "<![CDATA[<" + "A" * 40_000 + "]]>"
    scripts = "<![CDATA[" + "<script" * 30_000 + "]]>"
    document = rss(
        "Unclosed",
        [
            ("u1", "Shots near Sev Lake", "http://example.com/u1", unclosed),
            ("u2", "Sev Lake again", "http://example.com/u2", scripts),
            ("u3", "Talks in Yerevan", "http://example.com/u3", "<p>text</p>"),
        ],
    )
    url = server.add(f"/unclosed-{id(db)}.xml", document)
    feed_id = await new_feed(db, url, clock.now)
    limits = ParseLimits(timeout_seconds=2.0, timeout_seconds_per_mib=0.0)
    async with ParserPool(workers=1, limits=limits) as pool, service(db, clock, pool, Tagger()) as ingest:
        report = await ingest.poll_due_once()
    assert [(r.outcome, r.error) for r in report.results] == [("ok", None)]
    async with db.transaction() as session:
        summaries = dict(
            (await session.execute(select(Item.link, Item.summary).where(Item.feed_id == feed_id))).all()
        )
    assert summaries == {
        "http://example.com/u1": "",
        "http://example.com/u2": "",
        "http://example.com/u3": "text",
    }


async def test_an_item_with_a_long_author_name_is_read_at_once(db: Database, server: FeedServer) -> None:
    """An <author> (or <dc:creator>) of 40,000 characters: the feed reads at once and every item is stored
    (before: feedparser's search for an e-mail address in the name was quadratic, about 10 s for this one:
    the parse ran out of its time, the parser process was killed and the feed refused every 15 minutes)."""
    clock = Clock(EPOCH + timedelta(minutes=5))
    document = rss("Authors", items(1, 2)).replace("<item>", "<item><author>" + "a" * 40_000 + "</author>", 1)
    url = server.add(f"/authors-{id(db)}.xml", document)
    feed_id = await new_feed(db, url, clock.now)
    limits = ParseLimits(timeout_seconds=2.0, timeout_seconds_per_mib=0.0)
    async with ParserPool(workers=1, limits=limits) as pool, service(db, clock, pool, Tagger()) as ingest:
        report = await ingest.poll_due_once()
    assert [(r.outcome, r.error) for r in report.results] == [("ok", None)]
    async with db.transaction() as session:
        links = set((await session.execute(select(Item.link).where(Item.feed_id == feed_id))).scalars())
    assert links == {"http://example.com/1", "http://example.com/2"}
