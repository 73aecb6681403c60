"""The fetcher's DNS lookups: one whose DNS server never answers can never keep a healthy feed's lookup
waiting. Lookups run on threads of their own (not the event loop's default executor), each with a deadline,
one thread per host name at most however many feeds name it, and a bounded number of threads for names not
looked up in time before."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from feeds.errors import ConnectionFailed
from feeds.fetch import Fetcher
from feeds.guard import AddressPolicy, ThreadedResolver
from storage.settings import Settings
from tests.feedserver import FeedServer, rss

SETTINGS = Settings(
    allow_private_urls=False,
    fetch_timeout=5,
    connect_timeout=2,
    fetch_concurrency=200,
    per_host_concurrency=32,
)
ONLY_SERVER = AddressPolicy(trusted=(ipaddress.ip_network("127.0.0.1/32"),))
FEED = rss("Healthy", [("h1", "Item", "http://example.com/1", "text")])
HEALTHY = "healthy.example.test"


class HangingDNS:
    """A blocking lookup (as socket.getaddrinfo is): names starting with "hung" give no answer until
    `release()` (then a temporary failure); every other name is the test server on loopback."""

    def __init__(self) -> None:
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._watchers: list[tuple[asyncio.AbstractEventLoop, asyncio.Event, Callable[[], bool]]] = []
        self.hung_calls = 0
        self.hanging_now = 0
        self.most_hanging = 0

    def addresses(self, host: str, port: int) -> list[str]:
        if not host.startswith("hung"):
            return ["127.0.0.1"]
        released = self._released
        with self._lock:
            self.hung_calls += 1
            self.hanging_now += 1
            self.most_hanging = max(self.most_hanging, self.hanging_now)
            self._notify()
        try:
            released.wait()
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        finally:
            with self._lock:
                self.hanging_now -= 1
                self._notify()

    def _notify(self) -> None:
        for loop, reached, condition in self._watchers:
            if condition():
                loop.call_soon_threadsafe(reached.set)

    async def _until(self, condition: Callable[[], bool]) -> None:
        reached = asyncio.Event()
        with self._lock:
            self._watchers.append((asyncio.get_running_loop(), reached, condition))
            if condition():
                reached.set()
        await reached.wait()

    async def until_hanging(self, count: int) -> None:
        """Wait until `count` lookups hang at once."""
        await self._until(lambda: self.hanging_now >= count)

    async def until_none_hang(self, calls: int = 0) -> None:
        """Wait until no lookup hangs and at least `calls` have been made: a lookup still queued for a
        thread has not been made, and would hang again after `hang_again`."""
        await self._until(lambda: self.hanging_now == 0 and self.hung_calls >= calls)

    def release(self) -> None:
        """End the lookups hanging now; later ones fail at once, until `hang_again`."""
        self._released.set()

    def hang_again(self) -> None:
        self._released = threading.Event()


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        running.add("/feed.xml", FEED)
        yield running


@pytest.fixture
def dns() -> Iterator[HangingDNS]:
    hanging = HangingDNS()
    yield hanging
    hanging.release()  # let every hung thread end


def _hung_fetches(fetcher: Fetcher, port: int, hosts: int, each: int = 1) -> list[asyncio.Task[Any]]:
    return [
        asyncio.create_task(fetcher.fetch(f"http://hung-{n}.example.test:{port}/feed.xml"))
        for n in range(hosts)
        for _ in range(each)
    ]


async def _settle(tasks: list[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_hung_system_lookups_never_keep_a_healthy_feeds_lookup_waiting(
    server: FeedServer, dns: HangingDNS, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real default resolver (the system's getaddrinfo, its DNS server mocked): forty feeds whose DNS
    hangs, more than any thread pool's worth, and a healthy feed still reads at once."""
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".example.test"):
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port or 0)))
                for address in dns.addresses(host, int(port or 0))
            ]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    fetcher = Fetcher(SETTINGS, policy=ONLY_SERVER)
    healthy = f"http://{HEALTHY}:{server.port}/feed.xml"
    try:
        assert (await fetcher.fetch(healthy)).status_code == 200
        hung = _hung_fetches(fetcher, server.port, hosts=40)
        await dns.until_hanging(4)
        await fetcher.aclose()  # no kept-alive connection: the healthy feed must look its name up again
        response = await fetcher.fetch(healthy)
        assert response.status_code == 200
        assert b"Healthy" in response.body
        await _settle(hung)
    finally:
        dns.release()
        await fetcher.aclose()


