"""The URL guard: feed requests reach only public addresses, whatever the spelling, DNS answer or redirect."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from feeds.errors import BlockedURL
from feeds.fetch import Fetcher
from feeds.guard import AddressPolicy, address_refusal, check_url, parse_ip_literal, refused_urls
from storage.settings import Settings
from tests.feedserver import FeedServer, rss

GUARDED = Settings(allow_private_urls=False, fetch_timeout=5, connect_timeout=2)
# the test server's own address is trusted; every other loopback address (127.0.0.2) stays refused
ONLY_SERVER = AddressPolicy(trusted=(ipaddress.ip_network("127.0.0.1/32"),))
FEED = rss("Guarded", [("g1", "Item", "http://example.com/1", "text")])


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with FeedServer(("127.0.0.1", "127.0.0.2")) as running:
        running.add("/feed.xml", FEED)
        yield running


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "224.0.0.251",
        "240.0.0.1",
        "255.255.255.255",
        "0.0.0.0",
        "::1",
        "::",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:8.8.8.8",
        "2002:7f00:1::1",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2001:4860:4860::8888"])
def test_public_addresses_pass(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("news.am", None),
        ("1.example", None),
    ],
)
def test_ip_literals_are_recognised_in_every_spelling(host: str, expected: str | None) -> None:
    literal = parse_ip_literal(host)
    assert (str(literal) if literal else None) == expected


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/feed",
        "gopher://example.com/",
        "http:///nohost",
        "http://2130706433/feed",
        "http://0x7f.1/feed",
        "http://0177.0.0.1/feed",
        "http://[::1]/feed",
        "http://[::ffff:127.0.0.1]/feed",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/rss",
    ],
)
def test_check_url_refuses_bad_schemes_and_private_literals(url: str) -> None:
    with pytest.raises(BlockedURL) as error:
        check_url(url, AddressPolicy())
    assert url in str(error.value)


def test_check_url_lets_public_hostnames_through_to_the_connect_check() -> None:
    check_url("https://news.am/eng/rss/", AddressPolicy())
    check_url("http://8.8.8.8/feed", AddressPolicy())


def test_allow_private_switches_the_guard_off() -> None:
    check_url("http://127.0.0.1/feed", AddressPolicy(allow_private=True))


async def test_loopback_feed_is_refused_without_a_request(server: FeedServer) -> None:
    server.clear_log()
    fetcher = Fetcher(GUARDED)
    try:
        with pytest.raises(BlockedURL, match="loopback"):
            await fetcher.fetch(server.url("/feed.xml"))
    finally:
        await fetcher.aclose()
    assert server.requests() == []


async def test_a_hostname_is_checked_on_its_resolved_addresses(server: FeedServer) -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "127.0.0.2"]  # one public, one loopback: any refused address refuses

    server.clear_log()
    fetcher = Fetcher(GUARDED, resolver=resolver)
    try:
        with pytest.raises(BlockedURL, match=r"127\.0\.0\.2"):
            await fetcher.fetch(f"http://feeds.example.test:{server.port}/feed.xml")
    finally:
        await fetcher.aclose()
    assert server.requests() == []


async def test_every_redirect_hop_is_checked(server: FeedServer) -> None:
    targets = [
        server.url("/feed.xml", host="127.0.0.2"),
        "http://169.254.169.254/latest/meta-data/",
        f"http://[::ffff:127.0.0.2]:{server.port}/feed.xml",
        f"http://2130706434:{server.port}/feed.xml",
        "file:///etc/passwd",
    ]
    fetcher = Fetcher(GUARDED, policy=ONLY_SERVER)
    try:
        assert (await fetcher.fetch(server.url("/feed.xml"))).status_code == 200
        for n, target in enumerate(targets):
            start = server.add(f"/hop{n}", fault="redirect", location=target)
            server.clear_log()
            with pytest.raises(BlockedURL):
                await fetcher.fetch(start)
            assert [r.path for r in server.requests()] == [f"/hop{n}"]
            assert all(r.local_host == "127.0.0.1" for r in server.requests())
    finally:
        await fetcher.aclose()


async def test_dns_rebinding_cannot_redirect_the_connection(server: FeedServer) -> None:
    answers = iter([["127.0.0.1"], ["127.0.0.2"], ["127.0.0.2"]])
    calls: list[str] = []

    async def rebinding_resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    url = f"http://rebind.test:{server.port}/feed.xml"
    server.clear_log()
    fetcher = Fetcher(GUARDED, policy=ONLY_SERVER, resolver=rebinding_resolver)
    try:
        first = await fetcher.fetch(url)
        second = await fetcher.fetch(url)  # the kept-alive connection to the checked address is reused
    finally:
        await fetcher.aclose()
    assert first.status_code == second.status_code == 200
    assert calls == ["rebind.test"]
    seen = server.requests()
    assert [r.local_host for r in seen] == ["127.0.0.1", "127.0.0.1"]
    assert {r.headers["host"] for r in seen} == {f"rebind.test:{server.port}"}

    fresh = Fetcher(GUARDED, policy=ONLY_SERVER, resolver=rebinding_resolver)
    try:
        with pytest.raises(BlockedURL, match="loopback"):
            await fresh.fetch(url)
    finally:
        await fresh.aclose()
    assert len(server.requests()) == 2  # nothing reached 127.0.0.2


async def test_an_imported_list_of_names_whose_dns_hangs_never_holds_a_healthy_feeds_lookup(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a DNS server that never answers for the names of a hostile (or just dead) imported feed list: each
    # lookup holds its thread until the test lets them go
    hung = threading.Event()
    lookup = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if str(host).endswith(".hung.test"):
            hung.wait(30)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return lookup(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    events: list[str] = []
    urls = [f"http://feed{n}.hung.test/rss" for n in range(64)]
    check = asyncio.create_task(refused_urls(urls, AddressPolicy(), lookup_seconds=0.5))
    release = asyncio.get_running_loop().call_later(8, lambda: (events.append("released"), hung.set()))
    fetcher = Fetcher(Settings(allow_private_urls=True, fetch_timeout=30, connect_timeout=30))
    try:
        await asyncio.sleep(0.1)  # the import's lookups have started
        # a healthy feed named by host name: its lookup runs while the import's hang
        response = await fetcher.fetch(f"http://localhost:{server.port}/feed.xml")
        events.append(f"healthy {response.status_code}")
        assert await check == {}  # names that do not resolve are not refused (the fetcher checks each poll)
    finally:
        release.cancel()
        hung.set()
        await fetcher.aclose()
    # before: the import's lookups took every thread of the event loop's default executor, and the healthy
    # feed's lookup waited for the hung ones to end
    assert events[0] == "healthy 200", events
