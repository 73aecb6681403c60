"""Fetching over real loopback HTTP: conditional GET, User-Agent, limits, and every fault a server plays."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from feeds.errors import (
    BadStatus,
    BodyTooLarge,
    ConnectionFailed,
    FetchError,
    FetchTimeout,
    NotAFeed,
    RateLimited,
    TooManyRedirects,
    TruncatedBody,
)
from feeds.fetch import Fetcher, FetchResponse
from feeds.lanes import Slowness
from storage.settings import Settings
from tests.feedserver import FeedServer, loopback_hosts, rss

SETTINGS = Settings(allow_private_urls=True, fetch_timeout=1.5, connect_timeout=1, user_agent="bw-test/1")
FEED = rss("Test feed", [(f"g{n}", f"Item {n}", f"http://example.com/{n}", "text") for n in range(5)])


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with FeedServer(("127.0.0.1", "127.0.0.2", "127.0.0.3")) as running:
        yield running


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    client = Fetcher(SETTINGS)
    yield client
    await client.aclose()


async def test_conditional_get_gets_304_and_the_server_sees_the_validators(
    server: FeedServer, fetcher: Fetcher
) -> None:
    url = server.add("/cond.xml", FEED)
    first = await fetcher.fetch(url)
    assert first.status_code == 200 and first.is_modified and first.body == FEED.encode()
    assert first.etag and first.last_modified
    second = await fetcher.fetch(url, etag=first.etag, last_modified=first.last_modified)
    assert not second.is_modified and second.body == b""
    seen = server.requests("/cond.xml")
    assert "if-none-match" not in seen[0].headers
    assert seen[1].headers["if-none-match"] == first.etag
    assert seen[1].headers["if-modified-since"] == first.last_modified


@pytest.mark.parametrize(
    ("fault", "pause", "requests"),
    [
        # the server's close arrives while the connection waits in the pool: it is not reused
        ("close", 0.2, 2),
        # the server drops the connection as it is reused: the GET is sent again on a new one
        ("close_unanswered", 0.0, 3),
    ],
)
async def test_a_kept_alive_connection_the_server_closed_costs_the_poll_nothing(
    server: FeedServer, fetcher: Fetcher, fault: str, pause: float, requests: int
) -> None:
    path = f"/closing-{fault}.xml"
    url = server.add(path, FEED, fault=fault)
    connections = server.connections
    first = await fetcher.fetch(url)
    await asyncio.sleep(pause)
    second = await fetcher.fetch(url)
    assert first.status_code == second.status_code == 200 and second.body == FEED.encode()
    assert len(server.requests(path)) == requests
    assert server.connections - connections == 2


async def test_a_server_that_drops_every_request_is_a_connection_failure(
    server: FeedServer, fetcher: Fetcher
) -> None:
    url = server.add("/drops-all.xml", FEED, fault="drop")
    with pytest.raises(ConnectionFailed, match="closed the connection without a response") as raised:
        await fetcher.fetch(url)
    assert str(raised.value).startswith(url)
    assert len(server.requests("/drops-all.xml")) == 1  # a new connection's failure is not retried


async def test_user_agent_is_global_and_per_feed(server: FeedServer, fetcher: Fetcher) -> None:
    url = server.add("/ua.xml", FEED)
    await fetcher.fetch(url)
    await fetcher.fetch(url, user_agent="Mozilla/5.0 special")
    agents = [r.headers["user-agent"] for r in server.requests("/ua.xml")]
    assert agents == ["bw-test/1", "Mozilla/5.0 special"]


async def test_control_characters_in_a_stored_user_agent_or_validator_never_stop_the_feed(
    server: FeedServer, fetcher: Fetcher
) -> None:
    # stored by an OPML import before control characters were refused there
    url = server.add("/ua-crlf.xml", FEED)
    response = await fetcher.fetch(url, user_agent="Agent/1.0\r\nX-Injected: 1", etag='"a\x00b"\n')
    assert response.status_code == 200
    [request] = server.requests("/ua-crlf.xml")
    assert request.headers["user-agent"] == "Agent/1.0X-Injected: 1" and "x-injected" not in request.headers
    assert request.headers["if-none-match"] == '"ab"'


async def test_gzip_encoded_feed_is_decoded(server: FeedServer, fetcher: Fetcher) -> None:
    url = server.add("/gz.xml", FEED, gzip=True)
    response = await fetcher.fetch(url)
    assert response.body == FEED.encode()
    assert server.requests("/gz.xml")[0].headers["accept-encoding"] == "gzip, deflate"


async def test_five_redirects_are_followed_and_a_sixth_is_refused(
    server: FeedServer, fetcher: Fetcher
) -> None:
    final = server.add("/final.xml", FEED)
    previous = final
    for n in range(6, 0, -1):
        previous = server.add(f"/r{n}", fault="redirect", location=previous)
    response = await fetcher.fetch(server.url("/r2"))  # r2 → … → r6 → final: 5 redirects
    assert response.url == final and response.status_code == 200
    with pytest.raises(TooManyRedirects, match="more than 5 redirects"):
        await fetcher.fetch(server.url("/r1"))


async def test_redirect_loop_is_an_error(server: FeedServer, fetcher: Fetcher) -> None:
    server.add("/loop-a", fault="redirect", location="/loop-b")
    url = server.add("/loop-b", fault="redirect", location="/loop-a")
    with pytest.raises(TooManyRedirects, match="redirect loop"):
        await fetcher.fetch(url)


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"fault": "status", "status": 500}, BadStatus, "HTTP 500"),
        ({"fault": "status", "status": 404}, BadStatus, "HTTP 404"),
        ({"fault": "html"}, NotAFeed, "HTML page"),
        (
            {"body": "<!DOCTYPE html><html><body>home</body></html>", "content_type": "text/html"},
            NotAFeed,
            "HTML",
        ),
        ({"fault": "truncated", "body": FEED}, TruncatedBody, "before the whole body"),
        ({"fault": "huge"}, BodyTooLarge, "exceeds"),
        ({"fault": "gzip_bomb"}, BodyTooLarge, "exceeds"),
    ],
)
async def test_faults_raise_clear_errors(
    server: FeedServer, fetcher: Fetcher, options: dict[str, object], error: type[FetchError], message: str
) -> None:
    path = f"/fault-{error.__name__}-{len(server.resources)}"
    body = options.pop("body", b"")
    url = server.add(path, body, **options)  # type: ignore[arg-type]
    with pytest.raises(error, match=message) as raised:
        await fetcher.fetch(url)
    assert str(raised.value).startswith(url)


async def test_429_and_503_carry_the_retry_after(server: FeedServer, fetcher: Fetcher) -> None:
    url = server.add("/429", fault="status", status=429, headers={"Retry-After": "120"})
    with pytest.raises(RateLimited) as raised:
        await fetcher.fetch(url)
    assert raised.value.retry_after == 120 and raised.value.status_code == 429
    later = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    url = server.add("/503", fault="status", status=503, headers={"Retry-After": later})
    with pytest.raises(RateLimited) as raised:
        await fetcher.fetch(url)
    assert raised.value.retry_after is not None and 3500 < raised.value.retry_after <= 3600


@pytest.mark.parametrize("fault", ["hang", "drip"])
async def test_hung_and_slow_drip_servers_are_cut_by_the_total_deadline(
    server: FeedServer, fetcher: Fetcher, fault: str
) -> None:
    url = server.add(f"/slow-{fault}", FEED, fault=fault, drip_interval=0.1, host="127.0.0.2")
    started = time.monotonic()
    with pytest.raises(FetchTimeout, match=r"1\.5 s"):
        await fetcher.fetch(url)
    assert time.monotonic() - started < 3


def test_cache_headers_become_a_lower_bound_on_the_next_poll() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    expires = format_datetime(now + timedelta(minutes=10), usegmt=True)
    date = format_datetime(now, usegmt=True)

    def response(**headers: str) -> FetchResponse:
        return FetchResponse("http://x/", 200, headers, b"", now)

    assert response(**{"cache-control": "public, max-age=300"}).not_before() == now + timedelta(seconds=300)
    assert response(expires=expires, date=date).not_before() == now + timedelta(minutes=10)
    assert response(**{"retry-after": "900", "cache-control": "max-age=60"}).not_before() == now + timedelta(
        seconds=900
    )
    assert response().not_before() is None


@pytest.fixture
def fresh_server() -> Iterator[FeedServer]:
    with FeedServer(("127.0.0.1", "127.0.0.2", "127.0.0.3")) as running:
        yield running


async def test_at_most_two_requests_in_flight_per_host(fresh_server: FeedServer) -> None:
    server = fresh_server
    fetcher = Fetcher(SETTINGS.model_copy(update={"fetch_concurrency": 5}))
    for host in ("127.0.0.1", "127.0.0.3"):
        server.add(f"/dripping-{host}", b"<rss></rss>", fault="drip", drip_interval=0.03, host=host)
    try:
        await asyncio.gather(
            *(
                fetcher.fetch(server.url(f"/dripping-{host}", host=host))
                for host in ("127.0.0.1", "127.0.0.3")
                for _ in range(6)
            )
        )
    finally:
        await fetcher.aclose()
    assert server.peak == {"127.0.0.1": 2, "127.0.0.3": 2}
    assert server.peak_total == 4


async def test_global_concurrency_limit(fresh_server: FeedServer) -> None:
    server = fresh_server
    fetcher = Fetcher(SETTINGS.model_copy(update={"fetch_concurrency": 3}))
    hosts = ("127.0.0.1", "127.0.0.2", "127.0.0.3")
    for host in hosts:
        server.add(f"/global-{host}", b"<rss></rss>", fault="drip", drip_interval=0.03, host=host)
    try:
        await asyncio.gather(
            *(fetcher.fetch(server.url(f"/global-{host}", host=host)) for host in hosts for _ in range(4))
        )
    finally:
        await fetcher.aclose()
    assert server.peak_total == 3


async def test_feeds_whose_last_fetch_ran_out_of_time_leave_free_slots_to_a_healthy_feed(
    fresh_server: FeedServer,
) -> None:
    server = fresh_server
    fetcher = Fetcher(SETTINGS.model_copy(update={"fetch_concurrency": 4, "per_host_concurrency": 8}))
    hanging = [server.add(f"/hanging-{n}.xml", b"", fault="hang", host="127.0.0.2") for n in range(4)]
    healthy = server.add("/healthy-beside-hanging.xml", FEED)
    try:
        first = await asyncio.gather(*(fetcher.fetch(url) for url in hanging), return_exceptions=True)
        assert all(isinstance(error, FetchTimeout) for error in first), first
        # the hanging feeds' next poll: as many as there are slots, asked for before the healthy feed
        again = [asyncio.create_task(fetcher.fetch(url)) for url in hanging]
        await asyncio.sleep(0)
        response = await fetcher.fetch(healthy)
        assert response.body == FEED.encode()
        # the healthy feed was fetched while every hanging feed was still hanging or waiting
        assert not any(task.done() for task in again)
        # and the hanging feeds still get their turn, one after another
        later = await asyncio.gather(*again, return_exceptions=True)
        assert all(isinstance(error, FetchTimeout) for error in later), later
    finally:
        await fetcher.aclose()


async def test_a_new_fetcher_given_the_stored_slowness_leaves_free_slots_to_a_healthy_feed_at_once(
    fresh_server: FeedServer,
) -> None:
    """What the feed row says of the last fetch (wherever it ran) chooses the lane of a fetcher that never
    fetched the feed (a restarted process, another worker); the fetch sets it to what it measured."""
    server = fresh_server
    fetcher = Fetcher(SETTINGS.model_copy(update={"fetch_concurrency": 4, "per_host_concurrency": 8}))
    hanging = [server.add(f"/stored-hanging-{n}.xml", b"", fault="hang", host="127.0.0.2") for n in range(4)]
    healthy = server.add("/stored-healthy.xml", FEED)
    known = {url: Slowness(fetch=True) for url in hanging}
    try:
        # as many hanging feeds as there are slots, asked for before the healthy feed
        polls = [asyncio.create_task(fetcher.fetch(url, slowness=known[url])) for url in hanging]
        await asyncio.sleep(0)
        response = await fetcher.fetch(healthy, slowness=Slowness())
        assert response.body == FEED.encode()
        assert not any(task.done() for task in polls)
        later = await asyncio.gather(*polls, return_exceptions=True)
        assert all(isinstance(error, FetchTimeout) for error in later), later
        # a feed whose last fetch was slow and that answers at once now leaves the slow lane
        was_slow = Slowness(fetch=True)
        await fetcher.fetch(healthy, slowness=was_slow)
    finally:
        await fetcher.aclose()
    assert all(slowness.fetch for slowness in known.values())
    assert was_slow == Slowness(fetch=False)


async def test_fetches_queued_behind_a_busy_host_leave_the_global_slots_to_other_hosts(
    fresh_server: FeedServer,
) -> None:
    server = fresh_server
    fetcher = Fetcher(SETTINGS.model_copy(update={"fetch_concurrency": 2, "per_host_concurrency": 1}))
    hanging = [server.add(f"/busy-host-{n}.xml", b"", fault="hang", host="127.0.0.2") for n in range(2)]
    healthy = server.add("/healthy-beside-a-busy-host.xml", FEED)
    try:
        # first fetches (nothing known about them): one hangs, the other waits for the host's one slot
        busy = [asyncio.create_task(fetcher.fetch(url)) for url in hanging]
        await asyncio.sleep(0)
        response = await fetcher.fetch(healthy)
        assert response.body == FEED.encode()
        assert not any(task.done() for task in busy)
        later = await asyncio.gather(*busy, return_exceptions=True)
        assert all(isinstance(error, FetchTimeout) for error in later), later
    finally:
        await fetcher.aclose()


async def test_with_one_fetch_slot_a_slow_feed_and_a_healthy_one_of_its_host_both_finish(
    fresh_server: FeedServer,
) -> None:
    server = fresh_server
    fetcher = Fetcher(SETTINGS.model_copy(update={"fetch_concurrency": 1, "per_host_concurrency": 1}))
    slow = server.add("/one-slot-slow.xml", b"", fault="hang", host="127.0.0.2")
    healthy = server.add("/one-slot-healthy.xml", FEED, host="127.0.0.2")
    other = server.add(
        "/one-slot-other.xml", b"<rss></rss>", fault="drip", drip_interval=0.05, host="127.0.0.3"
    )
    try:
        with pytest.raises(FetchTimeout):
            await fetcher.fetch(slow)  # now known to be slow
        # another host's fetch holds the one slot; the slow feed asks before the healthy one of its host
        first = asyncio.create_task(fetcher.fetch(other))
        await server_saw(server, "/one-slot-other.xml")
        waiting_slow = asyncio.create_task(fetcher.fetch(slow))
        for _ in range(5):
            await asyncio.sleep(0)
        waiting_healthy = asyncio.create_task(fetcher.fetch(healthy))
        async with asyncio.timeout(20):  # a guard: without it a deadlock would hang the test run
            results = await asyncio.gather(first, waiting_slow, waiting_healthy, return_exceptions=True)
        assert isinstance(results[1], FetchTimeout)
        assert isinstance(results[2], FetchResponse) and results[2].body == FEED.encode()
    finally:
        await fetcher.aclose()


async def server_saw(server: FeedServer, path: str) -> None:
    while not server.requests(path):  # noqa: ASYNC110 (the server runs in a thread: no event to wait for)
        await asyncio.sleep(0.01)


async def test_a_feed_redirected_to_a_new_host_on_every_poll_leaves_no_host_slot_behind() -> None:
    """Each host's concurrency slot lives while a fetch of that host does: a feed sent to a new host on every
    poll (a load balancer naming a node) must not add one slot per poll for as long as the process runs."""
    hosts = loopback_hosts(13)
    with FeedServer(hosts) as server:
        fetcher = Fetcher(SETTINGS)
        try:
            for poll, host in enumerate(hosts[1:]):
                server.add(f"/node{poll}.xml", FEED)
                server.add("/gateway.xml", fault="redirect", location=server.url(f"/node{poll}.xml", host))
                response = await fetcher.fetch(server.url("/gateway.xml", hosts[0]))
                assert response.body == FEED.encode()
            assert fetcher._hosts == {}
        finally:
            await fetcher.aclose()
