"""Group commit (storage.batch) and the batched fetch records (storage.feeds.record_fetches)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from storage.batch import GroupCommit
from storage.db import Database
from storage.feeds import (
    FetchRecord,
    NewFeed,
    add_feed,
    add_feeds,
    fetch_log,
    get_feed,
    known_items_of_feeds,
    list_feeds,
    record_fetch,
    record_fetches,
)
from storage.models import Feed

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


async def _insert_feed(session: AsyncSession, url: str) -> int:
    """A feed row written in the batch's transaction (rolled back with it)."""
    feed = Feed(url=url, next_poll_at=NOW, created_at=NOW)
    session.add(feed)
    await session.flush()
    return feed.id


async def test_concurrent_callers_share_transactions_and_each_gets_its_own_result(db: Database) -> None:
    batches: list[int] = []

    async def handle(session: AsyncSession, urls: Sequence[str]) -> list[int]:
        batches.append(len(urls))
        return [await _insert_feed(session, url) for url in urls]

    group: GroupCommit[AsyncSession, str, int] = GroupCommit(db.transaction, handle)
    urls = [f"https://example.am/{n}.xml" for n in range(40)]
    ids = await asyncio.gather(*(group.run(url) for url in urls))

    feeds = {feed.url: feed.id for feed in await list_feeds(db)}
    assert ids == [feeds[url] for url in urls]
    assert sum(batches) == 40 and len(batches) < 40  # queued callers went together


@pytest.mark.parametrize(("linger", "batch_sizes"), [(0.0, [1, 1]), (0.2, [2])])
async def test_a_lingering_batch_takes_in_items_that_come_while_it_waits(
    db: Database, linger: float, batch_sizes: list[int]
) -> None:
    batches: list[int] = []

    async def handle(session: AsyncSession, urls: Sequence[str]) -> list[int]:
        batches.append(len(urls))
        return [await _insert_feed(session, url) for url in urls]

    group: GroupCommit[AsyncSession, str, int] = GroupCommit(db.transaction, handle, linger=linger)

    async def later(url: str) -> int:
        await asyncio.sleep(0.02)  # after the first item's batch has started (or lingers)
        return await group.run(url)

    await asyncio.gather(group.run("https://a.am/first"), later("https://a.am/second"))
    assert batches == batch_sizes


async def test_an_item_that_fails_fails_alone_and_the_others_are_committed(db: Database) -> None:
    async def handle(session: AsyncSession, urls: Sequence[str]) -> list[str]:
        for url in urls:
            await _insert_feed(session, url)
            if "bad" in url:
                raise ValueError(f"cannot store {url}")
        return list(urls)

    group: GroupCommit[AsyncSession, str, str] = GroupCommit(db.transaction, handle)
    urls = ["https://a.am/1", "https://a.am/bad", "https://a.am/2", "https://a.am/3"]
    results = await asyncio.gather(*(group.run(url) for url in urls), return_exceptions=True)

    assert [type(r).__name__ if isinstance(r, Exception) else r for r in results] == [
        "https://a.am/1",
        "ValueError",
        "https://a.am/2",
        "https://a.am/3",
    ]
    assert sorted(feed.url for feed in await list_feeds(db)) == [
        "https://a.am/1",
        "https://a.am/2",
        "https://a.am/3",
    ]


async def test_a_cancelled_caller_does_not_lose_the_others_work(db: Database) -> None:
    started = asyncio.Event()
    release = asyncio.Event()

    async def handle(session: AsyncSession, urls: Sequence[str]) -> list[str]:
        for url in urls:
            await _insert_feed(session, url)
        if "slow" in urls[0]:
            started.set()
            await release.wait()
        return list(urls)

    group: GroupCommit[AsyncSession, str, str] = GroupCommit(db.transaction, handle)
    leader = asyncio.create_task(group.run("https://a.am/slow"))
    await started.wait()
    followers = [asyncio.create_task(group.run(f"https://a.am/{n}")) for n in range(3)]
    await asyncio.sleep(0)
    leader.cancel()  # the leader is cancelled while its batch is open: it rolls back alone
    release.set()
    assert await asyncio.gather(*followers) == [f"https://a.am/{n}" for n in range(3)]
    with pytest.raises(asyncio.CancelledError):
        await leader
    assert sorted(feed.url for feed in await list_feeds(db)) == [f"https://a.am/{n}" for n in range(3)]


