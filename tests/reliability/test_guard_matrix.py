"""The private-address guard, the cases tests/test_guard.py leaves out: every private range reached through a
hostname (injected resolver), in every IP spelling with a port, and through the whole poller (the refusal is
the feed's error and no request leaves). Loopback, RFC 1918, link-local, IPv6 loopback and unique-local."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from feeds.errors import BlockedURL
from feeds.fetch import Fetcher
from feeds.ingest import FeedPoller
from feeds.model import Classification
from feeds.parse import ParserPool
from storage.db import Database
from storage.feeds import add_feed, get_feed
from storage.settings import Settings
from tests.feedserver import FeedServer, rss
from tests.reliability.conftest import record

GUARDED = Settings(allow_private_urls=False, fetch_timeout=3, connect_timeout=1)
PRIVATE = [
    "127.0.0.1",
    "127.255.255.254",
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.0.1",
    "169.254.169.254",
    "::1",
    "fc00::1",
    "fd00:ec2::254",
    "fe80::1",
]
# one address, many spellings a URL parser or the C resolver accepts
SPELLINGS = [
    "2130706433",  # 127.0.0.1, decimal
    "017700000001",  # 127.0.0.1, octal
    "0x7f.0.0.1",
    "0177.0.0.01",
    "127.1",
    "167772161",  # 10.0.0.1
    "012.0.0.1",  # 10.0.0.1, octal first label
    "0xa9.0xfe.0xa9.0xfe",  # 169.254.169.254
    "2852039166",  # 169.254.169.254
    "0300.0250.0.1",  # 192.168.0.1
    "3232235521",  # 192.168.0.1
    "[::ffff:10.0.0.1]",
    "[::ffff:a9fe:a9fe]",
    "[0:0:0:0:0:0:0:1]",
    "[fd12::1]",
]


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        running.add("/feed.xml", rss("Inside", [("g1", "Secret", "http://e.com/1", "x")]))
        yield running


@pytest.mark.parametrize("address", PRIVATE)
async def test_a_hostname_resolving_to_a_private_address_is_refused_before_connecting(
    address: str, server: FeedServer
) -> None:
    resolved: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        resolved.append(host)
        return [address]

    server.clear_log()
    fetcher = Fetcher(GUARDED, resolver=resolver)
    try:
        with pytest.raises(BlockedURL, match="refused"):
            await fetcher.fetch(f"http://intranet.example.test:{server.port}/feed.xml")
    finally:
        await fetcher.aclose()
    assert resolved == ["intranet.example.test"] and server.requests() == []


@pytest.mark.parametrize("host", SPELLINGS)
async def test_every_spelling_of_a_private_address_is_refused_without_a_request(
    host: str, server: FeedServer
) -> None:
    async def resolver(name: str, port: int) -> list[str]:
        raise AssertionError(f"{name} is an IP literal: nothing to resolve")

    server.clear_log()
    fetcher = Fetcher(GUARDED, resolver=resolver)
    try:
        with pytest.raises(BlockedURL, match="refused"):
            await fetcher.fetch(f"http://{host}:{server.port}/feed.xml")
    finally:
        await fetcher.aclose()
    assert server.requests() == []


async def test_the_whole_poller_records_each_refusal_as_the_feeds_error(
    db: Database, server: FeedServer
) -> None:
    now = datetime.now(UTC)
    answers = {f"h{n}.example.test": address for n, address in enumerate(PRIVATE)}

    async def resolver(host: str, port: int) -> list[str]:
        return [answers[host]]

    urls = [f"http://{host}:{server.port}/feed.xml" for host in answers]
    urls += [f"http://{host}:{server.port}/feed.xml" for host in SPELLINGS]
    feeds = [(await add_feed(db, url, now=now))[0] for url in urls]
    server.clear_log()
    fetcher = Fetcher(GUARDED, resolver=resolver)
    parser = ParserPool(workers=1)
    poller = FeedPoller(
        db,
        GUARDED,
        fetcher,
        parser,
        lambda title, summary, language: Classification(),
        worker="guard-test",
        clock=lambda: now,
        rng=random.Random(1),
    )
    try:
        results = [await poller.poll(feed) for feed in feeds]
    finally:
        await fetcher.aclose()
        parser.close()
    assert [r.outcome for r in results] == ["error"] * len(urls)
    for feed in feeds:
        stored = await get_feed(db, feed.id)
        assert stored is not None and stored.last_error and "refused" in stored.last_error, feed.url
    assert server.requests() == []
    record(
        f"private-address guard ({db.dialect})",
        f"{len(PRIVATE)} private addresses behind a hostname + {len(SPELLINGS)} IP spellings: "
        f"{len(urls)} of {len(urls)} refused, 0 requests reached the server",
    )
