"""Fetching over HTTPS (most real feeds): certificates are verified against the host name, and a kept-alive
TLS connection serves the next poll. A local HTTPS feed server with certificates from a test CA (trustme)."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator

import pytest
import trustme

from feeds.errors import ConnectionFailed
from feeds.fetch import Fetcher
from feeds.guard import AddressPolicy
from storage.settings import Settings
from tests.feedserver import FeedServer, rss

SETTINGS = Settings(fetch_timeout=5, connect_timeout=2)
# the test server's loopback address is trusted; the guard stays on for everything else
ONLY_SERVER = AddressPolicy(trusted=(ipaddress.ip_network("127.0.0.1/32"),))
FEED = rss("Secure feed", [("s1", "Sev Lake", "https://example.com/1", "text")])
HOST = "feeds.example.test"


async def resolve_to_loopback(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _server_context(ca: trustme.CA, *names: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    return context


def _client_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


@pytest.fixture(scope="module")
def https_server(ca: trustme.CA) -> Iterator[FeedServer]:
    with FeedServer(ssl_context=_server_context(ca, HOST)) as running:
        running.add("/secure.xml", FEED)
        yield running


async def test_a_feed_over_https_is_fetched_and_polled_again_on_the_same_connection(
    https_server: FeedServer, ca: trustme.CA
) -> None:
    url = f"https://{HOST}:{https_server.port}/secure.xml"
    fetcher = Fetcher(
        SETTINGS, policy=ONLY_SERVER, resolver=resolve_to_loopback, ssl_context=_client_context(ca)
    )
    connections = https_server.connections
    try:
        first = await fetcher.fetch(url)
        second = await fetcher.fetch(url, etag=first.etag)
    finally:
        await fetcher.aclose()
    assert first.status_code == 200 and first.body == FEED.encode()
    assert second.status_code == 304
    assert https_server.connections - connections == 1  # one TLS handshake for both polls
    assert https_server.requests("/secure.xml")[-1].headers["host"] == f"{HOST}:{https_server.port}"


async def test_a_certificate_from_an_unknown_authority_is_refused(https_server: FeedServer) -> None:
    url = f"https://{HOST}:{https_server.port}/secure.xml"
    fetcher = Fetcher(SETTINGS, policy=ONLY_SERVER, resolver=resolve_to_loopback)  # the public CA bundle
    try:
        with pytest.raises(ConnectionFailed, match="certificate verify failed") as failure:
            await fetcher.fetch(url)
    finally:
        await fetcher.aclose()
    assert str(failure.value).startswith(url)


async def test_a_certificate_for_another_host_is_refused(https_server: FeedServer, ca: trustme.CA) -> None:
    url = f"https://other.example.test:{https_server.port}/secure.xml"
    fetcher = Fetcher(
        SETTINGS, policy=ONLY_SERVER, resolver=resolve_to_loopback, ssl_context=_client_context(ca)
    )
    requests = len(https_server.requests())
    try:
        with pytest.raises(ConnectionFailed, match="Hostname mismatch"):
            await fetcher.fetch(url)
    finally:
        await fetcher.aclose()
    assert len(https_server.requests()) == requests  # nothing was sent over the unverified connection