async def _fails_to_resolve(fetcher: Fetcher, url: str) -> str:
    with pytest.raises(ConnectionFailed) as failure:
        await fetcher.fetch(url)
    return str(failure.value)


async def test_a_lookup_past_its_deadline_fails_that_fetch_with_a_clear_error(
    server: FeedServer, dns: HangingDNS
) -> None:
    fetcher = Fetcher(SETTINGS, policy=ONLY_SERVER, resolver=ThreadedResolver(dns.addresses, seconds=0.2))
    try:
        error = await _fails_to_resolve(fetcher, f"http://hung-1.example.test:{server.port}/feed.xml")
    finally:
        await fetcher.aclose()
    assert "cannot resolve hung-1.example.test: the DNS lookup gave no answer within 0.2 s" in error


async def test_feeds_naming_one_hung_host_share_one_lookup(server: FeedServer, dns: HangingDNS) -> None:
    fetcher = Fetcher(SETTINGS, policy=ONLY_SERVER, resolver=ThreadedResolver(dns.addresses, seconds=0.2))
    try:
        for _round in range(3):  # polled again while the first lookup still hangs
            errors = await asyncio.gather(
                *(
                    _fails_to_resolve(fetcher, f"http://HUNG-1.example.test:{port}/feed-{n}.xml")
                    for n in range(10)
                    for port in (server.port, server.port + 1)
                )
            )
            assert all("no answer within 0.2 s" in error for error in errors)
    finally:
        await fetcher.aclose()
    assert dns.hung_calls == 1


async def test_names_that_hang_hold_a_bounded_number_of_threads(server: FeedServer, dns: HangingDNS) -> None:
    """Twelve names hang: the first time on the threads for new names (at most 3 at once here), after that
    on the one for failing names; a name that answered, and a new one once those hung there have failed,
    resolve at once."""
    resolver = ThreadedResolver(dns.addresses, threads=3, known_threads=2, failing_threads=1, seconds=0.2)
    fetcher = Fetcher(SETTINGS, policy=ONLY_SERVER, resolver=resolver)
    try:
        assert (await fetcher.fetch(f"http://{HEALTHY}:{server.port}/feed.xml")).status_code == 200
        hung = [f"http://hung-{n}.example.test:{server.port}/feed.xml" for n in range(12)]
        await asyncio.gather(*(_fails_to_resolve(fetcher, url) for url in hung))
        assert dns.most_hanging == 3
        await fetcher.aclose()  # no kept-alive connection: every fetch below looks its name up
        assert (await fetcher.fetch(f"http://{HEALTHY}:{server.port}/feed.xml")).status_code == 200
        dns.release()
        await dns.until_none_hang(calls=len(hung))  # the names queued behind the three that hung, too
        dns.hang_again()
        dns.most_hanging = 0
        # the next poll: every name that hung is looked up again, and hangs again, on the failing thread
        await asyncio.gather(*(_fails_to_resolve(fetcher, url) for url in hung))
        assert dns.most_hanging == 1
        await fetcher.aclose()
        assert (await fetcher.fetch(f"http://{HEALTHY}:{server.port}/feed.xml")).status_code == 200
        assert (await fetcher.fetch(f"http://new.example.test:{server.port}/feed.xml")).status_code == 200
    finally:
        await fetcher.aclose()