async def test_batched_fetch_records_write_what_single_records_write(db: Database) -> None:
    base = FetchRecord(
        worker="w1", started_at=NOW, duration_ms=120, outcome="ok", next_poll_at=NOW + timedelta(minutes=5)
    )
    records = [
        replace(base, status_code=200, new_items=2, interval_seconds=300, etag='"a"', title="Azatutyun",
                language="hy", body_hash="h1", last_modified="Mon, 01 Jan 2029 10:00:00 GMT"),
        replace(base, outcome="not_modified", status_code=304, interval_seconds=120),
        replace(base, outcome="unchanged", status_code=200, etag='"b"'),
        replace(base, outcome="error", status_code=503, error="https://x.am: HTTP 503"),
        replace(base, outcome="error", error="https://x.am: timeout", started_at=NOW + timedelta(minutes=9)),
    ]  # fmt: skip
    one_by_one = [(await add_feed(db, f"https://one.am/{n}", now=NOW))[0].id for n in records]
    together = [(await add_feed(db, f"https://all.am/{n}", now=NOW))[0].id for n in records]
    for feed_id, record in zip(one_by_one, records, strict=True):
        await record_fetch(db, feed_id, record)
        if record.outcome == "error":  # twice: failures count up, failing_since stays the first
            await record_fetch(db, feed_id, replace(record, started_at=NOW + timedelta(hours=1)))
    await record_fetches(db, list(zip(together, records, strict=True)))
    await record_fetches(
        db,
        [
            (feed_id, replace(record, started_at=NOW + timedelta(hours=1)))
            for feed_id, record in zip(together, records, strict=True)
            if record.outcome == "error"
        ],
    )

    for single, batched in zip(one_by_one, together, strict=True):
        a, b = await get_feed(db, single), await get_feed(db, batched)
        assert a is not None and b is not None
        assert replace(a, id=0, url="") == replace(b, id=0, url="")
        log_a = [(r.outcome, r.status_code, r.error, r.new_items) for r in await fetch_log(db, single)]
        log_b = [(r.outcome, r.status_code, r.error, r.new_items) for r in await fetch_log(db, batched)]
        assert log_a == log_b and log_a
    failing = await get_feed(db, together[3])
    assert failing is not None and failing.consecutive_failures == 2 and failing.failing_since == NOW


async def test_known_items_of_many_feeds_answer_per_feed(db: Database) -> None:
    from feeds.model import FeedEntry, NewItem
    from feeds.store import store_new_items

    def item(key: str, text: str) -> NewItem:
        entry = FeedEntry(guid=key, link=None, title=text, summary="", language="en", published=NOW)
        return NewItem(entry=entry, identity_key=f"k-{key}", content_hash=f"h-{text}", published=NOW)

    first = (await add_feed(db, "https://one.am/rss", now=NOW))[0].id
    second = (await add_feed(db, "https://two.am/rss", now=NOW))[0].id
    await store_new_items(db, first, [item("1", "a"), item("2", "b")], alert=False, now=NOW)
    await store_new_items(db, second, [item("3", "c")], alert=False, now=NOW)
    found = await known_items_of_feeds(
        db,
        [
            (first, ["k-1", "k-3", "k-9"], ["h-b", "h-c"]),
            (second, ["k-1", "k-3"], ["h-a", "h-c", "h-z"]),
            (first, [], []),
        ],
    )
    assert found == [({"k-1"}, {"h-b"}), ({"k-3"}, {"h-c"}), (set(), set())]


async def test_a_long_feed_import_lets_the_other_writers_in_while_it_runs(db: Database) -> None:
    """An OPML import of thousands of feeds (a 1 MB /import, `feeds import`) beside ingest and delivery, which
    write to the same database (one SQLite file: one writer at a time)."""
    healthy, _ = await add_feed(db, "https://healthy.example.com/rss", now=NOW)
    events: list[str] = []
    others: list[asyncio.Task[None]] = []

    async def poll_recorded() -> None:  # what ingest writes after each poll
        record = FetchRecord(worker="w1", started_at=NOW, duration_ms=120, outcome="ok", next_poll_at=NOW)
        await record_fetch(db, healthy.id, record)
        events.append("poll recorded")

    def progress() -> None:
        if not others:  # the import has begun
            others.append(asyncio.get_running_loop().create_task(poll_recorded()))

    feeds = [NewFeed(f"https://feed{n}.example.com/rss") for n in range(3000)]
    outcomes = await add_feeds(db, feeds, now=NOW, interval_seconds=60, progress=progress)
    events.append("import done")
    await asyncio.gather(*others)
    # before: the import was one transaction, and the poll's record waited for all of it (on SQLite the
    # write lock: 35 s for 30,000 feeds, past the 30 s busy timeout, when the write fails)
    assert events == ["poll recorded", "import done"]
    assert [outcome for _, outcome in outcomes] == ["added"] * 3000
    assert len(await list_feeds(db)) == 3001


async def test_processes_adding_the_same_feeds_at_once_all_succeed_and_each_feed_is_added_once(
    db: Database,
) -> None:
    # processes started together on a new database each seed BORDERWATCH_FEEDS: before, a process whose insert
    # met a URL another had just added died at start ("duplicate key value violates unique constraint")
    feeds = [NewFeed(f"https://same{n}.example.com/rss") for n in range(50)]
    results = await asyncio.gather(*(add_feeds(db, feeds, now=NOW, interval_seconds=60) for _ in range(4)))
    outcomes = [outcome for result in results for _record, outcome in result]
    assert outcomes.count("added") == 50 and outcomes.count("known") == 150
    assert sorted(feed.url for feed in await list_feeds(db)) == sorted(feed.url for feed in feeds)
